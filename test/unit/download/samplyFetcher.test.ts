// The polling loop and download, observed from outside: the real client against the real emulator on loopback.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  collectDeadlineMs,
  collectSamplyProfileToFolder,
  fetchSamplyProfileToFolder,
  formatDuration,
} from '../../../src/download/samplyFetcher';
import type { DownloadResult, FetchProgress } from '../../../src/download/types';
import { FelderaClient } from '../../../src/feldera/client';
import type { RequestLogEntry } from '../../../src/feldera/types';
import { FelderaEmulator, type EmulatorOptions, type RecordedRequest } from '../../emulator/emulator';
import { delay, listing, removeTempDirs, sha256, tempDir, VirtualClock } from './support';

const WHEN = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const STAMP = '20260102T030405Z';

interface Rig {
  emu: FelderaEmulator;
  api: FelderaClient;
  log: RequestLogEntry[];
  folder: string;
}

let rig: Rig | undefined;

async function setUp(opts: EmulatorOptions = {}): Promise<Rig> {
  const emu = new FelderaEmulator({
    pipelines: [
      { name: 'fraud', deploymentStatus: 'Running', hosts: 3, workers: 12 },
      { name: 'orders', deploymentStatus: 'Running' },
    ],
    postWaitMs: 20,
    ...opts,
  });
  const baseUrl = await emu.start();
  const log: RequestLogEntry[] = [];
  const api = new FelderaClient({
    baseUrl,
    retry: { deadlineMs: 3000, initialDelayMs: 20, maxDelayMs: 100 },
    onRequest: (e) => log.push(e),
  });
  rig = { emu, api, log, folder: path.join(tempDir(), 'profiles') };
  return rig;
}

/** Starts a collection directly through the client (not through the code under test). */
async function startCollection(r: Rig, pipeline: string, durationSecs: number, ordinal?: number): Promise<void> {
  const s = await r.api.startSamplyProfile(pipeline, { durationSecs, ordinal });
  assert.ok(s.ok && s.value.state === 'started', JSON.stringify(s));
}

/** A finished profile on that host, with the emulator's clock scaled down so it takes no time. */
async function finishedProfile(r: Rig, pipeline: string, ordinal?: number): Promise<void> {
  r.emu.setOption('timeScale', 0.05);
  await startCollection(r, pipeline, 1, ordinal);
  await delay(80);
  assert.ok(!r.emu.samplyStatus(pipeline, ordinal ?? 0).collecting);
  r.emu.setOption('timeScale', 1);
}

function samplyGets(r: Rig): RecordedRequest[] {
  return r.emu.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/samply_profile'));
}

function gaps(reqs: RecordedRequest[]): number[] {
  return reqs.slice(1).map((q, i) => q.at - reqs[i].at);
}

function expectSaved(r: DownloadResult): { path: string; bytes: number; suggestedName?: string } {
  if (!r.ok) assert.fail(`expected a saved file, got ${JSON.stringify(r.error)}`);
  return r;
}

function expectError(r: DownloadResult, kind: string): Record<string, unknown> {
  if (r.ok) assert.fail(`expected a ${kind} error, got ${r.path}`);
  assert.strictEqual(r.error.kind, kind, JSON.stringify(r.error));
  return r.error as unknown as Record<string, unknown>;
}

/** The saved file is exactly the last complete body the emulator served, and valid gzip of JSON. */
function assertSameAsServed(r: Rig, file: string): void {
  const served = r.emu.served.filter((s) => s.complete);
  assert.ok(served.length > 0, 'the emulator served no complete profile');
  const last = served[served.length - 1];
  const bytes = fs.readFileSync(file);
  assert.strictEqual(bytes.length, last.length);
  assert.strictEqual(sha256(bytes), last.sha256);
  const doc = JSON.parse(zlib.gunzipSync(bytes).toString('utf8')) as { meta?: unknown };
  assert.ok(doc.meta, 'a processed profile has meta');
}

describe('download/samplyFetcher (real client, real emulator)', function () {
  this.timeout(20_000);

  afterEach(async () => {
    await rig?.emu.stop();
    rig = undefined;
    removeTempDirs();
  });

  describe('fetch', () => {
    it('waits for the running collection, then saves exactly what was served as <pipeline>-samply-<time>-host<K>.json.gz', async () => {
      const r = await setUp();
      await startCollection(r, 'fraud', 1, 2);
      const progress: FetchProgress[] = [];
      const result = expectSaved(
        await fetchSamplyProfileToFolder({
          api: r.api,
          pipeline: 'fraud',
          ordinal: 2,
          hostSuffix: true,
          folder: r.folder,
          now: WHEN,
          onProgress: (p) => progress.push(p),
        }),
      );
      assert.strictEqual(result.path, path.join(r.folder, `fraud-samply-${STAMP}-host2.json.gz`));
      assert.deepStrictEqual(listing(r.folder), [`fraud-samply-${STAMP}-host2.json.gz`]);
      assertSameAsServed(r, result.path);
      assert.strictEqual(r.emu.served[r.emu.served.length - 1].ordinal, 2);
      assert.strictEqual(result.bytes, fs.statSync(result.path).size);
      assert.match(result.suggestedName ?? '', /-samply_profile\.json\.gz$/);

      const gets = samplyGets(r);
      assert.ok(gets.length >= 2, `${gets.length} GETs`);
      for (const g of gets) assert.deepStrictEqual(g.query, { latest: 'true', ordinal: '2' });
      for (const gap of gaps(gets)) assert.ok(gap >= 990, `polled ${gap} ms apart`);

      const waiting = progress.filter((p) => p.phase === 'waiting');
      assert.ok(waiting.length >= 1);
      assert.strictEqual(waiting[0].phase === 'waiting' && waiting[0].polls, 1);
      const downloading = progress.filter((p) => p.phase === 'downloading');
      assert.ok(downloading.length >= 1);
      const last = progress[progress.length - 1];
      assert.deepStrictEqual(last, { phase: 'verifying', bytes: result.bytes });
      assert.ok(
        progress.findIndex((p) => p.phase === 'downloading') > progress.findIndex((p) => p.phase === 'waiting'),
      );
    });

    it('honours Retry-After (no poll before it), keeps polling 1 s apart while it is 0, and counts down', async () => {
      // On a virtual clock shared with the emulator: the timing is exact and a loaded machine cannot change it.
      const clock = new VirtualClock();
      const r = await setUp({ finishingMs: 1600, clock: clock.now });
      await startCollection(r, 'orders', 3);
      const t0 = clock.now();
      const progress: FetchProgress[] = [];
      const result = expectSaved(
        await fetchSamplyProfileToFolder({
          api: r.api,
          pipeline: 'orders',
          folder: r.folder,
          now: WHEN,
          clock,
          onProgress: (p) => progress.push(p),
        }),
      );
      assert.strictEqual(path.basename(result.path), `orders-samply-${STAMP}.json.gz`);
      assertSameAsServed(r, result.path);
      const gets = samplyGets(r);
      for (const g of gets) assert.deepStrictEqual(g.query, { latest: 'true' }, 'no ordinal when none was asked');
      // Retry-After 3 → the next poll 3 s later; then "finishing" (Retry-After 0 until 4.6 s): one poll a second.
      assert.deepStrictEqual(gaps(gets), [3000, 1000, 1000]);
      assert.strictEqual(clock.now() - t0, 5000);
      const secondsLeft = progress.flatMap((p) => (p.phase === 'waiting' ? [p.secondsLeft] : []));
      // A countdown from what the server announced, never going up.
      assert.deepStrictEqual(secondsLeft, [3, 2, 1, 0, 0, 0, 0, 0]);
    });

    it('downloads at once when a profile is ready, without a host suffix unless asked', async () => {
      const r = await setUp();
      await finishedProfile(r, 'fraud', 0);
      const result = expectSaved(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'fraud', ordinal: 0, folder: r.folder, now: WHEN }),
      );
      assert.strictEqual(path.basename(result.path), `fraud-samply-${STAMP}.json.gz`);
      assert.deepStrictEqual(samplyGets(r)[0].query, { latest: 'true', ordinal: '0' });
      assert.strictEqual(samplyGets(r).length, 1);
      assertSameAsServed(r, result.path);
    });

    it('never overwrites an earlier profile with the same name', async () => {
      const r = await setUp();
      await finishedProfile(r, 'orders');
      const first = expectSaved(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, now: WHEN }),
      );
      const before = fs.readFileSync(first.path);
      await finishedProfile(r, 'orders');
      const second = expectSaved(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, now: WHEN }),
      );
      assert.strictEqual(path.basename(second.path), `orders-samply-${STAMP}-1.json.gz`);
      assert.ok(fs.readFileSync(first.path).equals(before));
      assertSameAsServed(r, second.path);
      assert.notStrictEqual(sha256(before), sha256(fs.readFileSync(second.path)));
    });

    it('treats 307 + Retry-After as "wait", never following its Location to another server', async () => {
      const foreign: http.IncomingMessage[] = [];
      const other = http.createServer((req, res) => {
        foreign.push(req);
        res.writeHead(200, { 'Content-Type': 'application/gzip' });
        res.end(zlib.gzipSync('{"evil":true}'));
      });
      await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
      try {
        const r = await setUp();
        const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
        r.emu.faults.use307 = { location: `${otherUrl}/v0/pipelines/orders/samply_profile?latest=true` };
        await startCollection(r, 'orders', 1);
        const result = expectSaved(
          await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, now: WHEN }),
        );
        assertSameAsServed(r, result.path);
        assert.ok(
          r.log.some((e) => e.status === 307),
          'the emulator answered 307 at least once',
        );
        assert.strictEqual(foreign.length, 0, 'the Location was requested');
        const g = gaps(samplyGets(r));
        assert.ok(g.length >= 1, 'no second poll');
        for (const gap of g) assert.ok(gap >= 990, `polled ${g} ms apart`);
      } finally {
        other.closeAllConnections();
        await new Promise((ok) => other.close(ok));
      }
    });

    it('gives up with a deadline error when the server announces an end past the deadline', async () => {
      const clock = new VirtualClock();
      const r = await setUp({ clock: clock.now });
      await startCollection(r, 'orders', 30);
      const e = expectError(
        await fetchSamplyProfileToFolder({
          api: r.api,
          pipeline: 'orders',
          folder: r.folder,
          deadlineMs: 5000,
          clock,
        }),
        'deadline',
      );
      assert.deepStrictEqual(clock.sleeps, [], 'no point waiting for what cannot come in time');
      assert.match(String(e.message), /still running.*about 30 s.*Fetch Samply Profile again/s);
      assert.strictEqual(samplyGets(r).length, 1);
      assert.ok(!fs.existsSync(r.folder));
    });

    it('gives up with a deadline error after deadlineMs while samply keeps finishing (Retry-After 0)', async () => {
      const clock = new VirtualClock();
      const r = await setUp({ finishingMs: 60_000, clock: clock.now });
      await startCollection(r, 'orders', 1);
      const t0 = clock.now();
      const e = expectError(
        await fetchSamplyProfileToFolder({
          api: r.api,
          pipeline: 'orders',
          folder: r.folder,
          deadlineMs: 2500,
          clock,
        }),
        'deadline',
      );
      // Polls at 0, 1 and 2 s; a third 1 s wait would end past 2.5 s, so it gives up at 2 s instead of sleeping.
      assert.strictEqual(e.waitedMs, 2000);
      assert.strictEqual(clock.now() - t0, 2000);
      assert.match(String(e.message), /^Waited 2 s for the samply profile of pipeline 'orders'/);
      assert.strictEqual(samplyGets(r).length, 3);
      await delay(200);
      assert.strictEqual(samplyGets(r).length, 3, 'no poll after giving up');
    });

    it('400 NoSamplyProfile comes back as the Feldera error, unchanged, and creates no folder', async () => {
      const r = await setUp();
      const e = expectError(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'fraud', ordinal: 1, folder: r.folder }),
        'feldera',
      );
      assert.strictEqual(e.status, 400);
      assert.strictEqual(e.errorCode, 'NoSamplyProfile');
      assert.match(String(e.message), /no samply profile found/);
      assert.strictEqual(samplyGets(r).length, 1);
      assert.ok(!fs.existsSync(r.folder));
    });

    it('other API errors come back unchanged too (unknown pipeline, proxy page)', async () => {
      const r = await setUp();
      const e = expectError(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'nope', folder: r.folder }),
        'feldera',
      );
      assert.strictEqual(e.errorCode, 'UnknownPipelineName');
      r.emu.faults.proxyErrorStatus = 502;
      const h = expectError(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder }),
        'http',
      );
      assert.strictEqual(h.status, 502);
    });

    it('rides out a few 503s (the client retries the GET)', async () => {
      const r = await setUp();
      await finishedProfile(r, 'orders');
      r.emu.faults.fail503Times = 2;
      const result = expectSaved(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder }),
      );
      assertSameAsServed(r, result.path);
    });
  });

  describe('failures leave nothing behind', () => {
    it('a connection reset mid-body → network error, no file, no temp file', async () => {
      const r = await setUp({ profileBytes: 400_000 });
      await finishedProfile(r, 'orders');
      r.emu.faults.resetAfterBytes = 50_000;
      const result = await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder });
      assert.ok(!result.ok);
      // The broken chunked body is a network error (the gzip check would catch a clean early end as corrupt).
      assert.strictEqual(result.error.kind, 'network', JSON.stringify(result.error));
      assert.deepStrictEqual(listing(r.folder), []);
      assert.strictEqual(r.emu.served[r.emu.served.length - 1].complete, false);
    });

    it('a stalled body → stalled error within about stallMs, no file, no retry', async () => {
      const r = await setUp({ profileBytes: 400_000 });
      await finishedProfile(r, 'orders');
      r.emu.faults.stallAfterBytes = 50_000;
      const t0 = Date.now();
      const result = await fetchSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        folder: r.folder,
        stallMs: 500,
      });
      const took = Date.now() - t0;
      const e = expectError(result, 'stalled');
      assert.strictEqual(e.afterMs, 500);
      assert.ok(took >= 450, `gave up after ${took} ms, before the 500 ms without a byte`);
      assert.deepStrictEqual(listing(r.folder), []);
      assert.strictEqual(samplyGets(r).length, 1);
    });

    it('cancel while waiting → cancelled at once, no request afterwards', async () => {
      const r = await setUp();
      // An hour left: the first wait is 30 s, so a wait the abort does not cut runs into this test's timeout.
      await startCollection(r, 'orders', 3600);
      const ac = new AbortController();
      const result = await fetchSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        folder: r.folder,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'waiting') setTimeout(() => ac.abort(), 50);
        },
      });
      expectError(result, 'cancelled');
      const n = samplyGets(r).length;
      assert.strictEqual(n, 1);
      await delay(1500);
      assert.strictEqual(samplyGets(r).length, n, 'a request after cancel');
      assert.ok(!fs.existsSync(r.folder));
    });

    it('cancel mid-download → cancelled, no file, no temp file, body cut', async () => {
      const r = await setUp({ profileBytes: 8_000_000 });
      await finishedProfile(r, 'orders');
      const ac = new AbortController();
      const result = await fetchSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        folder: r.folder,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'downloading' && p.bytes > 100_000) ac.abort();
        },
      });
      expectError(result, 'cancelled');
      assert.deepStrictEqual(listing(r.folder), []);
      await delay(100);
      const served = r.emu.served[r.emu.served.length - 1];
      assert.strictEqual(served.complete, false);
      assert.ok(served.length < 8_000_000);
      assert.strictEqual(samplyGets(r).length, 1);
    });

    it('an already cancelled signal sends nothing', async () => {
      const r = await setUp();
      const ac = new AbortController();
      ac.abort();
      expectError(
        await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, signal: ac.signal }),
        'cancelled',
      );
      expectError(
        await collectSamplyProfileToFolder({
          api: r.api,
          pipeline: 'orders',
          folder: r.folder,
          durationSecs: 1,
          signal: ac.signal,
        }),
        'cancelled',
      );
      assert.strictEqual(r.emu.requests.length, 0);
    });
  });

  describe('collect', () => {
    it('POSTs duration and ordinal, waits, and saves the new profile', async () => {
      const r = await setUp();
      const progress: FetchProgress[] = [];
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'fraud',
        ordinal: 1,
        hostSuffix: true,
        durationSecs: 1,
        folder: r.folder,
        now: WHEN,
        onProgress: (p) => progress.push(p),
      });
      const saved = expectSaved(result);
      assert.strictEqual(result.joinedRunning, false);
      assert.strictEqual(path.basename(saved.path), `fraud-samply-${STAMP}-host1.json.gz`);
      assertSameAsServed(r, saved.path);
      const posts = r.emu.requests.filter((q) => q.method === 'POST');
      assert.strictEqual(posts.length, 1);
      assert.deepStrictEqual(posts[0].query, { duration_secs: '1', ordinal: '1' });
      const gets = samplyGets(r);
      assert.ok(gets[0].at >= posts[0].at);
      for (const g of gets) assert.deepStrictEqual(g.query, { latest: 'true', ordinal: '1' });
      assert.ok(progress.some((p) => p.phase === 'waiting'));
      assert.strictEqual(r.emu.samplyStatus('fraud', 1).collections, 1);
      assert.strictEqual(r.emu.samplyStatus('fraud', 0).collections, 0);
    });

    it('a 409 (already running) joins the running collection instead of failing or starting another', async () => {
      const r = await setUp();
      await startCollection(r, 'orders', 2);
      const joined: string[] = [];
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        durationSecs: 1,
        folder: r.folder,
        now: WHEN,
        onJoinedRunning: (m) => joined.push(m),
      });
      const saved = expectSaved(result);
      assert.strictEqual(result.joinedRunning, true);
      assert.deepStrictEqual(joined, ['samply profile collection is already in progress']);
      assert.strictEqual(r.emu.samplyStatus('orders').collections, 1);
      assertSameAsServed(r, saved.path);
      assert.strictEqual(r.emu.served[r.emu.served.length - 1].collection, 1);
    });

    it('a 409 joining a 120 s collection waits it out, polling at most 30 s apart and counting down from 120', async () => {
      // The emulator and the fetcher share a virtual clock: two minutes of collection in no time, over real HTTP.
      const clock = new VirtualClock();
      const r = await setUp({ clock: clock.now });
      await startCollection(r, 'orders', 120); // someone else's
      const progress: FetchProgress[] = [];
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        durationSecs: 30,
        folder: r.folder,
        now: WHEN,
        clock,
        onProgress: (p) => progress.push(p),
      });
      const saved = expectSaved(result); // not a "deadline" error after ~90 s
      assert.strictEqual(result.joinedRunning, true);
      assertSameAsServed(r, saved.path);
      assert.strictEqual(r.emu.samplyStatus('orders').collections, 1);

      const post = r.emu.requests.find((q) => q.method === 'POST')!;
      const gets = samplyGets(r);
      const g = gaps(gets);
      assert.ok(g.length >= 4, `120 s in waits of at most 30 s takes at least 4, got gaps ${g}`);
      for (const x of g) assert.ok(x >= 1000 && x <= 30_000, `polled ${g} ms apart`);
      assert.ok(gets[gets.length - 1].at - post.at >= 120_000, 'the profile came before the collection ended');
      assert.ok(
        clock.sleeps.every((ms) => ms <= 30_000),
        `slept ${Math.max(...clock.sleeps)} ms at once`,
      );

      const left = progress.flatMap((p) => (p.phase === 'waiting' ? [p.secondsLeft] : []));
      assert.ok(left.length > 0, 'no countdown');
      assert.ok(left[0] >= 119 && left[0] <= 120, `the countdown starts at ${left[0]}, not at the 120 s announced`);
      for (let i = 1; i < left.length; i++) {
        assert.ok(left[i] <= left[i - 1], `the countdown went up at ${i}: ${left.join(',')}`);
      }
      assert.strictEqual(left[left.length - 1], 0);
    });

    it('works with servers that answer the POST with 200 (before January 2026)', async () => {
      const r = await setUp({ legacy200: true, timeScale: 0.2 });
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        durationSecs: 1,
        folder: r.folder,
      });
      assert.strictEqual(result.joinedRunning, false);
      assertSameAsServed(r, expectSaved(result).path);
    });

    it('a failing start (samply missing) comes back as the Feldera error, with no GET', async () => {
      const r = await setUp();
      r.emu.faults.failNextCollection = 'samply: command not found';
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        durationSecs: 1,
        folder: r.folder,
      });
      const e = expectError(result, 'feldera');
      assert.strictEqual(e.errorCode, 'SamplyProfilingFailure');
      assert.strictEqual(e.details, 'samply: command not found');
      assert.strictEqual(samplyGets(r).length, 0);
    });

    it('a collection that fails at its end comes back as the Feldera error of the GET', async () => {
      const r = await setUp();
      r.emu.faults.failNextCollection = { details: 'perf_event_paranoid is 4', atEnd: true };
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        durationSecs: 1,
        folder: r.folder,
      });
      const e = expectError(result, 'feldera');
      assert.strictEqual(e.status, 500);
      assert.strictEqual(e.errorCode, 'SamplyProfilingFailure');
      assert.ok(!fs.existsSync(r.folder));
    });

    it('cancel during the collection stops polling', async () => {
      const r = await setUp();
      const ac = new AbortController();
      const result = await collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        durationSecs: 3,
        folder: r.folder,
        signal: ac.signal,
        onProgress: () => ac.abort(),
      });
      expectError(result, 'cancelled');
      const n = r.emu.requests.length;
      await delay(1200);
      assert.strictEqual(r.emu.requests.length, n);
    });
  });

  describe('defaults', () => {
    it('collect deadline = duration + 60 s grace + a quarter of the duration', () => {
      assert.strictEqual(collectDeadlineMs(30), 30_000 + 60_000 + 7_500);
      assert.strictEqual(collectDeadlineMs(1), 1_000 + 60_000 + 250);
      assert.strictEqual(collectDeadlineMs(NaN), 60_000);
    });

    it('formats waits for messages', () => {
      assert.strictEqual(formatDuration(0), '0 s');
      assert.strictEqual(formatDuration(45_400), '45 s');
      assert.strictEqual(formatDuration(125_000), '2 min 5 s');
      assert.strictEqual(formatDuration(600_000), '10 min');
      assert.strictEqual(formatDuration(3_780_000), '1 h 3 min');
    });
  });
});
