// Issue: fetch and collect samply profiles end to end, in the real extension host against the emulator.
// Everything is observed from outside: files in the workspace, the emulator's request log, the UI.
import assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as zlib from 'zlib';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import {
  closeAllNotifications,
  extensionApi,
  filesIn,
  profilesDir,
  setServers,
  setSetting,
  sleep,
  until,
  waitForNotification,
  workspaceRoot,
} from '../support';

const NAME = /^[a-z-]+-samply-\d{8}T\d{6}Z(-host\d+)?(-\d+)?\.json\.gz$/;

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('Samply profiles', function () {
  this.timeout(90_000);
  let emu: FelderaEmulator;
  let url: string;

  before(async () => {
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'orders', deploymentStatus: 'Running' },
        { name: 'fraud', deploymentStatus: 'Running', hosts: 3, workers: 6 },
        { name: 'archive', deploymentStatus: 'Stopped', desiredStatus: 'Stopped' },
      ],
      postWaitMs: 100,
    });
    url = await emu.start();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
    await setServers([{ name: 'local', url }]);
    fs.rmSync(profilesDir(), { recursive: true, force: true });
  });

  after(async () => {
    await setServers([]);
    await emu.stop();
  });

  beforeEach(async () => {
    emu.faults = {};
    emu.clearRequests();
    await closeAllNotifications();
  });

  it('collects a profile: POST with duration, polls with latest=true, saves the exact bytes as a valid gzip', async () => {
    const before = filesIn(profilesDir());
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 2,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    const file = uris[0].fsPath;
    assert.strictEqual(path.dirname(file), profilesDir());
    assert.match(path.basename(file), NAME);
    assert.ok(!path.basename(file).includes('-host'), 'single-host pipelines get no host suffix');
    const served = emu.served.filter((s) => s.pipeline === 'orders').at(-1)!;
    assert.strictEqual(sha256(file), served.sha256, 'saved bytes equal what the emulator served');
    const json = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
    assert.strictEqual(json.meta.preprocessedProfileVersion, 57);
    // Beside it, its SQL context (issue 13): the pipeline's SQL, and what links its operators to it.
    const companion = path.basename(file).replace(/\.json\.gz$/, '.sql.json');
    assert.deepStrictEqual(
      filesIn(profilesDir()).filter((f) => !before.includes(f)),
      [companion, path.basename(file)].sort(),
    );
    const context = JSON.parse(fs.readFileSync(path.join(profilesDir(), companion), 'utf8'));
    assert.strictEqual(context.program.code, emu.pipelineInfo('orders')?.program_code);
    assert.deepStrictEqual(context.missing, []);

    const post = emu.requests.filter((r) => r.method === 'POST');
    assert.strictEqual(post.length, 1);
    assert.strictEqual(post[0].query.duration_secs, '2');
    const polls = emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/samply_profile'));
    assert.ok(polls.length >= 2, 'polled while the collection ran');
    assert.ok(polls.every((r) => r.query.latest === 'true'));
    for (let i = 1; i < polls.length; i++)
      assert.ok(
        polls[i].at - polls[i - 1].at >= 950,
        `polls ${i - 1} and ${i} are ${polls[i].at - polls[i - 1].at} ms apart`,
      );
  });

  it('fetches all hosts of a multihost pipeline in parallel, one file per host, ordinal sent', async () => {
    for (const ordinal of [0, 1, 2]) {
      const r = await fetch(`${url}/v0/pipelines/fraud/samply_profile?duration_secs=1&ordinal=${ordinal}`, {
        method: 'POST',
      });
      assert.ok(r.status === 202 || r.status === 200);
    }
    const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
      pipeline: 'fraud',
      ordinal: 'all',
    })) as vscode.Uri[];
    assert.deepStrictEqual(
      uris.map((u) => path.basename(u.fsPath).match(/-host(\d)\./)?.[1]),
      ['0', '1', '2'],
    );
    for (const [i, u] of uris.entries()) {
      const served = emu.served.filter((s) => s.pipeline === 'fraud' && s.ordinal === i).at(-1)!;
      assert.strictEqual(sha256(u.fsPath), served.sha256, `host ${i} bytes`);
      const json = JSON.parse(zlib.gunzipSync(fs.readFileSync(u.fsPath)).toString('utf8'));
      assert.match(json.meta.oscpu, new RegExp(`host ${i} of 3`));
    }
    const gets = emu.requests.filter((r) => r.method === 'GET' && r.path === '/v0/pipelines/fraud/samply_profile');
    assert.deepStrictEqual([...new Set(gets.map((r) => r.query.ordinal))].sort(), ['0', '1', '2']);
  });

  it('treats a 307 with Retry-After as "wait", never following its Location', async () => {
    let hits = 0;
    const foreign = http.createServer((_q, s) => {
      hits++;
      s.end('no');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const port = (foreign.address() as { port: number }).port;
    try {
      emu.faults.use307 = { location: `http://127.0.0.1:${port}/elsewhere` };
      const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
        pipeline: 'orders',
        durationSeconds: 1,
      })) as vscode.Uri[];
      assert.strictEqual(uris.length, 1);
      assert.strictEqual(hits, 0, 'the Location was requested');
    } finally {
      foreign.close();
    }
  });

  it('leaves nothing behind when the connection resets mid-body, and says so', async () => {
    await vscode.commands.executeCommand('feldera.collectSamplyProfile', { pipeline: 'orders', durationSeconds: 1 });
    const before = filesIn(profilesDir());
    emu.faults.resetAfterBytes = 1000;
    const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
      pipeline: 'orders',
    })) as vscode.Uri[];
    assert.deepStrictEqual(uris, []);
    assert.deepStrictEqual(filesIn(profilesDir()), before, 'no file and no temporary file left');
    if (ui.available()) await waitForNotification('Nothing was saved');
  });

  it('cancel from the status bar stops all requests and leaves no file', async () => {
    // Its own pipeline: the cancelled collection goes on on the server, and would make later tests wait.
    emu.setPipeline({ name: 'slow', deploymentStatus: 'Running' });
    const before = filesIn(profilesDir());
    const api = await extensionApi();
    const run = vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'slow',
      durationSeconds: 20,
    });
    await until('the status bar to show the fetch', () => api.statusBar.list().length === 1);
    await sleep(1500);
    api.statusBar.list()[0].cancel();
    const result = await run;
    assert.strictEqual(result, undefined, 'a cancelled command returns undefined');
    const at = emu.requests.length;
    await sleep(2500);
    assert.strictEqual(emu.requests.length, at, 'requests after cancel');
    assert.deepStrictEqual(filesIn(profilesDir()), before);
    assert.strictEqual(api.statusBar.list().length, 0);
  });

  it('never overwrites: two fetches in the same second give two files', async () => {
    await vscode.commands.executeCommand('feldera.collectSamplyProfile', { pipeline: 'orders', durationSeconds: 1 });
    const before = filesIn(profilesDir());
    const [a, b] = (await Promise.all([
      vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'orders' }),
      vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'orders' }),
    ])) as vscode.Uri[][];
    assert.notStrictEqual(a[0].fsPath, b[0].fsPath);
    // Two profiles, each with its SQL context.
    assert.strictEqual(filesIn(profilesDir()).length, before.length + 4);
  });

  it('never writes outside the profiles folder, whatever the pipeline is called', async () => {
    const name = '../../escape:me';
    emu.setPipeline({ name, deploymentStatus: 'Running' });
    // Every folder a "../" in the name could reach: .feldera, the workspace folder, and the folder above it.
    fs.mkdirSync(profilesDir(), { recursive: true });
    const above = [path.dirname(profilesDir()), workspaceRoot(), path.dirname(workspaceRoot())];
    const before = above.map(filesIn);
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: name,
      durationSeconds: 1,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    assert.strictEqual(path.dirname(uris[0].fsPath), profilesDir());
    assert.match(path.basename(uris[0].fsPath), /^[^/\\:]+-samply-\d{8}T\d{6}Z\.json\.gz$/);
    assert.deepStrictEqual(above.map(filesIn), before, 'something was written outside the profiles folder');
  });

  it('a pipeline without a profile yet offers "Collect Samply Profile…"', async () => {
    emu.setPipeline({ name: 'fresh', deploymentStatus: 'Running' });
    const uris = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'fresh' });
    assert.deepStrictEqual(uris, []);
    if (!ui.available()) return;
    const text = await waitForNotification('No samply profile');
    assert.match(text, /Collect Samply Profile/);
  });

  it('a stopped pipeline gets a clear error naming it', async () => {
    const uris = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'archive' });
    assert.deepStrictEqual(uris, []);
    if (ui.available()) await waitForNotification('archive');
  });

  it('keeps the hosts that worked when some fail with "All hosts", and says which failed', async () => {
    emu.setPipeline({ name: 'partial', deploymentStatus: 'Running', hosts: 3, workers: 6 });
    for (const ordinal of [0, 2]) {
      const r = await fetch(`${url}/v0/pipelines/partial/samply_profile?duration_secs=1&ordinal=${ordinal}`, {
        method: 'POST',
      });
      assert.ok(r.ok);
    }
    const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
      pipeline: 'partial',
      ordinal: 'all',
    })) as vscode.Uri[];
    assert.deepStrictEqual(
      uris.map((u) => path.basename(u.fsPath).match(/-host(\d)\./)?.[1]),
      ['0', '2'],
    );
    if (ui.available()) {
      const text = await waitForNotification('failed');
      assert.match(text, /2 profile\(s\) saved, but 1 failed/);
      assert.match(text, /host 1/);
    }
  });

  it('asks for pipeline and host with the keyboard when run without arguments', async function () {
    if (!ui.available()) this.skip();
    await fetch(`${url}/v0/pipelines/fraud/samply_profile?duration_secs=1&ordinal=1`, { method: 'POST' });
    const run = vscode.commands.executeCommand('feldera.fetchSamplyProfile');
    await ui.waitFor('.quick-input-widget', { text: 'Fetch Samply Profile' });
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: 'fraud' });
    await ui.type('fraud');
    await ui.press('Enter');
    await ui.waitFor('.quick-input-widget', { text: 'All hosts' });
    await ui.type('Host 1');
    await ui.press('Enter');
    const uris = (await run) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    assert.match(path.basename(uris[0].fsPath), /^fraud-samply-.*-host1\.json\.gz$/);
  });

  it('asks for the duration, validating a custom one (1..3600 s)', async function () {
    if (!ui.available()) this.skip();
    emu.setPipeline({ name: 'timed', deploymentStatus: 'Running' });
    const run = vscode.commands.executeCommand('feldera.collectSamplyProfile', { pipeline: 'timed' });
    await ui.waitFor('.quick-input-widget', { text: '300 s' });
    const choices = await ui.texts('.quick-input-list .monaco-list-row');
    const labels = ['30 s', '60 s', '120 s', '300 s', 'Custom…'];
    assert.strictEqual(choices.length, labels.length, `choices: ${choices.join(' | ')}`);
    labels.forEach((l, k) => assert.ok(choices[k].startsWith(l), `choice ${k} is "${choices[k]}", not "${l}"`));
    assert.match(choices[0], /default/, 'the configured default (30 s) is marked');
    await ui.type('Custom');
    await ui.press('Enter');
    await ui.waitFor('.quick-input-widget', { text: 'Seconds, 1 to 3600' });
    await ui.press('Control+A');
    await ui.type('0');
    await ui.waitFor('.quick-input-widget', { text: 'A whole number from 1 to 3600' });
    await ui.press('Enter'); // refused while invalid
    await ui.press('Control+A');
    await ui.type('1');
    await ui.press('Enter');
    const uris = (await run) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    const post = emu.requests.filter((r) => r.method === 'POST' && r.path === '/v0/pipelines/timed/samply_profile');
    assert.deepStrictEqual(
      post.map((r) => r.query.duration_secs),
      ['1'],
    );
  });

  it('"Open with samply" without samply on the PATH says how to get it', async function () {
    if (!ui.available()) this.skip();
    const file = filesIn(profilesDir()).find((f) => f.endsWith('.json.gz'))!;
    await vscode.commands.executeCommand('feldera.openWithSamply', vscode.Uri.file(path.join(profilesDir(), file)));
    const text = await waitForNotification('samply is not installed');
    assert.match(text, /cargo install/);
    assert.match(text, /profiler\.firefox\.com/);
  });

  it('shows progress and the status bar while waiting (screenshot: progress)', async function () {
    if (!ui.available()) this.skip();
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    await vscode.commands.executeCommand('notifications.hideList');
    await sleep(300);
    const run = vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 6,
    });
    const bar = await ui.waitFor('#workbench\\.parts\\.statusbar', { text: 's left' });
    assert.match(bar, /Feldera: profile orders · \d+ s left/);
    // A progress notification shows as a toast, or in the notification center when that is open.
    const toast = await ui.waitFor('.notification-toast, .notifications-center .notification-list-item', {
      text: 'waiting for samply',
    });
    assert.match(toast, /collecting 6 s samply profile of orders/);
    assert.match(toast, /\d+ s left/);
    await ui.screenshot('progress');
    const uris = (await run) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    await waitForNotification('saved');
    await ui.screenshot('saved');
  });
});
