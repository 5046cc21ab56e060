// Streams a body to disk so that the target folder only ever gains a complete, verified file, and never loses or
// changes one: the bytes go to a hidden temp file beside the target (same file system), are checked as gzip on the fly,
// synced, and then hard-linked under a free name (link fails instead of overwriting, even when another writer races).
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import type { FileHandle } from 'fs/promises';
import * as path from 'path';
import { Writable, type Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { MAX_NAME_ATTEMPTS, numberedName } from './naming';
import type { DownloadError, DownloadResult } from './types';

export const DEFAULT_STALL_MS = 60_000;

export interface SaveStreamOptions {
  /** Aborting destroys the body and removes the temp file; the result is `{kind: 'cancelled'}`. */
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (default 60 s; 0 turns it off). */
  stallMs?: number;
  /** Called with the total number of bytes written so far, as they arrive. */
  onBytes?(n: number): void;
  /** Called once the body has ended, before the last checks and the sync to disk. */
  onBodyEnd?(n: number): void;
  /** `gzip` (default): the body must be one or more complete gzip members and nothing else. */
  validate?: 'gzip' | 'none';
}

/** File-system calls used to move the temp file into place; replaceable so tests can take the fallback path. */
export interface PlaceFs {
  link(existing: string, created: string): Promise<void>;
}

/** A failure already turned into the value the caller gets. */
class Failure extends Error {
  constructor(readonly error: DownloadError) {
    super('message' in error ? error.message : error.kind);
  }
}

/**
 * Saves `body` as `folder/finalName` (or `finalName` numbered `-1`, `-2`... when that name is taken), creating the
 * folder. Never overwrites a file; on any failure, stall or abort, removes its temp file and leaves the folder as it
 * was (apart from creating it). Memory use does not depend on the body's size.
 */
export async function saveStreamAtomically(
  body: Readable,
  folder: string,
  finalName: string,
  opts: SaveStreamOptions = {},
): Promise<DownloadResult> {
  const { signal } = opts;
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  if (signal?.aborted) {
    body.destroy();
    return { ok: false, error: { kind: 'cancelled' } };
  }
  if (!isPlainName(finalName)) {
    body.destroy();
    return fsFailure(`"${finalName}" is not a plain file name.`, 'EINVAL');
  }
  try {
    await fsp.mkdir(folder, { recursive: true });
  } catch (e) {
    body.destroy();
    return { ok: false, error: fsError(`Could not create the folder ${folder}`, e) };
  }
  const tempPath = path.join(folder, tempName(finalName));
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(tempPath, 'wx', 0o644);
  } catch (e) {
    body.destroy();
    return { ok: false, error: fsError(`Could not write into the folder ${folder}`, e) };
  }

  let failure: Failure | undefined;
  let bytes = 0;
  let stallTimer: NodeJS.Timeout | undefined;
  const gzip = opts.validate === 'none' ? undefined : new GzipCheck();
  const file = fh;

  const fail = (error: DownloadError) => {
    failure ??= new Failure(error);
    sink.destroy(failure);
    body.destroy();
  };
  const disarm = () => {
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = undefined;
  };
  const arm = () => {
    disarm();
    if (stallMs > 0) {
      stallTimer = setTimeout(() => {
        const secs = Math.round(stallMs / 100) / 10;
        fail({
          kind: 'stalled',
          afterMs: stallMs,
          message: `The server sent nothing for ${secs} s, so the download was stopped. Try again; if it keeps happening, check the network or proxy between VS Code and Feldera.`,
        });
      }, stallMs);
    }
  };
  const onAbort = () => fail({ kind: 'cancelled' });

  const handle = async (chunks: Buffer[]) => {
    disarm();
    const n = chunks.reduce((sum, c) => sum + c.length, 0);
    bytes += n;
    await Promise.all([
      writeAll(file, chunks).catch((e: unknown) => {
        throw new Failure(fsError(`Could not write ${tempPath}`, e));
      }),
      gzip?.write(chunks),
    ]);
    report(opts.onBytes, bytes);
    arm();
  };

  const sink = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      handle([toBuffer(chunk)]).then(() => cb(), cb);
    },
    writev(chunks, cb) {
      handle(chunks.map((c) => toBuffer(c.chunk as Buffer | string))).then(() => cb(), cb);
    },
    final(cb) {
      disarm();
      report(opts.onBodyEnd, bytes);
      (async () => {
        await gzip?.finish();
        await file.sync().catch((e: unknown) => {
          throw new Failure(fsError(`Could not write ${tempPath}`, e));
        });
      })().then(() => cb(), cb);
    },
  });

  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    report(opts.onBytes, 0);
    arm();
    await pipeline(body, sink);
    if (failure) throw failure;
    await fh.close();
    fh = undefined;
    if (signal?.aborted) throw new Failure({ kind: 'cancelled' });
    const finalPath = await placeWithoutOverwrite(tempPath, folder, finalName);
    return { ok: true, path: finalPath, bytes };
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.unlink(tempPath).catch(() => undefined);
    return { ok: false, error: failure?.error ?? classify(e, signal) };
  } finally {
    disarm();
    gzip?.destroy();
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Moves `tempPath` to `folder/name` (or the first free numbered name) without ever replacing an existing file.
 * `link` fails with EEXIST when the name is taken, so a racing writer cannot be overwritten. Where hard links are not
 * supported (FAT, some network shares), the name is first claimed by an exclusive create, then renamed onto.
 * Returns the final path; throws a Failure.
 */
export async function placeWithoutOverwrite(
  tempPath: string,
  folder: string,
  name: string,
  fs: PlaceFs = { link: (a, b) => fsp.link(a, b) },
): Promise<string> {
  for (let n = 0; n < MAX_NAME_ATTEMPTS; n++) {
    const dest = path.join(folder, numberedName(name, n));
    try {
      await fs.link(tempPath, dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code && LINK_UNSUPPORTED.has(code)) return placeByClaimAndRename(tempPath, folder, name, n);
      throw new Failure(fsError(`Could not save ${dest}`, e));
    }
    await fsp.unlink(tempPath).catch(() => undefined);
    await syncFolder(folder);
    return dest;
  }
  throw new Failure({ kind: 'filesystem', code: 'EEXIST', message: `No free file name for ${name} in ${folder}.` });
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EINVAL']);

async function placeByClaimAndRename(tempPath: string, folder: string, name: string, from: number): Promise<string> {
  for (let n = from; n < MAX_NAME_ATTEMPTS; n++) {
    const dest = path.join(folder, numberedName(name, n));
    try {
      // 'wx' = O_CREAT | O_EXCL: only one writer can claim a name; the rename then replaces our own empty claim.
      await (await fsp.open(dest, 'wx', 0o644)).close();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Failure(fsError(`Could not save ${dest}`, e));
    }
    try {
      await fsp.rename(tempPath, dest);
    } catch (e) {
      await fsp.unlink(dest).catch(() => undefined);
      throw new Failure(fsError(`Could not save ${dest}`, e));
    }
    await syncFolder(folder);
    return dest;
  }
  throw new Failure({ kind: 'filesystem', code: 'EEXIST', message: `No free file name for ${name} in ${folder}.` });
}

/** Makes the new directory entry durable where the platform allows it (not on Windows); best effort. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const dir = await fsp.open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Opening or syncing a directory is not supported everywhere; the file itself was synced already.
  }
}

/**
 * Feeds bytes through a gunzip whose output is thrown away, so a truncated member, a non-gzip body or trailing bytes
 * after the last member are caught while downloading (an HTML error page fails on its first chunk).
 */
class GzipCheck {
  // Large output buffers: inflating into 16 KiB pieces (the default) halves the check's speed (see BENCHMARKS.md).
  private readonly z = zlib.createGunzip({ chunkSize: 256 * 1024 });
  private fed = 0;
  private ended = false;
  private error: Failure | undefined;
  private readonly failed: Promise<never>;

  constructor() {
    this.failed = new Promise<never>((_, reject) => {
      this.z.on('error', (e) => {
        this.error ??= corrupt(`The download is not a complete gzip file (${e.message}).`);
        reject(this.error);
      });
      this.z.on('close', () => {
        if (!this.ended) reject((this.error ??= corrupt('The gzip check stopped early.')));
      });
    });
    this.failed.catch(() => undefined);
    this.z.on('end', () => (this.ended = true));
    this.z.resume();
  }

  async write(chunks: Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      if (this.error) throw this.error;
      // zlib stops at zero padding after a member and would silently ignore whatever follows.
      if (this.ended) throw this.trailing(chunk.length);
      this.fed += chunk.length;
      // One waiter per chunk, settled by the write callback or by a zlib error: racing each write against the
      // long-lived `failed` promise would leave a reaction on it per chunk (memory growing with the download).
      await new Promise<void>((resolve, reject) => {
        const onError = () => reject(this.error);
        this.z.once('error', onError);
        this.z.write(chunk, (e) => {
          this.z.off('error', onError);
          if (e || this.error) reject(this.error ?? e);
          else resolve();
        });
      });
    }
  }

  async finish(): Promise<void> {
    if (this.error) throw this.error;
    if (this.fed === 0) throw corrupt('The server sent an empty profile.');
    if (!this.ended) {
      const ended = new Promise<void>((resolve) => this.z.once('end', resolve));
      this.z.end();
      await Promise.race([this.failed, ended]);
    }
    if (this.z.bytesWritten !== this.fed) throw this.trailing(this.fed - this.z.bytesWritten);
  }

  destroy(): void {
    this.z.destroy();
  }

  private trailing(n: number): Failure {
    return (this.error ??= corrupt(`The download has ${n}+ unexpected bytes after the end of the gzip data.`));
  }
}

function corrupt(message: string): Failure {
  return new Failure({ kind: 'corrupt', message });
}

async function writeAll(fh: FileHandle, chunks: Buffer[]): Promise<void> {
  const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

function classify(e: unknown, signal: AbortSignal | undefined): DownloadError {
  if (e instanceof Failure) return e.error;
  if (signal?.aborted) return { kind: 'cancelled' };
  // Anything else came from the body: the connection broke mid-download.
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message =
    code === 'ERR_STREAM_PREMATURE_CLOSE'
      ? 'The connection closed before the profile was complete.'
      : `The download broke off: ${err?.message ?? String(e)}`;
  return { kind: 'network', message, code };
}

function fsError(what: string, e: unknown): DownloadError {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const reason = code ? describeFsCode(code) : (err?.message ?? String(e));
  return { kind: 'filesystem', code, message: `${what}: ${reason}` };
}

function fsFailure(message: string, code: string): DownloadResult {
  return { ok: false, error: { kind: 'filesystem', message, code } };
}

function describeFsCode(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied. Choose a folder you can write to (setting feldera.profiles.folder).';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way where a folder is needed. Remove it or choose another folder (setting feldera.profiles.folder).';
    case 'ENOSPC':
      return 'the disk is full. Free some space and try again.';
    case 'EROFS':
      return 'the file system is read-only. Choose another folder (setting feldera.profiles.folder).';
    default:
      return `error ${code}.`;
  }
}

function isPlainName(name: string): boolean {
  return (
    name.length > 0 &&
    name !== '.' &&
    name !== '..' &&
    path.basename(name) === name &&
    !/[/\\]/.test(name) &&
    !name.includes('\0')
  );
}

function tempName(finalName: string): string {
  const base = Buffer.byteLength(finalName, 'utf8') > 200 ? 'feldera-download' : finalName;
  return `.${base}.${randomBytes(6).toString('hex')}.part`;
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
}

function report(onBytes: ((n: number) => void) | undefined, n: number): void {
  try {
    onBytes?.(n);
  } catch {
    // A progress callback's failure must not break the download.
  }
}
