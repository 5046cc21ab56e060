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
import { OPERATOR_SORT_KEYS } from '../profile/types';
import type { SqlRange } from '../sql/statements';

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
  /**
   * Answer to `operators`. `sql`: where each listed operator sits in the pipeline's SQL, when the profile has a
   * usable SQL context (absent: the SQL columns are off; the `bySql` answer says why).
   */
  | { type: 'operators'; requestId: number; table: OperatorTable; sql?: OperatorSqlCell[] }
  /** Answer to `operatorDetails`; null when the node id is unknown. */
  | { type: 'operatorDetails'; requestId: number; details: OperatorDetails | null }
  /** Answer to `timeline`. */
  | { type: 'timeline'; requestId: number; timeline: Timeline }
  /** Answer to `bySql`: the operators' CPU per view/table, statement and line range, or why there is none. */
  | { type: 'bySql'; requestId: number; bySql: BySql }
  /**
   * A request could not be answered (a bug in a summary, or the profile was closed): `answer` is the type its answer
   * would have had. The webview keeps its last view and may ask again.
   */
  | { type: 'failed'; answer: AnswerType; requestId: number; message: string }
  /** The file is one host of a multihost collection whose other hosts' profiles are saved next to it. */
  | { type: 'collection'; hosts: number }
  /** The profile's SQL context changed (its companion landed after the profile, or was replaced): ask again. */
  | { type: 'sqlContext' };

/** The `type` of the host's answers to requests. */
export type AnswerType = 'summary' | 'details' | 'threadStats' | 'operators' | 'operatorDetails' | 'timeline' | 'bySql';

/** Where one operator sits in the pipeline's SQL (from the profile's SQL context, src/sql/join.ts). */
export interface OperatorSqlCell {
  nodeId: string;
  /** The table or view it belongs to (its own, its statement's, or the nearest one's: see `relationNote`). */
  relation?: string;
  /** How the relation was found when it is not the operator's own, for the tooltip. */
  relationNote?: string;
  /** Its primary position (1-based, inclusive): the lines its time counts on, and what a click opens. */
  range?: SqlRange;
  /** `line 4` / `lines 3–6`. */
  lines?: string;
  /** Its other positions, as `lines 3–6`. */
  more?: string[];
  /** The statement around it, e.g. `CREATE VIEW v (lines 3–6)`. */
  statement?: string;
  /** Why it has no position (when `range` is absent), one short clause. */
  why?: string;
}

/** The By SQL groupings. */
export type SqlGrouping = 'relation' | 'statement' | 'range';

/** One row of a By SQL grouping; `key` '' is the "no SQL position" row. */
export interface SqlGroupRow {
  key: string;
  label: string;
  /** A second, muted line of text: the relation of a line range, what "no SQL position" holds. */
  detail?: string;
  /** Self CPU of its operators (each evaluation counted once over all rows). */
  cpuUs: number;
  /** cpuUs ÷ all operators' CPU in the selection. */
  share: number;
  operators: number;
  evals: number;
  /** What a click opens: the statement's or the line range's position. */
  range?: SqlRange;
  lines?: string;
}

export type BySql =
  | {
      ok: true;
      pipeline: string;
      /** All operators' CPU in the selection: every grouping's rows add up to it. */
      totalCpuUs: number;
      evals: number;
      operatorCount: number;
      groups: Record<SqlGrouping, SqlGroupRow[]>;
      /** Parts of the SQL context that could not be had when it was saved, and what that means. */
      notes: string[];
    }
  /** The SQL features are off: `reason` in one line (no SQL context, damaged, of another profile…). */
  | { ok: false; reason: string };

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
  /** The operators' CPU (self CPU) of these threads and range, grouped by the SQL they come from. */
  | { type: 'bySql'; requestId: number; threads: number[]; range?: TimeRange }
  /** Open the profile's SQL with `range` (1-based, inclusive) selected. */
  | { type: 'openSql'; range: SqlRange }
  /** Run `feldera.openWithSamply` on this editor's file. */
  | { type: 'openWithSamply' }
  /** Compare this file with another profile (`hosts`: open its collection's hosts view). */
  | { type: 'compareWith'; hosts: boolean };

/** How many functions the top-self and top-total tables hold. */
export const TOP_N = 100;
/** Bounds the host accepts from the webview. */
export const MAX_TIMELINE_BUCKETS = 10000;
export const MAX_TIMELINE_SPANS = 20000;
const MAX_TEXT = 500;
/** Lines and columns past this are no SQL text (the host clamps to the document anyway). */
const MAX_SQL_POSITION = 10_000_000;

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

const isSqlRange = (v: unknown): v is SqlRange => {
  if (typeof v !== 'object' || v === null) return false;
  const { startLine, startColumn, endLine, endColumn } = v as Obj;
  return (
    [startLine, startColumn, endLine, endColumn].every((x) => isInt(x, 1, MAX_SQL_POSITION)) &&
    (startLine as number) <= (endLine as number)
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
  if (o.type === 'compareWith') return { type: 'compareWith', hosts: o.hosts === true };
  if (o.type === 'openSql') {
    if (!isSqlRange(o.range)) return undefined;
    const { startLine, startColumn, endLine, endColumn } = o.range;
    return { type: 'openSql', range: { startLine, startColumn, endLine, endColumn } };
  }
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
        sort: (v) => OPERATOR_SORT_KEYS.includes(v as OperatorSortKey),
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
    case 'bySql': {
      const opt = optional(o, { range: isRange });
      if (!opt || !ints(o.threads)) return undefined;
      return { type: 'bySql', requestId, threads: o.threads, ...opt };
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
