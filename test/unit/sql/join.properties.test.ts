// Property tests of the join: positions out of range, missing nodes, nested MIR components, cycles (recursive views),
// and the statement splitter. Whatever the input, time is never dropped and the join always ends.
import * as assert from 'assert';
import fc from 'fast-check';
import { buildSqlJoin, type OperatorCost } from '../../../src/sql/join';
import { readMir } from '../../../src/sql/mir';
import { splitSqlStatements, type SqlRange } from '../../../src/sql/statements';
import type { MirNode } from '../../../src/sql/types';

const RUNS = 300;

/** A SQL text of 1..30 lines of 0..40 characters (no line breaks inside). */
const sqlText = fc
  .array(
    fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    { minLength: 1, maxLength: 30 },
  )
  .map((lines) => lines.join('\n'));

const range = fc
  .record({
    startLine: fc.integer({ min: -2, max: 40 }),
    startColumn: fc.integer({ min: -2, max: 50 }),
    endLine: fc.integer({ min: -2, max: 40 }),
    endColumn: fc.integer({ min: -2, max: 50 }),
  })
  .map((r) => r as SqlRange);

/** Independent statement of "inside": both ends on existing lines, ordered, columns within the line (+1 for its end). */
function inside(r: SqlRange, text: string): boolean {
  const lines = text.split('\n');
  const okPoint = (line: number, col: number) =>
    line >= 1 && line <= lines.length && col >= 1 && col <= lines[line - 1].length + 1;
  if (!okPoint(r.startLine, r.startColumn) || !okPoint(r.endLine, r.endColumn)) return false;
  return r.startLine < r.endLine || (r.startLine === r.endLine && r.startColumn <= r.endColumn);
}

function mirNode(id: string, extra: Partial<MirNode> = {}): MirNode {
  return { id, operation: 'map', positions: [], inputs: [], persistentId: `p${id}`, ...extra };
}

function sum(costs: OperatorCost[]): number {
  return costs.reduce((n, c) => n + c.cpuUs, 0);
}

describe('SQL join: properties', () => {
  it('positions outside the SQL text are ignored and counted; those kept lie inside it', () => {
    fc.assert(
      fc.property(
        sqlText,
        fc.array(fc.array(range, { maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        (text, pos) => {
          const mir = pos.map((positions, i) => mirNode(`s${i}`, { positions }));
          const nodes = Object.fromEntries(mir.map((m, i) => [`nn${i}`, `${m.persistentId}.shard`]));
          const join = buildSqlJoin({ code: text, mir, nodes });
          const all = pos.flat();
          assert.strictEqual(join.stats.ignoredPositions, all.filter((r) => !inside(r, text)).length);
          for (let i = 0; i < mir.length; i++) {
            const op = join.operator(`nn${i}`);
            assert.deepStrictEqual(
              op.positions,
              pos[i].filter((r) => inside(r, text)),
            );
            if (op.positions.length === 0) {
              assert.strictEqual(op.noPosition, pos[i].length === 0 ? 'no-positions' : 'positions-outside-sql');
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('missing nodes (no persistent id, no MIR node, unknown node id) keep their time in "no SQL position"', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(
          fc.record({
            node: fc.integer({ min: 0, max: 20 }),
            pid: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
            cpu: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { maxLength: 30 },
        ),
        (mirCount, ops) => {
          const text = 'CREATE TABLE t (x INT);\nCREATE VIEW v AS SELECT x FROM t;';
          const mir = Array.from({ length: mirCount }, (_, i) =>
            mirNode(`s${i}`, { positions: [{ startLine: 2, startColumn: 1, endLine: 2, endColumn: 33 }] }),
          );
          const nodes: Record<string, string> = {};
          for (const o of ops) if (o.pid !== undefined) nodes[`nn${o.node}`] ??= `ps${o.pid}.integral`;
          const join = buildSqlJoin({ code: text, mir, nodes });
          const costs = ops.map((o) => ({ nodeId: `nn${o.node}`, cpuUs: o.cpu }));
          const agg = join.aggregate(costs);
          for (const rows of [agg.byRelation, agg.byStatement, agg.byRange]) {
            assert.strictEqual(
              rows.reduce((n, r) => n + r.cpuUs, 0),
              sum(costs),
            );
            assert.strictEqual(
              rows.reduce((n, r) => n + r.operators.length, 0),
              costs.length,
            );
          }
          for (const c of costs) {
            const op = join.operator(c.nodeId);
            const pid = nodes[c.nodeId];
            if (pid === undefined) assert.strictEqual(op.noPosition, 'no-persistent-id');
            else if (Number(pid.slice(2, pid.indexOf('.'))) >= mirCount)
              assert.strictEqual(op.noPosition, 'no-mir-node');
            else assert.strictEqual(op.relation, 'v');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('nested MIR components at any depth: every node is read once, with its component', () => {
    // A tree of components: each level holds a few plain nodes and maybe one nested component.
    const level: fc.Memo<Record<string, unknown>> = fc.memo((depth) =>
      fc.record({
        plain: fc.integer({ min: 0, max: 3 }),
        inner: depth > 1 ? fc.option(level(depth - 1), { nil: undefined }) : fc.constant(undefined),
      }),
    );
    fc.assert(
      fc.property(level(6), (tree) => {
        let next = 0;
        const expected = new Map<string, string | undefined>();
        const build = (t: Record<string, unknown>, parent: string | undefined): Record<string, unknown> => {
          const out: Record<string, unknown> = {};
          for (let i = 0; i < (t.plain as number); i++) {
            const id = `s${next++}`;
            expected.set(id, parent);
            out[id] = { operation: 'map', inputs: [], positions: [], persistent_id: id };
          }
          if (t.inner) {
            const id = `s${next++}`;
            expected.set(id, parent);
            const inner = build(t.inner as Record<string, unknown>, id);
            out[id] = {
              operation: 'nested',
              persistent_id: id,
              outputs: Object.keys(inner)
                .slice(0, 1)
                .map((n) => ({ node: n, output: 0 })),
              ...inner,
            };
          }
          return out;
        };
        const mir = build(tree, undefined);
        const read = readMir(mir);
        assert.strictEqual(read.skipped, 0);
        assert.deepStrictEqual(new Map(read.nodes.map((n) => [n.id, n.parent])), expected);
        // A join over it ends and knows every node.
        const join = buildSqlJoin({
          code: 'SELECT 1;',
          mir: read.nodes,
          nodes: Object.fromEntries([...expected.keys()].map((id) => [`n${id}`, id])),
        });
        assert.strictEqual(join.stats.operatorsWithMirNode, expected.size);
      }),
      { numRuns: RUNS },
    );
  });

  it('cycles (recursive views): the search ends, and picks the relation an independent BFS finds', () => {
    const graph = fc.integer({ min: 1, max: 14 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }),
        rel: fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined, freq: 3 }), {
          minLength: n,
          maxLength: n,
        }),
      }),
    );
    fc.assert(
      fc.property(graph, ({ n, edges, rel }) => {
        // edge [from, to]: `to` reads `from` (self loops and cycles allowed).
        const mir = Array.from({ length: n }, (_, i) =>
          mirNode(`s${i}`, {
            inputs: edges.filter(([, to]) => to === i).map(([from]) => `s${from}`),
            ...(rel[i] ? { view: rel[i] } : {}),
          }),
        );
        const nodes = Object.fromEntries(mir.map((m, i) => [`nn${i}`, m.persistentId!]));
        const join = buildSqlJoin({ code: 'CREATE VIEW a AS SELECT 1;', mir, nodes });
        const oracle = (start: number, down: boolean): string | undefined => {
          const seen = new Set([start]);
          let frontier = [start];
          while (frontier.length) {
            const next: number[] = [];
            for (const x of frontier)
              for (const [from, to] of edges) {
                const y = down ? (from === x ? to : -1) : to === x ? from : -1;
                if (y >= 0 && !seen.has(y)) {
                  seen.add(y);
                  next.push(y);
                }
              }
            const found = new Set(next.filter((y) => rel[y]).map((y) => rel[y]!));
            if (found.size === 1) return [...found][0];
            if (found.size > 1) return undefined;
            frontier = next;
          }
          return undefined;
        };
        for (let i = 0; i < n; i++) {
          const op = join.operator(`nn${i}`);
          const want = rel[i] ?? oracle(i, true) ?? oracle(i, false);
          assert.strictEqual(op.relation, want, `node s${i}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('statement splitter: a ";" inside strings, quoted names or comments does not end a statement', () => {
    const piece = fc.constantFrom("'a;b'", '"x;y"', '-- c;d\n', '/* e;f */', 'g', ' ', "'it''s;'", '\n');
    const statement = fc
      .array(piece, { maxLength: 6 })
      .map((p) => `CREATE VIEW v${p.length} AS SELECT ${p.join('')} 1`);
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 6 }), (stmts) => {
        const text = stmts.join(';\n') + ';';
        const got = splitSqlStatements(text);
        assert.strictEqual(got.length, stmts.length);
        for (const s of got) assert.strictEqual(s.kind, 'view');
        // Ranges are ordered and do not overlap.
        for (let i = 1; i < got.length; i++) {
          const a = got[i - 1];
          const b = got[i];
          assert.ok(a.endLine < b.startLine || (a.endLine === b.startLine && a.endColumn < b.startColumn));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
