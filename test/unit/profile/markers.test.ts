// Feldera's markers: the eval tooltip parser, the markers and counters of every layout (strings in the thread or
// shared, counter `time` or `timeDeltas`), markers that are not understood (counted by reason, never fatal), and the
// operator table, workers, timeline and memory read from them. Expected values are worked out by hand from
// felderaSampleProfile() in generate.ts.
import * as assert from 'assert';
import fc from 'fast-check';
import { buildProfileModel, readProfileFile, type ProfileModel } from '../../../src/profile';
import {
  parseEvalTooltip,
  scanEvalTooltip,
  scanEvalTooltipBytes,
  type TooltipScan,
} from '../../../src/profile/markers';
import { felderaSampleProfile, generateProfile, LAYOUT_VERSIONS, type LayoutVersion } from './generate';
import { fixture } from './helpers';

function model(version: LayoutVersion, counterTime: 'time' | 'timeDeltas' = 'time'): ProfileModel {
  const r = buildProfileModel(generateProfile(felderaSampleProfile(counterTime), version));
  if (!r.ok) assert.fail(`v${version}: ${r.error.kind}: ${r.error.message}`);
  return r.model;
}

const selfByName = (m: ProfileModel, opts: Parameters<ProfileModel['summarizeSelection']>[0]) =>
  Object.fromEntries(m.functionStats(opts).flatMap((f) => (f.self ? [[f.name, f.self]] : [])));

describe('Feldera markers', () => {
  describe('eval tooltip', () => {
    it('reads the name, node id, real and CPU time as Feldera writes them', () => {
      assert.deepStrictEqual(parseEvalTooltip('MapIndexedZSet nn18 used 123μs real time, 98μs CPU time'), {
        name: 'MapIndexedZSet',
        nodeId: 'nn18',
        realUs: 123,
        cpuUs: 98,
      });
      assert.deepStrictEqual(parseEvalTooltip('Z^-1 (output) nn106_n52 used 0μs real time, 0μs CPU time'), {
        name: 'Z^-1 (output)',
        nodeId: 'nn106_n52',
        realUs: 0,
        cpuUs: 0,
      });
      // The micro sign and a plain u are taken too; so is a fraction.
      assert.strictEqual(parseEvalTooltip('Sum nn2 used 3µs real time, 2.5µs CPU time')?.cpuUs, 2.5);
      assert.strictEqual(parseEvalTooltip('Sum nn2 used 4us real time, 3us CPU time')?.realUs, 4);
      // "used" and numbers inside the name do not confuse it: the node id is the last token before " used ".
      assert.deepStrictEqual(
        parseEvalTooltip('x used 5μs real time, 4μs CPU time nn7 used 9μs real time, 8μs CPU time'),
        {
          name: 'x used 5μs real time, 4μs CPU time',
          nodeId: 'nn7',
          realUs: 9,
          cpuUs: 8,
        },
      );
      assert.deepStrictEqual(parseEvalTooltip('nn18 used 1μs real time, 1μs CPU time'), {
        name: '',
        nodeId: 'nn18',
        realUs: 1,
        cpuUs: 1,
      });
    });

    it('refuses what is not such a tooltip', () => {
      for (const s of [
        '',
        'step 12',
        'Map nn1 used lots of time',
        'Map nn1 used 5μs real time, 4μs CPU time ',
        'Map nn1 used 5μs real time,4μs CPU time',
        'Map nn1 used -5μs real time, 4μs CPU time',
        'Map nn1 used 5ms real time, 4μs CPU time',
        'Map nn1 used μs real time, 4μs CPU time',
        'Map  used 5μs real time, 4μs CPU time',
        ' used 5μs real time, 4μs CPU time',
        'Map nn1 uses 5μs real time, 4μs CPU time',
        'Map nn1 used 5.μs real time, 4μs CPU time',
      ]) {
        assert.strictEqual(parseEvalTooltip(s), undefined, JSON.stringify(s));
      }
    });

    it('reads back every tooltip written from any name, node id and figures', () => {
      const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });
      const name = fc.oneof(
        unicode,
        fc.constantFrom('Z^-1 (output)', 'merge shards', 'x used 5μs real time, 4μs CPU time', '12 34', 'used', ''),
        fc
          .array(fc.oneof(unicode, fc.constant('used'), fc.nat().map(String)), { maxLength: 4 })
          .map((w) => w.join(' ')),
      );
      const nodeId = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((s) => !s.includes(' '));
      const micro = fc.constantFrom('μ', 'µ', 'u');
      fc.assert(
        fc.property(name, nodeId, fc.nat(), fc.nat(), micro, micro, (n, id, real, cpu, m1, m2) => {
          const text = `${n}${n ? ' ' : ''}${id} used ${real}${m1}s real time, ${cpu}${m2}s CPU time`;
          assert.deepStrictEqual(parseEvalTooltip(text), { name: n, nodeId: id, realUs: real, cpuUs: cpu });
        }),
        { numRuns: 2000 },
      );
    });

    it('reads the same on the UTF-8 bytes as on the string', () => {
      const scan = (): TooltipScan => ({ nameEnd: -2, usedAt: -2, realUs: -1, cpuUs: -1 });
      const tooltip = fc
        .tuple(
          fc.string({ unit: 'grapheme', maxLength: 8 }),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
          fc.nat(),
          fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true })),
          fc.constantFrom('μ', 'µ', 'u', 'm', 'ü'),
        )
        .map(([n, id, r, c, mu]) => `${n} ${id} used ${r}${mu}s real time, ${c}${mu}s CPU time`);
      const text = fc.oneof(tooltip, fc.string({ unit: 'binary', maxLength: 60 }));
      fc.assert(
        fc.property(text, fc.nat(8), (s, offset) => {
          const bytes = Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(s), Buffer.from(' x')]);
          const a = scan();
          const b = scan();
          const okString = scanEvalTooltip(s, a);
          const okBytes = scanEvalTooltipBytes(bytes, offset, bytes.length - 2, b);
          assert.strictEqual(okBytes, okString);
          if (!okString) return;
          assert.deepStrictEqual([b.realUs, b.cpuUs], [a.realUs, a.cpuUs]);
          // Same parts: the bytes before nameEnd and between it and usedAt decode to the string's parts.
          const part = (from: number, to: number) => bytes.toString('utf8', from, to);
          const name = b.nameEnd < 0 ? '' : part(offset, b.nameEnd);
          const node = part(b.nameEnd < 0 ? offset : b.nameEnd + 1, b.usedAt);
          assert.deepStrictEqual(
            [name, node],
            [a.nameEnd < 0 ? '' : s.slice(0, a.nameEnd), s.slice(a.nameEnd + 1, a.usedAt)],
          );
        }),
        { numRuns: 3000 },
      );
    });

    it('never throws on any text, and what it reads is consistent with the text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
          const t = parseEvalTooltip(s);
          if (!t) return;
          assert.ok(s.includes(` ${t.nodeId} used `) || s.startsWith(`${t.nodeId} used `));
          assert.ok(!t.nodeId.includes(' ') && t.nodeId.length > 0);
          assert.ok(t.realUs >= 0 && t.cpuUs >= 0);
        }),
      );
    });
  });

  describe('reading them, in every layout', () => {
    for (const version of LAYOUT_VERSIONS) {
      it(`v${version}: operators, workers, spans, memory and the markers not understood, by reason`, () => {
        const m = model(version);
        assert.deepStrictEqual(m.feldera.markers, {
          total: 19,
          evals: 7,
          spans: 3,
          otherFeldera: 1,
          notUnderstood: 8,
          skipped: {
            phase: 2,
            nullData: 1,
            otherType: 1,
            badTime: 1,
            endBeforeStart: 1,
            badTooltip: 1,
            badString: 1,
          },
          otherCounters: ['malloc'],
        });
        assert.deepStrictEqual(m.meta.timeRange, { start: 0, end: 13 });
        assert.deepStrictEqual(m.feldera.memoryPeak, { time: 12, bytes: 400 });
        assert.deepStrictEqual(
          m.feldera.workers.map((w) => [w.worker, w.thread, w.name, w.operatorCpuUs, w.evals]),
          [
            [0, 1, 'dbsp-worker-0', 3300, 4],
            [1, 2, 'dbsp-worker-1', 1005, 3],
          ],
        );
        assert.deepStrictEqual(m.feldera.otherThreads, [0]);
        assert.deepStrictEqual(
          m.threads.map((t) => t.worker),
          [undefined, 0, 1],
        );
        assert.strictEqual(m.feldera.operatorCpuUs, 4305);
        const table = m.operatorTable();
        assert.deepStrictEqual(
          [table.totalCpuUs, table.totalRealUs, table.evals, table.operatorCount, table.matched],
          [4305, 5707, 7, 4, 4],
        );
        assert.deepStrictEqual(
          table.rows.map((r) => [r.nodeId, r.name, r.cpuUs, r.realUs, r.selfCpuUs, r.evals]),
          [
            ['nn1', 'Map Index 1', 1800, 1900, 1800, 2],
            ['nn3', 'Subcircuit', 1500, 1800, 1100, 1],
            ['nn2', 'Sum', 1005, 2007, 1005, 3],
            ['nn3_n1', 'Z^-1 (output)', 400, 500, 400, 1],
          ],
        );
        assert.ok(Math.abs(table.rows.reduce((a, r) => a + r.share, 0) - 1) < 1e-12);
        assert.deepStrictEqual(table.rows[0].spread, {
          workers: 2,
          minUs: 800,
          medianUs: 900,
          maxUs: 1000,
          skew: 1000 / 900,
        });
        const tl = m.timeline({ buckets: 4 });
        assert.deepStrictEqual(
          tl.spans.map((s) => [s.category, s.name, s.start, s.end, s.label, s.count]),
          [
            ['Step', 'input', 0, 0.4, 'supply input before step 1', 1],
            ['Transaction', 'commit', 0.4, 11, 'transaction 7 committed 42 records', 1],
            ['Step', 'step', 0.4, 6, 'step 1', 1],
          ],
        );
        assert.deepStrictEqual(
          [tl.memory?.time, tl.memory?.bytes],
          [
            [0, 4, 8, 12],
            [100, 300, 250, 400],
          ],
        );
      });
    }

    it('a counter with timeDeltas reads as one with time', () => {
      for (const version of [49, 57, 70] as const) {
        const a = model(version, 'time');
        const b = model(version, 'timeDeltas');
        assert.deepStrictEqual(b.timeline({ buckets: 3 }).memory, a.timeline({ buckets: 3 }).memory);
        assert.deepStrictEqual(b.feldera, a.feldera);
      }
    });

    it('the real fixtures (no Feldera markers) count theirs as not understood, and have no operators', async function () {
      const synthetic = await readProfileFile(fixture(this, 'feldera-samply-v57-synthetic.json'));
      const agave = await readProfileFile(fixture(this, 'agave-bench-shred-v55-linux.json.gz'));
      const firefox = await readProfileFile(fixture(this, 'firefox-profiler-unsymbolicated-v49-macos.json'));
      assert.ok(synthetic.ok && agave.ok && firefox.ok);
      const stats = (r: typeof agave) => (r.ok ? r.model.feldera.markers : undefined);
      // An instant Text marker and a "custom" interval marker; a "malloc" counter.
      assert.deepStrictEqual(stats(synthetic), {
        total: 2,
        evals: 0,
        spans: 0,
        otherFeldera: 0,
        notUnderstood: 2,
        skipped: { phase: 1, otherType: 1 },
        otherCounters: ['malloc'],
      });
      // samply's own mmap instants.
      assert.deepStrictEqual(stats(agave)?.skipped, { phase: 506 });
      assert.strictEqual(stats(agave)?.notUnderstood, 506);
      assert.strictEqual(stats(firefox)?.total, 0);
      for (const r of [synthetic, agave, firefox]) {
        assert.ok(r.ok);
        assert.strictEqual(r.model.feldera.hasOperators, false);
        assert.deepStrictEqual(r.model.operatorTable().rows, []);
        assert.deepStrictEqual(r.model.feldera.workers, []);
      }
    });
  });

  describe('selections by operator and time range', () => {
    const m = model(57);

    it("an operator selects the samples inside its spans, on each span's own thread", () => {
      // nn1: sample t=1 on worker 0 (work) and t=2 on worker 1 (0x1a2b, weight 2).
      let s = m.summarizeSelection({ operator: 'nn1' });
      assert.deepStrictEqual([s.samples, s.weight, s.operator], [2, 3, 'nn1']);
      assert.deepStrictEqual(selfByName(m, { operator: 'nn1' }), { work: 1, '0x1a2b [app]': 2 });
      // nn2: t=9 (parked, off-CPU, weight 3) and t=10 on worker 0; its spans on worker 1 hold no sample.
      assert.deepStrictEqual(selfByName(m, { operator: 'nn2' }), { futex_wait: 3, work: 1 });
      assert.deepStrictEqual(selfByName(m, { operator: 'nn2', cpuOnly: true }), { work: 1 });
      // A nested circuit holds its operator's samples too.
      assert.deepStrictEqual(selfByName(m, { operator: 'nn3' }), { '0x99': 1 });
      assert.deepStrictEqual(selfByName(m, { operator: 'nn3_n1' }), { '0x99': 1 });
      // Threads narrow it further; an unknown operator selects nothing.
      s = m.summarizeSelection({ operator: 'nn1', threads: [2] });
      assert.deepStrictEqual([s.samples, s.weight], [1, 2]);
      s = m.summarizeSelection({ operator: 'nope' });
      assert.deepStrictEqual([s.samples, s.weight, s.flame.func.length], [0, 0, 0]);
      const details = m.functionDetails(m.findFunction('work')!, { operator: 'nn2' });
      assert.deepStrictEqual(
        details?.callers.map((c) => [c.name, c.weight]),
        [['run', 1]],
      );
    });

    it('a range selects the samples in [start, end); operator figures count spans by overlap, evaluations by start', () => {
      const s = m.summarizeSelection({ range: { start: 0, end: 2 } });
      // Samples at t = 0 and 1 on the main thread, 0 and 1 on worker 0, 0 on worker 1.
      assert.deepStrictEqual([s.samples, s.weight], [5, 2 + 6 + 4]);
      const t = m.operatorTable({ range: { start: 0, end: 2 } });
      // nn1: all of worker 0's span [0.5, 1.5), half of worker 1's [1.5, 2.5).
      assert.deepStrictEqual(
        t.rows.map((r) => [r.nodeId, r.cpuUs, r.realUs, r.evals]),
        [['nn1', 800 + 500, 900 + 500, 2]],
      );
      const late = m.operatorTable({ range: { start: 2, end: 13 } });
      assert.deepStrictEqual(late.rows.find((r) => r.nodeId === 'nn1')?.evals, 0);
      assert.deepStrictEqual(late.rows.find((r) => r.nodeId === 'nn1')?.cpuUs, 500);
      // Per worker, with the same rules.
      const d = m.operatorDetails('nn1', { range: { start: 0, end: 2 } });
      assert.deepStrictEqual(
        d?.perWorker.map((r) => [r.worker, r.thread, r.cpuUs, r.evals]),
        [
          [0, 1, 800, 1],
          [1, 2, 500, 1],
        ],
      );
      assert.strictEqual(m.operatorDetails('nope'), undefined);
      // Thread figures for the range.
      assert.deepStrictEqual(
        m.threadStats({ range: { start: 0, end: 2 } }).map((x) => [x.samples, x.weight, x.cpuSamples, x.cpuWeight]),
        [
          [2, 2, 2, 2],
          [2, 6, 1, 1],
          [1, 4, 0, 0],
        ],
      );
      assert.strictEqual(m.threadStats({}), m.threads);
    });

    it('a span holds the samples from its start (included) to its end (not), and so does a range', () => {
      // One worker sampled at t = 0..5; one span [1, 3) and one of length 0 at 4.
      const p = felderaSampleProfile();
      const w = p.threads[1];
      w.stacks = [[0]];
      w.samples = {
        stack: Int32Array.from([0, 0, 0, 0, 0, 0]),
        time: Float64Array.from([0, 1, 2, 3, 4, 5]),
        weight: Float64Array.from([1, 2, 4, 8, 16, 32]),
      };
      w.markers = [
        {
          name: 'eval',
          category: 2,
          start: 1,
          end: 3,
          phase: 1,
          data: { feldera: 'A n1 used 2μs real time, 2μs CPU time' },
        },
        {
          name: 'eval',
          category: 2,
          start: 4,
          end: 4,
          phase: 1,
          data: { feldera: 'B n2 used 0μs real time, 0μs CPU time' },
        },
      ];
      p.threads = [p.threads[0], w];
      const r = buildProfileModel(generateProfile(p, 57));
      assert.ok(r.ok);
      const weight = (sel: Parameters<ProfileModel['summarizeSelection']>[0]) => r.model.summarizeSelection(sel).weight;
      assert.strictEqual(weight({ operator: 'n1' }), 2 + 4);
      assert.strictEqual(weight({ operator: 'n2' }), 0);
      assert.strictEqual(weight({ threads: [1], range: { start: 1, end: 3 } }), 2 + 4);
      assert.strictEqual(weight({ threads: [1], range: { start: 3, end: 6 } }), 8 + 16 + 32);
      // A span of length 0 counts whole in the range its start is in.
      const evals = (range: { start: number; end: number }) =>
        r.model.operatorTable({ range }).rows.map((x) => [x.nodeId, x.evals, x.cpuUs]);
      assert.deepStrictEqual(evals({ start: 4, end: 5 }), [['n2', 1, 0]]);
      assert.deepStrictEqual(evals({ start: 2, end: 4 }), [['n1', 0, 1]]);
    });

    it('samples out of time order are put in order (ranges still find them), in every layout', () => {
      for (const version of LAYOUT_VERSIONS) {
        const p = felderaSampleProfile();
        const w = p.threads[1];
        w.stacks = [[0], [1]];
        // Times 5, 1, 3 (v49 writes them as they are; later layouts as deltas, one of them negative).
        w.samples = {
          stack: Int32Array.from([0, 1, 0]),
          time: Float64Array.from([5, 1, 3]),
          weight: Float64Array.from([1, 2, 4]),
        };
        w.markers = [];
        const r = buildProfileModel(generateProfile(p, version));
        assert.ok(r.ok);
        const weight = (start: number, end: number) =>
          r.model.summarizeSelection({ threads: [1], range: { start, end } }).weight;
        assert.deepStrictEqual([weight(0, 2), weight(2, 4), weight(4, 6), weight(0, 6)], [2, 4, 1, 7], `v${version}`);
        const lane = r.model.timeline({ threads: [1], buckets: 3, window: { start: 0, end: 6 } }).lanes[0];
        assert.deepStrictEqual(lane.weight, [2, 4, 1]);
      }
    });

    it('the operator table sorts, filters and limits', () => {
      const names = (q: Parameters<ProfileModel['operatorTable']>[0]) => m.operatorTable(q).rows.map((r) => r.nodeId);
      assert.deepStrictEqual(names({ sort: 'selfCpu' }), ['nn1', 'nn3', 'nn2', 'nn3_n1']);
      assert.deepStrictEqual(names({ sort: 'evals' }), ['nn2', 'nn1', 'nn3', 'nn3_n1']);
      assert.deepStrictEqual(names({ sort: 'real', descending: false }), ['nn3_n1', 'nn3', 'nn1', 'nn2']);
      assert.deepStrictEqual(names({ sort: 'name' }), ['nn1', 'nn3', 'nn2', 'nn3_n1']);
      assert.deepStrictEqual(names({ sort: 'skew' }), ['nn2', 'nn1', 'nn3', 'nn3_n1']);
      assert.deepStrictEqual(names({ filter: 'SUB' }), ['nn3']);
      assert.deepStrictEqual(names({ filter: 'nn3' }), ['nn3', 'nn3_n1']);
      const limited = m.operatorTable({ limit: 1 });
      assert.deepStrictEqual([limited.rows.length, limited.matched], [1, 4]);
    });
  });
});
