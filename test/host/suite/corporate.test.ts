// Issue 16: Feldera where companies run it, in the real extension host. HTTPS with certificates made at test time
// by a private test CA (trusted only through `feldera.tls.caCertificates`), and VS Code's own proxy support: the
// user's `http.proxy` reaches the extension's requests because VS Code patches Node's http/https modules in the
// extension host (code-server's remote extension host included). The proxy resolves every name to loopback; the
// server is addressed by a name the host cannot resolve (feldera.corp.test), so an answer proves the proxy was used.
import assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ForwardProxy } from '../../emulator/forwardProxy';
import { createTestPki, type TestPki } from '../../emulator/testPki';
import { ui } from '../ui';
import {
  EXTENSION_ID,
  assertEvery,
  clickNotificationButton,
  closeAllNotifications,
  extensionApi,
  filesIn,
  profilesDir,
  setServers,
  setSetting,
  until,
  waitForNotification,
  workspaceRoot,
} from '../support';

const CA_SETTING = 'feldera.tls.caCertificates';
const KEY = 'apikey:' + 'Corp5'.repeat(24);
const NAME = 'feldera.corp.test';

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function setProxy(url: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('http').update('proxy', url, vscode.ConfigurationTarget.Global);
}

async function collect(pipeline: string): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
    pipeline,
    durationSeconds: 1,
  })) as vscode.Uri[];
}

describe('Corporate networks: HTTPS with a private CA, and proxies', function () {
  this.timeout(90_000);
  let pki: TestPki;
  let emu: FelderaEmulator;
  let httpsUrl: string;

  before(async () => {
    pki = createTestPki();
    const cert = pki.issue('feldera', { hosts: [NAME, '127.0.0.1'] });
    emu = new FelderaEmulator({
      pipelines: [{ name: 'orders', deploymentStatus: 'Running' }],
      tls: { cert: cert.cert, key: cert.key },
      postWaitMs: 50,
    });
    httpsUrl = await emu.start();
    await extensionApi();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
  });

  after(async () => {
    await setServers([]);
    await setSetting('tls.caCertificates', undefined);
    await setProxy(undefined);
    fs.rmSync(path.join(workspaceRoot(), '.vscode'), { recursive: true, force: true });
    await emu.stop();
    pki.dispose();
  });

  beforeEach(async () => {
    emu.clearRequests();
    await closeAllNotifications();
  });

  it("runs where the workspace is: extensionKind workspace (here, code-server's remote extension host)", () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    assert.deepStrictEqual((ext.packageJSON as { extensionKind?: string[] }).extensionKind, ['workspace']);
    assert.strictEqual(ext.extensionKind, vscode.ExtensionKind.Workspace);
  });

  describe('HTTPS', () => {
    it('a server whose CA is not trusted: nothing is sent, and the message says why and how, with "Open Settings"', async function () {
      await setSetting('tls.caCertificates', undefined);
      await setServers([{ name: 'corp', url: httpsUrl }]);
      const before = filesIn(profilesDir());
      const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
        pipeline: 'orders',
      })) as vscode.Uri[];
      assert.deepStrictEqual(uris, []);
      assert.deepStrictEqual(filesIn(profilesDir()), before);
      assert.deepStrictEqual(emu.requests, [], 'a request went to a server whose certificate was not trusted');
      assert.ok(emu.connections > 0, 'the handshake was not even tried');
      if (!ui.available()) this.skip(); // the rest is what the user sees
      const text = await waitForNotification('not trusted here');
      assert.match(text, /Could not connect securely to the Feldera server "corp"/);
      assert.ok(text.includes(CA_SETTING), text);
      assert.match(text, /Open Settings/);
      await clickNotificationButton('not trusted here', 'Open Settings');
      const setting = await ui.text('.settings-editor .setting-item-contents', { hasText: 'Ca Certificates' });
      assert.match(setting, /Extra certificate authorities to trust/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('trusted through feldera.tls.caCertificates: the whole collect works and saves the exact bytes', async () => {
      await setSetting('tls.caCertificates', [pki.ca.certPath]);
      await setServers([{ name: 'corp', url: httpsUrl }]);
      const uris = await collect('orders');
      assert.strictEqual(uris.length, 1, 'no profile saved');
      const served = emu.served.filter((s) => s.pipeline === 'orders').at(-1)!;
      assert.strictEqual(sha256(uris[0].fsPath), served.sha256);
      assert.ok(emu.requests.some((r) => r.method === 'POST'));
    });

    it('a certificate for another host name is refused even from the trusted CA, and says what it is for', async function () {
      await setSetting('tls.caCertificates', [pki.ca.certPath]);
      await setServers([{ name: 'by-name', url: httpsUrl.replace('127.0.0.1', 'localhost') }]);
      const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
        pipeline: 'orders',
      })) as vscode.Uri[];
      assert.deepStrictEqual(uris, []);
      assert.deepStrictEqual(emu.requests, []);
      if (!ui.available()) this.skip(); // the rest is what the user sees
      const text = await waitForNotification('another host name');
      assert.ok(text.includes(`it is for DNS:${NAME}`), text);
    });

    it('a bad CA setting says which file and why, and changes nothing else: the good file still counts', async () => {
      await setServers([{ name: 'corp', url: httpsUrl }]);
      const missing = path.join(pki.dir, 'missing-ca.pem');
      const notPem = pki.writeFile('notes.txt', 'ask IT for the CA');
      await setSetting('tls.caCertificates', [missing, notPem, pki.ca.certPath]);
      if (ui.available()) {
        const text = await waitForNotification('does not exist');
        assert.ok(text.includes(`CA file ${missing} does not exist; it is ignored.`), text);
        assert.ok(text.includes(`CA file ${notPem} is not a PEM certificate file`), text);
        assert.match(text, /Open Settings/);
      }
      const api = await extensionApi();
      assert.deepStrictEqual(
        api.registry.list().map((s) => s.name),
        ['corp'],
      );
      const uris = await collect('orders');
      assert.strictEqual(uris.length, 1, 'the good CA file was not used');
    });

    it('a workspace cannot make the extension trust a CA', async () => {
      await setSetting('tls.caCertificates', undefined);
      await setServers([{ name: 'corp', url: httpsUrl }]);
      const dir = path.join(workspaceRoot(), '.vscode');
      fs.mkdirSync(dir, { recursive: true });
      // The folder setting beside it (a resource setting VS Code does read from a workspace) says when the file
      // has been read; the CA entry itself is never visible as a workspace value.
      const settings = { [CA_SETTING]: [pki.ca.certPath], 'feldera.profiles.folder': '.feldera/profiles' };
      fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings));
      try {
        await until(
          'VS Code to read the workspace settings',
          () => vscode.workspace.getConfiguration('feldera').inspect('profiles.folder')?.workspaceValue !== undefined,
        );
        const api = await extensionApi();
        const asked = Date.now();
        await vscode.commands.executeCommand('feldera.refreshPipelines');
        const state = await until('the server to be refreshed', () => {
          const s = api.model.state(httpsUrl);
          return s.kind !== 'idle' && s.at >= asked ? s : undefined;
        });
        assert.match(JSON.stringify(state), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
        assert.deepStrictEqual(emu.requests, []);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("VS Code's proxy (http.proxy)", () => {
    let proxy: ForwardProxy;
    let plain: FelderaEmulator;

    before(async () => {
      proxy = new ForwardProxy();
      await setProxy(await proxy.start());
      plain = new FelderaEmulator({ pipelines: [{ name: 'orders', deploymentStatus: 'Running' }], postWaitMs: 50 });
      await plain.start();
    });

    after(async () => {
      await setProxy(undefined);
      await proxy.stop();
      await plain.stop();
    });

    beforeEach(() => {
      proxy.clear();
      proxy.behaviour = {};
      plain.clearRequests();
    });

    it('http://: every request goes through the proxy (the host cannot even resolve the name)', async () => {
      const url = `http://${NAME}:${plain.port}`;
      await setServers([{ name: 'proxied', url }]);
      const uris = await collect('orders');
      assert.strictEqual(uris.length, 1, 'no profile saved');
      assert.ok(plain.requests.length >= 3, 'the emulator saw too few requests');
      const seen = proxy.requests.filter((r) => r.target.startsWith(url));
      assert.strictEqual(seen.length, plain.requests.length, 'requests reached the server around the proxy');
      assert.ok(seen.some((r) => r.method === 'POST' && r.target.includes('/samply_profile?duration_secs=1')));
    });

    it('https://: only CONNECT reaches the proxy, and the API key never crosses it in clear', async function () {
      if (!ui.available()) this.skip(); // the key is typed into VS Code's password box
      emu.setApiKeys([KEY]);
      try {
        await setSetting('tls.caCertificates', [pki.ca.certPath]);
        await setServers([{ name: 'secure', url: `https://${NAME}:${emu.port}` }]);
        const setting = vscode.commands.executeCommand('feldera.setApiKey', 'secure');
        await ui.waitFor('.quick-input-widget', { text: 'API key for secure' });
        await ui.type(KEY);
        await ui.submitInput(KEY);
        await setting;
        const uris = await collect('orders');
        assert.strictEqual(uris.length, 1, 'no profile saved');
        const mine = proxy.requests.filter((r) => r.target.includes(NAME));
        assert.ok(mine.length > 0, 'nothing went through the proxy');
        assert.deepStrictEqual(
          [...new Set(mine.map((r) => `${r.method} ${r.target}`))],
          [`CONNECT ${NAME}:${emu.port}`],
        );
        const tunnelled = Buffer.concat(proxy.tunnelled);
        assert.ok(tunnelled.length > 0);
        assert.ok(!tunnelled.includes(KEY.slice(7)), 'the proxy saw the API key');
        assert.ok(emu.requests.some((r) => r.method === 'POST' && r.authorization === `Bearer ${KEY}`));
      } finally {
        emu.setApiKeys([]);
      }
    });

    it('a proxy that wants credentials (407) gets a message that says so, with "Open Settings"', async function () {
      proxy.behaviour.requireAuth = { user: 'corp', password: 'secret' };
      await setServers([{ name: 'proxied', url: `http://${NAME}:${plain.port}` }]);
      const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
        pipeline: 'orders',
      })) as vscode.Uri[];
      assert.deepStrictEqual(uris, []);
      assert.deepStrictEqual(plain.requests, [], 'the proxy let a request through');
      assert.ok(proxy.requests.length > 0);
      if (!ui.available()) this.skip(); // the rest is what the user sees
      const text = await waitForNotification('asks for credentials');
      assert.match(text, /A proxy between VS Code and the Feldera server "proxied" asks for credentials \(HTTP 407/);
      assert.match(text, /"http\.proxy" setting/);
      assert.match(text, /Open Settings/);
    });

    it('the fix the message gives works: credentials in http.proxy get through the same proxy', async () => {
      proxy.behaviour.requireAuth = { user: 'corp', password: 'secret' };
      await setServers([{ name: 'proxied', url: `http://${NAME}:${plain.port}` }]);
      const bare = proxy.url();
      await setProxy(bare.replace('http://', 'http://corp:secret@'));
      try {
        const uris = await collect('orders');
        assert.strictEqual(uris.length, 1, 'no profile saved');
        assert.ok(proxy.requests.length >= 3);
      } finally {
        await setProxy(bare);
      }
    });

    it('the same for an https:// server: the 407 answer to CONNECT gets the same message', async function () {
      proxy.behaviour.requireAuth = { user: 'corp', password: 'secret' };
      await setSetting('tls.caCertificates', [pki.ca.certPath]);
      await setServers([{ name: 'secure', url: `https://${NAME}:${emu.port}` }]);
      const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
        pipeline: 'orders',
      })) as vscode.Uri[];
      assert.deepStrictEqual(uris, []);
      assert.deepStrictEqual(emu.requests, [], 'the proxy let a request through');
      assertEvery(proxy.requests, (r) => r.method === 'CONNECT', 'only CONNECT reached the proxy');
      if (!ui.available()) this.skip(); // the rest is what the user sees
      const text = await waitForNotification('asks for credentials');
      assert.match(text, /A proxy between VS Code and the Feldera server "secure" asks for credentials \(HTTP 407/);
    });

    it("a proxy's own HTML error page is named as the proxy's, not blamed on the key", async function () {
      proxy.behaviour.htmlError = { status: 403, message: 'Access to this site is blocked by corporate policy.' };
      await setServers([{ name: 'proxied', url: `http://${NAME}:${plain.port}` }]);
      const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
        pipeline: 'orders',
      })) as vscode.Uri[];
      assert.deepStrictEqual(uris, []);
      if (!ui.available()) this.skip(); // the rest is what the user sees
      const text = await waitForNotification('came through a proxy');
      assert.match(text, /HTTP 403 Forbidden: ".*blocked by corporate policy/);
      assert.doesNotMatch(text, /API key/);
    });
  });
});
