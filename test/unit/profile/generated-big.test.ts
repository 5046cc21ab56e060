// The benchmark's generator, at a small size: random but seeded data, written gzipped and plain in two
// layouts, must read back to one summary with the sample count the generator reports.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readProfileFile } from '../../../src/profile';
import { writeBigProfile } from './generate';
import { canonical } from './helpers';

describe('profile reader: generated big profile (small size)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-profile-big-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('v57 gzip and v66 plain JSON give the same summary, with every sample counted', async () => {
    const opts = { targetBytes: 2 * 1024 * 1024, threads: 6, seed: 7 };
    const gz = await writeBigProfile(path.join(dir, 'big.json.gz'), { ...opts, version: 57, gzip: true });
    const plain = await writeBigProfile(path.join(dir, 'big.json'), { ...opts, version: 66 });
    assert.ok(gz.fileBytes < gz.textBytes / 2, 'the gzip file is compressed');
    assert.strictEqual(gz.samples, plain.samples);
    const a = await readProfileFile(path.join(dir, 'big.json.gz'));
    const b = await readProfileFile(path.join(dir, 'big.json'));
    assert.ok(a.ok && b.ok);
    assert.strictEqual(a.profile.selection.samples, gz.samples);
    assert.strictEqual(a.profile.threads.length, 6);
    assert.deepStrictEqual(a.profile.meta.host, { index: 0, count: 2 });
    assert.deepStrictEqual(canonical(a.profile), canonical(b.profile));
    // Parked threads: CPU-only leaves their merged off-CPU samples out.
    const cpu = a.model.summarizeSelection({ cpuOnly: true });
    assert.ok(cpu.weight < a.profile.selection.weight);
    assert.strictEqual(
      cpu.samples,
      a.profile.threads.reduce((s, t) => s + t.cpuSamples, 0),
    );
  });
});
