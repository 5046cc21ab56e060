// A comparison session in real worker threads (the compiled out/src/profile/compareWorker.js, as the extension runs
// dist/compareWorker.js), on real gzip files: both profiles read in parallel, the same answers as in-process, swap,
// filter, host views, and bad input — the comparison says which file and why, and the other one stays usable.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildProfileModel } from '../../../src/profile';
import { compareSides, extractProfile, sideOf } from '../../../src/profile/compare';
import type { CompareSource } from '../../../src/profile/compareProtocol';
import { openCompareSession, type CompareSession } from '../../../src/profile/compareOffThread';
import { hostProfile, pairA, pairB, PAIR_TRUTH } from './comparePairs';
import { writeBigProfile } from './generate';
import { REPO_ROOT } from './helpers';

const WORKER = path.join(REPO_ROOT, 'out', 'src', 'profile', 'compareWorker.js');

describe('profile comparison in worker threads', function () {
  this.timeout(60_000);
  let dir: string;
  const sessions: CompareSession[] = [];
  const write = (name: string, text: string | Buffer, gzip = true) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, gzip ? zlib.gzipSync(text) : text);
    return { fileName: name, path: file } satisfies CompareSource;
  };
  const open = async (sources: CompareSource[], extra: { parallel?: number } = {}) => {
    const r = await openCompareSession(sources, { workerFile: WORKER, ...extra });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    sessions.push(r.session);
    return r.session;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-compare-'));
    assert.ok(fs.existsSync(WORKER), `${WORKER} is missing: build with "npx tsc -p tsconfig.test.json"`);
  });
  after(() => {
    sessions.forEach((s) => s.dispose());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads both profiles at the same time, and answers as the comparison in-process does', async () => {
    const a = write('orders-samply-20260101T000000Z.json.gz', pairA());
    const b = write('orders-samply-20260102T000000Z.json.gz', pairB());
    // Both readers start before either is done; with one at a time, the second starts only after the first is done;
    // staggered, the second starts once the first has read that share of its file.
    const schedule = async (parallel?: number, startAfter?: number) => {
      const events: string[] = [];
      const r = await openCompareSession([a, b], {
        workerFile: WORKER,
        parallel,
        startAfter,
        onStarted: (k) => events.push(`start ${k}`),
        onProgress: (k, read, total) => events.push(`${k} at ${(read / total).toFixed(2)}`),
        onProfileDone: (k) => events.push(`done ${k}`),
      });
      assert.ok(r.ok);
      sessions.push(r.session);
      return { r, events };
    };
    const started = (events: string[]) => events.filter((e) => /^(start|done)/.test(e));
    const { events: one } = await schedule(1, 0);
    assert.deepStrictEqual(started(one), ['start 0', 'done 0', 'start 1', 'done 1']);
    const { events: staggered } = await schedule(2, 0.5);
    const second = staggered.indexOf('start 1');
    const firstAt = staggered.slice(0, second).filter((e) => e.startsWith('0 at '));
    assert.ok(second > 0 && firstAt.length > 0, staggered.join(', '));
    assert.ok(Number(firstAt[firstAt.length - 1].slice(5)) >= 0.5, staggered.join(', '));
    const { r, events } = await schedule(undefined, 0);
    assert.deepStrictEqual(events.slice(0, 2), ['start 0', 'start 1'], events.join(', '));
    assert.deepStrictEqual(
      r.session.profiles.map((p) => [p.fileName, p.ok]),
      [
        [a.fileName, true],
        [b.fileName, true],
      ],
    );
    const remote = await r.session.compare({ a: [0], b: [1], cpuOnly: true });
    const local = (text: string, name: string) => {
      const m = buildProfileModel(JSON.parse(text));
      assert.ok(m.ok);
      return extractProfile(m.model, name);
    };
    const inProcess = compareSides(
      sideOf([local(pairA(), a.fileName)], true),
      sideOf([local(pairB(), b.fileName)], true),
      { cpuOnly: true },
    ).comparison;
    assert.deepStrictEqual(remote, inProcess);
    assert.deepStrictEqual(
      remote.top.map((f) => [f.name, Math.round(f.dSelf)]),
      PAIR_TRUTH.top,
    );
  });

  it('swaps A and B (every change negated), filters rows, and compares a file with itself', async () => {
    const a = write('orders-samply-20260103T000000Z.json.gz', pairA());
    const b = write('orders-samply-20260104T000000Z.json.gz', pairB());
    const s = await open([a, b, a]);
    const ab = await s.compare({ a: [0], b: [1], cpuOnly: true });
    const ba = await s.compare({ a: [1], b: [0], cpuOnly: true });
    assert.deepStrictEqual(
      ba.top.map((f) => [f.name, Math.round(f.dSelf)]),
      ab.top.map((f) => [f.name, -Math.round(f.dSelf)]),
    );
    assert.deepStrictEqual(
      (await s.functions({ a: [0], b: [1], cpuOnly: true }, { filter: 'wor' })).map((f) => [f.name, f.cls]),
      [['work', 'grew']],
    );
    const same = await s.compare({ a: [0], b: [2], cpuOnly: true });
    assert.deepStrictEqual([same.changedCount, same.top.length], [0, 0]);
    assert.ok(same.functions.every((f) => f.dSelf === 0 && f.dTotal === 0));
  });

  it('says which file is bad and why, and keeps the other one', async () => {
    const good = write('orders-samply-20260105T000000Z.json.gz', pairA());
    const notProfile = write('notes.json.gz', '<html>proxy error</html>');
    const truncated = path.join(dir, 'orders-samply-20260106T000000Z.json.gz');
    const gz = zlib.gzipSync(pairB());
    fs.writeFileSync(truncated, gz.subarray(0, Math.floor(gz.length / 2)));
    const tooNew = write(
      'future.json.gz',
      pairB().replace('"preprocessedProfileVersion":57', '"preprocessedProfileVersion":999'),
    );
    const s = await open([good, notProfile, { fileName: path.basename(truncated), path: truncated }, tooNew], {
      parallel: 2,
    });
    const [ok, bad, cut, future] = s.profiles;
    assert.ok(ok.ok);
    assert.ok(!bad.ok && bad.error.kind === 'notJson', JSON.stringify(bad));
    assert.strictEqual(bad.fileName, 'notes.json.gz');
    assert.ok(!cut.ok && cut.error.kind === 'truncated', JSON.stringify(cut));
    assert.ok(!future.ok && future.error.kind === 'tooNew', JSON.stringify(future));
    assert.match(future.error.message, /999/);
    await assert.rejects(s.compare({ a: [0], b: [1], cpuOnly: true }), /notes\.json\.gz could not be read: .*JSON/);
    // The good side is still there: it compares with itself.
    const self = await s.compare({ a: [0], b: [0], cpuOnly: true });
    assert.strictEqual(self.b.samples, PAIR_TRUTH.samples.a);
  });

  it('builds the hosts view of a collection, and compares one host with the rest', async () => {
    const files = [0, 1, 2].map((h) => write(`skewed-samply-20260101T000000Z-host${h}.json.gz`, hostProfile(h)));
    const s = await open(files);
    const v = await s.hosts([0, 1, 2], true);
    assert.deepStrictEqual(
      v.hosts.map((h) => [h.label, h.samples]),
      [
        ['Host 0', 1000],
        ['Host 1', 3000],
        ['Host 2', 1000],
      ],
    );
    const c = await s.compare({ a: [0, 2], b: [1], cpuOnly: true });
    assert.deepStrictEqual([c.a.label, c.b.label], ['Hosts 0, 2', 'Host 1']);
    assert.strictEqual(c.top[0].name, 'fresh');
    assert.strictEqual(c.top[0].cls, 'new');
  });

  it('stops at once when cancelled, and its readers with it', async function () {
    if (!fs.existsSync('/proc/self/task')) {
      console.log('      skipped: counting threads needs /proc (Linux)');
      this.skip();
    }
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const big = path.join(dir, 'big.json');
    await writeBigProfile(big, { targetBytes: 24 * 1024 * 1024 });
    const before = threads();
    const ac = new AbortController();
    let exited = false;
    const reading = new Set<number>();
    let during = 0;
    const p = openCompareSession(
      [
        { fileName: 'big.json', path: big },
        { fileName: 'big.json', path: big },
      ],
      {
        workerFile: WORKER,
        signal: ac.signal,
        onWorkerExit: () => (exited = true),
        onProgress: (k) => {
          reading.add(k);
          // Both readers are at work: the session's thread and one per profile.
          if (reading.size === 2 && !ac.signal.aborted) {
            during = threads();
            ac.abort();
          }
        },
      },
    );
    const r = await p;
    assert.ok(!r.ok && r.error.kind === 'cancelled', JSON.stringify(r));
    assert.ok(during >= before + 3, `threads: ${before} before, ${during} while reading`);
    for (let end = Date.now() + 10_000; !exited || threads() > before;) {
      if (Date.now() > end) assert.fail(`the comparison's threads did not stop: ${threads()} left, ${before} before`);
      await new Promise((res) => setTimeout(res, 20));
    }
  });
});
