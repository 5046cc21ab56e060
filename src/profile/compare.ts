// Comparing samply profiles: a baseline A against a profile B (before and after a change, or one host against the
// others). Works on extracts — what a comparison needs of a profile, taken from its model where the model lives (a
// worker thread, see compareWorker.ts) — so only small plain data travels. Nothing here reads files or knows vscode.
//
// Shares are of each side's own total weight (a 30 s and a 60 s profile compare fairly); a change is in percentage
// points (B's share − A's share, × 100). Functions and call paths are matched by name (and library), never by id:
// ids follow table order and differ between profiles.
//
// How a change is classified (CHANGE_THRESHOLDS; the same rule for functions and flame-graph nodes, and symmetric, so
// swapping A and B turns grew into shrank and new into gone):
//   new    absent from A (share 0), present in B;       gone   present in A, absent from B;
//   grew / shrank  the change is at least 0.1 points, at least 5% of the larger share, and at least 2 standard errors
//                  of the difference of two sampled proportions (√(a(1−a)/nA + b(1−b)/nB), n = sample counts), so
//                  sampling noise of a short profile is not called a change;
//   same   anything smaller.
//
// Operators (when a profile has Feldera's `eval` markers, read by the model: see operators.ts) are matched by DBSP
// node id; an operator's share is its self CPU (from the markers' tooltips) of all operators' CPU, so the sampling-noise
// rule does not apply to it. How its CPU spreads over the workers is compared too: `moved` is the part of the
// operator's CPU that sits on other workers in B than in A (0 to 100 points).
import type { ProfileModel } from './model';
import { spreadOf } from './operators';
import type { FlameTree, FunctionInfo, ProfileMeta, ThreadInfo, WorkerSpread } from './types';

export type ChangeClass = 'grew' | 'shrank' | 'same' | 'new' | 'gone';

export const CHANGE_THRESHOLDS = {
  /** Smallest change called a change, in percentage points. */
  minPoints: 0.1,
  /** … and as a fraction of the larger of the two shares. */
  minRelative: 0.05,
  /** … and in standard errors of the difference (sampling noise). */
  noiseSigmas: 2,
} as const;

/** The flame graph shows calls of at least this fraction of the weight, at most this many (as the profile viewer). */
export const DISPLAY_MIN_FRACTION = 0.001;
export const DISPLAY_MAX_NODES = 20000;
/**
 * An extract keeps calls of at least this fraction, at most this many: far below what is shown, so that a shown call
 * finds its counterpart on the other side. When a side had to be cut (`CallTree.pruned`), a call missing there is
 * only known to be lighter than its `minValue`: it is then never called new or gone (`DiffTree.bound`).
 */
export const EXTRACT_MIN_FRACTION = 0.0001;
export const EXTRACT_MAX_NODES = 100000;
/** Function rows sent with a comparison; the rest are reached by filtering (compareFunctions). */
export const FUNCTION_ROWS = 500;
/** Entries of the verdict. */
export const VERDICT_CHANGES = 5;

/** A call tree merged by function, in depth-first preorder, children heaviest first (as FlameTree, typed). */
export interface CallTree {
  func: Int32Array;
  parent: Int32Array;
  value: Float64Array;
  self: Float64Array;
  /** Calls lighter than this were left out (0 when none was). */
  minValue: number;
  pruned: boolean;
}

/** One selection mode (all samples, or on-CPU samples only) of an extract. */
export interface ModeExtract {
  samples: number;
  weight: number;
  stackWeight: number;
  /** Indexed by the extract's function ids. */
  self: Float64Array;
  total: Float64Array;
  tree: CallTree;
}

/** What a comparison needs of one profile. Plain data with typed arrays: it is transferred between threads. */
export interface ProfileExtract {
  fileName: string;
  meta: ProfileMeta;
  threads: ThreadInfo[];
  /** The functions with any weight; `id` is the index. */
  funcs: FunctionInfo[];
  all: ModeExtract;
  /** Present when the profile has threadCPUDelta (so off-CPU samples can be told apart). */
  cpu?: ModeExtract;
  /** Present when the profile has Feldera operator markers. */
  operators?: OperatorExtract;
}

/** A profile's DBSP operators: self CPU from the `eval` markers, per operator and per worker. */
export interface OperatorExtract {
  /** All operators' CPU, each evaluation counted once. */
  totalCpuUs: number;
  rows: OperatorRow[];
}

export interface OperatorRow {
  nodeId: string;
  name: string;
  selfCpuUs: number;
  evals: number;
  /** CPU per worker (`worker 3`; a thread that is not a DBSP worker by its name), heaviest first. */
  workers: { worker: string; cpuUs: number }[];
}

/** A comparison side: one profile, or several merged (the other hosts of a collection). */
export interface Side {
  label: string;
  files: string[];
  metas: ProfileMeta[];
  threads: ThreadInfo[];
  funcs: FunctionInfo[];
  mode: ModeExtract;
  /** Absent when some profile of the side has no operator markers. */
  operators?: OperatorExtract;
}

export interface SideSummary {
  label: string;
  files: string[];
  products: string[];
  samples: number;
  weight: number;
  stackWeight: number;
  /** The longest duration of the side's profiles (they ran at the same time when merged hosts). */
  durationMs: number;
  /** Summed threadCPUDelta of every thread, when every thread has it in a known unit. */
  cpuMs?: number;
  /** Weight of on-CPU samples × the sampling interval: the CPU estimate when cpuMs is missing. */
  approxCpuMs: number;
  threadCount: number;
  weightType: string;
}

export interface FunctionChange extends FunctionInfo {
  /** Shares (0..1) of the side's total weight. */
  aSelf: number;
  aTotal: number;
  bSelf: number;
  bTotal: number;
  /** Changes in percentage points: 100 × (B − A). */
  dSelf: number;
  dTotal: number;
  /** By the larger of the two changes (self or total). */
  cls: ChangeClass;
}

/**
 * B's call tree, each node with its share in A and in B and its class. `value` and `self` are B's weights (the
 * flame graph's widths); a `gone` node (a call A made and B does not) has value 0 and is listed, not drawn.
 */
export interface DiffTree extends FlameTree {
  a: number[];
  b: number[];
  cls: ChangeClass[];
  /** 1 where A's share is only known to be below `aCut` (A's tree was cut; see EXTRACT_MIN_FRACTION). */
  bound: number[];
  /** The share below which A's calls were cut (0: none was). */
  aCut: number;
}

export interface Comparison {
  cpuOnly: boolean;
  a: SideSummary;
  b: SideSummary;
  /** E.g. the profiles come from different pipelines: said, but compared anyway. */
  warnings: string[];
  /** The first FUNCTION_ROWS rows in the default order (largest self change first); compareFunctions for more. */
  functions: FunctionChange[];
  /** Functions with weight in A or B. */
  functionCount: number;
  /** Functions whose class is not `same`. */
  changedCount: number;
  /** The verdict's biggest changes (by self change), `same` left out. */
  top: FunctionChange[];
  tree: DiffTree;
  /** Names of the functions the tree refers to. */
  funcs: FunctionInfo[];
  thresholds: typeof CHANGE_THRESHOLDS;
  /** When both sides have operator markers: every operator, largest change first. */
  operators?: OperatorChange[];
  /** Which sides have operator markers, to say why there is no operator table. */
  operatorMarkers: { a: boolean; b: boolean };
}

export interface OperatorChange {
  nodeId: string;
  /** B's name (A's for an operator gone from B). */
  name: string;
  /** Self CPU shares (0..1) of all operators' CPU in each side. */
  aShare: number;
  bShare: number;
  /** 100 × (bShare − aShare). */
  dPoints: number;
  cls: ChangeClass;
  aCpuUs: number;
  bCpuUs: number;
  /** CPU per worker: min / median / max over the workers that ran it, and max ÷ median. */
  aSpread: WorkerSpread;
  bSpread: WorkerSpread;
  /** Each worker's fraction of the operator's CPU, heaviest first. */
  aWorkers: { worker: string; share: number }[];
  bWorkers: { worker: string; share: number }[];
  /** The part of the operator's CPU (in points, 0..100) that runs on other workers in B than in A. */
  moved: number;
}

export type FunctionSort = 'dSelf' | 'dTotal' | 'name';

export interface FunctionQuery {
  /** Case-insensitive substring of the name (or library); '' for all. */
  filter?: string;
  sort?: FunctionSort;
  limit?: number;
}

// ---------------------------------------------------------------------------------------------------
// Extracting a profile

export interface ExtractOptions {
  minFraction?: number;
  maxNodes?: number;
}

/** Takes what a comparison needs from a model, in both modes. Runs where the model is (its worker). */
export function extractProfile(model: ProfileModel, fileName: string, opts: ExtractOptions = {}): ProfileExtract {
  const minFraction = opts.minFraction ?? EXTRACT_MIN_FRACTION;
  const maxNodes = opts.maxNodes ?? EXTRACT_MAX_NODES;
  const modes = model.meta.hasCpuDelta ? [false, true] : [false];
  const raw = modes.map((cpuOnly) => {
    const w = model.functionWeights({ cpuOnly });
    const s = model.summarizeSelection({ cpuOnly, topN: 0, flameMinFraction: minFraction, maxFlameNodes: maxNodes });
    return { w, s };
  });
  // Only functions with weight travel; ids are renumbered densely.
  const all = raw[0].w;
  const local = new Int32Array(all.total.length).fill(-1);
  const funcs: FunctionInfo[] = [];
  for (let f = 0; f < all.total.length; f++) {
    if (all.total[f] === 0 && all.self[f] === 0) continue;
    local[f] = funcs.length;
    funcs.push({ ...model.functionInfo(f), id: funcs.length });
  }
  const mode = ({ w, s }: (typeof raw)[number]): ModeExtract => {
    const self = new Float64Array(funcs.length);
    const total = new Float64Array(funcs.length);
    for (let f = 0; f < w.total.length; f++) {
      const l = local[f];
      if (l >= 0) {
        self[l] = w.self[f];
        total[l] = w.total[f];
      }
    }
    const t = s.flame;
    return {
      samples: s.samples,
      weight: s.weight,
      stackWeight: s.stackWeight,
      self,
      total,
      tree: {
        func: Int32Array.from(t.func, (f) => local[f]),
        parent: Int32Array.from(t.parent),
        value: Float64Array.from(t.value),
        self: Float64Array.from(t.self),
        minValue: t.pruned ? t.minValue : 0,
        pruned: t.pruned,
      },
    };
  };
  const out: ProfileExtract = {
    fileName,
    meta: model.meta,
    threads: model.threads,
    funcs,
    all: mode(raw[0]),
  };
  if (raw[1]) out.cpu = mode(raw[1]);
  if (model.feldera.hasOperators) out.operators = extractOperators(model);
  return out;
}

function extractOperators(model: ProfileModel): OperatorExtract {
  const table = model.operatorTable({});
  // Per operator and thread at once: asking operatorDetails for each operator would walk every span each time.
  const byThread = model.operatorCpuByThread({});
  const row = new Map(byThread.nodeIds.map((id, o) => [id, o]));
  const cols = byThread.threads.length;
  const workerName = (t: number) => {
    const info = model.threads[t];
    return info?.worker !== undefined ? `worker ${info.worker}` : (info?.name ?? `thread ${t}`);
  };
  return {
    totalCpuUs: table.totalCpuUs,
    rows: table.rows.map((r) => {
      const o = row.get(r.nodeId) ?? -1;
      const workers: { worker: string; cpuUs: number }[] = [];
      for (let c = 0; o >= 0 && c < cols; c++) {
        if (byThread.spans[o * cols + c] > 0) {
          workers.push({ worker: workerName(byThread.threads[c]), cpuUs: byThread.cpuUs[o * cols + c] });
        }
      }
      workers.sort((x, y) => y.cpuUs - x.cpuUs || compareStrings(x.worker, y.worker));
      return { nodeId: r.nodeId, name: r.name, selfCpuUs: r.selfCpuUs, evals: r.evals, workers };
    }),
  };
}

/** Operators of several profiles as one side (the other hosts): CPU summed per node id, workers told apart by host. */
function mergeOperators(extracts: ProfileExtract[]): OperatorExtract | undefined {
  if (!extracts.every((e) => e.operators)) return undefined;
  if (extracts.length === 1) return extracts[0].operators;
  const rows = new Map<string, OperatorRow>();
  let totalCpuUs = 0;
  extracts.forEach((e, k) => {
    const ops = e.operators as OperatorExtract;
    totalCpuUs += ops.totalCpuUs;
    const host = e.meta.host ? `host ${e.meta.host.index}` : `profile ${k + 1}`;
    for (const r of ops.rows) {
      const row = rows.get(r.nodeId) ?? { nodeId: r.nodeId, name: r.name, selfCpuUs: 0, evals: 0, workers: [] };
      row.selfCpuUs += r.selfCpuUs;
      row.evals += r.evals;
      row.workers.push(...r.workers.map((w) => ({ worker: `${host} ${w.worker}`, cpuUs: w.cpuUs })));
      rows.set(r.nodeId, row);
    }
  });
  for (const r of rows.values()) r.workers.sort((x, y) => y.cpuUs - x.cpuUs || compareStrings(x.worker, y.worker));
  return { totalCpuUs, rows: Array.from(rows.values()) };
}

/** The buffers of an extract's typed arrays, to transfer rather than copy it to another thread. */
export function extractTransferList(e: ProfileExtract): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const m of [e.all, e.cpu]) {
    if (!m) continue;
    const t = m.tree;
    for (const a of [m.self, m.total, t.func, t.parent, t.value, t.self]) list.push(a.buffer as ArrayBuffer);
  }
  return list;
}

// ---------------------------------------------------------------------------------------------------
// Reading several profiles

/**
 * A read's peak memory per byte of decompressed JSON text. Measured with the streaming reader: +213 MiB for 212 MiB
 * of Feldera profile JSON (2 M eval markers), its 32 MiB inflate ring included; bigger profiles need less per byte
 * (0.52 for 1.5 GiB). Rounded up, so that a read that would not fit is never started beside another.
 */
export const READ_PEAK_PER_TEXT_BYTE = 1.2;
/** Profiles read at once when memory allows. */
export const PARALLEL_READS = 2;
/**
 * Cores one read keeps busy: the parser's thread, and zlib inflating ahead of it in a thread of its own (measured:
 * 1.1 s of CPU in 0.66 s for the ~212 MiB profile).
 */
export const CORES_PER_READ = 2;
/** On a machine without a core for each read's threads, the next read starts once the one before has read this share. */
export const STAGGERED_START = 0.7;

/**
 * When the next read may start: once every read under way has read this share of its file. With cores for both reads
 * at once, at the start (0): they overlap fully. With fewer, both are bound by the CPU, so overlapping fully ends them
 * only a little sooner, but they peak together at the end of their parse; staggered, the first read has ended and
 * freed its memory before the second peaks. Measured on 2 cores, two ~212 MiB profiles (one alone: +216 MiB, 0.60 s):
 * at once +417 MiB in 1.10 s, staggered at 0.7 +303 MiB in 1.22 s, one after the other +257 MiB in 1.30 s.
 */
export function nextReadAfter(cores: number): number {
  return cores >= PARALLEL_READS * CORES_PER_READ ? 0 : STAGGERED_START;
}

export function readsAtOnce(textBytes: number[], freeBytes: number): number {
  const together = textBytes
    .slice()
    .sort((a, b) => b - a)
    .slice(0, PARALLEL_READS)
    .reduce((sum, t) => sum + t * READ_PEAK_PER_TEXT_BYTE, 0);
  return textBytes.length > 1 && together > 0.75 * freeBytes ? 1 : PARALLEL_READS;
}

// ---------------------------------------------------------------------------------------------------
// Sides: one profile, or several merged

/** Whether comparisons of these extracts can be CPU-only: every one has threadCPUDelta. */
export function canBeCpuOnly(extracts: ProfileExtract[]): boolean {
  return extracts.length > 0 && extracts.every((e) => e.cpu !== undefined);
}

export function sideOf(extracts: ProfileExtract[], cpuOnly: boolean, label?: string): Side {
  if (extracts.length === 0) throw new Error('A comparison side needs at least one profile.');
  const pick = (e: ProfileExtract): ModeExtract => (cpuOnly && e.cpu ? e.cpu : e.all);
  const files = extracts.map((e) => e.fileName);
  const metas = extracts.map((e) => e.meta);
  const threads = extracts.flatMap((e) => e.threads);
  const name = label ?? (extracts.length === 1 ? extracts[0].fileName : `${extracts.length} profiles`);
  const operators = mergeOperators(extracts);
  const withOps = (side: Side): Side => (operators ? { ...side, operators } : side);
  if (extracts.length === 1) {
    return withOps({ label: name, files, metas, threads, funcs: extracts[0].funcs, mode: pick(extracts[0]) });
  }
  const union = new FunctionUnion();
  const maps = extracts.map((e) => union.addAll(e.funcs));
  const n = union.funcs.length;
  const self = new Float64Array(n);
  const total = new Float64Array(n);
  let samples = 0;
  let weight = 0;
  let stackWeight = 0;
  extracts.forEach((e, k) => {
    const m = pick(e);
    const map = maps[k];
    for (let f = 0; f < map.length; f++) {
      self[map[f]] += m.self[f];
      total[map[f]] += m.total[f];
    }
    samples += m.samples;
    weight += m.weight;
    stackWeight += m.stackWeight;
  });
  const tree = mergeTrees(
    extracts.map((e, k) => ({ tree: pick(e).tree, map: maps[k] })),
    union.funcs,
  );
  return withOps({
    label: name,
    files,
    metas,
    threads,
    funcs: union.funcs,
    mode: { samples, weight, stackWeight, self, total, tree },
  });
}

/** Functions of several profiles under one id per (name, library). */
class FunctionUnion {
  readonly funcs: FunctionInfo[] = [];
  private readonly byKey = new Map<string, number>();

  id(f: FunctionInfo): number {
    const key = functionKey(f);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.funcs.length;
      this.byKey.set(key, id);
      const info: FunctionInfo = { id, name: f.name };
      if (f.lib !== undefined) info.lib = f.lib;
      if (f.file !== undefined) info.file = f.file;
      this.funcs.push(info);
    }
    return id;
  }

  /** Local id → union id. */
  addAll(funcs: FunctionInfo[]): Int32Array {
    return Int32Array.from(funcs, (f) => this.id(f));
  }
}

function functionKey(f: FunctionInfo): string {
  return `${f.name}\u0000${f.lib ?? ''}`;
}

/** Call trees of several profiles as one (weights summed per call path), children heaviest first. */
function mergeTrees(parts: { tree: CallTree; map: Int32Array }[], funcs: FunctionInfo[]): CallTree {
  const b = new TreeBuilder();
  let minValue = 0;
  let pruned = false;
  for (const { tree, map } of parts) {
    const out = new Int32Array(tree.func.length);
    for (let i = 0; i < tree.func.length; i++) {
      const p = tree.parent[i];
      out[i] = b.add(p < 0 ? -1 : out[p], map[tree.func[i]], tree.value[i], tree.self[i]);
    }
    minValue += tree.minValue;
    pruned ||= tree.pruned;
  }
  return b.finish(funcs, minValue, pruned);
}

/** Builds a call tree node by node (parents first), then lays it out in preorder with children heaviest first. */
class TreeBuilder {
  private func: number[] = [];
  private parent: number[] = [];
  private value: number[] = [];
  private self: number[] = [];
  private readonly index = new Map<string, number>();

  add(parent: number, func: number, value: number, self: number): number {
    const key = `${parent}:${func}`;
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.func.length;
      this.index.set(key, id);
      this.func.push(func);
      this.parent.push(parent);
      this.value.push(0);
      this.self.push(0);
    }
    this.value[id] += value;
    this.self[id] += self;
    return id;
  }

  finish(funcs: FunctionInfo[], minValue: number, pruned: boolean): CallTree {
    const n = this.func.length;
    const children: number[][] = Array.from({ length: n }, () => []);
    const roots: number[] = [];
    for (let i = 0; i < n; i++) (this.parent[i] < 0 ? roots : children[this.parent[i]]).push(i);
    const order = (x: number, y: number) =>
      this.value[y] - this.value[x] || compareStrings(funcs[this.func[x]].name, funcs[this.func[y]].name);
    const out: CallTree = {
      func: new Int32Array(n),
      parent: new Int32Array(n),
      value: new Float64Array(n),
      self: new Float64Array(n),
      minValue,
      pruned,
    };
    let k = 0;
    const stack: { node: number; parent: number }[] = roots
      .sort(order)
      .reverse()
      .map((node) => ({ node, parent: -1 }));
    while (stack.length) {
      const { node, parent } = stack.pop() as { node: number; parent: number };
      const at = k++;
      out.func[at] = this.func[node];
      out.parent[at] = parent;
      out.value[at] = this.value[node];
      out.self[at] = this.self[node];
      const kids = children[node].sort(order);
      for (let c = kids.length - 1; c >= 0; c--) stack.push({ node: kids[c], parent: at });
    }
    return out;
  }
}

export function summarizeSide(side: Side): SideSummary {
  const cpuKnown = side.threads.length > 0 && side.threads.every((t) => t.cpuTimeMs !== undefined);
  const cpuWeight = side.threads.reduce((n, t) => n + t.cpuWeight, 0);
  const interval = side.metas[0]?.interval ?? 1;
  const summary: SideSummary = {
    label: side.label,
    files: side.files,
    products: unique(side.metas.map((m) => m.product)),
    samples: side.mode.samples,
    weight: side.mode.weight,
    stackWeight: side.mode.stackWeight,
    durationMs: Math.max(0, ...side.metas.map((m) => m.durationMs)),
    approxCpuMs: cpuWeight * interval,
    threadCount: side.threads.length,
    weightType: side.metas[0]?.weightType ?? 'samples',
  };
  if (cpuKnown) summary.cpuMs = side.threads.reduce((n, t) => n + (t.cpuTimeMs ?? 0), 0);
  return summary;
}

// ---------------------------------------------------------------------------------------------------
// The comparison

/** The class of a change from share `a` (of nA samples) to share `b` (of nB samples); see the file head. */
export function classifyChange(
  a: number,
  b: number,
  nA: number,
  nB: number,
  /** False when a 0 only means "below the cut" (the side's tree was pruned): then it is never new or gone. */
  aZeroExact = true,
  bZeroExact = true,
): ChangeClass {
  if (a === 0 && b === 0) return 'same';
  if (a === 0 && aZeroExact) return 'new';
  if (b === 0 && bZeroExact) return 'gone';
  const d = b - a;
  const size = Math.abs(d);
  if (size * 100 < CHANGE_THRESHOLDS.minPoints) return 'same';
  if (size < CHANGE_THRESHOLDS.minRelative * Math.max(a, b)) return 'same';
  const se = Math.sqrt(variance(a, nA) + variance(b, nB));
  if (size < CHANGE_THRESHOLDS.noiseSigmas * se) return 'same';
  return d > 0 ? 'grew' : 'shrank';
}

function variance(p: number, n: number): number {
  const q = Math.min(1, Math.max(0, p));
  return n > 0 ? (q * (1 - q)) / n : 0;
}

export interface CompareOptions {
  cpuOnly: boolean;
  displayMinFraction?: number;
  maxDisplayNodes?: number;
}

/** The full result: the Comparison to show, and every function row for later filtering (compareFunctions). */
export interface ComparisonResult {
  comparison: Comparison;
  allFunctions: FunctionChange[];
}

export function compareSides(a: Side, b: Side, opts: CompareOptions): ComparisonResult {
  const union = new FunctionUnion();
  const aMap = union.addAll(a.funcs);
  const bMap = union.addAll(b.funcs);
  const n = union.funcs.length;
  const share = (side: Side, map: Int32Array, key: 'self' | 'total'): Float64Array => {
    const out = new Float64Array(n);
    const w = side.mode.weight;
    if (w > 0) for (let f = 0; f < map.length; f++) out[map[f]] += side.mode[key][f] / w;
    return out;
  };
  const aSelf = share(a, aMap, 'self');
  const aTotal = share(a, aMap, 'total');
  const bSelf = share(b, bMap, 'self');
  const bTotal = share(b, bMap, 'total');
  const nA = a.mode.samples;
  const nB = b.mode.samples;
  const rows: FunctionChange[] = [];
  for (let f = 0; f < n; f++) {
    if (aTotal[f] === 0 && bTotal[f] === 0 && aSelf[f] === 0 && bSelf[f] === 0) continue;
    const dSelf = 100 * (bSelf[f] - aSelf[f]);
    const dTotal = 100 * (bTotal[f] - aTotal[f]);
    const bySelf = Math.abs(dSelf) > Math.abs(dTotal);
    const cls =
      aTotal[f] === 0 || bTotal[f] === 0
        ? classifyChange(aTotal[f], bTotal[f], nA, nB)
        : bySelf
          ? classifyChange(aSelf[f], bSelf[f], nA, nB)
          : classifyChange(aTotal[f], bTotal[f], nA, nB);
    rows.push({
      ...union.funcs[f],
      aSelf: aSelf[f],
      aTotal: aTotal[f],
      bSelf: bSelf[f],
      bTotal: bTotal[f],
      dSelf,
      dTotal,
      cls,
    });
  }
  sortFunctions(rows, 'dSelf');
  const top = rows.filter((r) => r.cls !== 'same').slice(0, VERDICT_CHANGES);
  const tree = diffTree(a, aMap, b, bMap, union.funcs, opts);
  const treeFuncs = Array.from(new Set(tree.func))
    .sort((x, y) => x - y)
    .map((f) => union.funcs[f]);
  const warnings: string[] = [];
  const aSum = summarizeSide(a);
  const bSum = summarizeSide(b);
  const aProducts = aSum.products.join(', ');
  const bProducts = bSum.products.join(', ');
  if (aProducts !== bProducts) {
    warnings.push(
      `The profiles come from different pipelines (A: ${aProducts || 'unknown'}, B: ${bProducts || 'unknown'}): ` +
        'compared anyway, but a change may only be the difference between the programs.',
    );
  }
  if (aSum.weightType !== bSum.weightType) {
    warnings.push(`The profiles weigh samples differently (A: ${aSum.weightType}, B: ${bSum.weightType}).`);
  }
  const operatorMarkers = { a: a.operators !== undefined, b: b.operators !== undefined };
  const operators = a.operators && b.operators ? compareOperators(a.operators, b.operators) : undefined;
  if (operatorMarkers.a !== operatorMarkers.b) {
    warnings.push(
      `Only ${operatorMarkers.a ? 'A' : 'B'} has Feldera operator markers: operators are not compared, functions are.`,
    );
  }
  return {
    comparison: {
      cpuOnly: opts.cpuOnly,
      a: aSum,
      b: bSum,
      warnings,
      functions: rows.slice(0, FUNCTION_ROWS),
      functionCount: rows.length,
      changedCount: rows.filter((r) => r.cls !== 'same').length,
      top,
      tree,
      funcs: treeFuncs,
      thresholds: CHANGE_THRESHOLDS,
      ...(operators ? { operators } : {}),
      operatorMarkers,
    },
    allFunctions: rows,
  };
}

/** Operators of A and B by node id: shares of all operators' CPU, the change, and how their CPU moved between workers. */
export function compareOperators(a: OperatorExtract, b: OperatorExtract): OperatorChange[] {
  const byId = new Map<string, { a?: OperatorRow; b?: OperatorRow }>();
  for (const r of a.rows) byId.set(r.nodeId, { a: r });
  for (const r of b.rows) byId.set(r.nodeId, { ...byId.get(r.nodeId), b: r });
  const fractions = (r: OperatorRow | undefined) => {
    const sum = r ? r.workers.reduce((n, w) => n + w.cpuUs, 0) : 0;
    return r && sum > 0 ? r.workers.map((w) => ({ worker: w.worker, share: w.cpuUs / sum })) : [];
  };
  const out: OperatorChange[] = [];
  for (const [nodeId, { a: ra, b: rb }] of byId) {
    const aShare = ra && a.totalCpuUs > 0 ? ra.selfCpuUs / a.totalCpuUs : 0;
    const bShare = rb && b.totalCpuUs > 0 ? rb.selfCpuUs / b.totalCpuUs : 0;
    if (aShare === 0 && bShare === 0 && !ra?.evals && !rb?.evals) continue;
    const aWorkers = fractions(ra);
    const bWorkers = fractions(rb);
    // Total variation distance between the two spreads over workers, in points; only when both ran it.
    let moved = 0;
    if (aWorkers.length && bWorkers.length) {
      const diff = new Map<string, number>();
      for (const w of aWorkers) diff.set(w.worker, w.share);
      for (const w of bWorkers) diff.set(w.worker, (diff.get(w.worker) ?? 0) - w.share);
      moved = 50 * Array.from(diff.values()).reduce((n, d) => n + Math.abs(d), 0);
    }
    out.push({
      nodeId,
      name: (rb ?? ra)?.name ?? nodeId,
      aShare,
      bShare,
      dPoints: 100 * (bShare - aShare),
      // Measured from the markers' tooltips, not sampled: no noise allowance.
      cls: classifyChange(aShare, bShare, Infinity, Infinity),
      aCpuUs: ra?.selfCpuUs ?? 0,
      bCpuUs: rb?.selfCpuUs ?? 0,
      aSpread: spreadOf(ra?.workers.map((w) => w.cpuUs) ?? []),
      bSpread: spreadOf(rb?.workers.map((w) => w.cpuUs) ?? []),
      aWorkers,
      bWorkers,
      moved,
    });
  }
  return out.sort(
    (x, y) =>
      Math.abs(y.dPoints) - Math.abs(x.dPoints) ||
      y.moved - x.moved ||
      y.bShare - x.bShare ||
      compareStrings(x.nodeId, y.nodeId),
  );
}

/** Rows matching the query, in its order (sorts `rows` in place), at most `limit`. */
export function compareFunctions(rows: FunctionChange[], q: FunctionQuery): FunctionChange[] {
  const needle = (q.filter ?? '').trim().toLowerCase();
  sortFunctions(rows, q.sort ?? 'dSelf');
  const out: FunctionChange[] = [];
  const limit = q.limit ?? FUNCTION_ROWS;
  for (const r of rows) {
    if (out.length >= limit) break;
    if (!needle || r.name.toLowerCase().includes(needle) || (r.lib ?? '').toLowerCase().includes(needle)) out.push(r);
  }
  return out;
}

function sortFunctions(rows: FunctionChange[], sort: FunctionSort): void {
  const bySelf = (x: FunctionChange, y: FunctionChange) => Math.abs(y.dSelf) - Math.abs(x.dSelf);
  const byTotal = (x: FunctionChange, y: FunctionChange) => Math.abs(y.dTotal) - Math.abs(x.dTotal);
  const byName = (x: FunctionChange, y: FunctionChange) =>
    compareStrings(x.name, y.name) || compareStrings(x.lib ?? '', y.lib ?? '');
  if (sort === 'name') rows.sort(byName);
  else if (sort === 'dTotal') rows.sort((x, y) => byTotal(x, y) || bySelf(x, y) || byName(x, y));
  else rows.sort((x, y) => bySelf(x, y) || byTotal(x, y) || byName(x, y));
}

/** Child lookup in a call tree by (parent node, union function id). */
function childIndex(tree: CallTree, map: Int32Array, funcCount: number): Map<number, number> {
  const index = new Map<number, number>();
  for (let i = 0; i < tree.func.length; i++) index.set((tree.parent[i] + 1) * funcCount + map[tree.func[i]], i);
  return index;
}

function diffTree(
  a: Side,
  aMap: Int32Array,
  b: Side,
  bMap: Int32Array,
  funcs: FunctionInfo[],
  opts: CompareOptions,
): DiffTree {
  const n = funcs.length;
  const at = a.mode.tree;
  const bt = b.mode.tree;
  const aIndex = childIndex(at, aMap, n);
  const bIndex = childIndex(bt, bMap, n);
  // Which functions a side has at all: a call of a function the side never ran is surely absent, pruned or not.
  const aHas = new Uint8Array(n);
  const bHas = new Uint8Array(n);
  for (let f = 0; f < aMap.length; f++) if (a.mode.total[f] > 0) aHas[aMap[f]] = 1;
  for (let f = 0; f < bMap.length; f++) if (b.mode.total[f] > 0) bHas[bMap[f]] = 1;
  const aW = a.mode.weight;
  const bW = b.mode.weight;
  const nA = a.mode.samples;
  const nB = b.mode.samples;
  const shown = prune(bt, b.mode.stackWeight, opts.displayMinFraction ?? DISPLAY_MIN_FRACTION, opts.maxDisplayNodes);
  const aMin = a.mode.stackWeight * (opts.displayMinFraction ?? DISPLAY_MIN_FRACTION);

  const out: DiffTree = {
    func: [],
    parent: [],
    value: [],
    self: [],
    minValue: shown.minValue,
    pruned: shown.pruned,
    a: [],
    b: [],
    cls: [],
    bound: [],
    aCut: at.pruned && aW > 0 ? at.minValue / aW : 0,
  };
  const push = (func: number, parent: number, value: number, self: number, aw: number, aExact: boolean, bw: number) => {
    const sa = aW > 0 ? aw / aW : 0;
    const sb = bW > 0 ? bw / bW : 0;
    out.func.push(func);
    out.parent.push(parent);
    out.value.push(value);
    out.self.push(self);
    out.a.push(sa);
    out.b.push(sb);
    out.cls.push(classifyChange(sa, sb, nA, nB, aExact, true));
    out.bound.push(aExact ? 0 : 1);
    return out.func.length - 1;
  };
  // A's children lists, to find the calls under an A node that B never makes.
  const aFirst = new Int32Array(at.func.length + 1).fill(-1);
  const aNext = new Int32Array(at.func.length).fill(-1);
  for (let i = at.func.length - 1; i >= 0; i--) {
    const slot = at.parent[i] + 1;
    aNext[i] = aFirst[slot];
    aFirst[slot] = i;
  }
  /** A's calls under `aNode` (-1: A's roots) that B never makes: listed after B's children as `gone`. */
  const addGone = (aNode: number, bNode: number, outParent: number) => {
    const gone: number[] = [];
    for (let i = aFirst[aNode + 1]; i >= 0; i = aNext[i]) {
      if (!(at.value[i] >= aMin && at.value[i] > 0)) continue;
      const uf = aMap[at.func[i]];
      if (bIndex.has((bNode + 1) * n + uf)) continue;
      // Below B's cut, or truly absent: only the latter is gone.
      if (bt.pruned && bHas[uf]) continue;
      gone.push(i);
    }
    // A's children are in A's order already: heaviest first.
    for (const i of gone) push(aMap[at.func[i]], outParent, 0, 0, at.value[i], true, 0);
  };

  // Preorder over B's shown nodes; each also carries its A node (-1 when A has no such call).
  const aOf = new Int32Array(bt.func.length).fill(-1);
  const outOf = new Int32Array(bt.func.length).fill(-1);
  const kept = shown.keep;
  // Gone calls are listed once a node's shown children are done: a stack of (node, its out index) to close.
  const open: { bNode: number; out: number }[] = [];
  const close = (until: number) => {
    while (open.length && open[open.length - 1].bNode !== until) {
      const top = open.pop() as { bNode: number; out: number };
      // Under a call A never made, A has nothing that could be gone.
      if (aOf[top.bNode] >= 0) addGone(aOf[top.bNode], top.bNode, top.out);
    }
  };
  for (let i = 0; i < bt.func.length; i++) {
    if (!kept[i]) continue;
    const p = bt.parent[i];
    close(p);
    const uf = bMap[bt.func[i]];
    const ap = p < 0 ? -1 : aOf[p];
    const aNode = p >= 0 && ap < 0 ? -1 : (aIndex.get((ap + 1) * n + uf) ?? -1);
    aOf[i] = aNode;
    const aw = aNode >= 0 ? at.value[aNode] : 0;
    // A 0 is exact when A's tree was not cut, or A never ran the function at all.
    const aExact = aNode >= 0 || !at.pruned || !aHas[uf];
    outOf[i] = push(uf, p < 0 ? -1 : outOf[p], bt.value[i], bt.self[i], aw, aExact, bt.value[i]);
    open.push({ bNode: i, out: outOf[i] });
  }
  close(-2);
  addGone(-1, -1, -1);
  return out;
}

/** Which nodes of a preorder tree carry at least `minFraction` of `whole`, at most `maxNodes` of them. */
function prune(
  tree: CallTree,
  whole: number,
  minFraction: number,
  maxNodes = DISPLAY_MAX_NODES,
): { keep: Uint8Array; minValue: number; pruned: boolean } {
  const n = tree.func.length;
  let minValue = Math.max(whole * minFraction, Number.MIN_VALUE);
  const heavy: number[] = [];
  for (let i = 0; i < n; i++) if (tree.value[i] >= minValue) heavy.push(tree.value[i]);
  if (heavy.length > maxNodes) {
    heavy.sort((x, y) => y - x);
    minValue = maxNodes > 0 ? heavy[maxNodes - 1] : Infinity;
    if (maxNodes > 0 && heavy[maxNodes] === minValue)
      minValue += Math.max(Math.abs(minValue) * Number.EPSILON, Number.MIN_VALUE);
  }
  const keep = new Uint8Array(n);
  let dropped = tree.pruned;
  for (let i = 0; i < n; i++) {
    const p = tree.parent[i];
    if (tree.value[i] >= minValue && tree.value[i] > 0 && (p < 0 || keep[p])) keep[i] = 1;
    else dropped = true;
  }
  return { keep, minValue: Number.isFinite(minValue) ? minValue : 0, pruned: dropped };
}

// ---------------------------------------------------------------------------------------------------
// Hosts of one multihost collection

export interface HostThread {
  name: string;
  tid: string;
  weight: number;
  /** Of the host's weight. */
  share: number;
  cpuMs?: number;
}

export interface HostRow {
  /** Index of the profile in the session. */
  profile: number;
  fileName: string;
  /** From the profile's meta (oscpu "host i of n"), else from its file name. */
  hostIndex?: number;
  label: string;
  samples: number;
  weight: number;
  /** Of the whole collection's weight. */
  share: number;
  cpuMs?: number;
  approxCpuMs: number;
  durationMs: number;
  busiest: HostThread[];
  topSelf: { name: string; lib?: string; share: number }[];
}

export interface HostsView {
  cpuOnly: boolean;
  weightType: string;
  products: string[];
  warnings: string[];
  hosts: HostRow[];
  /** All hosts' call trees as one. */
  merged: { tree: FlameTree; funcs: FunctionInfo[]; samples: number; weight: number; stackWeight: number };
  /** The operator × host table, when every host's profile has operator markers; heaviest operators first. */
  operators?: HostOperatorRow[];
}

export interface HostOperatorRow {
  nodeId: string;
  name: string;
  /** The operator's self CPU summed over the hosts. */
  cpuUs: number;
  /** Per host (in `hosts` order): its self CPU, and its fraction of the operator's CPU over all hosts. */
  hosts: { cpuUs: number; share: number }[];
  /** The largest host fraction ÷ the median one (undefined when the median is 0): > SKEWED_HOST stands out. */
  skew?: number;
  /** Index (in `hosts`) of the host with the largest fraction. */
  busiest: number;
  /**
   * The busiest host, when it stands out: its CPU is more than SKEWED_HOST × the median host's, or the median host
   * does not run the operator at all while it does.
   */
  standsOut?: number;
}

/** A host whose part of an operator's CPU is this many times the median host's stands out in the table. */
export const SKEWED_HOST = 1.5;
/** Rows of the operator × host table. */
export const HOST_OPERATOR_ROWS = 200;

const BUSIEST = 5;

/** The hosts view of profiles of one collection, in host order. `hostIndexes[k]` may come from the file name. */
export function hostsView(
  extracts: { profile: number; extract: ProfileExtract; hostIndex?: number }[],
  cpuOnly: boolean,
  opts: { displayMinFraction?: number; maxDisplayNodes?: number } = {},
): HostsView {
  const sorted = extracts
    .map((x) => ({ ...x, hostIndex: x.extract.meta.host?.index ?? x.hostIndex }))
    .sort((x, y) => (x.hostIndex ?? Infinity) - (y.hostIndex ?? Infinity) || x.profile - y.profile);
  const merged = sideOf(
    sorted.map((x) => x.extract),
    cpuOnly,
    'all hosts',
  );
  const whole = merged.mode.weight;
  const hosts = sorted.map(({ profile, extract, hostIndex }): HostRow => {
    const side = sideOf([extract], cpuOnly);
    const m = side.mode;
    const sum = summarizeSide(side);
    const weightOf = (t: ThreadInfo) => (cpuOnly && extract.cpu ? t.cpuWeight : t.weight);
    const busiest = extract.threads
      .slice()
      .sort((x, y) => weightOf(y) - weightOf(x) || x.index - y.index)
      .slice(0, BUSIEST)
      .filter((t) => weightOf(t) > 0)
      .map((t) => {
        const h: HostThread = {
          name: t.name,
          tid: t.tid,
          weight: weightOf(t),
          share: m.weight > 0 ? weightOf(t) / m.weight : 0,
        };
        if (t.cpuTimeMs !== undefined) h.cpuMs = t.cpuTimeMs;
        return h;
      });
    const topSelf = Array.from(m.self.keys())
      .filter((f) => m.self[f] > 0)
      .sort((x, y) => m.self[y] - m.self[x] || compareStrings(extract.funcs[x].name, extract.funcs[y].name))
      .slice(0, BUSIEST)
      .map((f) => {
        const t: { name: string; lib?: string; share: number } = {
          name: extract.funcs[f].name,
          share: m.self[f] / (m.weight || 1),
        };
        if (extract.funcs[f].lib !== undefined) t.lib = extract.funcs[f].lib;
        return t;
      });
    const row: HostRow = {
      profile,
      fileName: extract.fileName,
      label: hostIndex !== undefined ? `Host ${hostIndex}` : extract.fileName,
      samples: m.samples,
      weight: m.weight,
      share: whole > 0 ? m.weight / whole : 0,
      approxCpuMs: sum.approxCpuMs,
      durationMs: sum.durationMs,
      busiest,
      topSelf,
    };
    if (hostIndex !== undefined) row.hostIndex = hostIndex;
    if (sum.cpuMs !== undefined) row.cpuMs = sum.cpuMs;
    return row;
  });
  const minFraction = opts.displayMinFraction ?? DISPLAY_MIN_FRACTION;
  const shown = prune(merged.mode.tree, merged.mode.stackWeight, minFraction, opts.maxDisplayNodes);
  const t = merged.mode.tree;
  const tree: FlameTree = { func: [], parent: [], value: [], self: [], minValue: shown.minValue, pruned: shown.pruned };
  const outOf = new Int32Array(t.func.length).fill(-1);
  for (let i = 0; i < t.func.length; i++) {
    if (!shown.keep[i]) continue;
    outOf[i] = tree.func.length;
    tree.func.push(t.func[i]);
    tree.parent.push(t.parent[i] < 0 ? -1 : outOf[t.parent[i]]);
    tree.value.push(t.value[i]);
    tree.self.push(t.self[i]);
  }
  const products = unique(sorted.map((x) => x.extract.meta.product));
  const warnings: string[] = [];
  const operators = hostOperators(sorted.map((x) => x.extract));
  if (!operators && sorted.some((x) => x.extract.operators)) {
    warnings.push('Not every host has Feldera operator markers: no operator × host table.');
  }
  if (products.length > 1) warnings.push(`These profiles come from different pipelines: ${products.join(', ')}.`);
  const counts = unique(sorted.map((x) => String(x.extract.meta.host?.count ?? '')).filter(Boolean));
  if (counts.length === 1 && Number(counts[0]) !== sorted.length) {
    warnings.push(`The pipeline has ${counts[0]} hosts; ${sorted.length} of their profiles are shown.`);
  }
  return {
    cpuOnly,
    weightType: sorted[0]?.extract.meta.weightType ?? 'samples',
    products,
    warnings,
    hosts,
    merged: {
      tree,
      funcs: Array.from(new Set(tree.func))
        .sort((x, y) => x - y)
        .map((f) => merged.funcs[f]),
      samples: merged.mode.samples,
      weight: merged.mode.weight,
      stackWeight: merged.mode.stackWeight,
    },
    ...(operators ? { operators } : {}),
  };
}

function hostOperators(extracts: ProfileExtract[]): HostOperatorRow[] | undefined {
  if (extracts.length === 0 || !extracts.every((e) => e.operators)) return undefined;
  const rows = new Map<string, HostOperatorRow>();
  extracts.forEach((e, h) => {
    for (const r of (e.operators as OperatorExtract).rows) {
      let row = rows.get(r.nodeId);
      if (!row) {
        row = {
          nodeId: r.nodeId,
          name: r.name,
          cpuUs: 0,
          hosts: extracts.map(() => ({ cpuUs: 0, share: 0 })),
          busiest: 0,
        };
        rows.set(r.nodeId, row);
      }
      row.hosts[h].cpuUs += r.selfCpuUs;
      row.cpuUs += r.selfCpuUs;
    }
  });
  for (const row of rows.values()) {
    for (const h of row.hosts) h.share = row.cpuUs > 0 ? h.cpuUs / row.cpuUs : 0;
    row.busiest = row.hosts.reduce((best, h, k) => (h.share > row.hosts[best].share ? k : best), 0);
    // max ÷ median of the hosts' CPU: the same ratio as of their fractions, without the rounding of the division.
    const spread = spreadOf(row.hosts.map((h) => h.cpuUs));
    if (spread.skew !== undefined) row.skew = spread.skew;
    if (row.hosts.length > 1 && spread.maxUs > 0 && (spread.skew === undefined || spread.skew > SKEWED_HOST)) {
      row.standsOut = row.busiest;
    }
  }
  return Array.from(rows.values())
    .sort((x, y) => y.cpuUs - x.cpuUs || compareStrings(x.nodeId, y.nodeId))
    .slice(0, HOST_OPERATOR_ROWS);
}

function unique(xs: string[]): string[] {
  return Array.from(new Set(xs));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
