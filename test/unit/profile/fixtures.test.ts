// The reader against real samply profiles: the expected values are those in
// ../shared/samply/fixtures/SOURCES.md (from an independent reference reader).
import * as assert from 'assert';
import { readProfileFile, type FunctionStat, type ProfileModel, type ProfileSummary } from '../../../src/profile';
import { fixture } from './helpers';

async function read(file: string): Promise<{ profile: ProfileSummary; model: ProfileModel }> {
  const r = await readProfileFile(file);
  if (!r.ok) assert.fail(`${file}: ${r.error.kind}: ${r.error.message}`);
  return r;
}

const pairs = (list: FunctionStat[], key: 'self' | 'total', n: number) => list.slice(0, n).map((f) => [f.name, f[key]]);

describe('profile reader: fixtures (SOURCES.md)', () => {
  it('1. feldera-samply-v57-synthetic.json: one thread, mixed symbol and hex names', async function () {
    const { profile, model } = await read(fixture(this, 'feldera-samply-v57-synthetic.json'));
    assert.strictEqual(profile.meta.version, 57);
    assert.strictEqual(profile.meta.product, 'test');
    assert.strictEqual(profile.threads.length, 1);
    const [t] = profile.threads;
    assert.deepStrictEqual([t.name, t.samples, t.weight], ['test', 4, 4]);
    const sel = profile.selection;
    assert.strictEqual(sel.weight, 4);
    // The first sample has a null stack: it counts in the thread's weight but in no function.
    assert.strictEqual(sel.stackWeight, 3);
    assert.deepStrictEqual(pairs(sel.topSelf, 'self', 10), [
      ['0x25318e [dump_syms]', 1],
      ['libc_symbol_1', 1],
      ['libc_symbol_3', 1],
    ]);
    assert.deepStrictEqual(pairs(sel.topTotal, 'total', 3), [
      ['0x7ffdb4824837', 3],
      ['0xc2704 [dump_syms]', 3],
      ['libc_symbol_2', 2],
    ]);
    // A hex name without a library resource stays bare; a symbol keeps its library on the side.
    const libc1 = sel.topSelf.find((f) => f.name === 'libc_symbol_1');
    assert.strictEqual(libc1?.lib, 'libc.so.6');
    assert.strictEqual(sel.topTotal[0].lib, undefined);
    const sum = sel.topSelf.reduce((a, f) => a + f.self, 0);
    assert.strictEqual(sum, 3);
    assert.strictEqual(model.functionCount, 16);
  });

  it('2. agave-bench-shred-v55-linux.json.gz: 38 threads, busiest "solana" (tid 958757.1)', async function () {
    const { profile, model } = await read(fixture(this, 'agave-bench-shred-v55-linux.json.gz'));
    assert.strictEqual(profile.meta.version, 55);
    assert.strictEqual(profile.meta.product, 'solana');
    assert.strictEqual(profile.meta.oscpu, 'Arch Linux');
    assert.strictEqual(profile.meta.host, undefined);
    assert.strictEqual(profile.threads.length, 38);
    assert.strictEqual(profile.threads.filter((t) => t.name === 'tokio-rt-worker').length, 33);
    assert.strictEqual(
      profile.threads.reduce((a, t) => a + t.samples, 0),
      2459,
    );
    assert.strictEqual(profile.selection.samples, 2459);
    assert.strictEqual(profile.selection.weight, 2459);
    const busiest = profile.threads.slice().sort((a, b) => b.weight - a.weight)[0];
    assert.deepStrictEqual(
      [busiest.name, busiest.tid, busiest.samples, busiest.weight],
      ['solana', '958757.1', 1386, 1386],
    );
    const s = model.summarizeSelection({ threads: [busiest.index] });
    assert.deepStrictEqual([s.samples, s.weight], [1386, 1386]);
    assert.deepStrictEqual(pairs(s.topSelf, 'self', 1), [['0x1795e52 [solana]', 111]]);
    assert.deepStrictEqual(pairs(s.topTotal, 'total', 1), [['0xf2b950 [solana]', 1156]]);
    // Unsymbolicated: every function name is an address with its library.
    for (const f of s.topSelf) assert.match(f.name, /^0x[0-9a-f]+ \[[^\]]+\]$/);
    assert.strictEqual(s.topSelf[0].lib, 'solana');
  });

  it('3. firefox-profiler-unsymbolicated-v49-macos.json: weights above 1 are counted, not samples', async function () {
    const { profile, model } = await read(fixture(this, 'firefox-profiler-unsymbolicated-v49-macos.json'));
    assert.strictEqual(profile.meta.version, 49);
    assert.strictEqual(profile.meta.product, 'a.out');
    assert.deepStrictEqual(
      profile.threads.map((t) => [t.name, t.tid, t.samples, t.weight]),
      [
        ['a.out', '6274156', 11, 60],
        ['Thread <6274161>', '6274161', 2, 12],
        ['Thread <6274162>', '6274162', 4, 22],
        ['Thread <6274163>', '6274163', 6, 35],
        ['Thread <6274164>', '6274164', 9, 47],
        ['Thread <6274165>', '6274165', 10, 60],
      ],
    );
    assert.strictEqual(profile.selection.samples, 42);
    assert.strictEqual(profile.selection.weight, 236);
    const main = profile.threads.find((t) => t.tid === '6274156');
    assert.ok(main);
    const s = model.summarizeSelection({ threads: [main.index] });
    assert.deepStrictEqual([s.samples, s.weight], [11, 60]);
    assert.deepStrictEqual(pairs(s.topSelf, 'self', 1), [['0x2bac [libsystem_kernel.dylib]', 60]]);
    // CPU-only: the merged off-CPU samples (threadCPUDelta 0) go; 6 on-CPU samples of weight 1 stay.
    const cpu = model.summarizeSelection({ threads: [main.index], cpuOnly: true });
    assert.deepStrictEqual([cpu.samples, cpu.weight], [6, 6]);
    assert.strictEqual(main.cpuTimeMs, 11.339);
  });
});
