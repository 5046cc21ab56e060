// What a failure between the extension and the Feldera server means when it is the network's doing rather than
// Feldera's: a TLS failure (./tls.ts), a proxy asking for credentials (407), or a proxy's own error page. One
// sentence with the fix, and the setting that holds the fix, for an "Open Settings" button.
import { describeTlsFailure, settingForTlsCause, tlsCause } from './tls';
import type { ApiError } from './types';

export const PROXY_SETTING = 'http.proxy';

type HttpError = Extract<ApiError, { kind: 'http' }>;

/**
 * The sentence for a TLS or proxy failure, or undefined when `e` is neither. `server` names the server as in a
 * sentence (`the Feldera server "x"`), `forPipeline` is empty or ` for pipeline "p"`.
 */
export function describeTransportError(e: { kind: string }, server: string, forPipeline = ''): string | undefined {
  const a = e as ApiError;
  if (a.kind === 'network') {
    const cause = tlsCause(a.code, a.message);
    return cause && describeTlsFailure(cause, a, server, forPipeline);
  }
  if (a.kind === 'http') return describeProxyAnswer(a, server, forPipeline);
  return undefined;
}

/** The setting an "Open Settings" button should show for this failure, if a setting can fix it. */
export function settingToFix(e: { kind: string }): string | undefined {
  const a = e as ApiError;
  if (a.kind === 'network') {
    const cause = tlsCause(a.code, a.message);
    return cause && settingForTlsCause(cause);
  }
  if (a.kind === 'http' && (a.status === 407 || a.via)) return PROXY_SETTING;
  return undefined;
}

function describeProxyAnswer(e: HttpError, server: string, forPipeline: string): string | undefined {
  const statusLine = `HTTP ${e.status}${e.statusText ? ` ${e.statusText}` : ''}`;
  if (e.status === 407) {
    return (
      `A proxy between VS Code and ${server} asks for credentials (${statusLine})${forPipeline}. Put them in the ` +
      `"${PROXY_SETTING}" setting (http://user:password@proxy:port), or, if the server can be reached without the ` +
      'proxy, add its host name to "http.noProxy".'
    );
  }
  if (!e.via) return undefined;
  const page = e.snippet ? `: "${e.snippet}"` : '';
  return (
    `The answer from ${server}${forPipeline} came through a proxy (Via: ${e.via}) and is not Feldera's: ` +
    `${statusLine}${page}. If the proxy made this page, check the "${PROXY_SETTING}" and "http.noProxy" ` +
    'settings, or ask your network administrator to let the server through.'
  );
}
