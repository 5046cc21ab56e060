// Fetch/collect in a multi-root workspace: the user picks the workspace folder (run with
// FELDERA_HOST_TEST_LAYOUT=multiroot FELDERA_HOST_TEST_SUITE=layouts/multiroot).
import assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../../emulator/emulator';
import { ui } from '../../ui';
import { setServers } from '../../support';

describe('Multi-root workspace', function () {
  this.timeout(60_000);
  let emu: FelderaEmulator;

  before(async function () {
    if (!ui.available()) this.skip();
    assert.deepStrictEqual(
      vscode.workspace.workspaceFolders?.map((f) => f.name),
      ['one', 'two'],
      'this suite needs the two-folder workspace',
    );
    emu = new FelderaEmulator({ pipelines: [{ name: 'orders' }], postWaitMs: 100 });
    await setServers([{ name: 'local', url: await emu.start() }]);
  });
  after(async () => {
    await setServers([]);
    await emu?.stop();
  });

  it('asks which workspace folder and saves into its profiles folder', async () => {
    const run = vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 1,
    });
    // The folder pick (its question is a placeholder, not text): wait for the folders to be listed.
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: 'two' });
    await ui.pickQuickItem('two');
    const uris = (await run) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    const two = vscode.workspace.workspaceFolders![1].uri.fsPath;
    assert.strictEqual(path.dirname(uris[0].fsPath), path.join(two, '.feldera', 'profiles'));
  });
});
