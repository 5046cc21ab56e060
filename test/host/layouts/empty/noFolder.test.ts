// Fetch/collect in a window with no folder open: the user picks where the profile goes (run with
// FELDERA_HOST_TEST_LAYOUT=empty FELDERA_HOST_TEST_SUITE=layouts/empty).
import assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../../emulator/emulator';
import { ui } from '../../ui';
import { setServers, sleep } from '../../support';

describe('No folder open', function () {
  this.timeout(60_000);
  let emu: FelderaEmulator;

  before(async function () {
    if (!ui.available()) this.skip();
    assert.strictEqual(vscode.workspace.workspaceFolders, undefined, 'this suite needs a window without folders');
    emu = new FelderaEmulator({ pipelines: [{ name: 'orders' }], postWaitMs: 100 });
    await setServers([{ name: 'local', url: await emu.start() }]);
  });
  after(async () => {
    await setServers([]);
    await emu?.stop();
  });

  it('asks for a folder and saves the profile there', async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-no-folder-'));
    const run = vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 1,
    });
    await ui.waitFor('.quick-input-widget', { text: 'where should the profile go' });
    // The dialog fills in its start folder (home) and lists it a moment after it opens: only then set the path.
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: '..' });
    // It may still rewrite the value once: set it until it stays.
    const input = '.quick-input-widget input';
    for (let tries = 0; tries < 10; tries++) {
      await ui.fill(input, target + '/');
      await sleep(300);
      if ((await ui.value(input)) === target + '/') break;
    }
    assert.strictEqual(await ui.value(input), target + '/');
    await ui.waitFor('.quick-input-widget', { text: 'Save Profiles Here' });
    await ui.click('.quick-input-widget .monaco-button', { hasText: 'Save Profiles Here' });
    const uris = (await run) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    assert.strictEqual(path.dirname(uris[0].fsPath), target);
    assert.match(path.basename(uris[0].fsPath), /^orders-samply-\d{8}T\d{6}Z\.json\.gz$/);
  });

  it('changes nothing when the folder question is cancelled', async () => {
    const run = vscode.commands.executeCommand('feldera.fetchSamplyProfile', { pipeline: 'orders' });
    await ui.waitFor('.quick-input-widget', { text: 'where should the profile go' });
    const before = emu.requests.length;
    await ui.press('Escape');
    assert.strictEqual(await run, undefined);
    assert.strictEqual(emu.requests.length, before, 'no request after the cancel');
  });
});
