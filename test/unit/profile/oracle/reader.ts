// FROZEN COPY of src/profile/reader.ts as it was before the streaming reader (main 8b35e4a): the property tests' oracle
// for today's path (buffer the text, parse it, build the model). Do not edit; do not import from src.
// Reads a samply profile from disk: streams the gzip (or plain JSON) into one buffer, parses the bytes as
// they arrive (jsonBytes.ts; JSON.parse of the text only as a fallback), and builds the model. Every
// failure comes back as a ProfileError value with a kind; nothing throws.
import * as fs from 'fs';
import * as buffer from 'buffer';
import { constants as bufferConstants } from 'buffer';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { JsonBytesParser } from './jsonBytes';
import { buildProfileModelAsync, type ProfileModel } from './model';
import type { ProfileError, ProfileSummary, SummarizeOptions } from './types';

export type ReadPhase = 'reading' | 'parsing' | 'summarizing';

export interface ReadOptions {
  signal?: AbortSignal;
  /** Compressed bytes read so far, of the file's size. Called at most every ~50 ms, and once at the end. */
  onProgress?(bytesRead: number, totalBytes: number): void;
  onPhase?(phase: ReadPhase, detail: { textBytes?: number }): void;
  /** Options for the summary returned alongside the model. */
  summary?: SummarizeOptions;
  /** Refuse decompressed text longer than this (default: the longest string Node can hold). */
  maxTextBytes?: number;
}

export type ReadResult =
  { ok: true; profile: ProfileSummary; model: ProfileModel } | { ok: false; error: ProfileError };

export type TextResult = { ok: true; text: string; gzip: boolean } | { ok: false; error: ProfileError };

const MiB = 1024 * 1024;

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
  return parseAndBuild(await readProfileJson(path, opts), opts);
}

export async function readProfileModelFromBytes(data: Uint8Array, opts: ReadOptions = {}): Promise<ModelResult> {
  return parseAndBuild(await decompressBytes(data, opts), opts);
}

/** Streams the file and returns its decompressed text. */
export async function readProfileText(path: string, opts: ReadOptions = {}): Promise<TextResult> {
  const r = await readProfileJson(path, opts, false);
  return r.ok ? { ok: true, text: decodeUtf8(r.bytes, r.start, r.end), gzip: r.gzip } : r;
}

/** The decompressed JSON bytes of a profile: bytes[start..end), without a byte-order mark. */
type BytesResult =
  | {
      ok: true;
      bytes: Buffer;
      start: number;
      end: number;
      gzip: boolean;
      /** The parser that has been reading the bytes as they arrived; none if it gave up (see parseJson). */
      parser?: JsonBytesParser;
    }
  | { ok: false; error: ProfileError };

async function readProfileJson(path: string, opts: ReadOptions, parse = true): Promise<BytesResult> {
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
        // The gzip trailer holds the uncompressed size (mod 4 GiB): a hint for one exact allocation.
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
  const input = fs.createReadStream(path, { highWaterMark: MiB });
  return collect(input, size, gzip, gzip ? isize : size, opts, path, parse);
}

async function decompressBytes(data: Uint8Array, opts: ReadOptions): Promise<BytesResult> {
  if (data.length === 0) return fail('truncated', 'The file is empty: the profile was not written completely.');
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, 64));
  const gzip = isGzip(head);
  if (!gzip && !looksLikeJson(head)) return notGzip(head);
  const isize =
    gzip && data.length >= 18
      ? Buffer.from(data.buffer, data.byteOffset + data.length - 4, 4).readUInt32LE(0)
      : data.length;
  const chunks: Buffer[] = [];
  for (let off = 0; off < data.length; off += MiB) {
    chunks.push(Buffer.from(data.buffer, data.byteOffset + off, Math.min(MiB, data.length - off)));
  }
  return collect(Readable.from(chunks), data.length, gzip, isize, opts, undefined, true);
}

class TooLarge extends Error {}

async function collect(
  input: Readable,
  totalBytes: number,
  gzip: boolean,
  sizeHint: number | undefined,
  opts: ReadOptions,
  path: string | undefined,
  parse: boolean,
): Promise<BytesResult> {
  const maxText = Math.min(opts.maxTextBytes ?? Infinity, bufferConstants.MAX_STRING_LENGTH);
  opts.onPhase?.('reading', {});
  let bytesRead = 0;
  let lastReport = 0;
  input.on('data', (chunk: Buffer) => {
    bytesRead += chunk.length;
    const now = Date.now();
    if (opts.onProgress && now - lastReport >= 50) {
      lastReport = now;
      opts.onProgress(bytesRead, totalBytes);
    }
  });
  // Write straight into one buffer sized from the gzip trailer; grow only if the hint was wrong
  // (multi-member gzip, or more than 4 GiB).
  // A damaged trailer can claim anything: deflate never expands more than ~1032:1.
  const hint = Math.min(sizeHint ?? totalBytes * 8, totalBytes * 1032, maxText + 1);
  let buf = Buffer.allocUnsafe(Math.max(1024, hint));
  let length = 0;
  // Parse as the bytes arrive: gunzip runs on libuv's thread pool, so each step here (scheduled after
  // the chunk is taken, so that zlib has started on the next one) overlaps with decompression.
  let parser: JsonBytesParser | undefined;
  let parseFailed = !parse;
  let pending: NodeJS.Immediate | undefined;
  const step = (): void => {
    pending = undefined;
    if (parseFailed || opts.signal?.aborted) return;
    try {
      if (!parser) {
        if (length < 3) return;
        parser = new JsonBytesParser(hasBom(buf, length) ? 3 : 0, buf.length);
      }
      parser.feed(buf, length, false);
    } catch {
      parseFailed = true;
      parser = undefined;
    }
  };
  const sink = new Writable({
    highWaterMark: MiB,
    write(chunk: Buffer, _enc, cb) {
      if (length + chunk.length > maxText) {
        cb(new TooLarge());
        return;
      }
      if (length + chunk.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(maxText + 1, Math.max(buf.length * 2, length + chunk.length)));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      chunk.copy(buf, length);
      length += chunk.length;
      if (!parseFailed && pending === undefined) pending = setImmediate(step);
      cb();
    },
  });
  try {
    if (gzip) await pipeline(input, zlib.createGunzip({ chunkSize: 256 * 1024 }), sink, { signal: opts.signal });
    else await pipeline(input, sink, { signal: opts.signal });
  } catch (e) {
    if (pending !== undefined) clearImmediate(pending);
    parseFailed = true;
    if (opts.signal?.aborted) return fail('cancelled', 'Reading the profile was cancelled.');
    if (e instanceof TooLarge) {
      return fail(
        'tooLarge',
        `The profile is larger than ${Math.floor(maxText / MiB)} MiB uncompressed, too large to open here. ` +
          'Open it with samply instead.',
      );
    }
    const code = (e as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(String((e as Error).message))) {
      return fail(
        'truncated',
        'The gzip data ends early: the file is truncated (an interrupted download or copy?). ' +
          'Fetch the profile again.',
      );
    }
    if (code === 'Z_DATA_ERROR') {
      return fail(
        'invalid',
        `The gzip data is damaged (${(e as Error).message}). Fetch the profile again, or open it with samply.`,
      );
    }
    return ioError(path ?? 'the profile', e);
  }
  opts.onProgress?.(bytesRead, totalBytes);
  if (length === 0) return fail('truncated', 'The gzip data decompresses to nothing: the profile is empty.');
  if (pending !== undefined) clearImmediate(pending);
  const start = hasBom(buf, length) ? 3 : 0;
  return {
    ok: true,
    bytes: buf,
    start,
    end: length,
    gzip,
    parser: parseFailed ? undefined : (parser ?? new JsonBytesParser(start)),
  };
}

function hasBom(buf: Buffer, length: number): boolean {
  return length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/**
 * UTF-8 bytes to a string, as `buf.toString('utf8')` decodes them. Pure ASCII (the usual profile) takes
 * the latin1 decoder, a plain copy, instead of V8's UTF-8 decoder.
 */
export function decodeUtf8(buf: Buffer, start = 0, end = buf.length): string {
  const sub = buf.subarray(start, end);
  return sub.toString(isAscii(sub) ? 'latin1' : 'utf8');
}

const isAscii: (b: Buffer) => boolean =
  typeof (buffer as { isAscii?: unknown }).isAscii === 'function'
    ? (buffer as unknown as { isAscii(b: Buffer): boolean }).isAscii
    : () => false;

async function parseAndBuild(r: BytesResult, opts: ReadOptions): Promise<ModelResult> {
  if (!r.ok) return r;
  opts.onPhase?.('parsing', { textBytes: r.end - r.start });
  const parsed = parseJson(r);
  if (!parsed.ok) return parsed;
  if (opts.signal?.aborted) return fail('cancelled', 'Reading the profile was cancelled.');
  opts.onPhase?.('summarizing', {});
  return buildProfileModelAsync(parsed.json, { signal: opts.signal });
}

/** Parses the bytes, and drops the result's reference to them so they can be freed while the model is built. */
function parseJson(r: BytesResult & { ok: true }): { ok: true; json: unknown } | { ok: false; error: ProfileError } {
  const { bytes, start, end, gzip, parser } = r;
  r.bytes = Buffer.alloc(0);
  r.parser = undefined;
  if (parser) {
    try {
      // Straight from the bytes, with numeric columns as typed arrays (see jsonBytes.ts).
      parser.feed(bytes, end, true);
      return { ok: true, json: parser.result() };
    } catch {
      // Not JSON the fast parser takes: JSON.parse of the text decides, and words any error.
    }
  }
  try {
    return { ok: true, json: JSON.parse(decodeUtf8(bytes, start, end)) as unknown };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return fail(
      'notJson',
      `${gzip ? 'The file is gzip, but what it holds' : 'The file'} is not JSON (${clip(detail, 160)}). ` +
        'A samply profile is a gzipped JSON file.',
    );
  }
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

function fail(kind: ProfileError['kind'], message: string): { ok: false; error: ProfileError } {
  return { ok: false, error: { kind, message } };
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
