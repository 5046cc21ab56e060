// DBSP operators from Feldera's `eval` spans: the operator table (CPU and real time summed from the tooltips, per
// worker spread), one operator's figures per worker, and where an operator's spans are on a thread (for the samples
// taken inside them). Built once from the spans the marker reader collected; every query is a pass over typed arrays.
//
// Range rule (see Selection in types.ts): a span's CPU and real time count in proportion to the part of the span
// inside the range; an evaluation counts in the range its span starts in. Nested spans (a nested circuit's operators
// inside the circuit's own span) are found per thread: a span's self CPU is its CPU minus that of the spans directly
// inside it, and the total CPU of a selection sums self CPU, so that each evaluation is counted once.
import type { EvalSpans } from './markers';
import type {
  OperatorDetails,
  OperatorQuery,
  OperatorSortKey,
  OperatorStat,
  OperatorTable,
  OperatorWorkerRow,
  TimeRange,
  WorkerSpread,
} from './types';

/** Sums of one selection (threads + range), per operator and per (operator, thread that has spans). */
interface Accumulated {
  key: string;
  threads: number[];
  range?: TimeRange;
  cpu: Float64Array;
  real: Float64Array;
  self: Float64Array;
  evals: Float64Array;
  /** 1 when some span of the operator counted (it overlaps the range, or starts in it). */
  touched: Uint8Array;
  /** [op × spanThreads + column]: CPU, and how many spans counted. */
  threadCpu: Float64Array;
  threadHits: Uint32Array;
  totalCpu: number;
  totalReal: number;
  totalEvals: number;
}

/** Operators' CPU per thread: row o (in `nodeIds` order) × column (in `threads` order). */
export interface OperatorThreadCpu {
  nodeIds: string[];
  /** Threads that have eval spans, ascending. */
  threads: number[];
  cpuUs: Float64Array;
  /** How many of the operator's spans on that thread counted (0: it did not run there in the selection). */
  spans: Uint32Array;
}

export class OperatorIndex {
  /** Threads that have eval spans, ascending; `column[t]` is t's index in it (-1 for none). */
  private readonly spanThreads: number[];
  private readonly column: Int32Array;
  /** Spans of thread t: [threadLo[t], threadHi[t]), sorted by start (then longest first). */
  private readonly threadLo: Int32Array;
  private readonly threadHi: Int32Array;
  /** Longest span per thread: how far back a span that reaches into a range can start. */
  private readonly maxDur: Float64Array;
  private readonly byNode = new Map<string, number>();
  private last: Accumulated | undefined;

  private constructor(
    readonly nodeIds: string[],
    readonly names: string[],
    private readonly s: EvalSpans,
    /** Spans of operator o: opSpans[opLo[o]..opLo[o+1]), by thread then start. */
    private readonly opLo: Int32Array,
    private readonly opSpans: Int32Array,
    threadCount: number,
  ) {
    nodeIds.forEach((id, i) => this.byNode.set(id, i));
    this.threadLo = new Int32Array(threadCount);
    this.threadHi = new Int32Array(threadCount);
    this.maxDur = new Float64Array(threadCount);
    this.column = new Int32Array(threadCount).fill(-1);
    this.spanThreads = [];
    const { start, end, runs } = s;
    const { column, threadLo, threadHi, maxDur } = this;
    // A thread's spans are together: one run per thread, in thread order.
    for (let r = 0; r < runs.length; r += 3) {
      const t = runs[r];
      const lo = runs[r + 1];
      const hi = runs[r + 2];
      let longest = 0;
      for (let k = lo; k < hi; k++) {
        const d = end[k] - start[k];
        if (d > longest) longest = d;
      }
      column[t] = this.spanThreads.length;
      this.spanThreads.push(t);
      threadLo[t] = lo;
      threadHi[t] = hi;
      maxDur[t] = longest;
    }
  }

  /** The operator's spans on thread t: opSpans[lo, hi) (spans are numbered by thread, so a search by number). */
  private opRange(op: number, t: number): { lo: number; hi: number } {
    const lo = this.opLo[op];
    const hi = this.opLo[op + 1];
    if (!(t >= 0 && t < this.column.length) || this.column[t] < 0) return { lo, hi: lo };
    const opSpans = this.opSpans;
    const first = lowerBound(opSpans, lo, hi, this.threadLo[t]);
    return { lo: first, hi: lowerBound(opSpans, first, hi, this.threadHi[t]) };
  }

  /**
   * Indexes the spans by operator. The spans come grouped by thread in ascending thread order, each thread's sorted and
   * nested already (prepareThreadSpans, as the marker reader collects them). Yields between the steps, for a caller
   * that slices its work.
   */
  static *build(
    spans: EvalSpans,
    nodeIds: string[],
    names: string[],
    threadCount: number,
  ): Generator<void, OperatorIndex> {
    const { opLo, opSpans } = byOperator(spans.op, spans.count, nodeIds.length);
    yield;
    return new OperatorIndex(nodeIds, names, spans, opLo, opSpans, threadCount);
  }

  get count(): number {
    return this.nodeIds.length;
  }

  get evalCount(): number {
    return this.s.count;
  }

  operatorId(nodeId: string): number | undefined {
    return this.byNode.get(nodeId);
  }

  /** Per thread with spans: the CPU of its evaluations (each counted once) and how many there are. */
  threadTotals(): { thread: number; cpuUs: number; evals: number }[] {
    return this.spanThreads.map((t) => {
      let cpu = 0;
      const self = this.s.self;
      for (let k = this.threadLo[t]; k < this.threadHi[t]; k++) cpu += self[k];
      return { thread: t, cpuUs: cpu, evals: this.threadHi[t] - this.threadLo[t] };
    });
  }

  /** CPU of all evaluations, each counted once. */
  totalCpu(): number {
    let cpu = 0;
    const self = this.s.self;
    for (let k = 0; k < this.s.count; k++) cpu += self[k];
    return cpu;
  }

  /**
   * Calls visit(start, end) for each of the operator's spans on thread t, clipped to the range, in start order
   * (empty clips left out).
   */
  forEachSpan(op: number, t: number, range: TimeRange | undefined, visit: (start: number, end: number) => void): void {
    const { start, end } = this.s;
    const { lo, hi } = this.opRange(op, t);
    for (let j = lo; j < hi; j++) {
      const k = this.opSpans[j];
      let s = start[k];
      let e = end[k];
      if (range) {
        if (range.start > s) s = range.start;
        if (range.end < e) e = range.end;
      }
      if (s < e) visit(s, e);
    }
  }

  table(query: OperatorQuery, threads: number[], range: TimeRange | undefined): OperatorTable {
    const acc = this.accumulate(threads, range);
    const needle = (query.filter ?? '').trim().toLowerCase();
    const ids: number[] = [];
    let operatorCount = 0;
    for (let o = 0; o < this.count; o++) {
      if (!acc.touched[o]) continue;
      operatorCount++;
      if (needle && !this.names[o].toLowerCase().includes(needle) && !this.nodeIds[o].toLowerCase().includes(needle)) {
        continue;
      }
      ids.push(o);
    }
    const rows = ids.map((o) => this.stat(acc, o));
    sortRows(rows, query.sort ?? 'cpu', query.descending);
    const limit = query.limit === undefined ? rows.length : Math.max(0, Math.floor(query.limit));
    const table: OperatorTable = {
      rows: rows.slice(0, limit),
      matched: rows.length,
      operatorCount,
      totalCpuUs: acc.totalCpu,
      totalRealUs: acc.totalReal,
      evals: acc.totalEvals,
      threads: acc.threads,
    };
    if (acc.range) table.range = { ...acc.range };
    return table;
  }

  /** One operator's figures and its rows per thread; `workerOf` gives a thread's worker number. */
  details(
    nodeId: string,
    threads: number[],
    range: TimeRange | undefined,
    workerOf: (t: number) => number | undefined,
  ): OperatorDetails | undefined {
    const o = this.byNode.get(nodeId);
    if (o === undefined) return undefined;
    const acc = this.accumulate(threads, range);
    const rows = new Map<number, OperatorWorkerRow>();
    const { start, end, cpu, real, self } = this.s;
    for (const t of acc.threads) {
      const { lo, hi } = this.opRange(o, t);
      for (let j = lo; j < hi; j++) {
        const k = this.opSpans[j];
        const f = fraction(start[k], end[k], range);
        const starts = range ? start[k] >= range.start && start[k] < range.end : true;
        if (f === 0 && !starts) continue;
        let row = rows.get(t);
        if (!row) {
          row = { thread: t, cpuUs: 0, realUs: 0, selfCpuUs: 0, evals: 0 };
          const w = workerOf(t);
          if (w !== undefined) row.worker = w;
          rows.set(t, row);
        }
        row.cpuUs += cpu[k] * f;
        row.realUs += real[k] * f;
        row.selfCpuUs += self[k] * f;
        if (starts) row.evals++;
      }
    }
    const perWorker = Array.from(rows.values()).sort(
      (a, b) => (a.worker ?? Infinity) - (b.worker ?? Infinity) || a.thread - b.thread,
    );
    const operator = acc.touched[o] ? this.stat(acc, o) : this.emptyStat(o);
    return { operator, perWorker };
  }

  /**
   * Every operator's CPU and span count on every thread that has spans, for a selection, in one pass (the sums the
   * table is made of): what `details` gives per operator, for all of them at once. [o × threads.length + column].
   */
  cpuByThread(threads: number[], range: TimeRange | undefined): OperatorThreadCpu {
    const acc = this.accumulate(threads, range);
    return {
      nodeIds: this.nodeIds,
      threads: this.spanThreads.slice(),
      cpuUs: acc.threadCpu.slice(),
      spans: acc.threadHits.slice(),
    };
  }

  private stat(acc: Accumulated, o: number): OperatorStat {
    const cols = this.spanThreads.length;
    const values: number[] = [];
    for (let c = 0; c < cols; c++) if (acc.threadHits[o * cols + c] > 0) values.push(acc.threadCpu[o * cols + c]);
    return {
      nodeId: this.nodeIds[o],
      name: this.names[o],
      cpuUs: acc.cpu[o],
      realUs: acc.real[o],
      selfCpuUs: acc.self[o],
      evals: acc.evals[o],
      share: acc.totalCpu > 0 ? acc.self[o] / acc.totalCpu : 0,
      spread: spreadOf(values),
    };
  }

  private emptyStat(o: number): OperatorStat {
    return {
      nodeId: this.nodeIds[o],
      name: this.names[o],
      cpuUs: 0,
      realUs: 0,
      selfCpuUs: 0,
      evals: 0,
      share: 0,
      spread: { workers: 0, minUs: 0, medianUs: 0, maxUs: 0 },
    };
  }

  /** The sums for a selection; the last one is kept, so re-sorting or filtering the table costs nothing. */
  private accumulate(threads: number[], range: TimeRange | undefined): Accumulated {
    const key = `${threads.join(',')}|${range ? `${range.start}:${range.end}` : ''}`;
    if (this.last && this.last.key === key) return this.last;
    const ops = this.count;
    const cols = this.spanThreads.length;
    const acc: Accumulated = {
      key,
      threads,
      range,
      cpu: new Float64Array(ops),
      real: new Float64Array(ops),
      self: new Float64Array(ops),
      evals: new Float64Array(ops),
      touched: new Uint8Array(ops),
      threadCpu: new Float64Array(ops * cols),
      threadHits: new Uint32Array(ops * cols),
      totalCpu: 0,
      totalReal: 0,
      totalEvals: 0,
    };
    const { op, start, end, cpu, real, self, top } = this.s;
    for (const t of threads) {
      const c = t < this.column.length ? this.column[t] : -1;
      if (c < 0) continue;
      let lo = this.threadLo[t];
      let hi = this.threadHi[t];
      if (range) {
        // Spans are by start: those that can reach into the range start at most maxDur before it.
        hi = lowerBound(start, lo, hi, range.end);
        lo = lowerBound(start, lo, hi, range.start - this.maxDur[t]);
      }
      for (let k = lo; k < hi; k++) {
        const s = start[k];
        let f = 1;
        let starts = true;
        if (range) {
          starts = s >= range.start; // (and s < range.end, by hi)
          f = fraction(s, end[k], range);
          if (f === 0 && !starts) continue;
        }
        const o = op[k];
        const cf = cpu[k] * f;
        acc.cpu[o] += cf;
        acc.real[o] += real[k] * f;
        acc.self[o] += self[k] * f;
        acc.touched[o] = 1;
        acc.threadCpu[o * cols + c] += cf;
        acc.threadHits[o * cols + c]++;
        acc.totalCpu += self[k] * f;
        if (top[k] === 1) acc.totalReal += real[k] * f;
        if (starts) {
          acc.evals[o]++;
          acc.totalEvals++;
        }
      }
    }
    this.last = acc;
    return acc;
  }
}

/** Spans by operator: those of operator o are opSpans[opLo[o]..opLo[o + 1]), in their order. */
function byOperator(op: Int32Array, n: number, ops: number): { opLo: Int32Array; opSpans: Int32Array } {
  const opLo = new Int32Array(ops + 1);
  for (let k = 0; k < n; k++) opLo[op[k] + 1]++;
  for (let o = 0; o < ops; o++) opLo[o + 1] += opLo[o];
  const fill = opLo.slice(0, ops);
  const opSpans = new Int32Array(n);
  for (let k = 0; k < n; k++) opSpans[fill[op[k]]++] = k;
  return { opLo, opSpans };
}

/** The part of [s, e) inside the range, as a fraction of the span; a span of length 0 counts whole if it is in it. */
function fraction(s: number, e: number, range: TimeRange | undefined): number {
  if (!range) return 1;
  if (e <= s) return s >= range.start && s < range.end ? 1 : 0;
  const a = s > range.start ? s : range.start;
  const b = e < range.end ? e : range.end;
  return b > a ? (b - a) / (e - s) : 0;
}

export function spreadOf(values: number[]): WorkerSpread {
  if (values.length === 0) return { workers: 0, minUs: 0, medianUs: 0, maxUs: 0 };
  const v = values.slice().sort((a, b) => a - b);
  const m = v.length >> 1;
  const median = v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  const spread: WorkerSpread = { workers: v.length, minUs: v[0], medianUs: median, maxUs: v[v.length - 1] };
  if (median > 0) spread.skew = v[v.length - 1] / median;
  return spread;
}

const SORT_VALUE: Record<Exclude<OperatorSortKey, 'name' | 'nodeId'>, (r: OperatorStat) => number> = {
  cpu: (r) => r.cpuUs,
  selfCpu: (r) => r.selfCpuUs,
  real: (r) => r.realUs,
  evals: (r) => r.evals,
  share: (r) => r.share,
  skew: (r) => r.spread.skew ?? -1,
  maxWorker: (r) => r.spread.maxUs,
};

function sortRows(rows: OperatorStat[], key: OperatorSortKey, descending: boolean | undefined): void {
  const byId = (a: OperatorStat, b: OperatorStat) => compareStrings(a.nodeId, b.nodeId);
  if (key === 'name' || key === 'nodeId') {
    const sign = descending ? -1 : 1;
    rows.sort((a, b) => sign * compareStrings(a[key], b[key]) || byId(a, b));
    return;
  }
  const value = SORT_VALUE[key] ?? SORT_VALUE.cpu;
  const sign = descending === false ? 1 : -1;
  rows.sort((a, b) => sign * (value(a) - value(b)) || byId(a, b));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index in [lo, hi) whose value is ≥ x (hi if none); `a` is sorted there. */
export function lowerBound(a: ArrayLike<number>, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Prepares one thread's spans, [lo, hi) of the columns: sorts them by start (longest first on a tie: a parent before
 * the spans inside it), then finds their nesting: each span's self CPU (its CPU minus that of the spans directly
 * inside it, at least 0) into `self`, and whether it is at the top (inside no other span) into `top`.
 */
export function prepareThreadSpans(s: EvalSpans, lo: number, hi: number): void {
  sortByStart(s, lo, hi);
  nesting(s, lo, hi);
}

/** Sorts spans [lo, hi) by start, longest first on a tie (a parent before the spans inside it). */
function sortByStart(s: EvalSpans, lo: number, hi: number): void {
  const { start, end } = s;
  const before = (a: number, b: number) => start[a] < start[b] || (start[a] === start[b] && end[a] > end[b]);
  // Feldera logs a span when it ends, so a nested circuit's span comes after its operators': nearly sorted. An
  // insertion sort moves each such span back past its operators, in place; if it has too much to move, the data is
  // not nearly sorted after all and a general sort takes over.
  let budget = 8 * (hi - lo) + 1024;
  const { op, cpu, real } = s;
  for (let k = lo + 1; k < hi; k++) {
    if (!before(k, k - 1)) continue;
    const o0 = op[k];
    const s0 = start[k];
    const e0 = end[k];
    const c0 = cpu[k];
    const r0 = real[k];
    let j = k;
    while (j > lo && (s0 < start[j - 1] || (s0 === start[j - 1] && e0 > end[j - 1]))) {
      op[j] = op[j - 1];
      start[j] = start[j - 1];
      end[j] = end[j - 1];
      cpu[j] = cpu[j - 1];
      real[j] = real[j - 1];
      j--;
    }
    op[j] = o0;
    start[j] = s0;
    end[j] = e0;
    cpu[j] = c0;
    real[j] = r0;
    budget -= k - j;
    if (budget < 0) {
      sortGenerally(s, lo, hi);
      return;
    }
  }
}

function sortGenerally(s: EvalSpans, lo: number, hi: number): void {
  const { start, end } = s;
  const order = Array.from({ length: hi - lo }, (_, i) => lo + i);
  order.sort((a, b) => start[a] - start[b] || end[b] - end[a] || a - b);
  for (const column of [s.op, s.start, s.end, s.cpu, s.real] as (Int32Array | Float64Array)[]) {
    const copy = column.slice(lo, hi);
    for (let i = 0; i < order.length; i++) column[lo + i] = copy[order[i] - lo];
  }
}

/** Self CPU and top flag of spans [lo, hi) of one thread, sorted by start: the innermost span that contains each. */
function nesting(s: EvalSpans, lo: number, hi: number): void {
  const { start, end, cpu, top } = s;
  const self = new Float64Array(hi - lo);
  for (let k = lo; k < hi; k++) self[k - lo] = cpu[k];
  let stackRef = new Int32Array(64);
  let sp = 0;
  for (let k = lo; k < hi; k++) {
    // Close the spans that end before this one starts, or that it sticks out of (not nested, then).
    while (sp > 0) {
      const t = stackRef[sp - 1];
      if (end[t] > start[k] && end[k] <= end[t]) break;
      sp--;
    }
    if (sp > 0) {
      self[stackRef[sp - 1] - lo] -= cpu[k];
      top[k] = 0;
    } else {
      top[k] = 1;
    }
    if (sp === stackRef.length) {
      const bigger = new Int32Array(stackRef.length * 2);
      bigger.set(stackRef);
      stackRef = bigger;
    }
    stackRef[sp++] = k;
  }
  const out = s.self;
  for (let k = lo; k < hi; k++) {
    const v = self[k - lo];
    out[k] = v < 0 ? 0 : v;
  }
}
