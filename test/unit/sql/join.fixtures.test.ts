// The join on Feldera's real documents (../shared/feldera/fixtures): a 16-worker circuit profile and the dataflow
// graph of its program (three tables and a recursive view, 35 lines of SQL).
import * as assert from 'assert';
import { extractCircuitNodeIds } from '../../../src/feldera/circuitProfile';
import { buildSqlJoin, type SqlJoin } from '../../../src/sql/join';
import { readMir } from '../../../src/sql/mir';
import { splitSqlStatements } from '../../../src/sql/statements';
import { requireSqlFixtures, type SqlFixtures } from './helpers';

const VIEW = 'has_permission_2_e6d71768f13be1c9';

describe('SQL join on the real fixtures', () => {
  let f: SqlFixtures;
  let join: SqlJoin;
  let nodes: Map<string, string>;

  before(function () {
    f = requireSqlFixtures(this);
    nodes = extractCircuitNodeIds(f.circuitText).persistentIds;
    join = buildSqlJoin({ code: f.sql, mir: readMir(f.graph.mir).nodes, nodes });
  });

  it('the program has 35 lines and five statements, named as they are declared', () => {
    assert.strictEqual(join.lineCount, 35);
    const s = splitSqlStatements(f.sql).map((x) => [x.keyword, x.name, x.startLine, x.endLine]);
    assert.deepStrictEqual(s, [
      ['CREATE TABLE', 'fact_1', 1, 4],
      ['CREATE TABLE', 'fact_2', 5, 10],
      ['CREATE TABLE', 'fact_3', 11, 16],
      ['DECLARE RECURSIVE VIEW', VIEW, 17, 22],
      ['CREATE MATERIALIZED VIEW', VIEW, 23, 35],
    ]);
  });

  it('reads every MIR node, nested ones included, with their component', () => {
    const mir = readMir(f.graph.mir);
    assert.strictEqual(mir.skipped, 0);
    assert.strictEqual(mir.nodes.length, 39);
    const inner = mir.nodes.filter((n) => n.parent === 's19').map((n) => n.id);
    assert.strictEqual(inner.length, 17);
    assert.ok(inner.includes('s20') && inner.includes('s36'));
    assert.deepStrictEqual(mir.nodes.find((n) => n.id === 's19')?.outputs, ['s36']);
    // The recursive view's back edge is an input of its Z node: the graph has a cycle.
    assert.deepStrictEqual(mir.nodes.find((n) => n.id === 's20')?.inputs, ['s36']);
  });

  it('all 80 DBSP nodes with a persistent id find their MIR node once the suffix is stripped (38 without)', () => {
    assert.strictEqual(nodes.size, 80);
    assert.strictEqual(join.stats.operatorsWithPersistentId, 80);
    assert.strictEqual(join.stats.operatorsWithMirNode, 80);
    const exact = new Set(readMir(f.graph.mir).nodes.map((n) => n.persistentId));
    assert.strictEqual([...nodes.values()].filter((p) => exact.has(p)).length, 38);
  });

  it('24 end with positions; 23 inside the SQL text, error_view’s lies outside it and is ignored and counted', () => {
    const ops = [...nodes.keys()].map((id) => join.operator(id));
    const withMirPositions = ops.filter((o) => o.positions.length > 0 || o.noPosition === 'positions-outside-sql');
    assert.strictEqual(withMirPositions.length, 24);
    assert.strictEqual(join.stats.operatorsWithPosition, 23);
    const outside = ops.filter((o) => o.noPosition === 'positions-outside-sql');
    assert.deepStrictEqual(
      outside.map((o) => [o.nodeId, o.mirId, o.relation, o.relationRule]),
      [['nn109', 's38', 'error_view', 'own']],
    );
    assert.strictEqual(join.stats.ignoredPositions, 1);
  });

  it('a table’s input operator: its own table, its CREATE TABLE, the name’s position', () => {
    const op = join.operator('nn15');
    assert.strictEqual(op.mirId, 's3');
    assert.strictEqual(op.relation, 'fact_3');
    assert.strictEqual(op.relationRule, 'own');
    assert.deepStrictEqual(op.positions, [{ startLine: 11, startColumn: 14, endLine: 11, endColumn: 19 }]);
    assert.strictEqual(op.statement?.name, 'fact_3');
    assert.strictEqual(op.statementRule, 'position');
  });

  it('a derived operator (.shard.accintegral) of a MIR node with positions gets its lines and its view', () => {
    const op = join.operator('nn34');
    assert.match(op.persistentId!, /\.shard\.accintegral$/);
    assert.strictEqual(op.mirId, 's5');
    // Primary position first: the FROM clause inside the view, not the table it indexes.
    assert.deepStrictEqual(op.positions[0], { startLine: 25, startColumn: 7, endLine: 25, endColumn: 42 });
    assert.strictEqual(op.statement?.keyword, 'CREATE MATERIALIZED VIEW');
    assert.strictEqual(op.relation, VIEW);
    assert.strictEqual(op.relationRule, 'statement');
  });

  it('an operator inside the recursive component with no positions goes to the view its output feeds', () => {
    const op = join.operator('nn106_n42'); // s28 map_index, nested, no positions
    assert.strictEqual(op.mirId, 's28');
    assert.deepStrictEqual(op.positions, []);
    assert.strictEqual(op.noPosition, 'no-positions');
    assert.strictEqual(op.relation, VIEW);
    assert.strictEqual(op.relationRule, 'downstream');
    assert.strictEqual(op.statement?.keyword, 'CREATE MATERIALIZED VIEW');
    assert.strictEqual(op.statementRule, 'relation');
  });

  it('the declaration’s operators go to DECLARE RECURSIVE VIEW; the generator to error_view (downstream)', () => {
    assert.strictEqual(join.operator('nn106_n2').statement?.keyword, 'DECLARE RECURSIVE VIEW');
    const gen = join.operator('nn18');
    assert.strictEqual(gen.mirId, 's0');
    assert.strictEqual(gen.relation, 'error_view');
    assert.strictEqual(gen.relationRule, 'downstream');
    assert.strictEqual(gen.statement, undefined); // error_view is Feldera's, not in the program
  });

  it('an operator without a persistent id is kept, with its reason', () => {
    const op = join.operator('nn44');
    assert.strictEqual(op.noPosition, 'no-persistent-id');
    assert.strictEqual(op.relation, undefined);
    assert.strictEqual(join.operator('nn-not-in-the-circuit').noPosition, 'no-persistent-id');
  });

  it('By SQL: every grouping adds up to the total, with "no SQL position" as a row of its own', () => {
    const ids = Object.keys(f.circuit.worker_profiles[0].metadata);
    assert.strictEqual(ids.length, 206);
    const costs = ids.map((nodeId, i) => ({ nodeId, cpuUs: 1000 + i, realUs: 2000 + i, evals: 1 }));
    const agg = join.aggregate(costs);
    const total = costs.reduce((n, c) => n + c.cpuUs, 0);
    assert.strictEqual(agg.total.cpuUs, total);
    for (const rows of [agg.byRelation, agg.byStatement, agg.byRange]) {
      assert.strictEqual(
        rows.reduce((n, r) => n + r.cpuUs, 0),
        total,
      );
      assert.strictEqual(
        rows.reduce((n, r) => n + r.operators.length, 0),
        206,
      );
      assert.ok(rows.some((r) => r.key === '' && r.label === 'no SQL position'));
    }
    const rel = new Map(agg.byRelation.map((r) => [r.key, r.operators.length]));
    // 126 nodes without persistent id; the 80 with one all reach a relation.
    assert.strictEqual(rel.get(''), 126);
    assert.strictEqual(agg.noPosition.operators.length, 126);
    assert.deepStrictEqual([...rel.keys()].sort(), ['', 'error_view', 'fact_1', 'fact_2', 'fact_3', VIEW].sort());
    const ranges = agg.byRange.filter((r) => r.key !== '').reduce((n, r) => n + r.operators.length, 0);
    assert.strictEqual(ranges, 23);
  });

  it('lines carry the CPU of the operators whose primary range covers them; a hover finds them', () => {
    const line11 = join.operatorsAt(11);
    assert.ok(line11.includes('nn15') && line11.includes('nn14'));
    // nn20 (s5) has a second position on lines 11–16 (the table it indexes): hovers show it there too.
    assert.ok(line11.includes('nn20'));
    const heat = join.cpuByLine([
      { nodeId: 'nn15', cpuUs: 10 },
      { nodeId: 'nn20', cpuUs: 5 },
      { nodeId: 'nn44', cpuUs: 99 },
    ]);
    assert.strictEqual(heat[11], 10);
    assert.strictEqual(heat[25], 5);
    assert.strictEqual(heat[12], 0);
  });
});
