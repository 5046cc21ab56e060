// Issue 13, "the companion adds ≤ 1 s to a fetch": a pipeline that takes long to build its circuit profile does not
// hold up the fetch. The profile is saved and announced first; its SQL context finishes in the background (a
// status-bar entry, cancellable), lands beside it, and the open profile editor and Show CPU in SQL pick it up. The
// emulator holds the circuit profile until the test releases it, so every step is checked in order, not against a
// clock. In the real extension host and browser, driven by hand where a user would act.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { companionPathFor } from '../../../src/sql';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import {
  closeAllNotifications,
  extensionApi,
  notificationTexts,
  setServers,
  setSetting,
  until,
  waitForNotification,
} from '../support';

const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };
const STATUS_ITEM = '#workbench\\.parts\\.statusbar .statusbar-item';

describe('SQL context that comes after its profile (slow circuit profile)', function () {
  this.timeout(120_000);
  let emu: FelderaEmulator;

  /** A finished collection on the server, and its circuit profile held: Fetch gets the profile, not the context. */
  async function fetchWhileHeld(): Promise<string> {
    const r = await fetch(`${emu.url()}/v0/pipelines/orders/samply_profile?duration_secs=1`, { method: 'POST' });
    assert.ok(r.status === 202 || r.status === 200, `POST answered ${r.status}`);
    emu.finishCollection('orders');
    emu.faults.holdCircuitProfile = true;
    const uris = (await vscode.commands.executeCommand('feldera.fetchSamplyProfile', {
      pipeline: 'orders',
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 1, 'the command returns the saved profile');
    const file = uris[0].fsPath;
    assert.ok(fs.existsSync(file));
    assert.strictEqual(emu.heldCircuitProfiles, 1, 'the circuit profile is still being built');
    assert.ok(!fs.existsSync(companionPathFor(file)), 'the command did not wait for the SQL context');
    return file;
  }

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip(); // the notification, the status bar and the editor are what this is about
    emu = new FelderaEmulator({ pipelines: [{ name: 'orders', workers: 4 }], postWaitMs: 100 });
    await emu.start();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
    await setServers([{ name: 'local', url: emu.url() }]);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setServers([]);
    await emu?.stop();
  });

  beforeEach(async () => {
    emu.faults = {};
    await closeAllNotifications();
  });

  afterEach(async () => {
    emu.releaseCircuitProfiles();
    await vscode.commands.executeCommand('feldera.clearCpuInSql');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Fetch: "saved" first, the context later; the open editor and Show CPU in SQL pick it up', async () => {
    const api = await extensionApi();
    const file = await fetchWhileHeld();
    const name = path.basename(file);
    // Announced while the context is still held by the server.
    const saved = await waitForNotification(`saved ${name}`);
    assert.match(saved, /SQL context is still coming from the server/);
    await ui.waitFor(STATUS_ITEM, { text: `SQL context for ${name}` });
    assert.deepStrictEqual(
      api.statusBar.list().map((e) => [e.kind, e.label]),
      [['sql-context', name]],
    );

    // The profile opens at once; its SQL columns say why they are not there yet.
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'feldera.samplyProfile');
    await ui.frameText('#sql-note', { ...WEBVIEW, hasText: 'still coming from the server' });
    assert.strictEqual(await ui.frameAttr('#bysql-section', 'hidden', WEBVIEW), '');
    assert.ok(!fs.existsSync(companionPathFor(file)));

    // The server answers: the companion lands beside the profile, the status-bar entry goes, the open editor shows
    // the SQL columns and By SQL without being reopened.
    emu.releaseCircuitProfiles();
    await until('the companion to land', () => fs.existsSync(companionPathFor(file)), 30_000);
    const companion = JSON.parse(fs.readFileSync(companionPathFor(file), 'utf8'));
    assert.deepStrictEqual(companion.missing, []);
    assert.ok(companion.nodes, 'with the circuit profile’s node ids');
    await ui.waitFor(STATUS_ITEM, { text: 'SQL context for', state: 'hidden' });
    assert.strictEqual(api.statusBar.list().length, 0);
    await ui.frameText('#bysql tbody tr[data-key]', WEBVIEW);
    assert.strictEqual(await ui.frameAttr('#sql-note', 'hidden', WEBVIEW), '');
    assert.strictEqual(await ui.frameAttr('#operators th.sql-col.relation', 'hidden', WEBVIEW), null);

    const shown = (await vscode.commands.executeCommand('feldera.showCpuInSql', vscode.Uri.file(file))) as
      { document: vscode.Uri; profiles: vscode.Uri[] } | undefined;
    assert.ok(shown, 'Show CPU in SQL works from the companion that came later');
    assert.deepStrictEqual(
      shown.profiles.map((u) => u.fsPath),
      [file],
    );
    // A complete context needs no word of its own.
    assert.ok(!(await notificationTexts()).some((t) => t.includes('SQL context for')));
  });

  it('cancel from the status bar: the profile stays, no companion is written', async () => {
    const api = await extensionApi();
    const file = await fetchWhileHeld();
    const name = path.basename(file);
    await ui.click(`${STATUS_ITEM}:has-text("SQL context for ${name}")`);
    await ui.waitFor('.quick-input-widget', { text: 'SQL context on its way' });
    await ui.click(`.quick-input-list .monaco-list-row:has-text("Cancel SQL context for ${name}")`);
    await until('the held request to be closed', () => emu.heldCircuitProfiles === 0, 30_000);
    await until('the status-bar entry to go', () => api.statusBar.list().length === 0, 30_000);
    emu.releaseCircuitProfiles();
    assert.ok(fs.existsSync(file), 'the profile is kept');
    assert.deepStrictEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(name.replace(/\.json\.gz$/, ''))),
      [name],
      'no companion, no temporary file',
    );
    assert.ok(!(await notificationTexts()).some((t) => t.includes('SQL context for')), 'cancelled: nothing to say');
  });

  it('a part that fails after the profile was announced: one short notification says which', async () => {
    const file = await fetchWhileHeld();
    await waitForNotification(`saved ${path.basename(file)}`);
    // The pipeline is stopped while it builds its circuit profile: the server refuses it (not retried).
    emu.updatePipeline('orders', { deploymentStatus: 'Stopped', desiredStatus: 'Stopped' });
    try {
      emu.releaseCircuitProfiles();
      const told = await waitForNotification(`SQL context for ${path.basename(file)}`, 30_000);
      assert.match(told, /not its circuit profile: the pipeline is not running/);
    } finally {
      emu.updatePipeline('orders', { deploymentStatus: 'Running', desiredStatus: 'Running' });
    }
    const companion = JSON.parse(fs.readFileSync(companionPathFor(file), 'utf8'));
    assert.deepStrictEqual(
      companion.missing.map((m: { part: string; code: string }) => [m.part, m.code]),
      [['circuit-profile', 'NotRunning']],
    );
  });
});
