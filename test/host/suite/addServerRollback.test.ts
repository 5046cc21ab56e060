// Add Server… saves nothing unless every step succeeds — also its last one: when VS Code cannot write the user
// settings (a settings.json with errors, as a hand-edited one can have), the API key typed in is not left behind in
// secret storage for a server that was never added. Seen from outside: adding the server again asks for the key
// (an orphan key would be found, verified and used without asking). The run's own user settings are broken only
// for the length of the test, and put back byte for byte.
import assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import { closeAllNotifications, extensionApi, setServers, until, waitForNotification } from '../support';

describe('Add Server when the settings cannot be written', function () {
  this.timeout(120_000);

  it('keeps no API key for the server it could not add; adding it again asks for the key', async function () {
    if (!ui.available()) this.skip(); // typed in as a user does
    const api = await extensionApi();
    const key = 'apikey:' + 'D'.repeat(64) + 'd4'.repeat(32);
    const emu = new FelderaEmulator({ pipelines: [{ name: 'd1' }], apiKeys: [key] });
    const url = await emu.start();
    const servers = vscode.workspace.getConfiguration('feldera').inspect('servers')?.globalValue;
    // Where this window keeps the user settings, found as a user finds it.
    await vscode.commands.executeCommand('workbench.action.openSettingsJson');
    const settings = (await until('the user settings to open', () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'file'
        ? vscode.window.activeTextEditor.document.uri.fsPath
        : undefined,
    ))!;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const original = fs.readFileSync(settings);
    const input = '.quick-input-widget input';
    /** Starts Add Server… and types the URL; `done` settles when the command does. */
    const addUntilKey = async (): Promise<{ done: Promise<unknown> }> => {
      const done = Promise.resolve(vscode.commands.executeCommand('feldera.addServer')).catch((e: unknown) => e);
      await ui.waitFor('.quick-input-widget', { text: 'Add Server (1/2)' });
      await ui.fill(input, url);
      await ui.press('Enter');
      return { done };
    };
    try {
      fs.writeFileSync(settings, `${original.toString('utf8')}\n{ "not": json`);
      const adding = await addUntilKey();
      await ui.waitFor('.quick-input-widget', { text: `API key for ${url}` });
      await ui.fill(input, key);
      await ui.press('Enter');
      await ui.waitFor('.quick-input-widget', { text: 'Add Server (2/2)' });
      await ui.fill(input, 'D');
      await ui.press('Enter');
      await adding.done;
      await waitForNotification('Unable to write into user settings');
      assert.strictEqual(api.registry.find(url), undefined, 'the server was not added');
      assert.ok(
        emu.requests.some((r) => r.path === '/v0/config' && r.authorization === `Bearer ${key}`),
        'the key was checked (so it would have been saved)',
      );
    } finally {
      fs.writeFileSync(settings, original);
      // VS Code writes the settings again once it has read them back whole.
      await until(
        'the user settings to be writable again',
        () =>
          setServers((servers as { name?: string; url: string }[] | undefined) ?? []).then(
            () => true,
            () => false,
          ),
        30_000,
      );
      await closeAllNotifications();
    }
    try {
      emu.clearRequests();
      const adding = await addUntilKey();
      // With the key left behind, the server would be checked with it and the key box skipped.
      await ui.waitFor('.quick-input-widget', { text: `API key for ${url}` });
      assert.ok(!emu.requests.some((r) => r.authorization), 'a saved key was sent');
      await ui.press('Escape');
      await adding.done;
      assert.strictEqual(api.registry.find(url), undefined);
    } finally {
      await emu.stop();
      await closeAllNotifications();
    }
  });
});
