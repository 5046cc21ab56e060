// Opens a profile in a worker thread (./profileWorker.ts) and talks to it: the extension host's thread only
// forwards progress and small answers, so a big profile never freezes the editor, and cancelling is immediate
// (the worker is stopped, wherever it is in the read).
import { Worker } from 'worker_threads';
import { defaultMemoryBudget, formatBytes, MiB } from './memory';
import type { ReadPhase } from './reader';
import type {
  FelderaOverview,
  FunctionDetails,
  OperatorDetails,
  OperatorQuery,
  OperatorTable,
  ProfileError,
  ProfileMeta,
  Selection,
  SelectionSummary,
  SummarizeOptions,
  ThreadInfo,
  Timeline,
  TimelineQuery,
} from './types';
import type { Answers, Query, QueryBody, WorkerInput, WorkerMessage } from './workerProtocol';
import { WorkerCalls } from './workerCalls';

/**
 * A profile held by a worker: its overview at once, summaries on request (each method is the ProfileModel method of
 * the same name, computed in the worker). Dispose to free the worker's memory.
 */
export interface ProfileHandle {
  readonly meta: ProfileMeta;
  readonly threads: ThreadInfo[];
  readonly feldera: FelderaOverview;
  readonly functionCount: number;
  readonly callNodeCount: number;
  summarizeSelection(opts: SummarizeOptions): Promise<SelectionSummary>;
  functionDetails(func: number, opts: SummarizeOptions): Promise<FunctionDetails | undefined>;
  /** Every thread's figures within the selection's range and operator (its `threads` do not apply). */
  threadStats(selection: Selection): Promise<ThreadInfo[]>;
  operators(query: OperatorQuery): Promise<OperatorTable>;
  operatorDetails(nodeId: string, selection: Selection): Promise<OperatorDetails | undefined>;
  timeline(query: TimelineQuery): Promise<Timeline>;
  dispose(): void;
}

export interface OffThreadOptions {
  /** The worker script: dist/profileWorker.js in the extension (out/src/profile/profileWorker.js in tests). */
  workerFile: string;
  signal?: AbortSignal;
  maxTextBytes?: number;
  /**
   * Bytes the read may take (default: defaultMemoryBudget(), half the machine's memory up to 16 GiB). A profile that
   * needs more stops with a 'tooLarge' error that says so; the worker's heap is capped there too, as a backstop.
   */
  memoryBudget?: number;
  /** How far the read is (see ReadOptions.onProgress): JSON bytes inflated of the total, or compressed bytes read. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  onPhase?: (phase: ReadPhase, detail: { textBytes?: number }) => void;
  /** When the worker thread has ended: after a failure or cancel, or once the profile is disposed. */
  onWorkerExit?: (exitCode: number) => void;
}

export type HandleResult = { ok: true; profile: ProfileHandle } | { ok: false; error: ProfileError };

const CANCELLED: ProfileError = { kind: 'cancelled', message: 'Reading the profile was cancelled.' };

/** Reads `source` (a file path, or the file's bytes) in a new worker thread. Never throws. */
export function openProfileOffThread(
  source: { path: string } | { bytes: Uint8Array },
  opts: OffThreadOptions,
): Promise<HandleResult> {
  if (opts.signal?.aborted) return Promise.resolve({ ok: false, error: CANCELLED });
  const memoryBudget = opts.memoryBudget ?? defaultMemoryBudget();
  const input: WorkerInput = { ...source, maxTextBytes: opts.maxTextBytes, memoryBudget };
  let worker: Worker;
  try {
    worker = new Worker(opts.workerFile, {
      workerData: input,
      // The JS heap's hard limit: the budget (typed arrays, the bulk of a model, live outside it and are counted by
      // the reader itself), with room for the heap a small profile needs whatever the budget.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(256, Math.ceil(memoryBudget / MiB)) },
    });
  } catch (e) {
    return Promise.resolve({ ok: false, error: workerError(e, memoryBudget) });
  }
  return new Promise<HandleResult>((resolve) => {
    let settled = false;
    const calls = new WorkerCalls<QueryBody>((q) => worker.postMessage(q satisfies Query));

    const finish = (r: HandleResult) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (!r.ok) void worker.terminate();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, error: CANCELLED });
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const ask = <M extends QueryBody['method']>(q: QueryBody & { method: M }): Promise<Answers[M]> =>
      calls.ask<Answers[M]>(q);

    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress':
          if (!settled) opts.onProgress?.(m.bytesRead, m.totalBytes);
          break;
        case 'phase':
          if (!settled) opts.onPhase?.(m.phase, { textBytes: m.textBytes });
          break;
        case 'failed':
          finish({ ok: false, error: m.error });
          break;
        case 'answer':
          calls.answer(m);
          break;
        case 'ready':
          finish({
            ok: true,
            profile: {
              meta: m.meta,
              threads: m.threads,
              feldera: m.feldera,
              functionCount: m.functionCount,
              callNodeCount: m.callNodeCount,
              summarizeSelection: (opts) => ask({ method: 'summarizeSelection', opts }),
              functionDetails: async (func, opts) =>
                (await ask({ method: 'functionDetails', func, opts })) ?? undefined,
              threadStats: (selection) => ask({ method: 'threadStats', selection }),
              operators: (query) => ask({ method: 'operators', query }),
              operatorDetails: async (nodeId, selection) =>
                (await ask({ method: 'operatorDetails', nodeId, selection })) ?? undefined,
              timeline: (query) => ask({ method: 'timeline', query }),
              dispose: () => {
                calls.stop(new Error('The profile was closed.'));
                void worker.terminate();
              },
            },
          });
          break;
      }
    });
    worker.on('error', (e) => {
      calls.stop(e);
      finish({ ok: false, error: workerError(e, memoryBudget) });
    });
    worker.on('exit', (code) => {
      opts.onWorkerExit?.(code);
      calls.stop(new Error(`The profile reader stopped (exit code ${code}).`));
      finish({
        ok: false,
        error: { kind: 'io', message: `The profile reader stopped unexpectedly (exit code ${code}).` },
      });
    });
  });
}

function workerError(e: unknown, budget: number): ProfileError {
  const code = (e as { code?: string } | undefined)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      kind: 'tooLarge',
      message:
        `The profile is too large for the memory budget: the reader used up its ${formatBytes(budget)}. Raise the ` +
        'budget (setting feldera.profiles.memoryBudgetMiB), or collect a shorter profile (fewer seconds), or open it ' +
        'with samply.',
    };
  }
  return {
    kind: 'io',
    message: `The profile reader failed: ${e instanceof Error ? e.message : String(e)}`,
  };
}
