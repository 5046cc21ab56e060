// The download's gzip check runs in a worker thread (src/download/gzipCheck.ts): these tests cover what that adds —
// the worker crashing, exiting or not starting, a body corrupt far into it on both of the worker's inflate paths,
// the worker gone by the time any result comes back (a cancel included), and the check working from the minified
// bundle the extension ships. The check's verdicts on short bodies are in atomicFile.test.ts.
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { Worker } from 'worker_threads';
import { saveStreamAtomically, type SaveStreamOptions } from '../../../src/download/atomicFile';
import type { StartCheckWorker } from '../../../src/download/gzipCheck';
import type { DownloadResult } from '../../../src/download/types';
import { listing, removeTempDirs, sampleGzip, SlowBody, StoredGzipStream, tempDir } from './support';

const NAME = 'etl-samply-20260102T030405Z.json.gz';
const MiB = 1024 * 1024;

/** Runs in the worker before the check: hides zlib's internal synchronous call, as a Node without it would. */
const WITHOUT_SYNC_INTERNALS = `{
  const zlib = require('zlib');
  const create = zlib.createGunzip;
  Object.defineProperty(zlib, 'createGunzip', {
    value: (o) => { const z = create(o); z._handle.writeSync = undefined; return z; },
  });
}
`;

/**
 * Starts the real worker (its source changed by `edit`) and records it: how many started and ended, and its crashes.
 * terminate() takes effect 50 ms late, as it may on a busy machine: what the worker does after its verdict shows.
 */
function watchedWorkers(edit: (source: string) => string = (s) => s) {
  const seen = { started: 0, ended: 0, workers: [] as Worker[], crashes: [] as string[] };
  const start: StartCheckWorker = (source, options) => {
    const worker = new Worker(edit(source), options);
    seen.started++;
    seen.workers.push(worker);
    worker.once('exit', () => seen.ended++);
    worker.on('error', (e) => seen.crashes.push(e.message));
    const terminate = worker.terminate.bind(worker);
    worker.terminate = () => new Promise((resolve) => setTimeout(resolve, 50)).then(terminate);
    return worker;
  };
  return { start, seen };
}

async function save(body: Readable, dir: string, opts: SaveStreamOptions = {}): Promise<DownloadResult> {
  return saveStreamAtomically(body, dir, NAME, { stallMs: 10_000, ...opts });
}

function failed(r: DownloadResult, kind: string): { kind: string; message?: string } {
  if (r.ok) assert.fail(`expected a ${kind} error, got a file at ${r.path}`);
  assert.strictEqual(r.error.kind, kind, JSON.stringify(r.error));
  return r.error as { kind: string; message?: string };
}

/** A compressible gzip of several slices (MiB), with one byte changed at `at` (a fraction of its length). */
let several: Buffer | undefined;
function damaged(at: number): { good: Buffer; bad: Buffer } {
  const good = (several ??= sampleGzip(24 * MiB));
  assert.ok(good.length > 3 * MiB, `only ${good.length} bytes: not several slices`);
  const bad = Buffer.from(good);
  const i = Math.floor(bad.length * at);
  bad[i] ^= 0x55;
  return { good, bad };
}

describe('download/gzipCheck: the check in its worker thread', function () {
  this.timeout(60_000);
  afterEach(() => removeTempDirs());

  const paths: [string, (s: string) => string][] = [
    ['the synchronous inflate loop', (s) => s],
    ["zlib's stream (where Node lacks the loop's internals)", (s) => WITHOUT_SYNC_INTERNALS + s],
  ];
  for (const [name, edit] of paths) {
    describe(name, () => {
      it('saves a body of several slices byte for byte; the worker has ended when the result comes', async () => {
        const dir = tempDir();
        const { good } = damaged(0.5);
        const w = watchedWorkers(edit);
        const r = await save(new SlowBody(good, 64 * 1024), dir, { startCheckWorker: w.start });
        assert.ok(r.ok, JSON.stringify(r));
        assert.ok(fs.readFileSync(r.path).equals(good));
        assert.deepStrictEqual([w.seen.started, w.seen.ended], [1, 1]);
      });

      it('a byte changed far into the body, cut short, or followed by garbage → corrupt, nothing left', async () => {
        const { good, bad } = damaged(0.6);
        const bodies: [string, Buffer][] = [
          ['a changed byte', bad],
          ['cut 1 MiB short', good.subarray(0, good.length - MiB)],
          ['cut at a slice boundary', good.subarray(0, 2 * MiB)],
          ['garbage after it', Buffer.concat([good, Buffer.from('<html>')])],
          ['zeros and a byte after it', Buffer.concat([good, Buffer.alloc(5), Buffer.from('x')])],
        ];
        for (const [what, body] of bodies) {
          const dir = tempDir();
          const w = watchedWorkers(edit);
          const source = new SlowBody(body, 64 * 1024);
          const e = failed(await save(source, dir, { startCheckWorker: w.start }), 'corrupt');
          assert.match(e.message ?? '', /gzip/, what);
          assert.ok(source.destroyed, what);
          assert.deepStrictEqual(listing(dir), [], what);
          assert.deepStrictEqual([w.seen.started, w.seen.ended], [1, 1], what);
          // A bad body is the check's verdict, not a crash of its thread (which would race the verdict).
          assert.deepStrictEqual(w.seen.crashes, [], what);
        }
      });

      it('bytes after the end of the gzip in a later slice → corrupt, zeros or not', async () => {
        const gz = sampleGzip(20_000);
        // The first chunk is checked alone (nothing in flight yet); what follows comes in a slice of its own.
        const variants = [
          [gz, Buffer.from('g')],
          [gz, Buffer.from([0, 0, 0, 7])],
          [gz, Buffer.alloc(3)],
        ];
        for (const chunks of variants) {
          const dir = tempDir();
          const w = watchedWorkers(edit);
          const e = failed(await save(Readable.from(chunks), dir, { startCheckWorker: w.start }), 'corrupt');
          assert.match(e.message ?? '', /gzip/);
          assert.deepStrictEqual(listing(dir), []);
          assert.deepStrictEqual(w.seen.crashes, []);
        }
      });
    });
  }

  it('the worker crashing mid-body → a clear error, no file, the body no longer read', async () => {
    const dir = tempDir();
    const body = new StoredGzipStream(16 * MiB);
    // An uncaught exception in the worker on its third slice.
    const w = watchedWorkers(
      (s) =>
        `${s};let seen=0;require('worker_threads').parentPort.on('message',()=>{if(++seen===3)throw new Error('simulated crash')})`,
    );
    const e = failed(await save(body, dir, { startCheckWorker: w.start }), 'internal');
    assert.match(e.message ?? '', /gzip check of the download stopped unexpectedly \(simulated crash\)/);
    assert.ok(body.destroyed);
    assert.ok(body.emitted < 16 * MiB, `read all ${body.emitted} bytes`);
    assert.deepStrictEqual(listing(dir), []);
    assert.deepStrictEqual([w.seen.started, w.seen.ended], [1, 1]);
  });

  it('the worker exiting mid-body → a clear error with its exit code, no file', async () => {
    const dir = tempDir();
    const body = new StoredGzipStream(16 * MiB);
    const w = watchedWorkers(
      (s) => `${s};let seen=0;require('worker_threads').parentPort.on('message',()=>{if(++seen===2)process.exit(7)})`,
    );
    const e = failed(await save(body, dir, { startCheckWorker: w.start }), 'internal');
    assert.match(e.message ?? '', /exit code 7/);
    assert.ok(body.destroyed);
    assert.deepStrictEqual(listing(dir), []);
  });

  it('a worker that cannot start → a clear error, no file, no temp file', async () => {
    const dir = tempDir();
    const body = new SlowBody(sampleGzip(100_000), 4096);
    const cannot: StartCheckWorker = () => {
      throw Object.assign(new Error('Worker initialization failure'), { code: 'ERR_WORKER_INIT_FAILED' });
    };
    const e = failed(await save(body, dir, { startCheckWorker: cannot }), 'internal');
    assert.match(e.message ?? '', /could not start: Worker initialization failure/);
    assert.ok(body.destroyed);
    assert.deepStrictEqual(listing(dir), []);
  });

  it('a cancel mid-body ends the worker before the result comes back, and leaves nothing', async () => {
    const dir = tempDir();
    const body = new StoredGzipStream(64 * MiB);
    const ac = new AbortController();
    // A worker slow to stop: busy in native code (which terminate() cannot interrupt) for a while on every slice.
    const w = watchedWorkers(
      (s) =>
        `${s};require('worker_threads').parentPort.on('message',()=>require('crypto').pbkdf2Sync('k','s',3e4,64,'sha512'))`,
    );
    const r = await save(body, dir, {
      signal: ac.signal,
      startCheckWorker: w.start,
      onBytes: (n) => {
        if (n >= 2 * MiB && !ac.signal.aborted) ac.abort();
      },
    });
    failed(r, 'cancelled');
    assert.deepStrictEqual([w.seen.started, w.seen.ended], [1, 1], 'the worker is gone');
    assert.ok(body.destroyed);
    assert.deepStrictEqual(listing(dir), []);
  });

  it('works from the minified bundle, as the extension ships it (the worker gets its source from there)', async () => {
    const childDir = tempDir('feldera-dl-bundle-');
    const bundle = path.join(childDir, 'atomicFile.js');
    esbuild.buildSync({
      entryPoints: [require.resolve('../../../src/download/atomicFile')],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'silent',
    });
    const gz = sampleGzip(3 * MiB);
    const input = path.join(childDir, 'in.gz');
    fs.writeFileSync(input, gz);
    const run = (bytes: number) => {
      const dir = tempDir();
      const script = `
        const fs = require('fs');
        const { Readable } = require('stream');
        const { saveStreamAtomically } = require(${JSON.stringify(bundle)});
        const data = fs.readFileSync(${JSON.stringify(input)}).subarray(0, ${bytes});
        saveStreamAtomically(Readable.from([data]), ${JSON.stringify(dir)}, 'p.json.gz')
          .then((r) => process.stdout.write(JSON.stringify(r)));
      `;
      return new Promise<{ r: DownloadResult; dir: string }>((resolve, reject) =>
        execFile(process.execPath, ['-e', script], (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ r: JSON.parse(stdout), dir }),
        ),
      );
    };
    const whole = await run(gz.length);
    assert.ok(whole.r.ok, JSON.stringify(whole.r));
    assert.ok(fs.readFileSync(whole.r.path).equals(gz));
    const cut = await run(gz.length - 100);
    failed(cut.r, 'corrupt');
    assert.deepStrictEqual(listing(cut.dir), []);
  });
});
