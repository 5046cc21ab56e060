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
  /** Decompressed text is longer than a JavaScript string can hold. */
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

export interface SummarizeOptions {
  /** Thread indexes to include; default all. */
  threads?: number[];
  /** Leave out samples whose threadCPUDelta is 0 (off-CPU). */
  cpuOnly?: boolean;
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
