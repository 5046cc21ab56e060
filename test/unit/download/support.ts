// Helpers shared by the download tests: temp folders, bodies that misbehave on purpose, generated gzip streams.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import * as zlib from 'zlib';

const made: string[] = [];

/** A fresh folder under the OS temp dir, removed by `removeTempDirs`. */
export function tempDir(prefix = 'feldera-dl-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) {
    try {
      fs.chmodSync(d, 0o755);
    } catch {
      // already gone
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Everything in a folder, hidden files included, sorted. */
export function listing(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** A realistic-ish compressible JSON document, gzipped. */
export function sampleGzip(size = 200_000, seed = 'x'): Buffer {
  const rows: string[] = [];
  let n = 0;
  while (n < size) {
    const row = `{"t":${rows.length},"f":"${seed}-${crypto.createHash('md5').update(String(rows.length)).digest('hex')}"}`;
    rows.push(row);
    n += row.length + 1;
  }
  return zlib.gzipSync(Buffer.from(`[${rows.join(',')}]`), { level: 2 });
}

/** Emits `data` in `chunkSize` pieces, waiting `delayMs` between them. Tracks how far it got. */
export class SlowBody extends Readable {
  sent = 0;
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly data: Buffer,
    private readonly chunkSize = 16 * 1024,
    private readonly delayMs = 0,
  ) {
    super();
  }
  override _read(): void {
    const go = () => {
      this.timer = undefined;
      if (this.sent >= this.data.length) {
        this.push(null);
        return;
      }
      const end = Math.min(this.data.length, this.sent + this.chunkSize);
      const chunk = this.data.subarray(this.sent, end);
      this.sent = end;
      this.push(chunk);
    };
    if (this.delayMs > 0) this.timer = setTimeout(go, this.delayMs);
    else go();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    cb(err);
  }
}

/** Sends `data` then goes silent forever (a stalled server), until destroyed. */
export class StallingBody extends Readable {
  private given = false;
  constructor(private readonly data: Buffer) {
    super();
  }
  override _read(): void {
    if (this.given) return;
    this.given = true;
    this.push(this.data);
  }
}

/** Sends `data` then fails like a reset connection. */
export function resettingBody(data: Buffer): Readable {
  let given = false;
  return new Readable({
    read() {
      if (!given) {
        given = true;
        this.push(data);
        return;
      }
      setTimeout(() => this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 10);
    },
  });
}

/**
 * A valid gzip stream of about `compressedBytes`, made of stored (uncompressed) deflate blocks so it is generated at
 * memory speed. `digest()` gives the sha256 of what was emitted, `emitted` its length.
 */
export class StoredGzipStream extends Readable {
  emitted = 0;
  private readonly hash = crypto.createHash('sha256');
  private readonly block = crypto.randomBytes(65_535);
  private remaining: number;
  private crc = 0;
  private isize = 0;
  private state: 'header' | 'blocks' | 'trailer' | 'done' = 'header';
  private counter = 0;

  constructor(compressedBytes: number) {
    super({ highWaterMark: 64 * 1024 });
    this.remaining = Math.max(1, compressedBytes - 18);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  override _read(): void {
    switch (this.state) {
      case 'header':
        this.state = 'blocks';
        return this.emit1(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]));
      case 'blocks': {
        const len = Math.min(65_535, Math.max(1, this.remaining - 5));
        const last = this.remaining - 5 - len <= 0;
        const data = this.block.subarray(0, len);
        if (len >= 4) data.writeUInt32LE(this.counter++ >>> 0, 0);
        const head = Buffer.alloc(5);
        head[0] = last ? 1 : 0;
        head.writeUInt16LE(len, 1);
        head.writeUInt16LE(~len & 0xffff, 3);
        this.crc = zlib.crc32(data, this.crc);
        this.isize = (this.isize + len) >>> 0;
        this.remaining -= len + 5;
        if (last) this.state = 'trailer';
        return this.emit1(Buffer.concat([head, data]));
      }
      case 'trailer': {
        this.state = 'done';
        const t = Buffer.alloc(8);
        t.writeUInt32LE(this.crc >>> 0, 0);
        t.writeUInt32LE(this.isize, 4);
        return this.emit1(t);
      }
      default:
        this.push(null);
    }
  }

  private emit1(b: Buffer): void {
    this.hash.update(b);
    this.emitted += b.length;
    this.push(b);
  }
}

export async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A clock that moves only when someone sleeps on it. The fetcher (option `clock`) and the emulator (option `clock`)
 * sharing one run a collection of minutes in milliseconds, over real HTTP, with every wait recorded.
 */
export class VirtualClock {
  private t: number;
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(start = Date.now()) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly sleep = (ms: number, signal: AbortSignal): Promise<boolean> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      this.sleeps.push(ms);
      this.t += Math.max(0, ms);
      // Let I/O and timers run in between, as a real sleep would.
      setImmediate(() => resolve(!signal.aborted));
    });
}
