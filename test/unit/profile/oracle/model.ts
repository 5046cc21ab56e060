// FROZEN COPY of src/profile/model.ts as it was before the streaming reader (main 8b35e4a): the property tests' oracle
// for today's path (buffer the text, parse it, build the model). Do not edit; do not import from src.
// Turns a parsed samply profile (Firefox Profiler "processed" format, versions 44..70) into a compact
// model: one function table and one call-node table for all threads; per thread its samples (time, call node,
// weight, CPU delta: typed columns, kept for time ranges and operators) and the weight that lands on each call node
// over the whole profile (all samples, and on-CPU samples only: the common summaries need no pass over samples);
// and what Feldera's markers say (./markers.ts, ./operators.ts). The parsed JSON can be dropped afterwards.
import { CallNodeTable, type FrozenCallNodes } from './callNodes';
import { MarkerReader, type MarkerTables } from './markers';
import { lowerBound, OperatorIndex } from './operators';
import { stringTableOf, type StringTable } from './strings';
import { DEFAULT_MAX_SPANS, memorySeries, timelineSpans } from './timeline';
import {
  MAX_PROFILE_VERSION,
  MIN_PROFILE_VERSION,
  type CallerCallee,
  type FelderaOverview,
  type FlameTree,
  type FunctionDetails,
  type FunctionInfo,
  type FunctionStat,
  type OperatorDetails,
  type OperatorQuery,
  type OperatorTable,
  type ProfileError,
  type ProfileErrorKind,
  type ProfileMeta,
  type ProfileSummary,
  type Selection,
  type SelectionSummary,
  type SummarizeOptions,
  type ThreadInfo,
  type TimeRange,
  type Timeline,
  type TimelineLane,
  type TimelineQuery,
  type WorkerInfo,
} from './types';

export class ProfileFormatError extends Error {
  constructor(
    readonly kind: ProfileErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProfileFormatError';
  }

  toProfileError(): ProfileError {
    return { kind: this.kind, message: this.message };
  }
}

type Json = { [key: string]: unknown };
type Column = ArrayLike<unknown>;
type NumColumn = ArrayLike<number | null | undefined>;

const HEX_NAME = /^0x[0-9a-f]+$/i;
const HOST_RE = /\bhost\s+(\d+)\s+of\s+(\d+)\b/i;
const WORKER_RE = /^dbsp-worker-(\d+)$/;

/** Per thread: the call nodes its samples hit over the whole profile, and their weight (all / on-CPU samples). */
interface ThreadWeights {
  nodes: Int32Array;
  all: Float64Array;
  cpu: Float64Array;
}

/**
 * Per thread: its samples in time order. `node` is the call node (-1 for an empty stack); `weight` undefined means
 * every weight is 1; `cpu` is threadCPUDelta (NaN where unknown, which counts as on-CPU), undefined when absent.
 */
interface ThreadSamples {
  /** ms; an Int32Array when the profile's times are whole ms. */
  time: Float64Array | Int32Array;
  node: Int32Array;
  weight: Int32Array | Float64Array | undefined;
  cpu: Int32Array | Float64Array | undefined;
}

/** A selection checked against the profile: thread indexes sorted, the operator's id (-1: no such operator). */
interface Filter {
  threads: number[];
  cpuOnly: boolean;
  range?: TimeRange;
  operator?: string;
  op?: number;
}

interface Aggregate {
  key: string;
  filter: Filter;
  samples: number;
  weight: number;
  stackWeight: number;
  /** Weight of samples ending at each call node. */
  nodeSelf: Float64Array;
  /** Weight of each call node's subtree. */
  cum: Float64Array;
  self: Float64Array;
  total: Float64Array;
}

/** What buildProfileModel hands the model. */
interface ModelParts {
  meta: ProfileMeta;
  threads: ThreadInfo[];
  funcs: FunctionTable;
  nodes: FrozenCallNodes;
  weights: ThreadWeights[];
  samples: ThreadSamples[];
  markers: MarkerTables;
  operators: OperatorIndex;
  /** threadCPUDelta per ms (0: unknown unit). */
  cpuDivisor: number;
}

export class ProfileModel {
  readonly meta: ProfileMeta;
  readonly threads: ThreadInfo[];
  readonly feldera: FelderaOverview;
  private readonly funcs: FunctionTable;
  private readonly nodes: FrozenCallNodes;
  private readonly weights: ThreadWeights[];
  private readonly samples: ThreadSamples[];
  private readonly markers: MarkerTables;
  private readonly operators: OperatorIndex;
  private readonly cpuDivisor: number;
  private last: Aggregate | undefined;

  /** @internal Built by buildProfileModel. */
  constructor(parts: ModelParts) {
    this.meta = parts.meta;
    this.threads = parts.threads;
    this.funcs = parts.funcs;
    this.nodes = parts.nodes;
    this.weights = parts.weights;
    this.samples = parts.samples;
    this.markers = parts.markers;
    this.operators = parts.operators;
    this.cpuDivisor = parts.cpuDivisor;
    this.feldera = this.overview();
  }

  get functionCount(): number {
    return this.funcs.names.length;
  }

  get callNodeCount(): number {
    return this.nodes.count;
  }

  functionInfo(id: number): FunctionInfo {
    const f = this.funcs;
    const info: FunctionInfo = { id, name: f.display[id] };
    if (f.libs[id] !== undefined) info.lib = f.libs[id];
    if (f.files[id] !== undefined) info.file = f.files[id];
    return info;
  }

  /** The full summary: meta, every thread, and the selection's functions and flame tree. */
  summarize(opts: SummarizeOptions = {}): ProfileSummary {
    return { meta: this.meta, threads: this.threads, selection: this.summarizeSelection(opts) };
  }

  summarizeSelection(opts: SummarizeOptions = {}): SelectionSummary {
    const agg = this.aggregate(opts);
    const topN = Math.max(0, opts.topN ?? 100);
    const used: number[] = [];
    for (let f = 0; f < agg.total.length; f++) if (agg.total[f] !== 0 || agg.self[f] !== 0) used.push(f);
    const byName = (a: number, b: number): number => compareStrings(this.funcs.display[a], this.funcs.display[b]);
    const selfOrder = used.filter((f) => agg.self[f] !== 0);
    selfOrder.sort((a, b) => agg.self[b] - agg.self[a] || byName(a, b));
    const totalOrder = used.slice();
    totalOrder.sort((a, b) => agg.total[b] - agg.total[a] || byName(a, b));
    const stat = (f: number): FunctionStat => ({ ...this.functionInfo(f), self: agg.self[f], total: agg.total[f] });
    const flame = this.flameTree(agg, opts.flameMinFraction ?? 0.001, opts.maxFlameNodes ?? 20000);
    const flameFuncs = Array.from(new Set(flame.func)).sort((a, b) => a - b);
    const summary: SelectionSummary = {
      threads: agg.filter.threads,
      cpuOnly: agg.filter.cpuOnly,
      samples: agg.samples,
      weight: agg.weight,
      stackWeight: agg.stackWeight,
      functionCount: used.length,
      topSelf: selfOrder.slice(0, topN).map(stat),
      topTotal: totalOrder.slice(0, topN).map(stat),
      flame,
      funcs: flameFuncs.map((f) => this.functionInfo(f)),
    };
    if (agg.filter.range) summary.range = { ...agg.filter.range };
    if (agg.filter.operator !== undefined) summary.operator = agg.filter.operator;
    return summary;
  }

  /** Self and total weight of every function (indexed by function id) for a selection. */
  functionWeights(opts: SummarizeOptions = {}): { self: Float64Array; total: Float64Array } {
    const agg = this.aggregate(opts);
    return { self: agg.self.slice(), total: agg.total.slice() };
  }

  /** Every function with a non-zero self or total in the selection, heaviest total first. */
  functionStats(opts: SummarizeOptions = {}): FunctionStat[] {
    return this.summarizeSelection({ ...opts, topN: Number.MAX_SAFE_INTEGER, maxFlameNodes: 0 }).topTotal;
  }

  findFunction(name: string): number | undefined {
    const i = this.funcs.display.indexOf(name);
    return i < 0 ? undefined : i;
  }

  /** Callers and callees of one function in a selection, heaviest first, at most `limit` of each. */
  functionDetails(id: number, opts: SummarizeOptions = {}, limit = 100): FunctionDetails | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.funcs.names.length) return undefined;
    const agg = this.aggregate(opts);
    const { parent, func, recursive, count } = this.nodes;
    const cum = agg.cum;
    const callers = new Map<number, number>();
    const callees = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const w = cum[i];
      if (w === 0) continue;
      const p = parent[i];
      if (func[i] === id && recursive[i] === 0) {
        const key = p < 0 ? -1 : func[p];
        callers.set(key, (callers.get(key) ?? 0) + w);
      }
      if (p >= 0 && func[p] === id && recursive[p] === 0) {
        callees.set(func[i], (callees.get(func[i]) ?? 0) + w);
      }
    }
    const list = (m: Map<number, number>): CallerCallee[] =>
      Array.from(m, ([f, weight]) => ({ ...(f < 0 ? { id: -1, name: '(root)' } : this.functionInfo(f)), weight }))
        .sort((a, b) => b.weight - a.weight || compareStrings(a.name, b.name))
        .slice(0, limit);
    return {
      func: { ...this.functionInfo(id), self: agg.self[id], total: agg.total[id] },
      callers: list(callers),
      callees: list(callees),
    };
  }

  /**
   * Every thread's samples, weight and CPU within the selection's range and operator (its `threads` and `cpuOnly` do
   * not apply: each thread gets both the all-samples and the on-CPU figures). Without either, the threads as read.
   */
  threadStats(selection: Selection = {}): ThreadInfo[] {
    const filter = this.filter({ ...selection, threads: undefined });
    if (!filter.range && filter.op === undefined) return this.threads;
    return this.threads.map((info, t) => {
      const s = this.samples[t];
      let samples = 0;
      let weight = 0;
      let cpuSamples = 0;
      let cpuWeight = 0;
      let cpuSum = 0;
      this.forEachRun(t, filter, (lo, hi) => {
        const { weight: wc, cpu } = s;
        for (let i = lo; i < hi; i++) {
          const w = wc ? wc[i] : 1;
          samples++;
          weight += w;
          const c = cpu ? cpu[i] : NaN;
          if (c !== 0) {
            cpuSamples++;
            cpuWeight += w;
          }
          if (c === c) cpuSum += c;
        }
      });
      const out: ThreadInfo = { ...info, samples, weight, cpuSamples, cpuWeight };
      if (info.cpuTimeMs !== undefined) out.cpuTimeMs = cpuSum / this.cpuDivisor;
      return out;
    });
  }

  /** The operator table for a selection's threads and range (see OperatorQuery). */
  operatorTable(query: OperatorQuery = {}): OperatorTable {
    const f = this.filter(query);
    return this.operators.table(query, f.threads, f.range);
  }

  /** One operator's figures and its rows per worker, for a selection's threads and range. */
  operatorDetails(nodeId: string, selection: Selection = {}): OperatorDetails | undefined {
    const f = this.filter(selection);
    return this.operators.details(nodeId, f.threads, f.range, (t) => this.threads[t]?.worker);
  }

  /** Sample lanes of the query's threads, the spans and the memory line over a window, bounded for drawing. */
  timeline(query: TimelineQuery): Timeline {
    const window = validRange(query.window) ?? this.meta.timeRange;
    const buckets = Math.max(1, Math.min(10000, Math.floor(query.buckets) || 1));
    const bucketMs = (window.end - window.start) / buckets;
    const filter = this.filter({ threads: query.threads, cpuOnly: query.cpuOnly, range: window });
    const lanes: TimelineLane[] = filter.threads.map((t) => {
      const weight = new Array<number>(buckets).fill(0);
      const { time, weight: wc, cpu } = this.samples[t];
      this.forEachRun(t, filter, (lo, hi) => {
        for (let i = lo; i < hi; i++) {
          if (filter.cpuOnly && cpu && cpu[i] === 0) continue;
          const b = Math.min(buckets - 1, Math.floor((time[i] - window.start) / bucketMs));
          weight[b] += wc ? wc[i] : 1;
        }
      });
      return { thread: t, weight, maxWeight: weight.reduce((a, b) => (b > a ? b : a), 0) };
    });
    const maxSpans = Math.max(1, Math.floor(query.maxSpans ?? DEFAULT_MAX_SPANS));
    const spans = timelineSpans(this.markers.spans, window, bucketMs, maxSpans);
    const timeline: Timeline = {
      window: { ...window },
      bucketMs,
      lanes,
      spans: spans.spans,
      spanCount: spans.spanCount,
      spansMerged: spans.merged,
      mergeGapMs: spans.mergeGapMs,
    };
    if (this.markers.memory) timeline.memory = memorySeries(this.markers.memory, window, buckets);
    return timeline;
  }

  private overview(): FelderaOverview {
    const totals = new Map(this.operators.threadTotals().map((x) => [x.thread, x]));
    const workers: WorkerInfo[] = [];
    const otherThreads: number[] = [];
    for (const t of this.threads) {
      if (t.worker === undefined) {
        otherThreads.push(t.index);
        continue;
      }
      const w: WorkerInfo = {
        thread: t.index,
        worker: t.worker,
        name: t.name,
        operatorCpuUs: totals.get(t.index)?.cpuUs ?? 0,
        evals: totals.get(t.index)?.evals ?? 0,
      };
      if (t.cpuTimeMs !== undefined) w.cpuTimeMs = t.cpuTimeMs;
      workers.push(w);
    }
    workers.sort((a, b) => a.worker - b.worker || a.thread - b.thread);
    const overview: FelderaOverview = {
      hasOperators: this.operators.evalCount > 0,
      workers,
      otherThreads,
      operatorCount: this.operators.count,
      evals: this.operators.evalCount,
      operatorCpuUs: this.operators.totalCpu(),
      markers: this.markers.stats,
    };
    if (this.markers.memory) overview.memoryPeak = { ...this.markers.memory.peak };
    return overview;
  }

  /** Checks a selection: thread indexes that exist, a range with finite ends, the operator's id. */
  private filter(sel: Selection): Filter {
    const f: Filter = { threads: normalizeThreads(sel.threads, this.threads.length), cpuOnly: sel.cpuOnly === true };
    const range = validRange(sel.range);
    if (range) f.range = range;
    else if (sel.range) f.range = { start: 0, end: 0 }; // asked for, but empty or not numbers: nothing in it
    if (typeof sel.operator === 'string') {
      f.operator = sel.operator;
      f.op = this.operators.operatorId(sel.operator) ?? -1;
    }
    return f;
  }

  /** Calls visit(lo, hi) for each run of thread t's samples that the filter's range and operator keep. */
  private forEachRun(t: number, f: Filter, visit: (lo: number, hi: number) => void): void {
    const time = this.samples[t].time;
    const n = time.length;
    const r = f.range;
    if (f.op === undefined) {
      if (!r) visit(0, n);
      else if (r.end > r.start) {
        const lo = lowerBound(time, 0, n, r.start);
        visit(lo, lowerBound(time, lo, n, r.end));
      }
      return;
    }
    if (f.op < 0 || (r && !(r.end > r.start))) return;
    // The operator's spans on this thread, in start order: the samples in each (none counted twice).
    let done = 0;
    this.operators.forEachSpan(f.op, t, r, (start, end) => {
      const lo = Math.max(done, lowerBound(time, done, n, start));
      const hi = lowerBound(time, lo, n, end);
      if (hi > lo) visit(lo, hi);
      if (hi > done) done = hi;
    });
  }

  private aggregate(opts: Selection): Aggregate {
    const filter = this.filter(opts);
    const { threads, cpuOnly, range, op } = filter;
    const key = `${cpuOnly ? 1 : 0}:${threads.join(',')}:${range ? `${range.start}-${range.end}` : ''}:${op ?? ''}`;
    if (this.last && this.last.key === key) return this.last;

    const { count, parent, func, recursive } = this.nodes;
    const nodeSelf = new Float64Array(count);
    let samples = 0;
    let weight = 0;
    if (!range && op === undefined) {
      // The whole profile: per-thread sums made while reading.
      for (const t of threads) {
        const info = this.threads[t];
        const tw = this.weights[t];
        samples += cpuOnly ? info.cpuSamples : info.samples;
        weight += cpuOnly ? info.cpuWeight : info.weight;
        const nodes = tw.nodes;
        const w = cpuOnly ? tw.cpu : tw.all;
        for (let k = 0; k < nodes.length; k++) nodeSelf[nodes[k]] += w[k];
      }
    } else {
      for (const t of threads) {
        const { node, weight: wc, cpu } = this.samples[t];
        this.forEachRun(t, filter, (lo, hi) => {
          for (let i = lo; i < hi; i++) {
            if (cpuOnly && cpu && cpu[i] === 0) continue;
            const w = wc ? wc[i] : 1;
            samples++;
            weight += w;
            const nd = node[i];
            if (nd >= 0) nodeSelf[nd] += w;
          }
        });
      }
    }
    const cum = nodeSelf.slice();
    for (let i = count - 1; i > 0; i--) {
      const p = parent[i];
      if (p >= 0) cum[p] += cum[i];
    }
    const nf = this.funcs.names.length;
    const self = new Float64Array(nf);
    const total = new Float64Array(nf);
    let stackWeight = 0;
    for (let i = 0; i < count; i++) {
      const c = cum[i];
      if (c === 0) continue;
      const f = func[i];
      self[f] += nodeSelf[i];
      if (recursive[i] === 0) total[f] += c;
      if (parent[i] < 0) stackWeight += c;
    }
    const agg: Aggregate = { key, filter, samples, weight, stackWeight, nodeSelf, cum, self, total };
    this.last = agg;
    return agg;
  }

  private flameTree(agg: Aggregate, minFraction: number, maxNodes: number): FlameTree {
    const { count, parent, func } = this.nodes;
    const cum = agg.cum;
    let minValue = agg.stackWeight * Math.max(0, minFraction);
    let keptCount = 0;
    let droppedAny = false;
    for (let i = 0; i < count; i++) {
      if (cum[i] > 0) {
        if (cum[i] >= minValue) keptCount++;
        else droppedAny = true;
      }
    }
    if (keptCount > maxNodes) {
      // Raise the threshold so that at most maxNodes survive; children are never heavier than parents,
      // so the kept set stays a tree.
      const values: number[] = [];
      for (let i = 0; i < count; i++) if (cum[i] > 0 && cum[i] >= minValue) values.push(cum[i]);
      values.sort((a, b) => b - a);
      minValue = maxNodes > 0 ? values[maxNodes - 1] : Infinity;
      if (maxNodes > 0 && values[maxNodes] === minValue) minValue = nextUp(minValue);
      droppedAny = true;
    }
    // Children lists for the kept nodes (a node is kept only if its parent is).
    const firstChild = new Int32Array(count).fill(-1);
    const nextSibling = new Int32Array(count).fill(-1);
    const roots: number[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const c = cum[i];
      if (!(c > 0 && c >= minValue)) continue;
      const p = parent[i];
      if (p >= 0) {
        if (!(cum[p] > 0 && cum[p] >= minValue)) continue;
        nextSibling[i] = firstChild[p];
        firstChild[p] = i;
      } else {
        roots.push(i);
      }
    }
    const names = this.funcs.display;
    const order = (a: number, b: number): number => cum[b] - cum[a] || compareStrings(names[func[a]], names[func[b]]);
    const out: FlameTree = {
      func: [],
      parent: [],
      value: [],
      self: [],
      minValue: Number.isFinite(minValue) ? minValue : 0,
      pruned: droppedAny,
    };
    // Depth-first preorder with sorted children; an explicit stack of (node, output parent).
    const stack: number[] = [];
    const sortedRoots = roots.sort(order);
    for (let r = sortedRoots.length - 1; r >= 0; r--) stack.push(sortedRoots[r], -1);
    while (stack.length) {
      const outParent = stack.pop() as number;
      const node = stack.pop() as number;
      const idx = out.func.length;
      out.func.push(func[node]);
      out.parent.push(outParent);
      out.value.push(cum[node]);
      out.self.push(agg.nodeSelf[node]);
      const children: number[] = [];
      for (let c = firstChild[node]; c >= 0; c = nextSibling[c]) children.push(c);
      children.sort(order);
      for (let k = children.length - 1; k >= 0; k--) stack.push(children[k], idx);
    }
    return out;
  }
}

/**
 * Validates a parsed profile and builds its model, or says what is wrong with it. Typed-array sample columns of
 * `json` (as jsonBytes.ts makes them) become the model's own and are changed: do not use `json` afterwards.
 */
export function buildProfileModel(
  json: unknown,
): { ok: true; model: ProfileModel } | { ok: false; error: ProfileError } {
  try {
    const steps = buildSteps(json);
    for (;;) {
      const r = steps.next();
      if (r.done) return { ok: true, model: r.value };
    }
  } catch (e) {
    return { ok: false, error: toProfileError(e) };
  }
}

/**
 * Like buildProfileModel, but gives the event loop a turn between threads (at most every `sliceMs`),
 * so a big profile does not hold the extension host for seconds at a time.
 */
export async function buildProfileModelAsync(
  json: unknown,
  opts: { signal?: AbortSignal; sliceMs?: number } = {},
): Promise<{ ok: true; model: ProfileModel } | { ok: false; error: ProfileError }> {
  const sliceMs = opts.sliceMs ?? 40;
  try {
    const steps = buildSteps(json);
    let sliceStart = Date.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return { ok: true, model: r.value };
      if (Date.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (opts.signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'Reading was cancelled.' } };
        sliceStart = Date.now();
      }
    }
  } catch (e) {
    return { ok: false, error: toProfileError(e) };
  }
}

/** Summarises a parsed profile in one call; throws ProfileFormatError when it cannot be read. */
export function summarizeProfile(json: unknown, opts: SummarizeOptions = {}): ProfileSummary {
  const r = buildProfileModel(json);
  if (!r.ok) throw new ProfileFormatError(r.error.kind, r.error.message);
  return r.model.summarize(opts);
}

/** Checks `meta.preprocessedProfileVersion`; returns the version or throws ProfileFormatError. */
export function checkProfileVersion(json: unknown): number {
  if (!isObj(json)) {
    throw new ProfileFormatError('invalid', 'The file is JSON but not a profile: expected an object at the top level.');
  }
  const meta = json.meta;
  if (!isObj(meta)) {
    throw new ProfileFormatError(
      'invalid',
      'The file is JSON but not a samply profile: it has no "meta" object. Open it with samply or profiler.firefox.com.',
    );
  }
  const v = meta.preprocessedProfileVersion;
  if (v === undefined || v === null) {
    throw new ProfileFormatError(
      'unknownVersion',
      'The profile has no meta.preprocessedProfileVersion, so it is not a processed profile as samply writes it ' +
        '(perhaps a raw Gecko profile). Open it with samply or profiler.firefox.com.',
    );
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ProfileFormatError(
      'unknownVersion',
      `The profile's format version (${JSON.stringify(v)}) is not a number this viewer knows.`,
    );
  }
  if (v > MAX_PROFILE_VERSION) {
    throw new ProfileFormatError(
      'tooNew',
      `The profile is format version ${v}, newer than this viewer reads (${MIN_PROFILE_VERSION}–${MAX_PROFILE_VERSION}). ` +
        'Open it with samply, or update the extension.',
    );
  }
  if (v < MIN_PROFILE_VERSION) {
    throw new ProfileFormatError(
      'unknownVersion',
      `The profile is format version ${v}, older than this viewer reads (${MIN_PROFILE_VERSION}–${MAX_PROFILE_VERSION}). ` +
        'Open it with samply.',
    );
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Building

interface FunctionTable {
  names: string[];
  display: string[];
  libs: (string | undefined)[];
  files: (string | undefined)[];
  byKey: Map<string, number>;
}

function addFunc(t: FunctionTable, name: string, lib: string | undefined, file: string | undefined): number {
  const key = `${name}\u0000${lib ?? ''}\u0000${file ?? ''}`;
  let id = t.byKey.get(key);
  if (id === undefined) {
    id = t.names.length;
    t.byKey.set(key, id);
    t.names.push(name);
    t.libs.push(lib);
    t.files.push(file);
    t.display.push(lib !== undefined && HEX_NAME.test(name) ? `${name} [${lib}]` : name);
  }
  return id;
}

/** The tables one thread's stacks resolve through: shared (v60+) or the thread's own. */
interface ThreadTables {
  strings: StringTable;
  stackTable: Json;
  frameTable: Json;
  funcTable: Json;
  resourceTable: Json | undefined;
}

/** The parts of the profile's root that the steps below need. */
interface Root {
  version: number;
  meta: Json;
  shared: Json;
  libs: unknown[];
  threads: unknown[];
  counters: unknown;
  sources: Json | undefined;
  interval: number;
  /** threadCPUDelta units per ms; 0 when the unit is unknown. */
  cpuDivisor: number;
}

/** One thread read: what the model keeps of it, and what the profile's meta needs. */
interface ThreadRead {
  info: ThreadInfo;
  samples: ThreadSamples;
  weights: ThreadWeights;
  /** Time of the first and last sample (NaN when it has none). */
  first: number;
  last: number;
  weightType?: string;
  hasCpuDelta: boolean;
}

/**
 * The build, as steps: the root, then each thread (its stacks resolved to call nodes, its samples, its markers),
 * then the counters and the operator index, then the meta. Yields between threads and steps, so that the async
 * form can give the event loop a turn.
 */
function* buildSteps(json: unknown): Generator<void, ProfileModel> {
  const root = readRoot(json);
  const resolver = new StackResolver(root);
  const scratch = new NodeScratch();
  const markers = new MarkerReader(root.meta.categories, countMarkers(root.threads));
  const reads: ThreadRead[] = [];
  for (let ti = 0; ti < root.threads.length; ti++) {
    const t = root.threads[ti] as unknown;
    if (!isObj(t)) fail(`Thread ${ti} is not an object.`);
    reads.push(readThread(t, ti, root, resolver, scratch));
    markers.readThread(ti, t.markers, threadStrings(root.shared, t));
    yield;
  }
  const tables = markers.finish(markers.readCounters(root.counters));
  yield;
  const operators = yield* OperatorIndex.build(tables.evals, tables.nodeIds, tables.names, reads.length);
  return new ProfileModel({
    meta: buildMeta(root, reads, tables),
    threads: reads.map((r) => r.info),
    funcs: resolver.funcs,
    nodes: resolver.callNodes.freeze(resolver.funcs.names.length),
    weights: reads.map((r) => r.weights),
    samples: reads.map((r) => r.samples),
    markers: tables,
    operators,
    cpuDivisor: root.cpuDivisor,
  });
}

function readRoot(json: unknown): Root {
  const version = checkProfileVersion(json);
  const root = json as Json;
  const meta = root.meta as Json;
  const shared = isObj(root.shared) ? root.shared : {};
  const threads = root.threads;
  if (!Array.isArray(threads)) fail('The profile has no "threads" list.');
  const cpuUnit = isObj(meta.sampleUnits) ? meta.sampleUnits.threadCPUDelta : undefined;
  return {
    version,
    meta,
    shared,
    libs: Array.isArray(root.libs) ? root.libs : [],
    threads,
    counters: root.counters,
    sources: isObj(shared.sources) ? shared.sources : undefined,
    interval: typeof meta.interval === 'number' && meta.interval > 0 ? meta.interval : 1,
    cpuDivisor: cpuUnit === 'µs' ? 1000 : cpuUnit === 'ns' ? 1e6 : cpuUnit === 'ms' ? 1 : 0,
  };
}

/** Resolves each thread's stacks to call nodes; shared tables (v60+) are the same objects for every thread, once. */
class StackResolver {
  readonly funcs: FunctionTable = { names: [], display: [], libs: [], files: [], byKey: new Map() };
  readonly callNodes: CallNodeTable;
  private readonly funcMaps = new Map<object, { global: Int32Array; noLib: Uint8Array }>();
  private readonly frameMaps = new Map<object, Int32Array>();
  private readonly stackMaps = new Map<object, Int32Array>();

  constructor(private readonly root: Root) {
    this.callNodes = new CallNodeTable(countStacks(root.shared, root.threads));
  }

  /** Stack index → call node, for the thread's stack table. */
  stackMap(t: Json, where: string): Int32Array {
    const tables = threadTables(this.root.shared, t, where);
    let fm = this.funcMaps.get(tables.funcTable);
    if (!fm) {
      fm = mapFuncs(tables, this.root.sources, this.root.libs, this.funcs, where);
      this.funcMaps.set(tables.funcTable, fm);
    }
    let frameMap = this.frameMaps.get(tables.frameTable);
    if (!frameMap) {
      frameMap = mapFrames(tables, fm, this.root.libs, this.funcs, where);
      this.frameMaps.set(tables.frameTable, frameMap);
    }
    let stackMap = this.stackMaps.get(tables.stackTable);
    if (!stackMap) {
      stackMap = mapStacks(tables.stackTable, frameMap, this.callNodes, where);
      this.stackMaps.set(tables.stackTable, stackMap);
    }
    return stackMap;
  }
}

/** Scratch space for one thread's per-call-node sums, reused across threads. */
class NodeScratch {
  stamp = new Int32Array(0);
  all = new Float64Array(0);
  cpu = new Float64Array(0);
  touched = new Int32Array(0);

  fit(nodeCount: number): void {
    if (this.stamp.length >= nodeCount) return;
    const size = Math.max(nodeCount, this.stamp.length * 2);
    this.stamp = new Int32Array(size);
    this.all = new Float64Array(size);
    this.cpu = new Float64Array(size);
    this.touched = new Int32Array(size);
  }
}

/** A thread's samples: checked, resolved to call nodes, summed per call node, and kept in time order. */
function readThread(t: Json, ti: number, root: Root, resolver: StackResolver, scratch: NodeScratch): ThreadRead {
  const name = typeof t.name === 'string' ? t.name : `Thread ${ti}`;
  const where = `thread ${ti} ("${name}")`;
  const samplesJson = t.samples;
  if (!isObj(samplesJson)) fail(`In ${where}, "samples" is missing.`);
  const stackCol = column(samplesJson, 'stack', `${where} samples`) as NumColumn;
  const n = tableLength(samplesJson, stackCol, `${where} samples`);
  const stackMap = n > 0 ? resolver.stackMap(t, where) : new Int32Array(0);
  const cpuCol = optColumn(samplesJson, 'threadCPUDelta');
  const times = sampleTimes(samplesJson, n, root.interval);
  const samples: ThreadSamples = {
    time: times.time,
    // The parsed columns become the model's where they are typed arrays already (no copy).
    node: stackCol instanceof Int32Array ? stackCol.subarray(0, n) : new Int32Array(n),
    weight: ownColumn(optColumn(samplesJson, 'weight'), n, 1),
    cpu: cpuCol ? ownColumn(cpuCol, n, NaN) : undefined,
  };
  const { node, cpu } = samples;

  // An Int32Array stack column (the usual) is resolved while summing; any other first, on its own.
  const inline = stackCol instanceof Int32Array;
  if (!inline) resolveNodes(stackCol, n, stackMap, node, where);
  scratch.fit(resolver.callNodes.count);
  const sums = sumThread(samples, scratch, ti + 1, inline ? stackMap : undefined, where);
  const { weight, cpuWeight, cpuSamples, cpuSum, unitWeights } = sums;
  if (unitWeights) samples.weight = undefined;
  if (!times.sorted) sortByTime(samples);

  const nodes = scratch.touched.slice(0, sums.touched).sort();
  const weights: ThreadWeights = {
    nodes,
    all: Float64Array.from(nodes, (cn) => scratch.all[cn]),
    cpu: Float64Array.from(nodes, (cn) => scratch.cpu[cn]),
  };
  const info: ThreadInfo = {
    index: ti,
    name,
    tid: t.tid === undefined || t.tid === null ? '' : String(t.tid),
    pid: t.pid === undefined || t.pid === null ? '' : String(t.pid),
    processName: typeof t.processName === 'string' ? t.processName : '',
    isMainThread: t.isMainThread === true,
    samples: n,
    weight,
    cpuSamples,
    cpuWeight,
  };
  if (cpu && root.cpuDivisor > 0) info.cpuTimeMs = cpuSum / root.cpuDivisor;
  const worker = WORKER_RE.exec(name);
  if (worker) info.worker = Number(worker[1]);
  const hasTime = optColumn(samplesJson, 'time') !== undefined || optColumn(samplesJson, 'timeDeltas') !== undefined;
  return {
    info,
    samples,
    weights,
    first: n > 0 && hasTime ? samples.time[0] : NaN,
    last: n > 0 && hasTime ? samples.time[n - 1] : NaN,
    weightType: typeof samplesJson.weightType === 'string' ? samplesJson.weightType : undefined,
    hasCpuDelta: cpuCol !== undefined,
  };
}

/**
 * Each sample's call node (-1 for an empty stack), into `node`, for a stack column that is not an Int32Array (typed
 * columns hold NaN where the JSON had null; JSON.parse's arrays hold null).
 */
function resolveNodes(stackCol: NumColumn, n: number, stackMap: Int32Array, node: Int32Array, where: string): void {
  const count = stackMap.length;
  for (let i = 0; i < n; i++) {
    const s = stackCol[i];
    if (s === null || s === undefined || s < 0 || s !== s) node[i] = -1;
    else if (s < count) node[i] = stackMap[s];
    else fail(`In ${where}, sample ${i} refers to stack ${shown(s)}, which does not exist.`);
  }
}

/**
 * A thread's totals, and its weight per call node (all samples, on-CPU ones) into the scratch space: `touched` lists
 * the nodes, `stamp` marks them with this thread's `tick`. With `stackMap`, `node` still holds stack indexes (the
 * parsed Int32Array column, which has no null): each becomes its call node on the way.
 */
function sumThread(
  samples: ThreadSamples,
  scratch: NodeScratch,
  tick: number,
  stackMap: Int32Array | undefined,
  where: string,
): { weight: number; cpuWeight: number; cpuSamples: number; cpuSum: number; unitWeights: boolean; touched: number } {
  const { node, weight: weightCol, cpu } = samples;
  const { stamp, all, cpu: accCpu, touched } = scratch;
  const n = node.length;
  const stackCount = stackMap ? stackMap.length : 0;
  let touchedCount = 0;
  let weight = 0;
  let cpuWeight = 0;
  let cpuSamples = 0;
  let cpuSum = 0;
  let unitWeights = true;
  for (let i = 0; i < n; i++) {
    const w = weightCol ? weightCol[i] : 1;
    if (w !== 1) unitWeights = false;
    // An unknown delta (NaN: often the first sample's) keeps the sample in CPU-only mode.
    const c = cpu ? cpu[i] : NaN;
    const onCpu = c !== 0;
    weight += w;
    if (onCpu) {
      cpuWeight += w;
      cpuSamples++;
    }
    if (c === c) cpuSum += c;
    let cn = node[i];
    if (cn < 0) {
      node[i] = -1;
      continue;
    }
    if (stackMap) {
      if (cn >= stackCount) fail(`In ${where}, sample ${i} refers to stack ${cn}, which does not exist.`);
      cn = stackMap[cn];
      node[i] = cn;
    }
    if (stamp[cn] !== tick) {
      stamp[cn] = tick;
      touched[touchedCount++] = cn;
      all[cn] = 0;
      accCpu[cn] = 0;
    }
    all[cn] += w;
    if (onCpu) accCpu[cn] += w;
  }
  return { weight, cpuWeight, cpuSamples, cpuSum, unitWeights, touched: touchedCount };
}

/**
 * Sample times in ms: the `time` column (v44–49), or the running sum of `timeDeltas` (v50+), summed in place when it
 * is a Float64Array already (or an Int32Array, whole ms, while the sums fit). A missing time repeats the one before;
 * without either column, sample i is at i × interval. `sorted`: no time is before the one before it.
 */
function sampleTimes(samples: Json, n: number, interval: number): { time: Float64Array | Int32Array; sorted: boolean } {
  const timeCol = optColumn(samples, 'time') as NumColumn | undefined;
  const deltaCol = timeCol ? undefined : (optColumn(samples, 'timeDeltas') as NumColumn | undefined);
  const src = timeCol ?? deltaCol;
  if (!src) return { time: Float64Array.from({ length: n }, (_, i) => i * interval), sorted: true };
  let sorted = true;
  if (src instanceof Int32Array && (timeCol || intSumFits(src, n))) {
    const out = src.subarray(0, n);
    for (let i = 1; i < n; i++) {
      if (deltaCol) {
        if (out[i] < 0) sorted = false;
        out[i] += out[i - 1];
      } else if (out[i] < out[i - 1]) sorted = false;
    }
    return { time: out, sorted };
  }
  const out = src instanceof Float64Array ? src.subarray(0, n) : new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    const x = typeof v === 'number' && v === v ? v : undefined;
    if (deltaCol) t += x ?? 0;
    else if (x !== undefined) t = x;
    if (i > 0 && t < out[i - 1]) sorted = false;
    out[i] = t;
  }
  return { time: out, sorted };
}

/** Whether the running sum of the first n values stays an int32. */
function intSumFits(a: Int32Array, n: number): boolean {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += a[i];
    if (sum > 0x7fffffff || sum < -0x80000000) return false;
  }
  return true;
}

/**
 * A numeric sample column as a typed array of length n: the parsed typed array itself when it is one (NaN, the
 * parser's null, replaced by `missing` in place), else a copy with null → `missing`. Undefined when absent.
 */
function ownColumn(c: Column | undefined, n: number, missing: number): Int32Array | Float64Array | undefined {
  if (!c) return undefined;
  if (c instanceof Int32Array) return c.subarray(0, n);
  const out = c instanceof Float64Array ? c.subarray(0, n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = c[i];
    out[i] = typeof v === 'number' && v === v ? v : missing;
  }
  return out;
}

/** Puts a thread's samples in time order (stable): ranges find samples by binary search. */
function sortByTime(s: ThreadSamples): void {
  const { time } = s;
  const order = Array.from({ length: time.length }, (_, i) => i).sort((a, b) => time[a] - time[b] || a - b);
  const permute = <T extends Int32Array | Float64Array>(a: T): T => {
    const copy = a.slice();
    for (let i = 0; i < order.length; i++) a[i] = copy[order[i]];
    return a;
  };
  permute(s.time);
  permute(s.node);
  if (s.weight) permute(s.weight);
  if (s.cpu) permute(s.cpu);
}

function buildMeta(root: Root, reads: ThreadRead[], markers: MarkerTables): ProfileMeta {
  let first = Infinity;
  let last = -Infinity;
  let weightType = '';
  let hasCpuDelta = false;
  for (const r of reads) {
    if (r.first < first) first = r.first;
    if (r.last > last) last = r.last;
    if (!weightType && r.weightType) weightType = r.weightType;
    if (r.hasCpuDelta) hasCpuDelta = true;
  }
  const m = root.meta;
  const oscpu = typeof m.oscpu === 'string' ? m.oscpu : '';
  const hostMatch = HOST_RE.exec(oscpu);
  const start = m.profilingStartTime;
  const end = m.profilingEndTime;
  const from = Math.min(first, markers.minTime);
  const to = Math.max(last, markers.maxTime);
  const meta: ProfileMeta = {
    product: typeof m.product === 'string' ? m.product : '',
    oscpu,
    durationMs:
      typeof start === 'number' && typeof end === 'number' && end >= start
        ? end - start
        : last > first
          ? last - first
          : 0,
    startTime: typeof m.startTime === 'number' ? m.startTime : 0,
    interval: root.interval,
    version: root.version,
    symbolicated: m.symbolicated === true,
    weightType: weightType || 'samples',
    hasCpuDelta,
    // One interval past the last sample (what that sample stands for), so a range over all of it holds every sample.
    timeRange:
      Number.isFinite(from) && Number.isFinite(to) ? { start: from, end: to + root.interval } : { start: 0, end: 0 },
  };
  if (hostMatch) meta.host = { index: Number(hostMatch[1]), count: Number(hostMatch[2]) };
  return meta;
}

/** How many markers all threads hold (an upper bound of the eval spans, to size their columns once). */
function countMarkers(threads: unknown[]): number {
  let n = 0;
  for (const t of threads) {
    if (isObj(t) && isObj(t.markers) && typeof t.markers.length === 'number') n += t.markers.length;
  }
  return n;
}

/** The string table a thread's indexes point into: shared (v56+) or its own. */
function threadStrings(shared: Json, t: Json): StringTable | undefined {
  return stringTableOf(shared.stringArray) ?? stringTableOf(t.stringArray);
}

/** An upper bound of the call-node count: all stacks of all stack tables. */
function countStacks(shared: Json, threads: unknown[]): number {
  const len = (t: unknown): number => (isObj(t) && typeof t.length === 'number' ? t.length : 0);
  if (isObj(shared.stackTable)) return len(shared.stackTable);
  let n = 0;
  for (const t of threads) if (isObj(t)) n += len(t.stackTable);
  return n;
}

function threadTables(shared: Json, t: Json, where: string): ThreadTables {
  const pick = (name: string): Json | undefined => {
    const s = shared[name];
    if (isObj(s)) return s;
    const own = t[name];
    return isObj(own) ? own : undefined;
  };
  const strings =
    stringTableOf(shared.stringArray) ??
    stringTableOf(t.stringArray) ??
    fail(`In ${where}, there is no stringArray (neither shared nor the thread's own).`);
  const need = (name: string): Json => pick(name) ?? fail(`In ${where}, the ${name} is missing.`);
  return {
    strings,
    stackTable: need('stackTable'),
    frameTable: need('frameTable'),
    funcTable: need('funcTable'),
    resourceTable: pick('resourceTable'),
  };
}

/** Local function index → global function id; `noLib` marks functions without a library resource. */
function mapFuncs(
  tables: ThreadTables,
  sources: Json | undefined,
  libs: unknown[],
  funcs: FunctionTable,
  where: string,
): { global: Int32Array; noLib: Uint8Array } {
  const { funcTable, resourceTable, strings } = tables;
  const nameCol = column(funcTable, 'name', `${where} funcTable`) as NumColumn;
  const n = tableLength(funcTable, nameCol, `${where} funcTable`);
  const resCol = optColumn(funcTable, 'resource') as NumColumn | undefined;
  const fileCol = optColumn(funcTable, 'fileName') as NumColumn | undefined;
  const sourceCol = fileCol ? undefined : (optColumn(funcTable, 'source') as NumColumn | undefined);
  const sourceFileCol = sources ? (optColumn(sources, 'filename') as NumColumn | undefined) : undefined;
  const resNameCol = resourceTable ? (optColumn(resourceTable, 'name') as NumColumn | undefined) : undefined;
  const resLibCol = resourceTable ? (optColumn(resourceTable, 'lib') as NumColumn | undefined) : undefined;
  const resLength = resourceTable ? tableLength(resourceTable, resNameCol ?? resLibCol ?? [], '') : 0;
  const str = (i: unknown): string | undefined => (typeof i === 'number' ? strings.get(i) : undefined);
  const resourceLibName: (string | undefined)[] = [];
  for (let r = 0; r < resLength; r++) {
    let lib = resNameCol ? str(resNameCol[r]) : undefined;
    if (lib === undefined && resLibCol) lib = libName(libs, resLibCol[r]);
    resourceLibName.push(lib);
  }
  const global = new Int32Array(n);
  const noLib = new Uint8Array(n);
  for (let f = 0; f < n; f++) {
    const name = str(nameCol[f]) ?? `(function ${f})`;
    const r = resCol ? resCol[f] : undefined;
    const lib = typeof r === 'number' && r >= 0 ? resourceLibName[r] : undefined;
    if (lib === undefined) noLib[f] = 1;
    let file: string | undefined;
    if (fileCol) file = str(fileCol[f]);
    else if (sourceCol && sourceFileCol) {
      const src = sourceCol[f];
      if (typeof src === 'number') file = str(sourceFileCol[src]);
    }
    global[f] = addFunc(funcs, name, lib, file);
  }
  return { global, noLib };
}

/** Frame index → global function id. From v70 the library can sit on the frame instead of the resource. */
function mapFrames(
  tables: ThreadTables,
  fm: { global: Int32Array; noLib: Uint8Array },
  libs: unknown[],
  funcs: FunctionTable,
  where: string,
): Int32Array {
  const { frameTable } = tables;
  const funcCol = column(frameTable, 'func', `${where} frameTable`) as NumColumn;
  const n = tableLength(frameTable, funcCol, `${where} frameTable`);
  const libCol = optColumn(frameTable, 'lib') as NumColumn | undefined;
  const out = new Int32Array(n);
  const funcCount = fm.global.length;
  for (let i = 0; i < n; i++) {
    const f = funcCol[i];
    if (typeof f !== 'number' || !(f >= 0 && f < funcCount)) {
      fail(`In ${where}, frame ${i} refers to function ${shown(f)}, which does not exist.`);
    }
    let g = fm.global[f];
    if (libCol && fm.noLib[f] === 1) {
      const lib = libName(libs, libCol[i]);
      if (lib !== undefined) g = addFunc(funcs, funcs.names[g], lib, funcs.files[g]);
    }
    out[i] = g;
  }
  return out;
}

/** Stack index → call node. Handles `prefix` (null = root) and, from v66, `prefixOffset` (0 = root). */
function mapStacks(stackTable: Json, frameFuncs: Int32Array, callNodes: CallNodeTable, where: string): Int32Array {
  const frameCol = column(stackTable, 'frame', `${where} stackTable`) as NumColumn;
  const n = tableLength(stackTable, frameCol, `${where} stackTable`);
  const offsetCol = optColumn(stackTable, 'prefixOffset') as NumColumn | undefined;
  const prefixCol = offsetCol
    ? undefined
    : (column(stackTable, 'prefix', `${where} stackTable`) as NumColumn | undefined);
  const out = new Int32Array(n);
  const frameCount = frameFuncs.length;
  for (let s = 0; s < n; s++) {
    let p: number;
    if (offsetCol) {
      const o = offsetCol[s];
      p = typeof o === 'number' && o > 0 ? s - o : -1;
    } else {
      const v = (prefixCol as NumColumn)[s];
      p = typeof v === 'number' && v >= 0 ? v : -1;
    }
    if (p >= s) fail(`In ${where}, stack ${s} has parent ${p}; parents must come before their children.`);
    const fr = frameCol[s];
    if (typeof fr !== 'number' || !(fr >= 0 && fr < frameCount)) {
      fail(`In ${where}, stack ${s} refers to frame ${shown(fr)}, which does not exist.`);
    }
    out[s] = callNodes.getOrAdd(p < 0 ? -1 : out[p], frameFuncs[fr]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isColumn(v: unknown): v is Column {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function column(table: Json, name: string, where: string): Column {
  const c = table[name];
  if (isColumn(c)) return c;
  return fail(`In ${where}, the column "${name}" is missing.`);
}

function optColumn(table: Json, name: string): Column | undefined {
  const c = table[name];
  return isColumn(c) ? c : undefined;
}

function tableLength(table: Json, col: Column, where: string): number {
  const n = table.length;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) {
    if (n > col.length) fail(`In ${where}, "length" is ${n} but a column has only ${col.length} entries.`);
    return n;
  }
  return col.length;
}

function libName(libs: unknown[], index: unknown): string | undefined {
  if (typeof index !== 'number' || index < 0) return undefined;
  const lib = libs[index];
  return isObj(lib) && typeof lib.name === 'string' ? lib.name : undefined;
}

/** A column value for a message: NaN in a typed column stands for the JSON's null (see jsonBytes.ts). */
function shown(v: unknown): string {
  return typeof v === 'number' && v !== v ? 'null' : String(v);
}

function fail(message: string): never {
  throw new ProfileFormatError('invalid', `The profile is damaged or not in samply's format: ${lowerFirst(message)}`);
}

function lowerFirst(s: string): string {
  return s.length ? s[0].toLowerCase() + s.slice(1) : s;
}

function toProfileError(e: unknown): ProfileError {
  if (e instanceof ProfileFormatError) return e.toProfileError();
  const detail = e instanceof Error ? e.message : String(e);
  return { kind: 'invalid', message: `The profile could not be read: ${detail}` };
}

/** The range if it is one: finite ends, start < end. */
function validRange(r: TimeRange | undefined): TimeRange | undefined {
  if (!r || typeof r.start !== 'number' || typeof r.end !== 'number') return undefined;
  return Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start
    ? { start: r.start, end: r.end }
    : undefined;
}

function normalizeThreads(threads: number[] | undefined, count: number): number[] {
  if (!threads) return Array.from({ length: count }, (_, i) => i);
  const set = new Set<number>();
  for (const t of threads) if (Number.isInteger(t) && t >= 0 && t < count) set.add(t);
  return Array.from(set).sort((a, b) => a - b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nextUp(x: number): number {
  return x + Math.max(Math.abs(x) * Number.EPSILON, Number.MIN_VALUE);
}
