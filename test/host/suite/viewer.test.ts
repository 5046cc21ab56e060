// Issue: the built-in samply profile summary (custom editor), in the real extension host and browser.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as vscode from 'vscode';
import { readProfileModel } from '../../../src/profile';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import { extensionApi, workspaceRoot } from '../support';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'samply', 'fixtures');
const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };

describe('Samply profile viewer', function () {
  this.timeout(90_000);

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens a real samply profile and shows its top function', async function () {
    const fixture = path.join(FIXTURES, 'agave-bench-shred-v55-linux.json.gz');
    if (!fs.existsSync(fixture)) {
      console.log(`skipped: ${FIXTURES} not found (../shared is absent in this clone)`);
      this.skip();
    }
    await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(fixture));
    const top = await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
    assert.strictEqual(top.trim(), '0x11806d [libc.so.6]', 'top self function over all threads (SOURCES.md values)');
    const total = await ui.frameText('#top-total tbody tr:first-child td:first-child', WEBVIEW);
    assert.strictEqual(total.trim(), '0xf2b950 [solana]');
  });

  it('is the default editor for profiles saved in .feldera/profiles', async () => {
    const fixture = path.join(FIXTURES, 'agave-bench-shred-v55-linux.json.gz');
    const dir = path.join(workspaceRoot(), '.feldera', 'profiles');
    fs.mkdirSync(dir, { recursive: true });
    const saved = path.join(dir, 'viewer-default-samply-20260101T000000Z.json.gz');
    // A profile like the ones the extension saves: the emulator's v57 profile if the fixture is absent.
    fs.writeFileSync(
      saved,
      fs.existsSync(fixture) ? fs.readFileSync(fixture) : FelderaEmulator.smallProfileBytes('viewer-default', 0, 1),
    );
    try {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(saved));
      const top = await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
      assert.ok(top.trim().length > 0, 'the Samply Profile editor opened and shows a top function');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(saved, { force: true });
    }
  });

  it('shows a clear message and "Open with samply" for a file that is not a profile', async () => {
    const bad = path.join(workspaceRoot(), 'not-a-profile.json.gz');
    fs.writeFileSync(bad, zlib.gzipSync(Buffer.from('<html>proxy error</html>')));
    try {
      await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(bad));
      const msg = await ui.frameText('#error-message', { ...WEBVIEW, hasText: 'JSON' });
      assert.match(msg, /JSON/i);
      const button = await ui.frameText('#open-samply', { ...WEBVIEW, hasText: 'samply' });
      assert.match(button, /samply/i);
    } finally {
      fs.rmSync(bad, { force: true });
    }
  });
});

describe('Samply profile viewer, driven from the keyboard and mouse', function () {
  this.timeout(120_000);
  const fixture = path.join(FIXTURES, 'agave-bench-shred-v55-linux.json.gz');
  const cell = '#top-self tbody tr:first-child td:first-child';
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let end = Date.now() + 20_000; !(await check());) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
    if (!fs.existsSync(fixture)) {
      console.log(`skipped: ${FIXTURES} not found (../shared is absent in this clone)`);
      this.skip();
    }
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('filters threads, selects with Enter, shows callers and callees, searches, zooms and hovers the flame graph', async () => {
    // What the webview must show, from the same reader in this process.
    const local = await readProfileModel(fixture);
    assert.ok(local.ok);
    const solana = local.model.threads.find((t) => t.tid === '958757.1');
    assert.ok(solana, 'the fixture has the "solana" thread of SOURCES.md');
    const only = { threads: [solana.index] };
    const sel = local.model.summarizeSelection({ ...only, topN: 100 });
    assert.strictEqual(sel.topSelf[0].self, 111, 'SOURCES.md: top self of the busiest thread');

    await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(fixture));
    await ui.frameText(cell, WEBVIEW);

    // The filter keeps the thread whose tid matches; Enter in the filter selects what it shows.
    await ui.frameFill('#thread-filter', '958757.1', WEBVIEW);
    await until(
      'the filter to leave one thread',
      async () => (await ui.frameTexts('#thread-list [role="option"]', WEBVIEW)).length === 1,
    );
    assert.match((await ui.frameTexts('#thread-list [role="option"]', WEBVIEW))[0], /solana/);
    await ui.frameClick('#thread-filter', WEBVIEW);
    await ui.press('Enter');
    await ui.frameText(cell, { ...WEBVIEW, hasText: sel.topSelf[0].name });
    const row = (await ui.frameTexts('#top-self tbody tr:first-child td', WEBVIEW)).map((t) => t.trim());
    assert.deepStrictEqual(row.slice(0, 2), [sel.topSelf[0].name, '111']);
    assert.match(await ui.frameText('#thread-count', WEBVIEW), /^1 of 38 selected$/);

    // A click selects a function; ArrowDown + Enter the next one, whose callers and callees are listed.
    await ui.frameClick('#top-self tbody tr:first-child', WEBVIEW);
    await ui.frameText('#details-name', { ...WEBVIEW, hasText: sel.topSelf[0].name });
    await ui.press('ArrowDown');
    await ui.press('Enter');
    const second = sel.topSelf[1];
    await ui.frameText('#details-name', { ...WEBVIEW, hasText: second.name });
    const details = local.model.functionDetails(second.id, only);
    assert.ok(details);
    const names = async (table: string) =>
      (await ui.frameTexts(`#${table} tbody tr td:first-child`, WEBVIEW)).map((t) => t.trim());
    assert.deepStrictEqual(
      await names('callers'),
      details.callers.length ? details.callers.map((c) => c.name) : ['No callers in this selection.'],
    );
    assert.deepStrictEqual(
      await names('callees'),
      details.callees.length ? details.callees.map((c) => c.name) : ['It calls nothing: all its time is self time.'],
    );

    // Search highlights the matching function and says how much of the selection it covers.
    const top = sel.topTotal[0];
    await ui.frameFill('#flame-search', top.name, WEBVIEW);
    const pct = ((100 * top.total) / sel.stackWeight).toFixed(1);
    await ui.frameText('#flame-search-info', { ...WEBVIEW, hasText: `1 function, ${pct}%` });

    // The flame graph from the keyboard: Home, ArrowDown, Enter zooms into a node (and selects its function);
    // Escape zooms out again.
    assert.strictEqual(await ui.frameAttr('#flame-reset', 'disabled', WEBVIEW), '', 'zoomed before anything was done');
    await ui.frameClick('#flame-heading', WEBVIEW);
    await ui.press('Tab'); // the search box
    await ui.press('Tab'); // Reset zoom is disabled: the canvas is next
    await ui.press('Home');
    await ui.press('ArrowDown');
    await ui.press('Enter');
    await until('the zoom', async () => (await ui.frameAttr('#flame-reset', 'disabled', WEBVIEW)) === null);
    const crumbs = (await ui.frameTexts('#flame-breadcrumb .crumb', WEBVIEW)).map((t) => t.trim());
    assert.strictEqual(crumbs[0], 'All');
    assert.ok(crumbs.length >= 2, `breadcrumb: ${crumbs.join(' › ')}`);
    await ui.frameText('#details-name', { ...WEBVIEW, hasText: crumbs[crumbs.length - 1] });
    await ui.screenshot('profile-zoomed');
    await ui.press('Escape');
    await until('the zoom to reset', async () => (await ui.frameAttr('#flame-reset', 'disabled', WEBVIEW)) === '');

    // Hovering a frame of the graph (the top row, at its left) tells its function and weights.
    await ui.frameHover('#flame-graph', { ...WEBVIEW, at: { x: 12, y: 9 } });
    const tip = await ui.frameText('#flame-tooltip', { ...WEBVIEW, hasText: 'Self:' });
    const title = tip.split('\n')[0].trim();
    assert.ok(
      sel.funcs.some((f) => f.name === title),
      `the tooltip names no function of the selection: ${tip}`,
    );
    assert.match(tip, /Total: [\d,]+ samples \(/);
    assert.match(tip, /Self: [\d,]+ samples \(/);
  });
});
