// Issue: the Pipelines tree with live status, in the real extension host against the emulator.
import assert from 'assert';
import * as net from 'net';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import {
  assertEvery,
  children,
  extensionApi,
  serverNode,
  setServers,
  setSetting,
  sleep,
  treeItem,
  until,
} from '../support';
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
    const fraud = p.get('fraud-detection')!.node;
    // Expanding asks for the count and shows "Loading hosts…" until it is known (the tree never waits).
    const first = await children(fraud);
    assert.deepStrictEqual(await Promise.all(first.map(async (h) => String((await treeItem(h)).label))), [
      'Loading hosts…',
    ]);
    const api = await extensionApi();
    await until('the host count', () => api.model.hosts(url, 'fraud-detection') !== undefined);
    const hosts = await children(fraud);
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
    assertEvery(
      emu.requests.filter((r) => r.path === '/v0/pipelines'),
      (r) => r.query.selector === 'status',
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

  it('shows every server at once and each on its own: a hung one is "connecting…" while the others are listed, then unreachable with Retry', async function () {
    // Accepts the connection and never answers, like a server stuck behind a proxy.
    const sockets = new Set<net.Socket>();
    let accepted = 0;
    const hung = net.createServer((s) => {
      accepted++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.resume();
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const hungUrl = `http://127.0.0.1:${(hung.address() as net.AddressInfo).port}`;
    const api = await extensionApi();
    const stillConnecting = () => api.model.state(hungUrl).kind === 'idle';
    try {
      await vscode.commands.executeCommand('workbench.view.extension.feldera');
      await setServers([
        { name: 'hung', url: hungUrl },
        { name: 'local', url },
      ]);
      const roots = await children();
      assert.deepStrictEqual(
        roots.map((r) => r.kind === 'server' && r.server.name),
        ['hung', 'local'],
      );
      assert.ok(stillConnecting(), 'the roots waited for the hung server');
      assert.strictEqual((await treeItem(roots[0])).description, 'connecting…');

      // The healthy server is listed, and refreshes, while the hung one still loads.
      await vscode.commands.executeCommand('feldera.refreshPipelines', 'local');
      assert.ok(stillConnecting(), 'refreshing local waited for the hung server');
      const local = await children(await serverNode('local'));
      assertEvery(local, (n) => n.kind === 'pipeline', "local's children are its pipelines");
      const hungKids = await children(await serverNode('hung'));
      assert.strictEqual(hungKids.length, 1);
      assert.match(String((await treeItem(hungKids[0])).label), /Connecting/);
      // Without the UI driver (desktop runs) the view itself is not looked at, and the test ends as skipped below.
      if (ui.available()) {
        // In the real tree: the hung server's row (drawn at once) beside local's pipelines.
        await ui.waitFor('.pane-body .monaco-list-row', { text: 'connecting…' });
        await ui.waitFor('.pane-body .monaco-list-row', { text: 'orders' });
        const rows = await ui.texts('.pane-body .monaco-list-row');
        assert.ok(stillConnecting(), 'the view showed local only once the hung server had given up');
        assert.ok(
          rows.some((r) => r.startsWith('hung') && r.includes('connecting…')) &&
            !rows.some((r) => r.startsWith('gone')),
          `rows: ${rows.join(' | ')}`,
        );
      }

      // The hung server ends as unreachable, with Retry, without any popup.
      await until('the hung server to give up', () => api.model.state(hungUrl).kind === 'error', 20_000);
      assert.strictEqual((await treeItem(await serverNode('hung'))).description, 'unreachable');
      const [message] = await children(await serverNode('hung'));
      const item = await treeItem(message);
      assert.match(String(item.label), /did not answer in time/);
      assert.strictEqual(item.command?.command, 'feldera.refreshPipelines');
      assert.strictEqual(item.command?.title, 'Retry');
      if (!ui.available()) this.skip();
      // The model's change reached the real tree: the row says so, and clicking the message retries.
      await ui.waitFor('.pane-body .monaco-list-row', { text: 'unreachable' });
      const before = accepted;
      await ui.click('.pane-body .monaco-list-row:has-text("did not answer in time")');
      await until('Retry to ask the hung server again', () => accepted > before);
    } finally {
      await setServers([{ name: 'local', url }]);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('answers the view from memory: no getChildren or getTreeItem waits for the network or the secret storage', async () => {
    // VS Code drops an item's children when a change event for it is handled while it waits for them; answers that
    // never wait leave no such moment. Here every node is asked while loads are still to be made: a first load, an
    // unknown host count.
    const api = await extensionApi();
    const provider = api.view.provider;
    const settled = async <T>(answer: T | Thenable<T>, what: string): Promise<T> => {
      let done = false;
      let value: T | undefined;
      void Promise.resolve(answer).then((v) => {
        done = true;
        value = v;
      });
      await new Promise((r) => setImmediate(r));
      assert.ok(done, `${what} waited for something`);
      return value as T;
    };
    await setServers([]);
    emu.faults.delayMs = 300;
    try {
      await setServers([{ name: 'local', url }]);
      let asked = 0;
      const walk = async (node?: TreeNode): Promise<void> => {
        if (node) await settled(provider.getTreeItem(node), `getTreeItem(${node.id})`);
        for (const child of await settled(provider.getChildren(node), `getChildren(${node?.id ?? 'root'})`)) {
          asked++;
          await walk(child);
        }
      };
      await walk();
      await until('local to load', () => api.model.state(url).kind === 'ok');
      await walk();
      const fraud = (await children(await serverNode('local'))).find(
        (n) => n.kind === 'pipeline' && n.name === 'fraud-detection',
      )!;
      await until('the host count of fraud-detection', () => api.model.hosts(url, 'fraud-detection') !== undefined);
      await walk();
      assert.deepStrictEqual(
        (await children(fraud)).map((h) => h.kind === 'host' && h.ordinal),
        [0, 1, 2],
      );
      assert.ok(asked > 10, `only ${asked} nodes were asked`);
    } finally {
      emu.faults.delayMs = undefined;
    }
  });

  it("draws a server's pipelines in the real tree whenever it is added, however its first load and the drawing interleave", async function () {
    if (!ui.available()) this.skip();
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    const api = await extensionApi();
    try {
      for (let i = 0; i < 8; i++) {
        await setServers([]);
        await ui.waitFor('.pane-body .monaco-list-row', { text: 'orders', state: 'detached' });
        // A first load that ends while VS Code is still drawing the server (a few ms either way each round).
        emu.faults.delayMs = (i % 4) * 15;
        await setServers([{ name: 'local', url }]);
        await until('local to load', () => api.model.state(url).kind === 'ok');
        await ui
          .waitFor('.pane-body .monaco-list-row', { text: 'orders', timeoutMs: 5_000 })
          .catch((e: Error) => assert.fail(`round ${i}: the loaded server shows no pipelines: ${e.message}`));
      }
    } finally {
      emu.faults.delayMs = undefined;
      await setServers([{ name: 'local', url }]);
    }
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
