// Messages between the extension host and the worker thread that reads a profile (./profileWorker.ts) and answers
// questions about it (./offThread.ts). Plain data only: everything crosses by structured clone.
import type { ReadPhase } from './reader';
import type {
  FunctionDetails,
  ProfileError,
  ProfileMeta,
  SelectionSummary,
  SummarizeOptions,
  ThreadInfo,
} from './types';

/** What the worker is given when it starts (workerData). */
export type WorkerInput = { path: string; maxTextBytes?: number } | { bytes: Uint8Array; maxTextBytes?: number };

export type QueryBody =
  | { method: 'summarizeSelection'; opts: SummarizeOptions }
  | { method: 'functionDetails'; func: number; opts: SummarizeOptions };

export type Query = QueryBody & { id: number };

export type WorkerMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'phase'; phase: ReadPhase; textBytes?: number }
  | {
      type: 'ready';
      meta: ProfileMeta;
      threads: ThreadInfo[];
      functionCount: number;
      callNodeCount: number;
    }
  | { type: 'failed'; error: ProfileError }
  | { type: 'answer'; id: number; value?: SelectionSummary | FunctionDetails | null; error?: string };
