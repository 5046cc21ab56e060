// Issue 13, "operators know their SQL": in the Samply Profile editor each operator row names its table/view and the
// lines of the pipeline's SQL it comes from, a By SQL section sums the operators' CPU per view/table and per statement
// (with "no SQL position" as a row of its own), for the selected threads and time range, and a position opens the SQL
// there. Driven by hand in the real extension host and browser (clicks, keys) on a profile collected from the
// emulator (whose pipelines serve Feldera's fixture SQL and node ids), checked against the join and the profile model
// computed here from the same two files. Then the profile without its SQL context: the columns off, the reason said.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import * as vscode from 'vscode';
import { readProfileModel, type ProfileModel, type TimeRange } from '../../../src/profile';
import {
  companionPathFor,
  NO_SQL_POSITION,
  openSqlContext,
  rangeLabel,
  type Companion,
  type SqlAggregation,
  type SqlCostGroup,
  type SqlJoin,
  type SqlRange,
} from '../../../src/sql';
import { normaliseSql } from '../../../src/sqlView/sqlDocuments';
import { formatMicros, formatNumber, formatPercent } from '../../../src/viewer/webview/format';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import { closeAllNotifications, extensionApi, setServers, setSetting, until, workspaceRoot } from '../support';

const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };
const WAIT_MS = 30_000;
const OPERATOR_ROW = '#operators tbody tr[data-node]';
const BYSQL_ROW = '#bysql tbody tr[data-key]';

/** Waits until `get()` deep-equals `want`; on timeout, says what it was last. */
async function untilEqual<T>(what: string, get: () => Promise<T>, want: T): Promise<void> {
  let last: T | undefined;
  try {
    await until(what, async () => isDeepStrictEqual((last = await get()), want), WAIT_MS);
  } catch (e) {
    assert.deepStrictEqual(last, want, (e as Error).message);
  }
}

/** The operator table's rows as the page shows them, cell by cell. */
async function operatorCells(): Promise<string[][]> {
  return (await ui.frameTexts(OPERATOR_ROW, WEBVIEW)).map((r) => r.split('\t').map((c) => c.trim()));
}

/** [node id, relation, lines] of every operator row (with the SQL columns: name, node, relation, lines, CPU…). */
async function operatorSql(): Promise<[string, string, string][]> {
  return (await operatorCells()).map((r) => [r[1], r[2], r[3]]);
}

function expectedOperatorSql(join: SqlJoin, nodeIds: string[]): [string, string, string][] {
  return nodeIds.map((id) => {
    const op = join.operator(id);
    return [id, op.relation ?? '–', op.positions[0] ? rangeLabel(op.positions[0]) : '–'];
  });
}

/** What a By SQL row shows: its label (the detail left out), lines, CPU and share. */
type ShownRow = [string, string, string, string];

async function bySqlShown(): Promise<ShownRow[]> {
  const labels = await ui.frameTexts(`${BYSQL_ROW} .sql-name`, WEBVIEW);
  const rows = (await ui.frameTexts(BYSQL_ROW, WEBVIEW)).map((r) => r.split('\t').map((c) => c.trim()));
  return rows.map((r, i) => [labels[i].trim(), r[1], r[2], r[3]]);
}

/** The exact CPU the page holds for each By SQL row (data-cpu-us). */
async function bySqlCpu(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) {
    out.push(Number(await ui.frameAttr(`${BYSQL_ROW}:nth-child(${i})`, 'data-cpu-us', WEBVIEW)));
  }
  return out;
}

type Grouping = 'relation' | 'statement';

/** The rows a grouping must show, from join.aggregate of the model's operator table for that selection. */
function expectedBySql(join: SqlJoin, agg: SqlAggregation, grouping: Grouping): ShownRow[] {
  const groups = grouping === 'relation' ? agg.byRelation : agg.byStatement;
  return groups.map((g: SqlCostGroup) => {
    let label = NO_SQL_POSITION;
    let lines = '–';
    if (g.key !== '' && grouping === 'relation') {
      label = g.relation!;
      const creator = join.statementOf(g.relation!);
      if (creator) lines = rangeLabel(creator);
    } else if (g.key !== '') {
      const s = g.statement!;
      label = s.keyword ? `${s.keyword}${s.name ? ` ${s.name}` : ''}` : `statement ${s.index + 1}`;
      lines = rangeLabel(s);
    }
    return [label, lines, formatMicros(g.cpuUs), formatPercent(g.cpuUs, agg.total.cpuUs)];
  });
}

function aggregateOf(join: SqlJoin, local: ProfileModel, threads: number[], range?: TimeRange): SqlAggregation {
  const table = local.operatorTable({ threads, range });
  return join.aggregate(table.rows.map((r) => ({ nodeId: r.nodeId, cpuUs: r.selfCpuUs, evals: r.evals })));
}

async function chipRange(): Promise<TimeRange> {
  const start = Number(await ui.frameAttr('#range-chip', 'data-start', WEBVIEW));
  const end = Number(await ui.frameAttr('#range-chip', 'data-end', WEBVIEW));
  return { start, end };
}

/** The selection an editor must have for `p` (1-based, inclusive columns). */
function selectionOf(doc: vscode.TextDocument, p: SqlRange): vscode.Range {
  return doc.validateRange(new vscode.Range(p.startLine - 1, p.startColumn - 1, p.endLine - 1, p.endColumn));
}

/** Waits for a text editor showing the profiled SQL with `p` selected. */
async function sqlEditorAt(companion: Companion, p: SqlRange, what: string): Promise<vscode.TextEditor> {
  let seen = '';
  try {
    return (await until<vscode.TextEditor | undefined>(
      what,
      () => {
        const ed = vscode.window.activeTextEditor;
        if (!ed) return undefined;
        const s = ed.selection;
        seen = `${ed.document.uri.toString()} ${s.start.line}:${s.start.character}-${s.end.line}:${s.end.character}`;
        const isSql = normaliseSql(ed.document.getText()) === normaliseSql(companion.program.code);
        return isSql && s.isEqual(selectionOf(ed.document, p)) ? ed : undefined;
      },
      WAIT_MS,
    ))!;
  } catch (e) {
    throw new Error(`${(e as Error).message}; the active editor: ${seen || 'none'}`);
  }
}

function copyProfile(profile: string, folder: string, withCompanion: boolean): string {
  fs.mkdirSync(folder, { recursive: true });
  const to = path.join(folder, path.basename(profile));
  fs.copyFileSync(profile, to);
  if (withCompanion) fs.copyFileSync(companionPathFor(profile), companionPathFor(to));
  return to;
}

describe('Operators know their SQL: relation, lines and By SQL in the profile editor', function () {
  this.timeout(240_000);
  let emu: FelderaEmulator;
  let url: string;
  let profile: string;
  let local: ProfileModel;
  let join: SqlJoin;
  let companion: Companion;
  let all: number[];
  const scratch: string[] = [];

  const openProfile = async (file: string) => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'feldera.samplyProfile');
    await ui.frameText(OPERATOR_ROW, WEBVIEW);
  };

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'orders', workers: 4 },
        { name: 'fraud', hosts: 2, workers: 4 },
      ],
      postWaitMs: 100,
    });
    url = await emu.start();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
    await setServers([{ name: 'local', url }]);
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 1,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    profile = uris[0].fsPath;
    assert.ok(fs.existsSync(companionPathFor(profile)), 'the SQL context was saved beside the profile');
    await closeAllNotifications();
    const read = await readProfileModel(profile);
    assert.ok(read.ok, 'the collected profile reads in this process');
    local = read.model;
    assert.ok(local.feldera.hasOperators, 'the emulator’s profile has operators');
    all = local.threads.map((t) => t.index);
    const ctx = await openSqlContext(profile);
    assert.ok(ctx.ok, 'the SQL context reads in this process');
    join = ctx.join;
    companion = ctx.companion;
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setServers([]);
    await emu?.stop();
    for (const p of scratch) fs.rmSync(p, { recursive: true, force: true });
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await closeAllNotifications();
  });

  it('every operator row shows its table/view and lines; By SQL sums the CPU per view/table and statement', async () => {
    await openProfile(profile);
    // The rows as the model orders them (by share), each with what the join says of it.
    const order = local.operatorTable({ threads: all, sort: 'share' }).rows.map((r) => r.nodeId);
    const want = expectedOperatorSql(join, order);
    assert.ok(
      want.some(([, rel, lines]) => rel !== '–' && lines !== '–'),
      'some operator has a table/view and lines',
    );
    assert.ok(
      want.some(([, , lines]) => lines === '–'),
      'some operator has no SQL position',
    );
    await untilEqual('the operators’ relation and lines', operatorSql, want);
    assert.strictEqual(await ui.frameAttr('#operators th.sql-col.relation', 'hidden', WEBVIEW), null);
    assert.strictEqual(await ui.frameAttr('#sql-note', 'hidden', WEBVIEW), '', 'no "SQL off" note');

    // By SQL, per view/table: the join's aggregate of the operators' own CPU, "no SQL position" a row of its own.
    const whole = aggregateOf(join, local, all);
    const byRelation = expectedBySql(join, whole, 'relation');
    assert.ok(byRelation.some((r) => r[0] === NO_SQL_POSITION) && byRelation.length >= 3);
    await untilEqual('By SQL per view/table', bySqlShown, byRelation);
    // The rows add up to all operators' CPU: the figure the operator table gives.
    const total = local.operatorTable({ threads: all }).totalCpuUs;
    const cpu = await bySqlCpu(byRelation.length);
    assert.ok(Math.abs(cpu.reduce((a, b) => a + b, 0) - total) <= 1e-6 * total, `${cpu.join('+')} = ${total}`);
    assert.ok(Math.abs(whole.total.cpuUs - total) <= 1e-6 * total);
    const count = await ui.frameText('#operator-count', WEBVIEW);
    assert.ok(count.includes(`${formatMicros(total)} CPU`), count);
    assert.match(
      await ui.frameText('#bysql-count', WEBVIEW),
      new RegExp(
        `^${formatMicros(total).replace('.', '\\.')} CPU of ${formatNumber(order.length)} operators · pipeline orders$`,
      ),
    );

    // Per statement: a click on "Statement".
    await ui.frameClick('#bysql-grouping label:has-text("Statement")', WEBVIEW);
    await untilEqual('By SQL per statement', bySqlShown, expectedBySql(join, whole, 'statement'));
  });

  it('follows the time range (timeline keyboard) and the thread selection', async () => {
    await openProfile(profile);
    const whole = expectedBySql(join, aggregateOf(join, local, all), 'relation');
    await untilEqual('By SQL of the whole profile', bySqlShown, whole);

    // Keyboard on the timeline: Home, Shift+PageDown twice (20 % of the profile), Enter.
    await ui.frameClick('#timeline', WEBVIEW);
    await ui.press('Home');
    for (let k = 0; k < 2; k++) await ui.press('Shift+PageDown');
    await ui.press('Enter');
    await ui.frameText('#range-chip', { ...WEBVIEW, hasText: 'range:' });
    const range = await chipRange();
    const inRange = aggregateOf(join, local, all, range);
    const want = expectedBySql(join, inRange, 'relation');
    assert.notDeepStrictEqual(want, whole, 'the range has other figures than the whole profile');
    await untilEqual('By SQL of the range', bySqlShown, want);
    assert.match(await ui.frameText('#bysql-count', WEBVIEW), / operators in the range · pipeline orders$/);
    const total = local.operatorTable({ threads: all, range }).totalCpuUs;
    const cpu = await bySqlCpu(want.length);
    assert.ok(Math.abs(cpu.reduce((a, b) => a + b, 0) - total) <= 1e-6 * total);

    // One worker alone (a click on its name in the thread list), still in the range.
    const worker = local.threads.find((t) => t.name === 'dbsp-worker-1');
    assert.ok(worker, 'the profile has dbsp-worker-1');
    await ui.frameClick(`#thread-list [data-thread="${worker.index}"] .thread-name`, WEBVIEW);
    const one = expectedBySql(join, aggregateOf(join, local, [worker.index], range), 'relation');
    assert.notDeepStrictEqual(one, want);
    await untilEqual('By SQL of one worker in the range', bySqlShown, one);
    // The operator table follows too, with its SQL columns.
    const order = local.operatorTable({ threads: [worker.index], range, sort: 'share' }).rows.map((r) => r.nodeId);
    await untilEqual('the operators of one worker', operatorSql, expectedOperatorSql(join, order));
  });

  it('a click on an operator’s lines opens the SQL there; Shift+Enter in the table and Enter in By SQL too', async () => {
    await openProfile(profile);
    const order = local.operatorTable({ threads: all, sort: 'share' }).rows.map((r) => r.nodeId);
    await untilEqual('the operators’ relation and lines', operatorSql, expectedOperatorSql(join, order));
    const placed = order.filter((id) => join.operator(id).positions.length > 0);
    assert.ok(placed.length >= 2, 'two operators with lines');

    // A click on the heaviest placed operator's lines.
    const first = join.operator(placed[0]).positions[0];
    await ui.frameClick(`${OPERATOR_ROW}[data-node="${placed[0]}"] td.sql-pos`, WEBVIEW);
    const editor = await sqlEditorAt(companion, first, `the SQL open at ${rangeLabel(first)}`);
    assert.strictEqual(editor.document.languageId, 'sql');
    assert.strictEqual(editor.viewColumn, vscode.ViewColumn.Two, 'beside the profile');
    assert.ok(
      editor.visibleRanges.some((r) => r.contains(editor.selection.start)),
      'the selected lines are in view',
    );
    // It opened the SQL; it did not select the operator.
    assert.strictEqual(
      await ui.frameAttr(`${OPERATOR_ROW}[data-node="${placed[0]}"]`, 'aria-selected', WEBVIEW),
      'false',
    );

    // Keyboard: from the filter box ↓ to the first row, ↓ to the second placed operator's row, Shift+Enter.
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await ui.frameClick('#operator-filter', WEBVIEW);
    const index = order.indexOf(placed[1]);
    for (let k = 0; k <= index; k++) await ui.press('ArrowDown');
    await ui.press('Shift+Enter');
    const second = join.operator(placed[1]).positions[0];
    await sqlEditorAt(companion, second, `Shift+Enter: the SQL at ${rangeLabel(second)}`);

    // By SQL per statement, from the keyboard: the grouping's radio, Tab into the rows, ↓ to a statement, Enter.
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await ui.frameClick('#bysql-grouping label:has-text("Statement")', WEBVIEW);
    const statements = aggregateOf(join, local, all).byStatement;
    await untilEqual(
      'By SQL per statement',
      bySqlShown,
      expectedBySql(join, aggregateOf(join, local, all), 'statement'),
    );
    const target = statements.findIndex((g, i) => i > 0 && g.key !== '');
    assert.ok(target > 0, 'a statement below the first row');
    await ui.press('Tab');
    for (let k = 0; k < target; k++) await ui.press('ArrowDown');
    await ui.press('Enter');
    await sqlEditorAt(companion, statements[target].statement!, `Enter: the SQL at ${statements[target].label}`);

    // A click on a view's row opens the statement that creates it.
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await ui.frameClick('#bysql-grouping label:has-text("View/table")', WEBVIEW);
    const rel = aggregateOf(join, local, all).byRelation.find((g) => g.key !== '' && join.statementOf(g.relation!));
    assert.ok(rel);
    await ui.frameClick(`${BYSQL_ROW}[data-key="${rel.key}"]`, WEBVIEW);
    await sqlEditorAt(companion, join.statementOf(rel.relation!)!, `a click: the SQL of ${rel.relation}`);
  });

  it('without its SQL context the profile still works: the SQL columns are off and one line says why', async () => {
    const dir = path.join(workspaceRoot(), 'profile-without-sql');
    scratch.push(dir);
    const alone = copyProfile(profile, dir, false);
    await openProfile(alone);
    const note = await ui.frameText('#sql-note', { ...WEBVIEW, hasText: 'No SQL columns' });
    assert.strictEqual(
      note.trim(),
      `No SQL columns: No SQL context was saved with this profile (${path.basename(companionPathFor(alone))} not found).`,
    );
    assert.strictEqual(await ui.frameAttr('#operators th.sql-col.relation', 'hidden', WEBVIEW), '');
    assert.strictEqual(await ui.frameAttr('#bysql-section', 'hidden', WEBVIEW), '');
    // The operator table is as before: ten columns, the model's figures.
    const top = local.operatorTable({ threads: all, sort: 'share' }).rows[0];
    const rows = await operatorCells();
    assert.strictEqual(rows[0].length, 10);
    assert.deepStrictEqual(rows[0].slice(0, 3), [top.name, top.nodeId, formatMicros(top.cpuUs)]);

    // A damaged one: the same, with its reason.
    fs.copyFileSync(companionPathFor(profile), companionPathFor(alone));
    const text = fs.readFileSync(companionPathFor(alone), 'utf8');
    fs.writeFileSync(companionPathFor(alone), text.slice(0, Math.floor(text.length / 2)));
    await openProfile(alone);
    await ui.frameText('#sql-note', {
      ...WEBVIEW,
      hasText: 'No SQL columns: The SQL context file is damaged (not complete JSON).',
    });
    assert.strictEqual(await ui.frameAttr('#bysql-section', 'hidden', WEBVIEW), '');

    // Put back whole, the SQL comes back (the file is read again).
    fs.copyFileSync(companionPathFor(profile), companionPathFor(alone));
    await openProfile(alone);
    await ui.frameText(`${BYSQL_ROW}`, WEBVIEW);
    assert.strictEqual(await ui.frameAttr('#sql-note', 'hidden', WEBVIEW), '');
  });

  it('Show CPU in SQL takes the operators from the open profile editor’s reader, not from the file again', async () => {
    const dir = path.join(workspaceRoot(), 'profile-lent');
    scratch.push(dir);
    const copy = copyProfile(profile, dir, true);
    await openProfile(copy);
    // The file is now unreadable as a profile (same size, so its SQL context still belongs to it): only the reader
    // the editor holds can answer.
    fs.writeFileSync(copy, Buffer.alloc(fs.statSync(copy).size));
    const shown = (await vscode.commands.executeCommand('feldera.showCpuInSql', [vscode.Uri.file(copy)])) as
      { document: vscode.Uri; profiles: vscode.Uri[] } | undefined;
    assert.ok(shown, 'Show CPU in SQL answered from the open editor');
    assert.deepStrictEqual(
      shown.profiles.map((u) => u.fsPath),
      [copy],
    );
    // Closed, the editor no longer lends its reader: the file is read, and it is no profile.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await closeAllNotifications();
    assert.strictEqual(
      await vscode.commands.executeCommand('feldera.showCpuInSql', [vscode.Uri.file(copy)]),
      undefined,
    );
  });

  it('a host of a multihost pipeline: the figures are that host’s, and it says so', async () => {
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'fraud',
      ordinal: 'all',
      durationSeconds: 1,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 2);
    await closeAllNotifications();
    const host1 = uris[1].fsPath;
    await openProfile(host1);
    const read = await readProfileModel(host1);
    assert.ok(read.ok);
    const ctx = await openSqlContext(host1);
    assert.ok(ctx.ok);
    const threads = read.model.threads.map((t) => t.index);
    const want = expectedBySql(ctx.join, aggregateOf(ctx.join, read.model, threads), 'relation');
    await untilEqual('By SQL of host 1', bySqlShown, want);
    assert.match(await ui.frameText('#bysql-count', WEBVIEW), / · pipeline fraud · host 1 of 2 only$/);
  });
});
