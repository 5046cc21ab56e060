// Issue 12: the Samply Profile editor speaks Feldera — operators, workers, a timeline and memory. Driven by hand in the
// real extension host and browser (clicks, keys, pointer drags) on a profile from the emulator's generator, checked
// against the generator's truth and against the model's answers computed here by the same reader.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import * as vscode from 'vscode';
import { extractCircuitNodeIds } from '../../../src/feldera/circuitProfile';
import type { DataflowGraph } from '../../../src/feldera/types';
import { readProfileModel, type ProfileModel, type TimeRange } from '../../../src/profile';
import { buildCompanion, companionPathFor } from '../../../src/sql/companion';
import {
  formatBytes,
  formatMeasuredTime,
  formatMicros,
  formatNumber,
  formatPercent,
} from '../../../src/viewer/webview/format';
import {
  smallProfile,
  smallProfileTruth,
  type ProfileParams,
  type ProfileTruth,
} from '../../emulator/profileGenerator';
import { circuitProfileBody, sqlContext } from '../../emulator/sqlContext';
import { ui } from '../ui';
import { extensionApi, until, workspaceRoot } from '../support';

const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };
const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'samply', 'fixtures');
const WAIT_MS = 30_000;

/** Cells of the operator table's first `n` rows (10 columns: name, node, CPU, real, evals, share, min, median, max, skew). */
async function operatorRows(n: number): Promise<string[][]> {
  const cells = (await ui.frameTexts('#operators tbody tr[data-node] td', WEBVIEW)).map((t) => t.trim());
  const rows: string[][] = [];
  for (let i = 0; i < cells.length && rows.length < n; i += 10) rows.push(cells.slice(i, i + 10));
  return rows;
}

/** The table rows the model gives, as the webview must show them (same columns as operatorRows). */
function expectedRows(local: ProfileModel, query: Parameters<ProfileModel['operatorTable']>[0], n: number): string[][] {
  return local
    .operatorTable(query)
    .rows.slice(0, n)
    .map((op) => [
      op.name,
      op.nodeId,
      formatMicros(op.cpuUs),
      formatMicros(op.realUs),
      formatNumber(op.evals),
      formatPercent(op.share, 1),
      formatMicros(op.spread.minUs),
      formatMicros(op.spread.medianUs),
      formatMicros(op.spread.maxUs),
      op.spread.skew === undefined ? '–' : `${op.spread.skew.toFixed(2)}×`,
    ]);
}

/** How many samples the generator put inside `nodeId`'s eval spans, over every worker. */
function samplesIn(truth: ProfileTruth, nodeId: string): number {
  let n = 0;
  for (const perSample of Object.values(truth.sampleOperators)) {
    for (const ops of perSample) if (ops.includes(nodeId)) n++;
  }
  return n;
}

/** Waits until `get()` deep-equals `want`; on timeout, says what it was last. */
async function untilEqual<T>(what: string, get: () => Promise<T>, want: T): Promise<void> {
  let last: T | undefined;
  try {
    await until(what, async () => isDeepStrictEqual((last = await get()), want), WAIT_MS);
  } catch (e) {
    assert.deepStrictEqual(last, want, (e as Error).message);
  }
}

async function selectionInfo(): Promise<string> {
  return ui.frameText('#selection-info', WEBVIEW);
}

async function waitForSamples(samples: number, what: string): Promise<void> {
  const text = `· ${formatNumber(samples)} samples ·`;
  await until(
    `${what}: the selection line to say "${text}"`,
    async () => (await selectionInfo()).includes(text),
    WAIT_MS,
  );
}

/** What the thread list shows for each thread: workers' CPU time, the others' weight. */
async function threadFigures(): Promise<Record<string, string>> {
  const rows = await ui.frameTexts('#thread-list [role="option"]', WEBVIEW);
  const out: Record<string, string> = {};
  for (const row of rows) {
    const parts = row.split(/\s+/).filter(Boolean);
    // name, tid, figure (a duration has a unit: "511.5 ms")
    const unit = /^(µs|ms|s|min|h)$/.test(parts[parts.length - 1]);
    out[parts[0]] = unit ? parts.slice(-2).join(' ') : parts[parts.length - 1];
  }
  return out;
}

function expectedThreadFigures(local: ProfileModel, range?: TimeRange, operator?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of local.threadStats({ range, operator })) {
    out[t.name] =
      t.worker !== undefined && t.cpuTimeMs !== undefined ? formatMeasuredTime(t.cpuTimeMs) : formatNumber(t.weight);
  }
  return out;
}

interface TimelineLayout {
  plotLeft: number;
  plotWidth: number;
  window: TimeRange;
  rows: { kind: 'spans' | 'lane' | 'memory'; category?: string; lane?: number; top: number; height: number }[];
}

async function timelineLayout(): Promise<TimelineLayout> {
  const json = await until(
    'the timeline to be drawn',
    () => ui.frameAttr('#timeline', 'data-layout', WEBVIEW),
    WAIT_MS,
  );
  return JSON.parse(json ?? '') as TimelineLayout;
}

function xAt(l: TimelineLayout, time: number): number {
  return l.plotLeft + ((time - l.window.start) / (l.window.end - l.window.start)) * l.plotWidth;
}

async function chipRange(): Promise<TimeRange> {
  const start = Number(await ui.frameAttr('#range-chip', 'data-start', WEBVIEW));
  const end = Number(await ui.frameAttr('#range-chip', 'data-end', WEBVIEW));
  return { start, end };
}

const hidden = async (selector: string) => (await ui.frameAttr(selector, 'hidden', WEBVIEW)) === '';

describe('Feldera profile: operators, workers and timeline in the Samply Profile editor', function () {
  this.timeout(180_000);
  const params: ProfileParams = { pipeline: 'orders', workers: 8 };
  let file: string;
  let local: ProfileModel;
  let truth: ProfileTruth;
  let all: number[];

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
    file = path.join(workspaceRoot(), 'orders-samply-20260101T120000Z.json.gz');
    fs.writeFileSync(file, smallProfile(params));
    truth = smallProfileTruth(params);
    const read = await readProfileModel(file);
    assert.ok(read.ok, 'the generated profile reads in this process');
    local = read.model;
    all = local.threads.map((t) => t.index);
    assert.ok(local.feldera.hasOperators && Object.keys(truth.operators).length > 20, 'a profile with operators');
  });
  beforeEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(file));
    await ui.frameText('#operators tbody tr[data-node]', WEBVIEW);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (file) fs.rmSync(file, { force: true });
  });

  it('lists the operators with the generator’s figures, sorts by click and Enter, filters by name', async () => {
    // First by share of the operators' own CPU, as the model orders them.
    const byShare = expectedRows(local, { sort: 'share', threads: all }, 5);
    await untilEqual('the default order', () => operatorRows(5), byShare);
    for (const row of byShare) {
      const t = truth.operators[row[1]];
      assert.ok(t, `${row[1]} is an operator of the generated circuit`);
      assert.deepStrictEqual(
        [row[0], row[2], row[3], row[4]],
        [t.name, formatMicros(t.cpuUs), formatMicros(t.realUs), formatNumber(t.evals)],
        `${row[1]} as the generator made it`,
      );
    }
    assert.strictEqual(await ui.frameAttr('#operators th[data-sort="share"]', 'aria-sort', WEBVIEW), 'descending');

    // A click on "CPU" sorts by CPU time, largest first: the generator's heaviest operators.
    const byCpu = Object.entries(truth.operators)
      .sort(([a, x], [b, y]) => y.cpuUs - x.cpuUs || (a < b ? -1 : 1))
      .slice(0, 5)
      .map(([nodeId, op]) => [op.name, nodeId, formatMicros(op.cpuUs)]);
    await ui.frameClick('#operators th[data-sort="cpu"] button', WEBVIEW);
    await untilEqual('the table sorted by CPU', async () => (await operatorRows(5)).map((r) => r.slice(0, 3)), byCpu);
    assert.strictEqual(await ui.frameAttr('#operators th[data-sort="cpu"]', 'aria-sort', WEBVIEW), 'descending');
    assert.strictEqual(await ui.frameAttr('#operators th[data-sort="share"]', 'aria-sort', WEBVIEW), null);

    // Enter on the focused heading turns the order round: the lightest operator first.
    await ui.press('Enter');
    const lightest = expectedRows(local, { sort: 'cpu', descending: false, threads: all }, 1)[0];
    await until('ascending CPU', async () => (await operatorRows(1))[0]?.[1] === lightest[1], WAIT_MS);
    assert.strictEqual(await ui.frameAttr('#operators th[data-sort="cpu"]', 'aria-sort', WEBVIEW), 'ascending');

    // The filter keeps the operators whose name (or node id) contains the text.
    await ui.frameFill('#operator-filter', 'jointrace', WEBVIEW);
    const joins = Object.entries(truth.operators).filter(
      ([id, op]) => op.name.toLowerCase().includes('jointrace') || id.includes('jointrace'),
    );
    assert.ok(joins.length > 1);
    await until(
      'the filter',
      async () => (await ui.frameTexts('#operators tbody tr[data-node]', WEBVIEW)).length === joins.length,
      WAIT_MS,
    );
    for (const row of await operatorRows(joins.length)) assert.strictEqual(row[0], 'JoinTrace');
    const count = `${joins.length} of ${Object.keys(truth.operators).length} operators`;
    assert.ok((await ui.frameText('#operator-count', WEBVIEW)).startsWith(count));
    await ui.press('Escape'); // in the filter box: clears it
    await ui.frameClick('#operators th[data-sort="share"] button', WEBVIEW);
    await until('the default order again', async () => (await operatorRows(1))[0]?.[1] === byShare[0][1], WAIT_MS);
  });

  it('selecting an operator (click, then keyboard) narrows the functions, flame graph and threads to its evaluations', async () => {
    const wholeSamples = local.summarizeSelection({ threads: all }).samples;
    await waitForSamples(wholeSamples, 'the whole profile');
    const before = (await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW)).trim();

    // Click: the heaviest operator (its own CPU) whose closure the generator named after it (not every one has one).
    const top = expectedRows(local, { sort: 'share', threads: all }, 20).find(
      (r) => local.findFunction(`pipeline::${r[1]}::{{closure}}`) !== undefined,
    );
    assert.ok(top, 'a heavy operator has a closure of its own');
    const nodeId = top[1];
    await ui.frameClick(`#operators tbody tr[data-node="${nodeId}"]`, WEBVIEW);
    const chip = await ui.frameText('#operator-chip', { ...WEBVIEW, hasText: nodeId });
    assert.match(chip, new RegExp(`operator: .*${top[0].replace(/[()^]/g, '\\$&')} \\(${nodeId}\\)\\s*×`));

    // The selection holds exactly the samples the generator put inside its spans…
    const count = samplesIn(truth, nodeId);
    assert.ok(count > 10, `the generator put samples in ${nodeId}`);
    await waitForSamples(count, `operator ${nodeId}`);
    // …and the top functions are those samples' functions: the operator's own closure is on every stack.
    const sel = local.summarizeSelection({ threads: all, operator: nodeId, topN: 100 });
    assert.strictEqual(sel.samples, count, 'the model agrees with the generator');
    const selfNames = (await ui.frameTexts('#top-self tbody tr td:first-child', WEBVIEW)).map((t) => t.trim());
    assert.deepStrictEqual(
      selfNames,
      sel.topSelf.map((f) => f.name),
    );
    assert.notStrictEqual(selfNames[0], before, 'the top function changed');
    const totals = (await ui.frameTexts('#top-total tbody tr', WEBVIEW)).map((t) => t.split('\t').map((c) => c.trim()));
    const closure = totals.find((r) => r[0] === `pipeline::${nodeId}::{{closure}}`);
    assert.ok(closure, `the operator's closure is a top function: ${totals.map((r) => r[0]).join(', ')}`);
    assert.strictEqual(closure[2], '100%', 'every sample of the operator is in its closure');

    // The flame graph is narrowed too: its root is as wide as the operator's samples.
    await ui.frameHover('#flame-graph', { ...WEBVIEW, at: { x: 12, y: 9 } });
    await ui.frameText('#flame-tooltip', { ...WEBVIEW, hasText: `Total: ${formatNumber(count)} samples` });

    // Per worker, as the generator ran it.
    const perWorker = (await ui.frameTexts('#operator-workers tbody tr', WEBVIEW)).map((r) =>
      r.split('\t').map((c) => c.trim()),
    );
    const want = Object.entries(truth.operators[nodeId].perWorker).map(([w, f]) => [
      `worker ${w}`,
      formatMicros(f.cpuUs),
      formatNumber(f.evals),
    ]);
    assert.deepStrictEqual(
      perWorker.map((r) => [r[0], r[1], r[4]]),
      want,
    );
    // The thread list shows each thread's part in the operator.
    assert.deepStrictEqual(await threadFigures(), expectedThreadFigures(local, undefined, nodeId));

    // The chip clears it.
    await ui.frameClick('#operator-chip', WEBVIEW);
    await waitForSamples(wholeSamples, 'the operator cleared');
    assert.ok(await hidden('#operator-chip'));
    assert.ok(await hidden('#operator-details'));

    // Keyboard: from the filter box, ↓ to the first operator, ↓ to the second, Enter.
    const second = expectedRows(local, { sort: 'share', threads: all }, 2)[1];
    await ui.frameClick('#operator-filter', WEBVIEW);
    await ui.press('ArrowDown');
    await ui.press('ArrowDown');
    await ui.press('Enter');
    await ui.frameText('#operator-chip', { ...WEBVIEW, hasText: second[1] });
    await waitForSamples(samplesIn(truth, second[1]), `operator ${second[1]}`);
    assert.strictEqual(
      await ui.frameAttr(`#operators tbody tr[data-node="${second[1]}"]`, 'aria-selected', WEBVIEW),
      'true',
    );
    // Escape in the table lets it go.
    await ui.press('Escape');
    await waitForSamples(wholeSamples, 'Escape in the operator table');
  });

  it('dragging over the timeline narrows every view to that range; Escape clears it; the keyboard sets one too', async () => {
    const whole = local.summarizeSelection({ threads: all });
    await waitForSamples(whole.samples, 'the whole profile');
    const wholeThreads = expectedThreadFigures(local);
    assert.deepStrictEqual(await threadFigures(), wholeThreads);
    const wholeOps = expectedRows(local, { sort: 'share', threads: all }, 5);

    // A real drag across the second quarter of the profile, on a worker's lane.
    const l = await timelineLayout();
    const lane = l.rows.find((r) => r.kind === 'lane');
    assert.ok(lane, 'the timeline has lanes');
    const y = lane.top + lane.height / 2;
    await ui.frameDrag(
      '#timeline',
      { x: l.plotLeft + 0.25 * l.plotWidth, y },
      { x: l.plotLeft + 0.5 * l.plotWidth, y },
      WEBVIEW,
    );
    await ui.frameText('#range-chip', { ...WEBVIEW, hasText: 'range:' });
    const range = await chipRange();
    const span = l.window.end - l.window.start;
    assert.ok(Math.abs(range.start - (l.window.start + 0.25 * span)) < span / 100, `range start ${range.start}`);
    assert.ok(Math.abs(range.end - (l.window.start + 0.5 * span)) < span / 100, `range end ${range.end}`);

    // Every view shows that range only, as the model answers for it.
    const inRange = local.summarizeSelection({ threads: all, range, topN: 100 });
    assert.ok(inRange.samples < whole.samples && inRange.samples > 0);
    await waitForSamples(inRange.samples, 'the dragged range');
    const selfNames = (await ui.frameTexts('#top-self tbody tr td:first-child', WEBVIEW)).map((t) => t.trim());
    assert.deepStrictEqual(
      selfNames,
      inRange.topSelf.map((f) => f.name),
    );
    await untilEqual('the thread figures of the range', threadFigures, expectedThreadFigures(local, range));
    assert.notDeepStrictEqual(expectedThreadFigures(local, range), wholeThreads);
    const rangeOps = expectedRows(local, { sort: 'share', threads: all, range }, 5);
    assert.notDeepStrictEqual(rangeOps, wholeOps);
    await untilEqual('the operators of the range', () => operatorRows(5), rangeOps);
    assert.match(await ui.frameText('#operator-count', WEBVIEW), / in the range /);
    // Callers and callees too: select the top function.
    await ui.frameClick('#top-self tbody tr:first-child', WEBVIEW);
    const details = local.functionDetails(inRange.topSelf[0].id, { threads: all, range });
    assert.ok(details);
    await ui.frameText('#details-stats', {
      ...WEBVIEW,
      hasText: `Self ${formatNumber(details.func.self)} (${formatPercent(details.func.self, inRange.stackWeight)})`,
    });

    // Escape on the timeline clears the range: every view is back. (A click without a drag only focuses it.)
    await ui.frameClick('#timeline', WEBVIEW);
    await ui.press('Escape');
    await waitForSamples(whole.samples, 'Escape');
    assert.ok(await hidden('#range-chip'));
    await untilEqual('the whole profile’s thread figures', threadFigures, wholeThreads);
    await untilEqual('the whole profile’s operators', () => operatorRows(5), wholeOps);

    // Without a mouse: Home, Shift+PageDown three times (30 % of the profile), Enter.
    await ui.press('Home');
    for (let k = 0; k < 3; k++) await ui.press('Shift+PageDown');
    await ui.press('Enter');
    await ui.frameText('#range-chip', { ...WEBVIEW, hasText: 'range:' });
    const keyed = await chipRange();
    assert.ok(Math.abs(keyed.start - l.window.start) < 1e-9, `keyboard range start ${keyed.start}`);
    assert.ok(Math.abs(keyed.end - (l.window.start + 0.3 * span)) < 1e-6, `keyboard range end ${keyed.end}`);
    await waitForSamples(local.summarizeSelection({ threads: all, range: keyed }).samples, 'the keyboard range');
    // The chip's × clears it as well.
    await ui.frameClick('#range-chip', WEBVIEW);
    await waitForSamples(whole.samples, 'the range chip');
  });

  it('keeps the range, operator, sort and filter while the editor is hidden', async () => {
    // Sort by evaluations, filter, pick an operator, drag a range.
    await ui.frameClick('#operators th[data-sort="evals"] button', WEBVIEW);
    await ui.frameFill('#operator-filter', 'z1', WEBVIEW);
    const z1 = Object.entries(truth.operators).filter(([id, op]) => `${op.name} ${id}`.toLowerCase().includes('z1'));
    await until(
      'the filter',
      async () => (await ui.frameTexts('#operators tbody tr[data-node]', WEBVIEW)).length === z1.length,
      WAIT_MS,
    );
    const [first] = await operatorRows(1);
    await ui.frameClick(`#operators tbody tr[data-node="${first[1]}"]`, WEBVIEW);
    await ui.frameText('#operator-chip', { ...WEBVIEW, hasText: first[1] });
    const l = await timelineLayout();
    const lane = l.rows.find((r) => r.kind === 'lane');
    assert.ok(lane);
    const y = lane.top + lane.height / 2;
    await ui.frameDrag(
      '#timeline',
      { x: l.plotLeft + 0.4 * l.plotWidth, y },
      { x: l.plotLeft + 0.8 * l.plotWidth, y },
      WEBVIEW,
    );
    await ui.frameText('#range-chip', { ...WEBVIEW, hasText: 'range:' });
    const range = await chipRange();
    const samples = local.summarizeSelection({ threads: all, range, operator: first[1] }).samples;
    await waitForSamples(samples, 'the operator in the range');

    // Another editor in front: the webview is dropped (retainContextWhenHidden is off) and rebuilt when shown.
    const doc = await vscode.workspace.openTextDocument({ content: 'another editor' });
    await vscode.window.showTextDocument(doc, { preview: false });
    await until(
      'the profile webview to be dropped',
      async () => !(await ui.frames()).some((f) => f.url.includes(WEBVIEW.frameUrlContains)),
      WAIT_MS,
    );
    await vscode.commands.executeCommand('workbench.action.openPreviousRecentlyUsedEditor');
    await ui.frameText('#operator-chip', { ...WEBVIEW, hasText: first[1] });
    assert.deepStrictEqual(await chipRange(), range);
    await waitForSamples(samples, 'the operator in the range, restored');
    assert.strictEqual(await ui.frameAttr('#operators th[data-sort="evals"]', 'aria-sort', WEBVIEW), 'descending');
    await until(
      'the filter, restored',
      async () => (await ui.frameTexts('#operators tbody tr[data-node]', WEBVIEW)).length === z1.length,
      WAIT_MS,
    );
    assert.strictEqual(
      await ui.frameAttr(`#operators tbody tr[data-node="${first[1]}"]`, 'aria-selected', WEBVIEW),
      'true',
    );
  });

  it('hovering the timeline tells the span, the thread and the memory under the pointer', async () => {
    const l = await timelineLayout();
    const tl = local.timeline({ threads: all, buckets: 100 });
    const step2 = tl.spans.find((s) => s.label === 'step 2');
    assert.ok(step2, 'the generator wrote a "step 2" span');
    const stepRow = l.rows.find((r) => r.kind === 'spans' && r.category === 'Step');
    assert.ok(stepRow);
    await ui.frameHover('#timeline', {
      ...WEBVIEW,
      at: { x: xAt(l, (step2.start + step2.end) / 2), y: stepRow.top + stepRow.height / 2 },
    });
    const tip = await ui.frameText('#timeline-tooltip', { ...WEBVIEW, hasText: 'step 2' });
    assert.strictEqual(tip.split('\n')[0].trim(), 'step 2');
    assert.match(
      tip,
      new RegExp(`Step \\(step\\) · ${formatMeasuredTime(step2.end - step2.start).replace('.', '\\.')}`),
    );

    const checkpoint = tl.spans.find((s) => s.category === 'Checkpoint');
    const cpRow = l.rows.find((r) => r.kind === 'spans' && r.category === 'Checkpoint');
    assert.ok(checkpoint && cpRow);
    await ui.frameHover('#timeline', {
      ...WEBVIEW,
      at: { x: xAt(l, (checkpoint.start + checkpoint.end) / 2), y: cpRow.top + cpRow.height / 2 },
    });
    await ui.frameText('#timeline-tooltip', { ...WEBVIEW, hasText: checkpoint.label });

    const memory = l.rows.find((r) => r.kind === 'memory');
    assert.ok(memory, 'the RSS counter has a row');
    await ui.frameHover('#timeline', {
      ...WEBVIEW,
      at: { x: xAt(l, truth.memory.peak.time) + 1, y: memory.top + memory.height / 2 },
    });
    await ui.frameText('#timeline-tooltip', { ...WEBVIEW, hasText: `Peak ${formatBytes(truth.memory.peak.bytes)}` });
    assert.ok(await hidden('#markers-note'), 'every marker of the generated profile is understood');

    // Workers are listed as workers, in numeric order, before the other threads.
    const names = (await ui.frameTexts('#thread-list [role="option"] .thread-name', WEBVIEW)).map((t) => t.trim());
    const workers = truth.workers.map((w) => `dbsp-worker-${w.worker}`);
    assert.deepStrictEqual(names.slice(0, workers.length), workers);
    assert.deepStrictEqual(names.slice(workers.length), [params.pipeline]);
  });
});

describe('A profile without Feldera markers in the Samply Profile editor', function () {
  this.timeout(120_000);
  const fixture = path.join(FIXTURES, 'agave-bench-shred-v55-linux.json.gz');

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
    if (!fs.existsSync(fixture)) {
      console.log(`skipped: ${FIXTURES} not found (../shared is absent in this clone)`);
      this.skip();
    }
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('looks as before — threads, functions, no operators — plus a timeline of its samples', async () => {
    const read = await readProfileModel(fixture);
    assert.ok(read.ok);
    const local = read.model;
    await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(fixture));
    const top = await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
    assert.strictEqual(top.trim(), '0x11806d [libc.so.6]', 'top self function over all threads (SOURCES.md values)');
    assert.ok(await hidden('#operators-section'), 'no operators section');
    // One flat thread list, as before: no "Workers" group.
    await ui.frameText('#thread-list > [role="option"]', WEBVIEW);
    assert.match(await ui.frameText('#thread-count', WEBVIEW), /^38 of 38 selected$/);
    // A lane per thread; no spans, no memory.
    const l = await timelineLayout();
    assert.strictEqual(l.rows.filter((r) => r.kind === 'lane').length, local.threads.length);
    assert.strictEqual(l.rows.filter((r) => r.kind !== 'lane').length, 0);
    // Its markers are samply's own (instants): counted, unobtrusively.
    const n = local.feldera.markers.notUnderstood;
    assert.ok(n > 0);
    assert.strictEqual(
      (await ui.frameText('#markers-note', WEBVIEW)).trim(),
      `${formatNumber(n)} markers not understood`,
    );
    // A range still narrows the views.
    const lane = l.rows[0];
    await ui.frameDrag(
      '#timeline',
      { x: l.plotLeft + 0.1 * l.plotWidth, y: lane.top + lane.height / 2 },
      { x: l.plotLeft + 0.4 * l.plotWidth, y: lane.top + lane.height / 2 },
      WEBVIEW,
    );
    await ui.frameText('#range-chip', { ...WEBVIEW, hasText: 'range:' });
    const range = await chipRange();
    const sel = local.summarizeSelection({ threads: local.threads.map((t) => t.index), range });
    await waitForSamples(sel.samples, 'the range');
    await ui.press('Escape');
    await waitForSamples(local.summarizeSelection({}).samples, 'Escape');
  });
});

/**
 * Saves beside `file` the SQL context the emulator's pipeline would have given with it (the generator's node ids are
 * the emulator's circuit's), as a collection does, so the picture shows the operators' SQL.
 */
function writeCompanion(file: string, params: ProfileParams): void {
  const ctx = sqlContext();
  const companion = buildCompanion({
    pipeline: params.pipeline,
    info: { name: params.pipeline, program_code: ctx.sql, program_version: 1 },
    graph: ctx.dataflowGraph as unknown as DataflowGraph,
    circuit: extractCircuitNodeIds(JSON.stringify(circuitProfileBody(ctx, params.workers ?? 1))),
    missing: [],
    profile: { file: path.basename(file), bytes: fs.statSync(file).size },
  });
  assert.ok(companion);
  fs.writeFileSync(companionPathFor(file), JSON.stringify(companion));
}

describe('Feldera profile in the README', function () {
  this.timeout(120_000);
  const params: ProfileParams = { pipeline: 'orders', workers: 8 };
  let file: string;

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
    file = path.join(workspaceRoot(), 'orders-samply-20260101T120000Z.json.gz');
    fs.writeFileSync(file, smallProfile(params));
    writeCompanion(file, params);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file, { force: true });
    fs.rmSync(companionPathFor(file), { force: true });
  });

  it('shows the operators, the timeline and the flame graph of an operator in a range (screenshot: profile)', async () => {
    const read = await readProfileModel(file);
    assert.ok(read.ok);
    const local = read.model;
    const all = local.threads.map((t) => t.index);
    // A taller and wider window without the side bar, so the picture holds the sections and the operators' SQL.
    const before = await ui.viewport({ width: 1600, height: 1900 });
    try {
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(file));
      await ui.frameText('#operators tbody tr[data-node]', WEBVIEW);
      // The operator whose work is skewed over the workers, over the second and third steps.
      const skewed = local
        .operatorTable({ threads: all, sort: 'skew' })
        .rows.find((op) => op.spread.skew !== undefined && op.spread.skew > 2);
      assert.ok(skewed, 'the generator made one operator skewed');
      await ui.frameClick(`#operators tbody tr[data-node="${skewed.nodeId}"]`, WEBVIEW);
      const l = await timelineLayout();
      const tl = local.timeline({ threads: all, buckets: 100 });
      const steps = tl.spans.filter((s) => s.name === 'step');
      const lane = l.rows.find((r) => r.kind === 'lane');
      assert.ok(lane && steps.length >= 3);
      await ui.frameDrag(
        '#timeline',
        { x: xAt(l, steps[1].start) - 4, y: lane.top + lane.height / 2 },
        { x: xAt(l, steps[2].end) + 4, y: lane.top + lane.height / 2 },
        WEBVIEW,
      );
      const range = await (async () => {
        await ui.frameText('#range-chip', { ...WEBVIEW, hasText: 'range:' });
        return chipRange();
      })();
      await waitForSamples(
        local.summarizeSelection({ threads: all, range, operator: skewed.nodeId }).samples,
        'the operator in the range',
      );
      await ui.frameText('#operator-workers tbody tr', WEBVIEW);
      // The operators' SQL: a view's lines in the table, and the By SQL rows of the range.
      await ui.frameText('#operators tbody td.sql-pos', WEBVIEW);
      await ui.frameText('#bysql tbody tr[data-key]', WEBVIEW);
      await ui.frameHover('#header', WEBVIEW);
      await ui.screenshot('profile');
    } finally {
      if (before) await ui.viewport(before);
      await vscode.commands.executeCommand('workbench.view.explorer');
    }
  });
});
