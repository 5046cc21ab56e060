// The generated samply profiles: valid gzip of valid v57 processed-profile JSON, deterministic, sized as asked.
import * as assert from 'assert';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { readProfileBytes } from '../../../src/profile';
import { CIRCUIT_FIXTURE, circuitFromProfile, felderaCircuit } from '../../emulator/felderaWork';
import {
  largeProfileJsonStream,
  largeProfilePlan,
  largeProfileStream,
  oscpuFor,
  smallProfile,
  smallProfileObject,
  smallProfileTruth,
} from '../../emulator/profileGenerator';

type Col = Record<string, unknown> & { length: number };

/** Checks the columnar tables' lengths and that every index points inside its target table (FORMAT.md, v57). */
function checkProfile(p: Record<string, unknown>): void {
  const meta = p.meta as Record<string, unknown>;
  assert.strictEqual(meta.preprocessedProfileVersion, 57);
  assert.strictEqual(meta.version, 24);
  assert.strictEqual(typeof meta.startTime, 'number');
  assert.strictEqual(meta.symbolicated, true);
  assert.deepStrictEqual(meta.sampleUnits, { time: 'ms', eventDelay: 'ms', threadCPUDelta: 'µs' });
  const categories = meta.categories as unknown[];
  const libs = p.libs as Record<string, unknown>[];
  assert.ok(libs.length > 0, 'no libs: nothing to check');
  for (const lib of libs) {
    for (const k of ['name', 'path', 'debugName', 'debugPath', 'breakpadId', 'codeId', 'arch']) assert.ok(k in lib, k);
  }
  const strings = (p.shared as { stringArray: string[] }).stringArray;
  assert.ok(Array.isArray(strings) && strings.length > 0 && strings.every((s) => typeof s === 'string'));
  for (const k of ['pages', 'profilerOverhead', 'counters']) assert.ok(Array.isArray(p[k]), k);
  const threads = p.threads as Record<string, unknown>[];
  assert.ok(threads.length >= 1);
  assert.strictEqual(threads.filter((t) => t.isMainThread === true).length, 1);
  const cols = (t: Col, names: string[]): void => {
    for (const n of names) {
      const c = t[n] as unknown[];
      assert.ok(Array.isArray(c), `column ${n}`);
      assert.strictEqual(c.length, t.length, `column ${n} length`);
    }
  };
  const inRange = (v: unknown, n: number, what: string): void => {
    assert.ok(
      typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n,
      `${what}: ${String(v)} not in 0..${n - 1}`,
    );
  };
  for (const t of threads) {
    assert.strictEqual(typeof t.pid, 'string');
    assert.strictEqual(typeof t.tid, 'string');
    assert.ok(!('stringArray' in t), 'v56+: strings live in shared.stringArray');
    const samples = t.samples as Col;
    const stackTable = t.stackTable as Col;
    const frameTable = t.frameTable as Col;
    const funcTable = t.funcTable as Col;
    const resourceTable = t.resourceTable as Col;
    const nativeSymbols = t.nativeSymbols as Col;
    const markers = t.markers as Col;
    cols(samples, ['stack', 'timeDeltas', 'weight', 'threadCPUDelta']);
    assert.strictEqual(samples.weightType, 'samples');
    cols(stackTable, ['prefix', 'frame']);
    cols(frameTable, [
      'func',
      'category',
      'subcategory',
      'line',
      'column',
      'address',
      'nativeSymbol',
      'inlineDepth',
      'innerWindowID',
    ]);
    cols(funcTable, ['name', 'isJS', 'relevantForJS', 'resource', 'fileName', 'lineNumber', 'columnNumber']);
    cols(resourceTable, ['lib', 'name', 'host', 'type']);
    cols(nativeSymbols, ['address', 'functionSize', 'libIndex', 'name']);
    cols(markers, ['category', 'data', 'startTime', 'endTime', 'name', 'phase']);
    (samples.stack as unknown[]).forEach((s) => s === null || inRange(s, stackTable.length, 'samples.stack'));
    (samples.weight as number[]).forEach((w) => assert.ok(Number.isInteger(w) && w >= 1));
    (stackTable.prefix as (number | null)[]).forEach(
      (pre, i) => pre === null || inRange(pre, i, 'stackTable.prefix (parents first)'),
    );
    (stackTable.frame as number[]).forEach((f) => inRange(f, frameTable.length, 'stackTable.frame'));
    (frameTable.func as number[]).forEach((f) => inRange(f, funcTable.length, 'frameTable.func'));
    (frameTable.category as number[]).forEach((c) => inRange(c, categories.length, 'frameTable.category'));
    (frameTable.nativeSymbol as (number | null)[]).forEach(
      (n) => n === null || inRange(n, nativeSymbols.length, 'nativeSymbol'),
    );
    (funcTable.name as number[]).forEach((n) => inRange(n, strings.length, 'funcTable.name'));
    (funcTable.fileName as (number | null)[]).forEach(
      (n) => n === null || inRange(n, strings.length, 'funcTable.fileName'),
    );
    (funcTable.resource as number[]).forEach((r) => r === -1 || inRange(r, resourceTable.length, 'funcTable.resource'));
    (resourceTable.lib as number[]).forEach((l) => inRange(l, libs.length, 'resourceTable.lib'));
    (resourceTable.name as number[]).forEach((n) => inRange(n, strings.length, 'resourceTable.name'));
    (nativeSymbols.libIndex as number[]).forEach((l) => inRange(l, libs.length, 'nativeSymbols.libIndex'));
    (nativeSymbols.name as number[]).forEach((n) => inRange(n, strings.length, 'nativeSymbols.name'));
    (markers.name as number[]).forEach((n) => inRange(n, strings.length, 'markers.name'));
    (markers.phase as number[]).forEach((ph) => assert.ok([0, 1, 2, 3].includes(ph)));
  }
}

const TOOLTIP = /^(.*) (\S+) used (\d+)μs real time, (\d+)μs CPU time$/;

/**
 * Reads Feldera's markers back from the JSON with nothing but the format's description: per node id CPU, real and
 * evaluations, per worker thread its eval spans, and the markers' categories by name.
 */
function felderaMarkers(p: Record<string, unknown>) {
  const strings = (p.shared as { stringArray: string[] }).stringArray;
  const categories = ((p.meta as Record<string, unknown>).categories as { name: string }[]).map((c) => c.name);
  const ops: Record<string, { name: string; cpuUs: number; realUs: number; evals: number }> = {};
  const spans: Record<number, { nodeId: string; start: number; end: number }[]> = {};
  const byCategory: Record<string, number> = {};
  (p.threads as Record<string, unknown>[]).forEach((t, ti) => {
    const m = t.markers as Col;
    for (let i = 0; i < m.length; i++) {
      const data = (m.data as { type: string; name: number }[])[i];
      assert.deepStrictEqual(Object.keys(data), ['type', 'name']);
      assert.strictEqual(data.type, 'FelderaMarker');
      assert.strictEqual((m.phase as number[])[i], 1);
      const start = (m.startTime as number[])[i];
      const end = (m.endTime as number[])[i];
      assert.ok(Number.isFinite(start) && end >= start);
      const category = categories[(m.category as number[])[i]];
      byCategory[category] = (byCategory[category] ?? 0) + 1;
      const name = strings[(m.name as number[])[i]];
      if (name !== 'eval') continue;
      assert.strictEqual(category, 'Operator');
      const tip = TOOLTIP.exec(strings[data.name]);
      assert.ok(tip, strings[data.name]);
      const o = (ops[tip[2]] ??= { name: tip[1], cpuUs: 0, realUs: 0, evals: 0 });
      o.cpuUs += Number(tip[4]);
      o.realUs += Number(tip[3]);
      o.evals++;
      (spans[ti] ??= []).push({ nodeId: tip[2], start, end });
    }
  });
  return { ops, spans, byCategory };
}

function gunzipJson(b: Buffer): Record<string, unknown> {
  return JSON.parse(zlib.gunzipSync(b).toString('utf8')) as Record<string, unknown>;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('profileGenerator', function () {
  this.timeout(30000);

  it('small profiles are valid v57 processed profiles', () => {
    const p = gunzipJson(smallProfile({ pipeline: 'orders', ordinal: 0, hosts: 1, collection: 1 }));
    checkProfile(p);
    const meta = p.meta as Record<string, unknown>;
    assert.strictEqual(meta.product, 'orders');
    assert.strictEqual(meta.oscpu, oscpuFor(0, 1));
    assert.ok(!String(meta.oscpu).startsWith('host '));
    const strings = (p.shared as { stringArray: string[] }).stringArray;
    assert.ok(
      strings.some((s) => s.startsWith('dbsp::')),
      'symbolicated DBSP frames',
    );
    assert.ok(strings.includes('0x1f2e3d'), 'an unsymbolicated hex frame');
  });

  it("small profiles carry Feldera's markers, categories, schema and RSS counter as Feldera writes them", () => {
    const params = { pipeline: 'orders', workers: 4 };
    const p = gunzipJson(smallProfile(params));
    const truth = smallProfileTruth(params);
    const meta = p.meta as Record<string, unknown>;
    assert.deepStrictEqual(
      (meta.categories as { name: string }[]).map((c) => c.name),
      ['Other', 'User', 'Kernel', 'Operator', 'Step', 'Transaction', 'Checkpoint', 'Exchange'],
    );
    const schema = (meta.markerSchema as { name: string; fields: unknown[] }[]).find((s) => s.name === 'FelderaMarker');
    assert.deepStrictEqual(schema?.fields, [{ key: 'name', label: 'Name', format: 'unique-string' }]);
    const threads = p.threads as Record<string, unknown>[];
    assert.deepStrictEqual(
      threads.map((t) => t.name),
      ['orders', 'dbsp-worker-0', 'dbsp-worker-1', 'dbsp-worker-2', 'dbsp-worker-3'],
    );
    // What the markers say, read with nothing but the format's description, is the truth the generator reports.
    const read = felderaMarkers(p);
    assert.deepStrictEqual(
      read.ops,
      Object.fromEntries(
        Object.entries(truth.operators).map(([id, o]) => [
          id,
          { name: o.name, cpuUs: o.cpuUs, realUs: o.realUs, evals: o.evals },
        ]),
      ),
    );
    assert.deepStrictEqual(read.byCategory, {
      Operator: truth.markers.evals,
      Exchange: truth.markers.exchange,
      Step: truth.markers.step,
      Transaction: truth.markers.transaction,
      Checkpoint: truth.markers.checkpoint,
    });
    // Every sample's operators are the eval spans holding its time on its thread.
    for (const { thread } of truth.workers) {
      const s = threads[thread].samples as Col;
      let time = 0;
      (s.timeDeltas as number[]).forEach((d, i) => {
        time += d;
        const holding = read.spans[thread]
          .filter((x) => x.start <= time && time < x.end)
          .sort((a, b) => a.start - b.start)
          .map((x) => x.nodeId);
        assert.deepStrictEqual(holding, truth.sampleOperators[thread][i], `thread ${thread} sample ${i} at ${time}`);
      });
    }
    // RSS: `count` holds changes; their running sum peaks where the truth says.
    const [rss] = p.counters as { name: string; category: string; samples: { time: number[]; count: number[] } }[];
    assert.deepStrictEqual([rss.name, rss.category], ['RSS', 'Memory']);
    let bytes = 0;
    let peak = 0;
    rss.samples.count.forEach((c) => (peak = Math.max(peak, (bytes += c))));
    assert.strictEqual(peak, truth.memory.peak.bytes);
    assert.ok(rss.samples.time.every((t, i) => i === 0 || t - rss.samples.time[i - 1] === 100));
  });

  it("uses the real circuit's node ids and operator names when ../shared is there, else a built-in circuit", function () {
    const circuit = felderaCircuit();
    if (!fs.existsSync(CIRCUIT_FIXTURE)) {
      assert.strictEqual(circuit.source, 'builtin');
      console.log(`      skipped the fixture check: ${CIRCUIT_FIXTURE} not found (the built-in circuit is used)`);
      this.test!.title += ' (fixture part skipped: ../shared not found)';
      return;
    }
    assert.strictEqual(circuit.source, 'fixture');
    const fixture = JSON.parse(zlib.gunzipSync(fs.readFileSync(CIRCUIT_FIXTURE)).toString('utf8')) as {
      worker_profiles: { metadata: Record<string, unknown> }[];
    };
    const ids = new Set(Object.keys(fixture.worker_profiles[0].metadata));
    // Every operator of the graph (204 plus the nested circuit) is one of the fixture's nodes.
    assert.strictEqual(circuit.all.length, 205);
    for (const op of circuit.all) assert.ok(ids.has(op.nodeId), op.nodeId);
    const byId = new Map(circuit.all.map((op) => [op.nodeId, op]));
    assert.deepStrictEqual(byId.get('nn19'), { nodeId: 'nn19', name: 'MapIndexedZSet', location: 's/lib.rs:122:87' });
    assert.strictEqual(byId.get('nn106')?.children?.length, 95);
    const truth = smallProfileTruth({ pipeline: 'x', workers: 2 });
    assert.ok(Object.keys(truth.operators).every((id) => ids.has(id)));
  });

  it('reads a circuit graph: regions are flattened, a nested circuit is an operator around its own', () => {
    const ops = circuitFromProfile({
      graph: {
        nodes: {
          id: 'n',
          nodes: [
            { Simple: { id: 'nn1', label: 'Input' } },
            { Cluster: { id: 'n_r0', label: 'region', nodes: [{ Simple: { id: 'nn2', label: 'Sum @ a.rs:1:2' } }] } },
            {
              Cluster: {
                id: 'nn3',
                label: '',
                nodes: [
                  { Cluster: { id: 'nn3_r0_1', label: '', nodes: [{ Simple: { id: 'nn3_n0', label: 'Z^-1' } }] } },
                ],
              },
            },
          ],
        },
      },
    });
    assert.deepStrictEqual(ops, [
      { nodeId: 'nn1', name: 'Input' },
      { nodeId: 'nn2', name: 'Sum', location: 'a.rs:1:2' },
      { nodeId: 'nn3', name: 'Subcircuit', children: [{ nodeId: 'nn3_n0', name: 'Z^-1' }] },
    ]);
    assert.deepStrictEqual(circuitFromProfile({}), []);
  });

  it("a multihost pipeline's workers are shared out over its hosts, numbered across them", () => {
    const names = (ordinal: number) =>
      (smallProfileObject({ pipeline: 'm', hosts: 3, workers: 6, ordinal }).threads as { name: string }[]).map(
        (t) => t.name,
      );
    assert.deepStrictEqual(names(0), ['m', 'dbsp-worker-0', 'dbsp-worker-1']);
    assert.deepStrictEqual(names(2), ['m', 'dbsp-worker-4', 'dbsp-worker-5']);
  });

  it('a streamed Feldera profile (1 MiB) is valid, near its size, deterministic, and reads with its markers', async () => {
    const params = { pipeline: 'stream', workers: 4 };
    const target = 1024 * 1024;
    const gz = await collect(largeProfileStream(params, target, { markers: true }));
    assert.ok(Math.abs(gz.length - target) / target < 0.1, `compressed ${gz.length}`);
    assert.ok(gz.equals(await collect(largeProfileStream(params, target, { markers: true }))));
    const p = gunzipJson(gz);
    checkProfile(p);
    const plan = largeProfilePlan(params, target, { markers: true });
    assert.ok(plan.steps !== undefined && plan.steps > 4);
    const read = felderaMarkers(p);
    const r = await readProfileBytes(gz);
    if (!r.ok) assert.fail(r.error.message);
    const table = r.model.operatorTable();
    assert.strictEqual(table.evals, read.byCategory.Operator);
    for (const row of table.rows) {
      const o = read.ops[row.nodeId];
      assert.deepStrictEqual([row.name, row.cpuUs, row.realUs, row.evals], [o.name, o.cpuUs, o.realUs, o.evals]);
    }
    // By JSON size too.
    const json = await collect(largeProfileJsonStream(params, 4 * target, { markers: true, sizeOf: 'json' }));
    assert.ok(Math.abs(json.length - 4 * target) / (4 * target) < 0.1, `JSON ${json.length}`);
  });

  it('multihost profiles say "host i of n"', () => {
    for (let i = 0; i < 3; i++) {
      const meta = gunzipJson(smallProfile({ pipeline: 'm', ordinal: i, hosts: 3 })).meta as Record<string, unknown>;
      assert.strictEqual(meta.oscpu, `host ${i} of 3`);
    }
  });

  it('small profiles are deterministic per (pipeline, ordinal, collection) and differ otherwise', () => {
    const a = smallProfile({ pipeline: 'p', ordinal: 1, hosts: 2, collection: 3 });
    assert.ok(a.equals(smallProfile({ pipeline: 'p', ordinal: 1, hosts: 2, collection: 3 })));
    assert.ok(!a.equals(smallProfile({ pipeline: 'p', ordinal: 1, hosts: 2, collection: 4 })));
    assert.ok(!a.equals(smallProfile({ pipeline: 'p', ordinal: 0, hosts: 2, collection: 3 })));
    assert.ok(!a.equals(smallProfile({ pipeline: 'q', ordinal: 1, hosts: 2, collection: 3 })));
    assert.deepStrictEqual(
      gunzipJson(a),
      JSON.parse(JSON.stringify(smallProfileObject({ pipeline: 'p', ordinal: 1, hosts: 2, collection: 3 }))),
    );
  });

  it('operatorScale makes the chosen operators that many times as costly; every other evaluation stays as it was', () => {
    const base = smallProfileTruth({ pipeline: 'p', workers: 4 });
    const plain = felderaCircuit().all.filter((op) => !op.children);
    const [dear, cheap] = plain.sort((a, b) => base.operators[b.nodeId].realUs - base.operators[a.nodeId].realUs);
    const scale = { [dear.nodeId]: 4, [cheap.nodeId]: 0.25 };
    const scaled = smallProfileTruth({ pipeline: 'p', workers: 4, operatorScale: scale });
    const nested = new Set(
      felderaCircuit()
        .all.filter((op) => op.children)
        .map((op) => op.nodeId),
    );
    assert.deepStrictEqual(Object.keys(scaled.operators).sort(), Object.keys(base.operators).sort());
    for (const [id, b] of Object.entries(base.operators)) {
      const s = scaled.operators[id];
      assert.strictEqual(s.evals, b.evals, id);
      if (id in scale) {
        // Each evaluation's cost is rounded to a whole µs: the sums agree to well under 1%.
        const ratio = s.realUs / b.realUs;
        assert.ok(Math.abs(ratio / scale[id] - 1) < 0.01, `${id}: ${ratio} for ${scale[id]}`);
      } else if (!nested.has(id)) {
        assert.deepStrictEqual([s.realUs, s.cpuUs], [b.realUs, b.cpuUs], id);
      }
    }
    // Without it (or with none), the profile is byte for byte what it always was.
    assert.ok(
      smallProfile({ pipeline: 'p', workers: 4 }).equals(
        smallProfile({ pipeline: 'p', workers: 4, operatorScale: {} }),
      ),
    );
    assert.ok(
      !smallProfile({ pipeline: 'p', workers: 4 }).equals(
        smallProfile({ pipeline: 'p', workers: 4, operatorScale: scale }),
      ),
    );
  });

  it('a streamed profile (1 MiB) is valid gzip of a complete, consistent v57 profile of about that size', async () => {
    const target = 1024 * 1024;
    const gz = await collect(largeProfileStream({ pipeline: 'big', ordinal: 1, hosts: 2, collection: 1 }, target));
    assert.ok(Math.abs(gz.length - target) / target < 0.05, `compressed ${gz.length}`);
    const p = gunzipJson(gz);
    checkProfile(p);
    assert.strictEqual((p.meta as Record<string, unknown>).oscpu, 'host 1 of 2');
    const plan = largeProfilePlan({ pipeline: 'big', ordinal: 1, hosts: 2, collection: 1 }, target);
    const main = (p.threads as Record<string, unknown>[]).find((t) => t.isMainThread)!;
    assert.strictEqual((main.samples as Col).length, plan.sampleRows);
    // does not compress to nothing
    const plain = zlib.gunzipSync(gz).length;
    assert.ok(plain / gz.length < 4, `ratio ${plain / gz.length}`);
  });

  it('streamed profiles are deterministic for the same params and size', async () => {
    const params = { pipeline: 'det', collection: 2 };
    const a = await collect(largeProfileStream(params, 300_000));
    const b = await collect(largeProfileStream(params, 300_000));
    assert.ok(a.equals(b));
    const json = await collect(largeProfileJsonStream(params, 300_000));
    assert.ok(zlib.gunzipSync(a).equals(json));
  });

  it('sizes land near the target: within 15% at 20 kB (the skeleton dominates), 5% from 200 kB to 12 MiB', async function () {
    this.timeout(60000);
    for (const [target, tolerance] of [
      [20_000, 0.15],
      [200_000, 0.05],
      [12 * 1024 * 1024, 0.05],
    ]) {
      let n = 0;
      for await (const c of largeProfileStream({ pipeline: 'sz' }, target)) n += (c as Buffer).length;
      assert.ok(Math.abs(n - target) / target < tolerance, `target ${target}: got ${n}`);
    }
  });
});
