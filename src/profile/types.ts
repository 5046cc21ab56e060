// The data model of a summarised samply profile. Everything here is plain data: it crosses the
// postMessage boundary to the webview unchanged, so no class instances, Maps or typed arrays.

/** Oldest and newest `meta.preprocessedProfileVersion` this reader understands (see FORMAT.md). */
export const MIN_PROFILE_VERSION = 44;
export const MAX_PROFILE_VERSION = 70;

export type ProfileErrorKind =
  | 'notGzip'
  | 'truncated'
  | 'notJson'
  | 'unknownVersion'
  | 'tooNew'
  | 'invalid'
  | 'io'
  /** The profile needs more memory than the read's budget (or is longer than the caller allowed). */
  | 'tooLarge'
  /** The caller's AbortSignal fired. */
  | 'cancelled';

export interface ProfileError {
  kind: ProfileErrorKind;
  /** One or two sentences for the user: what is wrong and what to do. */
  message: string;
}

export interface ProfileMeta {
  product: string;
  oscpu: string;
  /** From an `oscpu` that says "host i of n" (multihost Feldera pipelines), numbers as written there. */
  host?: { index: number; count: number };
  /** From the first to the last sample over all threads, or meta.profilingStart/EndTime when present. */
  durationMs: number;
  /** ms since the Unix epoch; sample times are relative to it. */
  startTime: number;
  /** Sampling interval in ms. */
  interval: number;
  /** `meta.preprocessedProfileVersion`. */
  version: number;
  symbolicated: boolean;
  /** `samples.weightType` of the first thread that has one: "samples", "tracing-ms" or "bytes". */
  weightType: string;
  /** Some thread has a `threadCPUDelta` column, so CPU-only mode can tell on-CPU from off-CPU samples. */
  hasCpuDelta: boolean;
  /**
   * From the first to the last sample or marker, on the profile's clock (ms, the clock of sample and marker times).
   * The timeline's default window; [0, 0) when the profile has neither.
   */
  timeRange: TimeRange;
}

/** A span of time on the profile's clock (ms, as sample and marker times): from `start` (included) to `end` (not). */
export interface TimeRange {
  start: number;
  end: number;
}

export interface ThreadInfo {
  index: number;
  name: string;
  tid: string;
  pid: string;
  processName: string;
  isMainThread: boolean;
  samples: number;
  weight: number;
  /** Samples whose threadCPUDelta is not 0 (samples without a delta count as on-CPU). */
  cpuSamples: number;
  cpuWeight: number;
  /** Sum of threadCPUDelta in ms, when the thread has that column in µs or ns. */
  cpuTimeMs?: number;
  /** N for a thread named `dbsp-worker-N`: one DBSP worker of the pipeline. */
  worker?: number;
}

export interface FunctionInfo {
  id: number;
  /** Display name: the symbol, or `0x1a2b [libname]` for an unsymbolicated address. */
  name: string;
  lib?: string;
  file?: string;
}

export interface FunctionStat extends FunctionInfo {
  /** Weight of the samples whose leaf frame is this function. */
  self: number;
  /** Weight of the samples that have this function anywhere on the stack, counted once per sample. */
  total: number;
}

/**
 * A call tree merged by function (root → leaf), pruned to the nodes that carry enough weight, in
 * depth-first preorder with each node's children ordered by value (heaviest first). Parallel arrays.
 * Index 0 is *not* a synthetic root: nodes whose parent is -1 are roots.
 */
export interface FlameTree {
  func: number[];
  parent: number[];
  /** Summed weight of the node's subtree. */
  value: number[];
  /** Weight of samples that end at this node. */
  self: number[];
  /** Nodes lighter than this were left out. */
  minValue: number;
  /** True when nodes were left out because of `minValue` or the node limit. */
  pruned: boolean;
}

/**
 * Which samples a summary counts; every field is optional, and none means the whole profile.
 *
 * `range`: only samples whose time t is in [start, end). Operator figures (tooltip CPU and real time) count an eval
 * span in proportion to the part of it inside the range (its CPU is taken as spread evenly over it; a span of length
 * 0 counts whole if its start is in the range), and an evaluation is counted in the range its span starts in. Both
 * rules are additive: the figures of the parts of a range sum to those of the whole.
 *
 * `operator`: a DBSP operator's node id (e.g. `nn106_n23`): only samples taken on a thread while that thread was
 * inside one of the operator's `eval` spans (start ≤ t < end), on that same thread.
 */
export interface Selection {
  /** Thread indexes to include; default all. */
  threads?: number[];
  /** Leave out samples whose threadCPUDelta is 0 (off-CPU). */
  cpuOnly?: boolean;
  range?: TimeRange;
  operator?: string;
}

export interface SummarizeOptions extends Selection {
  /** Length of the top-self and top-total lists (default 100). */
  topN?: number;
  /** Flame-tree nodes below this fraction of the selection's weight are pruned (default 0.001). */
  flameMinFraction?: number;
  /** At most this many flame-tree nodes (default 20000); the threshold rises to fit. */
  maxFlameNodes?: number;
}

export interface SelectionSummary {
  threads: number[];
  cpuOnly: boolean;
  /** The selection's range and operator, as asked (absent when not asked). */
  range?: TimeRange;
  operator?: string;
  samples: number;
  /** All selected weight, including samples with an empty stack. */
  weight: number;
  /** Selected weight of samples that have a stack (the flame graph's root width). */
  stackWeight: number;
  /** Functions with a non-zero total in this selection. */
  functionCount: number;
  topSelf: FunctionStat[];
  topTotal: FunctionStat[];
  flame: FlameTree;
  /** Names of the functions the flame tree refers to. */
  funcs: FunctionInfo[];
}

export interface ProfileSummary {
  meta: ProfileMeta;
  threads: ThreadInfo[];
  selection: SelectionSummary;
}

export interface CallerCallee extends FunctionInfo {
  weight: number;
}

/** Who calls a function and whom it calls, for one selection. Weights sum over the function's outermost calls. */
export interface FunctionDetails {
  func: FunctionStat;
  /** id -1 is the root: samples where the function is the outermost frame. */
  callers: CallerCallee[];
  callees: CallerCallee[];
}

// ---------------------------------------------------------------------------------------------------
// What Feldera's markers and counters add (see ../shared/samply/FELDERA-MARKERS.md). A profile without them gets
// the same shapes, empty.

/** Why a marker was left out. Every marker is either read or counted under one of these; none fails the profile. */
export type MarkerSkipReason =
  /** Phase 0, 2 or 3 (instant, start, end): Feldera writes only intervals (phase 1). */
  | 'phase'
  /** `data` is null or missing. */
  | 'nullData'
  /** `data.type` is not `FelderaMarker` (other tools' markers). */
  | 'otherType'
  /** A start or end time that is not a finite number. */
  | 'badTime'
  | 'endBeforeStart'
  /** The marker's name or tooltip refers to no string. */
  | 'badString'
  /** An `eval` tooltip that does not read as `<name> <node id> used <R>μs real time, <C>μs CPU time`. */
  | 'badTooltip';

export interface MarkerStats {
  /** Markers in all threads. */
  total: number;
  /** `eval` spans read as operator evaluations. */
  evals: number;
  /** Step, Transaction and Checkpoint spans, kept for the timeline. */
  spans: number;
  /** Feldera markers of other kinds (Exchange, Spine…): understood, not shown. */
  otherFeldera: number;
  /** Markers left out; the sum of `skipped`. */
  notUnderstood: number;
  skipped: Partial<Record<MarkerSkipReason, number>>;
  /** Names of the counters other than RSS (not shown). */
  otherCounters: string[];
}

/** A `dbsp-worker-N` thread. */
export interface WorkerInfo {
  thread: number;
  worker: number;
  name: string;
  /** Sum of threadCPUDelta, when the profile has it. */
  cpuTimeMs?: number;
  /** CPU of the operator evaluations on this worker (from the tooltips of its outermost eval spans). */
  operatorCpuUs: number;
  evals: number;
}

export interface MemoryPoint {
  time: number;
  bytes: number;
}

/** What the overview says beyond threads and functions; sent once, when the profile is ready. */
export interface FelderaOverview {
  /** True when the profile has Feldera eval markers: the viewer then shows operators first. */
  hasOperators: boolean;
  /** DBSP workers in numeric order (threads named `dbsp-worker-N`). */
  workers: WorkerInfo[];
  /** Threads that are not workers, in thread order. */
  otherThreads: number[];
  operatorCount: number;
  evals: number;
  /** CPU of all operator evaluations, each counted once (nested evaluations inside their parent's). */
  operatorCpuUs: number;
  markers: MarkerStats;
  /** The RSS counter's peak, when the profile has one. */
  memoryPeak?: MemoryPoint;
}

/** The operator table's sort keys (checked by the host against what a webview sends). */
export const OPERATOR_SORT_KEYS = [
  'cpu',
  'selfCpu',
  'real',
  'evals',
  'share',
  'skew',
  'maxWorker',
  'name',
  'nodeId',
] as const;
export type OperatorSortKey = (typeof OPERATOR_SORT_KEYS)[number];

/** The operator table for a selection (`operator` and `cpuOnly` do not apply: the figures come from tooltips). */
export interface OperatorQuery extends Selection {
  /** Default `cpu`, largest first. */
  sort?: OperatorSortKey;
  /** Default: largest first for figures, A→Z for `name` and `nodeId`. */
  descending?: boolean;
  /** Only operators whose name or node id contains this (case-insensitive). */
  filter?: string;
  /** At most this many rows (default all). */
  limit?: number;
}

/** How one operator's CPU spreads over the workers (threads) that ran it in the selection. */
export interface WorkerSpread {
  workers: number;
  minUs: number;
  medianUs: number;
  maxUs: number;
  /** max ÷ median; undefined when the median is 0. */
  skew?: number;
}

export interface OperatorStat {
  /** DBSP global node id, e.g. `nn18` or `nn106_n52`: the key that joins to the circuit profile and SQL. */
  nodeId: string;
  /** Operator name as the tooltip gives it (may contain spaces), e.g. `MapIndexedZSet`, `Z^-1 (output)`. */
  name: string;
  /** Summed from the eval tooltips; a nested circuit's evaluations include those of its operators. */
  cpuUs: number;
  realUs: number;
  /** cpuUs minus that of eval spans nested directly inside this operator's spans on the same thread. */
  selfCpuUs: number;
  evals: number;
  /** selfCpuUs ÷ all operators' CPU (each evaluation counted once): the shares of all operators sum to 1. */
  share: number;
  spread: WorkerSpread;
}

export interface OperatorTable {
  rows: OperatorStat[];
  /** Operators that match the filter (before `limit`). */
  matched: number;
  /** Operators with at least one evaluation in the selection. */
  operatorCount: number;
  /** All operators' CPU and real time in the selection, each evaluation counted once. */
  totalCpuUs: number;
  totalRealUs: number;
  evals: number;
  threads: number[];
  range?: TimeRange;
}

export interface OperatorWorkerRow {
  thread: number;
  worker?: number;
  cpuUs: number;
  realUs: number;
  selfCpuUs: number;
  evals: number;
}

export interface OperatorDetails {
  operator: OperatorStat;
  /** One row per thread that ran it in the selection, in worker (then thread) order. */
  perWorker: OperatorWorkerRow[];
}

export type SpanCategory = 'Step' | 'Transaction' | 'Checkpoint';

export interface TimelineQuery {
  /** Threads that get a lane (default all). */
  threads?: number[];
  /** Lanes count only on-CPU samples. */
  cpuOnly?: boolean;
  /** The window the timeline shows (default meta.timeRange). */
  window?: TimeRange;
  /** Buckets per lane, e.g. the lane's width in pixels (1…10000). */
  buckets: number;
  /** At most this many span bars (default 2000); more are merged, see Timeline.spansMerged. */
  maxSpans?: number;
}

/** One lane: the weight of the thread's samples per bucket (each sample in the bucket of its time). */
export interface TimelineLane {
  thread: number;
  weight: number[];
  maxWeight: number;
}

/** A Step, Transaction or Checkpoint span, or several neighbours merged into one bar. */
export interface TimelineSpan {
  thread: number;
  category: SpanCategory;
  /** The marker's name (`step`, `commit`, …); of the first span when merged. */
  name: string;
  start: number;
  end: number;
  /** The tooltip text (`step 12`); of the first span when merged. */
  label: string;
  /** How many spans this bar stands for (1 unless merged). */
  count: number;
  /** The last merged span's tooltip, when count > 1. */
  lastLabel?: string;
}

export interface MemorySeries {
  /** Points in time order; several per bucket when downsampled (its lowest and highest), so no peak is lost. */
  time: number[];
  bytes: number[];
  /** The highest RSS of the whole profile, and within the window (exact, not downsampled). */
  peak: MemoryPoint;
  windowPeak?: MemoryPoint;
  /** RSS samples in the window, and whether `time`/`bytes` hold fewer. */
  samples: number;
  downsampled: boolean;
}

export interface Timeline {
  window: TimeRange;
  bucketMs: number;
  lanes: TimelineLane[];
  /** Spans that overlap the window, on every thread (they are the pipeline's, whichever thread logged them). */
  spans: TimelineSpan[];
  /** Spans in the window before merging. */
  spanCount: number;
  /** True when neighbouring spans closer than `mergeGapMs` were merged to keep within maxSpans. */
  spansMerged: boolean;
  mergeGapMs: number;
  memory?: MemorySeries;
}
