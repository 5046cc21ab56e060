// Feldera's `eval` tooltip, `<operator name> <node id> used <R>μs real time, <C>μs CPU time`, scanned from its end
// (the name may contain anything, the node id is the last token before " used "), on strings and on UTF-8 bytes; and
// a map from byte strings to ids. Shared by the string table (which keeps such tooltips as numbers instead of text,
// see ByteStrings in ./jsonBytes.ts) and the marker reader (./markers.ts).

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
  /**
   * Bytes only (scanEvalTooltipBytes): whether R and C are written as plain integers of 1 to 9 digits without a
   * leading zero, and which micro sign each has (MICRO_MU μ, MICRO_SIGN µ, MICRO_U u): then the tooltip is exactly
   * its text up to " used " plus these figures, and can be written again from them.
   */
  canonical?: boolean;
  realMicro?: number;
  cpuMicro?: number;
}

const CPU_TAIL = 's CPU time';
const REAL_TAIL = 's real time, ';
const USED = ' used ';

/** The micro signs a tooltip may use, as numbered in TooltipScan: μ (Greek mu, Feldera's), µ (micro sign), u. */
export const MICRO_MU = 0;
export const MICRO_SIGN = 1;
export const MICRO_U = 2;
export const MICRO_TEXT = ['\u03bc', '\u00b5', 'u'];

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

/** What numberBeforeBytes found besides the value: whether it is a plain integer as the canonical form wants it. */
const numInfo = { v: 0, canonical: false };

/**
 * scanEvalTooltip on a string's UTF-8 bytes, b[from, to): the same answer as on the decoded string (μ is CE BC, µ is
 * C2 B5; digits, spaces and the fixed words are ASCII, and no byte of a multi-byte character is one of them).
 * Indexes in `out` are into `b`.
 */
export function scanEvalTooltipBytes(b: Uint8Array, from: number, to: number, out: TooltipScan): boolean {
  let p = to - CPU_TAIL.length;
  if (p < from || !bytesAt(b, p, CPU_TAIL)) return false;
  let m = microBefore(b, from, p);
  if (m < 0) return false;
  const cpuMicro = microKind(b, m, p);
  p = numberBeforeBytes(b, from, m, numInfo);
  if (p < 0) return false;
  const cpu = numInfo.v;
  let canonical = numInfo.canonical;
  p -= REAL_TAIL.length;
  if (p < from || !bytesAt(b, p, REAL_TAIL)) return false;
  const realTail = p;
  m = microBefore(b, from, p);
  if (m < 0) return false;
  const realMicro = microKind(b, m, realTail);
  p = numberBeforeBytes(b, from, m, numInfo);
  if (p < 0) return false;
  const real = numInfo.v;
  canonical = canonical && numInfo.canonical;
  p -= USED.length;
  if (p <= from || !bytesAt(b, p, USED)) return false;
  let nameEnd = p - 1;
  while (nameEnd >= from && b[nameEnd] !== 0x20) nameEnd--;
  if (nameEnd === p - 1) return false;
  out.nameEnd = nameEnd < from ? -1 : nameEnd;
  out.usedAt = p;
  out.realUs = real;
  out.cpuUs = cpu;
  out.canonical = canonical;
  out.realMicro = realMicro;
  out.cpuMicro = cpuMicro;
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

function microKind(b: Uint8Array, at: number, end: number): number {
  return end - at === 1 ? MICRO_U : b[at + 1] === 0xbc ? MICRO_MU : MICRO_SIGN;
}

function numberBeforeBytes(b: Uint8Array, from: number, end: number, out: { v: number; canonical: boolean }): number {
  let p = end;
  while (p > from && isDigit(b[p - 1])) p--;
  if (p === end) return -1;
  let start = p;
  if (p - 1 > from && b[p - 1] === 0x2e && isDigit(b[p - 2])) {
    start = p - 1;
    while (start > from && isDigit(b[start - 1])) start--;
    out.v = Number(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1'));
    out.canonical = false;
    return start;
  }
  let v = 0;
  for (let k = start; k < end; k++) v = v * 10 + (b[k] - 0x30);
  out.v = v;
  const digits = end - start;
  out.canonical = digits <= 9 && (digits === 1 || b[start] !== 0x30);
  return start;
}

/**
 * Byte strings → ids, without making a JS string per lookup: open addressing on an FNV-1a hash, each key's bytes
 * copied once into an arena.
 */
export class ByteKeyMap {
  private slots = new Int32Array(1024).fill(-1);
  private keyStart: number[] = [];
  private keyLength: number[] = [];
  private values: number[] = [];
  private arena = Buffer.alloc(4096);
  private used = 0;

  get size(): number {
    return this.values.length;
  }

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
