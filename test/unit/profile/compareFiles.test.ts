// Which saved profiles go together (src/profile/compareFiles.ts): names written by download/naming.ts read back,
// the other profiles of a pipeline newest first, and the hosts of one "All hosts" collection.
import * as assert from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatUtcStamp, numberedName, profileFileName } from '../../../src/download/naming';
import {
  collectionOf,
  isCollection,
  listProfiles,
  olderFirst,
  parseProfileFileName,
  samePipeline,
} from '../../../src/profile/compareFiles';

describe('saved profile names, read back', () => {
  it('reads back every name the extension saves (pipeline, stamp, host, copy number)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.option(fc.integer({ min: 0, max: 63 }), { nil: undefined }),
        fc.integer({ min: 0, max: 3 }),
        (pipeline, date, host, copy) => {
          const name = numberedName(profileFileName(pipeline, date, host), copy);
          const parsed = parseProfileFileName(name);
          assert.ok(parsed, name);
          assert.strictEqual(parsed.stamp, formatUtcStamp(date));
          assert.strictEqual(parsed.host, host);
          assert.strictEqual(parsed.copy, copy === 0 ? undefined : copy);
          assert.strictEqual(`${parsed.pipeline}-samply-${parsed.stamp}`, profileFileName(pipeline, date).slice(0, -8));
        },
      ),
    );
  });

  it('gives nothing for other names', () => {
    for (const name of ['profile.json.gz', 'orders-samply-2026.json.gz', 'orders-samply-20260101T000000Z.json']) {
      assert.strictEqual(parseProfileFileName(name), undefined, name);
    }
  });
});

describe('profiles that go together, in a folder', () => {
  let dir: string;
  const touch = (name: string, mtime = 0) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, 'x');
    if (mtime) fs.utimesSync(f, mtime, mtime);
    return f;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-compare-files-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('offers the other profiles of the same pipeline, newest first', async () => {
    const mine = touch('orders-samply-20260102T000000Z.json.gz');
    touch('orders-samply-20260101T000000Z.json.gz');
    touch('orders-samply-20260103T000000Z.json.gz');
    touch('orders-samply-20260103T000000Z-1.json.gz');
    touch('payments-samply-20260104T000000Z.json.gz');
    touch('notes.txt');
    const all = await listProfiles(dir);
    assert.deepStrictEqual(
      samePipeline(mine, all).map((f) => f.fileName),
      [
        'orders-samply-20260103T000000Z-1.json.gz',
        'orders-samply-20260103T000000Z.json.gz',
        'orders-samply-20260101T000000Z.json.gz',
      ],
    );
    // A file whose name says nothing: every other profile, newest first (by modification time for such names).
    const odd = touch('odd.json.gz', 1000);
    assert.strictEqual(samePipeline(odd, await listProfiles(dir)).length, 5);
    const [older, newer] = olderFirst(all[0], all[all.length - 1]);
    assert.deepStrictEqual(
      [older.fileName, newer.fileName],
      ['orders-samply-20260101T000000Z.json.gz', 'payments-samply-20260104T000000Z.json.gz'],
    );
  });

  it('finds the hosts of one collection (same pipeline and stamp), in host order', async () => {
    const h1 = touch('fraud-samply-20260105T000000Z-host1.json.gz');
    touch('fraud-samply-20260105T000000Z-host0.json.gz');
    touch('fraud-samply-20260105T000000Z-host2.json.gz');
    touch('fraud-samply-20260106T000000Z-host0.json.gz');
    const all = await listProfiles(dir);
    assert.deepStrictEqual(
      collectionOf(h1, all).map((f) => f.fileName),
      [0, 1, 2].map((h) => `fraud-samply-20260105T000000Z-host${h}.json.gz`),
    );
    assert.deepStrictEqual(collectionOf(path.join(dir, 'fraud-samply-20260106T000000Z-host0.json.gz'), all), []);
    assert.deepStrictEqual(collectionOf(path.join(dir, 'orders-samply-20260101T000000Z.json.gz'), all), []);
    assert.ok(isCollection(collectionOf(h1, all).map((f) => f.path)));
    assert.ok(!isCollection([h1, path.join(dir, 'fraud-samply-20260106T000000Z-host0.json.gz')]));
    assert.ok(!isCollection([h1, h1]));
  });
});
