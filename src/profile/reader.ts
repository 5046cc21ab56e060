// Reads a samply profile from disk: streams the gzip (or plain JSON) into one buffer, parses it once,
// and builds the model. Every failure comes back as a ProfileError value with a kind; nothing throws.
import * as fs from 'fs';
import { constants as bufferConstants } from 'buffer';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
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
  return parseAndBuild(await readProfileText(path, opts), opts);
}

export async function readProfileModelFromBytes(data: Uint8Array, opts: ReadOptions = {}): Promise<ModelResult> {
  return parseAndBuild(await decompressBytes(data, opts), opts);
}

/** Streams the file and returns its decompressed text. */
export async function readProfileText(path: string, opts: ReadOptions = {}): Promise<TextResult> {
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
  return collect(input, size, gzip, gzip ? isize : size, opts, path);
}

async function decompressBytes(data: Uint8Array, opts: ReadOptions): Promise<TextResult> {
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
  return collect(Readable.from(chunks), data.length, gzip, isize, opts, undefined);
}

class TooLarge extends Error {}

async function collect(
  input: Readable,
  totalBytes: number,
  gzip: boolean,
  sizeHint: number | undefined,
  opts: ReadOptions,
  path: string | undefined,
): Promise<TextResult> {
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
      cb();
    },
  });
  try {
    if (gzip) await pipeline(input, zlib.createGunzip({ chunkSize: 256 * 1024 }), sink, { signal: opts.signal });
    else await pipeline(input, sink, { signal: opts.signal });
  } catch (e) {
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
  let start = 0;
  if (length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  return { ok: true, text: buf.toString('utf8', start, length), gzip };
}

async function parseAndBuild(r: TextResult, opts: ReadOptions): Promise<ModelResult> {
  if (!r.ok) return r;
  opts.onPhase?.('parsing', { textBytes: r.text.length });
  // Drop every reference to the text once parsed, so it can be freed while the model is built.
  let text = r.text;
  r.text = '';
  let json: unknown;
  try {
    json = JSON.parse(text);
    text = '';
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return fail(
      'notJson',
      `${r.gzip ? 'The file is gzip, but what it holds' : 'The file'} is not JSON (${clip(detail, 160)}). ` +
        'A samply profile is a gzipped JSON file.',
    );
  }
  if (opts.signal?.aborted) return fail('cancelled', 'Reading the profile was cancelled.');
  opts.onPhase?.('summarizing', {});
  return buildProfileModelAsync(json, { signal: opts.signal });
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

function notGzip(head: Buffer): TextResult {
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
