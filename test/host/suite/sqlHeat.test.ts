// Issue 13: CPU in SQL, in the real extension host and browser. A profile collected from the emulator is opened, "Show
// CPU in SQL" is clicked in the profile editor's title bar, and what the page shows is checked against what this test
// computes itself from the profile and its SQL context (the top operator's lines, each line's share, each statement's
// share): gutter marks and line backgrounds (Monaco's `.cgmr` / `.cdr` elements of the extension's decoration types),
// CodeLens texts (`.codelens-decoration`) and the hover (`.monaco-hover`). Then the same two files alone with no
// server, a workspace SQL file that differs (or matches), a broken companion, and three hosts summed.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { readProfileModel } from '../../../src/profile';
import { HEAT_LEVELS, MIN_MARKED_SHARE } from '../../../src/sql/heat';
import { companionPathFor, openSqlContext, type SqlJoin } from '../../../src/sql';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import {
  closeAllNotifications,
  extensionApi,
  setServers,
  setSetting,
  until,
  waitForNotification,
  workspaceRoot,
} from '../support';

const EDITOR = '.editor-group-container.active';
const PAGE = { frameUrlContains: '' };
const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };
/** Decorations of an extension's decoration types carry this in their generated class name. */
const OURS = '[class*="TextEditorDecorationType"]';

interface Expected {
  /** The operator with the most self CPU among those with a line in the SQL. */
  top: { nodeId: string; name: string; startLine: number; endLine: number };
  /** Per line (1-based): the share of all operators' CPU of those whose first position covers it. */
  lineShare: number[];
  /** CodeLens title per CREATE TABLE/VIEW start line, in order. */
  lenses: { line: number; title: string }[];
  lineCount: number;
  /** The largest of lineShare. */
  hottestShare: number;
}

/** What the page must show, computed here from the files: the profile reader, the join, and the heat rules. */
async function expectedHeat(files: string[]): Promise<Expected> {
  const self = new Map<string, { cpu: number; evals: number; name: string }>();
  let total = 0;
  for (const f of files) {
    const read = await readProfileModel(f);
    assert.ok(read.ok, `read ${f}`);
    const table = read.model.operatorTable({});
    total += table.totalCpuUs;
    for (const r of table.rows) {
      const s = self.get(r.nodeId) ?? { cpu: 0, evals: 0, name: r.name };
      s.cpu += r.selfCpuUs;
      s.evals += r.evals;
      self.set(r.nodeId, s);
    }
  }
  const ctx = await openSqlContext(files[0]);
  assert.ok(ctx.ok, `SQL context of ${files[0]}`);
  const join: SqlJoin = ctx.join;
  const placed = [...self].filter(([id]) => join.operator(id).positions.length > 0);
  assert.ok(placed.length > 0, 'some operator of the profile has a line in the SQL');
  placed.sort((a, b) => b[1].cpu - a[1].cpu);
  const [topId, topCost] = placed[0];
  const topPos = join.operator(topId).positions[0];
  const lineShare = new Array<number>(join.lineCount + 1).fill(0);
  for (const [id, c] of placed) {
    const p = join.operator(id).positions[0];
    for (let l = p.startLine; l <= p.endLine; l++) lineShare[l] += c.cpu / total;
  }
  const perStatement = new Map<number, { cpu: number; ops: number }>();
  for (const [id, c] of self) {
    if (c.cpu <= 0 && c.evals <= 0) continue;
    const s = join.operator(id).statement;
    if (!s) continue;
    const g = perStatement.get(s.index) ?? { cpu: 0, ops: 0 };
    g.cpu += c.cpu;
    g.ops += 1;
    perStatement.set(s.index, g);
  }
  const pct = (share: number) => {
    const p = 100 * share;
    return p >= 99.95 ? '100%' : p > 0 && p < 0.05 ? '<0.1%' : `${p.toFixed(1)}%`;
  };
  const lenses = join.statements
    .filter((s) => perStatement.has(s.index) || (!s.declaration && (s.kind === 'table' || s.kind === 'view')))
    .map((s) => {
      const g = perStatement.get(s.index);
      const title = g
        ? `${pct(g.cpu / total)} CPU · ${g.ops} operator${g.ops === 1 ? '' : 's'}`
        : 'no CPU in this profile';
      return { line: s.startLine, title };
    });
  return {
    top: { nodeId: topId, name: topCost.name, startLine: topPos.startLine, endLine: topPos.endLine },
    lineShare,
    lenses,
    lineCount: join.lineCount,
    hottestShare: Math.max(...lineShare),
  };
}

/** The line numbers the active editor renders, in DOM order (one margin row each). */
async function renderedLines(): Promise<number[]> {
  return (await ui.texts(`${EDITOR} .margin-view-overlays .line-numbers`)).map((t) => Number(t.trim()));
}

type Marks = { gutter: boolean; background: boolean };

/**
 * Whether the gutter and the background of the `index`-th rendered line carry one of the extension's decorations:
 * the line's margin row, its glyph-margin widget and its overlay row share their `top`.
 */
async function marksOfRow(index: number): Promise<Marks> {
  const topOf = async () => {
    const style = await ui.frameAttr(`${EDITOR} .margin-view-overlays > div:nth-child(${index + 1})`, 'style', PAGE);
    const top = /top:\s*([\d.]+)px/.exec(style ?? '')?.[1];
    assert.ok(top, `no top in the style of margin row ${index + 1}: ${style}`);
    return top;
  };
  const present = (selector: string) =>
    ui.frameAttr(selector, 'class', { ...PAGE, timeoutMs: 0 }).then(
      () => true,
      () => false,
    );
  // A CodeLens arriving moves the lines below it: read again until the row stayed put while it was looked at.
  for (;;) {
    const top = await topOf();
    // Monaco writes a row's style as `top: 35px;` or `top:35px;` depending on how it built the row.
    const at = `:is([style*="top: ${top}px;"], [style*="top:${top}px;"])`;
    const marks = {
      gutter: await present(`${EDITOR} .glyph-margin-widgets .cgmr${OURS}${at}`),
      background: await present(`${EDITOR} .view-overlays > div${at} > .cdr${OURS}`),
    };
    if ((await topOf()) === top) return marks;
  }
}

/** The marks of every rendered line. */
async function marks(): Promise<Map<number, Marks>> {
  const lines = await renderedLines();
  const out = new Map<number, Marks>();
  for (const [i, line] of lines.entries()) out.set(line, await marksOfRow(i));
  return out;
}

/** The marks of one line (it must be rendered). */
async function marksOn(line: number): Promise<Marks> {
  const index = (await renderedLines()).indexOf(line);
  assert.ok(index >= 0, `line ${line} is not rendered`);
  return marksOfRow(index);
}

/** The statement CodeLens titles the page shows, in order (the summary and Clear lenses left out). */
async function lensTitles(): Promise<string[]> {
  const texts = await ui.texts(`${EDITOR} .codelens-decoration`);
  return texts
    .flatMap((t) => t.split('|'))
    .map((t) => t.trim())
    .filter((t) => t && t !== 'Clear' && !t.includes('CPU in SQL from'));
}

async function waitForHeat(e: Expected): Promise<void> {
  await until(`a heat mark on line ${e.top.startLine}`, async () => (await marksOn(e.top.startLine)).gutter, 20_000);
}

/** Checks the marks of every rendered line against the expected shares; returns the marked lines. */
async function checkMarks(e: Expected): Promise<number[]> {
  const seen = await marks();
  assert.ok(seen.size > 0, 'the SQL editor renders lines');
  for (let l = e.top.startLine; l <= e.top.endLine; l++) {
    if (!seen.has(l)) continue;
    assert.deepStrictEqual(seen.get(l), { gutter: true, background: true }, `the top operator's line ${l}`);
  }
  for (const [line, m] of seen) {
    // Marked: at least the least share of all CPU, and the first level's fraction of the hottest line.
    const hot = e.lineShare[line] >= MIN_MARKED_SHARE && e.lineShare[line] / e.hottestShare >= HEAT_LEVELS[0];
    assert.deepStrictEqual(m, { gutter: hot, background: hot }, `line ${line}: share ${e.lineShare[line]}`);
  }
  return [...seen].filter(([, m]) => m.gutter).map(([l]) => l);
}

async function checkLenses(e: Expected): Promise<string[]> {
  const rendered = new Set(await renderedLines());
  const want = e.lenses.filter((l) => rendered.has(l.line)).map((l) => l.title);
  assert.ok(want.length > 0, 'some CREATE statement is on screen');
  const titles = await until('the CodeLenses', async () => {
    const t = await lensTitles();
    return t.length >= want.length ? t : undefined;
  });
  assert.deepStrictEqual(titles, want);
  return titles;
}

/** Puts the cursor on `line` and shows the hover from the keyboard (Ctrl+K Ctrl+I's command); returns its text. */
async function hoverText(line: number): Promise<string> {
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'a text editor is active');
  editor.selection = new vscode.Selection(line - 1, 0, line - 1, 0);
  editor.revealRange(editor.selection);
  await vscode.commands.executeCommand('editor.action.showHover');
  return ui.text('.monaco-hover', { hasText: 'Feldera CPU', timeoutMs: 10_000 });
}

function checkHover(text: string, e: Expected): void {
  assert.match(text, new RegExp(`Feldera CPU · line ${e.top.startLine}`));
  assert.ok(text.includes(`${e.top.name} ${e.top.nodeId}`), `the hover names ${e.top.name} ${e.top.nodeId}: ${text}`);
  assert.match(text, /self CPU, [\d.<]+% · [\d,]+ evals · \d+ workers: min /);
}

async function activeSql(scheme: string): Promise<vscode.TextEditor> {
  return (await until<vscode.TextEditor | undefined>(`an editor of ${scheme}: SQL`, () => {
    const ed = vscode.window.activeTextEditor;
    return ed?.document.uri.scheme === scheme && ed.document.uri.path.endsWith('.sql') ? ed : undefined;
  }))!;
}

function copyPair(profile: string, folder: string): string {
  fs.mkdirSync(folder, { recursive: true });
  const to = path.join(folder, path.basename(profile));
  fs.copyFileSync(profile, to);
  fs.copyFileSync(companionPathFor(profile), companionPathFor(to));
  return to;
}

interface ShowResult {
  document: vscode.Uri;
  source: 'workspace' | 'profiled';
  profiles: vscode.Uri[];
}

describe('CPU in SQL', function () {
  this.timeout(180_000);
  let emu: FelderaEmulator;
  let url: string;
  let profile: string;
  let expected: Expected;
  let seenFirst: { marked: number[]; lenses: string[] };
  const scratch: string[] = [];

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'orders', workers: 4 },
        { name: 'fraud', hosts: 3, workers: 4 },
      ],
      postWaitMs: 100,
    });
    url = await emu.start();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
    await setServers([{ name: 'local', url }]);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setServers([]);
    await emu?.stop();
    for (const p of scratch) fs.rmSync(p, { recursive: true, force: true });
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('feldera.clearCpuInSql');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await closeAllNotifications();
  });

  it('collects a profile, opens it, and Show CPU in SQL marks the lines of its top operator (screenshot: sql-heat)', async () => {
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 1,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    profile = uris[0].fsPath;
    assert.ok(fs.existsSync(companionPathFor(profile)), 'the SQL context was saved beside the profile');
    expected = await expectedHeat([profile]);
    await closeAllNotifications();

    // As a user does: open the profile, click "Show CPU in SQL" in its title bar.
    await vscode.commands.executeCommand('vscode.open', uris[0]);
    await ui.frameText('#meta', { ...WEBVIEW, hasText: 'threads' });
    await ui.click('.editor-actions a[aria-label="Show CPU in SQL"]', { timeoutMs: 20_000 });
    // The pointer leaves the title bar (where the SQL editor's own actions appear, with their tooltips).
    await ui.hover('.part.statusbar');
    const editor = await activeSql('feldera-sql');
    assert.strictEqual(editor.document.lineCount, expected.lineCount);
    assert.ok(editor.document.isClosed === false && editor.document.languageId === 'sql');

    await waitForHeat(expected);
    const lenses = await checkLenses(expected);
    const marked = await checkMarks(expected);
    assert.ok(marked.includes(expected.top.startLine));
    const summary = await ui.text(`${EDITOR} .codelens-decoration`, { hasText: 'CPU in SQL from' });
    assert.ok(summary.includes(path.basename(profile)), summary);
    checkHover(await hoverText(expected.top.startLine), expected);
    seenFirst = { marked, lenses };

    // The README's picture: the side bar closed, the pointer out of the way (on the status bar), the hover open.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    try {
      await hoverText(expected.top.startLine);
      await until('the hover to settle', async () => (await ui.text('.monaco-hover')).includes('evals'));
      await ui.screenshot('sql-heat');
    } finally {
      await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
    }

    // "Clear CPU in SQL" in the SQL editor's title bar removes marks and lenses.
    await vscode.commands.executeCommand('editor.action.hideHover');
    await ui.click(`${EDITOR} .editor-actions a[aria-label="Clear CPU in SQL"]`);
    await until('the marks to go', async () => [...(await marks()).values()].every((m) => !m.gutter && !m.background));
    await until(
      'the lenses to go',
      async () => (await ui.texts(`${EDITOR} .codelens-decoration`, { timeoutMs: 1000 }).catch(() => [])).length === 0,
    );
  });

  it('shows the same heat from the two files alone, copied to a fresh folder, with no server configured', async function () {
    if (!profile) this.skip();
    await setServers([]);
    const copy = copyPair(profile, path.join(workspaceRoot(), 'from-a-colleague'));
    scratch.push(path.dirname(copy));
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(copy), 'feldera.samplyProfile');
    await ui.frameText('#meta', { ...WEBVIEW, hasText: 'threads' });
    await ui.click('.editor-actions a[aria-label="Show CPU in SQL"]', { timeoutMs: 20_000 });
    await activeSql('feldera-sql');
    await waitForHeat(expected);
    assert.deepStrictEqual(await checkLenses(expected), seenFirst.lenses);
    assert.deepStrictEqual(await checkMarks(expected), seenFirst.marked);
    checkHover(await hoverText(expected.top.startLine), expected);
  });

  it('says so when the workspace SQL file differs, shows the profiled SQL; a file with the same SQL gets the heat', async function () {
    if (!profile) this.skip();
    const ctx = await openSqlContext(profile);
    assert.ok(ctx.ok);
    const program = ctx.companion.program.code;
    const onDisk = path.join(workspaceRoot(), 'orders.sql');
    scratch.push(onDisk);
    fs.writeFileSync(onDisk, program.replace(/fact_1/g, 'fact_one'));
    const differs = (await vscode.commands.executeCommand('feldera.showCpuInSql', [
      vscode.Uri.file(profile),
    ])) as ShowResult;
    assert.strictEqual(differs.source, 'profiled');
    assert.strictEqual(differs.document.scheme, 'feldera-sql');
    const note = await waitForNotification('differs from the SQL this profile was taken with');
    assert.match(note, /orders\.sql differs/);
    assert.match(note, /Show the profiled SQL/);
    await activeSql('feldera-sql');
    await waitForHeat(expected);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await closeAllNotifications();

    // The same program with Windows line endings is the same program: its file gets the heat.
    fs.writeFileSync(onDisk, program.replace(/\n/g, '\r\n'));
    const same = (await vscode.commands.executeCommand('feldera.showCpuInSql', [
      vscode.Uri.file(profile),
    ])) as ShowResult;
    assert.strictEqual(same.source, 'workspace');
    assert.strictEqual(same.document.fsPath, onDisk);
    const editor = await activeSql('file');
    await waitForHeat(expected);
    assert.deepStrictEqual(await checkMarks(expected), seenFirst.marked);

    // An edit that changes the program hides the marks (the lines would lie); undoing it brings them back.
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), '-- a new first line\n'));
    await until('the marks to hide', async () => !(await marksOn(expected.top.startLine)).gutter);
    await vscode.commands.executeCommand('undo');
    await waitForHeat(expected);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    fs.rmSync(onDisk, { force: true });
  });

  it('a broken or missing companion: one line saying why, no SQL opened, and the profile still opens', async function () {
    if (!profile) this.skip();
    const copy = copyPair(profile, path.join(workspaceRoot(), 'broken-context'));
    scratch.push(path.dirname(copy));
    const text = fs.readFileSync(companionPathFor(copy), 'utf8');
    fs.writeFileSync(companionPathFor(copy), text.slice(0, Math.floor(text.length / 2)));
    const r = await vscode.commands.executeCommand('feldera.showCpuInSql', [vscode.Uri.file(copy)]);
    assert.strictEqual(r, undefined);
    const note = await waitForNotification(`no CPU in SQL for ${path.basename(copy)}`);
    assert.match(note, /The SQL context file is damaged \(not complete JSON\)\./);
    assert.ok(
      !vscode.window.visibleTextEditors.some((e) => e.document.uri.path.endsWith('.sql')),
      'no SQL editor was opened',
    );
    await closeAllNotifications();

    fs.rmSync(companionPathFor(copy));
    assert.strictEqual(
      await vscode.commands.executeCommand('feldera.showCpuInSql', [vscode.Uri.file(copy)]),
      undefined,
    );
    await waitForNotification('No SQL context was saved with this profile');

    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(copy), 'feldera.samplyProfile');
    assert.match(await ui.frameText('#meta', { ...WEBVIEW, hasText: 'threads' }), /threads/);
  });

  it('sums the hosts of a multihost collection: offers the other hosts, Enter takes them all', async () => {
    await setServers([{ name: 'local', url }]);
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'fraud',
      ordinal: 'all',
      durationSeconds: 1,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 3);
    const files = uris.map((u) => u.fsPath);
    await closeAllNotifications();
    // Host 1's file first: the files of hosts 0 and 2 are offered, all checked.
    const running = vscode.commands.executeCommand('feldera.showCpuInSql', uris[1]) as Thenable<ShowResult>;
    const title = await ui.text('.quick-input-widget', { hasText: 'sum the CPU of which hosts' });
    assert.match(title, /Host 0[\s\S]*Host 1[\s\S]*Host 2/);
    const checked = await ui.texts('.quick-input-widget .monaco-list-row[aria-checked="true"]');
    assert.strictEqual(checked.length, 3, `checked rows: ${checked.join(' / ')}`);
    await ui.press('Enter');
    const result = await running;
    assert.deepStrictEqual(
      result.profiles.map((p) => p.fsPath),
      [files[1], files[0], files[2]],
    );
    const summed = await expectedHeat([files[1], files[0], files[2]]);
    await activeSql('feldera-sql');
    await waitForHeat(summed);
    const lenses = await checkLenses(summed);
    await checkMarks(summed);
    const one = await expectedHeat([files[1]]);
    assert.notDeepStrictEqual(
      lenses,
      one.lenses.map((l) => l.title),
      'the summed shares differ from host 1 alone (the emulator gives each host its own figures)',
    );
    const summary = await ui.text(`${EDITOR} .codelens-decoration`, { hasText: 'CPU in SQL from' });
    assert.match(summary, /CPU in SQL from 3 hosts/);
  });
});
