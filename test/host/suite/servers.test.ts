// Issue: servers and API keys, in the real extension host against two emulators.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import {
  assertEvery,
  closeAllNotifications,
  serverNode,
  treeItem,
  extensionApi,
  notificationTexts,
  waitForNotification,
  setServers,
  sleep,
  until,
  workspaceRoot,
} from '../support';

const KEY_A = 'apikey:' + 'A'.repeat(64) + 'a1'.repeat(32);

/** Every *.log file under the logs folder of this window. */
function logFiles(from: string): string[] {
  let dir = from;
  while (path.basename(dir) !== 'logs' && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe('Servers and API keys', function () {
  this.timeout(60_000);
  let a: FelderaEmulator;
  let b: FelderaEmulator;
  let urlA: string;
  let urlB: string;

  before(async () => {
    a = new FelderaEmulator({ pipelines: [{ name: 'orders' }], apiKeys: [KEY_A] });
    b = new FelderaEmulator({ pipelines: [{ name: 'other' }] });
    urlA = await a.start();
    urlB = await b.start();
    await extensionApi();
  });

  after(async () => {
    await setServers([]);
    fs.rmSync(path.join(workspaceRoot(), '.vscode'), { recursive: true, force: true });
    await a.stop();
    await b.stop();
  });

  beforeEach(() => closeAllNotifications());

  it('adds a server from the programmatic argument after checking it', async () => {
    await vscode.commands.executeCommand('feldera.addServer', { name: 'B', url: urlB + '/' });
    const api = await extensionApi();
    await until('B in the registry', () => api.registry.find('B'));
    assert.strictEqual(api.registry.find('B')!.url, urlB, 'trailing slash removed');
    assert.ok(
      b.requests.some((r) => r.path === '/healthz'),
      'probed /healthz',
    );
    assert.ok(
      b.requests.some((r) => r.path === '/config/authentication'),
      'asked whether auth is on',
    );
    const saved = vscode.workspace.getConfiguration('feldera').inspect('servers')?.globalValue as { url: string }[];
    assert.deepStrictEqual(
      saved.map((s) => s.url),
      [urlB],
    );
  });

  it('refuses bad URLs with a clear message and changes nothing', async function () {
    const api = await extensionApi();
    const before = api.registry.list().length;
    for (const bad of ['ftp://example.com', 'http://user:pw@127.0.0.1:1', 'not a url']) {
      await vscode.commands.executeCommand('feldera.addServer', { url: bad });
    }
    assert.strictEqual(api.registry.list().length, before);
    // The rest is what the user sees: without the UI driver (desktop runs) the test says it was skipped.
    if (!ui.available()) this.skip();
    const texts = await notificationTexts();
    assert.ok(
      texts.some((t) => /http/i.test(t)),
      `messages: ${texts.join(' | ')}`,
    );
    // The password typed into the URL is refused, and never repeated back.
    assert.ok(
      texts.some((t) => /user name or password/.test(t)),
      `messages: ${texts.join(' | ')}`,
    );
    assert.ok(!texts.some((t) => t.includes('pw@')), `a message repeats the password: ${texts.join(' | ')}`);
  });

  it('says clearly when a server cannot be reached', async function () {
    const dead = new FelderaEmulator();
    const deadUrl = await dead.start();
    await dead.stop();
    await vscode.commands.executeCommand('feldera.addServer', { url: deadUrl });
    const api = await extensionApi();
    assert.strictEqual(api.registry.find(deadUrl), undefined);
    // The rest is what the user sees: without the UI driver (desktop runs) the test says it was skipped.
    if (!ui.available()) this.skip();
    await waitForNotification('does not answer');
  });

  it("a workspace's settings cannot add a server (that server receives nothing)", async () => {
    const rogue = new FelderaEmulator({ pipelines: [{ name: 'stolen' }] });
    const rogueUrl = await rogue.start();
    try {
      const dir = path.join(workspaceRoot(), '.vscode');
      fs.mkdirSync(dir, { recursive: true });
      // The resource-scoped setting beside it shows when VS Code has read the file.
      fs.writeFileSync(
        path.join(dir, 'settings.json'),
        JSON.stringify({ 'feldera.servers': [{ name: 'rogue', url: rogueUrl }], 'feldera.profiles.folder': 'marker' }),
      );
      await until('VS Code to read the workspace settings', () => {
        return vscode.workspace.getConfiguration('feldera').get('profiles.folder') === 'marker';
      });
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      await sleep(1000);
      const api = await extensionApi();
      assert.strictEqual(api.registry.find('rogue'), undefined);
      assert.strictEqual(rogue.requests.length, 0, 'the workspace server was contacted');
    } finally {
      fs.rmSync(path.join(workspaceRoot(), '.vscode'), { recursive: true, force: true });
      await rogue.stop();
    }
  });

  it("sends A's key only to A (B's request log never sees it), and never writes it to the log", async function () {
    if (!ui.available()) this.skip(); // the key is typed into VS Code's password box
    await setServers([
      { name: 'A', url: urlA },
      { name: 'B', url: urlB },
    ]);
    const setting = vscode.commands.executeCommand('feldera.setApiKey', 'A');
    await ui.waitFor('.quick-input-widget', { text: 'API key for A' });
    await ui.type(KEY_A);
    await ui.submitInput(KEY_A);
    await setting;
    a.clearRequests();
    b.clearRequests();
    await vscode.commands.executeCommand('feldera.refreshPipelines');
    const api = await extensionApi();
    await until('A to list its pipelines with the key', () => api.model.state(urlA).kind === 'ok');
    assertEvery(
      a.requests.filter((r) => r.path.startsWith('/v0')),
      (r) => r.authorization === `Bearer ${KEY_A}`,
      'requests to A carry its key',
    );
    assert.ok(b.requests.length > 0, 'B was asked too');
    assert.ok(
      b.requests.every((r) => r.authorization === undefined),
      'B received an Authorization header',
    );

    // Log files are written asynchronously: searched once the lines around the key's use are in the file, so an
    // unwritten log cannot pass for a clean one.
    const wanted = [`API key saved for ${new URL(urlA).origin}`, 'A GET /v0/pipelines?selector=status → 200'];
    const files = await until<string[] | undefined>('the Feldera log to hold the key being saved and used', () => {
      const all = logFiles(api.logUri.fsPath);
      const feldera = all.filter((f) => /Feldera/.test(path.basename(f)));
      const text = feldera.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
      return wanted.every((w) => text.includes(w)) ? all : undefined;
    });
    for (const f of files!)
      assert.ok(!fs.readFileSync(f, 'utf8').includes(KEY_A.slice(7, 40)), `${f} contains the key`);
  });

  it('warns before a key would go over plain http to another machine, and saves nothing unless accepted', async function () {
    if (!ui.available()) this.skip();
    // A reserved name that never resolves: no traffic leaves this machine whatever happens.
    await setServers([{ name: 'far', url: 'http://feldera.invalid:8080' }]);
    try {
      const setting = vscode.commands.executeCommand('feldera.setApiKey', 'far');
      await ui.waitFor('.quick-input-widget', { text: 'API key for far' });
      await ui.type(KEY_A);
      await ui.submitInput(KEY_A);
      // A modal warning. In an extension-test window VS Code refuses modal dialogs and reports their content
      // instead, which is as good as declining: either way the question is seen here.
      const warning = await ui.waitFor('.monaco-dialog-box, .notification-toast', { text: 'unencrypted' });
      assert.match(warning, /feldera\.invalid:8080 is reached over plain http/);
      if (
        await ui.texts('.monaco-dialog-box', { timeoutMs: 500 }).then(
          (t) => t.length > 0,
          () => false,
        )
      )
        await ui.press('Escape');
      await setting;
      const far = await serverNode('far');
      assert.doesNotMatch(String((await treeItem(far)).contextValue), /hasKey/, 'a key was saved without consent');
    } finally {
      await setServers([
        { name: 'A', url: urlA },
        { name: 'B', url: urlB },
      ]);
    }
  });

  it("a rejected key in the palette's pipeline pick: one notification, and the row itself sets the key", async function () {
    if (!ui.available()) this.skip();
    await setServers([{ name: 'A', url: urlA }]);
    const api = await extensionApi();
    a.setApiKeys(['apikey:' + 'Y'.repeat(128)]); // whatever key the extension has for A is refused now
    try {
      // Twice from the palette, dismissed each time: the key problem is told once, not once per pick or refresh.
      for (let i = 0; i < 2; i++) {
        const asked = a.requests.length;
        const run = vscode.commands.executeCommand('feldera.fetchSamplyProfile');
        await ui.waitFor('.quick-input-list .monaco-list-row', { text: 'Set API Key… for A' });
        await until(
          'the pick to list A again',
          () =>
            a.requests.slice(asked).some((r) => r.path === '/v0/pipelines') && api.model.state(urlA).kind === 'error',
        );
        // Told once, right after the pick's own listing (later ones only go to the log).
        if (i === 0)
          await ui.waitFor('.notification-toast, .notifications-center .notification-list-item', {
            text: 'rejected the API key',
          });
        await ui.press('Escape');
        assert.strictEqual(await run, undefined);
      }
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      const notes = (await notificationTexts()).filter((t) => /API key/.test(t));
      assert.strictEqual(notes.length, 1, `notifications: ${notes.join(' | ')}`);
      assert.match(notes[0], /"A" rejected the API key \(HTTP 401/);
      assert.match(notes[0], /Set API Key/);

      // Accepting the row (a pointer press) runs Set API Key… for A; once A takes the key, the pick comes back.
      const run = vscode.commands.executeCommand('feldera.fetchSamplyProfile');
      await ui.click('.quick-input-list .monaco-list-row:has-text("Set API Key… for A")');
      await ui.waitFor('.quick-input-widget', { text: 'API key for A' });
      a.setApiKeys([KEY_A]);
      await ui.type(KEY_A);
      await ui.submitInput(KEY_A);
      await ui.waitFor('.quick-input-list .monaco-list-row', { text: 'orders' });
      await ui.press('Escape');
      assert.strictEqual(await run, undefined);
      assert.strictEqual(api.model.state(urlA).kind, 'ok');
    } finally {
      a.setApiKeys([KEY_A]);
    }
  });

  it('a rejected key shows one notification with "Set API Key…", not one per request', async function () {
    if (!ui.available()) this.skip();
    a.setApiKeys(['apikey:' + 'Z'.repeat(128)]); // A's key is no longer valid
    try {
      for (let i = 0; i < 3; i++)
        await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { server: 'A', pipeline: 'orders' });
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      await waitForNotification('rejected');
      const toasts = (await notificationTexts()).filter((t) => /rejected/i.test(t));
      assert.strictEqual(toasts.length, 1, `notifications: ${toasts.join(' | ')}`);
      assert.match(toasts[0], /Set API Key/);
    } finally {
      a.setApiKeys([KEY_A]);
    }
  });

  it('a rejected key is told again each time the user runs a command, after the first notice was dismissed', async function () {
    if (!ui.available()) this.skip();
    await setServers([{ name: 'A', url: urlA }]);
    a.setApiKeys(['apikey:' + 'W'.repeat(128)]); // A's key is no longer valid
    try {
      for (let i = 0; i < 2; i++) {
        const uris = await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
          server: 'A',
          pipeline: 'orders',
        });
        assert.deepStrictEqual(uris, []);
        const note = await waitForNotification('rejected the API key').catch((e: Error) =>
          assert.fail(`run ${i + 1}: the command failed without a word: ${e.message}`),
        );
        assert.match(note, /Set API Key/);
        await closeAllNotifications(); // dismissed, and the user tries again
      }
    } finally {
      a.setApiKeys([KEY_A]);
    }
  });

  it('a key that may not do this (403) is told apart from a rejected one, once, with "Set API Key…"', async function () {
    if (!ui.available()) this.skip();
    await setServers([
      { name: 'A', url: urlA },
      { name: 'B', url: urlB },
    ]);
    b.faults.proxyErrorStatus = 403; // every /v0 request: 403 from a proxy in front of B
    try {
      for (let i = 0; i < 2; i++)
        await vscode.commands.executeCommand('feldera.fetchSamplyProfile', { server: 'B', pipeline: 'other' });
      const toasts = (await notificationTexts()).filter((t) => /not allowed/i.test(t));
      assert.strictEqual(toasts.length, 1, `notifications: ${(await notificationTexts()).join(' | ')}`);
      assert.match(toasts[0], /API key for the Feldera server "B" is not allowed to do this .*HTTP 403/);
      assert.match(toasts[0], /Set API Key/);
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      assert.strictEqual((await treeItem(await serverNode('B'))).description, 'key not allowed');
    } finally {
      b.faults.proxyErrorStatus = undefined;
    }
  });

  it('adds a server that needs a key from the palette: password box, expired token refused, version and edition shown', async function () {
    if (!ui.available()) this.skip();
    const keyC = 'apikey:' + 'C'.repeat(64) + 'c3'.repeat(32);
    // An unsigned JWT that expired in November 2023: the box must say so before anything is sent.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const expired = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'me', exp: 1_700_000_000 })}.sig`;
    const c = new FelderaEmulator({
      pipelines: [{ name: 'c1' }],
      apiKeys: [keyC],
      version: '0.340.1',
      edition: 'Enterprise',
    });
    const urlC = await c.start();
    const api = await extensionApi();
    const input = '.quick-input-widget input';
    const enterUrl = async () => {
      await ui.waitFor('.quick-input-widget', { text: 'Add Server (1/2)' });
      await ui.fill(input, urlC);
      await ui.press('Enter');
      await ui.waitFor('.quick-input-widget', { text: `API key for ${urlC}` });
    };
    await setServers([
      { name: 'A', url: urlA },
      { name: 'B', url: urlB },
    ]);
    try {
      // Escape at the key: nothing is saved.
      let adding = vscode.commands.executeCommand('feldera.addServer');
      await enterUrl();
      await ui.press('Escape');
      await adding;
      assert.strictEqual(api.registry.find(urlC), undefined, 'added although the key was cancelled');
      assert.ok(!c.requests.some((r) => r.path === '/v0/config'), 'a key was checked although none was given');

      adding = vscode.commands.executeCommand('feldera.addServer');
      await enterUrl();
      await ui.fill(input, expired);
      const refused = await ui.waitFor('.quick-input-widget', { text: 'expired on 2023-11-14' });
      assert.match(refused, /This token expired on 2023-11-14T22:13:20\.000Z\. Get a new one\./);
      await ui.fill(input, keyC);
      await ui.press('Enter');
      await ui.waitFor('.quick-input-widget', { text: 'Add Server (2/2)' });
      await ui.fill(input, 'C');
      await ui.press('Enter');
      await adding;
      const note = await waitForNotification('added C');
      assert.match(note, /added C — Feldera 0\.340\.1 \(Enterprise\), key accepted/);
      assert.ok(
        c.requests.some((r) => r.path === '/v0/config' && r.authorization === `Bearer ${keyC}`),
        'the key was not checked with /v0/config',
      );
      assert.ok(!c.requests.some((r) => r.authorization?.includes('JWT') || r.authorization?.includes(expired)));
      assert.strictEqual(api.registry.find('C')?.url, urlC);
      c.clearRequests();
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      await until('C to list its pipelines with the saved key', () => api.model.state(urlC).kind === 'ok');
      assertEvery(
        c.requests.filter((r) => r.path.startsWith('/v0')),
        (r) => r.authorization === `Bearer ${keyC}`,
        'requests to C carry its saved key',
      );
    } finally {
      if (api.registry.find('C')) await vscode.commands.executeCommand('feldera.clearApiKey', 'C');
      await setServers([
        { name: 'A', url: urlA },
        { name: 'B', url: urlB },
      ]);
      await c.stop();
    }
  });
});
