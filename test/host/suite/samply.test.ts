// Issue: fetch and collect samply profiles end to end, in the real extension host against the emulator.
// Everything is observed from outside: files in the workspace, the emulator's request log, the UI.
import assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import {
  assertEvery,
  chooseFromContextMenu,
  clickNotificationButton,
  closeAllNotifications,
  extensionApi,
  filesIn,
  notificationTexts,
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
    assertEvery(polls, (r) => r.query.latest === 'true', 'every poll asks for the latest profile');
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

  it('leaves nothing behind when the connection resets mid-body, and says so', async function () {
    await vscode.commands.executeCommand('feldera.collectSamplyProfile', { pipeline: 'orders', durationSeconds: 1 });
    const before = filesIn(profilesDir());
    emu.faults.resetAfterBytes = 1000;
    const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
      pipeline: 'orders',
    })) as vscode.Uri[];
    assert.deepStrictEqual(uris, []);
    assert.deepStrictEqual(filesIn(profilesDir()), before, 'no file and no temporary file left');
    // The rest is what the user sees: without the UI driver (desktop runs) the test says it was skipped.
    if (!ui.available()) this.skip();
    await waitForNotification('Nothing was saved');
  });

  it('cancel from the status bar (its item, then its pick) stops all requests and leaves no file', async function () {
    if (!ui.available()) this.skip(); // done the way a user does it: a click on the status bar
    // Its own pipeline: the cancelled collection goes on on the server, and would make later tests wait.
    emu.setPipeline({ name: 'slow', deploymentStatus: 'Running' });
    const before = filesIn(profilesDir());
    const api = await extensionApi();
    const run = vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'slow',
      durationSeconds: 20,
    });
    const item = '#workbench\\.parts\\.statusbar .statusbar-item';
    await ui.waitFor(item, { text: 'Feldera: profile slow' });
    await until('the fetch to poll the running collection', () =>
      emu.requests.some((r) => r.method === 'GET' && r.path === '/v0/pipelines/slow/samply_profile'),
    );
    await ui.click(`${item}:has-text("Feldera: profile slow")`);
    await ui.waitFor('.quick-input-widget', { text: 'running profile fetches' });
    await ui.click('.quick-input-list .monaco-list-row:has-text("Cancel slow")');
    const result = await run;
    assert.strictEqual(result, undefined, 'a cancelled command returns undefined');
    const at = emu.requests.length;
    await sleep(2500);
    assert.strictEqual(emu.requests.length, at, 'requests after cancel');
    assert.deepStrictEqual(filesIn(profilesDir()), before);
    assert.strictEqual(api.statusBar.list().length, 0);
    await ui.waitFor(item, { text: 'Feldera: profile slow', state: 'hidden' });
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

  it('refuses a profiles folder that a symbolic link leads outside the workspace, and says why', async function () {
    if (!ui.available()) this.skip(); // the message is the point
    // What a cloned repository can ship: a link in the workspace, and a workspace setting that goes through it.
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-outside-'));
    const link = path.join(workspaceRoot(), 'linked-out');
    fs.symlinkSync(outside, link, 'dir');
    const config = () => vscode.workspace.getConfiguration('feldera');
    await config().update('profiles.folder', 'linked-out/profiles', vscode.ConfigurationTarget.Workspace);
    try {
      await until('VS Code to read the setting', () => config().get('profiles.folder') === 'linked-out/profiles');
      const result = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'orders' });
      assert.strictEqual(result, undefined);
      assert.deepStrictEqual(fs.readdirSync(outside), [], 'something was written through the link');
      const text = await waitForNotification('symbolic link');
      assert.match(text, /"feldera\.profiles\.folder" \("linked-out\/profiles"\) leads outside the workspace folder/);
    } finally {
      await config().update('profiles.folder', undefined, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(link, { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
      fs.rmSync(path.join(workspaceRoot(), '.vscode'), { recursive: true, force: true });
    }
  });

  it('a pipeline without a profile yet offers "Collect Samply Profile…"', async function () {
    emu.setPipeline({ name: 'fresh', deploymentStatus: 'Running' });
    const uris = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'fresh' });
    assert.deepStrictEqual(uris, []);
    // The rest is what the user sees: without the UI driver (desktop runs) the test says it was skipped.
    if (!ui.available()) this.skip();
    const text = await waitForNotification('No samply profile');
    assert.match(text, /Collect Samply Profile/);
  });

  it('a stopped pipeline gets a clear error naming it', async function () {
    const uris = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'archive' });
    assert.deepStrictEqual(uris, []);
    // The rest is what the user sees: without the UI driver (desktop runs) the test says it was skipped.
    if (!ui.available()) this.skip();
    await waitForNotification('archive');
  });

  it('keeps the hosts that worked when some fail with "All hosts", and says which failed', async function () {
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
    // The rest is what the user sees: without the UI driver (desktop runs) the test says it was skipped.
    if (!ui.available()) this.skip();
    const text = await waitForNotification('failed');
    assert.match(text, /2 profile\(s\) saved, but 1 failed/);
    assert.match(text, /host 1/);
    assert.match(text, /Collect Samply Profile…/, 'the host without a profile is not offered its next step');
  });

  it('"All hosts" with nothing collected yet: one notification whose "Collect Samply Profile…" collects them', async function () {
    if (!ui.available()) this.skip();
    emu.setPipeline({ name: 'blank', deploymentStatus: 'Running', hosts: 3, workers: 6 });
    const uris = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
      pipeline: 'blank',
      ordinal: 'all',
    });
    assert.deepStrictEqual(uris, []);
    const text = await waitForNotification('3 fetches failed');
    assert.match(text, /No samply profile has been collected on blank \(host 0\)/);
    assert.match(text, /Collect Samply Profile…/, 'CONTRACT: 400 NoSamplyProfile offers "Collect Samply Profile…"');
    emu.clearRequests();
    await clickNotificationButton('3 fetches failed', 'Collect Samply Profile…');
    await ui.waitFor('.quick-input-widget', { text: 'how long should samply record?' });
    await ui.pickQuickItem('Custom');
    await ui.waitFor('.quick-input-widget', { text: 'Seconds, 1 to 3600' });
    await ui.press('Control+A');
    await ui.type('1');
    await ui.submitInput('1');
    const posts = () =>
      emu.requests.filter((r) => r.method === 'POST' && r.path === '/v0/pipelines/blank/samply_profile');
    await until('a collection on every host', () => posts().length === 3);
    assert.deepStrictEqual(
      posts()
        .map((r) => r.query.ordinal)
        .sort(),
      ['0', '1', '2'],
    );
    await until(
      'the three profiles to be saved',
      () => filesIn(profilesDir()).filter((f) => /^blank-.*\.json\.gz$/.test(f)).length === 3,
      20_000,
    );
  });

  describe('pickers opened from the tree stay open (real pointer presses, five times in a row)', () => {
    // Each round the pipeline gets a new version, so its host count is unknown again: asking for it makes the tree
    // redraw the row while the pick is open, and a tree view takes the focus back when it redraws.
    const NAME = 'ctxmenu';
    let rounds = 0;
    const newRound = async (): Promise<number> => {
      const hosts = 2 + (rounds++ % 2);
      emu.updatePipeline(NAME, { hosts, workers: 2 * hosts });
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      const api = await extensionApi();
      await until('the host count to be unknown again', () => api.model.hosts(url, NAME) === undefined);
      return hosts;
    };
    /** The pick is open, the tree has redrawn the row meanwhile, and the pick is still open. */
    const pickSurvivesRedraw = async (hosts: number): Promise<void> => {
      await ui.waitFor('.quick-input-widget', { text: 'All hosts' });
      await ui.waitFor('.pane-body .monaco-list-row', { text: `${hosts} hosts` });
      // The tree view ends its redraw by taking the focus back (when it had it before the pick opened).
      await ui.waitFor('.pane-body .monaco-list:focus', { state: 'attached', timeoutMs: 3000 }).catch(() => undefined);
      const open = await ui.texts('.quick-input-widget', { hasText: 'All hosts', timeoutMs: 500 }).catch(() => []);
      assert.strictEqual(open.length, 1, 'the host pick closed when the tree redrew');
    };

    before(async function () {
      if (!ui.available()) this.skip();
      emu.setPipeline({ name: NAME, deploymentStatus: 'Running', hosts: 2, workers: 4 });
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      await vscode.commands.executeCommand('workbench.view.extension.feldera');
      await ui.waitFor('.pane-body .monaco-list-row', { text: NAME });
    });

    it('"Collect Samply Profile…" from the context menu: host pick, duration pick and custom duration', async () => {
      for (let round = 0; round < 5; round++) {
        const hosts = await newRound();
        const saved = filesIn(profilesDir()).length;
        await chooseFromContextMenu(NAME, 'Collect Samply Profile…');
        await pickSurvivesRedraw(hosts);
        await ui.click('.quick-input-list .monaco-list-row:has-text("Host 1")');
        await ui.waitFor('.quick-input-widget', { text: '300 s' });
        await ui.click('.quick-input-list .monaco-list-row:has-text("Custom…")');
        await ui.waitFor('.quick-input-widget', { text: 'Seconds, 1 to 3600' });
        await ui.press('Control+A');
        await ui.type('1');
        await ui.submitInput('1');
        await until(
          `round ${round}: the profile of host 1 to be saved`,
          () => filesIn(profilesDir()).length > saved,
          20_000,
        );
        const post = emu.requests.filter(
          (r) => r.method === 'POST' && r.path === `/v0/pipelines/${NAME}/samply_profile`,
        );
        assert.deepStrictEqual(
          { ordinal: post.at(-1)?.query.ordinal, duration: post.at(-1)?.query.duration_secs },
          { ordinal: '1', duration: '1' },
        );
      }
    });

    it('the inline fetch button of a multihost pipeline: host pick', async () => {
      for (let round = 0; round < 5; round++) {
        const hosts = await newRound();
        const asked = emu.requests.length;
        const row = `.pane-body .monaco-list-row:has-text("${NAME}")`;
        await ui.hover(row);
        await ui.click(`${row} .action-label[aria-label^="Fetch Samply Profile"]`);
        await pickSurvivesRedraw(hosts);
        await ui.click('.quick-input-list .monaco-list-row:has-text("Host 0")');
        await until(`round ${round}: host 0 to be asked for its profile`, () =>
          emu.requests
            .slice(asked)
            .some(
              (r) => r.method === 'GET' && r.path === `/v0/pipelines/${NAME}/samply_profile` && r.query.ordinal === '0',
            ),
        );
        await closeAllNotifications();
      }
    });
  });

  it('a pipeline pick dismissed before its listing comes back leaves no error behind', async function () {
    if (!ui.available()) this.skip();
    const api = await extensionApi();
    emu.faults.delayMs = 1500; // the pick's own refresh answers after the pick is gone
    try {
      const asked = emu.requests.length;
      const run = vscode.commands.executeCommand('feldera.fetchSamplyProfile');
      await ui.waitFor('.quick-input-widget', { text: 'Fetch Samply Profile' });
      await until('the pick to ask for the pipelines', () =>
        emu.requests.slice(asked).some((r) => r.path === '/v0/pipelines'),
      );
      await ui.press('Escape');
      assert.strictEqual(await run, undefined);
      await until('the listing to come back', () => !api.model.isLoading(url), 10_000);
      await ui.waitFor('.quick-input-widget', { state: 'hidden' });
      const texts = await notificationTexts();
      assert.deepStrictEqual(
        texts.filter((t) => /fail|error/i.test(t)),
        [],
        'a late refresh of a dismissed pick was reported',
      );
    } finally {
      emu.faults.delayMs = undefined;
    }
  });

  it('asks for pipeline and host with the keyboard when run without arguments', async function () {
    if (!ui.available()) this.skip();
    await fetch(`${url}/v0/pipelines/fraud/samply_profile?duration_secs=1&ordinal=1`, { method: 'POST' });
    const run = vscode.commands.executeCommand('feldera.fetchSamplyProfile');
    await ui.waitFor('.quick-input-widget', { text: 'Fetch Samply Profile' });
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: 'fraud' });
    await ui.pickQuickItem('fraud');
    await ui.waitFor('.quick-input-widget', { text: 'All hosts' });
    await ui.pickQuickItem('Host 1');
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
    await ui.pickQuickItem('Custom');
    await ui.waitFor('.quick-input-widget', { text: 'Seconds, 1 to 3600' });
    await ui.press('Control+A');
    await ui.type('0');
    await ui.waitFor('.quick-input-widget', { text: 'A whole number from 1 to 3600' });
    await ui.press('Enter'); // refused while invalid
    await ui.press('Control+A');
    await ui.type('1');
    await ui.submitInput('1');
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
