// The profile editor's SQL cells and By SQL rows (src/viewer/sqlRows.ts): each operator's relation, lines and why it
// has none; the rows per view/table, statement and line range, which add up to all operators' (self) CPU with "no SQL
// position" as a row of its own. On a small hand-made program whose answers are known, and on Feldera's real fixtures
// (with random costs) for the sums.
import * as assert from 'assert';
import fc from 'fast-check';
import { extractCircuitNodeIds } from '../../../src/feldera/circuitProfile';
import type { OperatorStat } from '../../../src/profile/types';
import { buildSqlJoin, type SqlJoin } from '../../../src/sql/join';
import { readMir } from '../../../src/sql/mir';
import type { MirNode } from '../../../src/sql/types';
import { bySqlRows, costOf, NO_POSITION_TEXT, operatorSqlCells } from '../../../src/viewer/sqlRows';
import type { SqlGroupRow } from '../../../src/viewer/protocol';
import { requireSqlFixtures } from '../sql/helpers';

const SQL = ['CREATE TABLE t (x INT);', 'CREATE VIEW v AS', '  SELECT x, COUNT(*) AS n', '  FROM t GROUP BY x;'].join(
  '\n',
);

function mir(id: string, extra: Partial<MirNode>): MirNode {
  return { id, operation: 'op', persistentId: `pid-${id}`, positions: [], inputs: [], ...extra };
}

/** t (line 1) → s3 (no position) → s1 (the aggregate, line 3) → s2 (view v, lines 2–4). */
function smallJoin(): SqlJoin {
  return buildSqlJoin({
    code: SQL,
    mir: [
      mir('s0', { table: 't', positions: [{ startLine: 1, startColumn: 14, endLine: 1, endColumn: 14 }] }),
      mir('s3', { inputs: ['s0'] }),
      mir('s1', {
        operation: 'aggregate',
        inputs: ['s3'],
        positions: [
          { startLine: 3, startColumn: 3, endLine: 3, endColumn: 25 },
          { startLine: 4, startColumn: 10, endLine: 4, endColumn: 19 },
        ],
      }),
      mir('s2', {
        view: 'v',
        inputs: ['s1'],
        positions: [{ startLine: 2, startColumn: 1, endLine: 4, endColumn: 20 }],
      }),
    ],
    nodes: { nn1: 'pid-s0', nn2: 'pid-s1.shard', nn3: 'pid-s2', nn4: 'pid-s3', nn6: 'pid-gone' },
  });
}

/** Operator rows as the worker gives them: `cpuUs` includes nested operators, `selfCpuUs` does not. */
function stat(nodeId: string, selfCpuUs: number, evals = 2): OperatorStat {
  return {
    nodeId,
    name: `op ${nodeId}`,
    cpuUs: selfCpuUs * 3 + 7,
    realUs: selfCpuUs * 4,
    selfCpuUs,
    evals,
    share: 0,
    spread: { workers: 1, minUs: 0, medianUs: 0, maxUs: 0 },
  } as OperatorStat;
}

const ROWS = [stat('nn1', 100), stat('nn2', 400, 5), stat('nn3', 50), stat('nn4', 30), stat('nn5', 20), stat('nn6', 1)];
const TOTAL = 601;

function figures(rows: SqlGroupRow[]): [string, string, number, number, string | undefined][] {
  return rows.map((r) => [r.key === '' ? '' : r.label, r.lines ?? '', r.cpuUs, r.operators, r.detail]);
}

describe('profile editor: operators know their SQL (sqlRows)', () => {
  it('names each operator’s table or view and lines, or why it has none', () => {
    const cells = operatorSqlCells(
      smallJoin(),
      ROWS.map((r) => r.nodeId),
    );
    assert.deepStrictEqual(
      cells.map((c) => c.nodeId),
      ['nn1', 'nn2', 'nn3', 'nn4', 'nn5', 'nn6'],
    );
    const [t, agg, view, feeder, added, gone] = cells;
    assert.deepStrictEqual(t, {
      nodeId: 'nn1',
      relation: 't',
      range: { startLine: 1, startColumn: 14, endLine: 1, endColumn: 14 },
      lines: 'line 1',
      statement: 'CREATE TABLE t (line 1)',
    });
    // The aggregate has no relation of its own: the CREATE VIEW around it gives one. Its first position is primary.
    assert.deepStrictEqual(agg, {
      nodeId: 'nn2',
      relation: 'v',
      range: { startLine: 3, startColumn: 3, endLine: 3, endColumn: 25 },
      lines: 'line 3',
      more: ['line 4'],
      statement: 'CREATE VIEW v (lines 2–4)',
    });
    assert.strictEqual(view.lines, 'lines 2–4');
    // No position: the relation it feeds, and why, are said.
    assert.deepStrictEqual(feeder, {
      nodeId: 'nn4',
      relation: 'v',
      relationNote: 'no table or view of its own: it feeds v',
      why: NO_POSITION_TEXT['no-positions'],
      statement: 'CREATE VIEW v (lines 2–4)',
    });
    assert.deepStrictEqual(added, { nodeId: 'nn5', why: 'the compiler added it (no persistent id)' });
    assert.deepStrictEqual(gone, { nodeId: 'nn6', why: 'no dataflow-graph node has its persistent id' });
  });

  it('By SQL: self CPU per view/table, statement and line range; "no SQL position" is a row; each adds up', () => {
    const b = bySqlRows(smallJoin(), { rows: ROWS, evals: 15 }, 'orders', ['The circuit profile was not fetched.']);
    assert.strictEqual(b.totalCpuUs, TOTAL, 'self CPU, not CPU with nested operators');
    assert.strictEqual(b.operatorCount, 6);
    assert.strictEqual(b.evals, 15);
    assert.strictEqual(b.pipeline, 'orders');
    assert.deepStrictEqual(b.notes, ['The circuit profile was not fetched.']);
    const stmtV = { startLine: 2, startColumn: 1, endLine: 4, endColumn: 20 };
    assert.deepStrictEqual(figures(b.groups.relation), [
      ['v', 'lines 2–4', 480, 3, 'CREATE VIEW'],
      ['t', 'line 1', 100, 1, 'CREATE TABLE'],
      ['', '', 21, 2, '1 added by the compiler · 1 not in the dataflow graph'],
    ]);
    // A relation's row opens the statement creating it.
    assert.deepStrictEqual(b.groups.relation[0].range, stmtV);
    assert.deepStrictEqual(figures(b.groups.statement), [
      ['CREATE VIEW v', 'lines 2–4', 480, 3, undefined],
      ['CREATE TABLE t', 'line 1', 100, 1, undefined],
      ['', '', 21, 2, '1 added by the compiler · 1 not in the dataflow graph'],
    ]);
    // Per line range: the operator without a position joins the "no SQL position" row (by CPU, as every row).
    assert.deepStrictEqual(figures(b.groups.range), [
      ['v', 'line 3', 400, 1, undefined],
      ['t', 'line 1', 100, 1, undefined],
      ['', '', 51, 3, '1 added by the compiler · 1 not in the dataflow graph · 1 whose node has no position'],
      ['v', 'lines 2–4', 50, 1, undefined],
    ]);
    assert.deepStrictEqual(b.groups.range[0].range, { startLine: 3, startColumn: 3, endLine: 3, endColumn: 25 });
    for (const rows of Object.values(b.groups)) {
      assert.strictEqual(
        rows.reduce((a, r) => a + r.cpuUs, 0),
        TOTAL,
      );
      assert.ok(Math.abs(rows.reduce((a, r) => a + r.share, 0) - 1) < 1e-12);
      assert.strictEqual(
        rows.reduce((a, r) => a + r.evals, 0),
        15,
      );
      const none = rows.find((r) => r.key === '');
      assert.ok(none && none.label === 'no SQL position' && none.range === undefined && none.lines === undefined);
    }
  });

  it('nothing evaluated: no rows, shares 0, never NaN', () => {
    const b = bySqlRows(smallJoin(), { rows: [], evals: 0 }, 'orders');
    assert.deepStrictEqual(b.groups, { relation: [], statement: [], range: [] });
    const zero = bySqlRows(smallJoin(), { rows: [stat('nn1', 0)], evals: 1 }, 'orders');
    assert.strictEqual(zero.groups.relation[0].share, 0);
  });

  it('costOf counts an operator’s own CPU', () => {
    assert.deepStrictEqual(costOf(stat('nn1', 10, 3)), { nodeId: 'nn1', cpuUs: 10, realUs: 40, evals: 3 });
  });

  describe('on the real fixtures', () => {
    let join: SqlJoin;
    let ids: string[];
    before(function () {
      const f = requireSqlFixtures(this);
      const nodes = extractCircuitNodeIds(f.circuitText).persistentIds;
      join = buildSqlJoin({ code: f.sql, mir: readMir(f.graph.mir).nodes, nodes });
      // Node ids with and without a persistent id, as the profile names them.
      const graphIds = JSON.stringify(f.circuit.graph).match(/"id":"(nn[^"]*)"/g) ?? [];
      ids = [...new Set(graphIds.map((m) => m.slice(6, -1)))];
      assert.ok(ids.length > 100 && ids.some((id) => !nodes.has(id)));
    });

    it('any costs: every grouping adds up to the total, every row of a position opens lines inside the SQL', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 60 }),
          fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 60, maxLength: 60 }),
          (chosen, cpu) => {
            const rows = chosen.map((id, i) => stat(id, cpu[i], 1 + (i % 4)));
            const b = bySqlRows(join, { rows, evals: rows.reduce((a, r) => a + r.evals, 0) }, 'p');
            const total = rows.reduce((a, r) => a + r.selfCpuUs, 0);
            assert.strictEqual(b.totalCpuUs, total);
            for (const [grouping, list] of Object.entries(b.groups)) {
              assert.strictEqual(
                list.reduce((a, r) => a + r.cpuUs, 0),
                total,
                grouping,
              );
              assert.strictEqual(
                list.reduce((a, r) => a + r.operators, 0),
                rows.length,
                grouping,
              );
              assert.ok(list.filter((r) => r.key === '').length <= 1);
              for (const r of list) {
                if (!r.range) continue;
                assert.ok(r.range.startLine >= 1 && r.range.endLine <= join.lineCount, `${grouping} ${r.label}`);
              }
            }
            const cells = operatorSqlCells(join, chosen);
            for (const c of cells) assert.ok((c.range === undefined) !== (c.why === undefined), c.nodeId);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
