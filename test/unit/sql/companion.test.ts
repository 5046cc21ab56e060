// The companion file: written all or nothing and never over a file, read back with a one-line reason for every
// problem (missing, truncated, another pipeline, version or profile, malformed, too large), never a throw.
import * as assert from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import {
  buildCompanion,
  companionPathFor,
  loadCompanion,
  MAX_COMPANION_BYTES,
  parseCompanion,
  writeFileExclusive,
} from '../../../src/sql/companion';
import { openSqlContext } from '../../../src/sql';
import { joinCompanion } from '../../../src/sql/join';
import type { Companion } from '../../../src/sql/types';
import { listing, removeTempDirs, tempDir } from '../download/support';

const SQL = 'CREATE TABLE t (x INT);\nCREATE VIEW v AS SELECT x FROM t;';

function sample(overrides: Partial<Companion> = {}): Companion {
  const c = buildCompanion({
    pipeline: 'orders',
    info: { name: 'orders', program_code: SQL, program_version: 4, program_status: 'Success' },
    graph: {
      mir: {
        s0: { operation: 'source_map', table: 't', inputs: [], positions: [pos(1, 14, 1, 14)], persistent_id: 'aa' },
        s1: {
          operation: 'map',
          inputs: [{ node: 's0', output: 0 }],
          positions: [pos(2, 1, 2, 33)],
          persistent_id: 'bb',
        },
        s2: {
          operation: 'inspect',
          view: 'v',
          inputs: [{ node: 's1', output: 0 }],
          positions: [pos(9, 1, 9, 2)],
          persistent_id: 'cc',
        },
      },
    },
    circuit: {
      persistentIds: new Map([
        ['nn1', 'aa'],
        ['nn2', 'bb.shard'],
        ['__proto__', 'cc'],
      ]),
      workers: 4,
      conflicts: 0,
      skipped: 0,
    },
    missing: [],
    profile: { file: 'orders-samply-x.json.gz', bytes: 10 },
    createdAt: new Date(Date.UTC(2026, 0, 2)),
  });
  assert.ok(c);
  return { ...c, ...overrides };
}

function pos(sl: number, sc: number, el: number, ec: number) {
  return { start_line_number: sl, start_column: sc, end_line_number: el, end_column: ec };
}

/** A profile file of `bytes` bytes and its companion, in a fresh folder. */
function saved(c: Companion, text = JSON.stringify(c), bytes = 10): string {
  const dir = tempDir('feldera-sql-');
  const profile = path.join(dir, 'orders-samply-x.json.gz');
  fs.writeFileSync(profile, Buffer.alloc(bytes));
  fs.writeFileSync(companionPathFor(profile), text);
  return profile;
}

describe('companion file', () => {
  after(removeTempDirs);

  it('sits beside its profile under the same base name, outside the *.json.gz pattern', () => {
    assert.strictEqual(companionPathFor('/p/a-samply-1-host2.json.gz'), '/p/a-samply-1-host2.sql.json');
    assert.strictEqual(companionPathFor('/p/A.JSON.GZ'), '/p/A.sql.json');
    assert.strictEqual(companionPathFor('/p/other.gz'), '/p/other.gz.sql.json');
    assert.ok(!/\.json\.gz$/.test(companionPathFor('/p/a.json.gz')));
  });

  it('keeps only what the join needs; reads back equal; the join works offline from it', async () => {
    const c = sample();
    assert.deepStrictEqual(Object.keys(c).sort(), [
      'createdAt',
      'format',
      'mir',
      'missing',
      'nodes',
      'pipeline',
      'profile',
      'program',
      'version',
      'workers',
    ]);
    assert.deepStrictEqual(c.mir?.map((m) => m.id).sort(), ['s0', 's1', 's2']);
    assert.ok(!JSON.stringify(c).includes('calcite'));
    const profile = saved(c);
    const r = await loadCompanion(profile);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepStrictEqual(r.companion, JSON.parse(JSON.stringify(c)));
    assert.strictEqual(Object.getPrototypeOf(r.companion.nodes), Object.prototype, 'a "__proto__" node id is data');
    const join = joinCompanion(r.companion);
    assert.strictEqual(join.operator('nn2').relation, 'v');
    assert.strictEqual(join.operator('__proto__').noPosition, 'positions-outside-sql');
    assert.strictEqual(join.stats.ignoredPositions, 1);
  });

  for (const [what, mutate, problem] of [
    ['missing', null, 'missing'],
    ['truncated', (t: string) => t.slice(0, t.length / 2), 'malformed'],
    ['empty', () => '', 'malformed'],
    ['not ours', () => '{"format":"something","version":1}', 'malformed'],
    ['newer', (t: string) => t.replace('"version":1', '"version":7'), 'newer-version'],
    ['without SQL', (t: string) => t.replace('"code":', '"kode":'), 'malformed'],
    ['of another profile', (t: string) => t.replace('"bytes":10', '"bytes":11'), 'other-profile'],
  ] as const) {
    it(`${what}: a one-line reason, no throw`, async () => {
      const c = sample();
      const profile = saved(c, mutate ? mutate(JSON.stringify(c)) : 'x');
      if (!mutate) fs.rmSync(companionPathFor(profile));
      const r = await loadCompanion(profile);
      assert.ok(!r.ok);
      assert.strictEqual(r.problem, problem);
      assert.ok(r.reason.length > 10 && !r.reason.includes('\n'), r.reason);
    });
  }

  it('openSqlContext: the companion joined, or the loader’s reason', async () => {
    const profile = saved(sample());
    const ok = await openSqlContext(profile, { pipeline: 'orders' });
    assert.ok(ok.ok);
    assert.strictEqual(ok.join.operator('nn2').statement?.keyword, 'CREATE VIEW');
    const other = await openSqlContext(profile, { pipeline: 'fraud' });
    assert.ok(!other.ok && other.problem === 'other-pipeline');
  });

  it('another pipeline or program version than expected', async () => {
    const profile = saved(sample());
    const p = await loadCompanion(profile, { pipeline: 'fraud' });
    assert.ok(!p.ok && p.problem === 'other-pipeline' && /"orders", not "fraud"/.test(p.reason));
    const v = await loadCompanion(profile, { programVersion: 5 });
    assert.ok(!v.ok && v.problem === 'other-version' && /version 4, not 5/.test(v.reason));
    assert.ok((await loadCompanion(profile, { pipeline: 'orders', programVersion: 4 })).ok);
  });

  it('a companion too large to be one is not read', async () => {
    const profile = saved(sample());
    fs.truncateSync(companionPathFor(profile), MAX_COMPANION_BYTES + 1);
    const r = await loadCompanion(profile);
    assert.ok(!r.ok && r.problem === 'too-large');
  });

  it('any JSON at all, or any damage to a valid companion: ok or a one-line reason, never a throw', () => {
    const text = JSON.stringify(sample());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .tuple(fc.nat(text.length), fc.nat(40), fc.string({ maxLength: 5 }))
            .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut)),
        ),
        (t) => {
          const r = parseCompanion(t);
          if (r.ok) {
            joinCompanion(r.companion).aggregate([{ nodeId: 'nn1', cpuUs: 1 }]);
          } else assert.ok(r.reason !== '' && !r.reason.includes('\n'));
        },
      ),
      { numRuns: 500 },
    );
  });

  describe('writeFileExclusive', () => {
    it('writes the whole text and leaves no temp file', async () => {
      const dir = tempDir('feldera-sql-');
      const r = await writeFileExclusive(path.join(dir, 'a.sql.json'), 'hello');
      assert.deepStrictEqual(r, { ok: true, path: path.join(dir, 'a.sql.json') });
      assert.deepStrictEqual(listing(dir), ['a.sql.json']);
      assert.strictEqual(fs.readFileSync(path.join(dir, 'a.sql.json'), 'utf8'), 'hello');
    });

    it('never replaces an existing file, and says so', async () => {
      const dir = tempDir('feldera-sql-');
      const dest = path.join(dir, 'a.sql.json');
      fs.writeFileSync(dest, 'theirs');
      const r = await writeFileExclusive(dest, 'ours');
      assert.ok(!r.ok && r.code === 'EEXIST' && /already exists/.test(r.reason));
      assert.strictEqual(fs.readFileSync(dest, 'utf8'), 'theirs');
      assert.deepStrictEqual(listing(dir), ['a.sql.json']);
    });

    it('a folder it cannot write into is a reason, not a throw', async () => {
      const dir = tempDir('feldera-sql-');
      const r = await writeFileExclusive(path.join(dir, 'gone', 'a.sql.json'), 'x');
      assert.ok(!r.ok && /ENOENT/.test(r.reason), JSON.stringify(r));
      assert.deepStrictEqual(listing(dir), []);
    });
  });
});
