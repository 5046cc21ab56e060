import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  formatUtcStamp,
  MAX_COMPONENT_CHARS,
  MAX_COMPONENT_UTF8_BYTES,
  numberedName,
  profileFileName,
  sanitizeFileComponent,
  uniquePath,
} from '../../../src/download/naming';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *(\..*)?$/i;

const isWellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** Strings made of the pieces most likely to break a file name, mixed with arbitrary code points. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '..',
          '.',
          '/',
          '\\',
          ':',
          ' ',
          '\t',
          '\n',
          '\0',
          '*',
          '?',
          '"',
          '<',
          '>',
          '|',
          'CON',
          'nul',
          'Com1',
          'LPT9',
          'conin$',
          '~',
          '\u202e',
          '\u200b',
          '\ufeff',
          '\ud800',
          '\udc00',
          'e\u0301',
          '😀',
          '汉字',
          'x',
          '-',
          '_',
          '\u0085',
          '\u3000',
        ),
        fc.string({ unit: 'binary', maxLength: 3 }),
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join('')),
);

describe('download/naming', () => {
  describe('sanitizeFileComponent (properties)', () => {
    const folder = path.resolve(os.tmpdir(), 'profiles');

    it('never yields a path separator, a forbidden or control character, or a dot name', () => {
      fc.assert(
        fc.property(nasty, (s) => {
          const x = sanitizeFileComponent(s);
          assert.ok(x.length > 0);
          assert.ok(!/[/\\:*?"<>|\u0000-\u001f\u007f-\u009f]/.test(x), JSON.stringify(x));
          assert.ok(!/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/.test(x), JSON.stringify(x));
          assert.notStrictEqual(x, '.');
          assert.notStrictEqual(x, '..');
          assert.ok(!x.includes('..'), JSON.stringify(x));
          assert.ok(!/^[.\s]/u.test(x) && !/[.\s]$/u.test(x), JSON.stringify(x));
          assert.ok(!WINDOWS_RESERVED.test(x), JSON.stringify(x));
          assert.ok(isWellFormed(x), 'no lone surrogate');
        }),
        { numRuns: 5000 },
      );
    });

    it('is a single component that stays inside the folder on POSIX and Windows', () => {
      fc.assert(
        fc.property(nasty, (s) => {
          const x = sanitizeFileComponent(s);
          assert.strictEqual(path.basename(x), x);
          assert.strictEqual(path.posix.basename(x), x);
          assert.strictEqual(path.win32.basename(x), x);
          const joined = path.join(folder, x);
          assert.strictEqual(path.dirname(joined), folder);
          assert.ok(joined.startsWith(folder + path.sep));
          assert.strictEqual(path.win32.dirname(path.win32.join('C:\\profiles', x)), 'C:\\profiles');
        }),
        { numRuns: 5000 },
      );
    });

    it('is short enough for every file system and idempotent', () => {
      fc.assert(
        fc.property(nasty, (s) => {
          const x = sanitizeFileComponent(s);
          assert.ok(Array.from(x).length <= MAX_COMPONENT_CHARS);
          assert.ok(Buffer.byteLength(x, 'utf8') <= MAX_COMPONENT_UTF8_BYTES);
          assert.strictEqual(sanitizeFileComponent(x), x);
        }),
        { numRuns: 5000 },
      );
    });

    it('keeps ordinary Feldera pipeline names as they are', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,60}$/), (s) => {
          if (WINDOWS_RESERVED.test(s)) return;
          assert.strictEqual(sanitizeFileComponent(s), s);
        }),
        { numRuns: 2000 },
      );
    });

    it('yields names every profile file can be created with', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-naming-'));
      try {
        fc.assert(
          fc.property(nasty, fc.nat({ max: 999 }), (s, ordinal) => {
            const name = profileFileName(s, new Date(0), ordinal);
            const p = path.join(dir, name);
            fs.writeFileSync(p, 'x', { flag: 'wx' });
            assert.deepStrictEqual(fs.readdirSync(dir), [name]);
            fs.unlinkSync(p);
          }),
          { numRuns: 500 },
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('sanitizeFileComponent (examples)', () => {
    const cases: Array<[string, string]> = [
      ['my:pipe/../x', 'my_pipe_x'],
      ['etl_pipeline-2', 'etl_pipeline-2'],
      ['', 'pipeline'],
      ['.', 'pipeline'],
      ['..', 'pipeline'],
      ['../../etc/passwd', 'etc_passwd'],
      ['..\\..\\Windows', 'Windows'],
      ['C:\\x', 'C_x'],
      ['.hidden', 'hidden'],
      ['  spaced. . ', 'spaced'],
      ['a\u0000b\nc', 'a_b_c'],
      ['CON', 'CON_'],
      ['nul.txt', 'nul_.txt'],
      ['com1', 'com1_'],
      ['console', 'console'],
      ['evil\u202etxt.exe', 'evil_txt.exe'],
      ['///', 'pipeline'],
      ['a//b', 'a_b'],
      ['x..', 'x'],
      ['e\u0301', '\u00e9'],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
        assert.strictEqual(sanitizeFileComponent(input), expected);
      });
    }

    it('caps the length without splitting a character', () => {
      assert.strictEqual(sanitizeFileComponent('a'.repeat(500)), 'a'.repeat(MAX_COMPONENT_CHARS));
      const emoji = sanitizeFileComponent('😀'.repeat(100));
      assert.strictEqual(emoji, '😀'.repeat(Math.floor(MAX_COMPONENT_UTF8_BYTES / 4)));
      assert.ok(isWellFormed(sanitizeFileComponent('😀'.repeat(30) + 'a'.repeat(100))));
    });
  });

  describe('profileFileName', () => {
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999));

    it('follows the contract: <pipeline>-samply-<UTC yyyyMMddTHHmmssZ>[-host<K>].json.gz', () => {
      assert.strictEqual(profileFileName('my:pipe/../x', when, 2), 'my_pipe_x-samply-20260102T030405Z-host2.json.gz');
      assert.strictEqual(profileFileName('etl', when), 'etl-samply-20260102T030405Z.json.gz');
      assert.strictEqual(profileFileName('etl', when, 0), 'etl-samply-20260102T030405Z-host0.json.gz');
      assert.strictEqual(profileFileName('', when), 'pipeline-samply-20260102T030405Z.json.gz');
    });

    it('uses UTC whatever the local time zone, zero-padded', () => {
      assert.strictEqual(formatUtcStamp(new Date('2025-12-31T23:59:59.5-05:00')), '20260101T045959Z');
      assert.strictEqual(formatUtcStamp(new Date(Date.UTC(987, 8, 7, 6, 5, 4))), '09870907T060504Z');
      assert.throws(() => formatUtcStamp(new Date(NaN)), RangeError);
    });

    it('never lets an odd ordinal act as a path', () => {
      assert.strictEqual(profileFileName('p', when, -1), 'p-samply-20260102T030405Z-host-1.json.gz');
      assert.strictEqual(profileFileName('p', when, 1.5), 'p-samply-20260102T030405Z-host1.5.json.gz');
    });

    it('matches the contract pattern for any pipeline name and ordinal', () => {
      fc.assert(
        fc.property(
          nasty,
          fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
          fc.option(fc.nat({ max: 4096 }), { nil: undefined }),
          (p, d, k) => {
            const name = profileFileName(p, d, k);
            const m = /^(.+)-samply-(\d{8}T\d{6}Z)(-host(\d+))?\.json\.gz$/s.exec(name);
            assert.ok(m, name);
            assert.strictEqual(m[1], sanitizeFileComponent(p));
            assert.strictEqual(
              m[2],
              d
                .toISOString()
                .replace(/[-:]/g, '')
                .replace(/\.\d{3}/, ''),
            );
            assert.strictEqual(m[4], k === undefined ? undefined : String(k));
            assert.strictEqual(path.basename(name), name);
            assert.ok(Buffer.byteLength(name) < 200);
          },
        ),
        { numRuns: 3000 },
      );
    });
  });

  describe('numberedName and uniquePath', () => {
    it('puts the counter before .json.gz', () => {
      assert.strictEqual(numberedName('a-samply-x.json.gz', 0), 'a-samply-x.json.gz');
      assert.strictEqual(numberedName('a-samply-x.json.gz', 1), 'a-samply-x-1.json.gz');
      assert.strictEqual(numberedName('a-samply-x.json.gz', 12), 'a-samply-x-12.json.gz');
      assert.strictEqual(numberedName('notes.txt', 2), 'notes-2.txt');
      assert.strictEqual(numberedName('plain', 3), 'plain-3');
    });

    it('picks the first name that does not exist yet', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-unique-'));
      try {
        const name = 'p-samply-20260102T030405Z.json.gz';
        assert.strictEqual(await uniquePath(dir, name), path.join(dir, name));
        fs.writeFileSync(path.join(dir, name), 'a');
        assert.strictEqual(await uniquePath(dir, name), path.join(dir, 'p-samply-20260102T030405Z-1.json.gz'));
        fs.writeFileSync(path.join(dir, 'p-samply-20260102T030405Z-1.json.gz'), 'b');
        fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, 'p-samply-20260102T030405Z-2.json.gz'));
        // A dangling symlink is taken too: writing through it would create a file elsewhere.
        assert.strictEqual(await uniquePath(dir, name), path.join(dir, 'p-samply-20260102T030405Z-3.json.gz'));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
