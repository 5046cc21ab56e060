// Reads a samply profile: streams the file (gzip or plain JSON) through zlib into the streaming JSON parser
// (jsonBytes.ts) chunk by chunk, and the parser hands each part of the profile to the model builder (model.ts) as
// soon as it is complete, so that each thread is read and dropped while the rest is still being inflated. No string
// and no buffer of the whole text is ever made: a profile of any size opens, within the memory budget. Every failure
// comes back as a ProfileError value with a kind and a message that says what and where; nothing throws.
import * as fs from 'fs';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { ThreadedGunzip } from './inflate';
import { JsonBytesError, JsonStreamParser } from './jsonBytes';
import { defaultMemoryBudget, formatBytes, MemoryMeter, MiB } from './memory';
import { ProfileBuilder, ProfileFormatError, runSliced, type ProfileModel } from './model';
import type { ProfileError, ProfileErrorKind, ProfileSummary, SummarizeOptions } from './types';

export type ReadPhase = 'reading' | 'parsing' | 'summarizing';

export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * How far the read is, at most every ~50 ms and once at the end: bytes of JSON inflated of the total the gzip
   * trailer gives, when it can be trusted (or of a plain file's size); else compressed bytes read of the file's size.
   */
  onProgress?(done: number, total: number): void;
  /** 'reading' (inflating and parsing), 'parsing' (the text has all arrived: `textBytes`), 'summarizing'. */
  onPhase?(phase: ReadPhase, detail: { textBytes?: number }): void;
  /** Options for the summary returned alongside the model. */
  summary?: SummarizeOptions;
  /** Refuse more decompressed text than this (default: no limit but the memory budget). */
  maxTextBytes?: number;
  /** Bytes the read may take (JS heap and typed arrays, growth since it began); default: defaultMemoryBudget(). */
  memoryBudget?: number;
  /** Where gzip is inflated: in a thread of its own (see inflate.ts) or inline; default: a thread for 4 MiB and up. */
  inflate?: 'thread' | 'inline';
}

export type ReadResult =
  { ok: true; profile: ProfileSummary; model: ProfileModel } | { ok: false; error: ProfileError };

export type ModelResult = { ok: true; model: ProfileModel } | { ok: false; error: ProfileError };

/** Reads, parses and summarises a `.json.gz` (or plain `.json`) samply profile. */
export async function readProfileFile(path: string, opts: ReadOptions = {}): Promise<ReadResult> {
  return withSummary(await readProfileModel(path, opts), opts);
}

/** The same for a profile already in memory (e.g. read through a virtual file system). */
export async function readProfileBytes(data: Uint8Array, opts: ReadOptions = {}): Promise<ReadResult> {
  return withSummary(await readProfileModelFromBytes(data, opts), opts);
}

/** Reads and parses a profile file into a model, for summaries of any thread selection later. */
export async function readProfileModel(path: string, opts: ReadOptions = {}): Promise<ModelResult> {
  let size: number;
  let head: Buffer;
  let isize: number | undefined;
  try {
    const stat = await fs.promises.stat(path);
    if (stat.isDirectory()) return fail('io', `${path} is a folder, not a profile file.`);
    size = stat.size;
    const fh = await fs.promises.open(path, 'r');
    try {
      head = Buffer.alloc(Math.min(size, 64));
      await fh.read(head, 0, head.length, 0);
      if (size >= 18 && isGzip(head)) {
        // The gzip trailer holds the uncompressed size (mod 4 GiB): the progress total and an early size estimate.
        const tail = Buffer.alloc(4);
        await fh.read(tail, 0, 4, size - 4);
        isize = tail.readUInt32LE(0);
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    return ioError(path, e);
  }
  if (size === 0) return fail('truncated', 'The file is empty: the profile was not written completely.');
  const gzip = isGzip(head);
  if (!gzip && !looksLikeJson(head)) return notGzip(head);
  if (opts.signal?.aborted) return cancelled();
  const open = () => fs.createReadStream(path, { highWaterMark: MiB });
  return readStream({ open, gzip, fileBytes: size, isize, path, thread: { path } }, opts);
}

export async function readProfileModelFromBytes(data: Uint8Array, opts: ReadOptions = {}): Promise<ModelResult> {
  if (data.length === 0) return fail('truncated', 'The file is empty: the profile was not written completely.');
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, 64));
  const gzip = isGzip(head);
  if (!gzip && !looksLikeJson(head)) return notGzip(head);
  const isize =
    gzip && data.length >= 18
      ? Buffer.from(data.buffer, data.byteOffset + data.length - 4, 4).readUInt32LE(0)
      : undefined;
  const open = () => {
    const chunks: Buffer[] = [];
    for (let off = 0; off < data.length; off += MiB) {
      chunks.push(Buffer.from(data.buffer, data.byteOffset + off, Math.min(MiB, data.length - off)));
    }
    return Readable.from(chunks);
  };
  if (opts.signal?.aborted) return cancelled();
  return readStream({ open, gzip, fileBytes: data.length, isize, thread: { bytes: data } }, opts);
}

/**
 * A profile from a stream of its bytes (gzip or plain JSON, told apart by its first bytes), in chunks of any size:
 * e.g. straight from a generator, never stored. `totalBytes`: the stream's length, if known (for progress).
 */
export async function readProfileModelFromStream(
  source: AsyncIterable<Uint8Array>,
  opts: ReadOptions & { totalBytes?: number } = {},
): Promise<ModelResult> {
  const it = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  let ended = false;
  try {
    while (have < 3) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
      first.push(b);
      have += b.length;
    }
  } catch (e) {
    return ioError('the profile', e);
  }
  const head = Buffer.concat(first).subarray(0, 64);
  if (have === 0) return fail('truncated', 'The file is empty: the profile was not written completely.');
  const gzip = isGzip(head);
  if (!gzip && !looksLikeJson(head)) return notGzip(head);
  async function* all(): AsyncGenerator<Buffer> {
    yield* first;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    }
  }
  return readStream({ open: () => Readable.from(all()), gzip, fileBytes: opts.totalBytes ?? 0 }, opts);
}

interface Source {
  /** The file's bytes, as they are (compressed or not). */
  open(): Readable;
  /** What a thread of its own can inflate the file from (see inflate.ts), if anything. */
  thread?: { path: string } | { bytes: Uint8Array };
  gzip: boolean;
  /** The file's size (0: unknown). */
  fileBytes: number;
  /** The gzip trailer's ISIZE: the text's length mod 4 GiB. */
  isize?: number;
  path?: string;
}

/** Stop the read: the memory budget, or maxTextBytes. */
class Refused extends Error {
  constructor(readonly error: ProfileError) {
    super(error.message);
  }
}

/** How many bytes of inflated text may wait for the parser: past that, zlib waits (backpressure). */
const QUEUE_LIMIT = 8 * MiB;
/** How often the memory is measured (in inflated bytes). */
const MEASURE_EVERY = 8 * MiB;
/** Each thread read needs at least this share of its JSON in memory: below it, no profile fits (see the budget). */
const MIN_MEMORY_PER_JSON_BYTE = 0.2;

/** Gzip files at least this big are inflated in a thread of their own (see inflate.ts); smaller ones inline. */
const THREAD_FROM = 4 * MiB;

async function readStream(src: Source, opts: ReadOptions): Promise<ModelResult> {
  const budget = opts.memoryBudget ?? defaultMemoryBudget();
  const maxText = opts.maxTextBytes ?? Infinity;
  const meter = new MemoryMeter();
  // The text's length, if the trailer can be trusted: deflate never shrinks data below ~1/1032 nor grows it past a few
  // bytes per 16 KiB; a size outside that is a damaged trailer, or wrapped past 4 GiB.
  const textTotal = !src.gzip
    ? src.fileBytes
    : src.isize !== undefined && src.isize >= src.fileBytes * 0.99 - 64 && src.isize <= src.fileBytes * 1032
      ? src.isize
      : 0;
  // Refused before reading only on a trailer that is plausible for a profile (at most 64:1; a damaged or cut file's
  // trailer can claim anything): else the read's own accounting decides.
  const plausible = !src.gzip || textTotal <= src.fileBytes * 64;
  if (textTotal > 0 && plausible && textTotal * MIN_MEMORY_PER_JSON_BYTE > budget) {
    return { ok: false, error: tooBig(textTotal, src, textTotal * MIN_MEMORY_PER_JSON_BYTE, budget) };
  }
  if (textTotal > maxText) return { ok: false, error: tooLong(maxText) };
  opts.onPhase?.('reading', {});

  const builder = new ProfileBuilder();
  const parser = new JsonStreamParser({
    sink: builder,
    totalBytes: textTotal > 0 ? textTotal : src.fileBytes * 1032 || 0,
    skipBom: true,
  });
  let bytesRead = 0;
  let inflated = 0;
  let lastReport = 0;
  let nextMeasure = MEASURE_EVERY;
  /** Where the first thread ended (the threads begin about there), and the eval spans read by then. */
  let threadsStart = -1;
  let evalsAtStart = 0;
  let lastThreads = 0;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastReport < 50)) return;
    lastReport = now;
    if (textTotal > 0 && inflated <= textTotal) opts.onProgress(inflated, textTotal);
    else opts.onProgress(bytesRead, src.fileBytes || bytesRead);
  };
  const threaded =
    src.gzip && src.thread && (opts.inflate === 'thread' || (opts.inflate !== 'inline' && src.fileBytes >= THREAD_FROM))
      ? new ThreadedGunzip(src.thread)
      : undefined;
  const check = (): void => {
    if (inflated > maxText) throw new Refused(tooLong(maxText));
    if (inflated < nextMeasure) return;
    nextMeasure = inflated + MEASURE_EVERY;
    const used = Math.max(meter.used(), builder.heldBytes);
    if (used > budget) throw new Refused(tooBig(textTotal || inflated, src, used, budget, inflated));
    // Once the threads are coming, the eval columns can be sized once, from how many there are per byte so far.
    const threads = builder.threadCount.read;
    if (threads > lastThreads && textTotal > 0) {
      lastThreads = threads;
      if (threadsStart < 0) {
        threadsStart = parser.offset;
        evalsAtStart = builder.evals;
      } else {
        const fraction = (parser.offset - threadsStart) / Math.max(1, textTotal - threadsStart);
        const evals = builder.evals - evalsAtStart;
        if (fraction > 0.02 && evals > 0) builder.reserveEvals(Math.ceil(evalsAtStart + (evals / fraction) * 1.05));
      }
    }
  };
  const parse = (chunk: Buffer): void => {
    inflated += chunk.length;
    parser.push(chunk);
    check();
    report(false);
  };

  let failure: unknown;
  try {
    if (threaded) {
      await feedFromThread(threaded, parse, opts, (n) => (bytesRead = n));
      bytesRead = src.fileBytes; // all of it (the thread counts in KiB)
    } else failure = await feedFromStream(src, parse, opts, (n) => (bytesRead += n));
    if (failure !== undefined) throw failure;
    report(true);
    if (inflated === 0) return fail('truncated', 'The gzip data decompresses to nothing: the profile is empty.');
    opts.onPhase?.('parsing', { textBytes: inflated });
    parser.end();
    if (opts.signal?.aborted) return cancelled();
    opts.onPhase?.('summarizing', {});
    const held = builder.heldBytes;
    const model = await runSliced(builder.finish(), { signal: opts.signal });
    const used = Math.max(meter.used(), held);
    if (used > budget) return { ok: false, error: tooBig(inflated, src, used, budget, inflated) };
    return { ok: true, model };
  } catch (e) {
    return { ok: false, error: explain(failure ?? e, src, { bytesRead, inflated, textTotal, parser }, opts) };
  } finally {
    threaded?.stop();
  }
}

/**
 * Parses what the inflating thread gives, as fast as it comes; gives the event loop a turn every ~20 ms (progress,
 * and a cancel, come through it). A cancel stops the thread at once.
 */
async function feedFromThread(
  threaded: ThreadedGunzip,
  parse: (chunk: Buffer) => void,
  opts: ReadOptions,
  compressed: (bytes: number) => void,
): Promise<void> {
  const stop = () => threaded.stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    let turn = Date.now();
    for (;;) {
      if (opts.signal?.aborted) throw new Refused(CANCELLED);
      const chunk = await threaded.next();
      if (!chunk) return;
      compressed(threaded.compressedBytes);
      parse(chunk);
      if (Date.now() - turn >= 20) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turn = Date.now();
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Parses the stream's text (inflated inline by zlib when it is gzip) chunk by chunk: inflated chunks wait in a queue
 * for the parser, which takes one per turn of the event loop, so that zlib (on the thread pool) inflates the next
 * chunk while this thread parses the last one. Returns what stopped it, if anything.
 */
async function feedFromStream(
  src: Source,
  parse: (chunk: Buffer) => void,
  opts: ReadOptions,
  compressed: (bytes: number) => void,
): Promise<unknown> {
  const input = src.open();
  input.on('data', (chunk: Buffer) => compressed(chunk.length));
  const queue: Buffer[] = [];
  let queued = 0;
  let held: ((e?: Error | null) => void) | undefined;
  let turn: NodeJS.Immediate | undefined;
  let failure: unknown;
  const parseOne = (): void => {
    const chunk = queue.shift() as Buffer;
    queued -= chunk.length;
    parse(chunk);
  };
  const sink = new Writable({
    highWaterMark: MiB,
    write(chunk: Buffer, _enc, cb) {
      if (failure !== undefined) {
        cb(failure as Error);
        return;
      }
      queue.push(chunk);
      queued += chunk.length;
      turn ??= setImmediate(step);
      if (queued < QUEUE_LIMIT) cb();
      else held = cb;
    },
  });
  let draining = false;
  const step = (): void => {
    turn = undefined;
    if (draining || failure !== undefined || queue.length === 0) return;
    try {
      if (opts.signal?.aborted) throw new Refused(CANCELLED);
      parseOne();
    } catch (e) {
      failure = e;
      queue.length = 0;
      const cb = held;
      held = undefined;
      if (cb) cb(e as Error);
      else sink.destroy(e as Error);
      return;
    }
    if (held && queued < QUEUE_LIMIT) {
      const cb = held;
      held = undefined;
      cb();
    }
    if (queue.length) turn = setImmediate(step);
  };
  try {
    if (src.gzip) {
      await pipeline(input, zlib.createGunzip({ chunkSize: 256 * 1024 }), sink, { signal: opts.signal });
    } else {
      await pipeline(input, sink, { signal: opts.signal });
    }
    // The chunks still waiting, here (no step runs meanwhile).
    draining = true;
    if (turn) clearImmediate(turn);
    turn = undefined;
    if (failure !== undefined) return failure;
    while (queue.length) {
      if (opts.signal?.aborted) return new Refused(CANCELLED);
      parseOne();
      if (queue.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return undefined;
  } catch (e) {
    if (turn) clearImmediate(turn);
    queue.length = 0;
    return failure ?? e;
  }
}

const CANCELLED: ProfileError = { kind: 'cancelled', message: 'Reading the profile was cancelled.' };

function cancelled(): { ok: false; error: ProfileError } {
  return { ok: false, error: CANCELLED };
}

/** What went wrong, for the user: what, and where (bytes of the file and of the JSON, the place in the profile). */
function explain(
  e: unknown,
  src: Source,
  at: { bytesRead: number; inflated: number; textTotal: number; parser: JsonStreamParser },
  opts: ReadOptions,
): ProfileError {
  if (e instanceof Refused) return e.error;
  if (opts.signal?.aborted || (e as { name?: string }).name === 'AbortError') return CANCELLED;
  if (e instanceof ProfileFormatError) return e.toProfileError();
  const what = src.gzip ? 'The file is gzip, but what it holds' : 'The file';
  if (e instanceof JsonBytesError) {
    const where = `${e.path ? ` (in ${e.path})` : ''}`;
    if (/^Unexpected end of JSON/.test(e.reason)) {
      return {
        kind: 'notJson',
        message:
          `${what} is not JSON: the text ends early, after ${count(e.position)} bytes${where}. ` +
          'The profile is incomplete; fetch it again.',
      };
    }
    return {
      kind: 'notJson',
      message:
        `${what} is not JSON: ${e.reason} at byte ${count(e.position)} of the text${where}. ` +
        'A samply profile is a gzipped JSON file; this one is damaged. Fetch it again, or open it with samply.',
    };
  }
  const code = (e as { code?: string }).code;
  const place = at.parser.path;
  // (Not "of" the trailer's total: a damaged or cut file's trailer can claim anything.)
  const after = `after ${formatBytes(at.inflated)} of JSON${place ? `, in ${place}` : ''}`;
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(String((e as Error).message))) {
    return {
      kind: 'truncated',
      message:
        `The gzip data ends early, ${after}: the file is truncated (an interrupted download or copy?). ` +
        'Fetch the profile again.',
    };
  }
  if (code === 'Z_DATA_ERROR') {
    return {
      kind: 'invalid',
      message:
        `The gzip data is damaged (${(e as Error).message}), around byte ${count(at.bytesRead)} of the file, ${after}. ` +
        'Fetch the profile again, or open it with samply.',
    };
  }
  if (e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(e.message)) {
    return {
      kind: 'tooLarge',
      message:
        `The profile is too large to open here: memory ran out ${after}. ` +
        'Open a shorter collection, or open it with samply.',
    };
  }
  return ioError(src.path ?? 'the profile', e).error;
}

function tooBig(textBytes: number, src: Source, needed: number, budget: number, soFar?: number): ProfileError {
  const size = `${formatBytes(textBytes)} of JSON${src.gzip && src.fileBytes ? ` (${formatBytes(src.fileBytes)} gzipped)` : ''}`;
  const need =
    soFar !== undefined && soFar < textBytes
      ? `reading it had taken ${formatBytes(needed)} after ${formatBytes(soFar)} of the JSON`
      : `it needs at least ${formatBytes(needed)}`;
  return {
    kind: 'tooLarge',
    message:
      `The profile is too large for the memory budget: it is ${size}, and ${need}, more than the ` +
      `${formatBytes(budget)} allowed. Raise the budget (setting feldera.profiles.memoryBudgetMiB), or collect a ` +
      'shorter profile (fewer seconds), or open it with samply.',
  };
}

function tooLong(maxText: number): ProfileError {
  return {
    kind: 'tooLarge',
    message:
      `The profile is larger than ${formatBytes(maxText)} uncompressed, more than this reader was asked to take. ` +
      'Open it with samply instead.',
  };
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function withSummary(r: ModelResult, opts: ReadOptions): ReadResult {
  if (!r.ok) return r;
  return { ok: true, model: r.model, profile: r.model.summarize(opts.summary) };
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function looksLikeJson(head: Buffer): boolean {
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return i < head.length && (head[i] === 0x7b /* { */ || head[i] === 0x5b); /* [ */
}

function notGzip(head: Buffer): { ok: false; error: ProfileError } {
  const hex = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return fail(
    'notGzip',
    `The file is not a gzip-compressed profile (nor plain JSON): it starts with the bytes ${hex}, ` +
      'not the gzip signature 1f 8b. It may be damaged, or not a samply profile.',
  );
}

function ioError(path: string, e: unknown): { ok: false; error: ProfileError } {
  const code = (e as { code?: string }).code;
  const detail =
    code === 'ENOENT'
      ? 'it does not exist (any more)'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : e instanceof Error
            ? e.message
            : String(e);
  return fail('io', `Could not read ${path}: ${detail}.`);
}

function fail(kind: ProfileErrorKind, message: string): { ok: false; error: ProfileError } {
  return { ok: false, error: { kind, message } };
}
