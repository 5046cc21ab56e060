// Messages between the extension host and the worker thread that reads a profile (./profileWorker.ts) and answers
// questions about it (./offThread.ts). Plain data only: everything crosses by structured clone.
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

/** What the worker is given when it starts (workerData). `memoryBudget`: bytes the read may take (see memory.ts). */
export type WorkerInput = ({ path: string } | { bytes: Uint8Array }) & { maxTextBytes?: number; memoryBudget?: number };

/** Each query names a ProfileModel method and its arguments; `Answers` gives what it returns. */
export type QueryBody =
  | { method: 'summarizeSelection'; opts: SummarizeOptions }
  | { method: 'functionDetails'; func: number; opts: SummarizeOptions }
  | { method: 'threadStats'; selection: Selection }
  | { method: 'operators'; query: OperatorQuery }
  | { method: 'operatorDetails'; nodeId: string; selection: Selection }
  | { method: 'timeline'; query: TimelineQuery };

export interface Answers {
  summarizeSelection: SelectionSummary;
  /** null: no such function. */
  functionDetails: FunctionDetails | null;
  threadStats: ThreadInfo[];
  operators: OperatorTable;
  /** null: no such operator. */
  operatorDetails: OperatorDetails | null;
  timeline: Timeline;
}

export type Query = QueryBody & { id: number };

export type WorkerMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'phase'; phase: ReadPhase; textBytes?: number }
  | {
      type: 'ready';
      meta: ProfileMeta;
      threads: ThreadInfo[];
      feldera: FelderaOverview;
      functionCount: number;
      callNodeCount: number;
    }
  | { type: 'failed'; error: ProfileError }
  | { type: 'answer'; id: number; value?: Answers[keyof Answers]; error?: string };
