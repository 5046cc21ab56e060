// FROZEN COPY of src/profile/jsonBytes.ts as it was before the streaming reader (main 8b35e4a): the property tests' oracle
// for today's path (buffer the text, parse it, build the model). Do not edit; do not import from src.
// A JSON parser that reads UTF-8 bytes directly, for profiles: it gives what JSON.parse gives, except that
// an array inside the document holding only numbers and nulls comes back as a typed array (Int32Array
// when every element is an int32, else Float64Array with NaN for null). A samply profile is mostly such
// columns, so this skips decoding ~200 MiB of text to a string and building arrays of millions of JS
// values. It is incremental: it can be fed the bytes as they are decompressed, so that parsing overlaps
// gunzip (which runs on another thread).
//
// Two more shapes: a `stringArray` (the profile's string table) comes back as ByteStrings: its strings' UTF-8
// bytes in one buffer, decoded only when asked for (a Feldera profile has millions of strings, one tooltip per
// operator evaluation, which the marker reader scans as bytes and never needs as JS strings). And a marker table's
// `data` column whose elements are `{"type":"FelderaMarker","name":<int>}` (Feldera
// writes one per operator evaluation, millions of them) comes back as a FelderaDataColumn: the name indexes in an
// Int32Array, and any other element kept aside as JSON.parse makes it. No object per marker.
//
// It is a fast path, not a validator of record: on anything it does not take (invalid JSON, nesting too
// deep for the JS stack), it throws, and the caller falls back to JSON.parse of the decoded text, which
// then gives the result or the error message. Strings with escapes or non-ASCII bytes are handed to
// JSON.parse one by one, so their decoding is exactly JSON.parse's.

/** Thrown when the bytes are not JSON this parser takes; the caller should fall back to JSON.parse. */
export class JsonBytesError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
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

/**
 * A string table kept as bytes: string i is `bytes[start[i], end[i])` as written in the JSON, without its quotes.
 * `get(i)` decodes it exactly as JSON.parse of the text would (and keeps it for the next time).
 */
export class ByteStrings {
  /** Strings decoded so far (made when first asked for). */
  private decoded: (string | undefined)[] | undefined;

  constructor(
    readonly bytes: Buffer,
    readonly start: Uint32Array,
    readonly end: Uint32Array,
    readonly flags: Uint8Array,
  ) {}

  get length(): number {
    return this.start.length;
  }

  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.start.length)) return undefined;
    const decoded = (this.decoded ??= new Array<string | undefined>(this.start.length));
    let s = decoded[i];
    if (s === undefined) {
      s = this.decode(i);
      decoded[i] = s;
    }
    return s;
  }

  /** Every string, as JSON.parse gives the array. */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.decode(i));
  }

  private decode(i: number): string {
    const f = this.flags[i];
    if (f & ESCAPED) return JSON.parse(this.bytes.toString('utf8', this.start[i] - 1, this.end[i] + 1)) as string;
    return this.bytes.toString(f & NON_ASCII ? 'utf8' : 'latin1', this.start[i], this.end[i]);
  }
}

/** The two key orders a FelderaMarker data object is written in: type first (Feldera), or name first. */
const FELDERA_TYPE_FIRST = Buffer.from('{"type":"FelderaMarker","name":');
const FELDERA_NAME_FIRST = Buffer.from('{"name":');
const FELDERA_NAME_FIRST_TAIL = Buffer.from(',"type":"FelderaMarker"}');
/** felderaElement's answers besides a name index. */
const RBRACE_BYTES = Buffer.from('}');
const NOT_FELDERA = -1;
const NEED_MORE = -2;

function growTo<T extends Uint32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

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

/**
 * Parses `bytes[start..end)` as one JSON value. Numeric columns (arrays of numbers and nulls, at least
 * one element, not the top-level value) become typed arrays; everything else is as JSON.parse makes it.
 * Throws JsonBytesError.
 */
export function parseJsonBytes(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  const p = new JsonBytesParser(start);
  p.feed(bytes, end, true);
  return p.result();
}

/**
 * The incremental form: feed it the buffer each time more bytes have arrived (the same buffer, or a
 * bigger copy of it); it parses as far as it can. After the final feed, `result()` is the value.
 */
export class JsonBytesParser {
  private buf: Uint8Array = new Uint8Array(0);
  private bufView: Buffer = Buffer.alloc(0);
  /** Bytes available so far: buf[..end). */
  private end = 0;
  private final = false;
  private pos: number;
  private readonly steps: Generator<void, unknown>;
  private done = false;
  private value_: unknown;
  /** Scratch for the numeric column being read; grows and is reused. */
  private ints = new Int32Array(1 << 16);
  private doubles = new Float64Array(1024);
  /** Elements of the current numeric column read so far. */
  private n = 0;
  /**
   * For the array about to be read, when it is a property of a table (an object with a "length"
   * read before it): that length, so that the column can be read into an array of its size, no copy.
   */
  private columnHint = 0;
  /** The property name of the value about to be read (for the `data` column of markers). */
  private keyHint = '';

  /** `totalBytes`: how long the input will be, if known (a bound for column lengths). */
  constructor(
    start = 0,
    private readonly totalBytes = 0,
  ) {
    this.pos = start;
    this.steps = this.document();
  }

  /** More bytes: `buf[..available)` (`final`: that is all). Returns true once the value is complete. */
  feed(buf: Uint8Array, available: number, final: boolean): boolean {
    if (this.done) return true;
    if (available > buf.length || available < this.end) throw new RangeError('JsonBytesParser: bad feed');
    if (buf !== this.buf) {
      this.buf = buf;
      this.bufView = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    }
    this.end = available;
    this.final = final;
    const r = this.steps.next();
    if (r.done) {
      this.done = true;
      this.value_ = r.value;
    } else if (final) {
      this.fail('Unexpected end of JSON');
    }
    return this.done;
  }

  result(): unknown {
    if (!this.done) throw new JsonBytesError('The JSON is not complete', this.pos);
    return this.value_;
  }

  private fail(what: string): never {
    throw new JsonBytesError(`${what} at byte ${this.pos}`, this.pos);
  }

  /** Ran out of bytes: an error at the real end, else wait for more. */
  private short(): boolean {
    if (this.final) this.fail('Unexpected end of JSON');
    return true;
  }

  private *document(): Generator<void, unknown> {
    const v = yield* this.value();
    while (!this.final) yield;
    this.skipWs();
    if (this.pos !== this.end) this.fail('Unexpected data after the JSON value');
    // Typed arrays only as columns inside the document: a top-level array stays an Array.
    if (v instanceof Int32Array || v instanceof Float64Array) return Array.from(v, (x) => (x === x ? x : null));
    return v;
  }

  private skipWs(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let c = pos < end ? buf[pos] : -1;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
    this.pos = pos;
    return c;
  }

  /** The next structural character (after whitespace), consumed. Waits for bytes if needed. */
  private *punct(): Generator<void, number> {
    for (;;) {
      const c = this.skipWs();
      if (c >= 0) {
        this.pos++;
        return c;
      }
      if (this.short()) yield;
    }
  }

  /** punct() without a generator: the next structural character consumed, or -1 when the bytes so far end first. */
  private punctNow(): number {
    const c = this.skipWs();
    if (c >= 0) this.pos++;
    return c;
  }

  private *value(): Generator<void, unknown> {
    for (;;) {
      const at = this.pos;
      const c = this.skipWs();
      if (c === LBRACE) return yield* this.object();
      if (c === LBRACKET) return yield* this.array();
      const v = c < 0 ? MORE : this.scalar(c);
      if (v !== MORE) return v;
      this.pos = at;
      if (this.short()) yield;
    }
  }

  /** A string, number or literal starting with `c`, or MORE if it may go on past the bytes so far. */
  private scalar(c: number): unknown {
    if (c === QUOTE) return this.string();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === LOWER_N) return this.literal('null', null);
    return this.fail('Unexpected token');
  }

  private literal<T>(word: string, v: T): T | More {
    const buf = this.buf;
    const pos = this.pos;
    for (let i = 0; i < word.length; i++) {
      if (pos + i >= this.end) return this.final ? this.fail('Unexpected end of JSON') : MORE;
      if (buf[pos + i] !== word.charCodeAt(i)) this.fail('Unexpected token');
    }
    this.pos = pos + word.length;
    return v;
  }

  private *object(): Generator<void, Record<string, unknown>> {
    this.pos++; // {
    this.columnHint = 0;
    const o: Record<string, unknown> = {};
    let length = 0;
    let c = yield* this.punct();
    if (c === RBRACE) return o;
    for (;;) {
      if (c !== QUOTE) {
        this.pos--;
        this.fail('Expected a property name');
      }
      this.pos--;
      let key = this.string();
      while (key === MORE) {
        if (this.short()) yield;
        key = this.string();
      }
      if ((yield* this.punct()) !== COLON) {
        this.pos--;
        this.fail('Expected ":"');
      }
      this.columnHint = length;
      this.keyHint = key;
      const v = yield* this.value();
      this.columnHint = 0;
      this.keyHint = '';
      if (key === 'length' && typeof v === 'number' && v > 0 && v === Math.floor(v)) length = v;
      if (key === '__proto__') {
        Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
      } else {
        o[key] = v;
      }
      c = yield* this.punct();
      if (c === COMMA) {
        c = yield* this.punct();
        continue;
      }
      if (c === RBRACE) return o;
      this.pos--;
      return this.fail('Expected "," or "}"');
    }
  }

  private *array(): Generator<void, unknown> {
    const hint = this.columnHint;
    const key = this.keyHint;
    this.columnHint = 0;
    this.keyHint = '';
    this.pos++; // [
    const c = yield* this.punct();
    if (c === RBRACKET) return [];
    this.pos--;
    if (c === MINUS || (c >= ZERO && c <= NINE) || c === LOWER_N) return yield* this.numericArray(hint);
    if (c === QUOTE && key === 'stringArray') return yield* this.stringTable();
    if (c === LBRACE && key === 'data') {
      let first = this.felderaElement();
      while (first === NEED_MORE) {
        yield;
        first = this.felderaElement();
      }
      if (first !== NOT_FELDERA) return yield* this.felderaColumn(first, hint);
    }
    return yield* this.genericArray([]);
  }

  /** The rest of an array, element by element; `out` holds the elements read so far. */
  private *genericArray(out: unknown[]): Generator<void, unknown[]> {
    for (;;) {
      // A string that is all there (most elements of string arrays): read it without a generator.
      const s = this.skipWs() === QUOTE ? this.string() : MORE;
      out.push(s !== MORE ? s : yield* this.value());
      let c = this.punctNow();
      if (c < 0) c = yield* this.punct();
      if (c === COMMA) continue;
      if (c === RBRACKET) return out;
      this.pos--;
      return this.fail('Expected "," or "]"');
    }
  }

  /**
   * A string table (at its first element, a string): the strings' bytes kept as they are written, with where each
   * starts and ends. An element that is not a string turns it into a plain array.
   */
  private *stringTable(): Generator<void, unknown> {
    const from = this.pos;
    let start = new Uint32Array(1024);
    let end = new Uint32Array(1024);
    let flags = new Uint8Array(1024);
    let n = 0;
    for (;;) {
      const c = this.skipWs();
      if (c < 0) {
        if (this.short()) yield;
        continue;
      }
      if (c !== QUOTE) {
        // Not a string table after all: the strings so far, then the rest element by element.
        const sofar = new ByteStrings(
          this.copyOf(from, this.pos),
          start.slice(0, n),
          end.slice(0, n),
          flags.slice(0, n),
        );
        const strings: unknown[] = sofar.toArray();
        return yield* this.genericArray(strings);
      }
      const buf = this.buf;
      const stop = this.end;
      let p = this.pos + 1;
      let f = 0;
      // One table look-up per byte until one that matters: the closing quote, an escape, a control or non-ASCII byte.
      while (p < stop) {
        const k = BYTE_CLASS[buf[p]];
        if (k === PLAIN) {
          p++;
        } else if (k === CLOSE) {
          break;
        } else if (k === HIGH) {
          f |= NON_ASCII;
          p++;
        } else {
          f |= ESCAPED;
          p += k === ESCAPE ? 2 : 1;
        }
      }
      if (p >= stop) {
        if (this.final) {
          this.pos = stop;
          this.fail('Unterminated string');
        }
        yield;
        continue;
      }
      if (f & ESCAPED) {
        // Checked now, so that a bad one is an error while parsing (and the caller falls back), not when read.
        try {
          JSON.parse(this.bufView.toString('utf8', this.pos, p + 1));
        } catch {
          this.fail('Bad string');
        }
      }
      if (n === start.length) {
        start = growTo(start, n * 2);
        end = growTo(end, n * 2);
        flags = growTo(flags, n * 2);
      }
      start[n] = this.pos + 1 - from;
      end[n] = p - from;
      flags[n] = f;
      n++;
      this.pos = p + 1;
      let d = this.punctNow();
      if (d < 0) d = yield* this.punct();
      if (d === RBRACKET) break;
      if (d !== COMMA) {
        this.pos--;
        this.fail('Expected "," or "]"');
      }
    }
    return new ByteStrings(this.copyOf(from, this.pos), start.slice(0, n), end.slice(0, n), flags.slice(0, n));
  }

  /** A copy of bytes [from, to): what outlives the input buffer. */
  private copyOf(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    this.bufView.copy(out, 0, from, to);
    return out;
  }

  /**
   * A marker data column whose first element (at `pos`, name index `first`) is a FelderaMarker object: the rest,
   * element by element, FelderaMarker objects into `names`, anything else parsed generically into `others`.
   */
  private *felderaColumn(first: number, hint: number): Generator<void, FelderaDataColumn> {
    let names = new Int32Array(hint > 0 && hint <= ((this.totalBytes || this.end) - this.pos) / 8 ? hint : 1024);
    const others = new Map<number, unknown>();
    let n = 0;
    let name = first;
    for (;;) {
      if (n === names.length) {
        const bigger = new Int32Array(names.length * 2);
        bigger.set(names);
        names = bigger;
      }
      if (name >= 0) {
        names[n++] = name;
      } else {
        others.set(n, yield* this.value());
        names[n++] = -1;
      }
      let c = this.punctNow();
      if (c < 0) c = yield* this.punct();
      if (c === RBRACKET) break;
      if (c !== COMMA) {
        this.pos--;
        this.fail('Expected "," or "]"');
      }
      for (;;) {
        if (this.skipWs() < 0) {
          if (this.short()) yield;
          continue;
        }
        name = this.felderaElement();
        if (name !== NEED_MORE) break;
        yield;
      }
    }
    return new FelderaDataColumn(names.length === n ? names : names.slice(0, n), others);
  }

  /**
   * At `pos` (no whitespace before): a FelderaMarker object exactly as written by Feldera, `{"type":
   * "FelderaMarker","name":<int>}` (or with `name` first), without spaces and with a name of 1 to 9 digits: its name
   * index, past the object. NOT_FELDERA if it is anything else (pos unchanged), NEED_MORE if the bytes so far end
   * inside it.
   */
  private felderaElement(): number {
    const buf = this.buf;
    const end = this.end;
    const at = this.pos;
    const typeFirst = buf[at + 2] === 0x74; /* t */
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

  /**
   * An array that starts with a number or null: first read as int32s (the common case, kept in an
   * Int32Array); from the first element that is not one, as doubles (NaN for null); and if a
   * non-numeric element turns up, as a generic array.
   */
  private *numericArray(hint: number): Generator<void, unknown> {
    this.n = 0;
    const scratch = this.ints;
    // A big column of a known length: read it straight into its own array. (Each element takes at
    // least two bytes, which bounds a wrong length.)
    const bound = ((this.totalBytes || this.end) - this.pos) / 2;
    if (hint >= 4096 && hint <= bound) this.ints = new Int32Array(hint);
    for (;;) {
      const r = this.intRun();
      if (r === Run.Done) {
        const out = this.ints;
        this.ints = scratch;
        return out.length === this.n ? out : out.slice(0, this.n);
      }
      if (r === Run.Switch) break;
      yield;
    }
    const n = this.n;
    const ints = this.ints;
    this.ints = scratch;
    let doubles = this.doubles;
    if (doubles.length < 2 * n) {
      doubles = new Float64Array(2 * n);
      this.doubles = doubles;
    }
    for (let k = 0; k < n; k++) doubles[k] = ints[k];
    for (;;) {
      const r = this.doubleRun();
      if (r === Run.Done) return this.doubles.slice(0, this.n);
      if (r === Run.Switch) break;
      yield;
    }
    // Not a number: the array is mixed. Keep what was read (NaN stood for null) and go on generically.
    const out: unknown[] = new Array<unknown>(this.n);
    doubles = this.doubles;
    for (let k = 0; k < this.n; k++) {
      const x = doubles[k];
      out[k] = x === x ? x : null;
    }
    return yield* this.genericArray(out);
  }

  /** Reads int32 elements into `ints` until the array ends, the bytes run out, or an element is no int32. */
  private intRun(): Run {
    const buf = this.buf;
    const end = this.end;
    let ints = this.ints;
    let n = this.n;
    let pos = this.pos;
    let r: Run;
    for (;;) {
      if (n === ints.length) {
        const bigger = new Int32Array(ints.length * 2);
        bigger.set(ints);
        ints = bigger;
        this.ints = ints;
      }
      if (pos + 12 <= end) {
        // The common case, far from the end of the bytes so without bounds checks: 1 to 9 digits, no
        // sign, no leading zero, no whitespace, then "," or "]". Anything else takes the path below.
        let p = pos;
        let d = buf[p] - ZERO;
        let v = -1; // no digit
        if (d >= 1 && d <= 9) {
          v = d;
          d = buf[++p] - ZERO;
          while (d >= 0 && d <= 9 && p - pos < 9) {
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
    const end = this.end;
    let doubles = this.doubles;
    let n = this.n;
    let pos = this.pos;
    let r: Run;
    for (;;) {
      const at = pos;
      let c = pos < end ? buf[pos] : -1;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++pos < end ? buf[pos] : -1;
      let v: number | More;
      if (c === MINUS || (c >= ZERO && c <= NINE)) {
        this.pos = pos;
        v = this.number();
        pos = this.pos;
      } else if (c === LOWER_N) {
        this.pos = pos;
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
        if (n === doubles.length) {
          const bigger = new Float64Array(doubles.length * 2);
          bigger.set(doubles);
          doubles = bigger;
          this.doubles = doubles;
        }
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
        r = this.short() ? Run.More : Run.Done;
        break;
      }
      this.pos = pos;
      this.fail('Expected "," or "]"');
    }
    this.n = n;
    this.pos = pos;
    return r;
  }

  /**
   * A number: integers of up to 15 digits, and decimals of up to 15 significant digits and 22 decimals, inline;
   * anything else through JSON.parse of its token. A decimal is its digits as an integer M (exact: M < 2^53) divided
   * by 10^k (exact for k ≤ 22): one correctly rounded division, so the same double JSON.parse gives.
   */
  private number(): number | More {
    const buf = this.buf;
    const end = this.end;
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
        if (k > 0 && k <= 22 && c >= 0 && c !== LOWER_E && c !== UPPER_E && digits <= 15) {
          this.pos = pos;
          v /= POW10[k];
          return neg ? -v : v;
        }
      } else if (c >= 0 && c !== LOWER_E && c !== UPPER_E && !(c >= ZERO && c <= NINE) && digits <= 15) {
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
      const c = pos < this.end ? buf[pos] : -1;
      if ((c >= ZERO && c <= NINE) || c === MINUS || c === PLUS || c === DOT || c === LOWER_E || c === UPPER_E) pos++;
      else if (c < 0 && !this.final) return MORE;
      else break;
    }
    const token = this.bufView.toString('latin1', from, pos);
    let v: unknown;
    try {
      v = JSON.parse(token);
    } catch {
      return this.fail('Bad number');
    }
    if (typeof v !== 'number') return this.fail('Bad number');
    this.pos = pos;
    return v;
  }

  /** A string (at its opening quote), or MORE if its end has not arrived yet. */
  private string(): string | More {
    const buf = this.buf;
    const end = this.end;
    const from = this.pos + 1;
    let pos = from;
    let escaped = false;
    let ascii = true;
    for (;;) {
      if (pos >= end) {
        if (this.final) {
          this.pos = pos;
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
    if (!escaped) return this.bufView.toString(ascii ? 'latin1' : 'utf8', from, pos);
    let v: unknown;
    try {
      v = JSON.parse(this.bufView.toString('utf8', from - 1, pos + 1));
    } catch {
      this.pos = from - 1;
      return this.fail('Bad string');
    }
    return v as string;
  }
}
