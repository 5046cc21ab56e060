// Big profiles: one whose JSON is longer than any string V8 can hold reads correctly (generated as it is read, never
// stored); errors deep in a big file say what and where, with the file read once; a profile over the memory budget
// is refused with a message that says how big it is and what to do; the progress is the JSON inflated of the gzip
// trailer's total; and cancelling mid-read ends the reading thread and its inflating thread at once.
import * as assert from 'assert';
import { constants as bufferConstants } from 'buffer';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Context } from 'mocha';
import {
  readProfileModel,
  readProfileModelFromStream,
  type ModelResult,
  type ProfileError,
} from '../../../src/profile';
import { openProfileOffThread } from '../../../src/profile/offThread';
import { largeProfileJsonStream, largeProfileTruth } from '../../emulator/profileGenerator';
import { REPO_ROOT } from './helpers';

const WORKER = path.join(REPO_ROOT, 'out', 'src', 'profile', 'profileWorker.js');
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

async function textOf(params: { pipeline: string; workers: number }, jsonBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of largeProfileJsonStream(params, jsonBytes, { markers: true, sizeOf: 'json' })) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The bytes in 64 KiB pieces, counting how many the reader pulls. */
function counted(bytes: Buffer): { source: AsyncGenerator<Buffer>; pulled: () => number } {
  let pulled = 0;
  async function* source(): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; at += 65536) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + 65536));
      pulled += piece.length;
      yield piece;
    }
  }
  return { source: source(), pulled: () => pulled };
}

function failed(r: ModelResult): ProfileError {
  assert.ok(!r.ok, 'expected an error');
  return r.error;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Threads (and so workers' threads) of this process: Linux only. */
function threadCount(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function skip(ctx: Context, why: string): void {
  if (ctx.test) ctx.test.title += ` (skipped: ${why})`;
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

describe('big profiles', function () {
  this.timeout(600_000);
  const PARAMS = { pipeline: 'deep', workers: 16 };
  let dir: string;
  let text: Buffer;
  let gz: Buffer;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-huge-'));
    text = await textOf(PARAMS, 32 * MiB);
    gz = zlib.gzipSync(text, { level: 1 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a profile whose JSON is longer than V8's longest string, generated while it is read", async function () {
    const target = bufferConstants.MAX_STRING_LENGTH + 64 * MiB;
    // The reader keeps about half the JSON's size; the generator and the test little more.
    const needed = 2 * GiB;
    if (os.totalmem() < needed || os.freemem() < needed) {
      return skip(this, `needs ${needed / GiB} GiB of free memory, the machine has ${(os.freemem() / GiB).toFixed(1)}`);
    }
    const params = { pipeline: 'longer-than-a-string', workers: 8 };
    let textBytes = 0;
    async function* counting(): AsyncGenerator<Buffer> {
      for await (const c of largeProfileJsonStream(params, target, { markers: true, sizeOf: 'json' })) {
        textBytes += (c as Buffer).length;
        yield c as Buffer;
      }
    }
    const r = await readProfileModelFromStream(counting());
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.ok(
      textBytes > bufferConstants.MAX_STRING_LENGTH,
      `${textBytes} bytes of JSON: not longer than a string (${bufferConstants.MAX_STRING_LENGTH})`,
    );
    const truth = largeProfileTruth(params, target, { markers: true, sizeOf: 'json' });
    const m = r.model;
    assert.strictEqual(m.feldera.evals, truth.markers.evals);
    assert.deepStrictEqual(
      m.feldera.workers.map((w) => [w.thread, w.worker]),
      truth.workers.map((w) => [w.thread, w.worker]),
    );
    const table = m.operatorTable();
    const ops = Object.entries(truth.operators);
    assert.strictEqual(table.rows.length, ops.length);
    for (const [nodeId, o] of ops) {
      const row = table.rows.find((x) => x.nodeId === nodeId);
      assert.deepStrictEqual(row && [row.name, row.cpuUs, row.realUs, row.evals], [o.name, o.cpuUs, o.realUs, o.evals]);
    }
    const hot = table.rows[0];
    const details = m.operatorDetails(hot.nodeId);
    assert.deepStrictEqual(
      details?.perWorker.map((w) => [w.worker, w.cpuUs, w.evals]),
      Object.entries(truth.operators[hot.nodeId].perWorker).map(([w, x]) => [Number(w), x.cpuUs, x.evals]),
    );
  });

  describe('errors deep in a big file: what, where, and the file read once', () => {
    /** The thread a text position is in: the generator writes each thread's head with "processType" first. */
    const threadAt = (at: number) =>
      text.subarray(0, at).toString('latin1').split('{"processType":"default"').length - 2;

    it('a gzip cut at 90%: truncated, after how much JSON and in which thread', async () => {
      const cut = gz.subarray(0, Math.floor(gz.length * 0.9));
      const c = counted(cut);
      const e = failed(await readProfileModelFromStream(c.source, { inflate: 'inline' }));
      assert.strictEqual(e.kind, 'truncated', e.message);
      assert.match(e.message, /The gzip data ends early, after \d+ MiB of JSON, in threads\[\d+\]\.\w+/);
      assert.match(e.message, /Fetch the profile again/);
      assert.strictEqual(c.pulled(), cut.length, 'read once, to its end');
      // The same from the file, inflated in a thread of its own.
      const file = path.join(dir, 'cut.json.gz');
      fs.writeFileSync(file, cut);
      const t = failed(await readProfileModel(file, { inflate: 'thread' }));
      assert.strictEqual(t.kind, 'truncated', t.message);
      assert.match(t.message, /ends early, after \d+ MiB of JSON, in threads\[\d+\]/);
    });

    it('a broken number at 80%: where it is, to the byte, and in which column and row', async () => {
      const column = text.indexOf('"startTime":[', Math.floor(text.length * 0.8));
      assert.ok(column > 0);
      const first = column + '"startTime":['.length;
      // Element 1234 of the column.
      let at = first;
      for (let k = 0; k < 1234; k++) at = text.indexOf(',', at) + 1;
      const end = text.indexOf(',', at);
      const broken = Buffer.concat([text.subarray(0, at), Buffer.from('1.2.3'), text.subarray(end)]);
      const c = counted(zlib.gzipSync(broken, { level: 1 }));
      const e = failed(await readProfileModelFromStream(c.source, { inflate: 'inline' }));
      assert.strictEqual(e.kind, 'notJson', e.message);
      assert.ok(
        e.message.includes(
          `Bad number "1.2.3" at byte ${count(at)} of the text (in threads[${threadAt(at)}].markers.startTime[1234])`,
        ),
        e.message,
      );
      assert.ok(c.pulled() < zlib.gzipSync(broken, { level: 1 }).length, 'stopped there, not read to the end');
    });

    it('a string where a stack index goes: the thread and the sample', async () => {
      const column = text.indexOf('"stack":[', Math.floor(text.length * 0.7));
      const at = column + '"stack":['.length;
      const end = text.indexOf(',', at);
      const t = threadAt(at);
      const broken = Buffer.concat([text.subarray(0, at), Buffer.from('"x"'), text.subarray(end)]);
      const e = failed(await readProfileModelFromStream(counted(broken).source));
      assert.strictEqual(e.kind, 'invalid', e.message);
      assert.match(e.message, new RegExp(`in thread ${t} \\("dbsp-worker-${t - 1}"\\), sample 0 refers to stack x`));
    });

    it('a table of the wrong type: the thread and the table', async () => {
      const column = text.indexOf('"samples":{', Math.floor(text.length * 0.6));
      const t = threadAt(column);
      const broken = Buffer.concat([
        text.subarray(0, column),
        Buffer.from('"samples":7,"x":'),
        text.subarray(column + 10),
      ]);
      const e = failed(await readProfileModelFromStream(counted(broken).source));
      assert.strictEqual(e.kind, 'invalid', e.message);
      assert.match(e.message, new RegExp(`in thread ${t} \\("dbsp-worker-${t - 1}"\\), "samples" is missing`));
    });
  });

  describe('the memory budget', () => {
    it('refuses at once a profile whose gzip trailer says it cannot fit, saying how big it is and what to do', async () => {
      const file = path.join(dir, 'big.json.gz');
      fs.writeFileSync(file, gz);
      let progress = 0;
      const e = failed(await readProfileModel(file, { memoryBudget: 2 * MiB, onProgress: () => progress++ }));
      assert.strictEqual(e.kind, 'tooLarge');
      assert.match(e.message, /too large for the memory budget: it is 3\d MiB of JSON \(\d+ MiB gzipped\)/);
      assert.match(
        e.message,
        /more than the 2 MiB allowed\. Raise the budget \(setting feldera\.profiles\.memoryBudgetMiB\)/,
      );
      assert.match(e.message, /collect a shorter profile/);
      assert.strictEqual(progress, 0, 'nothing was read');
    });

    it('stops a read that outgrows it, in-process and in the worker (which then ends)', async () => {
      const file = path.join(dir, 'big.json.gz');
      fs.writeFileSync(file, gz);
      // Past the trailer's check (a fifth of the JSON), then over the budget once parsing: the columns alone (~40
      // bytes per eval span) outgrow it.
      const budget = 7 * MiB;
      const e = failed(await readProfileModel(file, { memoryBudget: budget }));
      assert.strictEqual(e.kind, 'tooLarge', e.message);
      assert.match(
        e.message,
        /(reading it had taken \d+ MiB after \d+ MiB of the JSON|it needs at least \d+ MiB), more than the 7 MiB allowed/,
      );
      let exited = false;
      const r = await openProfileOffThread(
        { path: file },
        { workerFile: WORKER, memoryBudget: budget, onWorkerExit: () => (exited = true) },
      );
      assert.ok(!r.ok);
      assert.strictEqual(r.error.kind, 'tooLarge', r.error.message);
      assert.match(r.error.message, /feldera\.profiles\.memoryBudgetMiB/);
      await until('the worker to end', () => exited);
    });

    it('opens it with the budget raised', async () => {
      const file = path.join(dir, 'big.json.gz');
      fs.writeFileSync(file, gz);
      const r = await readProfileModel(file, { memoryBudget: 512 * MiB });
      assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    });
  });

  it("reports progress as JSON inflated of the trailer's total, or compressed bytes when the trailer is wrong", async () => {
    const file = path.join(dir, 'progress.json.gz');
    fs.writeFileSync(file, gz);
    const seen: [number, number][] = [];
    const r = await readProfileModel(file, { onProgress: (a, b) => seen.push([a, b]) });
    assert.ok(r.ok);
    assert.ok(seen.length > 1);
    assert.ok(seen.every(([, total]) => total === text.length));
    assert.ok(
      seen.every(([a], i) => i === 0 || a >= seen[i - 1][0]),
      'never goes back',
    );
    assert.deepStrictEqual(seen[seen.length - 1], [text.length, text.length]);
    // Two gzip members: the trailer holds the second one's size only, which the text outgrows.
    const half = Math.floor(text.length / 2);
    const two = Buffer.concat([zlib.gzipSync(text.subarray(0, half)), zlib.gzipSync(text.subarray(half))]);
    fs.writeFileSync(file, two);
    const seen2: [number, number][] = [];
    const r2 = await readProfileModel(file, { onProgress: (a, b) => seen2.push([a, b]) });
    assert.ok(r2.ok);
    assert.deepStrictEqual(seen2[seen2.length - 1], [two.length, two.length]);
  });

  it('cancelling mid-read ends the worker and its inflating thread at once', async function () {
    const threads = threadCount();
    if (threads === undefined) return skip(this, 'counting threads needs /proc (Linux)');
    const file = path.join(dir, 'cancel.json.gz');
    fs.writeFileSync(file, gz);
    const ac = new AbortController();
    let exited = false;
    let midRead: [number, number] | undefined;
    const r = await openProfileOffThread(
      { path: file },
      {
        workerFile: WORKER,
        signal: ac.signal,
        onWorkerExit: () => (exited = true),
        onProgress: (done, total) => {
          if (!midRead && done > 0 && done < total) {
            midRead = [done, total];
            ac.abort();
          }
        },
      },
    );
    assert.ok(midRead, 'no progress before the end');
    assert.deepStrictEqual(r, {
      ok: false,
      error: { kind: 'cancelled', message: 'Reading the profile was cancelled.' },
    });
    await until('the worker to end', () => exited);
    await until('its threads to end', () => (threadCount() ?? 0) <= threads);
    // In-process: the inflating thread ends too.
    const ac2 = new AbortController();
    const r2 = await readProfileModel(file, {
      inflate: 'thread',
      signal: ac2.signal,
      onProgress: (done) => done > 0 && ac2.abort(),
    });
    assert.strictEqual(r2.ok ? 'ok' : r2.error.kind, 'cancelled');
    await until('the inflating thread to end', () => (threadCount() ?? 0) <= threads);
  });
});
