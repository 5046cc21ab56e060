// Streams a body to disk so that the target folder only ever gains a complete, verified file, and never loses or
// changes one: the bytes go to a hidden temp file beside the target (same file system), are checked as gzip on the fly,
// synced, and then hard-linked under a free name (link fails instead of overwriting, even when another writer races).
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { finished, type Readable } from 'stream';
import { GzipCheck, type StartCheckWorker } from './gzipCheck';
import { MAX_NAME_ATTEMPTS, numberedName } from './naming';
import type { DownloadError, DownloadResult } from './types';

export const DEFAULT_STALL_MS = 60_000;

export interface SaveStreamOptions {
  /** Aborting destroys the body and removes the temp file; the result is `{kind: 'cancelled'}`. */
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (default 60 s; 0 turns it off). */
  stallMs?: number;
  /** Called with the number of bytes received so far: 0 at the start, then once per slice (≤ 1 MiB) received. */
  onBytes?(n: number): void;
  /** Called once the body has ended, before the last checks and the sync to disk. */
  onBodyEnd?(n: number): void;
  /** `gzip` (default): the body must be one or more complete gzip members and nothing else. */
  validate?: 'gzip' | 'none';
  /** Creates the temp file (`wx`: never an existing one); replaceable so tests can make its writes fail. */
  openTempFile?(path: string): Promise<TempFile>;
  /** Starts the gzip check's worker thread; replaceable so tests can make it crash. */
  startCheckWorker?: StartCheckWorker;
}

/** The calls made on the temp file (what a `fs/promises` FileHandle offers). */
export interface TempFile {
  write(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

const openExclusive = (file: string): Promise<TempFile> => fsp.open(file, 'wx', 0o644);

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
 * Bytes go to the file and to the gzip check in slices of up to this many (received chunks copied together): each
 * write is a round trip to the thread pool and each slice a message to the check's worker, so fewer and larger ones
 * keep both busy.
 */
const SLICE_BYTES = 1024 * 1024;
/**
 * Slice buffers, reused: at most this many slices are received but not yet both written and checked (the body is
 * paused meanwhile). Reusing them keeps memory flat: a fresh buffer per slice is garbage that V8 collects late.
 */
const MAX_SLICES = 4;

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
  const refused = refuseAtOnce(finalName, signal);
  if (refused) {
    body.destroy();
    return { ok: false, error: refused };
  }
  const temp = await createTempFile(folder, finalName, opts.openTempFile ?? openExclusive);
  if ('error' in temp) {
    body.destroy();
    return { ok: false, error: temp.error };
  }
  const copy = new CopyToTempFile(body, temp.fh, temp.path, opts);
  try {
    const bytes = await copy.run();
    await temp.fh.close();
    if (signal?.aborted) throw new Failure({ kind: 'cancelled' });
    const finalPath = await placeWithoutOverwrite(temp.path, folder, finalName);
    return { ok: true, path: finalPath, bytes };
  } catch (e) {
    await copy.settled();
    await temp.fh.close().catch(() => undefined);
    await fsp.unlink(temp.path).catch(() => undefined);
    return { ok: false, error: e instanceof Failure ? e.error : classify(e, signal) };
  }
}

/** What is wrong before anything is touched: an abort already signalled, or a name that is not a plain file name. */
function refuseAtOnce(finalName: string, signal: AbortSignal | undefined): DownloadError | undefined {
  if (signal?.aborted) return { kind: 'cancelled' };
  if (!isPlainName(finalName)) {
    return { kind: 'filesystem', message: `"${finalName}" is not a plain file name.`, code: 'EINVAL' };
  }
  return undefined;
}

/** Creates the folder and a new hidden temp file in it (never an existing one). */
async function createTempFile(
  folder: string,
  finalName: string,
  open: (file: string) => Promise<TempFile>,
): Promise<{ fh: TempFile; path: string } | { error: DownloadError }> {
  try {
    await fsp.mkdir(folder, { recursive: true });
  } catch (e) {
    return { error: fsError(`Could not create the folder ${folder}`, e) };
  }
  const tempPath = path.join(folder, tempName(finalName));
  try {
    return { fh: await open(tempPath), path: tempPath };
  } catch (e) {
    return { error: fsError(`Could not write into the folder ${folder}`, e) };
  }
}

/**
 * Copies a body into an open temp file while checking it as gzip, and syncs the file. The network, the disk and the
 * check overlap: received chunks are copied into slices; each full slice (or, when nothing is in flight, whatever has
 * arrived) is written at its offset and fed to the check without waiting for the slices before it. The body is
 * paused only while every slice buffer is in use. Any failure (body error, write error, bad gzip, stall, abort)
 * destroys the body and rejects run().
 */
class CopyToTempFile {
  private readonly gzip: GzipCheck | undefined;
  private readonly stallMs: number;
  /** The slice buffers' memory, shared with the gzip check's worker (which reads the slices in place). */
  private readonly memory = new SharedArrayBuffer(SLICE_BYTES * MAX_SLICES);
  private readonly free: Buffer[] = [];
  private allocated = 0;
  /** The slice being filled, and how far. */
  private slice: Buffer | undefined;
  private filled = 0;
  /** Chunks (or their rest) that arrived while every slice buffer was in use, in order. */
  private waiting: Buffer[] = [];
  private slicesInFlight = 0;
  /** Bytes handed to the file and the check so far: the offset of the next slice. */
  private dispatched = 0;
  private bodyEnded = false;
  /** Whether the check has taken in the first slice (always, without a check). */
  private firstSliceChecked: boolean;
  private paused = false;
  private finishing = false;
  private failure: Failure | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private writesDone: Promise<void> = Promise.resolve();
  private outcome?: { resolve(bytes: number): void; reject(e: Failure): void };

  constructor(
    private readonly body: Readable,
    private readonly fh: TempFile,
    private readonly tempPath: string,
    private readonly opts: SaveStreamOptions,
  ) {
    this.stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
    this.gzip =
      opts.validate === 'none' ? undefined : new GzipCheck(this.memory, (e) => this.fail(e), opts.startCheckWorker);
    this.firstSliceChecked = !this.gzip;
  }

  run(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      // The check could not even start.
      if (this.failure) return reject(this.failure);
      this.outcome = { resolve, reject };
      this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
      report(this.opts.onBytes, 0);
      this.armStallTimer();
      finished(this.body, { writable: false }, (err) => {
        if (err) this.fail(err instanceof Failure ? err : classify(err, this.opts.signal));
        else this.onBodyEnd();
      });
      this.body.on('data', this.onData);
    });
  }

  /**
   * Resolves once no write is running any more and the check's worker has ended (after a failure, before the temp
   * file is removed): nothing of the download outlives its result.
   */
  async settled(): Promise<void> {
    await this.writesDone.catch(() => undefined);
    await this.gzip?.stopped;
  }

  private readonly onAbort = () => this.fail(new Failure({ kind: 'cancelled' }));

  private readonly onData = (chunk: Buffer | string) => {
    if (this.failure) return;
    this.stallTimer?.refresh();
    const buf = toBuffer(chunk);
    if (this.waiting.length > 0) this.waiting.push(buf);
    else this.take(buf);
    // Idle: write at once (a slow body is written as it comes). Busy: fill the slice.
    if (this.slicesInFlight === 0) this.dispatch();
    // Nothing more is read until the first slice has passed: a body that is not gzip at all (an HTML error page)
    // stops there, however fast it comes.
    if (!this.firstSliceChecked || this.waiting.length > 0) this.pause();
  };

  /** Copies `buf` into slices, dispatching each one that fills; what does not fit waits for a free slice buffer. */
  private take(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) {
      if (!this.slice) {
        this.slice = this.free.pop() ?? this.allocate();
        if (!this.slice) {
          this.waiting.push(off === 0 ? buf : buf.subarray(off));
          return;
        }
        this.filled = 0;
      }
      const n = buf.copy(this.slice, this.filled, off);
      this.filled += n;
      off += n;
      if (this.filled === this.slice.length) this.dispatch();
    }
  }

  private allocate(): Buffer | undefined {
    if (this.allocated >= MAX_SLICES) return undefined;
    return Buffer.from(this.memory, SLICE_BYTES * this.allocated++, SLICE_BYTES);
  }

  private onBodyEnd(): void {
    if (this.failure) return;
    this.bodyEnded = true;
    this.disarmStallTimer();
    const waiting = this.waiting.reduce((sum, b) => sum + b.length, 0);
    report(this.opts.onBodyEnd, this.dispatched + this.filled + waiting);
    if (this.slicesInFlight === 0) this.dispatch();
    this.maybeFinish();
  }

  /** Writes and checks the slice filled so far, without waiting for the slices before it. */
  private dispatch(): void {
    const buffer = this.slice;
    if (!buffer || this.filled === 0 || this.failure) return;
    const bytes = buffer.subarray(0, this.filled);
    this.slice = undefined;
    this.filled = 0;
    const position = this.dispatched;
    this.dispatched += bytes.length;
    this.slicesInFlight++;
    // Once a slice, not once a chunk: a progress report can cost a message to the UI.
    if (!this.bodyEnded) report(this.opts.onBytes, this.dispatched);
    let pending = this.gzip ? 2 : 1;
    const done = () => {
      if (--pending > 0) return;
      this.slicesInFlight--;
      this.free.push(buffer);
      if (!this.failure) this.afterSlice();
    };
    const write = writeAt(this.fh, bytes, position).then(done, (e: unknown) =>
      this.fail(new Failure(fsError(`Could not write ${this.tempPath}`, e))),
    );
    this.writesDone = Promise.all([this.writesDone, write]).then(() => undefined);
    this.gzip?.feed(bytes, () => {
      if (!this.firstSliceChecked) {
        this.firstSliceChecked = true;
        if (!this.failure) this.afterSlice();
      }
      done();
    });
  }

  /** A slice buffer is free again: take in what waited for it, go on reading, or finish. */
  private afterSlice(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (let i = 0; i < waiting.length; i++) {
      this.take(waiting[i]);
      if (this.waiting.length > 0) {
        this.waiting.push(...waiting.slice(i + 1));
        break;
      }
    }
    if (this.slicesInFlight === 0 || (this.bodyEnded && this.waiting.length === 0)) this.dispatch();
    if (this.paused && this.waiting.length === 0 && !this.bodyEnded) this.resume();
    this.maybeFinish();
  }

  /** After the body's end and the last slice: the end of the gzip check, then the sync to disk. */
  private maybeFinish(): void {
    if (!this.bodyEnded || this.slicesInFlight > 0 || this.filled > 0 || this.waiting.length > 0) return;
    if (this.finishing || this.failure) return;
    this.finishing = true;
    (async () => {
      const bad = await this.gzip?.finish();
      if (bad) throw new Failure(bad);
      await this.fh.sync().catch((e: unknown) => {
        throw new Failure(fsError(`Could not write ${this.tempPath}`, e));
      });
    })().then(
      () => {
        if (this.failure) return;
        this.cleanUp();
        this.outcome?.resolve(this.dispatched);
      },
      (e: unknown) => this.fail(e instanceof Failure ? e : new Failure(fsError(`Could not write ${this.tempPath}`, e))),
    );
  }

  private fail(f: Failure | DownloadError): void {
    if (this.failure) return;
    this.failure = f instanceof Failure ? f : new Failure(f);
    this.cleanUp();
    this.body.destroy();
    this.gzip?.destroy();
    this.outcome?.reject(this.failure);
  }

  private cleanUp(): void {
    this.disarmStallTimer();
    this.body.off('data', this.onData);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    // Waiting for the disk or the check is not the server stalling.
    this.disarmStallTimer();
    this.body.pause();
  }

  private resume(): void {
    this.paused = false;
    this.armStallTimer();
    this.body.resume();
  }

  private armStallTimer(): void {
    this.disarmStallTimer();
    if (this.stallMs <= 0) return;
    const stallMs = this.stallMs;
    this.stallTimer = setTimeout(() => {
      const secs = Math.round(stallMs / 100) / 10;
      this.fail({
        kind: 'stalled',
        afterMs: stallMs,
        message: `The server sent nothing for ${secs} s, so the download was stopped. Try again; if it keeps happening, check the network or proxy between VS Code and Feldera.`,
      });
    }, stallMs);
  }

  private disarmStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
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

/** Writes all of `buf` at `position` (positional, so several writes can be in flight at once). */
async function writeAt(fh: TempFile, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
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
