// Opens a comparison session in a worker thread (./compareWorker.ts) and talks to it: the extension host only
// forwards progress and the answers (a comparison, a hosts view, filtered function rows), never a profile.
import { Worker } from 'worker_threads';
import type { Comparison, FunctionChange, FunctionQuery, HostsView } from './compare';
import type {
  CompareSource,
  CompareWorkerInput,
  ProfileStatus,
  SessionMessage,
  SessionQuery,
  SessionQueryBody,
  SideSpec,
} from './compareProtocol';
import type { ReadPhase } from './reader';
import type { ProfileError } from './types';
import { WorkerCalls } from './workerCalls';

export interface CompareSession {
  /** Per source, in order: read, or why not. A failed profile leaves the others usable. */
  readonly profiles: ProfileStatus[];
  compare(spec: SideSpec): Promise<Comparison>;
  functions(spec: SideSpec, query: FunctionQuery): Promise<FunctionChange[]>;
  hosts(profiles: number[], cpuOnly: boolean): Promise<HostsView>;
  dispose(): void;
}

export interface CompareSessionOptions {
  /** dist/compareWorker.js in the extension (out/src/profile/compareWorker.js in tests). */
  workerFile: string;
  signal?: AbortSignal;
  maxTextBytes?: number;
  /** How many profiles are read at once; default 'auto' (see readsAtOnce in compare.ts). */
  parallel?: number | 'auto';
  /** A read starts once every read under way has read this share of its file; default by cores (nextReadAfter). */
  startAfter?: number;
  onStarted?: (profile: number) => void;
  onProgress?: (profile: number, bytesRead: number, totalBytes: number) => void;
  onPhase?: (profile: number, phase: ReadPhase, textBytes?: number) => void;
  onProfileDone?: (profile: number, status: ProfileStatus) => void;
  onWorkerExit?: (exitCode: number) => void;
}

export type SessionResult = { ok: true; session: CompareSession } | { ok: false; error: ProfileError };

const CANCELLED: ProfileError = { kind: 'cancelled', message: 'Comparing was cancelled.' };

/** Reads every source (in parallel) in a session worker. Never throws. */
export function openCompareSession(sources: CompareSource[], opts: CompareSessionOptions): Promise<SessionResult> {
  if (opts.signal?.aborted) return Promise.resolve({ ok: false, error: CANCELLED });
  const input: CompareWorkerInput = {
    role: 'session',
    sources,
    maxTextBytes: opts.maxTextBytes,
    parallel: opts.parallel,
    startAfter: opts.startAfter,
  };
  let worker: Worker;
  try {
    worker = new Worker(opts.workerFile, { workerData: input });
  } catch (e) {
    return Promise.resolve({
      ok: false,
      error: { kind: 'io', message: `The comparison could not start: ${String(e)}` },
    });
  }
  return new Promise<SessionResult>((resolve) => {
    let settled = false;
    const calls = new WorkerCalls<SessionQueryBody>((q) => worker.postMessage(q satisfies SessionQuery));
    const finish = (r: SessionResult) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (!r.ok) void worker.terminate();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, error: CANCELLED });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const ask = <T>(q: SessionQueryBody): Promise<T> => calls.ask<T>(q);
    worker.on('message', (m: SessionMessage) => {
      switch (m.type) {
        case 'started':
          if (!settled) opts.onStarted?.(m.profile);
          break;
        case 'progress':
          if (!settled) opts.onProgress?.(m.profile, m.bytesRead, m.totalBytes);
          break;
        case 'phase':
          if (!settled) opts.onPhase?.(m.profile, m.phase, m.textBytes);
          break;
        case 'profileDone':
          if (!settled) opts.onProfileDone?.(m.profile, m.status);
          break;
        case 'answer':
          calls.answer(m);
          break;
        case 'ready':
          finish({
            ok: true,
            session: {
              profiles: m.profiles,
              compare: (spec) => ask<Comparison>({ method: 'compare', ...spec }),
              functions: (spec, query) => ask<FunctionChange[]>({ method: 'functions', ...spec, query }),
              hosts: (profiles, cpuOnly) => ask<HostsView>({ method: 'hosts', profiles, cpuOnly }),
              dispose: () => {
                calls.stop(new Error('The comparison was closed.'));
                void worker.terminate();
              },
            },
          });
          break;
      }
    });
    worker.on('error', (e) => {
      calls.stop(e);
      finish({ ok: false, error: { kind: 'io', message: `The comparison failed: ${e.message}` } });
    });
    worker.on('exit', (code) => {
      opts.onWorkerExit?.(code);
      calls.stop(new Error(`The comparison stopped (exit code ${code}).`));
      finish({ ok: false, error: { kind: 'io', message: `The comparison stopped unexpectedly (exit code ${code}).` } });
    });
  });
}
