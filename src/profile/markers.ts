// Reads what Feldera adds to a samply profile (../shared/samply/FELDERA-MARKERS.md): `eval` spans (one per
// evaluation of a DBSP operator, with its CPU and real time in the tooltip), Step/Transaction/Checkpoint spans for the
// timeline, and the RSS counter. Markers it does not understand (other tools' markers, null data, instants, bad
// times or tooltips) are counted by reason and skipped; nothing here fails a profile.
//
// Speed and memory: a Feldera profile has millions of eval markers, each with its own tooltip string (the CPU and real
// figures differ per evaluation). The string table (ByteStrings, jsonBytes.ts) keeps such tooltips as their prefix and
// figures, so a marker's operator and figures are two look-ups; other tooltips are scanned once, by hand, from their
// end. The marker columns are read as the typed arrays jsonBytes.ts makes, and `data` as its FelderaDataColumn (name
// indexes, no object per marker). What is kept per eval span is ~41 bytes: CPU, real and self CPU as int32 while the
// figures are whole microseconds (as Feldera writes them), doubles otherwise.
import { ByteStrings, ESCAPED, FelderaDataColumn, TOOLTIP as TOOLTIP_FLAG } from './jsonBytes';
import { prepareThreadSpans } from './operators';
import type { StringTable } from './strings';
import { ByteKeyMap, scanEvalTooltip, scanEvalTooltipBytes, type TooltipScan } from './tooltips';
import type { MarkerSkipReason, MarkerStats, MemoryPoint, SpanCategory } from './types';

export { parseEvalTooltip, scanEvalTooltip, scanEvalTooltipBytes } from './tooltips';
export type { EvalTooltip, TooltipScan } from './tooltips';

type Json = { [key: string]: unknown };
type Column = ArrayLike<unknown>;
type NumColumn = ArrayLike<number | null | undefined>;

// ---------------------------------------------------------------------------------------------------
// What the reader keeps

/**
 * Eval spans, threads in order (one thread's spans together, sorted by start, longest first on a tie: see
 * prepareThreadSpans). Parallel columns, `count` of them used. CPU, real and self CPU are Int32Arrays while every
 * figure is an int32 (Feldera's are whole microseconds), else Float64Arrays.
 */
export interface EvalSpans {
  count: number;
  /** Whose spans they are: per thread that has some, in thread order, (thread, first span, end): [t, lo, hi, …]. */
  runs: number[];
  op: Int32Array;
  start: Float64Array;
  end: Float64Array;
  cpu: Int32Array | Float64Array;
  real: Int32Array | Float64Array;
  /** The span's CPU minus that of the spans directly inside it (at least 0): each evaluation counted once. */
  self: Int32Array | Float64Array;
  /** 1 when no other span of its thread contains it. */
  top: Uint8Array;
}

export interface SpanRecord {
  thread: number;
  category: SpanCategory;
  name: string;
  start: number;
  end: number;
  label: string;
}

/** The RSS counter: time and RSS (the running sum of `count`) of each sample, in time order. */
export interface MemoryCounter {
  time: Float64Array;
  bytes: Float64Array;
  peak: MemoryPoint;
}

export interface MarkerTables {
  evals: EvalSpans;
  /** Operator id → node id and name (first name seen for that node id). */
  nodeIds: string[];
  names: string[];
  /** Step, Transaction and Checkpoint spans, sorted by start. */
  spans: SpanRecord[];
  memory?: MemoryCounter;
  stats: MarkerStats;
  /** Earliest start and latest end of the markers read (Infinity/-Infinity when none). */
  minTime: number;
  maxTime: number;
}

// Marker kinds, from the category (Feldera appends its own to meta.categories) or else the marker's name.
const K_UNKNOWN = 0;
const K_EVAL = 1;
const K_STEP = 2;
const K_TRANSACTION = 3;
const K_CHECKPOINT = 4;
const K_OTHER = 5;
/** Category kinds beyond the marker kinds: the Operator category, whose `eval` markers are evaluations. */
const C_OPERATOR = 6;

const SPAN_CATEGORY: Record<number, SpanCategory> = {
  [K_STEP]: 'Step',
  [K_TRANSACTION]: 'Transaction',
  [K_CHECKPOINT]: 'Checkpoint',
};

const CATEGORY_KIND: Record<string, number> = {
  Operator: C_OPERATOR,
  Step: K_STEP,
  Transaction: K_TRANSACTION,
  Checkpoint: K_CHECKPOINT,
  Exchange: K_OTHER,
  Spine: K_OTHER,
};

/** Marker names Feldera writes (FELDERA-MARKERS.md), for markers whose category is not one of Feldera's. */
const NAME_KIND: Record<string, number> = {
  eval: K_EVAL,
  step: K_STEP,
  input: K_STEP,
  update: K_STEP,
  commit: K_TRANSACTION,
  ingested: K_TRANSACTION,
  blocking: K_CHECKPOINT,
  runtime: K_CHECKPOINT,
  send: K_OTHER,
  receive: K_OTHER,
  broadcast: K_OTHER,
};

/**
 * Per string table (shared, or a thread's own): what each string index was found to be, looked at once. Tooltips kept
 * as figures by ByteStrings need no entry (see `tooltipOp`).
 */
interface StringMemo {
  /** Marker name kind + 1 (0 = not looked at yet). */
  nameKind: Uint8Array;
  /** Tooltip record + 1 (0 = not scanned yet, -1 = not an eval tooltip): one entry per string, or a map. */
  tooltip: Int32Array | Map<number, number>;
  /** ByteStrings tooltip prefix → operator id + 1 (0 = not met yet). */
  prefixOp: Int32Array;
}

/** Collects markers thread by thread, then `finish()`. */
export class MarkerReader {
  private readonly categoryKind: Uint8Array;
  private evals: EvalSpans;
  private readonly spans: SpanRecord[] = [];
  private readonly skipped: Partial<Record<MarkerSkipReason, number>> = {};
  private total = 0;
  private otherFeldera = 0;
  private minTime = Infinity;
  private maxTime = -Infinity;
  private readonly memos = new Map<StringTable, StringMemo>();
  private readonly byNodeBytes = new ByteKeyMap();
  /** Distinct tooltips that were scanned here: operator, CPU and real of each. */
  private recOp = new Int32Array(1024);
  private recCpu = new Float64Array(1024);
  private recReal = new Float64Array(1024);
  private records = 0;
  /** "name nodeId" (the tooltip up to " used ") → operator id, and node id → operator id. */
  private readonly byPrefix = new Map<string, number>();
  private readonly byNode = new Map<string, number>();
  private readonly nodeIds: string[] = [];
  private readonly names: string[] = [];
  private readonly scan: TooltipScan = { nameEnd: -1, usedAt: 0, realUs: 0, cpuUs: 0 };

  /** `categories`: meta.categories; `expected`: about how many markers there are (all threads' lengths), or 0. */
  constructor(
    categories: unknown,
    private readonly expected: number,
  ) {
    const list = Array.isArray(categories) ? categories : [];
    this.categoryKind = new Uint8Array(list.length);
    list.forEach((c, i) => {
      const name = isObj(c) && typeof c.name === 'string' ? c.name : '';
      this.categoryKind[i] = CATEGORY_KIND[name] ?? K_UNKNOWN;
    });
    const n = Math.max(16, expected);
    this.evals = {
      count: 0,
      runs: [],
      op: new Int32Array(n),
      start: new Float64Array(n),
      end: new Float64Array(n),
      cpu: new Int32Array(n),
      real: new Int32Array(n),
      self: new Int32Array(n),
      top: new Uint8Array(n),
    };
  }

  /** Eval spans read so far. */
  get evalCount(): number {
    return this.evals.count;
  }

  /** Bytes the eval columns take (as allocated). */
  get byteSize(): number {
    const e = this.evals;
    return e.op.length * (4 + 8 + 8 + 1) + e.cpu.byteLength + e.real.byteLength + e.self.byteLength;
  }

  /** Makes room for `n` eval spans in all, at once (the caller's estimate; saves growing the columns again and again). */
  reserve(n: number): void {
    if (n > this.evals.op.length) this.evals = resize(this.evals, n);
  }

  /**
   * Reads one thread's `markers` table; `strings` is the string table its indexes point into. The loop runs once per
   * marker (millions): columns, memos and the eval columns are locals, and what is rare (a skip, a span, a new
   * tooltip) leaves it through a call. The thread's eval spans are then sorted and nested (prepareThreadSpans).
   */
  readThread(thread: number, table: unknown, strings: StringTable | undefined): void {
    if (!isObj(table)) return;
    const nameCol = col(table.name) as NumColumn | undefined;
    const n = tableLength(table, nameCol);
    if (n === 0) return;
    this.total += n;
    const startCol = col(table.startTime) as NumColumn | undefined;
    const endCol = col(table.endTime) as NumColumn | undefined;
    const phaseCol = col(table.phase) as NumColumn | undefined;
    const catCol = col(table.category) as NumColumn | undefined;
    const data = table.data;
    const fast = data instanceof FelderaDataColumn ? data : undefined;
    const fastNames = fast ? fast.names : undefined;
    const dataCol = fast ? undefined : (col(data) as Column | undefined);
    if (!nameCol || !startCol || !endCol || !strings) {
      this.skip(!strings ? 'badString' : 'badTime', n);
      return;
    }
    const memo = this.memo(strings);
    const nameKinds = memo.nameKind;
    const tooltipMemo = memo.tooltip;
    const tooltips = tooltipMemo instanceof Int32Array ? tooltipMemo : undefined;
    const byteStrings = strings instanceof ByteStrings ? strings : undefined;
    const stringFlags = byteStrings ? byteStrings.flags : undefined;
    const compact = byteStrings !== undefined && byteStrings.prefixText.length > 0;
    const tipRef = byteStrings ? byteStrings.ref : undefined;
    const tipReal = byteStrings ? byteStrings.x : undefined;
    const tipCpu = byteStrings ? byteStrings.y : undefined;
    const prefixOp = memo.prefixOp;
    const stringCount = strings.length;
    const catKinds = this.categoryKind;
    const catCount = catKinds.length;
    // Room for every marker of this thread: no check per span.
    if (this.evals.count + n > this.evals.op.length) {
      this.evals = resize(this.evals, Math.max(this.evals.count + n, Math.floor(this.evals.op.length * 1.5)));
    }
    let e = this.evals;
    const first = e.count;
    let k = first;
    let ints = e.cpu instanceof Int32Array;
    // The columns as locals (written once per span): reloaded if they become doubles.
    const eOp = e.op;
    const eStart = e.start;
    const eEnd = e.end;
    let eCpu = e.cpu;
    let eReal = e.real;
    let minTime = this.minTime;
    let maxTime = this.maxTime;
    for (let i = 0; i < n; i++) {
      if (phaseCol && phaseCol[i] !== 1) {
        this.skip('phase', 1);
        continue;
      }
      // The tooltip's string index, from the typed column when the fast parser made one.
      let tip = fastNames ? fastNames[i] : -1;
      if (tip < 0) {
        tip = this.dataName(fast ? fast.others.get(i) : dataCol ? dataCol[i] : undefined);
        if (tip < -1) continue;
      }
      const start = startCol[i];
      const end = endCol[i];
      if (typeof start !== 'number' || typeof end !== 'number' || !(start - start === 0) || !(end - end === 0)) {
        this.skip('badTime', 1);
        continue;
      }
      if (end < start) {
        this.skip('endBeforeStart', 1);
        continue;
      }
      const nameIdx = nameCol[i];
      if (typeof nameIdx !== 'number' || !(nameIdx >= 0 && nameIdx < stringCount) || !(tip >= 0 && tip < stringCount)) {
        this.skip('badString', 1);
        continue;
      }
      let nameKind = nameKinds[nameIdx] - 1;
      if (nameKind < 0) {
        nameKind = this.nameKind(strings, nameIdx);
        nameKinds[nameIdx] = nameKind + 1;
      }
      if (nameKind === K_UNKNOWN) {
        this.skip('badString', 1);
        continue;
      }
      const c = catCol ? catCol[i] : undefined;
      const catKind = typeof c === 'number' && c >= 0 && c < catCount ? catKinds[c] : K_UNKNOWN;
      const kind =
        catKind === C_OPERATOR ? (nameKind === K_EVAL ? K_EVAL : K_OTHER) : catKind === K_UNKNOWN ? nameKind : catKind;
      if (kind === K_EVAL) {
        let op: number;
        let cpu: number;
        let real: number;
        if (compact && (stringFlags as Uint8Array)[tip] & TOOLTIP_FLAG) {
          // A tooltip the string table kept as figures.
          const p = (tipRef as Int32Array)[tip];
          op = prefixOp[p] - 1;
          if (op < 0) op = this.tooltipOp(byteStrings as ByteStrings, p, prefixOp);
          cpu = (tipCpu as Uint32Array)[tip];
          real = (tipReal as Uint32Array)[tip];
        } else {
          let rec = tooltips ? tooltips[tip] : ((tooltipMemo as Map<number, number>).get(tip) ?? 0);
          if (rec === 0) {
            rec =
              byteStrings && stringFlags && (stringFlags[tip] & ESCAPED) === 0
                ? this.readTooltipBytes(byteStrings, tip)
                : this.readTooltip(strings.get(tip));
            if (tooltips) tooltips[tip] = rec;
            else (tooltipMemo as Map<number, number>).set(tip, rec);
          }
          if (rec < 0) {
            this.skip('badTooltip', 1);
            continue;
          }
          const r = rec - 1;
          op = this.recOp[r];
          cpu = this.recCpu[r];
          real = this.recReal[r];
        }
        if (ints && ((cpu | 0) !== cpu || (real | 0) !== real)) {
          // A figure that is no int32: these columns hold doubles from now on.
          e.count = k;
          this.evals = e = toDoubles(e);
          eCpu = e.cpu;
          eReal = e.real;
          ints = false;
        }
        eOp[k] = op;
        eStart[k] = start;
        eEnd[k] = end;
        eCpu[k] = cpu;
        eReal[k] = real;
        k++;
      } else if (kind === K_OTHER) {
        this.otherFeldera++;
      } else if (!this.addSpan(thread, kind, strings, nameIdx, tip, start, end)) {
        continue;
      }
      if (start < minTime) minTime = start;
      if (end > maxTime) maxTime = end;
    }
    e.count = k;
    this.minTime = minTime;
    this.maxTime = maxTime;
    if (k > first) {
      e.runs.push(thread, first, k);
      prepareThreadSpans(e, first, k);
    }
  }

  /** A marker name's kind, from its text. */
  private nameKind(strings: StringTable, i: number): number {
    // A tooltip kept as figures is no marker name Feldera writes: no need to write its text out.
    if (strings instanceof ByteStrings && strings.isTooltip(i)) return K_OTHER;
    const s = strings.get(i);
    return s === undefined ? K_UNKNOWN : (NAME_KIND[s] ?? K_OTHER);
  }

  /** The operator of a ByteStrings tooltip prefix met for the first time (its node id names it; first name kept). */
  private tooltipOp(strings: ByteStrings, p: number, prefixOp: Int32Array): number {
    const op = this.operator(strings.prefixNodeId[p], strings.prefixName[p]);
    prefixOp[p] = op + 1;
    return op;
  }

  /** A marker's `data` that the fast column did not take: its name index; -1 for none; -2 when skipped (counted). */
  private dataName(d: unknown): number {
    if (d === null || d === undefined) {
      this.skip('nullData', 1);
      return -2;
    }
    if (!isObj(d) || d.type !== 'FelderaMarker') {
      this.skip('otherType', 1);
      return -2;
    }
    return typeof d.name === 'number' && Number.isInteger(d.name) ? d.name : -1;
  }

  private addSpan(
    thread: number,
    kind: number,
    strings: StringTable,
    nameIdx: number,
    tip: number,
    start: number,
    end: number,
  ): boolean {
    const label = strings.get(tip);
    if (label === undefined) {
      this.skip('badString', 1);
      return false;
    }
    const name = strings.get(nameIdx) ?? '';
    this.spans.push({ thread, category: SPAN_CATEGORY[kind], name, start, end, label });
    return true;
  }

  /** Reads `profile.counters`: the RSS counter becomes the memory series; the others are listed by name. */
  readCounters(counters: unknown): { memory?: MemoryCounter; other: string[] } {
    const other: string[] = [];
    let memory: MemoryCounter | undefined;
    if (!Array.isArray(counters)) return { other };
    for (const c of counters as unknown[]) {
      if (!isObj(c)) continue;
      const name = typeof c.name === 'string' ? c.name : '(unnamed)';
      if (name === 'RSS' && !memory) {
        memory = readMemory(c.samples);
        if (memory) continue;
      }
      other.push(name);
    }
    return { memory, other };
  }

  finish(counters: { memory?: MemoryCounter; other: string[] }): MarkerTables {
    // Views of the used part: the rest of the columns was never written, so it takes no memory.
    const e = this.evals;
    const used = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => a.subarray(0, e.count) as T;
    const evals: EvalSpans = {
      count: e.count,
      runs: e.runs,
      op: used(e.op),
      start: used(e.start),
      end: used(e.end),
      cpu: used(e.cpu),
      real: used(e.real),
      self: used(e.self),
      top: used(e.top),
    };
    this.spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const notUnderstood = Object.values(this.skipped).reduce((a, b) => a + (b ?? 0), 0);
    if (counters.memory) {
      const m = counters.memory;
      if (m.time.length) {
        this.minTime = Math.min(this.minTime, m.time[0]);
        this.maxTime = Math.max(this.maxTime, m.time[m.time.length - 1]);
      }
    }
    return {
      evals,
      nodeIds: this.nodeIds,
      names: this.names,
      spans: this.spans,
      memory: counters.memory,
      stats: {
        total: this.total,
        evals: evals.count,
        spans: this.spans.length,
        otherFeldera: this.otherFeldera,
        notUnderstood,
        skipped: { ...this.skipped },
        otherCounters: counters.other,
      },
      minTime: this.minTime,
      maxTime: this.maxTime,
    };
  }

  private skip(reason: MarkerSkipReason, n: number): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + n;
  }

  private memo(strings: StringTable): StringMemo {
    let m = this.memos.get(strings);
    if (!m) {
      const byteStrings = strings instanceof ByteStrings ? strings : undefined;
      // With tooltips kept as figures, the few other tooltips are memoised in a map, not an array per string.
      const compact = byteStrings !== undefined && byteStrings.prefixText.length > 0;
      m = {
        nameKind: new Uint8Array(strings.length),
        tooltip: compact ? new Map() : new Int32Array(strings.length),
        prefixOp: new Int32Array(byteStrings ? byteStrings.prefixText.length : 0),
      };
      this.memos.set(strings, m);
      if (!compact) {
        // Each string is scanned once at most: room for all of them as tooltips, at once.
        const room = Math.min(Math.max(this.expected, 1024), this.records + strings.length);
        if (room > this.recOp.length) {
          this.recOp = growTo(this.recOp, room);
          this.recCpu = growTo(this.recCpu, room);
          this.recReal = growTo(this.recReal, room);
        }
      }
    }
    return m;
  }

  /** readTooltip on the string's bytes: no JS string unless the tooltip names an operator not met yet. */
  private readTooltipBytes(strings: ByteStrings, i: number): number {
    const b = strings.chunkOf(i);
    const from = strings.startOf(i);
    if (!scanEvalTooltipBytes(b, from, strings.endOf(i), this.scan)) return -1;
    const { nameEnd, usedAt, realUs, cpuUs } = this.scan;
    // The node id alone names the operator (its first name is kept), and is short to hash.
    const nodeStart = nameEnd < 0 ? from : nameEnd + 1;
    let op = this.byNodeBytes.get(b, nodeStart, usedAt);
    if (op === undefined) {
      op = this.operator(b.toString('utf8', nodeStart, usedAt), nameEnd < 0 ? '' : b.toString('utf8', from, nameEnd));
      this.byNodeBytes.set(b, nodeStart, usedAt, op);
    }
    return this.record(op, cpuUs, realUs);
  }

  private operator(nodeId: string, name: string): number {
    let op = this.byNode.get(nodeId);
    if (op === undefined) {
      op = this.nodeIds.length;
      this.byNode.set(nodeId, op);
      this.nodeIds.push(nodeId);
      this.names.push(name);
    }
    return op;
  }

  private record(op: number, cpuUs: number, realUs: number): number {
    const r = this.records++;
    if (r === this.recOp.length) {
      this.recOp = grow(this.recOp);
      this.recCpu = grow(this.recCpu);
      this.recReal = grow(this.recReal);
    }
    this.recOp[r] = op;
    this.recCpu[r] = cpuUs;
    this.recReal[r] = realUs;
    return r + 1;
  }

  /** Scans one tooltip; returns its record + 1, or -1 when it is not an eval tooltip. */
  private readTooltip(s: unknown): number {
    if (typeof s !== 'string' || !scanEvalTooltip(s, this.scan)) return -1;
    const { nameEnd, usedAt, realUs, cpuUs } = this.scan;
    const prefix = s.slice(0, usedAt);
    let op = this.byPrefix.get(prefix);
    if (op === undefined) {
      op = this.operator(s.slice(nameEnd + 1, usedAt), nameEnd < 0 ? '' : s.slice(0, nameEnd));
      this.byPrefix.set(prefix, op);
    }
    return this.record(op, cpuUs, realUs);
  }
}

/** The eval columns with room for `n` spans (the used part copied). */
function resize(e: EvalSpans, n: number): EvalSpans {
  return {
    count: e.count,
    runs: e.runs,
    op: growTo(e.op, n, e.count),
    start: growTo(e.start, n, e.count),
    end: growTo(e.end, n, e.count),
    cpu: growTo(e.cpu, n, e.count),
    real: growTo(e.real, n, e.count),
    self: growTo(e.self, n, e.count),
    top: growTo(e.top, n, e.count),
  };
}

/** The same columns with CPU, real and self CPU as doubles. */
function toDoubles(e: EvalSpans): EvalSpans {
  const n = e.op.length;
  const f = (a: Int32Array | Float64Array): Float64Array => {
    const b = new Float64Array(n);
    b.set(a.subarray(0, e.count));
    return b;
  };
  return { ...e, cpu: f(e.cpu), real: f(e.real), self: f(e.self) };
}

/** A counter's samples: `time` or `timeDeltas`, and `count` as the change since the previous sample. */
function readMemory(samples: unknown): MemoryCounter | undefined {
  if (!isObj(samples)) return undefined;
  const count = col(samples.count) as NumColumn | undefined;
  const timeCol = col(samples.time) as NumColumn | undefined;
  const deltaCol = timeCol ? undefined : (col(samples.timeDeltas) as NumColumn | undefined);
  if (!count || (!timeCol && !deltaCol)) return undefined;
  const n = tableLength(samples, count);
  const time = new Float64Array(n);
  const bytes = new Float64Array(n);
  let t = 0;
  let b = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const d = (timeCol ?? deltaCol)![i];
    const v = typeof d === 'number' && Number.isFinite(d) ? d : timeCol ? NaN : 0;
    t = timeCol ? v : t + v;
    const c = count[i];
    if (typeof c === 'number' && Number.isFinite(c)) b += c;
    time[i] = t;
    bytes[i] = b;
    if (i > 0 && !(time[i] >= time[i - 1])) sorted = false;
  }
  if (!sorted) {
    // Out of order or NaN times: keep the samples with a time, in time order (the RSS is summed in file order).
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => time[i] === time[i])
      .sort((a, b2) => time[a] - time[b2]);
    return memoryFrom(
      Float64Array.from(order, (i) => time[i]),
      Float64Array.from(order, (i) => bytes[i]),
    );
  }
  return memoryFrom(time, bytes);
}

function memoryFrom(time: Float64Array, bytes: Float64Array): MemoryCounter | undefined {
  if (time.length === 0) return undefined;
  let p = 0;
  for (let i = 1; i < bytes.length; i++) if (bytes[i] > bytes[p]) p = i;
  return { time, bytes, peak: { time: time[p], bytes: bytes[p] } };
}

function grow<T extends Int32Array | Float64Array>(a: T): T {
  return growTo(a, a.length * 2);
}

/** A copy of `a` with room for n elements; only the first `used` (all, by default) are copied. */
function growTo<T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number, used = a.length): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(used === a.length ? a : a.subarray(0, used));
  return b;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function col(v: unknown): Column | undefined {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)) ? (v as Column) : undefined;
}

function tableLength(table: Json, c: Column | undefined): number {
  const n = table.length;
  const have = c ? c.length : 0;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? Math.min(n, have) : have;
}
