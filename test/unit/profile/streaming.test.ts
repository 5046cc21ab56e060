// The streaming reader against today's path (a frozen copy in ./oracle: the whole text in one buffer, parsed, then the
// model built; and JSON.parse + buildProfileModel): on every generated profile small enough for both — every layout
// 44–70, Feldera markers and counters, random profiles, the emulator's profiles — fed in random pieces, gzipped or
// not, both give the same model: the same summaries, threads, operators, timeline and answers to ranges and operators.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import fc from 'fast-check';
import { buildProfileModel, readProfileModelFromStream, type ProfileModel } from '../../../src/profile';
import { largeProfileJsonStream, smallProfile } from '../../emulator/profileGenerator';
import {
  FELDERA_CATEGORIES,
  felderaSampleProfile,
  generateProfileText,
  sampleProfile,
  writeBigProfile,
  type GenFrame,
  type GenMarker,
  type GenProfile,
  type GenThread,
  type LayoutVersion,
} from './generate';
import { canonical } from './helpers';
import { buildProfileModel as oldBuild } from './oracle/model';
import { readProfileModelFromBytes as oldRead } from './oracle/reader';
import { mulberry32 as prng } from '../../emulator/random';

/** What both models answer; each method's result must be the same. */
type Model = Pick<
  ProfileModel,
  | 'meta'
  | 'threads'
  | 'feldera'
  | 'functionCount'
  | 'callNodeCount'
  | 'summarize'
  | 'summarizeSelection'
  | 'functionWeights'
  | 'functionDetails'
  | 'threadStats'
  | 'operatorTable'
  | 'operatorDetails'
  | 'timeline'
>;

/** Every question the viewer asks, over the whole profile, a range, an operator, a thread, CPU only. */
function sameModel(a: Model, b: Model, what: string): void {
  assert.strictEqual(a.callNodeCount, b.callNodeCount, `${what}: call nodes`);
  assert.strictEqual(a.functionCount, b.functionCount, `${what}: functions`);
  assert.deepStrictEqual(a.meta, b.meta, `${what}: meta`);
  assert.deepStrictEqual(a.threads, b.threads, `${what}: threads`);
  assert.deepStrictEqual(a.feldera, b.feldera, `${what}: Feldera overview`);
  assert.deepStrictEqual(canonical(a.summarize()), canonical(b.summarize()), `${what}: summary`);
  const { start, end } = a.meta.timeRange;
  const ranges = [undefined, { start, end: (start + end) / 2 }, { start: start + (end - start) / 3, end }];
  const ops = a.operatorTable().rows.slice(0, 3);
  const selections = [
    {},
    { cpuOnly: true },
    { threads: [a.threads.length - 1] },
    ...ranges.slice(1).map((range) => ({ range })),
    ...ops.map((o) => ({ operator: o.nodeId })),
    ...ops.slice(0, 1).map((o) => ({ operator: o.nodeId, range: ranges[1], cpuOnly: true })),
  ];
  for (const sel of selections) {
    const s = JSON.stringify(sel);
    assert.deepStrictEqual(a.summarizeSelection({ ...sel, topN: 20 }), b.summarizeSelection({ ...sel, topN: 20 }), s);
    assert.deepStrictEqual(a.functionWeights(sel), b.functionWeights(sel), `${what}: weights ${s}`);
    assert.deepStrictEqual(a.threadStats(sel), b.threadStats(sel), `${what}: threads ${s}`);
    assert.deepStrictEqual(a.operatorTable(sel), b.operatorTable(sel), `${what}: operators ${s}`);
    const top = a.summarizeSelection({ ...sel, topN: 1 }).topSelf[0];
    if (top) assert.deepStrictEqual(a.functionDetails(top.id, sel), b.functionDetails(top.id, sel), s);
    for (const o of ops) assert.deepStrictEqual(a.operatorDetails(o.nodeId, sel), b.operatorDetails(o.nodeId, sel));
  }
  for (const range of ranges) {
    const q = { buckets: 13, window: range, maxSpans: 3 };
    assert.deepStrictEqual(a.timeline(q), b.timeline(q), `${what}: timeline ${JSON.stringify(range)}`);
  }
}

/** The bytes in pieces ending at `cuts` (any order, any value). */
function* pieces(bytes: Buffer, cuts: number[]): Generator<Buffer> {
  let at = 0;
  for (const c of [...cuts.map((x) => x % (bytes.length + 1)).sort((x, y) => x - y), bytes.length]) {
    if (c <= at) continue;
    yield bytes.subarray(at, c);
    at = c;
  }
}

async function* asyncPieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  yield* pieces(bytes, cuts);
}

type Outcome<M> = { ok: true; model: M } | { ok: false; error: { kind: string; message: string } };

/** Reads `text` both ways (the new one in pieces, gzipped or not) and checks they agree. */
async function agree(text: string | Buffer, cuts: number[], gzip: boolean, what: string): Promise<void> {
  const plain = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const bytes = gzip ? zlib.gzipSync(plain, { level: 1 }) : plain;
  const old = (await oldRead(bytes)) as Outcome<Model>;
  const now = (await readProfileModelFromStream(asyncPieces(bytes, cuts), { inflate: 'inline' })) as Outcome<Model>;
  if (!old.ok || !now.ok) {
    assert.deepStrictEqual(
      now.ok ? 'ok' : now.error.kind,
      old.ok ? 'ok' : old.error.kind,
      `${what}: ${old.ok ? '' : old.error.message} / ${now.ok ? '' : now.error.message}`,
    );
    return;
  }
  sameModel(now.model, old.model, what);
}

/** JSON.parse + buildProfileModel, the old builder and the new one. */
function agreeParsed(text: string, what: string): void {
  const old = oldBuild(JSON.parse(text)) as Outcome<Model>;
  const now = buildProfileModel(JSON.parse(text)) as Outcome<Model>;
  if (!old.ok || !now.ok) {
    assert.deepStrictEqual(now.ok ? 'ok' : now.error, old.ok ? 'ok' : old.error, what);
    return;
  }
  sameModel(now.model, old.model, what);
}

const OPERATOR = 2;
const STEP = 3;
const TRANSACTION = 4;
const EXCHANGE = 5;

/**
 * A random profile for the generator in ./generate.ts: functions with awkward names (escapes, non-ASCII, one that
 * reads as an eval tooltip), threads with random stacks, samples (unsorted now and then, weights, CPU deltas with
 * gaps), Feldera markers of every kind (tooltips with μ, µ, u, big, fractional and zero-padded figures, nested spans)
 * and markers to skip, and counters.
 */
function randomProfile(seed: number): GenProfile {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const names = [
    'main',
    'run',
    'work',
    '0x1a2b',
    '0x99',
    'futex_wait',
    'dbsp::operator::Map::eval',
    'µs_fn',
    'quote"name',
    'back\\slash',
    'tab\tname',
    '日本',
    'Sum nn2 used 3μs real time, 2μs CPU time',
    'Map nn18 used 123μs real time, 98μs CPU time',
  ];
  const funcs = Array.from({ length: 3 + int(8) }, (_, i) => ({
    name: pick(names) + (r() < 0.5 ? '' : `_${i}`),
    lib: r() < 0.8 ? int(2) : undefined,
    file: r() < 0.5 ? `src/f${int(3)}.rs` : undefined,
  }));
  const tooltip = (): string => {
    const name = pick([
      'Map',
      'Map Index 1',
      'Z^-1 (output)',
      'Sum',
      '',
      'µ name',
      'with "quote"',
      'AggregateIncremental',
    ]);
    const node = pick(['nn1', 'nn2', 'nn3_n1', 'nn106_n52', 'n7']);
    const fig = () => String(pick([0, 5, 17, 1000, 123456789, 1234567890, 2.5, '007', 999999999]));
    const micro = () => pick(['μ', 'µ', 'u']);
    return `${name ? `${name} ` : ''}${node} used ${fig()}${micro()}s real time, ${fig()}${micro()}s CPU time`;
  };
  const threads: GenThread[] = Array.from({ length: 1 + int(4) }, (_, t) => {
    const stacks: GenFrame[][] = Array.from({ length: 1 + int(5) }, () =>
      Array.from({ length: 1 + int(6) }, () =>
        r() < 0.1 ? { func: int(funcs.length), address: int(99) } : int(funcs.length),
      ),
    );
    const n = int(40);
    let now = Math.round(r() * 100) / 100;
    const time = Float64Array.from({ length: n }, () => (now += r() < 0.1 ? -1 : 0.5 + Math.round(r() * 300) / 100));
    const markers: GenMarker[] = [];
    for (let m = int(24); m > 0; m--) {
      const start = Math.round(r() * 200000) / 10000;
      const end = Math.round((start + r() * 3) * 10000) / 10000;
      const kind = int(10);
      if (kind < 5) {
        markers.push({ name: 'eval', category: OPERATOR, start, end, phase: 1, data: { feldera: tooltip() } });
        if (r() < 0.3) {
          // A nested circuit's own span, around the last one, listed after it (as Feldera logs it).
          markers.push({
            name: 'eval',
            category: OPERATOR,
            start: start - 0.1,
            end: end + 0.1,
            phase: 1,
            data: { feldera: tooltip() },
          });
        }
      } else if (kind === 5) {
        markers.push({ name: 'step', category: STEP, start, end, phase: 1, data: { feldera: `step ${int(9)}` } });
      } else if (kind === 6) {
        markers.push({ name: 'commit', category: TRANSACTION, start, end, phase: 1, data: { feldera: tooltip() } });
      } else if (kind === 7) {
        markers.push({ name: 'send', category: EXCHANGE, start, end, phase: 1, data: { feldera: 'send to 1 worker' } });
      } else {
        markers.push(
          pick<GenMarker>([
            { name: 'step', category: STEP, start, end, phase: pick([0, 2, 3]), data: { feldera: 'step 1' } },
            { name: 'step', category: STEP, start, end, phase: 1, data: { raw: null } },
            { name: 'step', category: STEP, start, end, phase: 1, data: { raw: { type: 'Text', name: 'x' } } },
            { name: 'eval', category: OPERATOR, start: null, end, phase: 1, data: { feldera: tooltip() } },
            { name: 'eval', category: OPERATOR, start: end + 1, end, phase: 1, data: { feldera: tooltip() } },
            { name: 'eval', category: OPERATOR, start, end, phase: 1, data: { feldera: 'Map nn1 used lots' } },
            { name: 'eval', category: 1, start, end, phase: 1, data: { feldera: tooltip() } },
            { name: 'other', category: 0, start, end, phase: 1, data: { raw: { type: 'FelderaMarker', name: 99999 } } },
          ]),
        );
      }
    }
    return {
      name: pick(['main', 'dbsp-worker-0', 'dbsp-worker-1', 'dbsp-worker-12', 'tokio-runtime-worker', 'dbsp-worker-x']),
      tid: String(100 + t),
      pid: '100',
      processName: 'pipeline',
      isMainThread: t === 0,
      stacks,
      markers,
      samples: {
        stack: Int32Array.from({ length: n }, () => (r() < 0.1 ? -1 : int(stacks.length))),
        time,
        weight: r() < 0.5 ? Float64Array.from({ length: n }, () => (r() < 0.9 ? 1 + int(4) : 0.5)) : undefined,
        cpuDelta:
          r() < 0.7 ? Float64Array.from({ length: n }, () => (r() < 0.1 ? NaN : r() < 0.3 ? 0 : int(2000))) : undefined,
      },
    };
  });
  const rss = Array.from({ length: int(8) }, (_, i) => i * 100 + (r() < 0.1 ? -150 : 0));
  return {
    product: 'random',
    oscpu: pick(['Linux', 'host 1 of 3']),
    interval: pick([1, 0.5]),
    startTime: 1700000000000,
    symbolicated: r() < 0.5,
    libs: ['app', 'libc.so.6'],
    funcs,
    threads,
    categories: r() < 0.8 ? FELDERA_CATEGORIES : undefined,
    counters: [
      {
        name: 'RSS',
        category: 'Memory',
        time: rss,
        value: rss.map(() => int(1e9)),
        timeColumn: pick(['time', 'timeDeltas'] as const),
      },
      ...(r() < 0.5 ? [{ name: 'malloc', category: 'Memory', time: [0, 1], value: [5, 6] }] : []),
    ],
  };
}

/** Every layout version this reader takes (the generator writes each with its version's layout). */
const ALL_VERSIONS = Array.from({ length: 27 }, (_, i) => (44 + i) as LayoutVersion);

describe('streaming reader: the same model as the old path', function () {
  this.timeout(120_000);

  it('every layout 44–70: the sample and Feldera profiles, in random pieces, gzipped or not', async () => {
    const r = prng(1);
    const profiles: [string, () => GenProfile][] = [
      ['sample', () => sampleProfile()],
      ['feldera (time)', () => felderaSampleProfile('time')],
      ['feldera (timeDeltas)', () => felderaSampleProfile('timeDeltas')],
    ];
    for (const version of ALL_VERSIONS) {
      for (const [name, make] of profiles) {
        const text = generateProfileText(make(), version);
        const cuts = Array.from({ length: 1 + Math.floor(r() * 12) }, () => Math.floor(r() * text.length));
        await agree(text, cuts, false, `v${version} ${name}`);
        await agree(text, [Math.floor(r() * 200)], true, `v${version} ${name} (gzip)`);
        agreeParsed(text, `v${version} ${name} (JSON.parse)`);
      }
    }
  });

  it('random profiles in every layout, in random pieces (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.constantFrom(...ALL_VERSIONS),
        fc.array(fc.nat(), { maxLength: 16 }),
        fc.boolean(),
        async (seed, version, cuts, gzip) => {
          const text = generateProfileText(randomProfile(seed), version);
          await agree(text, cuts, gzip, `seed ${seed} v${version}`);
          agreeParsed(text, `seed ${seed} v${version} (JSON.parse)`);
        },
      ),
      { numRuns: 250 },
    );
  });

  it("the emulator's Feldera profiles (small, and a 4 MiB one), in random pieces", async () => {
    for (const params of [
      { pipeline: 'a', workers: 3 },
      { pipeline: 'b', workers: 8, hosts: 2, ordinal: 1 },
    ]) {
      const gz = smallProfile(params);
      const text = zlib.gunzipSync(gz);
      await agree(text, [1, 77, 4096, 10000, text.length - 3], false, `small ${params.pipeline}`);
      await agree(text, [], true, `small ${params.pipeline} (gzip)`);
    }
    const chunks: Buffer[] = [];
    for await (const c of largeProfileJsonStream({ pipeline: 'big', workers: 5 }, 4 * 1024 * 1024, {
      markers: true,
      sizeOf: 'json',
    }))
      chunks.push(c as Buffer);
    const text = Buffer.concat(chunks);
    const r = prng(7);
    const cuts = Array.from({ length: 64 }, () => Math.floor(r() * text.length));
    await agree(text, cuts, false, 'large Feldera (4 MiB)');
    await agree(text, [], true, 'large Feldera (4 MiB, gzip)');
  });

  it('the benchmark generator (threads before the shared strings), v57 and v70', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-streaming-'));
    try {
      for (const version of [57, 70] as const) {
        const file = path.join(dir, `big-${version}.json`);
        await writeBigProfile(file, { targetBytes: 2 * 1024 * 1024, threads: 5, seed: 9, version });
        const text = fs.readFileSync(file);
        await agree(text, [3, 1000, 65536, 1 << 20], false, `big v${version}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
