// Not a test: the CPU-in-SQL figure of `npm run bench` (test/bench/sqlHeat.ts), recorded in a real VS Code. It lives
// in its own suite folder, which only the bench runs (FELDERA_HOST_TEST_SUITE=benchSqlHeat). Each round opens a fresh
// copy of a 2,000-line program (openTextDocument + showTextDocument: what VS Code does before any mark can show), then
// does what "Show CPU in SQL" does once the SQL is open — join the SQL context, build the heat, the decoration ranges,
// the CodeLens titles and the hottest line's hover — and sets the decorations on the editor. Both times go to
// sqlheat.json in FELDERA_TEST_ARTIFACTS.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { joinCompanion } from '../../../src/sql/join';
import { buildSqlHeat } from '../../../src/sql/heat';
import { HeatDecorations, rangesByLevel } from '../../../src/sqlView/heatDecorations';
import { lineHoverMarkdown, statementLensTitle } from '../../../src/sqlView/heatText';
import { sqlHeatInput } from '../../bench/sqlHeatInput';

const ROUNDS = Number(process.env.FELDERA_BENCH_SQLHEAT_ROUNDS) || 9;

describe('bench: CPU in SQL decorations', () => {
  it('records the time to open a 2,000-line SQL file and the time to mark it', async () => {
    const input = sqlHeatInput();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-sqlheat-'));
    const decorations = new HeatDecorations();
    const openMs: number[] = [];
    const heatMs: number[] = [];
    const parts = { joinMs: [] as number[], heatModelMs: [] as number[], applyMs: [] as number[] };
    let ranges = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const file = path.join(folder, `program-${round}.sql`);
        fs.writeFileSync(file, input.companion.program.code);
        const t0 = performance.now();
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        const editor = await vscode.window.showTextDocument(doc, { preview: false });
        const t1 = performance.now();
        const join = joinCompanion(input.companion);
        const t2 = performance.now();
        const heat = buildSqlHeat(join, input.hosts);
        const titles = heat.statements.map(statementLensTitle);
        const hottest = heat.ranges.reduce((a, r) => (r.level > a.level ? r : a), heat.ranges[0]);
        const hover = lineHoverMarkdown(heat.line(hottest.startLine)!, heat, 'bench');
        const byLevel = rangesByLevel(heat.ranges);
        const t3 = performance.now();
        decorations.apply(editor, byLevel);
        const t4 = performance.now();
        assert.ok(titles.length > 0 && hover.length > 0 && heat.ranges.length > 0);
        ranges = heat.ranges.length;
        // The first round warms the code up (JIT, module loading): not counted.
        if (round > 0) {
          openMs.push(t1 - t0);
          heatMs.push(t4 - t1);
          parts.joinMs.push(t2 - t1);
          parts.heatModelMs.push(t3 - t2);
          parts.applyMs.push(t4 - t3);
        }
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      }
    } finally {
      decorations.dispose();
      fs.rmSync(folder, { recursive: true, force: true });
    }
    const record = {
      lines: input.lines,
      operators: input.operators,
      mirNodes: input.mirNodes,
      ranges,
      openMs,
      heatMs,
      ...parts,
      vscodeVersion: vscode.version,
    };
    const dir = process.env.FELDERA_TEST_ARTIFACTS || os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'sqlheat.json'), JSON.stringify(record, null, 2));
  });
});
