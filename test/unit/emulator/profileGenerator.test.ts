// The generated samply profiles: valid gzip of valid v57 processed-profile JSON, deterministic, sized as asked.
import * as assert from 'assert';
import * as zlib from 'zlib';
import {
  largeProfileJsonStream,
  largeProfilePlan,
  largeProfileStream,
  oscpuFor,
  smallProfile,
  smallProfileObject,
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
