// Generated profiles: one set of samples written in the table layouts of versions 49..70 must give
// one summary; the numbers below are worked out by hand from sampleProfile() in generate.ts.
import * as assert from 'assert';
import { buildProfileModel, summarizeProfile, type ProfileModel, type SummarizeOptions } from '../../../src/profile';
import { generateProfile, LAYOUT_VERSIONS, sampleProfile, type LayoutVersion } from './generate';
import { canonical, flameByName } from './helpers';

function model(version: LayoutVersion, oscpu?: string): ProfileModel {
  const r = buildProfileModel(generateProfile(sampleProfile(oscpu), version));
  if (!r.ok) assert.fail(`v${version}: ${r.error.kind}: ${r.error.message}`);
  return r.model;
}

const byName = (m: ProfileModel, opts: SummarizeOptions) =>
  Object.fromEntries(m.functionStats(opts).map((f) => [f.name, [f.self, f.total]]));

describe('profile reader: generated layouts', () => {
  for (const version of LAYOUT_VERSIONS) {
    it(`v${version} layout gives the hand-computed summary`, () => {
      const m = model(version);
      const s = m.summarize();
      assert.strictEqual(s.meta.version, version);
      assert.strictEqual(s.meta.product, 'pipeline-manager');
      assert.deepStrictEqual(s.meta.host, { index: 1, count: 4 });
      assert.strictEqual(s.meta.durationMs, 11);
      assert.strictEqual(s.meta.symbolicated, true);
      assert.deepStrictEqual(
        s.threads.map((t) => [t.name, t.tid, t.samples, t.weight, t.cpuSamples, t.cpuWeight, t.cpuTimeMs]),
        [
          ['main', '100', 7, 8, 6, 6, 5.5],
          ['worker-1', '101', 5, 11, 3, 3, 3],
          ['worker-2', '102', 2, 6, 1, 2, 3],
        ],
      );
      const sel = s.selection;
      assert.deepStrictEqual([sel.samples, sel.weight, sel.stackWeight], [14, 25, 24]);
      assert.deepStrictEqual(
        sel.topSelf.map((f) => [f.name, f.self]),
        [
          ['futex_wait', 12],
          ['work', 6],
          ['0x1a2b [app]', 3],
          ['main', 2],
          ['0x99', 1],
        ],
      );
      assert.deepStrictEqual(
        sel.topTotal.map((f) => [f.name, f.total]),
        [
          ['main', 23],
          ['futex_wait', 12],
          ['park', 12],
          ['run', 8],
          ['work', 6],
          ['0x1a2b [app]', 3],
          ['0x99', 1],
          ['recurse', 1],
        ],
      );
      const work = sel.topSelf.find((f) => f.name === 'work');
      assert.deepStrictEqual([work?.lib, work?.file], ['app', 'src/work.rs']);
      // Two frames of `work` (different addresses) merge into one node; recursion counts once in total.
      assert.deepStrictEqual(flameByName(sel.flame, sel.funcs), [
        {
          name: 'main',
          value: 23,
          self: 2,
          children: [
            {
              name: 'park',
              value: 12,
              self: 0,
              children: [{ name: 'futex_wait', value: 12, self: 12, children: [] }],
            },
            {
              name: 'run',
              value: 8,
              self: 0,
              children: [
                { name: 'work', value: 5, self: 5, children: [] },
                { name: '0x1a2b [app]', value: 3, self: 3, children: [] },
              ],
            },
            {
              name: 'recurse',
              value: 1,
              self: 0,
              children: [
                {
                  name: 'recurse',
                  value: 1,
                  self: 0,
                  children: [{ name: 'work', value: 1, self: 1, children: [] }],
                },
              ],
            },
          ],
        },
        { name: '0x99', value: 1, self: 1, children: [] },
      ]);
    });
  }

  it('all layouts give identical summaries, for every selection and mode', () => {
    const selections: SummarizeOptions[] = [
      {},
      { cpuOnly: true },
      { threads: [0] },
      { threads: [1, 2], cpuOnly: true },
      { threads: [2, 0] },
      { threads: [] },
    ];
    const reference = model(49);
    for (const version of LAYOUT_VERSIONS.slice(1)) {
      const m = model(version);
      for (const opts of selections) {
        assert.deepStrictEqual(
          canonical(m.summarize(opts)),
          canonical(reference.summarize(opts)),
          `v${version} ${JSON.stringify(opts)}`,
        );
      }
    }
  });

  it('CPU-only mode leaves out samples whose threadCPUDelta is 0, and keeps those without a delta', () => {
    for (const version of [49, 57, 66] as const) {
      const m = model(version);
      const s = m.summarizeSelection({ cpuOnly: true });
      assert.deepStrictEqual([s.samples, s.weight, s.stackWeight], [10, 11, 10]);
      assert.deepStrictEqual(byName(m, { cpuOnly: true }), {
        main: [0, 9],
        run: [0, 8],
        work: [6, 6],
        '0x1a2b [app]': [3, 3],
        recurse: [0, 1],
        '0x99': [1, 1],
      });
      // The parked worker's futex wait is gone entirely.
      assert.ok(!s.topTotal.some((f) => f.name === 'futex_wait' || f.name === 'park'));
      const w1 = m.summarizeSelection({ threads: [1], cpuOnly: true });
      assert.deepStrictEqual([w1.samples, w1.weight], [3, 3]);
      assert.deepStrictEqual(
        w1.topSelf.map((f) => [f.name, f.self]),
        [
          ['work', 2],
          ['0x99', 1],
        ],
      );
      const w1all = m.summarizeSelection({ threads: [1] });
      assert.deepStrictEqual(
        w1all.topSelf.map((f) => [f.name, f.self]),
        [
          ['futex_wait', 8],
          ['work', 2],
          ['0x99', 1],
        ],
      );
    }
  });

  it('a thread selection sums only those threads', () => {
    const m = model(60);
    const s = m.summarizeSelection({ threads: [0, 2] });
    assert.deepStrictEqual(s.threads, [0, 2]);
    assert.deepStrictEqual([s.samples, s.weight], [9, 14]);
    assert.deepStrictEqual(byName(m, { threads: [0, 2] }), {
      main: [2, 13],
      run: [0, 6],
      work: [4, 4],
      '0x1a2b [app]': [3, 3],
      recurse: [0, 1],
      park: [0, 4],
      futex_wait: [4, 4],
    });
    const none = m.summarizeSelection({ threads: [] });
    assert.deepStrictEqual([none.samples, none.weight, none.topSelf.length, none.flame.func.length], [0, 0, 0, 0]);
  });

  it('callers and callees of a function, with the root as a caller', () => {
    const m = model(66);
    const work = m.findFunction('work');
    const main = m.findFunction('main');
    assert.ok(work !== undefined && main !== undefined);
    const d = m.functionDetails(work);
    assert.ok(d);
    assert.deepStrictEqual([d.func.name, d.func.self, d.func.total], ['work', 6, 6]);
    assert.deepStrictEqual(
      d.callers.map((c) => [c.name, c.weight]),
      [
        ['run', 5],
        ['recurse', 1],
      ],
    );
    assert.deepStrictEqual(d.callees, []);
    const dm = m.functionDetails(main);
    assert.ok(dm);
    assert.deepStrictEqual(
      dm.callers.map((c) => [c.id, c.name, c.weight]),
      [[-1, '(root)', 23]],
    );
    assert.deepStrictEqual(
      dm.callees.map((c) => [c.name, c.weight]),
      [
        ['park', 12],
        ['run', 8],
        ['recurse', 1],
      ],
    );
    // `recurse` calls itself: its outermost call is what counts, so callers sum to its total.
    const rec = m.functionDetails(m.findFunction('recurse') as number);
    assert.deepStrictEqual(
      rec?.callers.map((c) => [c.name, c.weight]),
      [['main', 1]],
    );
    assert.deepStrictEqual(
      rec?.callees.map((c) => [c.name, c.weight]),
      [['recurse', 1]],
    );
    assert.strictEqual(m.functionDetails(9999), undefined);
  });

  it('prunes the flame tree to nodes of at least the given fraction', () => {
    const m = model(57);
    const s = m.summarizeSelection({ flameMinFraction: 0.125 }); // 3 of 24
    const names = flameByName(s.flame, s.funcs);
    assert.strictEqual(s.flame.pruned, true);
    assert.strictEqual(s.flame.minValue, 3);
    assert.deepStrictEqual(
      names.map((n) => [n.name, n.value, n.children.map((c) => [c.name, c.children.map((g) => g.name)])]),
      [
        [
          'main',
          23,
          [
            ['park', ['futex_wait']],
            ['run', ['work', '0x1a2b [app]']],
          ],
        ],
      ],
    );
    assert.strictEqual(m.summarizeSelection().flame.pruned, false);
    const capped = m.summarizeSelection({ maxFlameNodes: 3 });
    assert.deepStrictEqual(capped.flame.value, [23, 12, 12]);
  });

  it('reads the host of a multihost profile from meta.oscpu', () => {
    assert.deepStrictEqual(model(57, 'Ubuntu 24.04 (host 0 of 2)').meta.host, { index: 0, count: 2 });
    assert.deepStrictEqual(model(57, 'feldera host 3 of 8').meta.host, { index: 3, count: 8 });
    assert.strictEqual(model(57, 'Ubuntu 24.04').meta.host, undefined);
  });

  it('summarizeProfile summarises parsed JSON in one call', () => {
    const s = summarizeProfile(generateProfile(sampleProfile(), 70), { threads: [1] });
    assert.deepStrictEqual(
      [s.selection.samples, s.selection.weight, s.selection.topSelf[0].name],
      [5, 11, 'futex_wait'],
    );
  });
});
