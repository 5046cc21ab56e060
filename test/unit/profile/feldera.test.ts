// A Feldera profile as the emulator generates it (../../emulator/profileGenerator.ts: a real circuit's operators on
// each worker, an eval marker per evaluation, samples that agree with the spans) read end to end: the operator table,
// the workers and the attribution of samples to operators must be exactly the generator's truth; and time ranges
// must add up (the parts of a range give the whole, a range over everything is no range).
import * as assert from 'assert';
import fc from 'fast-check';
import { buildProfileModel, readProfileBytes, type ProfileModel, type TimeRange } from '../../../src/profile';
import {
  smallProfile,
  smallProfileObject,
  smallProfileTruth,
  type ProfileTruth,
} from '../../emulator/profileGenerator';
import { felderaSampleProfile, generateProfile } from './generate';

const PARAMS = { pipeline: 'orders', workers: 6, collection: 2 };

type Json = Record<string, unknown> & { length: number };

/** Self weight per function name of the samples the truth puts inside an operator's spans, read from the JSON. */
function expectedSelf(json: Record<string, unknown>, truth: ProfileTruth, nodeId: string, cpuOnly = false) {
  const strings = (json.shared as { stringArray: string[] }).stringArray;
  const threads = json.threads as Record<string, Json>[];
  const self: Record<string, number> = {};
  let samples = 0;
  for (const { thread } of truth.workers) {
    const t = threads[thread];
    const s = t.samples as Json;
    const stack = s.stack as number[];
    const weight = s.weight as number[];
    const cpu = s.threadCPUDelta as number[];
    const frame = (t.stackTable as Json).frame as number[];
    const func = (t.frameTable as Json).func as number[];
    const name = (t.funcTable as Json).name as number[];
    truth.sampleOperators[thread].forEach((ops, i) => {
      if (!ops.includes(nodeId) || (cpuOnly && cpu[i] === 0)) return;
      samples++;
      const leaf = strings[name[func[frame[stack[i]]]]];
      self[leaf] = (self[leaf] ?? 0) + weight[i];
    });
  }
  return { self, samples };
}

const selfByName = (m: ProfileModel, opts: Parameters<ProfileModel['functionStats']>[0]) =>
  Object.fromEntries(m.functionStats(opts).flatMap((f) => (f.self ? [[f.name, f.self]] : [])));

function checkAgainstTruth(m: ProfileModel, truth: ProfileTruth): void {
  const ops = Object.entries(truth.operators);
  const table = m.operatorTable();
  assert.strictEqual(table.rows.length, ops.length);
  for (const [nodeId, o] of ops) {
    const row = table.rows.find((r) => r.nodeId === nodeId);
    assert.deepStrictEqual(
      row && [row.name, row.cpuUs, row.realUs, row.evals],
      [o.name, o.cpuUs, o.realUs, o.evals],
      nodeId,
    );
  }
  assert.strictEqual(table.evals, truth.markers.evals);
  assert.deepStrictEqual(
    m.feldera.workers.map((w) => [w.thread, w.worker]),
    truth.workers.map((w) => [w.thread, w.worker]),
  );
  const { markers } = m.feldera;
  assert.deepStrictEqual(
    [markers.total, markers.evals, markers.spans, markers.otherFeldera, markers.notUnderstood],
    [
      truth.markers.total,
      truth.markers.evals,
      truth.markers.step + truth.markers.transaction + truth.markers.checkpoint,
      truth.markers.exchange,
      0,
    ],
  );
  assert.deepStrictEqual(m.feldera.memoryPeak, truth.memory.peak);
}

describe('a generated Feldera profile, end to end', function () {
  this.timeout(60_000);
  const truth = smallProfileTruth(PARAMS);
  const json = smallProfileObject(PARAMS);
  let m: ProfileModel;

  before(async () => {
    // As the viewer reads it: from the gzip, through the byte parser (FelderaDataColumn for the marker data).
    const r = await readProfileBytes(smallProfile(PARAMS));
    if (!r.ok) assert.fail(`${r.error.kind}: ${r.error.message}`);
    m = r.model;
  });

  it('has the truth the tests rely on (a real circuit, workers, operators with samples)', () => {
    assert.ok(truth.workers.length === 6 && Object.keys(truth.operators).length >= 10, JSON.stringify(truth.workers));
    assert.ok(truth.markers.evals > 1000);
    const withSamples = Object.keys(truth.operators).filter((id) =>
      Object.values(truth.sampleOperators).some((list) => list.some((ops) => ops.includes(id))),
    );
    assert.ok(withSamples.length >= 10, `operators holding samples: ${withSamples.length}`);
  });

  it('gives exactly the per-operator CPU, real time and evaluations the generator wrote, read either way', () => {
    checkAgainstTruth(m, truth);
    const viaJsonParse = buildProfileModel(JSON.parse(JSON.stringify(json)));
    assert.ok(viaJsonParse.ok);
    checkAgainstTruth(viaJsonParse.model, truth);
  });

  it('gives each worker its share of every operator', () => {
    for (const [nodeId, o] of Object.entries(truth.operators)) {
      const d = m.operatorDetails(nodeId);
      assert.ok(d);
      assert.deepStrictEqual(
        d.perWorker.map((r) => [r.worker, r.cpuUs, r.realUs, r.evals]),
        Object.entries(o.perWorker).map(([w, x]) => [Number(w), x.cpuUs, x.realUs, x.evals]),
        nodeId,
      );
      const values = Object.values(o.perWorker).map((x) => x.cpuUs);
      assert.deepStrictEqual(
        [d.operator.spread.workers, d.operator.spread.minUs, d.operator.spread.maxUs],
        [values.length, Math.min(...values), Math.max(...values)],
      );
    }
  });

  it("attributes to an operator exactly the samples inside its spans, with that operator's functions", () => {
    const ids = Object.keys(truth.operators);
    let checked = 0;
    for (const nodeId of ids) {
      for (const cpuOnly of [false, true]) {
        const want = expectedSelf(json, truth, nodeId, cpuOnly);
        const s = m.summarizeSelection({ operator: nodeId, cpuOnly });
        assert.strictEqual(s.samples, want.samples, nodeId);
        assert.deepStrictEqual(selfByName(m, { operator: nodeId, cpuOnly }), want.self, nodeId);
        if (want.samples > 0) checked++;
      }
    }
    assert.ok(checked >= 10, `operators with samples: ${checked}`);
    // The samples of an operator carry its own function (the generator's `dbsp::operator::…::eval`).
    const top = m.operatorTable({ sort: 'selfCpu', limit: 1 }).rows[0];
    const fns = m.summarizeSelection({ operator: top.nodeId }).topTotal.map((f) => f.name);
    assert.ok(
      fns.some((f) => f.startsWith('dbsp::operator::') && f.endsWith('::eval')),
      fns.join(', '),
    );
  });

  describe('time ranges add up', () => {
    const models: [string, () => ProfileModel][] = [
      ['the generated profile', () => m],
      [
        'the hand-made one',
        () => {
          const r = buildProfileModel(generateProfile(felderaSampleProfile(), 57));
          assert.ok(r.ok);
          return r.model;
        },
      ],
    ];
    for (const [what, get] of models) {
      it(`${what}: a range over everything is no range`, () => {
        const model = get();
        const all = model.meta.timeRange;
        for (const opts of [
          {},
          { cpuOnly: true },
          { threads: [1] },
          { operator: model.operatorTable().rows[0].nodeId },
        ]) {
          const { range, ...ranged } = model.summarizeSelection({ ...opts, range: all });
          assert.deepStrictEqual(range, all);
          assert.deepStrictEqual(ranged, model.summarizeSelection(opts));
        }
        const { range: _r, ...table } = model.operatorTable({ range: all });
        assert.deepStrictEqual(table, model.operatorTable());
        assert.deepStrictEqual(
          model.threadStats({ range: all }).map((t) => [t.samples, t.weight, t.cpuSamples, t.cpuWeight]),
          model.threads.map((t) => [t.samples, t.weight, t.cpuSamples, t.cpuWeight]),
        );
      });

      it(`${what}: the parts of a range sum to the whole (samples, functions, operators, threads)`, () => {
        const model = get();
        const all = model.meta.timeRange;
        const ops = model.operatorTable().rows.map((r) => r.nodeId);
        const cuts = fc.uniqueArray(fc.double({ min: all.start, max: all.end, noNaN: true }), { maxLength: 6 });
        fc.assert(
          fc.property(
            cuts,
            fc.constantFrom(undefined, ...ops.slice(0, 3)),
            fc.boolean(),
            (points, operator, cpuOnly) => {
              const bounds = [
                all.start,
                ...points.filter((p) => p > all.start && p < all.end).sort((a, b) => a - b),
                all.end,
              ];
              const parts: TimeRange[] = bounds.slice(1).map((end, i) => ({ start: bounds[i], end }));
              const whole = model.summarizeSelection({ operator, cpuOnly });
              const wholeSelf = selfByName(model, { operator, cpuOnly });
              let samples = 0;
              let weight = 0;
              const self: Record<string, number> = {};
              const cpu = new Map<string, number>();
              const evals = new Map<string, number>();
              const threadWeight = model.threads.map(() => 0);
              for (const range of parts) {
                const s = model.summarizeSelection({ operator, cpuOnly, range });
                samples += s.samples;
                weight += s.weight;
                for (const [f, w] of Object.entries(selfByName(model, { operator, cpuOnly, range }))) {
                  self[f] = (self[f] ?? 0) + w;
                }
                for (const r of model.operatorTable({ range }).rows) {
                  cpu.set(r.nodeId, (cpu.get(r.nodeId) ?? 0) + r.cpuUs);
                  evals.set(r.nodeId, (evals.get(r.nodeId) ?? 0) + r.evals);
                }
                model.threadStats({ range, operator }).forEach((t, i) => (threadWeight[i] += t.weight));
              }
              assert.deepStrictEqual([samples, weight], [whole.samples, whole.weight]);
              assert.deepStrictEqual(self, wholeSelf);
              for (const r of model.operatorTable().rows) {
                assert.strictEqual(evals.get(r.nodeId), r.evals, r.nodeId);
                assert.ok(Math.abs((cpu.get(r.nodeId) ?? 0) - r.cpuUs) <= 1e-6 * Math.max(1, r.cpuUs), r.nodeId);
              }
              assert.deepStrictEqual(
                threadWeight,
                model.threadStats({ operator }).map((t) => t.weight),
              );
            },
          ),
          { numRuns: 25 },
        );
      });
    }
  });

  it('the timeline: lanes hold every sample of the window, spans are bounded, memory keeps its peak', () => {
    const window = m.meta.timeRange;
    const tl = m.timeline({ buckets: 50, threads: [1, 2], window });
    assert.deepStrictEqual(
      tl.lanes.map((l) => l.thread),
      [1, 2],
    );
    for (const lane of tl.lanes) {
      assert.strictEqual(lane.weight.length, 50);
      assert.strictEqual(
        lane.weight.reduce((a, b) => a + b, 0),
        m.threads[lane.thread].weight,
      );
    }
    assert.strictEqual(tl.spanCount, truth.markers.step + truth.markers.transaction + truth.markers.checkpoint);
    assert.strictEqual(tl.spans.length, tl.spanCount);
    // Bounded: neighbours merge, and every span is still accounted for.
    const few = m.timeline({ buckets: 50, threads: [], maxSpans: 3 });
    assert.ok(few.spansMerged && few.spans.length <= 3, `${few.spans.length} bars`);
    assert.strictEqual(
      few.spans.reduce((a, s) => a + s.count, 0),
      few.spanCount,
    );
    // Memory: fewer points than samples when downsampled, but the peak is exact.
    const mem = m.timeline({ buckets: 2, threads: [] }).memory;
    assert.ok(mem && mem.downsampled && mem.time.length <= 4, JSON.stringify(mem));
    assert.deepStrictEqual(mem.peak, truth.memory.peak);
    assert.ok(mem.bytes.includes(truth.memory.peak.bytes), 'the line reaches the peak');
    // A window: only what is in it.
    const half = { start: window.start, end: (window.start + window.end) / 2 };
    const part = m.timeline({ buckets: 10, threads: [1], window: half });
    assert.strictEqual(
      part.lanes[0].weight.reduce((a, b) => a + b, 0),
      m.threadStats({ range: half })[1].weight,
    );
  });
});
