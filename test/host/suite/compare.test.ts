// Issue #14: comparing profiles, in the real extension host and browser — two profiles selected in the Explorer and
// compared from its context menu, checked against the generator's truth, swapped, the differential flame graph zoomed
// from the keyboard; "Compare with…" from the profile editor; a 3-host collection's hosts view and one host against
// the rest; a bad file named with its reason while the good one still opens alone. The README's picture: two
// emulator profiles of one Feldera circuit, before and after a change that made one operator cheaper and one dearer.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as vscode from 'vscode';
import { felderaCircuit, type CircuitOp } from '../../emulator/felderaWork';
import { smallProfile, smallProfileTruth } from '../../emulator/profileGenerator';
import { hostProfile, HOSTS_TRUTH, OPERATOR_TRUTH, pairA, pairB, PAIR_TRUTH } from '../../unit/profile/comparePairs';
import { ui } from '../ui';
import { clickContextMenuEntry, extensionApi, profilesDir, until } from '../support';

const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };
const A_NAME = 'cmpdemo-samply-20260101T000000Z.json.gz';
const B_NAME = 'cmpdemo-samply-20260102T000000Z.json.gz';

/** "old −20.0 pts (gone), fresh +10.0 pts (new), work +10.0 pts", as the verdict words the generator's truth. */
function truthText(sign: 1 | -1): string {
  const mirror: Record<string, string> = { new: 'gone', gone: 'new' };
  return PAIR_TRUTH.top
    .map(([name, d]) => {
      const v = sign * d;
      const cls = PAIR_TRUTH.classes[name];
      const shown = sign === 1 ? cls : (mirror[cls] ?? cls);
      return `${name} ${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} pts${shown === 'new' || shown === 'gone' ? ` (${shown})` : ''}`;
    })
    .join(', ');
}

/** `s` as a regular expression matching it literally. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('Comparing samply profiles', function () {
  this.timeout(180_000);
  const written: string[] = [];
  const write = (name: string, text: string | Buffer, gzip = true) => {
    const dir = profilesDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, gzip ? zlib.gzipSync(text) : text);
    written.push(file);
    return file;
  };
  const rows = async (selector: string) =>
    (await ui.frameTexts(selector, WEBVIEW)).map((t) => t.split('\t').map((c) => c.trim()));
  const explorerRow = (name: string) => `.explorer-folders-view .monaco-list-row:has-text("${name}")`;

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));
  after(() => written.forEach((f) => fs.rmSync(f, { force: true })));

  it('compares two profiles selected in the Explorer, swaps them and zooms the differential flame graph', async () => {
    const a = write(A_NAME, pairA());
    write(B_NAME, pairB());
    // Select A in the Explorer, extend the selection to B (next in name order), and right-click B.
    await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(a));
    await ui.click(explorerRow(A_NAME));
    // The click previews A in the profile editor; once it has loaded (its webview can take the focus while loading),
    // click A's row again so the keys go to the Explorer.
    await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
    await ui.click(explorerRow(A_NAME));
    await ui.press('Shift+ArrowDown');
    await until('both profiles to be selected', async () =>
      (await ui.texts('.explorer-folders-view .monaco-list-row.selected')).join('\n').includes(B_NAME),
    );
    await ui.click(explorerRow(B_NAME), { button: 'right' });
    await clickContextMenuEntry('Compare Samply Profiles…', 'the Explorer context menu');

    // The verdict: both sides' samples, then the generator's five biggest changes (three here).
    const verdict = await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'Biggest changes' });
    assert.match(verdict, /^A: 1,000 samples, .* → B: 2,000 samples, /);
    assert.ok(verdict.includes(`Biggest changes: ${truthText(1)}.`), verdict);
    const sides = await ui.frameText('#sides', WEBVIEW);
    assert.ok(sides.includes(`A (baseline): ${A_NAME}`) && sides.includes(`B: ${B_NAME}`), sides);

    // The function table: largest change first, each share as the generator made it.
    const table = await rows('#fn-table tbody tr');
    const expect = (name: string) => {
      const [as, at, bs, bt] = PAIR_TRUTH.functions[name];
      const share = (x: number) => (x === 0 ? '—' : x === 100 ? '100%' : `${x.toFixed(1)}%`);
      const pts = (x: number) => (x > 0 ? `+${x.toFixed(1)}` : x < 0 ? `−${(-x).toFixed(1)}` : '0.0');
      const cls = PAIR_TRUTH.classes[name];
      return [name, share(as), share(bs), pts(bs - as), share(at), share(bt), pts(bt - at), cls === 'same' ? '' : cls];
    };
    assert.deepStrictEqual(
      table.slice(0, 3),
      PAIR_TRUTH.top.map(([name]) => expect(name)),
    );
    assert.deepStrictEqual(
      table.find((r) => r[0] === 'steady'),
      expect('steady'),
    );
    // The operators: the generator's shares, and Aggregate's CPU moved from worker 0 to worker 1.
    const ops = await rows('#ops-table tbody tr');
    const pts = (x: number) => (x > 0 ? `+${x.toFixed(1)}` : x < 0 ? `−${(-x).toFixed(1)}` : '0.0');
    const share = (x: number) => (x === 0 ? '—' : `${x.toFixed(1)}%`);
    assert.deepStrictEqual(
      ops.map((r) => [r[0], r[1], r[2], r[3], r[4], r[8]]),
      OPERATOR_TRUTH.rows.map((o) => [o.name, o.nodeId, share(o.a), share(o.b), pts(o.b - o.a), o.cls]),
    );
    const aggregate = ops.find((r) => r[1] === 'nn11');
    assert.deepStrictEqual(aggregate?.slice(5, 8), ['worker 0 100%', 'worker 1 100%', '100.0'], JSON.stringify(ops));
    assert.match(verdict, /Operators: Map −25\.0 pts \(gone\), Distinct \+20\.0 pts \(new\), Join \+10\.0 pts\./);

    // Swap A/B: one click, every change negated.
    await ui.frameClick('#swap', WEBVIEW);
    const swapped = await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'A: 2,000 samples' });
    assert.ok(swapped.includes(`Biggest changes: ${truthText(-1)}.`), swapped);
    await ui.frameClick('#swap', WEBVIEW);
    await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'A: 1,000 samples' });

    // The differential flame graph from the keyboard: Home (main), ArrowDown (run, B's heaviest call), Enter zooms.
    assert.strictEqual(await ui.frameAttr('#diff-reset', 'disabled', WEBVIEW), '');
    await ui.frameClick('#diff-heading', WEBVIEW);
    await ui.press('Tab'); // the search box
    await ui.press('Tab'); // Reset zoom is disabled: the canvas is next
    await ui.press('Home');
    await ui.press('ArrowDown');
    await ui.press('Enter');
    await until('the zoom', async () => (await ui.frameAttr('#diff-reset', 'disabled', WEBVIEW)) === null);
    assert.deepStrictEqual(
      (await ui.frameTexts('#diff-breadcrumb .crumb', WEBVIEW)).map((t) => t.trim()),
      ['All', 'main', 'run'],
    );
    // Zoomed into run, its first child (B's heaviest, work) fills the left: the tooltip tells A's and B's share.
    await ui.frameHover('#diff-graph', { ...WEBVIEW, at: { x: 12, y: 18 * 2 + 9 } });
    const tip = await ui.frameText('#diff-tooltip', { ...WEBVIEW, hasText: 'Change:' });
    assert.match(tip, /^work/);
    assert.match(tip, /A: 10\.0% · B: 20\.0%/);
    assert.match(tip, /Change: \+10\.0 points \(grew\)/);
    // run's tooltip lists the call that is gone from B.
    await ui.frameHover('#diff-graph', { ...WEBVIEW, at: { x: 12, y: 18 + 9 } });
    const runTip = await ui.frameText('#diff-tooltip', { ...WEBVIEW, hasText: 'gone from B' });
    assert.match(runTip, /Calls gone from B: old \(20\.0% in A\)/);
    await ui.press('Escape');
  });

  it('before and after a change to a Feldera pipeline: the scaled operators top the changes (screenshot: compare)', async () => {
    // The emulator's profiles of one pipeline (its real circuit when ../shared is there): the heaviest join with code
    // of its own made cheaper, the heaviest distinct/aggregate (else another kind) made dearer; the rest as it was,
    // give or take the sampling of another collection.
    const pipeline = 'orders';
    const workers = 8;
    const truth = smallProfileTruth({ pipeline, workers, collection: 1 });
    const withCode = felderaCircuit()
      .all.filter((op) => op.location && !op.children)
      .sort((x, y) => truth.operators[y.nodeId].cpuUs - truth.operators[x.nodeId].cpuUs);
    const cheaper = withCode.find((op) => /Join/.test(op.name)) ?? withCode[0];
    const dearer: CircuitOp | undefined =
      withCode.find((op) => op !== cheaper && /Distinct|Aggregate/.test(op.name)) ??
      withCode.find((op) => op.name !== cheaper.name);
    assert.ok(dearer, 'the circuit has operators of two kinds with code of their own');
    const operatorScale = { [cheaper.nodeId]: 0.15, [dearer.nodeId]: 4 };
    const a = write(
      'orders-samply-20260301T090000Z.json.gz',
      smallProfile({ pipeline, workers, collection: 1 }),
      false,
    );
    const b = write(
      'orders-samply-20260301T094500Z.json.gz',
      smallProfile({ pipeline, workers, collection: 2, operatorScale }),
      false,
    );
    // A wide window without the side bar, so the verdict, the operators, the functions and the flame graph fit.
    const before = await ui.viewport({ width: 1600, height: 1500 });
    try {
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.commands.executeCommand('feldera.compareSamplyProfiles', {
        baseline: vscode.Uri.file(a),
        profile: vscode.Uri.file(b),
      });
      const verdict = await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'Biggest changes' });
      // The operators: the dearer one first (it grew most), the cheaper one next, both by far the largest changes.
      const ops = await rows('#ops-table tbody tr');
      assert.deepStrictEqual(
        ops.slice(0, 2).map((r) => [r[0], r[1], r[4].charAt(0), r[8]]),
        [
          [dearer.name, dearer.nodeId, '+', 'grew'],
          [cheaper.name, cheaper.nodeId, '−', 'shrank'],
        ],
        JSON.stringify(ops.slice(0, 4)),
      );
      const points = (r: string[]) => Math.abs(Number(r[4].replace('−', '-').replace('<', ''))); // "−<0.1": below 0.1
      const others = ops.slice(2).filter((r) => !(points(r) < points(ops[1]) / 2));
      assert.deepStrictEqual(others, [], `the other operators change far less than ${ops[1][4]}`);
      assert.match(verdict, new RegExp(`Operators: ${escape(dearer.name)} \\+[\\d.]+ pts, ${escape(cheaper.name)} −`));
      // The functions: the code of the dearer operator grew most; the cheaper one's is among the five biggest changes.
      const closure = (op: CircuitOp) => `pipeline::${op.nodeId}::{{closure}}`;
      assert.ok(verdict.includes(`Biggest changes: ${closure(dearer)} +`), verdict);
      const biggest = /Biggest changes: (.*?)\. Operators:/.exec(verdict)?.[1] ?? '';
      assert.ok(
        biggest.split(', ').some((c) => c.startsWith(`${closure(cheaper)} −`)),
        verdict,
      );
      const fns = await rows('#fn-table tbody tr');
      const fn = (op: CircuitOp) =>
        fns
          .find((r) => r[0] === closure(op))
          ?.slice(3, 4)
          .join('') ?? 'missing';
      assert.match(fn(dearer), /^\+\d/);
      assert.match(fn(cheaper), /^−\d/);
      // The differential flame graph is drawn, B's tree with A's shares.
      await ui.frameText('#diff-heading', WEBVIEW);
      await ui.frameHover('#header', WEBVIEW).catch(() => undefined);
      await ui.screenshot('compare');
    } finally {
      if (before) await ui.viewport(before);
      await vscode.commands.executeCommand('workbench.view.explorer');
    }
  });

  it('offers "Compare with…" in the profile editor: the other profiles of the pipeline, newest first', async () => {
    write(A_NAME, pairA());
    const b = write(B_NAME, pairB());
    write('cmpdemo-samply-20251231T000000Z.json.gz', pairA());
    write('otherpipe-samply-20260103T000000Z.json.gz', pairA());
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(b));
    await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
    await ui.frameClick('#header-compare', WEBVIEW);
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: A_NAME });
    const offered = await ui.texts('.quick-input-list .monaco-list-row');
    const names = offered.map((t) => /\S+\.json\.gz/.exec(t)?.[0]).filter(Boolean);
    assert.deepStrictEqual(names, [A_NAME, 'cmpdemo-samply-20251231T000000Z.json.gz'], offered.join(' | '));
    await ui.click('.quick-input-list .monaco-list-row', { hasText: A_NAME });
    const verdict = await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'Biggest changes' });
    assert.ok(verdict.includes(truthText(1)), `the older profile is the baseline: ${verdict}`);
  });

  it('runs from the Command Palette: two of the workspace’s profiles picked, the older one the baseline', async () => {
    write(A_NAME, pairA());
    write(B_NAME, pairB());
    await ui.press('F1');
    await ui.waitFor('.quick-input-widget');
    await ui.type('Feldera: Compare Samply Profiles');
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: 'Compare Samply Profiles…' });
    await ui.press('Enter');
    // Every profile of the workspace, newest first, to pick two of (the newer one first here: order does not matter).
    await ui.waitFor('.quick-input-list .monaco-list-row', { text: B_NAME });
    await ui.click('.quick-input-list .monaco-list-row', { hasText: B_NAME });
    await ui.click('.quick-input-list .monaco-list-row', { hasText: A_NAME });
    await ui.press('Enter');
    const verdict = await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'Biggest changes' });
    assert.ok(verdict.includes(truthText(1)), verdict);
  });

  it('shows the hosts of a 3-host collection side by side, and one host against the rest', async () => {
    const files = [0, 1, 2].map((h) => write(`skewed-samply-20260101T000000Z-host${h}.json.gz`, hostProfile(h)));
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(files[1]));
    // Opening one host's profile offers the others.
    await ui.frameText('#header-hosts', { ...WEBVIEW, hasText: 'All 3 hosts' });
    await ui.frameClick('#header-hosts', WEBVIEW);
    const hostRows = await rows('#hosts-table tbody tr');
    assert.deepStrictEqual(
      hostRows.map((r) => r.slice(0, 4)),
      [0, 1, 2].map((h) => [
        `Host ${h}`,
        `${(HOSTS_TRUTH.cpuSamples[h] / 1000).toFixed(1)} s`,
        `${(100 * HOSTS_TRUTH.share[h]).toFixed(1)}%`,
        HOSTS_TRUTH.cpuSamples[h].toLocaleString('en-US'),
      ]),
    );
    assert.ok(
      hostRows.every((r) => r[4].startsWith('dbsp-worker-0 100%')),
      JSON.stringify(hostRows),
    );
    assert.match(await ui.frameText('#verdict', WEBVIEW), /busiest: Host 1 with 60\.0% of the collection/);
    await ui.frameText('#merged-graph', WEBVIEW);
    // The operator × host table: Join's CPU is mostly on host 1, and that cell stands out.
    const hostOps = await rows('#host-ops-table tbody tr');
    const cell = (us: number, total: number) => `${us / 1000} ms · ${((100 * us) / total).toFixed(1)}%`;
    assert.deepStrictEqual(
      hostOps.map((r) => r.slice(3)),
      HOSTS_TRUTH.operators.map((o) =>
        o.cpuUs.map((us) =>
          cell(
            us,
            o.cpuUs.reduce((x, y) => x + y, 0),
          ),
        ),
      ),
    );
    assert.deepStrictEqual(
      await ui.frameTexts('#host-ops-table td.stands-out', WEBVIEW),
      [cell(3000, 5000)],
      'only Join on host 1 stands out',
    );
    await ui.screenshot('compare-hosts');

    await ui.frameClick('[data-testid="compare-host-1"]', WEBVIEW);
    const verdict = await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'Biggest changes' });
    assert.match(verdict, new RegExp(`Biggest changes: fresh \\+${HOSTS_TRUTH.freshOnHost1.toFixed(1)} pts \\(new\\)`));
    assert.match(await ui.frameText('#title', WEBVIEW), /Host 1 against Hosts 0, 2/);
    await ui.frameClick('#back-hosts', WEBVIEW);
    await ui.frameText('#hosts-table tbody tr', { ...WEBVIEW, hasText: 'Host 2' });
  });

  it('names the file that cannot be read and why, and still opens the other one alone', async () => {
    const good = write(A_NAME, pairA());
    const bad = write('cmpdemo-broken.json.gz', '<html>proxy error</html>');
    await vscode.commands.executeCommand('feldera.compareSamplyProfiles', {
      baseline: vscode.Uri.file(good),
      profile: vscode.Uri.file(bad),
    });
    const error = await ui.frameText('#error-list', { ...WEBVIEW, hasText: 'cmpdemo-broken' });
    assert.match(error, /B: cmpdemo-broken\.json\.gz — .*not JSON/);
    assert.match(error, /Reason: notJson/);
    await ui.frameClick('[data-testid="open-alone-0"]', WEBVIEW);
    await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);

    // A file compared with itself: allowed, and no change.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('feldera.compareSamplyProfiles', {
      baseline: vscode.Uri.file(good),
      profile: vscode.Uri.file(good),
    });
    await ui.frameText('#verdict', { ...WEBVIEW, hasText: 'No change above the thresholds' });
  });
});
