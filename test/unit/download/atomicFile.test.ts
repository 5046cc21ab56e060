import * as assert from 'assert';
import { execFile, execFileSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { placeWithoutOverwrite, saveStreamAtomically, type TempFile } from '../../../src/download/atomicFile';
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

    it('a cancel at any moment ends cancelled, with the body destroyed and nothing left behind', async () => {
      const gz = sampleGzip(3_000_000);
      // When to abort: the first progress report, mid-body, after the body's end (the check's end and the sync).
      const moments: { name: string; onBytes?: (n: number) => boolean; atBodyEnd?: boolean }[] = [
        { name: 'at the start', onBytes: (n) => n === 0 },
        { name: 'mid-body', onBytes: (n) => n > gz.length / 2 },
        { name: 'after the body ended', atBodyEnd: true },
      ];
      for (const m of moments) {
        const dir = tempDir();
        const body = new SlowBody(gz, 16 * 1024, 0);
        const ac = new AbortController();
        let bodyEnded = false;
        const r = await saveStreamAtomically(body, dir, NAME, {
          signal: ac.signal,
          onBytes: (n) => {
            if (m.onBytes?.(n) && !ac.signal.aborted) ac.abort();
          },
          onBodyEnd: () => {
            bodyEnded = true;
            if (m.atBodyEnd) ac.abort();
          },
        });
        failed(r, 'cancelled');
        assert.ok(ac.signal.aborted, m.name);
        assert.ok(body.destroyed, m.name);
        assert.strictEqual(bodyEnded, m.name === 'after the body ended', m.name);
        assert.deepStrictEqual(listing(dir), [], m.name);
      }
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
      // Not before stallMs (how much later depends on the machine's load: no upper bound here).
      const took = Date.now() - t0;
      assert.ok(took >= 380, `stalled after ${took} ms`);
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

    it('a full disk (ENOSPC) mid-download → filesystem error saying so, no file and no temp file', async () => {
      const dir = tempDir();
      const body = new StoredGzipStream(8 * 1024 * 1024);
      let written = 0;
      let closed = false;
      // Where no small file system can be mounted (see the next test), the write fails the way a full disk does.
      const fillsUp = async (file: string): Promise<TempFile> => {
        const real = await fsp.open(file, 'wx', 0o644);
        return {
          write: async (buf, offset, length, position) => {
            if (written + length > 3 * 1024 * 1024) {
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            }
            written += length;
            return real.write(buf, offset, length, position);
          },
          sync: () => real.sync(),
          close: () => {
            closed = true;
            return real.close();
          },
        };
      };
      const e = failed(await saveStreamAtomically(body, dir, NAME, { openTempFile: fillsUp }), 'filesystem');
      assert.strictEqual(e.code, 'ENOSPC');
      assert.match(e.message ?? '', /the disk is full\. Free some space and try again\./);
      assert.ok(body.destroyed, 'the body is not read further');
      assert.ok(closed, 'the temp file was closed');
      assert.deepStrictEqual(listing(dir), []);
    });

    it('a full disk (ENOSPC) on a real 1 MiB file system → filesystem error, nothing left on it', async function () {
      const mountPoint = tempDir('feldera-dl-full-');
      const mounted = mountTinyTmpfs(mountPoint);
      if (mounted !== true) {
        console.log(`      (skipped: cannot mount a 1 MiB tmpfs here: ${mounted}; the injected ENOSPC test covers it)`);
        this.skip();
      }
      try {
        const dir = path.join(mountPoint, 'profiles');
        const body = new StoredGzipStream(3 * 1024 * 1024);
        const e = failed(await saveStreamAtomically(body, dir, NAME), 'filesystem');
        assert.strictEqual(e.code, 'ENOSPC');
        assert.match(e.message ?? '', /the disk is full/);
        assert.ok(body.destroyed);
        assert.deepStrictEqual(listing(dir), []);
        // All the space came back: nothing half-written is kept open or hidden.
        const st = fs.statfsSync(mountPoint);
        assert.strictEqual(st.bfree, st.blocks, `${st.blocks - st.bfree} blocks still used`);
      } finally {
        execFileSync('umount', [mountPoint]);
      }
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

  describe('overlap', () => {
    it('while the disk is busy the body is still read and checked, several slices ahead, then paused', async () => {
      const dir = tempDir();
      const body = new StoredGzipStream(64 * 1024 * 1024);
      let inFlight = 0;
      let mostInFlight = 0;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let severalInFlight!: () => void;
      const several = new Promise<void>((resolve) => (severalInFlight = resolve));
      // A disk that takes every write but finishes none until released.
      const slowDisk = async (file: string): Promise<TempFile> => {
        const real = await fsp.open(file, 'wx', 0o644);
        return {
          write: async (buf, offset, length, position) => {
            inFlight++;
            mostInFlight = Math.max(mostInFlight, inFlight);
            if (inFlight >= 3) severalInFlight();
            await released;
            inFlight--;
            return real.write(buf, offset, length, position);
          },
          sync: () => real.sync(),
          close: () => real.close(),
        };
      };
      const saving = saveStreamAtomically(body, dir, NAME, { openTempFile: slowDisk });
      // One write at a time (each chunk waiting for the one before) never gets here.
      await several;
      // The body is paused once the slice buffers are all taken, not read on into memory.
      while (body.readableFlowing !== false) await new Promise((resolve) => setImmediate(resolve));
      const readWhileBlocked = body.emitted;
      assert.ok(readWhileBlocked < 8 * 1024 * 1024, `read ${readWhileBlocked} bytes while no write could finish`);
      release();
      const r = ok(await saving);
      assert.ok(mostInFlight >= 3 && mostInFlight <= 4, `${mostInFlight} writes in flight at most`);
      assert.strictEqual(r.bytes, body.emitted);
      assert.strictEqual(await sha256File(r.path), body.digest());
      assert.deepStrictEqual(listing(dir), [NAME]);
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

/** Mounts a 1 MiB tmpfs on `dir`: true, or why it could not (not root, no mount permission in a container...). */
function mountTinyTmpfs(dir: string): true | string {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return (err.stderr?.toString().trim() || err.message).split('\n')[0];
  }
}

/**
 * Runs saveStreamAtomically in a child process as uid/gid 65534 (nobody). The child cannot be pointed at the compiled
 * module where it lies: the repository may be cloned under a folder only root can enter (/root, a `mktemp -d`). So the
 * module is bundled, with what it imports, into a world-readable temp folder of the test's own, and loaded from there.
 */
function saveAsNobody(dir: string, name: string, gz: Buffer): Promise<DownloadResult> {
  const childDir = tempDir('feldera-dl-child-');
  fs.chmodSync(childDir, 0o755);
  const modulePath = path.join(childDir, 'atomicFile.js');
  esbuild.buildSync({
    entryPoints: [require.resolve('../../../src/download/atomicFile')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: modulePath,
    logLevel: 'silent',
  });
  fs.chmodSync(modulePath, 0o644);
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
