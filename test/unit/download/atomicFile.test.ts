import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { placeWithoutOverwrite, saveStreamAtomically } from '../../../src/download/atomicFile';
import type { DownloadResult } from '../../../src/download/types';
import {
  listing,
  removeTempDirs,
  resettingBody,
  sampleGzip,
  sha256File,
  SlowBody,
  StallingBody,
  StoredGzipStream,
  tempDir,
} from './support';

const NAME = 'etl-samply-20260102T030405Z.json.gz';

function ok(r: DownloadResult): { path: string; bytes: number } {
  if (!r.ok) assert.fail(`expected success, got ${JSON.stringify(r.error)}`);
  return r;
}

function failed(r: DownloadResult, kind: string): { kind: string; message?: string; code?: string } {
  if (r.ok) assert.fail(`expected a ${kind} error, got a file at ${r.path}`);
  assert.strictEqual(r.error.kind, kind, JSON.stringify(r.error));
  return r.error as { kind: string; message?: string; code?: string };
}

describe('download/atomicFile', function () {
  afterEach(() => removeTempDirs());

  describe('a good body', () => {
    it('saves a complete gzip with identical bytes under the given name, leaving nothing else', async () => {
      const dir = tempDir();
      const gz = sampleGzip(400_000);
      const r = ok(await saveStreamAtomically(new SlowBody(gz, 7_000), dir, NAME, { stallMs: 5000 }));
      assert.strictEqual(r.path, path.join(dir, NAME));
      assert.strictEqual(r.bytes, gz.length);
      assert.ok(fs.readFileSync(r.path).equals(gz));
      assert.deepStrictEqual(listing(dir), [NAME]);
    });

    it('reports progress from 0, at least once per MiB received, then the total when the body ends', async () => {
      const dir = tempDir();
      const body = new StoredGzipStream(6 * 1024 * 1024);
      const seen: number[] = [];
      let ended: number | undefined;
      const r = ok(
        await saveStreamAtomically(body, dir, NAME, {
          onBytes: (n) => seen.push(n),
          onBodyEnd: (n) => {
            assert.strictEqual(ended, undefined, 'the end is reported once');
            ended = n;
            seen.push(-1);
          },
        }),
      );
      assert.strictEqual(ended, r.bytes);
      assert.strictEqual(seen.pop(), -1, 'no byte count is reported after the end');
      assert.strictEqual(seen[0], 0);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `report ${i} went back`);
      // Without Content-Length this is all the user sees: no gap of more than a 1 MiB slice (plus the chunk that
      // filled it), up to the total.
      const gaps = [...seen, r.bytes].slice(1).map((n, i) => n - seen[i]);
      const chunk = 64 * 1024 + 5;
      assert.ok(Math.max(...gaps) < 1024 * 1024 + chunk, `a gap of ${Math.max(...gaps)} bytes between reports`);
    });

    it('creates the folder, nested, when it does not exist', async () => {
      const dir = path.join(tempDir(), '.feldera', 'profiles');
      const gz = sampleGzip(1000);
      const r = ok(await saveStreamAtomically(Readable.from([gz]), dir, NAME));
      assert.ok(fs.readFileSync(r.path).equals(gz));
    });

    it('accepts a gzip of several members (what concatenating .gz files gives)', async () => {
      const dir = tempDir();
      const gz = Buffer.concat([sampleGzip(5000, 'a'), sampleGzip(5000, 'b')]);
      const r = ok(await saveStreamAtomically(new SlowBody(gz, 999), dir, NAME));
      assert.ok(fs.readFileSync(r.path).equals(gz));
    });

    it("saves anything with validate: 'none'", async () => {
      const dir = tempDir();
      const r = ok(
        await saveStreamAtomically(Readable.from([Buffer.from('plain text')]), dir, 'a.txt', { validate: 'none' }),
      );
      assert.strictEqual(fs.readFileSync(r.path, 'utf8'), 'plain text');
    });
  });

  describe('a bad body leaves no file', () => {
    it('truncated gzip → corrupt', async () => {
      const dir = tempDir();
      const gz = sampleGzip(100_000);
      for (const cut of [1, 10, gz.length >> 1, gz.length - 8, gz.length - 1]) {
        const e = failed(await saveStreamAtomically(new SlowBody(gz.subarray(0, cut), 4096), dir, NAME), 'corrupt');
        assert.match(e.message ?? '', /gzip/);
        assert.deepStrictEqual(listing(dir), [], `cut at ${cut}`);
      }
    });

    it('not gzip (a proxy page) → corrupt, noticed on the first chunk without reading the rest', async () => {
      const dir = tempDir();
      const html = Buffer.from('<html><body>502 Bad Gateway</body></html>'.repeat(20_000));
      const body = new SlowBody(html, 1024);
      failed(await saveStreamAtomically(body, dir, NAME), 'corrupt');
      assert.deepStrictEqual(listing(dir), []);
      assert.ok(body.sent < 64 * 1024, `read ${body.sent} of ${html.length} bytes`);
      assert.ok(body.destroyed);
    });

    it('trailing garbage after the gzip → corrupt, whether in the same chunk or later, after zeros or not', async () => {
      const gz = sampleGzip(20_000);
      const variants = [
        [Buffer.concat([gz, Buffer.from('garbage')])],
        [gz, Buffer.from('g')],
        [gz, Buffer.from([0, 0, 0, 7])],
        [gz, Buffer.alloc(16), Buffer.from('x')],
        [gz, Buffer.alloc(3)],
      ];
      for (const chunks of variants) {
        const dir = tempDir();
        failed(await saveStreamAtomically(Readable.from(chunks), dir, NAME), 'corrupt');
        assert.deepStrictEqual(listing(dir), []);
      }
    });

    it('an empty body → corrupt', async () => {
      const dir = tempDir();
      failed(await saveStreamAtomically(Readable.from([]), dir, NAME), 'corrupt');
      assert.deepStrictEqual(listing(dir), []);
    });

    it('a connection reset mid-body → network error', async () => {
      const dir = tempDir();
      const gz = sampleGzip(50_000);
      const e = failed(await saveStreamAtomically(resettingBody(gz.subarray(0, 3000)), dir, NAME), 'network');
      assert.strictEqual(e.code, 'ECONNRESET');
      assert.deepStrictEqual(listing(dir), []);
    });
  });

  describe('cancel and stall', () => {
    it('abort mid-way → cancelled, body destroyed, no file and no temp file', async () => {
      const dir = tempDir();
      const gz = sampleGzip(300_000);
      const body = new SlowBody(gz, 4096, 5);
      const ac = new AbortController();
      let aborted = false;
      const r = await saveStreamAtomically(body, dir, NAME, {
        signal: ac.signal,
        onBytes: (n) => {
          if (n > 20_000 && !aborted) {
            aborted = true;
            // The temp file is there while downloading, hidden, in the target folder.
            const names = listing(dir);
            assert.strictEqual(names.length, 1);
            assert.match(names[0], /^\.etl-samply-20260102T030405Z\.json\.gz\.[0-9a-f]{12}\.part$/);
            ac.abort();
          }
        },
      });
      failed(r, 'cancelled');
      assert.ok(body.destroyed);
      assert.ok(body.sent < gz.length);
      assert.deepStrictEqual(listing(dir), []);
    });

    it('an already aborted signal saves nothing and creates nothing', async () => {
      const dir = path.join(tempDir(), 'never');
      const ac = new AbortController();
      ac.abort();
      const body = Readable.from([sampleGzip(100)]);
      failed(await saveStreamAtomically(body, dir, NAME, { signal: ac.signal }), 'cancelled');
      assert.ok(body.destroyed);
      assert.ok(!fs.existsSync(dir));
    });

    it('a body that stops sending → stalled within about stallMs, no file', async () => {
      const dir = tempDir();
      const gz = sampleGzip(50_000);
      const body = new StallingBody(gz.subarray(0, 5000));
      const t0 = Date.now();
      const e = failed(await saveStreamAtomically(body, dir, NAME, { stallMs: 400 }), 'stalled');
      const took = Date.now() - t0;
      assert.ok(took >= 380 && took < 1500, `took ${took} ms`);
      assert.match(e.message ?? '', /sent nothing for 0\.4 s/);
      assert.ok(body.destroyed);
      assert.deepStrictEqual(listing(dir), []);
    });

    it('a slow but steady body is not a stall', async () => {
      const dir = tempDir();
      const gz = sampleGzip(20_000);
      const r = ok(await saveStreamAtomically(new SlowBody(gz, 1000, 60), dir, NAME, { stallMs: 250 }));
      assert.ok(fs.readFileSync(r.path).equals(gz));
    });
  });

  describe('never overwrites', () => {
    it('an existing file keeps its bytes; the new one gets the next free name', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, NAME), 'precious');
      fs.writeFileSync(path.join(dir, 'etl-samply-20260102T030405Z-1.json.gz'), 'also precious');
      const gz = sampleGzip(10_000);
      const r = ok(await saveStreamAtomically(Readable.from([gz]), dir, NAME));
      assert.strictEqual(r.path, path.join(dir, 'etl-samply-20260102T030405Z-2.json.gz'));
      assert.strictEqual(fs.readFileSync(path.join(dir, NAME), 'utf8'), 'precious');
      assert.strictEqual(
        fs.readFileSync(path.join(dir, 'etl-samply-20260102T030405Z-1.json.gz'), 'utf8'),
        'also precious',
      );
      assert.ok(fs.readFileSync(r.path).equals(gz));
      assert.strictEqual(listing(dir).length, 3);
    });

    it('a symlink in the way is neither followed nor replaced', async () => {
      const dir = tempDir();
      const outside = path.join(tempDir(), 'target.txt');
      fs.writeFileSync(outside, 'outside');
      fs.symlinkSync(outside, path.join(dir, NAME));
      const r = ok(await saveStreamAtomically(Readable.from([sampleGzip(1000)]), dir, NAME));
      assert.notStrictEqual(r.path, path.join(dir, NAME));
      assert.strictEqual(fs.readFileSync(outside, 'utf8'), 'outside');
      assert.ok(fs.lstatSync(path.join(dir, NAME)).isSymbolicLink());
    });

    it('saves racing for one name all succeed, each under its own name with its own bytes', async () => {
      const dir = tempDir();
      const bodies = Array.from({ length: 8 }, (_, i) => sampleGzip(30_000 + i * 1000, `r${i}`));
      const results = await Promise.all(bodies.map((gz) => saveStreamAtomically(new SlowBody(gz, 4096, 1), dir, NAME)));
      const paths = results.map((r) => ok(r).path);
      assert.strictEqual(new Set(paths).size, bodies.length);
      paths.forEach((p, i) => assert.ok(fs.readFileSync(p).equals(bodies[i]), p));
      assert.strictEqual(listing(dir).length, bodies.length);
      assert.ok(listing(dir).every((n) => !n.endsWith('.part')));
    });

    it('where hard links are unsupported, claims the name exclusively and renames, still never overwriting', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, NAME), 'precious');
      const temp = path.join(dir, '.x.part');
      fs.writeFileSync(temp, 'new');
      const noLinks = {
        link: () => Promise.reject(Object.assign(new Error('operation not permitted'), { code: 'EPERM' })),
      };
      const placed = await placeWithoutOverwrite(temp, dir, NAME, noLinks);
      assert.strictEqual(placed, path.join(dir, 'etl-samply-20260102T030405Z-1.json.gz'));
      assert.strictEqual(fs.readFileSync(placed, 'utf8'), 'new');
      assert.strictEqual(fs.readFileSync(path.join(dir, NAME), 'utf8'), 'precious');
      assert.deepStrictEqual(listing(dir), ['etl-samply-20260102T030405Z-1.json.gz', NAME]);
    });
  });

  describe('file-system errors', () => {
    it('a file where the folder should be → filesystem error, the file untouched', async () => {
      const base = tempDir();
      const blocker = path.join(base, 'profiles');
      fs.writeFileSync(blocker, 'i am a file');
      for (const dir of [blocker, path.join(blocker, 'sub')]) {
        const body = Readable.from([sampleGzip(1000)]);
        const e = failed(await saveStreamAtomically(body, dir, NAME), 'filesystem');
        assert.ok(['EEXIST', 'ENOTDIR'].includes(e.code ?? ''), e.code);
        assert.match(e.message ?? '', /a file is in the way/);
        assert.ok(body.destroyed);
      }
      assert.strictEqual(fs.readFileSync(blocker, 'utf8'), 'i am a file');
      assert.deepStrictEqual(listing(base), ['profiles']);
    });

    it('a name that is not a plain file name is refused', async () => {
      const dir = tempDir();
      for (const name of ['', '.', '..', '../x.json.gz', 'a/b.json.gz']) {
        failed(await saveStreamAtomically(Readable.from([sampleGzip(100)]), dir, name), 'filesystem');
      }
      assert.deepStrictEqual(listing(path.dirname(dir)).includes('x.json.gz'), false);
      assert.deepStrictEqual(listing(dir), []);
    });

    it('a folder that is not writable → filesystem error (EACCES)', async function () {
      const base = tempDir();
      fs.chmodSync(base, 0o755);
      const dir = path.join(base, 'readonly');
      fs.mkdirSync(dir, { mode: 0o555 });
      fs.chmodSync(dir, 0o555);
      let result: DownloadResult;
      if (process.getuid?.() === 0) {
        // root ignores permissions: run the same call as an unprivileged user in a child process.
        result = await saveAsNobody(dir, NAME, sampleGzip(1000));
      } else {
        result = await saveStreamAtomically(Readable.from([sampleGzip(1000)]), dir, NAME);
      }
      const e = failed(result, 'filesystem');
      assert.strictEqual(e.code, 'EACCES');
      assert.match(e.message ?? '', /permission denied/);
      assert.deepStrictEqual(listing(dir), []);
    });
  });

  describe('memory', () => {
    const mib = Number(process.env.FELDERA_BIG_DOWNLOAD_MIB ?? 160);

    it(`saves a ${mib} MiB gzip stream with flat memory, byte for byte`, async function () {
      this.timeout(120_000);
      const dir = tempDir();
      const body = new StoredGzipStream(mib * 1024 * 1024);
      let baseline = 0;
      let peak = 0;
      let nextSample = 0;
      const r = ok(
        await saveStreamAtomically(body, dir, NAME, {
          onBytes: (n) => {
            if (n < nextSample) return;
            nextSample = n + 4 * 1024 * 1024;
            const rss = process.memoryUsage().rss;
            // The first 16 MiB warm up buffers and code; after that, memory must not follow the size.
            if (n < 16 * 1024 * 1024) baseline = Math.max(baseline, rss);
            else peak = Math.max(peak, rss);
          },
        }),
      );
      assert.strictEqual(r.bytes, body.emitted);
      assert.strictEqual(fs.statSync(r.path).size, body.emitted);
      assert.strictEqual(await sha256File(r.path), body.digest());
      const growth = (peak - baseline) / 1024 / 1024;
      assert.ok(growth < 64, `rss grew by ${growth.toFixed(1)} MiB while saving ${mib} MiB`);
      assert.deepStrictEqual(listing(dir), [NAME]);
    });
  });
});

/** Runs saveStreamAtomically in a child process as uid/gid 65534 (nobody). */
function saveAsNobody(dir: string, name: string, gz: Buffer): Promise<DownloadResult> {
  const modulePath = require.resolve('../../../src/download/atomicFile');
  const script = `
    const { Readable } = require('stream');
    const { saveStreamAtomically } = require(${JSON.stringify(modulePath)});
    const body = Readable.from([Buffer.from(${JSON.stringify(gz.toString('base64'))}, 'base64')]);
    saveStreamAtomically(body, ${JSON.stringify(dir)}, ${JSON.stringify(name)}).then((r) => process.stdout.write(JSON.stringify(r)));
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { uid: 65534, gid: 65534, cwd: '/' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as DownloadResult);
    });
  });
}
