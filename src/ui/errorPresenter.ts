// Turns an error value into one notification that says what happened and what to do next.
// A rejected key found in the background is reported once per server until its key changes, never as a flood; a
// command the user runs always gets its answer (VS Code shows an identical notification only once anyway).
import vscode = require('vscode');
import { describeApiError, describeKeyProblem, isNoSamplyProfile, keyProblem } from '../feldera/errors';
import { settingToFix } from '../feldera/transportErrors';
import type { ApiError } from '../feldera/types';
import type { DownloadError } from '../download/types';
import type { Log } from './log';
import { openSetting } from './openSetting';

export interface ErrorContext {
  /** Server name, for messages and for "Set API Key…". */
  server?: string;
  origin?: string;
  pipeline?: string;
  ordinal?: number;
  /** What the user was doing, e.g. "Fetching the samply profile of orders". */
  action?: string;
}

/** Network errors that mean an answer started and then stopped, rather than no answer at all. */
const BROKEN_OFF = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ECONNABORTED']);

const OPEN_LOGS = 'Open Logs';
const SET_KEY = 'Set API Key…';
const COLLECT = 'Collect Samply Profile…';
const OPEN_SETTINGS = 'Open Settings';

export function describeError(e: DownloadError, ctx: ErrorContext = {}): string {
  if (keyProblem(e)) return describeKeyProblem(e, { server: ctx.server, pipeline: ctx.pipeline });
  switch (e.kind) {
    case 'corrupt':
      return `The profile download was incomplete or not a gzip file (${e.message}). Nothing was saved; try again.`;
    case 'stalled':
      return `The download stalled: no data for ${Math.round(e.afterMs / 1000)} s. Nothing was saved; try again.`;
    case 'deadline':
      return `${e.message}`;
    case 'filesystem':
      return `Could not save the profile: ${e.message}. Check the "feldera.profiles.folder" setting and folder permissions.`;
    case 'internal':
      return `The profile download failed: ${e.message} Nothing was saved; try again. If it keeps happening, please report it with the Feldera log.`;
    case 'network':
      if (e.code && BROKEN_OFF.has(e.code))
        return `The connection to ${ctx.server ?? 'the server'} broke off${ctx.pipeline ? ` while downloading the profile of ${ctx.pipeline}${hostText(ctx)}` : ''} (${e.message}). Nothing was saved; try again.`;
      return describeApiError(e, { pipeline: ctx.pipeline, server: ctx.server });
    case 'feldera':
      if (isNoSamplyProfile(e))
        return `No samply profile has been collected on ${ctx.pipeline ?? 'this pipeline'}${hostText(ctx)} yet${
          e.message ? ` (server: "${e.message}")` : ''
        }. Collect one first.`;
      if (e.errorCode === 'SamplyProfilingFailure')
        return `samply failed on ${ctx.pipeline ?? 'the pipeline'}${hostText(ctx)}: ${
          typeof e.details === 'string' && e.details ? e.details : e.message
        }`;
      if (e.status === 404 && ctx.pipeline)
        return `Pipeline "${ctx.pipeline}" was not found on ${ctx.server ?? 'the server'} (${e.message}). Refresh the Pipelines view.`;
      return describeApiError(e, { pipeline: ctx.pipeline, server: ctx.server });
    default:
      return describeApiError(e, { pipeline: ctx.pipeline, server: ctx.server });
  }
}

function hostText(ctx: ErrorContext): string {
  return ctx.ordinal !== undefined ? ` (host ${ctx.ordinal})` : '';
}

export class ErrorPresenter {
  private readonly rejectedOrigins = new Set<string>();

  constructor(private readonly log: Log) {}

  /** Call when a key changes, so the next rejection is reported again. */
  keyChanged(origin: string): void {
    this.rejectedOrigins.delete(origin);
  }

  /**
   * Reports a key problem (see `keyProblem`: rejected or not allowed) with "Set API Key…". Found in the background
   * (a refresh), it is shown once per origin and later ones only go to the log, until the key changes; `userAsked`
   * (the answer to a command the user ran) shows it every time, or the command would end without a word. Returns
   * true if shown.
   */
  async reportRejectedKey(
    ctx: ErrorContext,
    e: DownloadError | ApiError,
    opts: { userAsked?: boolean } = {},
  ): Promise<boolean> {
    const message = describeError(e, ctx);
    this.log.error(`${ctx.action ? ctx.action + ': ' : ''}${message}`);
    if (!opts.userAsked && ctx.origin && this.rejectedOrigins.has(ctx.origin)) return false;
    if (ctx.origin) this.rejectedOrigins.add(ctx.origin);
    const pick = await vscode.window.showErrorMessage(`Feldera: ${message}`, SET_KEY, OPEN_LOGS);
    if (pick === SET_KEY) await vscode.commands.executeCommand('feldera.setApiKey', ctx.server);
    if (pick === OPEN_LOGS) this.log.show();
    return true;
  }

  async show(e: DownloadError, ctx: ErrorContext = {}): Promise<void> {
    if (e.kind === 'cancelled') return;
    if (keyProblem(e)) {
      await this.reportRejectedKey(ctx, e, { userAsked: true });
      return;
    }
    const message = describeError(e, ctx);
    this.log.error(`${ctx.action ? ctx.action + ': ' : ''}${message}`);
    const actions: string[] = [];
    if (isNoSamplyProfile(e) && ctx.pipeline) actions.push(COLLECT);
    // TLS and proxy failures: the setting that fixes them (the CA files, the server URL, http.proxy).
    const setting = settingToFix(e);
    if (setting) actions.push(OPEN_SETTINGS);
    actions.push(OPEN_LOGS);
    const pick = await vscode.window.showErrorMessage(`Feldera: ${message}`, ...actions);
    if (pick === OPEN_LOGS) this.log.show();
    if (pick === OPEN_SETTINGS && setting) await openSetting(setting);
    if (pick === COLLECT)
      await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
        server: ctx.server,
        pipeline: ctx.pipeline,
        ordinal: ctx.ordinal,
      });
  }

  /**
   * Several failures at once (e.g. some hosts of "All hosts"): one notification listing them, with the next steps a
   * single failure would offer: "Collect Samply Profile…" for the hosts that have none yet, "Set API Key…" when the
   * key is the problem.
   */
  async showMany(failures: { label: string; error: DownloadError; ctx: ErrorContext }[], saved: number): Promise<void> {
    const real = failures.filter((f) => f.error.kind !== 'cancelled');
    if (real.length === 0) return;
    if (real.length === 1 && saved === 0) return this.show(real[0].error, real[0].ctx);
    for (const f of real) this.log.error(`${f.label}: ${describeError(f.error, f.ctx)}`);
    const lines = real.map((f) => `${f.label}: ${describeError(f.error, f.ctx)}`).join(' — ');
    const prefix = saved > 0 ? `${saved} profile(s) saved, but ${real.length} failed` : `${real.length} fetches failed`;
    const key = real.find((f) => keyProblem(f.error));
    const empty = real.filter((f) => isNoSamplyProfile(f.error) && f.ctx.pipeline !== undefined);
    const actions = [...(key ? [SET_KEY] : []), ...(empty.length ? [COLLECT] : []), OPEN_LOGS];
    if (key?.ctx.origin) this.rejectedOrigins.add(key.ctx.origin);
    const pick = await vscode.window.showErrorMessage(`Feldera: ${prefix}. ${lines}`, ...actions);
    if (pick === OPEN_LOGS) this.log.show();
    if (pick === SET_KEY && key) await vscode.commands.executeCommand('feldera.setApiKey', key.ctx.server);
    if (pick === COLLECT) {
      // One host: that one; several: all of them (the command takes one host or all).
      const { server, pipeline, ordinal } = empty[0].ctx;
      await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
        server,
        pipeline,
        ordinal: empty.length === 1 ? ordinal : 'all',
      });
    }
  }
}
