// The "Feldera" LogOutputChannel. Everything written here passes through `redactSecrets` with every key seen, so a
// key that reaches a message by accident is still never written.
import vscode = require('vscode');
import { redactSecrets } from '../feldera/parsers';
import type { RequestLogEntry } from '../feldera/types';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  request(server: string, entry: RequestLogEntry): void;
  show(): void;
}

export function createLog(knownSecrets: () => Iterable<string>): Log & vscode.Disposable {
  const channel = vscode.window.createOutputChannel('Feldera', { log: true });
  const clean = (m: string) => redactSecrets(m, knownSecrets());
  return {
    info: (m) => channel.info(clean(m)),
    warn: (m) => channel.warn(clean(m)),
    error: (m) => channel.error(clean(m)),
    debug: (m) => channel.debug(clean(m)),
    request: (server, e) => {
      const what = `${server} ${e.method} ${e.path} → ${e.status ?? e.failure ?? 'no answer'} (${Math.round(e.durationMs)} ms${
        e.attempt > 1 ? `, attempt ${e.attempt}` : ''
      })`;
      if (e.status === undefined || e.status >= 500) channel.warn(clean(what));
      else channel.info(clean(what));
    },
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}

/** An unexpected error (a bug, not an error answer) for the log: its stack when it has one. */
export function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/**
 * For a promise nobody waits for: `void p.catch(logFailure(log, 'Refreshing the view'))`. Its failure is logged
 * instead of becoming an unhandled rejection that no one sees.
 */
export function logFailure(log: Pick<Log, 'error'>, what: string): (e: unknown) => void {
  return (e) => log.error(`${what} failed: ${errorText(e)}`);
}
