// Messages between the profile viewer's host side (extension host) and its webview. Types only, no
// vscode import: the webview script imports this file too. The host does all the aggregation; the
// webview only ever receives summaries (thread list, top functions, a pruned flame tree, the operator table,
// a binned timeline).
import type {
  FelderaOverview,
  FunctionDetails,
  OperatorDetails,
  OperatorSortKey,
  OperatorTable,
  ProfileError,
  ProfileMeta,
  SelectionSummary,
  ThreadInfo,
  TimeRange,
  Timeline,
} from '../profile/types';

export type LoadPhase = 'reading' | 'parsing' | 'summarizing';

/** Host → webview. */
export type HostMessage =
  /** While the file loads: compressed bytes read of the file size, then parsing and summarising. */
  | { type: 'progress'; phase: LoadPhase; bytesRead: number; totalBytes: number; textBytes?: number }
  /** The file could not be read; the webview offers "Open with samply". */
  | { type: 'error'; fileName: string; error: ProfileError }
  /**
   * The file is loaded: its meta, every thread, and what Feldera's markers add (workers, operator count, markers
   * not understood, memory peak). The webview answers with `select` (and `operators`/`timeline` as it needs).
   */
  | {
      type: 'profile';
      fileName: string;
      meta: ProfileMeta;
      threads: ThreadInfo[];
      feldera: FelderaOverview;
      loadMs: number;
    }
  /** Answer to `select`. */
  | { type: 'summary'; requestId: number; summary: SelectionSummary }
  /** Answer to `details`; null when the function is unknown. */
  | { type: 'details'; requestId: number; details: FunctionDetails | null }
  /** Answer to `threadStats`: every thread's figures for that range/operator. */
  | { type: 'threadStats'; requestId: number; threads: ThreadInfo[] }
  /** Answer to `operators`. */
  | { type: 'operators'; requestId: number; table: OperatorTable }
  /** Answer to `operatorDetails`; null when the node id is unknown. */
  | { type: 'operatorDetails'; requestId: number; details: OperatorDetails | null }
  /** Answer to `timeline`. */
  | { type: 'timeline'; requestId: number; timeline: Timeline };

/** Webview → host. `range` is [start, end) in profile ms (meta.timeRange's clock); `operator` a node id. */
export type WebviewMessage =
  /** The script has started (also after the webview was hidden and shown again). */
  | { type: 'ready' }
  /** Summarise these threads; `cpuOnly` leaves out samples with threadCPUDelta 0. */
  | { type: 'select'; requestId: number; threads: number[]; cpuOnly: boolean; range?: TimeRange; operator?: string }
  /** Callers and callees of one function, for the same selection. */
  | {
      type: 'details';
      requestId: number;
      func: number;
      threads: number[];
      cpuOnly: boolean;
      range?: TimeRange;
      operator?: string;
    }
  /** Every thread's samples, weight and CPU within a range and/or an operator's spans. */
  | { type: 'threadStats'; requestId: number; range?: TimeRange; operator?: string }
  /** The operator table for these threads and range. */
  | {
      type: 'operators';
      requestId: number;
      threads: number[];
      range?: TimeRange;
      sort?: OperatorSortKey;
      descending?: boolean;
      filter?: string;
      limit?: number;
    }
  /** One operator's figures per worker. */
  | { type: 'operatorDetails'; requestId: number; nodeId: string; threads: number[]; range?: TimeRange }
  /** Lanes for these threads over `window` (default the whole profile) in `buckets` buckets, spans, memory. */
  | {
      type: 'timeline';
      requestId: number;
      threads: number[];
      cpuOnly: boolean;
      window?: TimeRange;
      buckets: number;
      maxSpans?: number;
    }
  /** Run `feldera.openWithSamply` on this editor's file. */
  | { type: 'openWithSamply' };

/** How many functions the top-self and top-total tables hold. */
export const TOP_N = 100;
/** Bounds the host accepts from the webview. */
export const MAX_TIMELINE_BUCKETS = 10000;
export const MAX_TIMELINE_SPANS = 20000;
const MAX_TEXT = 500;

const SORT_KEYS: readonly OperatorSortKey[] = [
  'cpu',
  'selfCpu',
  'real',
  'evals',
  'share',
  'skew',
  'maxWorker',
  'name',
  'nodeId',
];

type Obj = { [k: string]: unknown };

const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const ints = (v: unknown): v is number[] => Array.isArray(v) && v.length <= 100000 && v.every((x) => isInt(x));
const text = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;
const isRange = (v: unknown): v is TimeRange => {
  if (typeof v !== 'object' || v === null) return false;
  const { start, end } = v as Obj;
  return (
    typeof start === 'number' &&
    typeof end === 'number' &&
    Number.isFinite(start) &&
    Number.isFinite(end) &&
    start < end
  );
};

/**
 * The optional fields of a message, checked: each is either absent (or undefined) or valid. Returns undefined when
 * one is present but invalid, else the valid ones (absent ones left out).
 */
function optional(o: Obj, checks: Record<string, (v: unknown) => boolean>): Obj | undefined {
  const out: Obj = {};
  for (const [key, ok] of Object.entries(checks)) {
    const v = o[key];
    if (v === undefined) continue;
    if (!ok(v)) return undefined;
    out[key] = key === 'range' || key === 'window' ? { start: (v as Obj).start, end: (v as Obj).end } : v;
  }
  return out;
}

/** Checks a message from the webview before the host acts on it. */
export function parseWebviewMessage(m: unknown): WebviewMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Obj;
  if (o.type === 'ready') return { type: 'ready' };
  if (o.type === 'openWithSamply') return { type: 'openWithSamply' };
  if (!isInt(o.requestId)) return undefined;
  const requestId = o.requestId;
  switch (o.type) {
    case 'select': {
      const opt = optional(o, { range: isRange, operator: text });
      if (!opt || !ints(o.threads) || typeof o.cpuOnly !== 'boolean') return undefined;
      return { type: 'select', requestId, threads: o.threads, cpuOnly: o.cpuOnly, ...opt };
    }
    case 'details': {
      const opt = optional(o, { range: isRange, operator: text });
      if (!opt || !isInt(o.func) || !ints(o.threads) || typeof o.cpuOnly !== 'boolean') return undefined;
      return { type: 'details', requestId, func: o.func, threads: o.threads, cpuOnly: o.cpuOnly, ...opt };
    }
    case 'threadStats': {
      const opt = optional(o, { range: isRange, operator: text });
      if (!opt) return undefined;
      return { type: 'threadStats', requestId, ...opt };
    }
    case 'operators': {
      const opt = optional(o, {
        range: isRange,
        sort: (v) => SORT_KEYS.includes(v as OperatorSortKey),
        descending: (v) => typeof v === 'boolean',
        filter: text,
        limit: (v) => isInt(v, 0, 1_000_000),
      });
      if (!opt || !ints(o.threads)) return undefined;
      return { type: 'operators', requestId, threads: o.threads, ...opt };
    }
    case 'operatorDetails': {
      const opt = optional(o, { range: isRange });
      if (!opt || !text(o.nodeId) || !ints(o.threads)) return undefined;
      return { type: 'operatorDetails', requestId, nodeId: o.nodeId, threads: o.threads, ...opt };
    }
    case 'timeline': {
      const opt = optional(o, { window: isRange, maxSpans: (v) => isInt(v, 1, MAX_TIMELINE_SPANS) });
      if (!opt || !ints(o.threads) || typeof o.cpuOnly !== 'boolean' || !isInt(o.buckets, 1, MAX_TIMELINE_BUCKETS)) {
        return undefined;
      }
      return { type: 'timeline', requestId, threads: o.threads, cpuOnly: o.cpuOnly, buckets: o.buckets, ...opt };
    }
    default:
      return undefined;
  }
}
