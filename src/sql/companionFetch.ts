// Fetching a profile's SQL context while the profile itself is collected or fetched, and saving it beside the profile.
// vscode-free: the command layer starts it, hands it the saved profile(s) and shows `describeCompanion`'s sentence.
//
// The three requests (the pipeline with its SQL, its dataflow graph, its circuit profile) start at once, when the
// command starts, so they run while samply records and while the profile downloads: a collection whose server answers
// promptly ends no later for them. The circuit profile can take long (the server allows 120 s); it is cancelled with
// the rest. Nothing is written unless the profile was saved; a piece that cannot be had is named in the outcome, and
// the profile is kept whatever happens here.
import * as path from 'path';
import { describeApiError } from '../feldera/errors';
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

/** Deployment statuses in which the pipeline's controller answers (the web console's "interactive" ones). */
const CIRCUIT_STATUSES = ['Running', 'Paused', 'ConcurrentBootstrapping', 'Synchronizing'];

export type CompanionOutcome =
  /** Saved; `missing` lists the pieces it lacks (empty when complete). */
  | { saved: true; path: string; missing: MissingPart[] }
  /** Not saved: why, in one sentence (the profile is kept). */
  | { saved: false; reason: string; missing: MissingPart[]; cancelled?: boolean };

/** The SQL context of one collection or fetch: started once, saved beside each profile it produced. */
export class SqlContextFetch {
  /** Settles when all three requests have; never rejects. */
  readonly ready: Promise<FetchedSqlContext>;
  private readonly controller = new AbortController();
  private readonly opts: SqlContextFetchOptions;

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
      if (!p.ok || (typeof status === 'string' && !CIRCUIT_STATUSES.includes(status))) {
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

  /**
   * Waits for the pieces, then writes `<profile base>.sql.json` beside `profilePath` (never over an existing file).
   * `profileBytes` is recorded so a reader can tell the companion of another profile.
   */
  async saveBeside(profilePath: string, profileBytes: number): Promise<CompanionOutcome> {
    const got = await this.ready;
    const missing = missingParts(got, this.opts.pipeline);
    if (this.aborted)
      return { saved: false, reason: 'The SQL context was not saved: cancelled.', missing, cancelled: true };
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
 * stops the context's requests and writes nothing; a saved one gets its companion.
 */
export async function withSqlCompanion<R extends { ok: true; path: string; bytes: number } | { ok: false }>(
  opts: SqlContextFetchOptions,
  run: () => Promise<R>,
): Promise<{ result: R; companion?: CompanionOutcome }> {
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
  return { result, companion: await context.saveBeside(saved.path, saved.bytes) };
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
  if (!outcome.saved) return outcome.cancelled ? undefined : `${outcome.reason} Operators will not be linked to SQL.`;
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
