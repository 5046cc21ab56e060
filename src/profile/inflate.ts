// Gunzip in a thread of its own, for big profiles: a Readable of the inflated text whose inflating never waits for the
// reading thread's event loop. (zlib's own stream inflates on the thread pool, but needs the thread that owns it to
// hand over each output chunk and start the next: while that thread parses, zlib waits.) The thread reads the file (or
// bytes it is given), inflates, and posts the text in chunks, at most WINDOW bytes ahead of what the reader has taken.
import { Readable } from 'stream';
import { Worker } from 'worker_threads';

/** How far the inflating thread may run ahead of the reader (bytes posted, not yet taken). */
const WINDOW = 16 * 1024 * 1024;
/** The reader tells the thread what it took, in steps of this many bytes. */
const ACK = 4 * 1024 * 1024;

// The thread's code, self-contained (it runs as `eval`, so no bundling is needed).
const CODE = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const zlib = require('zlib');
const { Readable, Writable } = require('stream');
const { pipeline } = require('stream/promises');
let credit = workerData.window;
let held = null;
// Buffers the reader gave back once parsed: reused, so that the text never piles up as garbage in the reader.
const free = [];
parentPort.on('message', (m) => {
  credit += m.taken;
  for (const b of m.buffers) free.push(b);
  if (held && credit > 0) { const cb = held; held = null; cb(); }
});
let compressed = 0;
const input = workerData.path !== undefined
  ? fs.createReadStream(workerData.path, { highWaterMark: 1 << 20 })
  : Readable.from([Buffer.from(workerData.bytes.buffer, workerData.bytes.byteOffset, workerData.bytes.length)]);
input.on('data', (c) => { compressed += c.length; });
pipeline(input, zlib.createGunzip({ chunkSize: 1 << 20 }), new Writable({
  highWaterMark: 0,
  write(c, _enc, cb) {
    // zlib's chunk is a piece of a buffer it goes on writing into: a copy of it is what can be handed over.
    let ab = free.pop();
    if (!ab || ab.byteLength < c.length) ab = new ArrayBuffer(Math.max(c.length, 1 << 20));
    c.copy(Buffer.from(ab, 0, c.length));
    parentPort.postMessage({ chunk: ab, length: c.length, compressed }, [ab]);
    credit -= c.length;
    if (credit > 0) cb(); else held = cb;
  },
})).then(
  () => parentPort.postMessage({ end: true, compressed }),
  (e) => parentPort.postMessage({ error: { message: String(e && e.message), code: e && e.code, errno: e && e.errno }, compressed }),
);
`;

/** The inflated text of a gzip file (or gzip bytes), inflated in a thread of its own. */
export class ThreadedGunzip extends Readable {
  private readonly worker: Worker;
  private taken = 0;
  private returned: ArrayBuffer[] = [];
  private ended = false;
  /** Compressed bytes read so far. */
  compressedBytes = 0;

  constructor(source: { path: string } | { bytes: Uint8Array }) {
    super({ highWaterMark: WINDOW });
    this.worker = new Worker(CODE, { eval: true, workerData: { ...source, window: WINDOW } });
    this.worker.on('message', (m: ThreadMessage) => {
      this.compressedBytes = m.compressed;
      if (m.chunk) {
        const b = Buffer.from(m.chunk, 0, m.length);
        // Past the stream's mark or not, the thread is held back by what the reader has taken (took()).
        this.push(b);
      } else if (m.end) {
        this.ended = true;
        this.push(null);
        void this.worker.terminate();
      } else if (m.error) {
        const e = Object.assign(new Error(m.error.message), { code: m.error.code, errno: m.error.errno });
        this.destroy(e);
      }
    });
    this.worker.on('error', (e) => this.destroy(e));
    this.worker.on('exit', () => {
      if (!this.ended && !this.destroyed) this.destroy(new Error('The inflating thread stopped.'));
    });
  }

  /**
   * The reader is done with `chunk` (one this stream gave it): the thread may go on that much further, and reuses its
   * memory. The chunk must not be used afterwards.
   */
  done(chunk: Buffer): void {
    this.taken += chunk.length;
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength >= 1 << 20) this.returned.push(chunk.buffer as ArrayBuffer);
    if (this.taken >= ACK) {
      const buffers = this.returned;
      this.worker.postMessage({ taken: this.taken, buffers }, buffers);
      this.taken = 0;
      this.returned = [];
    }
  }

  override _read(): void {
    // Chunks come as the thread posts them.
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    void this.worker.terminate();
    cb(err);
  }
}

interface ThreadMessage {
  chunk?: ArrayBuffer;
  length: number;
  end?: boolean;
  error?: ZlibErrorData;
  compressed: number;
}

interface ZlibErrorData {
  message: string;
  code?: string;
  errno?: number;
}
