// Fetching a profile's SQL context while the profile itself is collected or fetched, and saving it beside the profile.
// vscode-free: the command layer starts it, hands it the saved profile(s) and shows `describeCompanion`'s sentence.
//
// The three requests (the pipeline with its SQL, its dataflow graph, its circuit profile) start at once, when the
// command starts, so they run while samply records and while the profile downloads: a collection whose server answers
// promptly ends no later for them. The circuit profile can take long (the server allows 120 s): once the profile is
// saved, it waits at most a short grace for the context (`saveBesideWithin`), then the profile is announced and the
// context finishes in the background, cancellable, saved when it lands unless the profile was removed meanwhile.
// Nothing is written unless the profile was saved; a piece that cannot be had is named in the outcome, and the profile
// is kept whatever happens here.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { describeApiError } from '../feldera/errors';
import { isInteractive } from '../feldera/pipelineStatus';
import type {
  ApiError,
  ApiResult,
  CircuitNodeIds,
  CircuitProfileOptions,
  DataflowGraph,
  FelderaApi,
  PipelineInfo,
} from '../feldera/types';
import { buildCompanion, companionPathFor, writeFileExclusive } from './companion';
import type { MissingPart } from './types';

export type SqlContextPiece = 'pipeline' | 'dataflow-graph' | 'circuit-profile';

export interface SqlContextFetchOptions {
  api: Pick<FelderaApi, 'getPipeline' | 'dataflowGraph' | 'circuitJsonProfile'>;
  pipeline: string;
  /** Aborting it stops the requests still running; nothing is saved afterwards. */
  signal?: AbortSignal;
  circuit?: CircuitProfileOptions;
  /** Called as each piece settles (for progress, logs and tests). */
  onSettled?: (piece: SqlContextPiece, ok: boolean) => void;
  now?: () => Date;
}

export interface FetchedSqlContext {
  pipeline: ApiResult<PipelineInfo>;
  graph: ApiResult<DataflowGraph>;
  /** Not asked for (`notRunning` = the deployment status) when the pipeline is neither running nor paused. */
  circuit: ApiResult<CircuitNodeIds> | { ok: false; notRunning: string };
}

export type CompanionOutcome =
  /** Saved; `missing` lists the pieces it lacks (empty when complete). */
  | { saved: true; path: string; missing: MissingPart[] }
  /**
   * Not saved: why, in one sentence (the profile is kept). `profileGone`: the profile was removed (or replaced) before
   * the context landed, so there was nothing to save it beside.
   */
  | { saved: false; reason: string; missing: MissingPart[]; cancelled?: boolean; profileGone?: boolean };

/**
 * How long a saved profile waits for a SQL context still on its way before it is announced without it; the context
 * then finishes in the background. Issue 13: the companion adds at most 1 s to a fetch.
 */
export const CONTEXT_GRACE_MS = 800;

/** A profile saved by a fetch or collection. */
export interface SavedProfile {
  path: string;
  bytes: number;
}

/** The companions of saved profiles: written within the grace, or still waiting for the context. */
export type CompanionsSettled =
  | { pending: false; outcomes: CompanionOutcome[] }
  /** `later` settles (never rejects) once the context landed and was saved, or was cancelled with `abort()`. */
  | { pending: true; later: Promise<CompanionOutcome[]> };

/** The SQL context of one collection or fetch: started once, saved beside each profile it produced. */
export class SqlContextFetch {
  /** Settles when all three requests have; never rejects. */
  readonly ready: Promise<FetchedSqlContext>;
  private readonly controller = new AbortController();
  private readonly opts: SqlContextFetchOptions;
  private isSettled = false;

  private constructor(opts: SqlContextFetchOptions) {
    this.opts = opts;
    const outer = opts.signal;
    const onOuter = (): void => this.controller.abort();
    if (outer?.aborted) this.controller.abort();
    else outer?.addEventListener('abort', onOuter, { once: true });
    const signal = this.controller.signal;
    const settle = <T>(piece: SqlContextPiece, p: Promise<ApiResult<T>>): Promise<ApiResult<T>> =>
      p.then(
        (r) => {
          safely(() => opts.onSettled?.(piece, r.ok));
          return r;
        },
        (e: unknown): ApiResult<T> => {
          // The client returns errors as values; a throw here is a bug, but must not lose the profile.
          safely(() => opts.onSettled?.(piece, false));
          return { ok: false, error: { kind: 'network', message: String(e) } };
        },
      );
    const pipeline = settle(
      'pipeline',
      call(() => opts.api.getPipeline(opts.pipeline, 'all', signal)),
    );
    // The circuit profile only once the pipeline is known to run: a stopped or starting one would answer 503, some of
    // which the client retries for half a minute.
    const circuit = pipeline.then((p): Promise<FetchedSqlContext['circuit']> => {
      const status = p.ok ? p.value.deployment_status : undefined;
      // Only an interactive pipeline's controller answers (../feldera/pipelineStatus.ts).
      if (!p.ok || (typeof status === 'string' && !isInteractive(status))) {
        safely(() => opts.onSettled?.('circuit-profile', false));
        return Promise.resolve(p.ok ? { ok: false, notRunning: status! } : p);
      }
      return settle(
        'circuit-profile',
        call(() => opts.api.circuitJsonProfile(opts.pipeline, opts.circuit ?? {}, signal)),
      );
    });
    this.ready = Promise.all([
      pipeline,
      settle(
        'dataflow-graph',
        call(() => opts.api.dataflowGraph(opts.pipeline, signal)),
      ),
      circuit,
    ]).then(([pipeline, graph, circuit]) => {
      outer?.removeEventListener('abort', onOuter);
      this.isSettled = true;
      return { pipeline, graph, circuit };
    });
  }

  static start(opts: SqlContextFetchOptions): SqlContextFetch {
    return new SqlContextFetch(opts);
  }

  /** Stops the requests still running (say the profile failed): nothing will be saved. */
  abort(): void {
    this.controller.abort();
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Whether all three requests have settled. */
  get settled(): boolean {
    return this.isSettled;
  }

  /** True when the context settles within `ms` (false: it is still on its way, and keeps coming). */
  async readyWithin(ms: number): Promise<boolean> {
    if (this.isSettled) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.ready.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Saves the context beside each profile if it settles within `graceMs` after they were saved; else returns at once
   * with `later`, which saves it when it lands (the caller announces the profiles meanwhile, and may `abort()`).
   */
  async saveBesideWithin(profiles: readonly SavedProfile[], graceMs = CONTEXT_GRACE_MS): Promise<CompanionsSettled> {
    const saveAll = () =>
      Promise.all(
        profiles.map((p) =>
          this.saveBeside(p.path, p.bytes).catch((e: unknown): CompanionOutcome => ({
            saved: false,
            reason: `The SQL context was not saved: ${e instanceof Error ? e.message : String(e)}.`,
            missing: [],
          })),
        ),
      );
    if (await this.readyWithin(graceMs)) return { pending: false, outcomes: await saveAll() };
    return { pending: true, later: saveAll() };
  }

  /**
   * Waits for the pieces, then writes `<profile base>.sql.json` beside `profilePath` (never over an existing file, and
   * not at all when the profile is no longer there as saved). `profileBytes` is recorded so a reader can tell the
   * companion of another profile.
   */
  async saveBeside(profilePath: string, profileBytes: number): Promise<CompanionOutcome> {
    const got = await this.ready;
    const missing = missingParts(got, this.opts.pipeline);
    if (this.aborted)
      return { saved: false, reason: 'The SQL context was not saved: cancelled.', missing, cancelled: true };
    if (!(await stillThere(profilePath, profileBytes))) {
      const reason = `The SQL context was not saved: ${path.basename(profilePath)} was removed meanwhile.`;
      return { saved: false, reason, missing, profileGone: true };
    }
    if (!got.pipeline.ok) {
      const why = describeApiError(got.pipeline.error, { pipeline: this.opts.pipeline });
      return { saved: false, reason: `The SQL context was not saved: ${lowerFirst(why)}`, missing };
    }
    const companion = buildCompanion({
      pipeline: this.opts.pipeline,
      info: got.pipeline.value,
      graph: got.graph.ok ? got.graph.value : undefined,
      circuit: got.circuit.ok ? got.circuit.value : undefined,
      missing,
      profile: { file: path.basename(profilePath), bytes: profileBytes },
      createdAt: this.opts.now?.(),
    });
    if (!companion) {
      return {
        saved: false,
        reason: 'The SQL context was not saved: the server sent no SQL for the pipeline.',
        missing,
      };
    }
    const written = await writeFileExclusive(companionPathFor(profilePath), JSON.stringify(companion));
    if (!written.ok) return { saved: false, reason: `The SQL context was not saved: ${written.reason}.`, missing };
    return { saved: true, path: written.path, missing };
  }
}

/**
 * Runs `run` (a fetch or collect that saves one profile) with the SQL context fetched beside it. A failed profile
 * stops the context's requests and writes nothing; a saved one gets its companion. With `graceMs`, a context not
 * there within that time after the profile is saved is left to finish in the background: `later` instead of
 * `companion` (abort it with `opts.signal`).
 */
export async function withSqlCompanion<R extends { ok: true; path: string; bytes: number } | { ok: false }>(
  opts: SqlContextFetchOptions,
  run: () => Promise<R>,
  graceMs?: number,
): Promise<{ result: R; companion?: CompanionOutcome; later?: Promise<CompanionOutcome> }> {
  const context = SqlContextFetch.start(opts);
  let result: R;
  try {
    result = await run();
  } catch (e) {
    context.abort();
    throw e;
  }
  if (!result.ok) {
    context.abort();
    await context.ready;
    return { result };
  }
  const saved = result as Extract<R, { ok: true }>;
  if (graceMs === undefined) return { result, companion: await context.saveBeside(saved.path, saved.bytes) };
  const settled = await context.saveBesideWithin([saved], graceMs);
  if (!settled.pending) return { result, companion: settled.outcomes[0] };
  return { result, later: settled.later.then(([o]) => o) };
}

/** The profile is still where it was saved, at the size it was saved with (not removed, not replaced). */
async function stillThere(profilePath: string, bytes: number): Promise<boolean> {
  try {
    const st = await fsp.stat(profilePath);
    return st.isFile() && st.size === bytes;
  } catch {
    return false;
  }
}

/** What is missing from the context, each with what it means. */
function missingParts(got: FetchedSqlContext, pipeline: string): MissingPart[] {
  const out: MissingPart[] = [];
  if (!got.graph.ok) {
    const e = got.graph.error;
    const code = errorCode(e);
    const reason =
      code === 'ProgramInfoMissesDataflow'
        ? 'the server keeps no dataflow graph for this program, which an older Feldera compiled; recompiling adds one'
        : code === 'ProgramNotCompiled'
          ? 'the program is not compiled'
          : lowerFirst(withoutStop(describeApiError(e, { pipeline })));
    out.push({ part: 'dataflow-graph', code, reason });
  }
  const circuit = got.circuit;
  if (!circuit.ok) {
    const status = 'notRunning' in circuit ? circuit.notRunning : undefined;
    const e = 'error' in circuit ? circuit.error : undefined;
    const code = status !== undefined || (e && notRunning(e)) ? 'NotRunning' : errorCode(e!);
    const reason =
      code === 'NotRunning'
        ? `the pipeline is ${status ? `${status}, ` : ''}not running or paused, and only a running pipeline gives its ` +
          'circuit profile'
        : lowerFirst(withoutStop(describeApiError(e!, { pipeline })));
    out.push({ part: 'circuit-profile', code, reason });
  }
  return out;
}

/**
 * One sentence for the notification about a saved profile, or undefined when the context is complete (nothing to
 * say). Names the missing part and what it means.
 */
export function describeCompanion(outcome: CompanionOutcome | undefined): string | undefined {
  if (!outcome) return undefined;
  if (!outcome.saved) {
    // Cancelled or removed by the user: nothing to tell them.
    return outcome.cancelled || outcome.profileGone
      ? undefined
      : `${outcome.reason} Operators will not be linked to SQL.`;
  }
  if (outcome.missing.length === 0) return undefined;
  const names = outcome.missing.map((m) => (m.part === 'dataflow-graph' ? 'dataflow graph' : 'circuit profile'));
  return (
    `The SQL was saved with the profile, but not its ${names.join(' nor its ')}: ` +
    `${outcome.missing.map((m) => m.reason).join('; ')}. Its operators will not be linked to SQL lines.`
  );
}

/** 503 from a pipeline that is not running (or paused): not deployed, unreachable, initializing, suspended. */
function notRunning(e: ApiError): boolean {
  if (e.kind !== 'feldera') return false;
  if (['PipelineInteractionNotDeployed', 'Initializing', 'Suspended', 'Terminating'].includes(e.errorCode)) return true;
  // Unreachable is also what a pipeline too slow to answer gets: only the "deployment status" kind means not running.
  return e.errorCode === 'PipelineInteractionUnreachable' && /deployment status/i.test(e.message);
}

function errorCode(e: ApiError): string {
  if (e.kind === 'feldera') return e.errorCode;
  if (e.kind === 'http' || e.kind === 'protocol') return `${e.kind}-${e.status}`;
  return e.kind;
}

function call<T>(f: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
  try {
    return f();
  } catch (e) {
    return Promise.reject(e);
  }
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A listener's failure must not change the outcome.
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function withoutStop(s: string): string {
  return s.replace(/[.\s]+$/, '');
}
