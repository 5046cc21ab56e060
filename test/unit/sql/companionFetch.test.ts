// The SQL context fetched beside a samply profile, end to end: the real client, the emulator on loopback, real files.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { collectSamplyProfileToFolder, fetchSamplyProfileToFolder } from '../../../src/download/samplyFetcher';
import type { FetchProgress } from '../../../src/download/types';
import { FelderaClient } from '../../../src/feldera/client';
import { companionPathFor, loadCompanion } from '../../../src/sql/companion';
import {
  describeCompanion,
  SqlContextFetch,
  withSqlCompanion,
  type SqlContextPiece,
} from '../../../src/sql/companionFetch';
import { joinCompanion } from '../../../src/sql/join';
import { FelderaEmulator, type EmulatorOptions } from '../../emulator/emulator';
import { listing, removeTempDirs, tempDir } from '../download/support';

interface Rig {
  emu: FelderaEmulator;
  api: FelderaClient;
  folder: string;
}
let rig: Rig | undefined;

async function setUp(opts: EmulatorOptions = {}): Promise<Rig> {
  const emu = new FelderaEmulator({
    pipelines: [
      { name: 'orders', workers: 4 },
      { name: 'fraud', hosts: 3, workers: 6 },
      { name: 'old', noDataflowGraph: true },
    ],
    postWaitMs: 20,
    ...opts,
  });
  const api = new FelderaClient({
    baseUrl: await emu.start(),
    retry: { deadlineMs: 2000, initialDelayMs: 20, maxDelayMs: 100 },
  });
  rig = { emu, api, folder: path.join(tempDir('feldera-sqlctx-'), 'profiles') };
  return rig;
}

/**
 * A finished profile on that host: a real POST, then the collection ended at once (a scaled-down clock raced the
 * POST's own wait on a loaded machine).
 */
async function finishedProfile(r: Rig, pipeline: string, ordinal?: number): Promise<void> {
  const s = await r.api.startSamplyProfile(pipeline, { durationSecs: 1, ordinal });
  assert.ok(s.ok && s.value.state === 'started', JSON.stringify(s));
  r.emu.finishCollection(pipeline, ordinal ?? 0);
  assert.ok(!r.emu.samplyStatus(pipeline, ordinal ?? 0).collecting);
}

const fast = { minPollMs: 10, maxPollMs: 50 };

/** Waits for `check` to hold, checking every 10 ms (the test's own timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('SQL context beside a samply profile (emulator, real files)', function () {
  this.timeout(30000);
  afterEach(async () => {
    await rig?.emu.stop();
    rig = undefined;
    removeTempDirs();
  });

  it('fetch: the companion sits beside the profile, complete, and the join works from it alone', async () => {
    const r = await setUp();
    await finishedProfile(r, 'orders');
    const { result, companion } = await withSqlCompanion({ api: r.api, pipeline: 'orders' }, () =>
      fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast }),
    );
    assert.ok(result.ok);
    assert.ok(companion?.saved, JSON.stringify(companion));
    assert.strictEqual(companion.path, companionPathFor(result.path));
    assert.deepStrictEqual(companion.missing, []);
    assert.strictEqual(describeCompanion(companion), undefined);
    assert.deepStrictEqual(listing(r.folder), [path.basename(result.path), path.basename(companion.path)].sort());
    await r.emu.stop(); // offline from here
    const loaded = await loadCompanion(result.path, { pipeline: 'orders' });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.reason);
    assert.strictEqual(loaded.companion.program.code, r.emu.sqlContext().sql);
    assert.strictEqual(loaded.companion.profile?.bytes, result.bytes);
    assert.strictEqual(loaded.companion.workers, 4);
    const join = joinCompanion(loaded.companion);
    assert.ok(join.stats.operatorsWithPosition > 0);
    assert.strictEqual(join.stats.operatorsWithMirNode, join.stats.operatorsWithPersistentId);
    // Small: only what the join needs, not the circuit profile or the calcite plan.
    assert.ok(fs.statSync(companion.path).size < 64 * 1024, `${fs.statSync(companion.path).size} bytes`);
  });

  it('collect: the context is fetched while samply records, so the collection waits no longer for it', async () => {
    const r = await setUp({ timeScale: 0.5 }); // a 2 s collection lasts 1 s
    r.emu.faults.circuitProfileDelayMs = 200; // the pipeline takes a while to build its circuit profile
    const events: string[] = [];
    let circuitWhileRecording = false;
    const onSettled = (piece: SqlContextPiece) => {
      events.push(piece);
      if (piece === 'circuit-profile') circuitWhileRecording = r.emu.samplyStatus('orders').collecting;
    };
    const context = SqlContextFetch.start({ api: r.api, pipeline: 'orders', onSettled });
    let readyBeforeProfile = false;
    void context.ready.then(() => events.push('context ready'));
    const result = await collectSamplyProfileToFolder({
      api: r.api,
      pipeline: 'orders',
      folder: r.folder,
      durationSecs: 2,
      ...fast,
      onProgress: (p: FetchProgress) => {
        if (p.phase === 'downloading' && !events.includes('download')) {
          readyBeforeProfile = events.includes('context ready');
          events.push('download');
        }
      },
    });
    assert.ok(result.ok);
    // All three answers came before the profile's first byte; the slow one while samply was still recording.
    assert.deepStrictEqual(events.slice(0, 3).sort(), ['circuit-profile', 'dataflow-graph', 'pipeline']);
    assert.ok(circuitWhileRecording, 'the circuit profile was built while the collection ran');
    assert.ok(readyBeforeProfile, `order: ${events.join(', ')}`);
    const outcome = await context.saveBeside(result.path, result.bytes);
    assert.ok(outcome.saved && outcome.missing.length === 0);
    // Each piece was asked once, after the POST that started the collection went out or alongside it.
    for (const p of ['', '/dataflow_graph', '/circuit_json_profile']) {
      assert.strictEqual(r.emu.requests.filter((q) => q.path === `/v0/pipelines/orders${p}`).length, 1, p);
    }
  });

  it('the profile fails: no companion is written, and the context’s requests are stopped', async function () {
    this.timeout(10_000); // the circuit profile would take 20 s if it were not stopped
    const r = await setUp();
    r.emu.faults.circuitProfileDelayMs = 20_000;
    const { result, companion } = await withSqlCompanion({ api: r.api, pipeline: 'orders' }, () =>
      fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast }),
    );
    assert.ok(!result.ok && result.error.kind === 'feldera'); // NoSamplyProfile
    assert.strictEqual(companion, undefined);
    assert.deepStrictEqual(listing(r.folder), []);
  });

  it('cancelled mid-collection: no profile, no companion', async () => {
    const r = await setUp();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const { result, companion } = await withSqlCompanion({ api: r.api, pipeline: 'orders', signal: ac.signal }, () =>
      collectSamplyProfileToFolder({
        api: r.api,
        pipeline: 'orders',
        folder: r.folder,
        durationSecs: 30,
        signal: ac.signal,
        ...fast,
      }),
    );
    assert.ok(!result.ok && result.error.kind === 'cancelled');
    assert.strictEqual(companion, undefined);
    assert.deepStrictEqual(listing(r.folder), []);
  });

  it('an older server (no dataflow graph): the profile and the SQL are saved, and the outcome says what is missing', async () => {
    const r = await setUp();
    await finishedProfile(r, 'old');
    const { result, companion } = await withSqlCompanion({ api: r.api, pipeline: 'old' }, () =>
      fetchSamplyProfileToFolder({ api: r.api, pipeline: 'old', folder: r.folder, ...fast }),
    );
    assert.ok(result.ok && companion?.saved);
    assert.deepStrictEqual(
      companion.missing.map((m) => [m.part, m.code]),
      [['dataflow-graph', 'ProgramInfoMissesDataflow']],
    );
    const text = describeCompanion(companion)!;
    assert.match(text, /not its dataflow graph: .*older Feldera.*will not be linked to SQL lines/);
    const loaded = await loadCompanion(result.path);
    assert.ok(loaded.ok && loaded.companion.mir === null && loaded.companion.nodes !== null);
    const someNode = Object.keys(loaded.companion.nodes!)[0];
    assert.strictEqual(joinCompanion(loaded.companion).operator(someNode).noPosition, 'no-dataflow-graph');
  });

  it('a pipeline that is not running or paused: its circuit profile is not asked for, and the outcome says so', async () => {
    const r = await setUp();
    await finishedProfile(r, 'orders');
    r.emu.updatePipeline('orders', { deploymentStatus: 'Initializing' }); // the profile is still served
    const { result, companion } = await withSqlCompanion({ api: r.api, pipeline: 'orders' }, () =>
      fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast }),
    );
    assert.ok(result.ok && companion?.saved);
    assert.deepStrictEqual(
      companion.missing.map((m) => [m.part, m.code]),
      [['circuit-profile', 'NotRunning']],
    );
    assert.match(describeCompanion(companion)!, /not its circuit profile: the pipeline is Initializing, not running/);
    assert.strictEqual(r.emu.requests.filter((q) => q.path.endsWith('/circuit_json_profile')).length, 0);
    const loaded = await loadCompanion(result.path);
    assert.ok(loaded.ok && loaded.companion.nodes === null && loaded.companion.mir !== null);
  });

  it('a 503 for the circuit profile: the server’s reason is kept, the rest is saved', async () => {
    const r = await setUp();
    await finishedProfile(r, 'orders');
    r.emu.faults.circuitProfileUnreachable = true;
    const { result, companion } = await withSqlCompanion({ api: r.api, pipeline: 'orders' }, () =>
      fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast }),
    );
    assert.ok(result.ok && companion?.saved);
    assert.deepStrictEqual(
      companion.missing.map((m) => [m.part, m.code]),
      [['circuit-profile', 'PipelineInteractionUnreachable']],
    );
    assert.match(describeCompanion(companion)!, /not its circuit profile: .*disconnected/);
  });

  it('a circuit profile that takes too long is given up on; the rest is saved', async () => {
    const r = await setUp();
    await finishedProfile(r, 'orders');
    r.emu.faults.circuitProfileDelayMs = 5_000;
    const { result, companion } = await withSqlCompanion(
      { api: r.api, pipeline: 'orders', circuit: { timeoutMs: 150 } },
      () => fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast }),
    );
    assert.ok(result.ok && companion?.saved);
    assert.deepStrictEqual(
      companion.missing.map((m) => [m.part, m.code]),
      [['circuit-profile', 'timeout']],
    );
  });

  it('all hosts of a multihost pipeline: one fetch of the context, one companion per host profile', async () => {
    const r = await setUp();
    for (const k of [0, 1, 2]) await finishedProfile(r, 'fraud', k);
    const context = SqlContextFetch.start({ api: r.api, pipeline: 'fraud' });
    const outcomes = await Promise.all(
      [0, 1, 2].map(async (ordinal) => {
        const res = await fetchSamplyProfileToFolder({
          api: r.api,
          pipeline: 'fraud',
          ordinal,
          hostSuffix: true,
          folder: r.folder,
          ...fast,
        });
        assert.ok(res.ok);
        return context.saveBeside(res.path, res.bytes);
      }),
    );
    assert.ok(outcomes.every((o) => o.saved));
    assert.deepStrictEqual(
      listing(r.folder)
        .filter((f) => f.endsWith('.sql.json'))
        .map((f) => f.replace(/.*-(host\d)\.sql\.json$/, '$1')),
      ['host0', 'host1', 'host2'],
    );
    assert.strictEqual(r.emu.requests.filter((q) => q.path.endsWith('/circuit_json_profile')).length, 1);
  });

  describe('a context still on its way when the profile is saved (the grace, then the background)', () => {
    /** A fetch with the circuit profile held by the emulator until the test releases it. */
    async function fetchWhileHeld(r: Rig, signal?: AbortSignal) {
      await finishedProfile(r, 'orders');
      r.emu.faults.holdCircuitProfile = true;
      const events: string[] = [];
      const onSettled = (piece: SqlContextPiece) => events.push(piece);
      const run = await withSqlCompanion(
        { api: r.api, pipeline: 'orders', onSettled, signal },
        () => fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast }),
        20, // any grace: the circuit profile is held, so the context cannot be there
      );
      events.push('result');
      assert.ok(run.result.ok, JSON.stringify(run.result));
      assert.strictEqual(run.companion, undefined, 'nothing is saved while the context is on its way');
      assert.ok(run.later, 'the context is left to finish in the background');
      return { ...run, result: run.result, later: run.later, events };
    }

    it('the fetch comes back before the context; the companion appears later, complete', async () => {
      const r = await setUp();
      const { result, later, events } = await fetchWhileHeld(r);
      assert.deepStrictEqual(listing(r.folder), [path.basename(result.path)], 'the profile only, for now');
      assert.ok(!events.includes('circuit-profile'), `order: ${events.join(', ')}`);
      r.emu.releaseCircuitProfiles();
      const outcome = await later;
      assert.deepStrictEqual(events.slice(events.indexOf('result') + 1), ['circuit-profile'], events.join(', '));
      assert.ok(outcome.saved, JSON.stringify(outcome));
      assert.deepStrictEqual(outcome.missing, []);
      assert.strictEqual(describeCompanion(outcome), undefined, 'a complete context needs no notification');
      assert.deepStrictEqual(listing(r.folder), [path.basename(result.path), path.basename(outcome.path)].sort());
      const loaded = await loadCompanion(result.path, { pipeline: 'orders' });
      assert.ok(loaded.ok && loaded.companion.nodes !== null && loaded.companion.profile?.bytes === result.bytes);
    });

    it('cancelling the background part stops its requests and leaves no file', async () => {
      const r = await setUp();
      const ac = new AbortController();
      const { result, later } = await fetchWhileHeld(r, ac.signal);
      await until(() => r.emu.heldCircuitProfiles === 1); // the circuit profile was asked for
      ac.abort();
      const outcome = await later;
      assert.ok(!outcome.saved && outcome.cancelled, JSON.stringify(outcome));
      assert.strictEqual(describeCompanion(outcome), undefined, 'the user cancelled: nothing to tell');
      await until(() => r.emu.heldCircuitProfiles === 0); // the request was closed, not left to run
      assert.deepStrictEqual(listing(r.folder), [path.basename(result.path)], 'no companion, no temporary file');
    });

    it('a profile removed before the context lands gets no companion', async () => {
      const r = await setUp();
      const { result, later } = await fetchWhileHeld(r);
      fs.rmSync(result.path);
      r.emu.releaseCircuitProfiles();
      const outcome = await later;
      assert.ok(!outcome.saved && outcome.profileGone, JSON.stringify(outcome));
      assert.strictEqual(describeCompanion(outcome), undefined);
      assert.deepStrictEqual(listing(r.folder), []);
    });

    it('a profile replaced by another file of another size gets no companion either', async () => {
      const r = await setUp();
      const { result, later } = await fetchWhileHeld(r);
      fs.writeFileSync(result.path, 'not the profile');
      r.emu.releaseCircuitProfiles();
      const outcome = await later;
      assert.ok(!outcome.saved && outcome.profileGone, JSON.stringify(outcome));
      assert.deepStrictEqual(listing(r.folder), [path.basename(result.path)]);
    });

    it('all hosts: one late context, a companion beside each profile when it lands', async () => {
      const r = await setUp();
      for (const k of [0, 1, 2]) await finishedProfile(r, 'fraud', k);
      r.emu.faults.holdCircuitProfile = true;
      const context = SqlContextFetch.start({ api: r.api, pipeline: 'fraud' });
      const saved = await Promise.all(
        [0, 1, 2].map(async (ordinal) => {
          const res = await fetchSamplyProfileToFolder({
            api: r.api,
            pipeline: 'fraud',
            ordinal,
            hostSuffix: true,
            folder: r.folder,
            ...fast,
          });
          assert.ok(res.ok);
          return { path: res.path, bytes: res.bytes };
        }),
      );
      const settled = await context.saveBesideWithin(saved, 20);
      assert.ok(settled.pending);
      assert.strictEqual(listing(r.folder).filter((f) => f.endsWith('.sql.json')).length, 0);
      r.emu.releaseCircuitProfiles();
      const outcomes = await settled.later;
      assert.ok(
        outcomes.every((o) => o.saved && o.missing.length === 0),
        JSON.stringify(outcomes),
      );
      assert.deepStrictEqual(
        outcomes.map((o) => o.saved && o.path),
        saved.map((p) => companionPathFor(p.path)),
      );
    });

    it('a context already there is saved within the grace, before anything is announced', async () => {
      const r = await setUp();
      await finishedProfile(r, 'orders');
      const context = SqlContextFetch.start({ api: r.api, pipeline: 'orders' });
      await context.ready;
      const res = await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast });
      assert.ok(res.ok);
      const settled = await context.saveBesideWithin([{ path: res.path, bytes: res.bytes }], 0);
      assert.ok(!settled.pending && settled.outcomes[0].saved, JSON.stringify(settled));
      assert.ok(fs.existsSync(companionPathFor(res.path)));
    });
  });

  it('a file already at the companion’s name is left alone; the profile is kept', async () => {
    const r = await setUp();
    await finishedProfile(r, 'orders');
    const context = SqlContextFetch.start({ api: r.api, pipeline: 'orders' });
    const res = await fetchSamplyProfileToFolder({ api: r.api, pipeline: 'orders', folder: r.folder, ...fast });
    assert.ok(res.ok);
    fs.writeFileSync(companionPathFor(res.path), 'someone else’s');
    const outcome = await context.saveBeside(res.path, res.bytes);
    assert.ok(!outcome.saved && /already exists/.test(outcome.reason));
    assert.match(describeCompanion(outcome)!, /already exists.*will not be linked to SQL/);
    assert.strictEqual(fs.readFileSync(companionPathFor(res.path), 'utf8'), 'someone else’s');
    assert.ok(fs.existsSync(res.path));
  });
});
