// Bad files come back as errors with a kind and a clear message, never as an exception.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { readProfileBytes, readProfileFile, type ProfileErrorKind } from '../../../src/profile';
import { generateProfileText, sampleProfile } from './generate';

describe('profile reader: bad files', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-profile-errors-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, data: Buffer | string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data);
    return file;
  };
  const gz = (text: string) => zlib.gzipSync(Buffer.from(text), { level: 2 });
  const goodText = () => generateProfileText(sampleProfile(), 57);

  async function expectError(file: string, kind: ProfileErrorKind, message: RegExp): Promise<void> {
    const r = await readProfileFile(file);
    assert.strictEqual(r.ok, false, 'expected an error');
    if (r.ok) return;
    assert.strictEqual(r.error.kind, kind, r.error.message);
    assert.match(r.error.message, message);
  }

  it('random bytes: notGzip, naming the bytes found', async () => {
    const bytes = Buffer.alloc(4096);
    let x = 0x3f;
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = x;
      x = (x * 73 + 41) & 0xff;
    }
    await expectError(
      write('random.json.gz', bytes),
      'notGzip',
      /not a gzip-compressed profile .*starts with the bytes 3f 20 .*signature 1f 8b/,
    );
  });

  it('truncated gzip: truncated', async () => {
    const full = gz(goodText());
    await expectError(write('cut.json.gz', full.subarray(0, Math.floor(full.length / 2))), 'truncated', /truncated/);
    // Cut inside the 8-byte trailer too.
    await expectError(write('cut-trailer.json.gz', full.subarray(0, full.length - 3)), 'truncated', /truncated/);
  });

  it('an empty file: truncated', async () => {
    await expectError(write('empty.json.gz', Buffer.alloc(0)), 'truncated', /empty/);
  });

  it('gzip of text that is not JSON: notJson', async () => {
    await expectError(
      write('text.json.gz', gz('hello, this is not JSON\n')),
      'notJson',
      /gzip, but what it holds is not JSON/,
    );
    await expectError(write('half.json.gz', gz(goodText().slice(0, 500))), 'notJson', /not JSON/);
  });

  it('JSON without meta: invalid; without preprocessedProfileVersion: unknownVersion', async () => {
    await expectError(write('nometa.json.gz', gz('{"threads":[]}')), 'invalid', /no "meta" object/);
    await expectError(write('array.json.gz', gz('[1,2,3]')), 'invalid', /not a profile/);
    await expectError(
      write('gecko.json.gz', gz('{"meta":{"version":24},"threads":[]}')),
      'unknownVersion',
      /no meta\.preprocessedProfileVersion/,
    );
  });

  it('version 43: unknownVersion (older than 44)', async () => {
    const text = goodText().replace('"preprocessedProfileVersion":57', '"preprocessedProfileVersion":43');
    await expectError(
      write('v43.json.gz', gz(text)),
      'unknownVersion',
      /version 43, older than this viewer reads \(44–70\)/,
    );
  });

  it('version 71: tooNew', async () => {
    const text = goodText().replace('"preprocessedProfileVersion":57', '"preprocessedProfileVersion":71');
    await expectError(write('v71.json.gz', gz(text)), 'tooNew', /version 71, newer than this viewer reads \(44–70\)/);
  });

  it('damaged gzip data: invalid', async () => {
    const full = Buffer.from(gz(goodText()));
    for (let i = 20; i < 60; i++) full[i] ^= 0x5a;
    await expectError(write('damaged.json.gz', full), 'invalid', /gzip data is damaged/);
  });

  it('a stack index out of range: invalid, naming the thread', async () => {
    const json = JSON.parse(goodText());
    json.threads[1].samples.stack[0] = 999;
    await expectError(
      write('badstack.json.gz', gz(JSON.stringify(json))),
      'invalid',
      /thread 1 \("worker-1"\).*stack 999/,
    );
  });

  it('a missing table: invalid', async () => {
    const json = JSON.parse(goodText());
    delete json.threads[0].stackTable;
    await expectError(write('nostack.json.gz', gz(JSON.stringify(json))), 'invalid', /stackTable is missing/);
  });

  it('a file that does not exist: io', async () => {
    await expectError(path.join(dir, 'nope.json.gz'), 'io', /does not exist/);
  });

  it('a folder: io', async () => {
    await expectError(dir, 'io', /folder/);
  });

  it('reads plain (uncompressed) JSON and in-memory bytes the same way', async () => {
    const plain = await readProfileFile(write('plain.json', goodText()));
    const zipped = await readProfileBytes(gz(goodText()));
    assert.ok(plain.ok && zipped.ok);
    assert.deepStrictEqual(plain.profile, zipped.profile);
    assert.strictEqual(plain.profile.selection.weight, 25);
    const bad = await readProfileBytes(Buffer.from('nonsense'));
    assert.deepStrictEqual(bad.ok ? undefined : bad.error.kind, 'notGzip');
  });

  it('reports progress up to the JSON size (from the gzip trailer), and the phases in order', async () => {
    const data = gz(goodText());
    const file = write('progress.json.gz', data);
    const progress: [number, number][] = [];
    const phases: string[] = [];
    const r = await readProfileFile(file, {
      onProgress: (a, b) => progress.push([a, b]),
      onPhase: (p) => phases.push(p),
    });
    assert.ok(r.ok);
    const text = Buffer.byteLength(goodText());
    assert.deepStrictEqual(progress[progress.length - 1], [text, text]);
    assert.deepStrictEqual(phases, ['reading', 'parsing', 'summarizing']);
  });

  it('a fired AbortSignal: cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await readProfileFile(write('abort.json.gz', gz(goodText())), { signal: ac.signal });
    assert.deepStrictEqual(r.ok ? undefined : r.error.kind, 'cancelled');
  });

  it('text longer than the limit: tooLarge', async () => {
    const r = await readProfileFile(write('big.json.gz', gz(goodText())), { maxTextBytes: 1000 });
    assert.deepStrictEqual(r.ok ? undefined : r.error.kind, 'tooLarge');
  });
});
