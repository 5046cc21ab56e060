// A large profile downloaded through the real command in the real extension host, the way a user runs it, next to
// plain Node doing the same work (http.get → file + gunzip) in the same process. Asserts only what must hold (the
// saved file is the served one, byte for byte); the times go to <test-artifacts>/download-host.json, which
// `npm run bench` (test/bench/download.ts) runs with a 1 GiB body and prints. No time is asserted here: the machine
// may be loaded.
//   FELDERA_BENCH_DOWNLOAD_HOST_MIB     body size (default 64)
//   FELDERA_BENCH_DOWNLOAD_HOST_ROUNDS  alternating rounds of command and plain Node (default 1)
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { companionPathFor } from '../../../src/sql/companion';
import { prepareProfile } from '../../bench/download';
import { plainNodeDownload } from '../../bench/downloadPlain';
import type { DownloadServerInfo } from '../../bench/downloadServer';
import { ui } from '../ui';
import { closeAllNotifications, filesIn, profilesDir, setServers } from '../support';

const MiB = 1024 * 1024;
const PIPELINE = 'bench';

export interface DownloadHostRecord {
  at: string;
  vscodeVersion: string;
  body: string;
  bytes: number;
  /** executeCommand('feldera.fetchSamplyProfile') → the saved file's URI, per round. */
  commandMs: number[];
  /** plainNodeDownload with the gzip check, in this same extension host process, per round. */
  plainMs: number[];
  /** The same with the file synced to disk before it is closed (the extension syncs before naming the file). */
  plainSyncMs: number[];
  /** Where the files went (the workspace's .feldera/profiles; plain Node's beside it). */
  folder: string;
  load: number[];
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** Starts test/bench/downloadServer.js in a process of its own; resolves with its URL. */
function startServer(file: string): Promise<{ url: string; child: ChildProcess }> {
  const script = path.resolve(__dirname, '..', '..', 'bench', 'downloadServer.js');
  // In a desktop VS Code the extension host runs on Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const child = spawn(process.execPath, [script, file, PIPELINE], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ url: (JSON.parse(line) as DownloadServerInfo).url, child });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the download server exited with ${code}: ${err.trim()}`)));
  });
}

describe('bench: download in the extension host', function () {
  this.timeout(10 * 60_000);
  const mib = Number(process.env.FELDERA_BENCH_DOWNLOAD_HOST_MIB) || 64;
  const rounds = Number(process.env.FELDERA_BENCH_DOWNLOAD_HOST_ROUNDS) || 1;
  let server: { url: string; child: ChildProcess } | undefined;
  let scratch: string | undefined;

  after(async () => {
    await setServers([]);
    server?.child.stdin?.end();
    server?.child.kill();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    await closeAllNotifications();
  });

  it(`Fetch Samply Profile saves a ${mib} MiB samply-like profile byte for byte (time recorded for the bench)`, async () => {
    const body = await prepareProfile(mib * MiB);
    const expected = mib <= 256 ? await sha256File(body.file) : undefined;
    server = await startServer(body.file);
    await setServers([{ name: 'download-speed', url: server.url }]);
    // Plain Node writes beside the profiles folder: the same file system as the extension's download.
    fs.mkdirSync(path.dirname(profilesDir()), { recursive: true });
    scratch = fs.mkdtempSync(path.join(path.dirname(profilesDir()), 'bench-plain-'));
    const record: DownloadHostRecord = {
      at: new Date().toISOString(),
      vscodeVersion: vscode.version,
      body: `${path.basename(body.file)} (the emulator's samply-like profile)`,
      bytes: body.bytes,
      commandMs: [],
      plainMs: [],
      plainSyncMs: [],
      folder: profilesDir(),
      load: os.loadavg(),
    };
    for (let round = 0; round < rounds; round++) {
      const before = filesIn(profilesDir());
      const t0 = performance.now();
      const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
        pipeline: PIPELINE,
      })) as vscode.Uri[] | undefined;
      record.commandMs.push(performance.now() - t0);
      assert.ok(uris && uris.length === 1, `expected one saved file, got ${JSON.stringify(uris)}`);
      const saved = uris[0].fsPath;
      assert.strictEqual(fs.statSync(saved).size, body.bytes);
      if (expected) assert.strictEqual(await sha256File(saved), expected, 'the saved bytes are the served ones');
      const added = filesIn(profilesDir()).filter((f) => !before.includes(f));
      // The profile, and beside it the SQL context the command saves (or not, when the stand-in cannot give it).
      assert.deepStrictEqual(
        added.filter((f) => f !== path.basename(companionPathFor(saved))),
        [path.basename(saved)],
        `one new profile, no temp file left: ${added.join(', ')}`,
      );
      for (const f of added) fs.rmSync(path.join(profilesDir(), f));
      await closeAllNotifications();

      for (const sync of [false, true]) {
        const out = path.join(scratch, 'plain.json.gz');
        const t1 = performance.now();
        const url = `${server.url}/v0/pipelines/${PIPELINE}/samply_profile`;
        const plain = await plainNodeDownload(url, out, true, sync);
        (sync ? record.plainSyncMs : record.plainMs).push(performance.now() - t1);
        assert.strictEqual(plain.bytes, body.bytes);
        fs.rmSync(out);
      }
    }
    const dir = ui.artifactsDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'download-host.json'), JSON.stringify(record, null, 2));
  });
});
