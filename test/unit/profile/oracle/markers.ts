// FROZEN COPY of src/profile/markers.ts as it was before the streaming reader (main 8b35e4a): the property tests' oracle
// for today's path (buffer the text, parse it, build the model). Do not edit; do not import from src.
// Reads what Feldera adds to a samply profile (../shared/samply/FELDERA-MARKERS.md): `eval` spans (one per
// evaluation of a DBSP operator, with its CPU and real time in the tooltip), Step/Transaction/Checkpoint spans for the
// timeline, and the RSS counter. Markers it does not understand (other tools' markers, null data, instants, bad
// times or tooltips) are counted by reason and skipped; nothing here fails a profile.
//
// Speed: a Feldera profile has millions of eval markers, each with its own tooltip string (the CPU and real figures
// differ per evaluation). Each distinct tooltip is scanned once, by hand, from its end; the marker columns are read
// as the typed arrays jsonBytes.ts makes, and `data` as its FelderaDataColumn (name indexes, no object per marker).
import { ByteStrings, ESCAPED, FelderaDataColumn } from './jsonBytes';
import type { StringTable } from './strings';
import type { MarkerSkipReason, MarkerStats, MemoryPoint, SpanCategory } from './types';

type Json = { [key: string]: unknown };
type Column = ArrayLike<unknown>;
type NumColumn = ArrayLike<number | null | undefined>;

// ---------------------------------------------------------------------------------------------------
// The eval tooltip: `<operator name> <node id> used <R>μs real time, <C>μs CPU time`

export interface EvalTooltip {
  /** May contain spaces, digits, even " used "; may be empty. */
  name: string;
  /** The last token before " used " (e.g. `nn106_n52`). */
  nodeId: string;
  realUs: number;
  cpuUs: number;
}

/** Where the parts of a tooltip are; filled by scanEvalTooltip (no allocation per tooltip). */
export interface TooltipScan {
  /** Index of the space before the node id, or -1 when the name is empty and there is none. */
  nameEnd: number;
  /** Index of " used ": the node id is [nameEnd + 1, usedAt). */
  usedAt: number;
  realUs: number;
  cpuUs: number;
}

const CPU_TAIL = 's CPU time';
const REAL_TAIL = 's real time, ';
const USED = ' used ';

/** μ (Greek mu, as Feldera writes it), µ (the micro sign) or a plain u. */
function isMicro(c: number): boolean {
  return c === 0x3bc || c === 0xb5 || c === 0x75;
}

function hasAt(s: string, at: number, lit: string): boolean {
  if (at < 0) return false;
  for (let k = 0; k < lit.length; k++) if (s.charCodeAt(at + k) !== lit.charCodeAt(k)) return false;
  return true;
}

/**
 * The number that ends just before `end`: digits, optionally `.digits`. Returns its start index (NaN in
 * `out[0]` and -1 when there is none).
 */
function numberBefore(s: string, end: number, out: { v: number }): number {
  let p = end;
  while (p > 0 && isDigit(s.charCodeAt(p - 1))) p--;
  if (p === end) return -1;
  let start = p;
  if (p > 1 && s.charCodeAt(p - 1) === 0x2e /* . */ && isDigit(s.charCodeAt(p - 2))) {
    start = p - 1;
    while (start > 0 && isDigit(s.charCodeAt(start - 1))) start--;
    out.v = Number(s.slice(start, end));
    return start;
  }
  let v = 0;
  for (let k = start; k < end; k++) v = v * 10 + (s.charCodeAt(k) - 0x30);
  out.v = v;
  return start;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const num = { v: 0 };

/**
 * Scans an eval tooltip from its end: the fixed tail, C, the middle, R, " used ", then the node id back to the
 * previous space. What comes before is the name, whatever it holds. False when the text is not such a tooltip.
 */
export function scanEvalTooltip(s: string, out: TooltipScan): boolean {
  let p = s.length - CPU_TAIL.length;
  if (!hasAt(s, p, CPU_TAIL) || p < 1 || !isMicro(s.charCodeAt(p - 1))) return false;
  p = numberBefore(s, p - 1, num);
  if (p < 0) return false;
  const cpu = num.v;
  p -= REAL_TAIL.length;
  if (!hasAt(s, p, REAL_TAIL) || p < 1 || !isMicro(s.charCodeAt(p - 1))) return false;
  p = numberBefore(s, p - 1, num);
  if (p < 0) return false;
  const real = num.v;
  p -= USED.length;
  if (!hasAt(s, p, USED) || p < 1) return false;
  const nameEnd = s.lastIndexOf(' ', p - 1);
  if (nameEnd === p - 1) return false; // no node id: two spaces before "used"
  out.nameEnd = nameEnd;
  out.usedAt = p;
  out.realUs = real;
  out.cpuUs = cpu;
  return true;
}

/** An eval tooltip's parts, or undefined when the text is not one. */
export function parseEvalTooltip(s: string): EvalTooltip | undefined {
  const scan: TooltipScan = { nameEnd: -1, usedAt: 0, realUs: 0, cpuUs: 0 };
  if (!scanEvalTooltip(s, scan)) return undefined;
  return {
    name: scan.nameEnd < 0 ? '' : s.slice(0, scan.nameEnd),
    nodeId: s.slice(scan.nameEnd + 1, scan.usedAt),
    realUs: scan.realUs,
    cpuUs: scan.cpuUs,
  };
}

/**
 * scanEvalTooltip on a string's UTF-8 bytes, b[from, to): the same answer as on the decoded string (μ is CE BC, µ is
 * C2 B5; digits, spaces and the fixed words are ASCII, and no byte of a multi-byte character is one of them).
 * Indexes in `out` are into `b`.
 */
export function scanEvalTooltipBytes(b: Uint8Array, from: number, to: number, out: TooltipScan): boolean {
  let p = to - CPU_TAIL.length;
  if (p < from || !bytesAt(b, p, CPU_TAIL)) return false;
  p = microBefore(b, from, p);
  if (p < 0) return false;
  p = numberBeforeBytes(b, from, p, num);
  if (p < 0) return false;
  const cpu = num.v;
  p -= REAL_TAIL.length;
  if (p < from || !bytesAt(b, p, REAL_TAIL)) return false;
  p = microBefore(b, from, p);
  if (p < 0) return false;
  p = numberBeforeBytes(b, from, p, num);
  if (p < 0) return false;
  const real = num.v;
  p -= USED.length;
  if (p <= from || !bytesAt(b, p, USED)) return false;
  let nameEnd = p - 1;
  while (nameEnd >= from && b[nameEnd] !== 0x20) nameEnd--;
  if (nameEnd === p - 1) return false;
  out.nameEnd = nameEnd < from ? -1 : nameEnd;
  out.usedAt = p;
  out.realUs = real;
  out.cpuUs = cpu;
  return true;
}

function bytesAt(b: Uint8Array, at: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit.charCodeAt(k)) return false;
  return true;
}

/** The start of the micro sign ending at `end` (μ, µ or u), or -1. */
function microBefore(b: Uint8Array, from: number, end: number): number {
  const c = end - 1 >= from ? b[end - 1] : -1;
  if (c === 0x75) return end - 1;
  if (end - 2 >= from && ((c === 0xbc && b[end - 2] === 0xce) || (c === 0xb5 && b[end - 2] === 0xc2))) return end - 2;
  return -1;
}

function numberBeforeBytes(b: Uint8Array, from: number, end: number, out: { v: number }): number {
  let p = end;
  while (p > from && isDigit(b[p - 1])) p--;
  if (p === end) return -1;
  let start = p;
  if (p - 1 > from && b[p - 1] === 0x2e && isDigit(b[p - 2])) {
    start = p - 1;
    while (start > from && isDigit(b[start - 1])) start--;
    out.v = Number(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1'));
    return start;
  }
  let v = 0;
  for (let k = start; k < end; k++) v = v * 10 + (b[k] - 0x30);
  out.v = v;
  return start;
}

/**
 * Byte strings → ids, without making a JS string per lookup: open addressing on an FNV-1a hash, each key's bytes
 * copied once into an arena.
 */
class ByteKeyMap {
  private slots = new Int32Array(1024).fill(-1);
  private keyStart: number[] = [];
  private keyLength: number[] = [];
  private values: number[] = [];
  private arena = Buffer.alloc(4096);
  private used = 0;

  get(b: Uint8Array, from: number, to: number): number | undefined {
    const mask = this.slots.length - 1;
    for (let i = hashBytes(b, from, to) & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i];
      if (e < 0) return undefined;
      if (this.same(e, b, from, to)) return this.values[e];
    }
  }

  set(b: Uint8Array, from: number, to: number, value: number): void {
    const len = to - from;
    if (this.used + len > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.used + len));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.arena.set(b.subarray(from, to), this.used);
    const e = this.values.length;
    this.keyStart.push(this.used);
    this.keyLength.push(len);
    this.values.push(value);
    this.used += len;
    if ((e + 1) * 2 > this.slots.length) this.rehash();
    else this.insert(e, hashBytes(b, from, to));
  }

  private same(e: number, b: Uint8Array, from: number, to: number): boolean {
    const len = to - from;
    if (this.keyLength[e] !== len) return false;
    const a = this.arena;
    const s = this.keyStart[e];
    for (let k = 0; k < len; k++) if (a[s + k] !== b[from + k]) return false;
    return true;
  }

  private insert(e: number, h: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] >= 0) i = (i + 1) & mask;
    this.slots[i] = e;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let e = 0; e < this.values.length; e++) {
      const s = this.keyStart[e];
      this.insert(e, hashBytes(this.arena, s, s + this.keyLength[e]));
    }
  }
}

function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ b[k], 0x01000193);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// What the reader keeps

/** Eval spans, in the order read (threads in order; within a thread, as the profile lists them). Parallel columns. */
export interface EvalSpans {
  count: number;
  thread: Int32Array;
  op: Int32Array;
  start: Float64Array;
  end: Float64Array;
  cpu: Float64Array;
  real: Float64Array;
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

/** Per string table (shared, or a thread's own): what each string index was found to be, scanned once. */
interface StringMemo {
  /** Marker name kind + 1 (0 = not looked at yet). */
  nameKind: Uint8Array;
  /** Tooltip record + 1 (0 = not scanned yet, -1 = not an eval tooltip). */
  tooltip: Int32Array;
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
  /** Distinct tooltips: operator, CPU and real of each. */
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

  /** `categories`: meta.categories; `expected`: about how many markers there are (all threads' lengths). */
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
      thread: new Int32Array(n),
      op: new Int32Array(n),
      start: new Float64Array(n),
      end: new Float64Array(n),
      cpu: new Float64Array(n),
      real: new Float64Array(n),
    };
  }

  /**
   * Reads one thread's `markers` table; `strings` is the string table its indexes point into. The loop runs once per
   * marker (millions): columns, memos and the eval columns are locals, and what is rare (a skip, a span, a new
   * tooltip) leaves it through a call.
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
    const tooltips = memo.tooltip;
    const byteStrings = strings instanceof ByteStrings ? strings : undefined;
    const stringFlags = byteStrings ? byteStrings.flags : undefined;
    const stringCount = strings.length;
    const catKinds = this.categoryKind;
    const catCount = catKinds.length;
    let e = this.evals;
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
        const s = strings.get(nameIdx);
        nameKind = s === undefined ? K_UNKNOWN : (NAME_KIND[s] ?? K_OTHER);
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
        let rec = tooltips[tip];
        if (rec === 0) {
          rec =
            byteStrings && stringFlags && (stringFlags[tip] & ESCAPED) === 0
              ? this.readTooltipBytes(byteStrings, tip)
              : this.readTooltip(strings.get(tip));
          tooltips[tip] = rec;
        }
        if (rec < 0) {
          this.skip('badTooltip', 1);
          continue;
        }
        if (e.count === e.thread.length) e = this.growEvals();
        const k = e.count++;
        const r = rec - 1;
        e.thread[k] = thread;
        e.op[k] = this.recOp[r];
        e.start[k] = start;
        e.end[k] = end;
        e.cpu[k] = this.recCpu[r];
        e.real[k] = this.recReal[r];
      } else if (kind === K_OTHER) {
        this.otherFeldera++;
      } else if (!this.addSpan(thread, kind, strings, nameIdx, tip, start, end)) {
        continue;
      }
      if (start < minTime) minTime = start;
      if (end > maxTime) maxTime = end;
    }
    this.minTime = minTime;
    this.maxTime = maxTime;
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

  private growEvals(): EvalSpans {
    const e = this.evals;
    this.evals = {
      count: e.count,
      thread: grow(e.thread),
      op: grow(e.op),
      start: grow(e.start),
      end: grow(e.end),
      cpu: grow(e.cpu),
      real: grow(e.real),
    };
    return this.evals;
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
    const e = this.evals;
    const trim = <T extends Int32Array | Float64Array>(a: T): T =>
      a.length === e.count ? a : (a.slice(0, e.count) as T);
    const evals: EvalSpans = {
      count: e.count,
      thread: trim(e.thread),
      op: trim(e.op),
      start: trim(e.start),
      end: trim(e.end),
      cpu: trim(e.cpu),
      real: trim(e.real),
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
      m = { nameKind: new Uint8Array(strings.length), tooltip: new Int32Array(strings.length) };
      this.memos.set(strings, m);
      // Each string is scanned once at most: room for all of them as tooltips, at once.
      const room = Math.min(this.expected, this.records + strings.length);
      if (room > this.recOp.length) {
        this.recOp = growTo(this.recOp, room);
        this.recCpu = growTo(this.recCpu, room);
        this.recReal = growTo(this.recReal, room);
      }
    }
    return m;
  }

  /** readTooltip on the string's bytes: no JS string unless the tooltip names an operator not met yet. */
  private readTooltipBytes(strings: ByteStrings, i: number): number {
    const b = strings.bytes;
    const from = strings.start[i];
    if (!scanEvalTooltipBytes(b, from, strings.end[i], this.scan)) return -1;
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

function growTo<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
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
