// Issue: the Pipelines tree with live status, in the real extension host against the emulator.
import assert from 'assert';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import { children, extensionApi, serverNode, setServers, setSetting, sleep, treeItem, until } from '../support';
import type { TreeNode } from '../../../src/pipelines/treeNodes';

describe('Pipelines view', function () {
  this.timeout(60_000);
  let emu: FelderaEmulator;
  let url: string;

  before(async () => {
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'orders', deploymentStatus: 'Running' },
        { name: 'fraud-detection', deploymentStatus: 'Running', hosts: 3, workers: 6 },
        { name: 'archive', deploymentStatus: 'Stopped', desiredStatus: 'Stopped' },
        { name: 'broken-sql', deploymentStatus: 'Stopped', desiredStatus: 'Stopped', programStatus: 'SqlError' },
      ],
    });
    url = await emu.start();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
    await setServers([{ name: 'local', url }]);
  });

  after(async () => {
    await setServers([]);
    await setSetting('pipelines.refreshIntervalSeconds', undefined);
    await emu.stop();
  });

  async function pipelines(): Promise<Map<string, { node: TreeNode; item: vscode.TreeItem }>> {
    const server = await serverNode('local');
    const out = new Map<string, { node: TreeNode; item: vscode.TreeItem }>();
    for (const node of await children(server)) {
      const item = await treeItem(node);
      out.set(String(item.label), { node, item });
    }
    return out;
  }

  it('shows the server with its version and each pipeline with status, icon and context value', async () => {
    await vscode.commands.executeCommand('feldera.refreshPipelines');
    const server = await serverNode('local');
    const sItem = await treeItem(server);
    assert.match(String(sItem.description), /^v\d+\.\d+/, 'server description shows the Feldera version');
    assert.match(String(sItem.contextValue), /\bserver\b/);
    const p = await pipelines();
    assert.deepStrictEqual([...p.keys()], ['archive', 'broken-sql', 'fraud-detection', 'orders']);
    assert.strictEqual(p.get('orders')!.item.contextValue, 'pipeline profilable');
    assert.strictEqual(p.get('archive')!.item.contextValue, 'pipeline');
    assert.strictEqual(p.get('orders')!.item.description, 'Running');
    assert.strictEqual((p.get('orders')!.item.iconPath as vscode.ThemeIcon).id, 'pass-filled');
    assert.strictEqual((p.get('broken-sql')!.item.iconPath as vscode.ThemeIcon).id, 'error');
    const api = await extensionApi();
    const resolved = api.view.provider.resolveTreeItem(p.get('orders')!.item, p.get('orders')!.node);
    const tip = resolved.tooltip as vscode.MarkdownString;
    assert.match(tip.value, /Program status: Success/);
    assert.match(tip.value, /Deployment status: Running/);
  });

  it('learns the host count when a pipeline is expanded and marks it multihost', async () => {
    const before = emu.requests.filter((r) => r.path === '/v0/pipelines/fraud-detection').length;
    const p = await pipelines();
    const hosts = await children(p.get('fraud-detection')!.node);
    assert.deepStrictEqual(await Promise.all(hosts.map(async (h) => String((await treeItem(h)).label))), [
      'Host 0',
      'Host 1',
      'Host 2',
    ]);
    const again = await pipelines();
    assert.strictEqual(again.get('fraud-detection')!.item.contextValue, 'pipeline profilable multihost');
    const gets = emu.requests.filter((r) => r.path === '/v0/pipelines/fraud-detection').slice(before);
    assert.strictEqual(gets.length, 1);
    assert.strictEqual(gets[0].query.selector, 'all');
    assert.ok(
      emu.requests.filter((r) => r.path === '/v0/pipelines').every((r) => r.query.selector === 'status'),
      'refreshes never ask for program code (selector=status)',
    );
  });

  it('shows a status change after a refresh, with stable ids and the same item objects', async () => {
    const before = await pipelines();
    emu.updatePipeline('orders', { deploymentStatus: 'Paused', desiredStatus: 'Paused' });
    await vscode.commands.executeCommand('feldera.refreshPipelines');
    const after = await pipelines();
    assert.strictEqual(after.get('orders')!.item.description, 'Paused');
    assert.strictEqual((after.get('orders')!.item.iconPath as vscode.ThemeIcon).id, 'debug-pause');
    for (const [name, { node, item }] of before) {
      assert.strictEqual(after.get(name)!.item.id, item.id, `id of ${name} is stable`);
      assert.strictEqual(after.get(name)!.node, node, `node object of ${name} is reused`);
    }
    emu.updatePipeline('orders', { deploymentStatus: 'Running', desiredStatus: 'Running' });
  });

  it('shows an unreachable server as an error item with a retry action, not a popup', async () => {
    const dead = new FelderaEmulator();
    const deadUrl = await dead.start();
    await dead.stop();
    await setServers([
      { name: 'local', url },
      { name: 'gone', url: deadUrl },
    ]);
    await vscode.commands.executeCommand('feldera.refreshPipelines');
    const kids = await children(await serverNode('gone'));
    assert.strictEqual(kids.length, 1);
    const item = await treeItem(kids[0]);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(item.label), /reach|connect|refused/i);
    assert.strictEqual(item.command?.command, 'feldera.refreshPipelines');
    assert.strictEqual((await treeItem(await serverNode('gone'))).description, 'unreachable');
    await setServers([{ name: 'local', url }]);
  });

  it('makes no request while the view is hidden, and refreshes while it is visible', async function () {
    await setSetting('pipelines.refreshIntervalSeconds', 1);
    await vscode.commands.executeCommand('workbench.view.explorer');
    await sleep(500);
    const hiddenFrom = emu.requests.length;
    await sleep(3_000);
    assert.strictEqual(emu.requests.length, hiddenFrom, 'requests were made while the view was hidden');
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    await until('an automatic refresh while visible', () => emu.requests.length >= hiddenFrom + 2, 8_000);
    await setSetting('pipelines.refreshIntervalSeconds', 0);
  });

  it('looks right in the browser (screenshot: tree)', async function () {
    if (!ui.available()) this.skip();
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    await ui.waitFor('.monaco-list-row', { text: 'fraud-detection' });
    await ui.click('.monaco-list-row:has-text("fraud-detection")');
    await ui.waitFor('.monaco-list-row', { text: 'Host 2' });
    const rows = await ui.texts('.pane-body .monaco-list-row');
    assert.ok(
      rows.some((r) => r.includes('orders') && r.includes('Running')),
      `tree rows: ${rows.join(' | ')}`,
    );
    await ui.screenshot('tree');
  });
});
