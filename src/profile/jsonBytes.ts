// A streaming JSON parser for profiles: it reads UTF-8 bytes chunk by chunk as they are inflated, keeps only the few
// bytes of a token cut by a chunk's end, and gives what JSON.parse gives, except that
// - an array inside the document holding only numbers and nulls comes back as a typed array (Int32Array when every
//   element is an int32, else Float64Array with NaN for null): a samply profile is mostly such columns;
// - a `stringArray` (the profile's string table) comes back as ByteStrings: its strings' bytes kept in chunks, decoded
//   only when asked for, and Feldera's eval tooltips (millions, nearly all distinct) kept as three numbers each
//   instead of their text (written out again exactly when asked for);
// - a marker table's `data` column whose elements are `{"type":"FelderaMarker","name":<int>}` comes back as a
//   FelderaDataColumn: the name indexes in an Int32Array, anything else kept aside as JSON.parse makes it.
// With a sink (JsonSink), the top-level object's properties are handed to it as they complete instead of being kept,
// and the elements of one of them (a profile's `threads`) one by one, so that a caller can build its model while the
// file is read and drop each part once used: no string and no buffer of the whole text ever exists.
//
// It is the validator of record: invalid JSON is an error (JsonBytesError) that says what was wrong, at which byte of
// the text, and where in the document (e.g. `threads[12].samples.stack[4031]`). Nesting depth is bounded by memory
// only (an explicit stack, no recursion). Strings with escapes go through JSON.parse one by one, so their decoding is
// exactly JSON.parse's.
import { MICRO_TEXT, scanEvalTooltipBytes, type TooltipScan } from './tooltips';

/** Invalid JSON: `reason`, at `position` (bytes from the start of the text), in `path` ('' for the top level). */
export class JsonBytesError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly path: string,
  ) {
    super(`${reason} at byte ${position}${path ? ` (in ${path})` : ''}`);
    this.name = 'JsonBytesError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const ZERO = 0x30;
const NINE = 0x39;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_N = 0x6e;

/**
 * A marker `data` column: `names[i]` is the `name` of element i when it is exactly a FelderaMarker object as Feldera
 * writes it, else -1 and the element (as JSON.parse gives it, null included) is `others.get(i)`.
 */
export class FelderaDataColumn {
  constructor(
    readonly names: Int32Array,
    readonly others: Map<number, unknown>,
  ) {}

  get length(): number {
    return this.names.length;
  }

  /** The column as JSON.parse gives it. */
  toArray(): unknown[] {
    return Array.from(this.names, (name, i) => (name >= 0 ? { type: 'FelderaMarker', name } : this.others.get(i)));
  }
}

/** ByteStrings flags: the string has JSON escapes (decode it with JSON.parse), or bytes ≥ 0x80 (decode as UTF-8). */
export const ESCAPED = 1;
export const NON_ASCII = 2;
/** The string is an eval tooltip kept as its figures (see ByteStrings); bits 3–4 and 5–6 say its micro signs. */
export const TOOLTIP = 4;
const REAL_MICRO_SHIFT = 3;
const CPU_MICRO_SHIFT = 5;

const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
const OWN_CHUNK = 256 * 1024;

/** The fixed parts of an eval tooltip, read 4 bytes at a time (little-endian) from a DataView. */
const CPU_TAIL = Buffer.from('s CPU time');
const REAL_TAIL = Buffer.from('s real time, ');
const USED = Buffer.from(' used ');
const CPU_TAIL_W0 = CPU_TAIL.readUInt32LE(0);
const CPU_TAIL_W1 = CPU_TAIL.readUInt32LE(4);
const CPU_TAIL_H2 = CPU_TAIL.readUInt16LE(8);
const REAL_TAIL_W0 = REAL_TAIL.readUInt32LE(0);
const REAL_TAIL_W1 = REAL_TAIL.readUInt32LE(4);
const REAL_TAIL_W2 = REAL_TAIL.readUInt32LE(8);
const REAL_TAIL_B3 = REAL_TAIL[12];
const USED_W0 = USED.readUInt32LE(0);
const USED_H1 = USED.readUInt16LE(4);

/** Bytes 0x00–0x1f in any of the four bytes of w (an exact test; see "determine if a word has a byte less than n"). */
function hasControl(w: number): boolean {
  return ((w - 0x20202020) & ~w & 0x80808080) !== 0;
}

/**
 * Eval tooltip prefixes (`<name> <node id>`, the text before " used "): their bytes in an arena, found by a cheap hash
 * (length and a few bytes) and a comparison 4 bytes at a time.
 */
class PrefixTable {
  private arena = Buffer.alloc(4096);
  private dv = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
  private used = 0;
  private start: number[] = [];
  private len: number[] = [];
  private slots = new Int32Array(256).fill(-1);

  get size(): number {
    return this.start.length;
  }

  /** The id of prefix b[from, to) (at least 4 bytes), or -1. `dv` views b. */
  find(b: Uint8Array, dv: DataView, from: number, to: number): number {
    const n = to - from;
    const mask = this.slots.length - 1;
    for (let i = hashPrefix(dv, from, to) & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i];
      if (id < 0) return -1;
      if (this.len[id] !== n) continue;
      const s = this.start[id];
      const adv = this.dv;
      let k = 0;
      for (; k + 4 <= n; k += 4) if (adv.getInt32(s + k, true) !== dv.getInt32(from + k, true)) break;
      if (k + 4 <= n) continue;
      for (; k < n; k++) if (this.arena[s + k] !== b[from + k]) break;
      if (k === n) return id;
    }
  }

  add(b: Uint8Array, from: number, to: number): number {
    const n = to - from;
    if (this.used + n > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.used + n));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
      this.dv = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    }
    this.arena.set(b.subarray(from, to), this.used);
    const id = this.start.length;
    this.start.push(this.used);
    this.len.push(n);
    this.used += n;
    if ((id + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2).fill(-1);
      for (let e = 0; e <= id; e++) this.insert(e);
    } else {
      this.insert(id);
    }
    return id;
  }

  private insert(id: number): void {
    const mask = this.slots.length - 1;
    const s = this.start[id];
    let i = hashPrefix(this.dv, s, s + this.len[id]) & mask;
    while (this.slots[i] >= 0) i = (i + 1) & mask;
    this.slots[i] = id;
  }
}

function hashPrefix(dv: DataView, from: number, to: number): number {
  let h = Math.imul(to - from, 0x9e3779b1) ^ dv.getInt32(to - 4, true);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ dv.getInt32(from, true);
  if (to - from >= 8) h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ dv.getInt32(to - 8, true);
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** What the fast tooltip scan found (no allocation per string). */
const fastScan = { usedAt: 0, real: 0, cpu: 0, realMicro: 0, cpuMicro: 0, nonAscii: 0 };

/**
 * The micro sign ending just before `end` (μ CE BC, µ C2 B5, u), as MICRO_* + 1 in the low bits and its length above;
 * 0 if none.
 */
function microAt(b: Uint8Array, from: number, end: number): number {
  const c = end - 1 >= from ? b[end - 1] : -1;
  if (c === 0x75) return (1 << 4) | 3; // u: MICRO_U + 1
  if (end - 2 >= from) {
    if (c === 0xbc && b[end - 2] === 0xce) return (2 << 4) | 1; // μ: MICRO_MU + 1
    if (c === 0xb5 && b[end - 2] === 0xc2) return (2 << 4) | 2; // µ: MICRO_SIGN + 1
  }
  return 0;
}

/**
 * Reads b[from, to) as an eval tooltip in canonical form (see ByteStrings) from its end, 4 bytes at a time, into
 * fastScan; false if it is not one. Checks the same things scanEvalTooltipBytes does, except the prefix's own rules
 * (a node id after the last space), which the caller checks once per distinct prefix.
 */
function scanCanonicalTooltip(b: Uint8Array, dv: DataView, from: number, to: number): boolean {
  let p = to - 10;
  if (p < from + 20) return false;
  if (dv.getUint32(p, true) !== CPU_TAIL_W0 || dv.getUint32(p + 4, true) !== CPU_TAIL_W1) return false;
  if (dv.getUint16(p + 8, true) !== CPU_TAIL_H2) return false;
  let m = microAt(b, from, p);
  if (m === 0) return false;
  fastScan.cpuMicro = (m & 15) - 1;
  fastScan.nonAscii = m >> 4 === 2 ? 1 : 0;
  p -= m >> 4;
  // C: 1 to 9 digits, no leading zero but for "0".
  let d = p;
  let v = 0;
  let scale = 1;
  while (d > from && b[d - 1] >= 0x30 && b[d - 1] <= 0x39 && p - d < 10) {
    d--;
    v += (b[d] - 0x30) * scale;
    scale *= 10;
  }
  let digits = p - d;
  if (digits === 0 || digits > 9 || (digits > 1 && b[d] === 0x30)) return false;
  fastScan.cpu = v;
  p = d - 13;
  if (p < from) return false;
  if (dv.getUint32(p, true) !== REAL_TAIL_W0 || dv.getUint32(p + 4, true) !== REAL_TAIL_W1) return false;
  if (dv.getUint32(p + 8, true) !== REAL_TAIL_W2 || b[p + 12] !== REAL_TAIL_B3) return false;
  m = microAt(b, from, p);
  if (m === 0) return false;
  fastScan.realMicro = (m & 15) - 1;
  if (m >> 4 === 2) fastScan.nonAscii = 1;
  p -= m >> 4;
  d = p;
  v = 0;
  scale = 1;
  while (d > from && b[d - 1] >= 0x30 && b[d - 1] <= 0x39 && p - d < 10) {
    d--;
    v += (b[d] - 0x30) * scale;
    scale *= 10;
  }
  digits = p - d;
  if (digits === 0 || digits > 9 || (digits > 1 && b[d] === 0x30)) return false;
  fastScan.real = v;
  p = d - 6;
  if (p < from + 4) return false;
  if (dv.getUint32(p, true) !== USED_W0 || dv.getUint16(p + 4, true) !== USED_H1) return false;
  fastScan.usedAt = p;
  return true;
}

/**
 * A string table kept as bytes. `get(i)` decodes string i exactly as JSON.parse of the text would. Two kinds:
 * - plain strings: their bytes (as written in the JSON, without quotes) in `chunks[ref[i]]` at `x[i]`, `y[i]` long;
 * - eval tooltips `<prefix> used <R>μs real time, <C>μs CPU time` whose prefix is ASCII and whose figures are plain
 *   integers (flag TOOLTIP; Feldera writes millions, each with its own figures): `ref[i]` is the prefix's id
 *   (`prefixNodeId`, `prefixName`), `x[i]` is R and `y[i]` is C, and the text is written again from them when asked.
 *   13 bytes instead of ~70, and the marker reader needs no scan of them.
 */
export class ByteStrings {
  private n = 0;
  flags = new Uint8Array(256);
  ref = new Int32Array(256);
  x = new Uint32Array(256);
  y = new Uint32Array(256);
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer | undefined;
  private used = 0;
  private readonly prefixes = new PrefixTable();
  /** Per tooltip prefix: its text (`<name> <node id>`, or the node id alone), node id and name. */
  readonly prefixText: string[] = [];
  readonly prefixNodeId: string[] = [];
  readonly prefixName: string[] = [];
  private readonly scan: TooltipScan = { nameEnd: -1, usedAt: 0, realUs: 0, cpuUs: 0 };
  private cache: Map<number, string> | undefined;

  get length(): number {
    return this.n;
  }

  /** Bytes held: the arrays (as allocated) and the chunks. */
  get byteSize(): number {
    let chunks = 0;
    for (const c of this.chunks) chunks += c.length;
    return this.flags.length * 13 + chunks;
  }

  /**
   * Adds the string whose JSON bytes (no quotes) are b[from, to), which hold no backslash; `dv` views b. False (and
   * nothing added) when they hold a control character, which JSON does not allow in a string.
   */
  addUnescaped(b: Buffer, dv: DataView, from: number, to: number): boolean {
    if (scanCanonicalTooltip(b, dv, from, to)) {
      let p = this.prefixes.find(b, dv, from, fastScan.usedAt);
      if (p < 0) p = this.newPrefix(b, from, to);
      if (p >= 0) {
        const i = this.next();
        const f = fastScan;
        this.flags[i] =
          TOOLTIP | (f.nonAscii ? NON_ASCII : 0) | (f.realMicro << REAL_MICRO_SHIFT) | (f.cpuMicro << CPU_MICRO_SHIFT);
        this.ref[i] = p;
        this.x[i] = f.real;
        this.y[i] = f.cpu;
        return true;
      }
    }
    // Control characters and bytes ≥ 0x80, 4 bytes at a time.
    let high = 0;
    let k = from;
    for (; k + 4 <= to; k += 4) {
      const w = dv.getInt32(k, true);
      high |= w;
      if (hasControl(w)) return false;
    }
    for (; k < to; k++) {
      const c = b[k];
      if (c < 0x20) return false;
      high |= c;
    }
    this.addPlain(b, from, to, high & 0x80808080 ? NON_ASCII : 0);
    return true;
  }

  /** Adds a string with escapes (checked by the caller), decoded with JSON.parse when read. */
  addEscaped(b: Buffer, from: number, to: number, nonAscii: boolean): void {
    this.addPlain(b, from, to, ESCAPED | (nonAscii ? NON_ASCII : 0));
  }

  /**
   * A prefix not met before, of a tooltip fastScan read: checked as scanEvalTooltipBytes and the canonical form want
   * it (a node id after the last space; ASCII without control characters), and added; -1 if it does not qualify.
   */
  private newPrefix(b: Buffer, from: number, to: number): number {
    const usedAt = fastScan.usedAt;
    for (let k = from; k < usedAt; k++) if (b[k] >= 0x80 || b[k] < 0x20) return -1;
    const scan = this.scan;
    if (!scanEvalTooltipBytes(b, from, to, scan) || !scan.canonical || scan.usedAt !== usedAt) return -1;
    const p = this.prefixes.add(b, from, usedAt);
    const nodeStart = scan.nameEnd < 0 ? from : scan.nameEnd + 1;
    this.prefixText.push(b.toString('latin1', from, usedAt));
    this.prefixNodeId.push(b.toString('latin1', nodeStart, usedAt));
    this.prefixName.push(scan.nameEnd < 0 ? '' : b.toString('latin1', from, scan.nameEnd));
    return p;
  }

  private next(): number {
    const i = this.n;
    if (i === this.flags.length) this.grow();
    this.n = i + 1;
    return i;
  }

  private addPlain(b: Buffer, from: number, to: number, flags: number): void {
    const i = this.next();
    const len = to - from;
    let chunk = this.chunk;
    if (len > OWN_CHUNK) {
      // A long string gets a buffer of its own, so that chunks stay small.
      const own = Buffer.allocUnsafe(len);
      b.copy(own, 0, from, to);
      this.chunks.push(own);
      this.ref[i] = this.chunks.length - 1;
      this.x[i] = 0;
    } else {
      if (!chunk || this.used + len > chunk.length) {
        chunk = Buffer.allocUnsafe(Math.min(MAX_CHUNK, Math.max(FIRST_CHUNK, 2 * (chunk?.length ?? 0))));
        this.chunks.push(chunk);
        this.chunk = chunk;
        this.used = 0;
      }
      b.copy(chunk, this.used, from, to);
      this.ref[i] = this.chunks.length - 1;
      this.x[i] = this.used;
      this.used += len;
    }
    this.y[i] = len;
    this.flags[i] = flags;
  }

  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.n)) return undefined;
    const cache = (this.cache ??= new Map());
    let s = cache.get(i);
    if (s === undefined) {
      s = this.decode(i);
      cache.set(i, s);
    }
    return s;
  }

  /** Every string, as JSON.parse gives the array. */
  toArray(): string[] {
    return Array.from({ length: this.n }, (_, i) => this.decode(i));
  }

  isTooltip(i: number): boolean {
    return (this.flags[i] & TOOLTIP) !== 0;
  }

  /** A plain string's bytes: chunk(i)[start(i), end(i)). */
  chunkOf(i: number): Buffer {
    return this.chunks[this.ref[i]];
  }

  startOf(i: number): number {
    return this.x[i];
  }

  endOf(i: number): number {
    return this.x[i] + this.y[i];
  }

  private decode(i: number): string {
    const f = this.flags[i];
    if (f & TOOLTIP) {
      return (
        `${this.prefixText[this.ref[i]]} used ${this.x[i]}${MICRO_TEXT[(f >> REAL_MICRO_SHIFT) & 3]}s real time, ` +
        `${this.y[i]}${MICRO_TEXT[(f >> CPU_MICRO_SHIFT) & 3]}s CPU time`
      );
    }
    const chunk = this.chunks[this.ref[i]];
    const from = this.x[i];
    const to = from + this.y[i];
    if (f & ESCAPED) return JSON.parse(`"${chunk.toString('utf8', from, to)}"`) as string;
    return chunk.toString(f & NON_ASCII ? 'utf8' : 'latin1', from, to);
  }

  private grow(): void {
    const n = this.flags.length * 2;
    const grow = <T extends Uint8Array | Int32Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.flags = grow(this.flags);
    this.ref = grow(this.ref);
    this.x = grow(this.x);
    this.y = grow(this.y);
  }
}

/** The two key orders a FelderaMarker data object is written in: type first (Feldera), or name first. */
const FELDERA_TYPE_FIRST = Buffer.from('{"type":"FelderaMarker","name":');
const FELDERA_NAME_FIRST = Buffer.from('{"name":');
const FELDERA_NAME_FIRST_TAIL = Buffer.from(',"type":"FelderaMarker"}');
const HEAD_W = Array.from({ length: 7 }, (_, k) => FELDERA_TYPE_FIRST.readInt32LE(4 * k));
const HEAD_H7 = FELDERA_TYPE_FIRST.readUInt16LE(28);
const HEAD_B8 = FELDERA_TYPE_FIRST[30];
/** felderaElement's answers besides a name index. */
const RBRACE_BYTES = Buffer.from('}');
const NOT_FELDERA = -1;
const NEED_MORE = -2;

/** Bytes inside a string, by what the string table's scan must do with them. */
const PLAIN = 0;
const CLOSE = 1;
const ESCAPE = 2;
const CONTROL = 3;
const HIGH = 4;
const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b === QUOTE ? CLOSE : b === BACKSLASH ? ESCAPE : b < 0x20 ? CONTROL : b >= 0x80 ? HIGH : PLAIN,
);

/** 10^k, exact as doubles for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Returned by a scalar reader that ran out of the bytes available so far (more are coming). */
const MORE: unique symbol = Symbol('more');
type More = typeof MORE;

/** How a run over a numeric column ended. */
const enum Run {
  Done,
  More,
  Switch,
}

/** What a sink does with a property of the top-level object (JsonSink.rootKey). */
export const KEEP = 0;
export const SKIP = 1;
export const STREAM = 2;

/**
 * Receives the top-level object's parts as they complete (see the file head). Whatever it throws stops the parse and
 * comes out of push()/end() as it is.
 */
export interface JsonSink {
  /** The top-level value begins with this byte (0x7b for an object). */
  start(firstByte: number): void;
  /**
   * A property of the top-level object is about to be read: KEEP (rootValue gets its value), SKIP (checked, not
   * built), or STREAM (if it is an array, each element goes to `element` as soon as it is complete, and is not kept).
   */
  rootKey(key: string): number;
  rootValue(key: string, value: unknown): void;
  element(key: string, index: number, value: unknown): void;
  /** A streamed array ended, after `count` elements. */
  streamEnd(key: string, count: number): void;
}

export interface ParserOptions {
  sink?: JsonSink;
  /** An upper bound of the text's length, if known: bounds the columns a wrong "length" could make it allocate. */
  totalBytes?: number;
  /** Skip a UTF-8 byte-order mark at the start. */
  skipBom?: boolean;
}

// Frame kinds: a generic object or array, and the three special columns.
const K_OBJECT = 0;
const K_ARRAY = 1;
const K_NUMS = 2;
const K_STRINGS = 3;
const K_FELDERA = 4;

// Parser states.
const S_VALUE = 0;
const S_AFTER = 1;
const S_KEY = 2;
const S_FIRST_KEY = 3;
const S_END = 4;

/** One open container. One class (one shape) for all kinds, for fast property access. */
class Frame {
  obj: Record<string, unknown> | undefined = undefined;
  arr: unknown[] | undefined = undefined;
  /** Object: the key whose value is being read (hasKey), and its "length" property if read (a column's size). */
  key = '';
  hasKey = false;
  length = 0;
  /** Array kinds: elements done (K_NUMS: before the current run's; K_FELDERA: all). */
  index = 0;
  /** Top-level object: what the current key is for (KEEP, SKIP, STREAM); array: STREAM if its elements are streamed. */
  mode = KEEP;
  /** A streamed array's key. */
  streamKey = '';
  strings: ByteStrings | undefined = undefined;
  names: Int32Array | undefined = undefined;
  others: Map<number, unknown> | undefined = undefined;
  /** Special kinds: an element was read, a separator comes next. */
  after = false;
  /** K_FELDERA: the current element is not a FelderaMarker and is read as a generic value. */
  generic = false;
  /** K_NUMS: reading doubles (an element was no int32). */
  doubles = false;
  /** K_STRINGS: how much of the current string was scanned before its bytes ran out, and its flags so far. */
  scanned = 0;
  scanFlags = 0;

  constructor(
    public kind: number,
    /** Whether values are built (false inside a skipped property: only checked). */
    readonly keep: boolean,
    readonly root: boolean,
  ) {}
}

/** Marks a streamed array's value (its elements went to the sink). */
const STREAMED: unique symbol = Symbol('streamed');

/** How many bytes of the next chunk a token cut by a chunk's end is first finished in (see push). */
const BRIDGE = 4096;

const EMPTY = Buffer.alloc(0);

/**
 * Parses `bytes[start..end)` as one JSON value. Numeric columns (arrays of numbers and nulls, at least one element,
 * not the top-level value) become typed arrays; everything else is as JSON.parse makes it. Throws JsonBytesError.
 */
export function parseJsonBytes(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  const p = new JsonStreamParser();
  p.push(bytes.subarray(start, end));
  return p.end();
}

/**
 * The streaming parser. push() the text's bytes in pieces of any size (a piece is not copied, but must not change
 * afterwards), then end(), which returns the value (with a sink: what is left of it). Throws JsonBytesError.
 */
export class JsonStreamParser {
  /** The bytes being parsed: buf[pos, end); buf[0] is byte `base` of the text. */
  private buf: Uint8Array = EMPTY;
  private view: Buffer = EMPTY;
  private dv: DataView = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
  /** Where the next backslash is in buf, from some point on (-1: not looked for; `limit`: none). */
  private backslash = -1;
  private pos = 0;
  private limit = 0;
  private base = 0;
  private final = false;
  private state = S_VALUE;
  private readonly stack: Frame[] = [];
  private top: Frame | undefined = undefined;
  private done = false;
  private value_: unknown = undefined;
  private started = false;
  private bomPending: boolean;
  private head: Buffer = EMPTY;
  /** Scratch for the numeric column being read; grows and is reused (one column is read at a time). */
  private scratch: Int32Array = new Int32Array(1 << 16);
  private ints: Int32Array = this.scratch;
  private doubles = new Float64Array(1024);
  /** Elements of the current numeric column read so far. */
  private n = 0;
  private readonly sink: JsonSink | undefined;
  private readonly totalBytes: number;

  constructor(opts: ParserOptions = {}) {
    this.sink = opts.sink;
    this.totalBytes = opts.totalBytes ?? 0;
    this.bomPending = opts.skipBom ?? false;
  }

  /** Bytes of the text parsed so far. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Where in the document the parser is (e.g. `threads[3].markers.data[17]`), for messages. */
  get path(): string {
    let s = '';
    for (const f of this.stack) {
      if (f.kind === K_OBJECT) {
        if (!f.hasKey) break;
        s += /^[A-Za-z_$][\w$]*$/.test(f.key) ? (s ? `.${f.key}` : f.key) : `[${JSON.stringify(f.key)}]`;
      } else {
        const i =
          f.kind === K_NUMS
            ? f.index + this.n
            : f.kind === K_STRINGS
              ? (f.strings?.length ?? 0)
              : f.kind === K_FELDERA && f.names
                ? f.index
                : f.index;
        s += `[${i}]`;
      }
    }
    return s;
  }

  /** More bytes of the text. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.bomPending) {
      // Wait for three bytes to see whether the text starts with a byte-order mark.
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 3) return;
      chunk = this.head;
      this.head = EMPTY;
      this.bomPending = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        this.base = 3;
        chunk = chunk.subarray(3);
        if (chunk.length === 0) return;
      }
    }
    if (this.pos >= this.limit) {
      this.base += this.limit;
      this.setBuffer(chunk, 0);
      this.run();
      return;
    }
    // A token was cut by the last chunk's end: finish it in a small bridge (what is left plus the first bytes of this
    // chunk), then go on in this chunk itself, so that no chunk is copied whole.
    let left = this.view.subarray(this.pos, this.limit);
    let take = Math.min(chunk.length, Math.max(BRIDGE, left.length));
    for (;;) {
      const bridge = Buffer.allocUnsafe(left.length + take);
      left.copy(bridge, 0);
      bridge.set(chunk.subarray(0, take), left.length);
      this.base += this.pos;
      this.setBuffer(bridge, 0);
      this.run();
      if (this.pos >= left.length) {
        this.base += left.length;
        this.setBuffer(chunk, this.pos - left.length);
        this.run();
        return;
      }
      if (take === chunk.length) return;
      left = bridge.subarray(this.pos, left.length);
      take = Math.min(chunk.length, take * 4);
    }
  }

  /** The end of the text: returns the value (with a sink, what it did not take). */
  end(): unknown {
    if (this.bomPending) {
      this.bomPending = false;
      const head = this.head;
      this.head = EMPTY;
      if (head.length) this.push(head);
    }
    this.final = true;
    this.run();
    if (!this.done) this.fail('Unexpected end of JSON');
    return this.value_;
  }

  private setBuffer(buf: Uint8Array, pos: number): void {
    this.buf = buf;
    this.view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.pos = pos;
    this.limit = buf.length;
    this.backslash = -1;
  }

  private fail(reason: string): never {
    throw new JsonBytesError(reason, this.base + this.pos, this.path);
  }

  /** What is at pos, for a message: `"x"`, `byte 0xff`, or `the end of the text`. */
  private found(): string {
    if (this.pos >= this.limit) return 'the end of the text';
    const c = this.buf[this.pos];
    return c >= 0x20 && c < 0x7f ? JSON.stringify(String.fromCharCode(c)) : `byte 0x${c.toString(16).padStart(2, '0')}`;
  }

  /** Out of bytes in the middle of something: an error at the real end, else wait for more (false). */
  private more(): boolean {
    if (this.final) this.fail('Unexpected end of JSON');
    return false;
  }

  private run(): void {
    while (!this.done) {
      const f = this.top;
      let going: boolean;
      switch (this.state) {
        case S_VALUE:
          going = f !== undefined && f.kind >= K_NUMS && !f.generic ? this.column(f) : this.valueStart(f);
          break;
        case S_AFTER:
          going = this.afterValue(f as Frame);
          break;
        case S_KEY:
        case S_FIRST_KEY:
          going = this.key(f as Frame);
          break;
        default:
          going = this.documentEnd();
      }
      if (!going) return;
    }
  }

  private documentEnd(): boolean {
    this.skipWs();
    if (this.pos < this.limit) this.fail(`Unexpected data after the JSON value (${this.found()})`);
    if (this.final) this.done = true;
    return false;
  }

  private skipWs(): number {
    const buf = this.buf;
    const end = this.limit;
    let pos = this.pos;
    let c = pos < end ? buf[pos] : -1;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
    this.pos = pos;
    return c;
  }

  /** The next structural character consumed, or -1 when the bytes so far end first. */
  private punctNow(): number {
    const c = this.skipWs();
    if (c >= 0) this.pos++;
    return c;
  }

  private push_(f: Frame): void {
    this.stack.push(f);
    this.top = f;
  }

  private pop(): Frame {
    const f = this.stack.pop() as Frame;
    this.top = this.stack.length ? this.stack[this.stack.length - 1] : undefined;
    return f;
  }

  /** A value starts (at pos, after whitespace) in frame f (undefined: the top level). */
  private valueStart(f: Frame | undefined): boolean {
    const c = this.skipWs();
    if (c < 0) return this.more();
    if (f === undefined && !this.started) {
      this.started = true;
      this.sink?.start(c);
    }
    const keep = f === undefined ? true : f.keep && f.mode !== SKIP;
    if (c === LBRACE) {
      this.pos++;
      const o = new Frame(K_OBJECT, keep, f === undefined && this.sink !== undefined);
      if (keep && !o.root) o.obj = {};
      this.push_(o);
      this.state = S_FIRST_KEY;
      return true;
    }
    if (c === LBRACKET) return this.arrayStart(f, keep);
    const v = c === QUOTE ? this.string() : this.scalar(c);
    if (v === MORE) return this.more();
    this.deliver(v);
    return true;
  }

  /** An array starts at pos: which kind it is depends on its first element (and its key). */
  private arrayStart(f: Frame | undefined, keep: boolean): boolean {
    const at = this.pos;
    this.pos++;
    const d = this.skipWs();
    if (d < 0) {
      this.pos = at;
      return this.more();
    }
    if (d === RBRACKET) {
      this.pos++;
      this.deliver(keep ? [] : undefined);
      return true;
    }
    const stream = f !== undefined && f.root && f.mode === STREAM;
    const key = f !== undefined && f.kind === K_OBJECT ? f.key : '';
    if (!stream) {
      if (d === MINUS || (d >= ZERO && d <= NINE) || d === LOWER_N) {
        const a = new Frame(K_NUMS, keep, false);
        this.n = 0;
        // A big column of a known length: read it straight into its own array. (Each element takes at least two
        // bytes, which bounds a wrong length.)
        const hint = f !== undefined && f.kind === K_OBJECT ? f.length : 0;
        const bound = this.totalBytes > 0 ? (this.totalBytes - this.base - this.pos) / 2 : 1 << 24;
        if (keep && hint >= 4096 && hint <= bound) this.ints = new Int32Array(hint);
        this.push_(a);
        return true;
      }
      if (d === QUOTE && key === 'stringArray' && keep) {
        const a = new Frame(K_STRINGS, keep, false);
        a.strings = new ByteStrings();
        this.push_(a);
        return true;
      }
      if (d === LBRACE && key === 'data' && keep) {
        const first = this.felderaElement();
        if (first === NEED_MORE) {
          this.pos = at;
          return false;
        }
        if (first !== NOT_FELDERA) {
          const a = new Frame(K_FELDERA, keep, false);
          const hint = f !== undefined && f.kind === K_OBJECT ? f.length : 0;
          const bound = this.totalBytes > 0 ? (this.totalBytes - this.base - this.pos) / 8 : 1 << 22;
          a.names = new Int32Array(hint > 0 && hint <= bound ? hint : 1024);
          a.others = new Map();
          a.names[0] = first;
          a.index = 1;
          a.after = true;
          this.push_(a);
          return true;
        }
      }
    }
    const a = new Frame(K_ARRAY, keep, false);
    if (stream) {
      a.mode = STREAM;
      a.streamKey = key;
    } else if (keep) {
      a.arr = [];
    }
    this.push_(a);
    this.state = S_VALUE;
    return true;
  }

  /** A complete value, handed to the container it is in (or the top level). */
  private deliver(v: unknown): void {
    const f = this.top;
    if (f === undefined) {
      // Typed arrays only as columns inside the document: a top-level array stays an Array.
      this.value_ =
        v instanceof Int32Array || v instanceof Float64Array ? Array.from(v, (x) => (x === x ? x : null)) : v;
      this.state = S_END;
      return;
    }
    switch (f.kind) {
      case K_OBJECT: {
        const key = f.key;
        if (f.root) {
          if (f.mode !== SKIP && v !== STREAMED) this.sink?.rootValue(key, v);
        } else if (f.obj !== undefined) {
          if (key === 'length' && typeof v === 'number' && v > 0 && v === Math.floor(v)) f.length = v;
          if (key === '__proto__') {
            Object.defineProperty(f.obj, key, { value: v, writable: true, enumerable: true, configurable: true });
          } else {
            f.obj[key] = v;
          }
        }
        f.hasKey = false;
        this.state = S_AFTER;
        return;
      }
      case K_ARRAY:
        if (f.mode === STREAM) this.sink?.element(f.streamKey, f.index, v);
        else f.arr?.push(v);
        f.index++;
        this.state = S_AFTER;
        return;
      default: {
        // K_FELDERA: an element that is not a FelderaMarker.
        let names = f.names as Int32Array;
        if (f.index === names.length) {
          names = growInt32(names, names.length * 2);
          f.names = names;
        }
        f.others?.set(f.index, v);
        names[f.index++] = -1;
        f.generic = false;
        f.after = true;
        this.state = S_VALUE;
      }
    }
  }

  /** A container ends: its value goes to the one it is in. */
  private closeTop(): void {
    const f = this.pop();
    let v: unknown;
    switch (f.kind) {
      case K_OBJECT:
        v = f.obj;
        break;
      case K_ARRAY:
        if (f.mode === STREAM) {
          this.sink?.streamEnd(f.streamKey, f.index);
          v = STREAMED;
        } else {
          v = f.arr;
        }
        break;
      case K_STRINGS:
        v = f.strings;
        break;
      default: {
        const names = f.names as Int32Array;
        v = new FelderaDataColumn(names.length === f.index ? names : names.slice(0, f.index), f.others ?? new Map());
      }
    }
    this.deliver(v);
  }

  /** After a value in a generic object or array: a separator or the end. */
  private afterValue(f: Frame): boolean {
    const c = this.punctNow();
    if (c < 0) return this.more();
    if (f.kind === K_OBJECT) {
      if (c === COMMA) {
        this.state = S_KEY;
        return true;
      }
      if (c === RBRACE) {
        this.closeTop();
        return true;
      }
      this.pos--;
      return this.fail(`Expected "," or "}" but found ${this.found()}`);
    }
    if (c === COMMA) {
      this.state = S_VALUE;
      return true;
    }
    if (c === RBRACKET) {
      this.closeTop();
      return true;
    }
    this.pos--;
    return this.fail(`Expected "," or "]" but found ${this.found()}`);
  }

  /** A property name and its colon (or, first in an object, its end). */
  private key(f: Frame): boolean {
    const at = this.pos;
    const c = this.skipWs();
    if (c < 0) return this.more();
    if (c === RBRACE && this.state === S_FIRST_KEY) {
      this.pos++;
      this.closeTop();
      return true;
    }
    if (c !== QUOTE) return this.fail(`Expected a property name but found ${this.found()}`);
    const k = this.string();
    if (k === MORE) {
      this.pos = at;
      return this.more();
    }
    const d = this.skipWs();
    if (d < 0) {
      this.pos = at;
      return this.more();
    }
    if (d !== COLON) return this.fail(`Expected ":" but found ${this.found()}`);
    this.pos++;
    f.key = k;
    f.hasKey = true;
    if (f.root) f.mode = this.sink ? this.sink.rootKey(k) : KEEP;
    this.state = S_VALUE;
    return true;
  }

  /** The special columns, at an element (or, with `after`, a separator). */
  private column(f: Frame): boolean {
    if (f.kind === K_NUMS) return this.numbers(f);
    if (f.kind === K_STRINGS) return this.stringTable(f);
    return this.felderaColumn(f);
  }

  /**
   * An array that starts with a number or null: first read as int32s (the common case, kept in an Int32Array); from
   * the first element that is not one, as doubles (NaN for null); and if a non-numeric element turns up, as a
   * generic array from there on.
   */
  private numbers(f: Frame): boolean {
    if (!f.doubles) {
      const r = this.intRun();
      if (r === Run.Done) {
        const out = this.ints;
        const n = this.n;
        this.ints = this.scratch;
        this.n = 0;
        this.pop();
        this.deliver(f.keep ? (out.length === n ? out : out.slice(0, n)) : undefined);
        return true;
      }
      if (r === Run.More) {
        if (!f.keep && this.n > 65536) {
          f.index += this.n;
          this.n = 0;
        }
        return false;
      }
      // An element that is not an int32: go on as doubles (into an array of the column's size, when it is known).
      const n = this.n;
      const ints = this.ints;
      const sized = ints !== this.scratch;
      if (sized) {
        this.ints = this.scratch;
      } else if (ints.length > 1 << 20) {
        this.scratch = this.ints = new Int32Array(1 << 16);
      }
      let doubles = this.doubles;
      if (sized && ints.length >= n) {
        doubles = new Float64Array(ints.length);
        this.doubles = doubles;
      } else if (doubles.length < 2 * n) {
        doubles = new Float64Array(2 * n);
        this.doubles = doubles;
      }
      for (let k = 0; k < n; k++) doubles[k] = ints[k];
      f.doubles = true;
    }
    const r = this.doubleRun();
    if (r === Run.Done) {
      const n = this.n;
      this.n = 0;
      this.pop();
      const out = this.doubles;
      if (out.length === n || out.length > 1 << 20) this.doubles = new Float64Array(1024);
      this.deliver(f.keep ? (out.length === n ? out : out.slice(0, n)) : undefined);
      return true;
    }
    if (r === Run.More) {
      if (!f.keep && this.n > 65536) {
        f.index += this.n;
        this.n = 0;
      }
      return false;
    }
    // Not a number: the array is mixed. Keep what was read (NaN stood for null) and go on generically.
    const n = this.n;
    this.n = 0;
    if (f.keep) {
      const out: unknown[] = new Array<unknown>(n);
      const doubles = this.doubles;
      for (let k = 0; k < n; k++) {
        const x = doubles[k];
        out[k] = x === x ? x : null;
      }
      f.arr = out;
    }
    f.index += n;
    f.kind = K_ARRAY;
    this.state = S_VALUE;
    return true;
  }

  /** Reads int32 elements into `ints` until the array ends, the bytes run out, or an element is no int32. */
  private intRun(): Run {
    const buf = this.buf;
    const end = this.limit;
    let ints = this.ints;
    let n = this.n;
    let pos = this.pos;
    let r: Run;
    for (;;) {
      if (n === ints.length) {
        ints = growInt32(ints, ints.length * 2);
        if (this.ints === this.scratch) this.scratch = ints;
        this.ints = ints;
      }
      if (pos + 12 <= end) {
        // The common case, far from the end of the bytes so without bounds checks: 1 to 9 digits, no
        // sign, no leading zero, no whitespace, then "," or "]". Anything else takes the path below.
        let p = pos;
        let d = buf[p] - ZERO;
        let v = -1; // no digit
        if ((d - 1) >>> 0 < 9) {
          v = d;
          d = buf[++p] - ZERO;
          while (d >>> 0 < 10 && p - pos < 9) {
            v = v * 10 + d;
            d = buf[++p] - ZERO;
          }
        } else if (d === 0) {
          v = 0;
          d = buf[++p] - ZERO;
        }
        if (d === COMMA - ZERO && v >= 0) {
          ints[n++] = v;
          pos = p + 1;
          continue;
        }
        if (d === RBRACKET - ZERO && v >= 0) {
          ints[n++] = v;
          pos = p + 1;
          r = Run.Done;
          break;
        }
      }
      const at = pos;
      let c = pos < end ? buf[pos] : -1;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
      const neg = c === MINUS;
      if (neg) c = ++pos < end ? buf[pos] : -1;
      if (!(c >= ZERO && c <= NINE)) {
        pos = at;
        r = c < 0 && !this.final ? Run.More : Run.Switch;
        break;
      }
      const from = pos;
      let v = c - ZERO;
      c = ++pos < end ? buf[pos] : -1;
      // At most 9 digits, so that v stays a small integer; longer numbers take the general path.
      while (c >= ZERO && c <= NINE && pos - from < 9) {
        v = v * 10 + (c - ZERO);
        c = ++pos < end ? buf[pos] : -1;
      }
      // -0, and a leading zero (an error), are for the general path.
      const odd = (buf[from] === ZERO && pos - from > 1) || (neg && v === 0);
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
      if ((c === COMMA || c === RBRACKET) && !odd) {
        ints[n++] = neg ? -v : v;
        pos++;
        if (c === RBRACKET) {
          r = Run.Done;
          break;
        }
        continue;
      }
      pos = at;
      // Out of bytes mid-element: wait for more. Anything else (a longer number, a fraction, a bad
      // character) is for the general path to read or report.
      r = c < 0 && !this.final ? Run.More : Run.Switch;
      break;
    }
    this.n = n;
    this.pos = pos;
    return r;
  }

  /** Reads elements as doubles into `doubles` until the array ends, the bytes run out, or one is no number. */
  private doubleRun(): Run {
    const buf = this.buf;
    const end = this.limit;
    let doubles = this.doubles;
    let n = this.n;
    let pos = this.pos;
    let r: Run;
    for (;;) {
      if (n === doubles.length) {
        const bigger = new Float64Array(doubles.length * 2);
        bigger.set(doubles);
        doubles = bigger;
        this.doubles = doubles;
      }
      if (pos + 40 <= end) {
        // The common case, far from the end of the bytes: [-]digits[.digits] then "," or "]", 15 significant digits
        // at most, read as number() reads it. Anything else takes the path below.
        // d is the byte minus "0": a digit when (d >>> 0) < 10 (one comparison); lim keeps the loops in the bytes.
        const lim = pos + 39;
        let p = pos;
        let d = buf[p] - ZERO;
        const neg = d === MINUS - ZERO;
        if (neg) d = buf[++p] - ZERO;
        const first = p;
        let v = 0;
        if (d === 0) {
          d = buf[++p] - ZERO;
        } else {
          while (d >>> 0 < 10 && p < lim) {
            v = v * 10 + d;
            d = buf[++p] - ZERO;
          }
        }
        let digits = p - first;
        let k = 0;
        if (d === DOT - ZERO && digits > 0) {
          const fraction = ++p;
          d = buf[p] - ZERO;
          while (d >>> 0 < 10 && p < lim) {
            v = v * 10 + d;
            d = buf[++p] - ZERO;
          }
          k = p - fraction;
          digits = k === 0 ? 99 : digits + k;
        }
        const c = d + ZERO;
        if ((c === COMMA || c === RBRACKET) && digits > 0 && digits <= 15 && k <= 22 && p < lim) {
          if (k > 0) v /= POW10[k];
          doubles[n++] = neg ? -v : v;
          pos = p + 1;
          if (c === RBRACKET) {
            r = Run.Done;
            break;
          }
          continue;
        }
      }
      const at = pos;
      let c = pos < end ? buf[pos] : -1;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
      let v: number | More;
      if (c === MINUS || (c >= ZERO && c <= NINE)) {
        this.pos = pos;
        this.n = n; // for the path in an error's message
        v = this.number();
        pos = this.pos;
      } else if (c === LOWER_N) {
        this.pos = pos;
        this.n = n;
        const x = this.literal('null', null);
        pos = this.pos;
        v = x === MORE ? MORE : NaN;
      } else {
        pos = at;
        r = c < 0 && !this.final ? Run.More : Run.Switch;
        break;
      }
      if (v === MORE) {
        pos = at;
        r = Run.More;
        break;
      }
      c = pos < end ? buf[pos] : -1;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
      if (c === COMMA || c === RBRACKET) {
        doubles[n++] = v;
        pos++;
        if (c === RBRACKET) {
          r = Run.Done;
          break;
        }
        continue;
      }
      if (c < 0) {
        pos = at;
        this.n = n;
        this.pos = pos;
        if (this.final) this.fail('Unexpected end of JSON');
        r = Run.More;
        break;
      }
      this.n = n;
      this.pos = pos;
      this.fail(`Expected "," or "]" but found ${this.found()}`);
    }
    this.n = n;
    this.pos = pos;
    return r;
  }

  /**
   * A string table (at an element; with `after`, at the separator after one): each string kept in the table (see
   * ByteStrings). The closing quote is found natively (Buffer.indexOf), and so is the next backslash (cached), so a
   * string without escapes costs no loop here. An element that is not a string turns it into a plain array of the
   * strings so far.
   */
  private stringTable(f: Frame): boolean {
    const t = f.strings as ByteStrings;
    const view = this.view;
    const stop = this.limit;
    for (;;) {
      if (f.after) {
        const d = this.punctNow();
        if (d < 0) return this.more();
        if (d === RBRACKET) {
          this.closeTop();
          return true;
        }
        if (d !== COMMA) {
          this.pos--;
          this.fail(`Expected "," or "]" but found ${this.found()}`);
        }
        f.after = false;
      }
      const c = this.skipWs();
      if (c < 0) return this.more();
      if (c !== QUOTE) {
        // Not a string table after all: the strings so far, then the rest element by element.
        f.arr = t.toArray();
        f.index = t.length;
        f.strings = undefined;
        f.kind = K_ARRAY;
        this.state = S_VALUE;
        return true;
      }
      const start = this.pos + 1;
      const q = view.indexOf(QUOTE, start + f.scanned);
      if (q < 0) {
        if (this.final) {
          this.pos = stop;
          this.fail('Unterminated string');
        }
        f.scanned = stop - start;
        return false;
      }
      if (this.backslash < start) {
        this.backslash = view.indexOf(BACKSLASH, start);
        if (this.backslash < 0) this.backslash = stop;
      }
      if (this.backslash < q) {
        if (!this.escapedString(t)) return false;
      } else {
        if (!t.addUnescaped(view, this.dv, start, q)) this.fail('Bad string (a control character)');
        this.pos = q + 1;
      }
      f.scanned = 0;
      f.after = true;
    }
  }

  /** A string of the table that holds a backslash: scanned byte by byte, checked by JSON.parse. False: bytes ran out. */
  private escapedString(t: ByteStrings): boolean {
    const buf = this.buf;
    const stop = this.limit;
    const start = this.pos + 1;
    let p = start;
    let high = false;
    while (p < stop) {
      const k = BYTE_CLASS[buf[p]];
      if (k === CLOSE) break;
      if (k === HIGH) high = true;
      p += k === ESCAPE ? 2 : 1;
    }
    if (p >= stop) {
      if (this.final) {
        this.pos = stop;
        this.fail('Unterminated string');
      }
      return false;
    }
    try {
      JSON.parse(this.view.toString('utf8', this.pos, p + 1));
    } catch {
      this.fail('Bad string (an invalid escape or a control character)');
    }
    t.addEscaped(this.view, start, p, high);
    this.pos = p + 1;
    return true;
  }

  /** A marker data column of FelderaMarker objects: each into `names`; anything else is read generically. */
  private felderaColumn(f: Frame): boolean {
    for (;;) {
      if (f.after) this.felderaRun(f);
      if (f.after) {
        const d = this.punctNow();
        if (d < 0) return this.more();
        if (d === RBRACKET) {
          this.closeTop();
          return true;
        }
        if (d !== COMMA) {
          this.pos--;
          this.fail(`Expected "," or "]" but found ${this.found()}`);
        }
        f.after = false;
      }
      if (this.skipWs() < 0) return this.more();
      const name = this.felderaElement();
      if (name === NEED_MORE) return false;
      if (name === NOT_FELDERA) {
        f.generic = true;
        return true;
      }
      let names = f.names as Int32Array;
      if (f.index === names.length) {
        names = growInt32(names, names.length * 2);
        f.names = names;
      }
      names[f.index++] = name;
      f.after = true;
    }
  }

  /**
   * The common case in one loop, far from the end of the bytes: `,` then an element exactly as Feldera writes it,
   * again and again (stops before anything else, which the caller handles).
   */
  private felderaRun(f: Frame): void {
    const buf = this.buf;
    const dv = this.dv;
    const end = this.limit - 45;
    let names = f.names as Int32Array;
    let n = f.index;
    let at = this.pos;
    while (at < end && buf[at] === COMMA) {
      const h = at + 1;
      if (
        dv.getInt32(h, true) !== HEAD_W[0] ||
        dv.getInt32(h + 4, true) !== HEAD_W[1] ||
        dv.getInt32(h + 8, true) !== HEAD_W[2] ||
        dv.getInt32(h + 12, true) !== HEAD_W[3] ||
        dv.getInt32(h + 16, true) !== HEAD_W[4] ||
        dv.getInt32(h + 20, true) !== HEAD_W[5] ||
        dv.getInt32(h + 24, true) !== HEAD_W[6] ||
        dv.getUint16(h + 28, true) !== HEAD_H7 ||
        buf[h + 30] !== HEAD_B8
      ) {
        break;
      }
      let p = h + 31;
      let c = buf[p];
      if (c < ZERO || c > NINE || (c === ZERO && buf[p + 1] !== RBRACE)) break;
      let v = 0;
      while (c >= ZERO && c <= NINE) {
        v = v * 10 + (c - ZERO);
        c = buf[++p];
      }
      if (c !== RBRACE || p - h > 40) break;
      if (n === names.length) {
        names = growInt32(names, names.length * 2);
        f.names = names;
      }
      names[n++] = v;
      at = p + 1;
    }
    f.index = n;
    this.pos = at;
  }

  /**
   * At `pos` (no whitespace before): a FelderaMarker object exactly as written by Feldera, `{"type":
   * "FelderaMarker","name":<int>}` (or with `name` first), without spaces and with a name of 1 to 9 digits: its name
   * index, past the object. NOT_FELDERA if it is anything else (pos unchanged), NEED_MORE if the bytes so far end
   * inside it.
   */
  private felderaElement(): number {
    const buf = this.buf;
    const end = this.limit;
    const at = this.pos;
    const typeFirst = buf[at + 2] === 0x74; /* t */
    if (typeFirst && at + 44 <= end) {
      // Feldera's own form, far from the end of the bytes: the 31-byte head compared 4 bytes at a time.
      const dv = this.dv;
      if (
        dv.getInt32(at, true) !== HEAD_W[0] ||
        dv.getInt32(at + 4, true) !== HEAD_W[1] ||
        dv.getInt32(at + 8, true) !== HEAD_W[2] ||
        dv.getInt32(at + 12, true) !== HEAD_W[3] ||
        dv.getInt32(at + 16, true) !== HEAD_W[4] ||
        dv.getInt32(at + 20, true) !== HEAD_W[5] ||
        dv.getInt32(at + 24, true) !== HEAD_W[6] ||
        dv.getUint16(at + 28, true) !== HEAD_H7 ||
        buf[at + 30] !== HEAD_B8
      ) {
        return NOT_FELDERA;
      }
      let p = at + 31;
      let c = buf[p];
      if (c < ZERO || c > NINE || (c === ZERO && buf[p + 1] !== RBRACE)) return NOT_FELDERA;
      let v = 0;
      while (c >= ZERO && c <= NINE) {
        v = v * 10 + (c - ZERO);
        c = buf[++p];
      }
      if (c !== RBRACE || p - at > 40) return NOT_FELDERA;
      this.pos = p + 1;
      return v;
    }
    const head = typeFirst ? FELDERA_TYPE_FIRST : FELDERA_NAME_FIRST;
    let p = at;
    for (let k = 0; k < head.length; k++, p++) {
      if (p >= end) return this.final ? NOT_FELDERA : NEED_MORE;
      if (buf[p] !== head[k]) return NOT_FELDERA;
    }
    const from = p;
    let v = 0;
    while (p < end && buf[p] >= ZERO && buf[p] <= NINE && p - from < 10) v = v * 10 + (buf[p++] - ZERO);
    if (p >= end) return this.final ? NOT_FELDERA : NEED_MORE;
    const digits = p - from;
    if (digits === 0 || digits > 9 || (digits > 1 && buf[from] === ZERO)) return NOT_FELDERA;
    const tail = typeFirst ? RBRACE_BYTES : FELDERA_NAME_FIRST_TAIL;
    for (let k = 0; k < tail.length; k++, p++) {
      if (p >= end) return this.final ? NOT_FELDERA : NEED_MORE;
      if (buf[p] !== tail[k]) return NOT_FELDERA;
    }
    this.pos = p;
    return v;
  }

  /** A number or literal starting with `c`, or MORE if it may go on past the bytes so far. */
  private scalar(c: number): unknown {
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === LOWER_N) return this.literal('null', null);
    return this.fail(`Unexpected ${this.found()}`);
  }

  private literal<T>(word: string, v: T): T | More {
    const buf = this.buf;
    const pos = this.pos;
    for (let i = 0; i < word.length; i++) {
      if (pos + i >= this.limit) return this.final ? this.fail('Unexpected end of JSON') : MORE;
      if (buf[pos + i] !== word.charCodeAt(i)) {
        this.pos = pos + i;
        this.fail(`Unexpected ${this.found()} (expected ${word})`);
      }
    }
    this.pos = pos + word.length;
    return v;
  }

  /**
   * A number: integers of up to 15 digits, and decimals of up to 15 significant digits and 22 decimals, inline;
   * anything else through JSON.parse of its token. A decimal is its digits as an integer M (exact: M < 2^53) divided
   * by 10^k (exact for k ≤ 22): one correctly rounded division, so the same double JSON.parse gives.
   */
  private number(): number | More {
    const buf = this.buf;
    const end = this.limit;
    const from = this.pos;
    let pos = from;
    let c = buf[pos];
    const neg = c === MINUS;
    if (neg) c = ++pos < end ? buf[pos] : -1;
    const first = pos;
    if (c >= ZERO && c <= NINE) {
      let v = c - ZERO;
      c = ++pos < end ? buf[pos] : -1;
      // A leading zero stands alone ("0", "0.5"); "01" is for JSON.parse to refuse.
      if (v !== 0) {
        while (c >= ZERO && c <= NINE) {
          v = v * 10 + (c - ZERO);
          c = ++pos < end ? buf[pos] : -1;
        }
      }
      let digits = pos - first;
      if (c === DOT) {
        c = ++pos < end ? buf[pos] : -1;
        const fraction = pos;
        while (c >= ZERO && c <= NINE) {
          v = v * 10 + (c - ZERO);
          c = ++pos < end ? buf[pos] : -1;
        }
        const k = pos - fraction;
        digits += k;
        // (A sign or a dot after it makes the whole token a bad number, reported as one by numberToken.)
        if (k > 0 && k <= 22 && c >= 0 && !numberByte(c) && digits <= 15) {
          this.pos = pos;
          v /= POW10[k];
          return neg ? -v : v;
        }
      } else if (c >= 0 && !numberByte(c) && digits <= 15) {
        this.pos = pos;
        return neg ? -v : v;
      }
    }
    return this.numberToken(from);
  }

  /** A number token, through JSON.parse (which checks its grammar). */
  private numberToken(from: number): number | More {
    const buf = this.buf;
    let pos = from;
    for (;;) {
      const c = pos < this.limit ? buf[pos] : -1;
      if ((c >= ZERO && c <= NINE) || c === MINUS || c === PLUS || c === DOT || c === LOWER_E || c === UPPER_E) pos++;
      else if (c < 0 && !this.final) return MORE;
      else break;
    }
    const token = this.view.toString('latin1', from, Math.min(pos, from + 40));
    let v: unknown;
    try {
      v = pos - from > 40 ? JSON.parse(this.view.toString('latin1', from, pos)) : JSON.parse(token);
    } catch {
      this.pos = from;
      return this.fail(`Bad number ${JSON.stringify(token)}${pos - from > 40 ? '…' : ''}`);
    }
    if (typeof v !== 'number') {
      this.pos = from;
      return this.fail(`Bad number ${JSON.stringify(token)}`);
    }
    this.pos = pos;
    return v;
  }

  /** A string (at its opening quote), or MORE if its end has not arrived yet. */
  private string(): string | More {
    const buf = this.buf;
    const end = this.limit;
    const from = this.pos + 1;
    let pos = from;
    let escaped = false;
    let ascii = true;
    for (;;) {
      if (pos >= end) {
        if (this.final) {
          this.pos = end;
          this.fail('Unterminated string');
        }
        return MORE;
      }
      const c = buf[pos];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        pos += 2;
        continue;
      }
      if (c < 0x20) escaped = true;
      else if (c >= 0x80) ascii = false;
      pos++;
    }
    this.pos = pos + 1;
    // Buffer's own decoders (what buf.toString uses), so strings decode exactly as in the text path: its quotes
    // are ASCII, so decoding the string alone gives what decoding the whole text gives for it.
    if (!escaped) return this.view.toString(ascii ? 'latin1' : 'utf8', from, pos);
    let v: unknown;
    try {
      v = JSON.parse(this.view.toString('utf8', from - 1, pos + 1));
    } catch {
      this.pos = from - 1;
      return this.fail('Bad string (an invalid escape or a control character)');
    }
    return v as string;
  }
}

/** A byte that can be part of a number token. */
function numberByte(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === DOT || c === MINUS || c === PLUS || c === LOWER_E || c === UPPER_E;
}

function growInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * The incremental form the tests (and older callers) use: feed it a buffer each time more bytes have arrived (the same
 * buffer, or a bigger copy of it), bytes [start, available) being the text so far; after the final feed, `result()`
 * is the value.
 */
export class JsonBytesParser {
  private readonly parser: JsonStreamParser;
  private fed: number;
  private done = false;
  private value_: unknown;

  constructor(start = 0, totalBytes = 0) {
    this.fed = start;
    this.parser = new JsonStreamParser({ totalBytes: totalBytes > 0 ? totalBytes - start : 0 });
  }

  /** More bytes: `buf[..available)` (`final`: that is all). Returns true once the value is complete. */
  feed(buf: Uint8Array, available: number, final: boolean): boolean {
    if (this.done) return true;
    if (available > buf.length || available < this.fed) throw new RangeError('JsonBytesParser: bad feed');
    if (available > this.fed) {
      // A copy: the caller may reuse the buffer's room past `available`, which the parser may still look at.
      this.parser.push(Buffer.from(buf.subarray(this.fed, available)));
      this.fed = available;
    }
    if (final) {
      this.value_ = this.parser.end();
      this.done = true;
    }
    return this.done;
  }

  result(): unknown {
    if (!this.done) throw new JsonBytesError('The JSON is not complete', this.parser.offset, this.parser.path);
    return this.value_;
  }
}
