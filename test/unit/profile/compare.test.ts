// Comparing profiles (src/profile/compare.ts), in-process: generated pairs whose differences are known exactly
// (comparePairs.ts), any two layouts, the differential call tree, and properties that must hold for any profiles
// (a profile against itself shows no change; swapping A and B negates every change).
import * as assert from 'assert';
import fc from 'fast-check';
import { buildProfileModel, type ProfileModel } from '../../../src/profile';
import {
  classifyChange,
  compareFunctions,
  compareSides,
  extractProfile,
  hostsView,
  sideOf,
  SKEWED_HOST,
  readsAtOnce,
  nextReadAfter,
  PARALLEL_READS,
  CORES_PER_READ,
  STAGGERED_START,
  type Comparison,
  type DiffTree,
  type ProfileExtract,
} from '../../../src/profile/compare';
import { HOSTS_TRUTH, hostProfile, OPERATOR_TRUTH, pairA, pairB, PAIR_TRUTH, plainA } from './comparePairs';
import { generateProfileText, LAYOUT_VERSIONS, type GenProfile, type LayoutVersion } from './generate';

function model(text: string): ProfileModel {
  const r = buildProfileModel(JSON.parse(text));
  if (!r.ok) assert.fail(`${r.error.kind}: ${r.error.message}`);
  return r.model;
}

function extract(text: string, fileName: string, opts?: { maxNodes?: number }): ProfileExtract {
  return extractProfile(model(text), fileName, opts);
}

function compare(a: ProfileExtract, b: ProfileExtract, cpuOnly = true) {
  return compareSides(sideOf([a], cpuOnly), sideOf([b], cpuOnly), { cpuOnly });
}

/** Tree nodes by their path of names ("main > run > work"). */
function nodesByPath(t: Comparison): Map<string, { a: number; b: number; cls: string; value: number; bound: number }> {
  const tree: DiffTree = t.tree;
  const names = new Map(t.funcs.map((f) => [f.id, f.name]));
  const paths: string[] = [];
  const out = new Map<string, { a: number; b: number; cls: string; value: number; bound: number }>();
  tree.func.forEach((f, i) => {
    const p = tree.parent[i];
    paths[i] = (p < 0 ? '' : `${paths[p]} > `) + (names.get(f) ?? `?${f}`);
    out.set(paths[i], { a: tree.a[i], b: tree.b[i], cls: tree.cls[i], value: tree.value[i], bound: tree.bound[i] });
  });
  return out;
}

const pct = (x: number) => Math.round(x * 1e6) / 1e4;

describe('profile comparison: known differences', () => {
  const a = extract(pairA(), 'orders-samply-20260101T000000Z.json.gz');
  const b = extract(pairB(), 'orders-samply-20260102T000000Z.json.gz');

  it('finds the function that doubles, the one that disappears and the new one, in shares of each total', () => {
    const { comparison: c, allFunctions } = compare(a, b);
    assert.strictEqual(c.cpuOnly, true);
    assert.deepStrictEqual([c.a.samples, c.b.samples], [PAIR_TRUTH.samples.a, PAIR_TRUTH.samples.b]);
    const rows = Object.fromEntries(allFunctions.map((f) => [f.name, f]));
    for (const [name, [as, at, bs, bt]] of Object.entries(PAIR_TRUTH.functions)) {
      const r = rows[name];
      assert.ok(r, `${name} is listed`);
      assert.deepStrictEqual([pct(r.aSelf), pct(r.aTotal), pct(r.bSelf), pct(r.bTotal)], [as, at, bs, bt], name);
      assert.strictEqual(Math.round(r.dSelf * 1e4) / 1e4, bs - as, `${name} self change`);
      assert.strictEqual(Math.round(r.dTotal * 1e4) / 1e4, bt - at, `${name} total change`);
      assert.strictEqual(r.cls, PAIR_TRUTH.classes[name], `${name} class`);
    }
    assert.deepStrictEqual(
      c.top.map((f) => [f.name, Math.round(f.dSelf)]),
      PAIR_TRUTH.top,
    );
    assert.strictEqual(c.changedCount, 3);
    assert.deepStrictEqual(c.warnings, []);
  });

  it("draws B's call tree with each call's share in A and B, and lists A's call that is gone", () => {
    const { comparison: c } = compare(a, b);
    const nodes = nodesByPath(c);
    const row = (p: string) => {
      const n = nodes.get(p);
      assert.ok(n, `${p} is in the tree: ${[...nodes.keys()].join('; ')}`);
      return [pct(n.a), pct(n.b), n.cls, n.value];
    };
    assert.deepStrictEqual(row('main'), [100, 100, 'same', 2000]);
    assert.deepStrictEqual(row('main > run'), [70, 70, 'same', 1400]);
    assert.deepStrictEqual(row('main > run > work'), [10, 20, 'grew', 400]);
    assert.deepStrictEqual(row('main > run > fresh'), [0, 10, 'new', 200]);
    assert.deepStrictEqual(row('main > run > old'), [20, 0, 'gone', 0]);
    assert.deepStrictEqual(row('main > steady'), [30, 30, 'same', 600]);
    assert.strictEqual(nodes.size, 6);
    // Preorder with B's heaviest first, the gone call after B's own children.
    const names = new Map(c.funcs.map((f) => [f.id, f.name]));
    assert.deepStrictEqual(
      c.tree.func.map((f) => names.get(f)),
      ['main', 'run', 'work', 'fresh', 'old', 'steady'],
    );
  });

  it('counts parked samples too when not CPU-only: every share halves, the classes stay', () => {
    const { allFunctions } = compare(a, b, false);
    const rows = Object.fromEntries(allFunctions.map((f) => [f.name, f]));
    assert.deepStrictEqual([pct(rows.work.aSelf), pct(rows.work.bSelf)], [5, 10]);
    assert.deepStrictEqual([pct(rows.futex_wait.aSelf), pct(rows.futex_wait.bSelf)], [50, 50]);
    assert.strictEqual(rows.futex_wait.cls, 'same');
    assert.strictEqual(rows.work.cls, 'grew');
  });

  it('gives the same answer whatever the two profiles’ format versions', () => {
    const base = compare(a, b).comparison;
    for (const [va, vb] of [
      [49, 70],
      [70, 49],
    ] as const) {
      const c = compare(extract(pairA('orders', va), 'a'), extract(pairB('orders', vb), 'b')).comparison;
      assert.deepStrictEqual(
        c.functions.map((f) => [f.name, f.dSelf, f.dTotal, f.cls]),
        base.functions.map((f) => [f.name, f.dSelf, f.dTotal, f.cls]),
        `v${va} against v${vb}`,
      );
      assert.deepStrictEqual([...nodesByPath(c)], [...nodesByPath(base)]);
    }
  });

  it('warns when the profiles come from different pipelines, and compares anyway', () => {
    const c = compare(a, extract(pairB('payments'), 'b')).comparison;
    assert.strictEqual(c.warnings.length, 1);
    assert.match(c.warnings[0], /different pipelines \(A: orders, B: payments\)/);
    assert.strictEqual(c.top.length, 3);
  });

  it('filters and sorts the function rows', () => {
    const { allFunctions } = compare(a, b, false);
    assert.deepStrictEqual(
      compareFunctions(allFunctions, { filter: 'OR', sort: 'dSelf' }).map((f) => f.name),
      ['work'],
    );
    assert.deepStrictEqual(
      compareFunctions(allFunctions, { filter: 'libc', sort: 'name' }).map((f) => f.name),
      ['futex_wait', 'park'],
    );
    assert.deepStrictEqual(
      compareFunctions(allFunctions, { sort: 'dTotal', limit: 3 }).map((f) => f.name),
      ['old', 'fresh', 'work'],
    );
    assert.deepStrictEqual(
      compareFunctions(allFunctions, { sort: 'name' }).map((f) => f.name),
      ['fresh', 'futex_wait', 'main', 'old', 'park', 'run', 'steady', 'work'],
    );
  });

  it('never calls a call new when the baseline was cut below it, only lighter than the cut', () => {
    // A cut to 3 nodes keeps main, run and steady: work's call under run is then only "below A's cut".
    const cut = extract(pairA(), 'a', { maxNodes: 3 });
    assert.ok(cut.cpu?.tree.pruned);
    const nodes = nodesByPath(compare(cut, b).comparison);
    const work = nodes.get('main > run > work');
    assert.ok(work);
    assert.deepStrictEqual([work.a, work.bound, work.cls], [0, 1, 'grew']);
    // fresh: A never ran it at all, so its call is new whatever the cut.
    const fresh = nodes.get('main > run > fresh');
    assert.deepStrictEqual([fresh?.bound, fresh?.cls], [0, 'new']);
  });
});

describe('profile comparison: operators', () => {
  const a = extract(pairA(), 'a');
  const b = extract(pairB(), 'b');

  it('compares operators by node id: shares of all operators’ CPU, the change, and the operator that moved worker', () => {
    const c = compare(a, b).comparison;
    assert.deepStrictEqual(c.operatorMarkers, { a: true, b: true });
    assert.ok(c.operators);
    assert.deepStrictEqual(
      c.operators.map((o) => ({
        nodeId: o.nodeId,
        name: o.name,
        a: pct(o.aShare),
        b: pct(o.bShare),
        cls: o.cls,
        aWorkers: o.aWorkers.map((w) => w.worker),
        bWorkers: o.bWorkers.map((w) => w.worker),
      })),
      OPERATOR_TRUTH.rows,
    );
    const byId = Object.fromEntries(c.operators.map((o) => [o.nodeId, o]));
    for (const [id, moved] of Object.entries(OPERATOR_TRUTH.moved)) assert.strictEqual(byId[id].moved, moved, id);
    assert.strictEqual(Math.round(byId.nn11.dPoints * 1e9) / 1e9, -5);
    assert.deepStrictEqual([byId.nn10.aCpuUs, byId.nn10.bCpuUs], [2000, 6000]);
    assert.deepStrictEqual(
      [byId.nn10.bSpread.workers, byId.nn10.bSpread.maxUs, byId.nn10.bSpread.skew],
      [1, 6000, 1],
      'per-worker spread in B',
    );
    // Swapped: every change negated, gone and new exchanged, the same move.
    const back = Object.fromEntries((compare(b, a).comparison.operators ?? []).map((o) => [o.nodeId, o]));
    for (const o of c.operators) {
      assert.ok(back[o.nodeId].dPoints === -o.dPoints, o.nodeId);
      assert.strictEqual(back[o.nodeId].moved, o.moved, o.nodeId);
    }
    assert.deepStrictEqual([back.nn12.cls, back.nn13.cls], ['new', 'gone']);
  });

  it('takes each operator’s workers as the model’s operator details give them', () => {
    for (const text of [pairA(), pairB(), hostProfile(1)]) {
      const m = model(text);
      const e = extractProfile(m, 'x');
      assert.ok(e.operators);
      for (const r of e.operators.rows) {
        const details = m.operatorDetails(r.nodeId);
        assert.ok(details);
        const expected = details.perWorker
          .map((w) => ({ worker: `worker ${w.worker}`, cpuUs: w.cpuUs }))
          .sort((x, y) => y.cpuUs - x.cpuUs || (x.worker < y.worker ? -1 : 1));
        assert.deepStrictEqual(r.workers, expected, r.nodeId);
      }
    }
  });

  it('compares no operators, and says why, when only one profile has the markers', () => {
    const c = compare(extract(plainA(), 'plain'), b).comparison;
    assert.strictEqual(c.operators, undefined);
    assert.deepStrictEqual(c.operatorMarkers, { a: false, b: true });
    assert.match(c.warnings.join(' '), /Only B has Feldera operator markers/);
    assert.strictEqual(c.top.length, 3, 'functions are still compared');
  });
});

describe('profile comparison: hosts of one collection', () => {
  it('shows each host’s share of the CPU, its busiest threads, a merged tree, and one host against the rest', () => {
    const hosts = [0, 1, 2].map((h) => extract(hostProfile(h), `skewed-samply-20260101T000000Z-host${h}.json.gz`));
    const v = hostsView(
      hosts.map((extract, profile) => ({ profile, extract })),
      true,
    );
    assert.deepStrictEqual(
      v.hosts.map((h) => [h.label, h.samples, Math.round(h.share * 100) / 100]),
      [0, 1, 2].map((h) => [`Host ${h}`, HOSTS_TRUTH.cpuSamples[h], HOSTS_TRUTH.share[h]]),
    );
    assert.deepStrictEqual(
      v.hosts.map((h) => h.busiest.map((t) => t.name)),
      [['dbsp-worker-0'], ['dbsp-worker-0'], ['dbsp-worker-0']],
      'parked threads have no on-CPU weight',
    );
    assert.deepStrictEqual(
      v.hosts.map((h) => h.cpuMs),
      [1000, 3000, 1000],
    );
    const names = new Map(v.merged.funcs.map((f) => [f.id, f.name]));
    const root = v.merged.tree.func.findIndex((f) => names.get(f) === 'main');
    assert.strictEqual(v.merged.tree.value[root], 5000, 'the merged tree holds every host’s samples');
    assert.strictEqual(v.merged.weight, 5000);
    assert.deepStrictEqual(v.warnings, []);

    const rest = compareSides(sideOf([hosts[0], hosts[2]], true), sideOf([hosts[1]], true), { cpuOnly: true });
    const fresh = rest.allFunctions.find((f) => f.name === 'fresh');
    assert.ok(fresh);
    assert.strictEqual(fresh.cls, 'new');
    assert.ok(Math.abs(fresh.dTotal - HOSTS_TRUTH.freshOnHost1) < 1e-9, String(fresh.dTotal));
    assert.strictEqual(rest.comparison.a.samples, 2000);

    // The operator × host table: Join's CPU is mostly on host 1, which stands out; Map is even.
    assert.ok(v.operators);
    assert.deepStrictEqual(
      v.operators.map((o) => ({
        nodeId: o.nodeId,
        name: o.name,
        cpuUs: o.hosts.map((h) => h.cpuUs),
        skew: o.skew,
        busiest: o.busiest,
      })),
      HOSTS_TRUTH.operators,
    );
    assert.ok((v.operators[0].skew ?? 0) > SKEWED_HOST && (v.operators[1].skew ?? 0) < SKEWED_HOST);
    assert.deepStrictEqual(
      v.operators.map((o) => o.standsOut),
      [1, undefined],
    );
    // One host against the rest: the rest's workers are told apart by host.
    const join = rest.comparison.operators?.find((o) => o.nodeId === 'nn10');
    assert.deepStrictEqual(
      join?.aWorkers.map((w) => w.worker),
      ['host 0 worker 0', 'host 2 worker 0'],
    );
  });

  it('marks the host that runs an operator the other hosts do not run', () => {
    const hosts = [0, 1, 2].map((h) => extract(hostProfile(h), `x-host${h}`));
    // Host 2 alone runs nn99: the median host's CPU for it is 0.
    const ops = hosts[2].operators;
    assert.ok(ops);
    ops.rows.push({
      nodeId: 'nn99',
      name: 'Only',
      selfCpuUs: 5000,
      evals: 1,
      workers: [{ worker: 'worker 0', cpuUs: 5000 }],
    });
    const v = hostsView(
      hosts.map((extract, profile) => ({ profile, extract })),
      true,
    );
    const only = v.operators?.find((o) => o.nodeId === 'nn99');
    assert.deepStrictEqual([only?.skew, only?.busiest, only?.standsOut], [undefined, 2, 2]);
  });

  it('says when not every host of the pipeline is there', () => {
    const hosts = [0, 2].map((h) => extract(hostProfile(h), `x-host${h}`));
    const v = hostsView(
      hosts.map((extract, profile) => ({ profile, extract })),
      true,
    );
    assert.deepStrictEqual(v.warnings, ['The pipeline has 3 hosts; 2 of their profiles are shown.']);
  });
});

describe('profile comparison: reading several profiles', () => {
  it('reads two at once unless free memory could not hold their peaks together', () => {
    const MiB = 1024 * 1024;
    assert.strictEqual(readsAtOnce([194 * MiB, 194 * MiB], 18 * 1024 * MiB), 2, 'plenty of memory');
    assert.strictEqual(readsAtOnce([194 * MiB, 194 * MiB], 600 * MiB), 1, 'two peaks of ~233 MiB in 600 MiB');
    assert.strictEqual(readsAtOnce([194 * MiB, 10 * MiB], 600 * MiB), 2, 'one big, one small');
    assert.strictEqual(readsAtOnce([194 * MiB], 100 * MiB), 2, 'a single profile: nothing to wait for');
    // The two largest of four hosts count.
    assert.strictEqual(
      readsAtOnce(
        [100, 300, 300, 1].map((x) => x * MiB),
        800 * MiB,
      ),
      1,
    );
    assert.strictEqual(
      readsAtOnce(
        [100, 100, 100, 1].map((x) => x * MiB),
        800 * MiB,
      ),
      2,
    );
  });

  it('overlaps two reads fully only with a core for each read thread; else starts the next one later', () => {
    assert.strictEqual(nextReadAfter(PARALLEL_READS * CORES_PER_READ), 0);
    assert.strictEqual(nextReadAfter(16), 0);
    for (const cores of [1, 2, 3]) assert.strictEqual(nextReadAfter(cores), STAGGERED_START, `${cores} cores`);
    assert.ok(STAGGERED_START > 0 && STAGGERED_START < 1);
  });
});

describe('profile comparison: classification', () => {
  it('needs a change of 0.1 points, 5% and two standard errors to call it one', () => {
    assert.strictEqual(classifyChange(0.1, 0.2, 1000, 2000), 'grew');
    assert.strictEqual(classifyChange(0.2, 0.1, 2000, 1000), 'shrank');
    assert.strictEqual(classifyChange(0.5, 0.5009, 1e9, 1e9), 'same', 'below 0.1 points');
    assert.strictEqual(classifyChange(0.5, 0.52, 1e9, 1e9), 'same', 'below 5% of the share');
    assert.strictEqual(classifyChange(0.1, 0.13, 100, 100), 'same', 'within sampling noise of 100 samples');
    assert.strictEqual(classifyChange(0.1, 0.13, 100000, 100000), 'grew');
    assert.strictEqual(classifyChange(0, 0.01, 10, 10), 'new');
    assert.strictEqual(classifyChange(0.01, 0, 10, 10), 'gone');
    assert.strictEqual(classifyChange(0, 0, 10, 10), 'same');
    assert.strictEqual(classifyChange(0, 0.5, 100, 100, false), 'grew', 'a 0 below the cut is not "absent"');
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

const NAMES = ['main', 'run', 'work', 'io', 'hash', 'sort'];

/** A random small profile: a few threads, random paths over a few functions, random counts, some off-CPU. */
const arbProfile: fc.Arbitrary<{ profile: GenProfile; version: LayoutVersion }> = fc
  .record({
    threads: fc.array(
      fc.record({
        paths: fc.array(
          fc.record({
            path: fc.array(fc.integer({ min: 0, max: NAMES.length - 1 }), { minLength: 1, maxLength: 4 }),
            count: fc.integer({ min: 1, max: 40 }),
            idle: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    version: fc.constantFrom(...LAYOUT_VERSIONS),
    product: fc.constantFrom('orders', 'payments'),
  })
  .map(({ threads, version, product }) => {
    const profile: GenProfile = {
      product,
      oscpu: 'Linux',
      interval: 1,
      startTime: 0,
      libs: ['pipeline'],
      funcs: NAMES.map((name) => ({ name, lib: 0 })),
      threads: threads.map((t, ti) => {
        const rows = t.paths.flatMap((p, k) => Array.from({ length: p.count }, () => [k, p.idle ? 0 : 1000] as const));
        return {
          name: `t${ti}`,
          tid: String(ti),
          pid: '1',
          processName: 'p',
          stacks: t.paths.map((p) => p.path),
          samples: {
            stack: Int32Array.from(rows, (r) => r[0]),
            time: Float64Array.from(rows, (_r, i) => i),
            cpuDelta: Float64Array.from(rows, (r) => r[1]),
          },
        };
      }),
    };
    return { profile, version };
  });

const extractOf = (p: { profile: GenProfile; version: LayoutVersion }, name: string) =>
  extract(generateProfileText(p.profile, p.version), name);

describe('profile comparison: properties', function () {
  this.timeout(60_000);

  it('a profile compared with itself shows no change', () => {
    fc.assert(
      fc.property(arbProfile, fc.boolean(), (p, cpuOnly) => {
        const x = extractOf(p, 'x');
        const { comparison: c, allFunctions } = compare(x, x, cpuOnly);
        for (const f of allFunctions) {
          assert.strictEqual(f.dSelf, 0, f.name);
          assert.strictEqual(f.dTotal, 0, f.name);
          assert.strictEqual(f.cls, 'same', f.name);
        }
        assert.deepStrictEqual(c.top, []);
        assert.strictEqual(c.changedCount, 0);
        assert.ok(c.tree.cls.every((k) => k === 'same'));
        assert.deepStrictEqual(c.tree.a, c.tree.b);
        assert.deepStrictEqual(c.warnings, []);
      }),
      { numRuns: 60 },
    );
  });

  it('swapping A and B negates every change (and mirrors every class)', () => {
    const mirror: Record<string, string> = { grew: 'shrank', shrank: 'grew', new: 'gone', gone: 'new', same: 'same' };
    fc.assert(
      fc.property(arbProfile, arbProfile, fc.boolean(), (pa, pb, cpuOnly) => {
        const a = extractOf(pa, 'a');
        const b = extractOf(pb, 'b');
        const ab = compare(a, b, cpuOnly);
        const ba = compare(b, a, cpuOnly);
        const key = (f: { name: string; lib?: string }) => `${f.name}|${f.lib}`;
        const back = new Map(ba.allFunctions.map((f) => [key(f), f]));
        assert.strictEqual(ab.allFunctions.length, ba.allFunctions.length);
        for (const f of ab.allFunctions) {
          const g = back.get(key(f));
          assert.ok(g, f.name);
          // === (not Object.is): a change of 0 negates to -0.
          assert.ok(g.dSelf === -f.dSelf, `${f.name} self: ${g.dSelf} against ${f.dSelf}`);
          assert.ok(g.dTotal === -f.dTotal, `${f.name} total: ${g.dTotal} against ${f.dTotal}`);
          assert.deepStrictEqual([g.aSelf, g.aTotal, g.bSelf, g.bTotal], [f.bSelf, f.bTotal, f.aSelf, f.aTotal]);
          assert.strictEqual(g.cls, mirror[f.cls], f.name);
        }
        // A call drawn in both trees (B's, then A's after the swap) has its shares swapped and its class mirrored.
        const there = nodesByPath(ba.comparison);
        for (const [path, n] of nodesByPath(ab.comparison)) {
          const m = there.get(path);
          if (!m) continue;
          assert.deepStrictEqual([m.a, m.b, m.cls], [n.b, n.a, mirror[n.cls]], path);
        }
        assert.strictEqual(ab.comparison.warnings.length, ba.comparison.warnings.length);
      }),
      { numRuns: 60 },
    );
  });
});
