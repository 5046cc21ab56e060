// The reader's fast paths must give what the plain ones give: the byte-level JSON parser (typed numeric
// columns, fed incrementally) against JSON.parse, the UTF-8 decode against Buffer's, the call-node
// table against a plain Map, and a profile read from bytes against one built from JSON.parse's value.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import fc from 'fast-check';
import { buildProfileModel, readProfileBytes, readProfileFile, type ProfileModel } from '../../../src/profile';
import { CallNodeTable } from '../../../src/profile/callNodes';
import {
  ByteStrings,
  FelderaDataColumn,
  JsonBytesError,
  JsonBytesParser,
  parseJsonBytes,
} from '../../../src/profile/jsonBytes';
import { smallProfile, smallProfileObject } from '../../emulator/profileGenerator';
import { felderaSampleProfile, generateProfileText, LAYOUT_VERSIONS, sampleProfile, writeBigProfile } from './generate';
import { canonical } from './helpers';

/** What JSON.parse would give: typed arrays back to arrays, NaN back to null. */
function untyped(v: unknown): unknown {
  if (v instanceof Int32Array || v instanceof Float64Array) return Array.from(v, (x) => (x === x ? x : null));
  if (v instanceof FelderaDataColumn || v instanceof ByteStrings) return untyped(v.toArray());
  if (Array.isArray(v)) return v.map(untyped);
  // fromEntries defines own properties, "__proto__" too, as JSON.parse does.
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, untyped(x)]));
  return v;
}

/** Feeds the bytes in pieces ending at `cuts`, into a buffer that grows (a new copy) now and then. */
function parseInPieces(bytes: Buffer, cuts: number[]): unknown {
  const p = new JsonBytesParser(0);
  let buf = Buffer.alloc(Math.max(1, Math.floor(bytes.length / 3)));
  let have = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (cut <= have) continue;
    if (cut > buf.length) {
      const bigger = Buffer.alloc(Math.max(cut, buf.length * 2));
      buf.copy(bigger, 0, 0, have);
      buf = bigger;
    }
    bytes.copy(buf, have, have, cut);
    have = cut;
    p.feed(buf, have, have === bytes.length);
  }
  return p.result();
}

function jsonParseOrError(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

// Numbers as profiles have them (small and large ints, negatives, fractions, nulls) and any JSON.
const column = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 100000 }),
    fc.integer(),
    fc.constantFrom(0, -1, 2147483647, -2147483648, 2147483648, 1e21, 123456789012, -0.5, 1.25, null),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  ),
  { maxLength: 40 },
);
const doc = fc.record({
  length: fc.nat(50),
  a: column,
  b: fc.array(column, { maxLength: 3 }),
  c: fc.jsonValue(),
  µs: fc.string({ unit: 'binary' }),
});

describe('profile reader: fast paths', () => {
  describe('parseJsonBytes', () => {
    it('gives what JSON.parse gives, with numeric columns as typed arrays', () => {
      fc.assert(
        fc.property(doc, fc.constantFrom(undefined, 1, '\t'), (d, indent) => {
          const text = JSON.stringify(d, null, indent);
          const v = parseJsonBytes(Buffer.from(text));
          assert.deepStrictEqual(untyped(v), JSON.parse(text));
        }),
        { numRuns: 300 },
      );
    });

    it('picks Int32Array for int32 columns, Float64Array (NaN = null) otherwise, and Array for the rest', () => {
      const v = parseJsonBytes(
        Buffer.from(
          '{"i":[1,-2,0,999999999,-999999999],"w":[1,2147483647],"f":[1,null,2.5],"big":[2147483648],"z":[-0],' +
            '"m":[1,"x",null],"e":[],"s":["a"],"n":[null],"top":[[1,2]]}',
        ),
      ) as Record<string, unknown>;
      assert.deepStrictEqual(v.i, Int32Array.from([1, -2, 0, 999999999, -999999999]));
      // Ten digits or more take the general path, which keeps doubles.
      assert.deepStrictEqual(v.w, Float64Array.from([1, 2147483647]));
      assert.ok(v.f instanceof Float64Array && Number.isNaN(v.f[1]) && v.f[2] === 2.5);
      assert.ok(v.big instanceof Float64Array && v.big[0] === 2147483648);
      assert.ok(v.z instanceof Float64Array && Object.is(v.z[0], -0));
      assert.deepStrictEqual(v.m, [1, 'x', null]);
      assert.deepStrictEqual(v.e, []);
      assert.deepStrictEqual(v.s, ['a']);
      assert.ok(v.n instanceof Float64Array && Number.isNaN(v.n[0]));
      assert.ok(Array.isArray(v.top) && v.top[0] instanceof Int32Array);
      // The top-level value is never a typed array.
      assert.deepStrictEqual(parseJsonBytes(Buffer.from('[1,2,3]')), [1, 2, 3]);
      assert.deepStrictEqual(parseJsonBytes(Buffer.from(' [1.5,null] ')), [1.5, null]);
    });

    it('reads a column of a table ("length" first) into an array of that length', () => {
      const col = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 100003);
      const v = parseJsonBytes(Buffer.from(JSON.stringify({ length: 5000, col, short: [1, 2] }))) as {
        col: Int32Array;
        short: Int32Array;
      };
      assert.strictEqual(v.col.length, 5000);
      assert.deepStrictEqual(Array.from(v.col), col);
      assert.deepStrictEqual(Array.from(v.short), [1, 2]);
      // A wrong length (too short, too long) changes nothing.
      for (const length of [4096, 6000, 1e9]) {
        const w = parseJsonBytes(Buffer.from(JSON.stringify({ length, col }))) as { col: Int32Array };
        assert.deepStrictEqual(Array.from(w.col), col);
      }
    });

    it('decodes strings as Buffer.toString + JSON.parse do: escapes, non-ASCII, broken UTF-8', () => {
      const texts = ['{"a":"µs","b":"\\u00e9\\n\\"\\\\","c":"😀 日本","d":"\\ud83d\\ude00"}'];
      for (const t of texts) assert.deepStrictEqual(parseJsonBytes(Buffer.from(t)), JSON.parse(t));
      const broken = Buffer.concat([
        Buffer.from('{"x":"a'),
        Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]),
        Buffer.from('b"}'),
      ]);
      assert.deepStrictEqual(parseJsonBytes(broken), JSON.parse(broken.toString('utf8')));
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
          const b = Buffer.concat([Buffer.from('{"k":"'), Buffer.from(bytes), Buffer.from('"}')]);
          const expected = jsonParseOrError(b.toString('utf8'));
          if (expected.ok) assert.deepStrictEqual(parseJsonBytes(b), expected.value);
          else assert.throws(() => parseJsonBytes(b), JsonBytesError);
        }),
        { numRuns: 300 },
      );
    });

    it("reads a markers' data column of FelderaMarker objects into names, and anything else as JSON.parse does", () => {
      const feldera = fc.nat({ max: 2 ** 31 - 1 }).map((name) => ({ type: 'FelderaMarker', name }));
      const element = fc.oneof(
        { weight: 6, arbitrary: feldera },
        { weight: 1, arbitrary: feldera.map(({ name }) => ({ name, type: 'FelderaMarker' })) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.record({ type: fc.constantFrom('Text', 'FelderaMarker'), name: fc.jsonValue() }) },
        { weight: 1, arbitrary: fc.jsonValue() },
      );
      fc.assert(
        fc.property(
          fc.array(element, { maxLength: 30 }),
          fc.constantFrom(undefined, 1),
          fc.array(fc.nat(3000), { maxLength: 8 }),
          (data, indent, cuts) => {
            const doc = { markers: { length: data.length, data, name: data.map((_, i) => i) } };
            const bytes = Buffer.from(JSON.stringify(doc, null, indent));
            const whole = parseJsonBytes(bytes) as { markers: { data: unknown } };
            assert.deepStrictEqual(untyped(whole), JSON.parse(bytes.toString('utf8')));
            assert.deepStrictEqual(untyped(parseInPieces(bytes, cuts)), JSON.parse(bytes.toString('utf8')));
            // Without spaces and starting with a FelderaMarker as Feldera writes it: the typed column.
            const exact = /^\{"(type":"FelderaMarker","name":|name":)(0|[1-9]\d{0,8})(,"type":"FelderaMarker")?\}$/;
            const isFeldera = (d: unknown) => {
              const m = exact.exec(JSON.stringify(d) ?? '');
              return m !== null && (m[1] === 'name":') === (m[3] !== undefined);
            };
            if (indent === undefined && data.length > 0 && isFeldera(data[0])) {
              assert.ok(whole.markers.data instanceof FelderaDataColumn);
              const col = whole.markers.data;
              data.forEach((d, i) => assert.strictEqual(col.names[i] >= 0, isFeldera(d), JSON.stringify(d)));
            }
          },
        ),
        { numRuns: 500 },
      );
      // Only a "data" property is read so; elsewhere such objects are plain objects.
      const other = parseJsonBytes(Buffer.from('{"x":[{"type":"FelderaMarker","name":1}]}')) as { x: unknown };
      assert.ok(Array.isArray(other.x));
    });

    it('reads a string table as bytes, decoding each string as JSON.parse would, in any pieces', () => {
      const str = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom('', 'µs', 'Sum nn2 used 3μs real time, 2μs CPU time', '"quoted"\\', '\u0000\u001f\n'),
      );
      fc.assert(
        fc.property(
          fc.array(str, { maxLength: 20 }),
          fc.constantFrom(undefined, 1),
          fc.array(fc.nat(600), { maxLength: 6 }),
          (strings, indent, cuts) => {
            const bytes = Buffer.from(
              JSON.stringify({ shared: { stringArray: strings }, after: [1, 'x'] }, null, indent),
            );
            const v = parseJsonBytes(bytes) as { shared: { stringArray: unknown } };
            if (strings.length > 0) assert.ok(v.shared.stringArray instanceof ByteStrings);
            assert.deepStrictEqual(untyped(v), JSON.parse(bytes.toString('utf8')));
            assert.deepStrictEqual(untyped(parseInPieces(bytes, cuts)), JSON.parse(bytes.toString('utf8')));
            if (v.shared.stringArray instanceof ByteStrings) {
              const t = v.shared.stringArray;
              strings.forEach((x, i) => assert.strictEqual(t.get(i), x));
              assert.strictEqual(t.get(strings.length), undefined);
            }
          },
        ),
        { numRuns: 300 },
      );
      // Broken UTF-8 and raw bytes: as Buffer.toString + JSON.parse decode them.
      const raw = Buffer.concat([
        Buffer.from('{"stringArray":["a'),
        Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]),
        Buffer.from('b","\\u00e9","'),
        Buffer.from([0xce, 0xbc]),
        Buffer.from('"]}'),
      ]);
      assert.deepStrictEqual(untyped(parseJsonBytes(raw)), JSON.parse(raw.toString('utf8')));
      // Not only strings: a plain array, as JSON.parse gives it; a control character: an error, as for JSON.parse.
      const mixed = Buffer.from('{"stringArray":["a","b",3,null,"c"]}');
      assert.deepStrictEqual(parseJsonBytes(mixed), JSON.parse(mixed.toString()));
      assert.throws(() => parseJsonBytes(Buffer.from('{"stringArray":["a","b\u0001"]}')), JsonBytesError);
    });

    it('reads decimals inline to the same double as JSON.parse', () => {
      const decimal = fc
        .tuple(
          fc.boolean(),
          fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,17}$/)),
          fc.stringMatching(/^[0-9]{1,24}$/),
        )
        .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}.${frac}`);
      fc.assert(
        fc.property(fc.array(decimal, { minLength: 1, maxLength: 10 }), (xs) => {
          const text = `{"length":${xs.length},"t":[${xs.join(',')}],"v":${xs[0]}}`;
          assert.deepStrictEqual(untyped(parseJsonBytes(Buffer.from(text))), JSON.parse(text));
        }),
        { numRuns: 2000 },
      );
      for (const x of [
        '0.1',
        '-0.0',
        '12345.6783',
        '0.30000000000000004',
        '9007199254740993.5',
        '1.7976931348623157',
      ]) {
        assert.strictEqual(
          Object.is((parseJsonBytes(Buffer.from(`{"x":[${x}]}`)) as { x: Float64Array }).x[0], JSON.parse(x)),
          true,
          x,
        );
      }
    });

    it('throws where JSON.parse throws, and agrees where it does not', () => {
      const bad = [
        '',
        ' ',
        '{',
        '{"a":[1,]}',
        '{"a":[,1]}',
        '{"a":[01]}',
        '{"a":[1 2]}',
        '{"a":[-]}',
        '{"a":[1.]}',
        '{"a":[.5]}',
        '{"a":[+1]}',
        '{"a":[nul]}',
        '{"a":1,}',
        '{"a" 1}',
        '{a:1}',
        '[1]x',
        '{"a":"\u0001"}',
        '{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,]}',
        '{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,]     }',
        '{"a":[tru]}',
      ];
      for (const t of bad) {
        assert.throws(() => JSON.parse(t), SyntaxError, t);
        assert.throws(() => parseJsonBytes(Buffer.from(t)), JsonBytesError, t);
      }
      const alphabet = fc.constantFrom(...'{}[],:"0123456789-.eE+ nultrfasx\\'.split(''));
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
          const t = chars.join('');
          const expected = jsonParseOrError(t);
          if (expected.ok) assert.deepStrictEqual(untyped(parseJsonBytes(Buffer.from(t))), expected.value);
          else assert.throws(() => parseJsonBytes(Buffer.from(t)), JsonBytesError);
        }),
        { numRuns: 2000 },
      );
    });

    it('gives the same value fed in pieces, wherever the pieces end', () => {
      fc.assert(
        fc.property(doc, fc.array(fc.nat(2000), { maxLength: 12 }), (d, cuts) => {
          const bytes = Buffer.from(JSON.stringify(d, null, 1));
          assert.deepStrictEqual(untyped(parseInPieces(bytes, cuts)), JSON.parse(bytes.toString('utf8')));
        }),
        { numRuns: 200 },
      );
      // Every cut of one document with every kind of token.
      const text = Buffer.from(
        '{"length":3,"a":[12,-3,null],"b":[1.5e3,-0,7],"s":"µ\\"x","t":[true,false,null],"o":{"k":[]}}',
      );
      for (let cut = 1; cut < text.length; cut++) {
        assert.deepStrictEqual(untyped(parseInPieces(text, [cut])), JSON.parse(text.toString('utf8')), `cut ${cut}`);
      }
      // A document that stops early is an error only once the input is final.
      const p = new JsonBytesParser(0);
      assert.strictEqual(p.feed(Buffer.from('{"a":[1,2'), 9, false), false);
      assert.throws(() => p.feed(Buffer.from('{"a":[1,2'), 9, true), JsonBytesError);
    });
  });

  describe('CallNodeTable', () => {
    it('gives the ids and recursion flags of a plain Map-based table', () => {
      fc.assert(
        fc.property(
          // Few functions and parents skewed to the first nodes: long child lists, so some get indexed.
          fc.array(fc.tuple(fc.nat(1000), fc.nat(30), fc.boolean()), { maxLength: 600 }),
          (ops) => {
            const t = new CallNodeTable(0);
            const key = new Map<string, number>();
            const parents: number[] = [];
            const funcs: number[] = [];
            for (const [p, f, root] of ops) {
              const parent =
                root || parents.length === 0
                  ? -1
                  : Math.min(parents.length - 1, Math.floor(Math.sqrt(p / 1000) * parents.length));
              let id = key.get(`${parent}:${f}`);
              if (id === undefined) {
                id = parents.length;
                key.set(`${parent}:${f}`, id);
                parents.push(parent);
                funcs.push(f);
              }
              assert.strictEqual(t.getOrAdd(parent, f), id);
            }
            const frozen = t.freeze(31);
            assert.deepStrictEqual(Array.from(frozen.parent), parents);
            assert.deepStrictEqual(Array.from(frozen.func), funcs);
            const recursive = parents.map((_, i) => {
              for (let a = parents[i]; a >= 0; a = parents[a]) if (funcs[a] === funcs[i]) return 1;
              return 0;
            });
            assert.deepStrictEqual(Array.from(frozen.recursive), recursive);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('handles many roots and a parent with thousands of children', () => {
      const t = new CallNodeTable(10);
      const ids: number[] = [];
      for (let f = 0; f < 3000; f++) ids.push(t.getOrAdd(-1, f));
      for (let f = 0; f < 3000; f++) ids.push(t.getOrAdd(0, f));
      for (let f = 0; f < 3000; f++) assert.strictEqual(t.getOrAdd(-1, f), ids[f]);
      for (let f = 0; f < 3000; f++) assert.strictEqual(t.getOrAdd(0, f), ids[3000 + f]);
      assert.deepStrictEqual(
        ids,
        Array.from({ length: 6000 }, (_, i) => i),
      );
      const frozen = t.freeze(3000);
      assert.strictEqual(frozen.recursive[3000], 1); // func 0 under func 0
      assert.strictEqual(
        frozen.recursive.reduce((s, x) => s + x, 0),
        1,
      );
    });
  });

  describe('reading from bytes', () => {
    const fromJson = (text: string): ProfileModel => {
      const r = buildProfileModel(JSON.parse(text));
      if (!r.ok) assert.fail(r.error.message);
      return r.model;
    };
    const same = (a: ProfileModel, b: ProfileModel): void => {
      assert.strictEqual(a.callNodeCount, b.callNodeCount);
      assert.deepStrictEqual(canonical(a.summarize()), canonical(b.summarize()));
      assert.deepStrictEqual(a.functionWeights({ cpuOnly: true }), b.functionWeights({ cpuOnly: true }));
      assert.deepStrictEqual(a.functionWeights({ threads: [1] }), b.functionWeights({ threads: [1] }));
      // Markers, operators and time selections too.
      assert.deepStrictEqual(a.feldera, b.feldera);
      assert.deepStrictEqual(a.meta.timeRange, b.meta.timeRange);
      const range = { start: a.meta.timeRange.start, end: (a.meta.timeRange.start + a.meta.timeRange.end) / 2 };
      assert.deepStrictEqual(a.operatorTable({ range }), b.operatorTable({ range }));
      assert.deepStrictEqual(a.functionWeights({ range }), b.functionWeights({ range }));
      assert.deepStrictEqual(a.threadStats({ range }), b.threadStats({ range }));
      assert.deepStrictEqual(a.timeline({ buckets: 7 }), b.timeline({ buckets: 7 }));
      const op = a.operatorTable().rows[0]?.nodeId;
      if (op) assert.deepStrictEqual(a.functionWeights({ operator: op }), b.functionWeights({ operator: op }));
    };

    for (const version of LAYOUT_VERSIONS) {
      it(`v${version}: the typed-column model is the JSON.parse model, Feldera markers and counters included`, async () => {
        for (const profile of [sampleProfile(), felderaSampleProfile('time'), felderaSampleProfile('timeDeltas')]) {
          const text = generateProfileText(profile, version);
          const r = await readProfileBytes(zlib.gzipSync(Buffer.from(text)));
          if (!r.ok) assert.fail(r.error.message);
          same(r.model, fromJson(text));
        }
      });
    }

    it("the emulator's Feldera profile: the typed-column model is the JSON.parse model", async () => {
      const params = { pipeline: 'fast', workers: 3 };
      const r = await readProfileBytes(smallProfile(params));
      if (!r.ok) assert.fail(r.error.message);
      assert.ok(r.model.feldera.evals > 0);
      same(r.model, fromJson(JSON.stringify(smallProfileObject(params))));
    });

    it('a generated 2 MiB profile, streamed in chunks, gives the JSON.parse model', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-profile-fast-'));
      try {
        for (const version of [57, 70] as const) {
          const file = path.join(dir, `big-${version}.json.gz`);
          await writeBigProfile(file, { targetBytes: 2 * 1024 * 1024, threads: 5, seed: 3, version, gzip: true });
          const r = await readProfileFile(file);
          if (!r.ok) assert.fail(r.error.message);
          same(r.model, fromJson(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')));
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reports a sample with a missing stack as the JSON.parse model does', async () => {
      const text = generateProfileText(sampleProfile(), 57).replace(/"stack":\[(\d+|null)/, '"stack":[99999');
      assert.ok(text.includes('"stack":[99999'));
      const r = await readProfileBytes(Buffer.from(text));
      const j = buildProfileModel(JSON.parse(text));
      assert.ok(!r.ok && !j.ok);
      assert.strictEqual(r.error.message, j.error.message);
      assert.match(r.error.message, /sample 0 refers to stack 99999, which does not exist/);
    });

    it('takes any nesting depth (no recursion): in a part it skips, and in one it keeps', async () => {
      const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
      const text = generateProfileText(sampleProfile(), 57).replace('"pages":[]', `"pages":${deep(20000)}`);
      assert.ok(text.includes('[[[['), 'the profile has a pages list to nest');
      const r = await readProfileBytes(Buffer.from(text));
      if (!r.ok) assert.fail(r.error.message);
      same(r.model, fromJson(text));
      const kept = `{"a":${deep(100000)},"b":[{"c":${deep(5000)}}]}`;
      const depth = (v: unknown): number => {
        let d = 0;
        for (let x = v; Array.isArray(x); x = x[0] as unknown) d++;
        return d;
      };
      const v = parseJsonBytes(Buffer.from(kept)) as { a: unknown; b: { c: unknown }[] };
      assert.deepStrictEqual([depth(v.a), depth(v.b[0].c), Object.keys(v)], [100000, 5000, ['a', 'b']]);
      assert.throws(() => parseJsonBytes(Buffer.from(kept.slice(0, -3))), /Unexpected end of JSON at byte/);
    });
  });
});
