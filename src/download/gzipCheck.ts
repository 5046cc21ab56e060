// The download's gzip check, in a worker thread of its own: it inflates every byte (output thrown away), so a
// truncated member, a body that is not gzip and bytes after the last member are caught before the file gets its name.
// Off the main thread because inflating is the slowest part of a download: there it competes with receiving and
// writing, and Node's async zlib hands every output buffer back through the main thread before it goes on. In the
// worker, zlib runs synchronously on slices the main thread shares with it (no copy), into one reused output buffer.
import { Worker, type WorkerOptions } from 'worker_threads';
import type { DownloadError } from './types';

/** Starts the check's worker from its source (eval); replaceable so tests can make the worker crash. */
export type StartCheckWorker = (source: string, options: WorkerOptions) => Worker;

/** What the worker is told at its start. */
export interface CheckWorkerData {
  /** The slices' memory, shared with the main thread. */
  memory: SharedArrayBuffer;
  /** Size of zlib's output buffer (the output is thrown away). */
  outBytes: number;
}

type ToWorker = { at: number; n: number } | 'end';
type FromWorker = 'ok' | 'done' | { bad: string } | { trailing: number };

const OUT_BYTES = 256 * 1024;

/**
 * The worker's program. It is handed to the Worker as source text (so the bundle stays one file and tests run it from
 * out/ as it is): it must use nothing from outside this function but `require`.
 *
 * Node's zlib has no public synchronous streaming call, so the loop uses what zlib's own `*Sync` functions use inside:
 * the stream's handle (`writeSync`, `_writeState`). Measured on the samply-like gzip: 15-20% less CPU than the zlib
 * stream with 256 KiB buffers (no fresh output buffer each time one fills, no trip through an event loop between
 * them); in this worker the stream was no faster than in the main thread, the loop about 25% faster (BENCHMARKS.md).
 * Where a Node lacks those internals, the worker uses the zlib stream instead, still off the main thread.
 */
function checkInWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('worker_threads') as typeof import('worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zlib = require('zlib') as typeof import('zlib');
  const port = parentPort as import('worker_threads').MessagePort;
  const data = workerData as CheckWorkerData;
  const memory = Buffer.from(data.memory);
  const z = zlib.createGunzip({ chunkSize: data.outBytes });
  const internals = z as unknown as {
    _handle?: {
      writeSync?(
        flush: number,
        inp: Buffer,
        inOff: number,
        inLen: number,
        out: Buffer,
        outOff: number,
        outLen: number,
      ): void;
    };
    _writeState?: Uint32Array;
  };
  const handle = internals._handle;
  const state = internals._writeState;
  let failed = false;
  const reply = (m: FromWorker) => port.postMessage(m);
  const fail = (m: FromWorker) => {
    if (failed) return;
    failed = true;
    reply(m);
  };
  // zlib reports a bad stream by destroying it with the error, which the stream then also emits: unheard, that
  // event would crash the worker (and race its verdict).
  z.on('error', (e) => fail({ bad: e.message }));

  if (typeof handle?.writeSync === 'function' && state instanceof Uint32Array) {
    const out = Buffer.allocUnsafe(data.outBytes);
    // Inflates all of `input`; false once a failure is reported.
    const inflate = (input: Buffer, flush: number): boolean => {
      let off = 0;
      let len = input.length;
      for (;;) {
        handle.writeSync!(flush, input, off, len, out, 0, out.length);
        // A bad stream: zlib has destroyed it with the error, inside writeSync.
        if (z.errored) {
          fail({ bad: z.errored.message });
          return false;
        }
        const outLeft = state[0];
        const inLeft = state[1];
        off += len - inLeft;
        len = inLeft;
        if (outLeft === 0) continue; // the output buffer filled up: more to inflate
        // Room for output, yet input left over: the gzip ended (zero padding stops zlib too) and more bytes follow.
        if (len > 0) {
          fail({ trailing: len });
          return false;
        }
        return true;
      }
    };
    port.on('message', (m: ToWorker) => {
      if (failed) return;
      if (m === 'end') {
        // Z_FINISH on a stream that is not complete: zlib reports "unexpected end of file".
        if (inflate(Buffer.alloc(0), zlib.constants.Z_FINISH)) reply('done');
      } else if (inflate(memory.subarray(m.at, m.at + m.n), zlib.constants.Z_NO_FLUSH)) reply('ok');
    });
    return;
  }

  let fed = 0;
  let ended = false;
  // The stream ends by itself after the last member; what is fed after that is trailing.
  z.on('end', () => (ended = true));
  z.resume();
  port.on('message', (m: ToWorker) => {
    if (failed) return;
    if (m === 'end') {
      const done = () => (z.bytesWritten === fed ? reply('done') : fail({ trailing: fed - z.bytesWritten }));
      if (ended) done();
      else {
        z.once('end', done);
        z.end();
      }
      return;
    }
    if (ended) return fail({ trailing: m.n });
    fed += m.n;
    z.write(memory.subarray(m.at, m.at + m.n), (e) => {
      if (!e && !failed) reply('ok');
    });
  });
}

const WORKER_SOURCE = `(${checkInWorker.toString()})()`;

const startWorker: StartCheckWorker = (source, options) => new Worker(source, options);

/**
 * The main thread's side of the check. Slices must lie in `memory`, and must not change until their `checked`
 * callback: the worker reads them in place. A problem is reported once, through `onFailure`. The worker is stopped
 * by finish() and by destroy(); `stopped` resolves once its thread has ended.
 */
export class GzipCheck {
  readonly stopped: Promise<void>;
  private readonly worker: Worker | undefined;
  private readonly checked: (() => void)[] = [];
  private fed = 0;
  private error: DownloadError | undefined;
  private stopping = false;
  private onDone?: () => void;

  constructor(
    private readonly memory: SharedArrayBuffer,
    private readonly onFailure: (e: DownloadError) => void,
    start: StartCheckWorker = startWorker,
  ) {
    const workerData: CheckWorkerData = { memory, outBytes: OUT_BYTES };
    let worker: Worker;
    try {
      worker = start(WORKER_SOURCE, { eval: true, workerData });
    } catch (e) {
      this.stopped = Promise.resolve();
      this.failWith(stopped(`its thread could not start: ${(e as Error)?.message ?? String(e)}`));
      return;
    }
    this.worker = worker;
    this.stopped = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.failWith(stopped(e.message)));
    worker.on('exit', (code) => {
      if (!this.stopping) this.failWith(stopped(`its thread ended with exit code ${code}`));
    });
  }

  /** Queues `slice` (a view of `memory`); `checked` is called once it has been inflated (not after a failure). */
  feed(slice: Buffer, checked: () => void): void {
    if (this.error) return;
    if (slice.buffer !== this.memory) throw new Error('GzipCheck.feed: the slice is not in the shared memory');
    this.fed += slice.length;
    this.checked.push(checked);
    this.worker?.postMessage({ at: slice.byteOffset, n: slice.length } satisfies ToWorker);
  }

  /** After the last slice: whether everything fed was complete gzip and nothing more. Stops the worker. */
  async finish(): Promise<DownloadError | undefined> {
    if (!this.error && this.fed === 0) this.error = corrupt('The server sent an empty profile.');
    if (!this.error) {
      await new Promise<void>((resolve) => {
        this.onDone = resolve;
        this.worker?.postMessage('end' satisfies ToWorker);
      });
    }
    await this.stop();
    return this.error;
  }

  /** Stops the worker at once (a failure or a cancel elsewhere); `stopped` tells when it is gone. */
  destroy(): void {
    void this.stop();
  }

  private stop(): Promise<void> {
    this.stopping = true;
    void this.worker?.terminate();
    return this.stopped;
  }

  private onMessage(m: FromWorker): void {
    if (m === 'ok') this.checked.shift()?.();
    else if (m === 'done') this.settle();
    else if ('bad' in m) this.failWith(corrupt(`The download is not a complete gzip file (${m.bad}).`));
    else this.failWith(corrupt(`The download has ${m.trailing}+ unexpected bytes after the end of the gzip data.`));
  }

  private failWith(e: DownloadError): void {
    if (this.error) return;
    this.error = e;
    this.onFailure(e);
    this.settle();
  }

  private settle(): void {
    this.onDone?.();
    this.onDone = undefined;
  }
}

function corrupt(message: string): DownloadError {
  return { kind: 'corrupt', message };
}

function stopped(why: string): DownloadError {
  return { kind: 'internal', message: `The gzip check of the download stopped unexpectedly (${why}).` };
}
