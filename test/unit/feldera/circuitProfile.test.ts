// The streamed node → persistent-id extractor of circuit profiles: same answer as JSON.parse on the real fixture and
// on generated documents, however the bytes are split; bounded; and a clear error for what is not a circuit profile.
import * as assert from 'assert';
import fc from 'fast-check';
import {
  CircuitProfileError,
  extractCircuitNodeIds,
  CircuitNodeIdExtractor,
} from '../../../src/feldera/circuitProfile';
import { sqlFixtures, SQL_FIXTURES } from '../sql/helpers';

/** The reference: JSON.parse, then the same walk by hand. */
function reference(text: string): Map<string, string> {
  const doc = JSON.parse(text) as { worker_profiles?: { metadata?: Record<string, { entries?: unknown[] }> }[] };
  const out = new Map<string, string>();
  for (const w of doc.worker_profiles ?? []) {
    for (const [node, m] of Object.entries(w.metadata ?? {})) {
      for (const e of m.entries ?? []) {
        if (Array.isArray(e) && e[0] === 'persistent_id' && typeof e[1] === 'string' && !out.has(node))
          out.set(node, e[1]);
      }
    }
  }
  return out;
}

function inChunks(text: string, cuts: number[]): ReturnType<typeof extractCircuitNodeIds> {
  const bytes = Buffer.from(text, 'utf8');
  const x = new CircuitNodeIdExtractor(Number.MAX_SAFE_INTEGER);
  let at = 0;
  for (const c of [...new Set(cuts.map((k) => k % (bytes.length + 1)))].sort((a, b) => a - b)) {
    x.write(bytes.subarray(at, c));
    at = c;
  }
  x.write(bytes.subarray(at));
  return x.end();
}

describe('circuit profile: node → persistent id', () => {
  it('the real 16-worker fixture: 80 nodes, 16 workers, as JSON.parse reads them, in any chunking', function () {
    const f = sqlFixtures();
    if (!f) {
      console.log(`      skipped: ../shared/feldera/fixtures not found (looked in ${SQL_FIXTURES})`);
      this.skip();
    }
    const got = extractCircuitNodeIds(f!.circuitText);
    assert.strictEqual(got.workers, 16);
    assert.strictEqual(got.persistentIds.size, 80);
    assert.deepStrictEqual(got.persistentIds, reference(f!.circuitText));
    assert.strictEqual(got.conflicts, 0);
    assert.strictEqual(
      got.persistentIds.get('nn59'),
      'b583a4f796b7203f242a6853d01421c305db63dd5c6843086d8caf669b4e32d4.shard',
    );
    for (const size of [1, 7, 4096]) {
      const cuts: number[] = Array.from({ length: Math.ceil(f!.circuitText.length / size) }, (_, i) => i * size);
      assert.deepStrictEqual(inChunks(f!.circuitText, cuts).persistentIds, got.persistentIds);
    }
  });

  it('generated documents (escapes, non-ASCII, nesting, other keys) in random chunks agree with JSON.parse', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('persistent_id', 'entries', 'metadata', 'nn1', 'nn2_n3', 'é"\\\n'),
    );
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 10 }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(key, tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    const entry = fc.oneof(
      fc.tuple(fc.constant('persistent_id'), fc.oneof(fc.string({ maxLength: 12 }), fc.integer())),
      fc.tuple(key, value),
    );
    const doc = fc.record({
      worker_profiles: fc.array(
        fc.record({
          metadata: fc.dictionary(key, fc.record({ entries: fc.array(entry, { maxLength: 3 }) }), { maxKeys: 4 }),
        }),
        { maxLength: 3 },
      ),
      graph: value,
      metrics: value,
    });
    fc.assert(
      fc.property(doc, fc.array(fc.nat(), { maxLength: 6 }), (d, cuts) => {
        const text = JSON.stringify(d, null, cuts.length % 2 ? 1 : undefined);
        const got = inChunks(text, cuts);
        assert.deepStrictEqual(got.persistentIds, reference(text));
        assert.strictEqual(got.workers, d.worker_profiles.length);
      }),
      { numRuns: 400 },
    );
  });

  it('stops at the size limit with a clear error, before reading on', () => {
    const x = new CircuitNodeIdExtractor(100);
    x.write(Buffer.from('{"worker_profiles": ['));
    assert.throws(
      () => x.write(Buffer.alloc(200, 0x20)),
      (e: unknown) => e instanceof CircuitProfileError && e.reason === 'too-large' && /larger than/.test(e.message),
    );
  });

  it('what is not a complete JSON object is an error, never a partial map', () => {
    for (const bad of [
      '',
      '[]',
      '{"worker_profiles": [',
      '{"a": 1}}',
      '<html>502</html>',
      '"x"',
      '{"a": "unterminated',
    ]) {
      assert.throws(() => extractCircuitNodeIds(bad), CircuitProfileError, JSON.stringify(bad));
    }
    assert.deepStrictEqual(extractCircuitNodeIds('{}').persistentIds, new Map());
  });

  it('node ids and persistent ids too long to be real are left out and counted', () => {
    const long = 'x'.repeat(20_000);
    const text = JSON.stringify({
      worker_profiles: [
        {
          metadata: {
            [long]: { entries: [['persistent_id', 'a']] },
            nn1: { entries: [['persistent_id', long]] },
            nn2: { entries: [['persistent_id', 'ok']] },
          },
        },
      ],
    });
    const got = extractCircuitNodeIds(text);
    assert.deepStrictEqual([...got.persistentIds], [['nn2', 'ok']]);
    assert.strictEqual(got.skipped, 2);
  });
});
