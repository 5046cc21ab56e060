// API keys survive a window reload (run with FELDERA_HOST_TEST_SUITE=reload; needs runHeadless's reload support).
//
// Pass 1 stores a key for server A the way a user does (typed into the password box), stores one for B and forgets
// it again, then asks the runner for a window reload. Pass 2 runs in the reloaded window: a new workbench, a new
// extension host and a fresh activation, so nothing the extension kept in memory is left. A must still receive its
// key (read back from SecretStorage), and B, whose key was forgotten, none.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { EXTENSION_ID, hostStart } from '../index';
import { closeAllNotifications, extensionApi, setServers, until } from '../support';
import { ui } from '../ui';

const KEY_A = 'apikey:' + 'R'.repeat(64) + 'e1'.repeat(32);
const KEY_B = 'apikey:' + 'S'.repeat(64) + 'b2'.repeat(32);

interface PassOneState {
  portA: number;
  portB: number;
}

const stateDir = process.env.FELDERA_HOST_TEST_STATE_DIR;
const stateFile = stateDir ? path.join(stateDir, 'keys-reload.json') : undefined;
const passOne: PassOneState | undefined =
  stateFile && fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as PassOneState) : undefined;

async function typeKey(server: string, key: string): Promise<void> {
  const setting = vscode.commands.executeCommand('feldera.setApiKey', server);
  await ui.waitFor('.quick-input-widget', { text: `API key for ${server}` });
  await ui.type(key);
  await ui.submitInput(key);
  await setting;
}

describe('API keys across a window reload', function () {
  this.timeout(90_000);
  let a: FelderaEmulator;
  let b: FelderaEmulator;

  before(function () {
    // Both need runHeadless: the state folder and the reload, and the browser to type the key.
    if (!stateDir || !ui.available()) this.skip();
  });
  beforeEach(() => closeAllNotifications());
  afterEach(async () => {
    await a?.stop();
    await b?.stop();
  });

  if (!passOne) {
    it('pass 1: stores a key for A from the password box, and stores then forgets one for B', async () => {
      a = new FelderaEmulator({ pipelines: [{ name: 'orders' }], apiKeys: [KEY_A] });
      b = new FelderaEmulator({ pipelines: [{ name: 'other' }], apiKeys: [KEY_B] });
      const urlA = await a.start();
      const urlB = await b.start();
      await setServers([
        { name: 'A', url: urlA },
        { name: 'B', url: urlB },
      ]);
      await typeKey('A', KEY_A);
      await typeKey('B', KEY_B);
      await vscode.commands.executeCommand('feldera.clearApiKey', 'B');
      a.clearRequests();
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      const api = await extensionApi();
      await until('A to list its pipelines with the key', () => api.model.state(urlA).kind === 'ok');
      assert.ok(a.requests.some((r) => r.authorization === `Bearer ${KEY_A}`));

      fs.writeFileSync(stateFile!, JSON.stringify({ portA: a.port, portB: b.port } satisfies PassOneState));
      fs.writeFileSync(path.join(stateDir!, 'reload-window'), 'API keys across a window reload');
    });
  } else {
    it('pass 2: after the reload, a fresh activation sends A its stored key and B none', async () => {
      assert.strictEqual(hostStart.extensionActive, false, 'the extension host was not a new one');
      a = new FelderaEmulator({ pipelines: [{ name: 'orders' }], apiKeys: [KEY_A] });
      b = new FelderaEmulator({ pipelines: [{ name: 'other' }], apiKeys: [KEY_B] });
      // The same origins as before the reload: keys belong to an origin.
      const urlA = await a.start(passOne.portA);
      const urlB = await b.start(passOne.portB);
      const api = await extensionApi();
      assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
      assert.deepStrictEqual(
        api.registry.list().map((s) => s.name),
        ['A', 'B'],
        'the servers (user settings) survived the reload',
      );
      await vscode.commands.executeCommand('feldera.refreshPipelines');
      await until('A to list its pipelines with the stored key', () => api.model.state(urlA).kind === 'ok');
      const toA = a.requests.filter((r) => r.path.startsWith('/v0'));
      assert.ok(toA.length > 0);
      assert.ok(
        toA.every((r) => r.authorization === `Bearer ${KEY_A}`),
        'a request to A went without its key',
      );
      // B wants a key and has none any more: it answers 401, and the request carried no Authorization at all.
      await until('B to refuse the listing', () => api.model.state(urlB).kind === 'error');
      assert.ok(b.requests.length > 0);
      assert.ok(
        b.requests.every((r) => r.authorization === undefined),
        "B's forgotten key came back after the reload",
      );
      await setServers([]);
    });
  }
});
