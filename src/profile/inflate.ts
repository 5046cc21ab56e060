// Gunzip in a thread of its own, for big profiles: the reader takes the inflated text from a ring of shared memory as
// fast as it can parse it, while the thread reads the file (or bytes it is given) and inflates ahead of it. zlib's
// own stream inflates on the thread pool, but needs the thread that owns it to hand over each output chunk and start
// the next one: while that thread parses, zlib would wait. Here it never does (until the ring is full), and no
// buffer is handed from thread to thread: nothing piles up for the reader's garbage collector.
import { Worker } from 'worker_threads';

/** The ring: how far the inflating thread may run ahead of the reader. A power of two. */
const RING = 32 * 1024 * 1024;
/** Positions count bytes modulo this (a multiple of RING that fits an int32). */
const POS_MASK = 0x3fffffff;
/** The most one piece handed to the reader holds. */
const PIECE = 4 * 1024 * 1024;

// Control words (Int32Array over a SharedArrayBuffer); STATE starts at 0, running.
const WRITTEN = 0;
const TAKEN = 1;
const STATE = 2;
/** Compressed bytes read by the thread, in KiB. */
const READ_KIB = 3;
/** 1 while the thread waits for the reader to take some of the ring (only then does the reader wake it). */
const WAITING = 4;
const ENDED = 1;
const FAILED = 2;
const STOPPED = 3;

// The thread's code, self-contained (it runs as `eval`, so no bundling is needed).
const CODE = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const zlib = require('zlib');
const { Readable, Writable } = require('stream');
const { pipeline } = require('stream/promises');
const ring = new Uint8Array(workerData.ring);
const ctrl = new Int32Array(workerData.ctrl);
const RING = ring.length;
const MASK = ${POS_MASK};
let written = 0;
let compressed = 0;
const input = workerData.path !== undefined
  ? fs.createReadStream(workerData.path, { highWaterMark: 1 << 20 })
  : Readable.from([Buffer.from(workerData.bytes.buffer, workerData.bytes.byteOffset, workerData.bytes.length)]);
input.on('data', (c) => {
  compressed += c.length;
  Atomics.store(ctrl, ${READ_KIB}, Math.floor(compressed / 1024));
});
pipeline(input, zlib.createGunzip({ chunkSize: 1 << 20 }), new Writable({
  highWaterMark: 0,
  write(c, _enc, cb) {
    let at = 0;
    while (at < c.length) {
      if (Atomics.load(ctrl, ${STATE}) === ${STOPPED}) return cb(new Error('stopped'));
      const taken = Atomics.load(ctrl, ${TAKEN});
      const free = RING - ((written - taken) & MASK);
      if (free === 0) {
        // The reader is behind: wait for it to take some (or to stop).
        Atomics.store(ctrl, ${WAITING}, 1);
        if (Atomics.load(ctrl, ${TAKEN}) === taken) Atomics.wait(ctrl, ${TAKEN}, taken, 100);
        Atomics.store(ctrl, ${WAITING}, 0);
        continue;
      }
      const offset = written % RING;
      const n = Math.min(free, c.length - at, RING - offset);
      ring.set(c.subarray(at, at + n), offset);
      at += n;
      written = (written + n) & MASK;
      Atomics.store(ctrl, ${WRITTEN}, written);
      Atomics.notify(ctrl, ${WRITTEN});
    }
    cb();
  },
})).then(
  () => {
    Atomics.store(ctrl, ${STATE}, ${ENDED});
    Atomics.notify(ctrl, ${WRITTEN});
  },
  (e) => {
    if (Atomics.load(ctrl, ${STATE}) === ${STOPPED}) return;
    parentPort.postMessage({ message: String(e && e.message), code: e && e.code, errno: e && e.errno });
    Atomics.store(ctrl, ${STATE}, ${FAILED});
    Atomics.notify(ctrl, ${WRITTEN});
  },
);
`;

/** Atomics.waitAsync (Node 16+; in TypeScript's lib from ES2024). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}

/** The inflated text of a gzip file (or gzip bytes), inflated in a thread of its own; take it with next(). */
export class ThreadedGunzip {
  private readonly worker: Worker;
  private readonly ring: Uint8Array;
  private readonly ctrl: Int32Array;
  /**
   * Where the reader is: what it has been given, and where the piece given last began (the parser may look at the
   * piece before the one it is parsing, to finish a token cut between them: released one call later).
   */
  private given = 0;
  private lastStart = -1;
  private error: Promise<Error>;
  private stopped = false;

  constructor(source: { path: string } | { bytes: Uint8Array }) {
    const ring = new SharedArrayBuffer(RING);
    const ctrl = new SharedArrayBuffer(32);
    this.ring = new Uint8Array(ring);
    this.ctrl = new Int32Array(ctrl);
    this.worker = new Worker(CODE, { eval: true, workerData: { ...source, ring, ctrl } });
    this.error = new Promise<Error>((resolve) => {
      this.worker.on('message', (m: { message: string; code?: string; errno?: number }) =>
        resolve(Object.assign(new Error(m.message), { code: m.code, errno: m.errno })),
      );
      this.worker.on('error', (e) => resolve(e));
      this.worker.on('exit', () => resolve(new Error('The inflating thread stopped.')));
    });
  }

  /** Compressed bytes the thread has read so far. */
  get compressedBytes(): number {
    return Atomics.load(this.ctrl, READ_KIB) * 1024;
  }

  /**
   * The next piece of text (a view of the ring, valid until the call after the next one), or null at the end. The
   * pieces given before the last one are released: the thread may write over them.
   */
  async next(): Promise<Buffer | null> {
    const ctrl = this.ctrl;
    if (this.lastStart >= 0) {
      // Everything before the last piece is done with (a wake-up, a system call, only when the thread waits for it).
      Atomics.store(ctrl, TAKEN, this.lastStart);
      if (Atomics.load(ctrl, WAITING) === 1) Atomics.notify(ctrl, TAKEN);
    }
    for (;;) {
      const written = Atomics.load(ctrl, WRITTEN);
      const available = (written - this.given) & POS_MASK;
      if (available > 0) {
        const offset = this.given % RING;
        const n = Math.min(available, RING - offset, PIECE);
        this.lastStart = this.given;
        this.given = (this.given + n) & POS_MASK;
        return Buffer.from(this.ring.buffer, offset, n);
      }
      const state = Atomics.load(ctrl, STATE);
      if (state === ENDED) {
        // The last bytes may have come with the end: look once more.
        if (((Atomics.load(ctrl, WRITTEN) - this.given) & POS_MASK) > 0) continue;
        this.stop();
        return null;
      }
      if (state === FAILED) {
        const e = await this.error;
        this.stop();
        throw e;
      }
      if (this.stopped) throw new Error('The inflating thread was stopped.');
      const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(ctrl, WRITTEN, written);
      if (wait.async) await wait.value;
    }
  }

  /** Ends the thread (at once, wherever it is). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.ctrl, STATE, STOPPED);
    Atomics.notify(this.ctrl, TAKEN);
    Atomics.notify(this.ctrl, WRITTEN);
    void this.worker.terminate();
  }
}
