// Fetch Samply Profile and Collect Samply Profile…: pick a target, run one fetch per host with a cancellable
// progress notification and the status-bar summary, then offer the saved files. The pipeline's SQL context (src/sql)
// is fetched meanwhile; if it is not there within a short grace after the profiles are saved, they are announced
// (and returned) without it, and it finishes in the background: a status-bar entry (cancellable), the companion
// written when it lands, a notification only when something is missing or failed.
import * as path from 'path';
import vscode = require('vscode');
import { collectSamplyProfileToFolder, fetchSamplyProfileToFolder } from '../download/samplyFetcher';
import type { DownloadError, DownloadResult, FetchProgress } from '../download/types';
import type { FelderaApi } from '../feldera/types';
import type { ServerConnections } from '../servers/connections';
import { CONTEXT_GRACE_MS, describeCompanion, SqlContextFetch, type CompanionOutcome } from '../sql/companionFetch';
import type { ErrorPresenter } from '../ui/errorPresenter';
import { logFailure, type Log } from '../ui/log';
import { formatBytes, type ProfileStatusBar } from '../ui/profileStatusBar';
import {
  pickDuration,
  resolveProfilesFolder,
  validDuration,
  type SamplyTarget,
  type SamplyTargetResolver,
} from './samplyTarget';
import { ApiCallError, parseSamplyArgs } from './samplyTarget';

export interface SamplyCommandDeps {
  resolver: SamplyTargetResolver;
  connections: ServerConnections;
  statusBar: ProfileStatusBar;
  errors: ErrorPresenter;
  log: Log;
  /** Told about SQL contexts still on their way after their profiles were saved (the profile editor waits for them). */
  companions?: PendingCompanions;
}

export interface PendingCompanions {
  /** `landed` settles once the companions of `profiles` (paths) were written, or will not be. */
  expect(profiles: readonly string[], landed: Promise<unknown>): void;
}

/** How many hosts of one pipeline are fetched at once for "All hosts". */
const PARALLEL_HOSTS = 4;

type Mode = 'fetch' | 'collect';

export async function runSamplyCommand(
  deps: SamplyCommandDeps,
  mode: Mode,
  arg?: unknown,
): Promise<vscode.Uri[] | undefined> {
  const purpose = mode === 'fetch' ? 'Fetch Samply Profile' : 'Collect Samply Profile';
  let target: SamplyTarget | undefined;
  try {
    target = await deps.resolver.resolve(arg, purpose);
  } catch (e) {
    if (!(e instanceof ApiCallError)) throw e;
    const ctx = { server: e.server.name, origin: e.server.origin, pipeline: e.pipeline, action: purpose };
    void deps.errors.show(e.apiError, ctx).catch(logFailure(deps.log, `${purpose}: reporting an error`));
    return [];
  }
  if (!target) return undefined;
  let duration: number | undefined;
  if (mode === 'collect') {
    duration = parseSamplyArgs(arg).durationSeconds;
    if (duration === undefined) {
      const configured = vscode.workspace.getConfiguration('feldera').get<unknown>('samply.defaultDurationSeconds');
      const fallback = validDuration(configured) ? configured : 30;
      if (configured !== undefined && !validDuration(configured))
        deps.log.warn(`feldera.samply.defaultDurationSeconds (${String(configured)}) is not 1..3600; using 30.`);
      duration = await pickDuration(fallback);
      if (duration === undefined) return undefined;
    }
  }
  const folder = await resolveProfilesFolder();
  if (!folder) return undefined;
  return runJobs(deps, mode, target, folder, duration);
}

function hostLabel(target: SamplyTarget, ordinal: number | undefined): string {
  return target.multihost && ordinal !== undefined ? ` · host ${ordinal}` : '';
}

/** What one host's fetch came to, with the SQL context saved beside it when it was saved. */
type Outcome = { ordinal: number | undefined; result: DownloadResult; companion?: CompanionOutcome };

/** The job's SQL context when it did not land within the grace: it finishes in the background. */
interface LateContext {
  context: SqlContextFetch;
  profiles: string[];
  later: Promise<CompanionOutcome[]>;
}

/** One fetch per host under one cancellable progress notification, then what came of them, told once. */
async function runJobs(
  deps: SamplyCommandDeps,
  mode: Mode,
  target: SamplyTarget,
  folder: string,
  duration: number | undefined,
): Promise<vscode.Uri[] | undefined> {
  const api = await deps.connections.client(target.server);
  const title = jobTitle(mode, target, duration);
  deps.log.info(`${title} → ${folder}`);
  const job: Job = { deps, mode, target, folder, duration, api, started: new Date() };
  const { outcomes, late } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => fetchAllHosts(job, progress, token),
  );
  if (late) finishInBackground(deps, target, late);
  return reportOutcomes(deps, mode, target, outcomes, late !== undefined);
}

interface Job {
  deps: SamplyCommandDeps;
  mode: Mode;
  target: SamplyTarget;
  folder: string;
  duration: number | undefined;
  api: FelderaApi;
  /** One time for every file of the job, so the hosts' files sort together. */
  started: Date;
}

function jobTitle(mode: Mode, target: SamplyTarget, duration: number | undefined): string {
  const many = target.ordinals.length > 1;
  return (
    `Feldera: ${mode === 'collect' ? `collecting ${duration} s samply profile` : 'fetching samply profile'} of ` +
    `${target.pipeline}${many ? ` · ${target.ordinals.length} hosts` : hostLabel(target, target.ordinals[0])}`
  );
}

/**
 * Every host (a few at once), with the pipeline's SQL context fetched meanwhile; cancelling stops them all. The
 * context is saved beside the saved profiles if it is there within the grace; else it is handed back as `late`.
 */
async function fetchAllHosts(
  job: Job,
  progress: vscode.Progress<{ message?: string }>,
  token: vscode.CancellationToken,
): Promise<{ outcomes: Outcome[]; late?: LateContext }> {
  const all = new AbortController();
  const sub = token.onCancellationRequested(() => all.abort());
  // The pipeline's SQL context, fetched once while samply records, saved beside each profile (src/sql).
  const sql = SqlContextFetch.start({ api: job.api, pipeline: job.target.pipeline, signal: all.signal });
  const states = new Map<number | undefined, FetchProgress | { phase: 'done' }>();
  const render = () => progress.report({ message: progressMessage(job.target, states) });
  let late: LateContext | undefined;
  try {
    const outcomes = await mapLimited(job.target.ordinals, PARALLEL_HOSTS, (ordinal) =>
      fetchOneHost(job, ordinal, all.signal, (p) => {
        states.set(ordinal, p);
        render();
      }),
    );
    const saved = outcomes.filter((o): o is Outcome & { result: { ok: true } } => o.result.ok);
    if (saved.length === 0) return { outcomes };
    if (!sql.settled) progress.report({ message: 'saved; a moment for the SQL context' });
    const settled = await sql.saveBesideWithin(
      saved.map((o) => ({ path: o.result.path, bytes: o.result.bytes })),
      CONTEXT_GRACE_MS,
    );
    if (settled.pending) {
      late = { context: sql, profiles: saved.map((o) => o.result.path), later: settled.later };
      job.deps.log.info(`${job.target.pipeline}: the SQL context is still on its way; it is saved when it lands`);
    } else {
      saved.forEach((o, i) => (o.companion = settled.outcomes[i]));
      for (const o of saved) logCompanion(job.deps.log, o.result.path, o.companion);
    }
    return { outcomes, late };
  } finally {
    // A context still on its way goes on after the notification (cancelled from the status bar instead).
    if (!late) sql.abort();
    sub.dispose();
  }
}

/** One host: its own status-bar entry (cancellable alone), and the fetch or collection. */
async function fetchOneHost(
  job: Job,
  ordinal: number | undefined,
  cancelAll: AbortSignal,
  onState: (s: FetchProgress | { phase: 'done' }) => void,
): Promise<Outcome> {
  const { deps, target } = job;
  const own = new AbortController();
  const onAll = () => own.abort();
  cancelAll.addEventListener('abort', onAll);
  const label = `${target.pipeline}${hostLabel(target, ordinal)}`;
  const bar = deps.statusBar.add(label, () => own.abort());
  const onProgress = (p: FetchProgress) => {
    bar.update(p.phase === 'waiting' ? { secondsLeft: p.secondsLeft } : { bytes: p.bytes });
    onState(p);
  };
  try {
    const common = {
      api: job.api,
      pipeline: target.pipeline,
      ordinal,
      hostSuffix: target.multihost,
      folder: job.folder,
      now: job.started,
      signal: own.signal,
      onProgress,
    };
    const result =
      job.mode === 'collect'
        ? await collectSamplyProfileToFolder({
            ...common,
            durationSecs: job.duration ?? 30,
            onJoinedRunning: () =>
              deps.log.info(`${label}: a collection was already running; waiting for it instead of starting one`),
          })
        : await fetchSamplyProfileToFolder(common);
    logOutcome(deps.log, label, result);
    return { ordinal, result };
  } finally {
    onState({ phase: 'done' });
    bar.done();
    cancelAll.removeEventListener('abort', onAll);
  }
}

/** The saved files (announced with their next steps) and the failures (one notification); undefined: cancelled. */
function reportOutcomes(
  deps: SamplyCommandDeps,
  mode: Mode,
  target: SamplyTarget,
  outcomes: Outcome[],
  contextLate: boolean,
): vscode.Uri[] | undefined {
  const saved = outcomes.filter((o): o is Outcome & { result: Extract<DownloadResult, { ok: true }> } => o.result.ok);
  const failed = outcomes.filter((o): o is Outcome & { result: { ok: false; error: DownloadError } } => !o.result.ok);
  if (saved.length === 0 && failed.every((f) => f.result.error.kind === 'cancelled')) {
    deps.log.info(`${target.pipeline}: cancelled; nothing was saved`);
    return undefined;
  }
  if (saved.length)
    void announceSaved(
      saved.map((o) => ({ path: o.result.path, bytes: o.result.bytes })),
      target,
      contextLate
        ? `${saved.length === 1 ? 'Its' : 'Their'} SQL context is still coming from the server (status bar).`
        : saved.map((o) => describeCompanion(o.companion)).find((t) => t !== undefined),
    ).catch(logFailure(deps.log, 'Offering the saved profile'));
  if (failed.length) {
    void deps.errors
      .showMany(
        failed.map((f) => ({
          label: `${target.pipeline}${hostLabel(target, f.ordinal)}`,
          error: f.result.error,
          ctx: {
            server: target.server.name,
            origin: target.server.origin,
            pipeline: target.pipeline,
            ordinal: target.multihost ? f.ordinal : undefined,
            action: mode === 'collect' ? 'Collect Samply Profile' : 'Fetch Samply Profile',
          },
        })),
        saved.length,
      )
      .catch(logFailure(deps.log, 'Reporting the failed fetches'));
  }
  return saved.map((o) => vscode.Uri.file(o.result.path));
}

/**
 * The SQL context that missed the grace: a status-bar entry while it comes (its cancel writes nothing), the companions
 * written when it lands, and a notification only when one is incomplete or could not be saved.
 */
function finishInBackground(deps: SamplyCommandDeps, target: SamplyTarget, late: LateContext): void {
  const names = late.profiles.map((p) => path.basename(p));
  const label = names.length === 1 ? names[0] : `${names.length} profiles of ${target.pipeline}`;
  const bar = deps.statusBar.add(label, () => late.context.abort(), 'sql-context');
  const landed = late.later.then((outcomes) => {
    outcomes.forEach((o, i) => logCompanion(deps.log, late.profiles[i], o));
    const note = outcomes.map(describeCompanion).find((t) => t !== undefined);
    if (!note) return;
    const text = `Feldera: SQL context for ${label}: ${note}`;
    const shown = outcomes.some((o) => !o.saved)
      ? vscode.window.showWarningMessage(text)
      : vscode.window.showInformationMessage(text);
    void shown.then(undefined, logFailure(deps.log, 'Telling about the SQL context'));
  });
  void landed.catch(logFailure(deps.log, 'Saving the SQL context')).finally(() => bar.done());
  deps.companions?.expect(late.profiles, landed);
}

function logCompanion(log: Log, profile: string, c: CompanionOutcome | undefined): void {
  if (!c) return;
  const name = path.basename(profile);
  if (!c.saved) log.info(`${name}: ${c.reason}`);
  else {
    const without = c.missing.length ? ` (without its ${c.missing.map((m) => m.part).join(', ')})` : '';
    log.info(`${name}: saved ${path.basename(c.path)}${without}`);
  }
}

function progressMessage(
  target: SamplyTarget,
  states: Map<number | undefined, FetchProgress | { phase: 'done' }>,
): string {
  const parts: string[] = [];
  for (const [ordinal, s] of states) {
    const who = target.multihost && target.ordinals.length > 1 ? `host ${ordinal}: ` : '';
    if (s.phase === 'waiting') parts.push(`${who}waiting for samply, ${s.secondsLeft} s left`);
    else if (s.phase === 'downloading') parts.push(`${who}downloading ${formatBytes(s.bytes)}`);
    else if (s.phase === 'verifying') parts.push(`${who}checking ${formatBytes(s.bytes)}`);
    else if (target.ordinals.length > 1) parts.push(`${who}done`);
  }
  return parts.join(' · ');
}

function logOutcome(log: Log, label: string, r: DownloadResult): void {
  if (r.ok) log.info(`${label}: saved ${r.path} (${formatBytes(r.bytes)})`);
  else if (r.error.kind === 'cancelled') log.info(`${label}: cancelled`);
  else log.warn(`${label}: ${r.error.kind} ${'message' in r.error ? r.error.message : ''}`);
}

async function announceSaved(
  files: { path: string; bytes: number }[],
  target: SamplyTarget,
  sqlNote?: string,
): Promise<void> {
  const SUMMARY = 'Open Profile Summary';
  const SAMPLY = 'Open with samply';
  const REVEAL = 'Reveal in Explorer';
  const total = files.reduce((n, f) => n + f.bytes, 0);
  const text =
    files.length === 1
      ? `Feldera: saved ${path.basename(files[0].path)} (${formatBytes(total)}).`
      : `Feldera: saved ${files.length} profiles of ${target.pipeline} (${formatBytes(total)}) in ${path.dirname(files[0].path)}.`;
  const pick = await vscode.window.showInformationMessage(
    sqlNote ? `${text} ${sqlNote}` : text,
    SUMMARY,
    SAMPLY,
    REVEAL,
  );
  if (!pick) return;
  const file = files.length === 1 ? files[0].path : await pickFile(files);
  if (!file) return;
  const uri = vscode.Uri.file(file);
  if (pick === SUMMARY) await vscode.commands.executeCommand('feldera.openProfileSummary', uri);
  if (pick === SAMPLY) await vscode.commands.executeCommand('feldera.openWithSamply', uri);
  if (pick === REVEAL) await revealInExplorer(uri);
}

async function pickFile(files: { path: string; bytes: number }[]): Promise<string | undefined> {
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: path.basename(f.path), description: formatBytes(f.bytes), path: f.path })),
    { placeHolder: 'Which profile?' },
  );
  return pick?.path;
}

export async function revealInExplorer(uri: vscode.Uri): Promise<void> {
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the order of results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
