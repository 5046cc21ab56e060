// The heat of operators on SQL lines (src/sql/heat.ts) and its words (src/sqlView/heatText.ts): levels, merged line
// ranges, statement shares, hosts summed, self CPU (never a nested circuit twice), and nothing dropped.
import * as assert from 'assert';
import fc from 'fast-check';
import type { OperatorStat } from '../../../src/profile/types';
import { buildSqlHeat, HEAT_LEVELS, heatLevel, MIN_MARKED_SHARE, type HostOperators } from '../../../src/sql/heat';
import { buildSqlJoin } from '../../../src/sql/join';
import type { MirNode } from '../../../src/sql/types';
import {
  HOVER_OPERATORS,
  lineHoverMarkdown,
  spreadText,
  statementLensTitle,
  summaryLensTitle,
} from '../../../src/sqlView/heatText';

const SQL = [
  'CREATE TABLE t (x INT);',
  'CREATE VIEW v AS',
  '  SELECT x, COUNT(*) FROM t',
  '  GROUP BY x;',
  'CREATE VIEW w AS SELECT * FROM v;',
].join('\n');

const pos = (startLine: number, startColumn: number, endLine: number, endColumn: number) => ({
  startLine,
  startColumn,
  endLine,
  endColumn,
});

const MIR: MirNode[] = [
  { id: 's0', operation: 'source', table: 't', positions: [pos(1, 14, 1, 14)], inputs: [], persistentId: 'p0' },
  { id: 's1', operation: 'aggregate', positions: [pos(3, 3, 4, 12)], inputs: ['s0'], persistentId: 'p1' },
  { id: 's2', operation: 'inspect', view: 'v', positions: [pos(2, 1, 4, 12)], inputs: ['s1'], persistentId: 'p2' },
  { id: 's3', operation: 'inspect', view: 'w', positions: [pos(5, 1, 5, 33)], inputs: ['s2'], persistentId: 'p3' },
];
const NODES = { nn1: 'p0', nn2: 'p1', nn3: 'p1.shard', nn4: 'p2', nn5: 'p3', nn6: 'unknown' };

function row(nodeId: string, selfCpuUs: number, extra: Partial<OperatorStat> = {}): OperatorStat {
  return {
    nodeId,
    name: `op ${nodeId}`,
    cpuUs: selfCpuUs,
    realUs: 2 * selfCpuUs,
    selfCpuUs,
    evals: 1,
    share: 0,
    spread: { workers: 2, minUs: selfCpuUs / 4, medianUs: selfCpuUs / 2, maxUs: (3 * selfCpuUs) / 4, skew: 1.5 },
    ...extra,
  };
}

function host(label: string, rows: OperatorStat[]): HostOperators {
  return { label, rows, totalCpuUs: rows.reduce((a, r) => a + r.selfCpuUs, 0) };
}

const join = () => buildSqlJoin({ code: SQL, mir: MIR, nodes: NODES });

describe('SQL heat', () => {
  it('levels: a line reaches the highest fraction of the hottest line it meets; none below the least share', () => {
    const total = 1000;
    assert.strictEqual(heatLevel(0, 100, total), 0);
    assert.strictEqual(heatLevel(100, 100, total), 4);
    HEAT_LEVELS.forEach((t, i) => assert.strictEqual(heatLevel(100 * t, 100, total), i + 1));
    assert.strictEqual(heatLevel(100 * HEAT_LEVELS[0] * 0.99, 100, total), 0);
    // However hot next to the others, a line with almost nothing of all CPU gets no mark.
    assert.strictEqual(heatLevel(total * MIN_MARKED_SHARE * 0.99, total * MIN_MARKED_SHARE, total), 0);
    assert.strictEqual(heatLevel(total * MIN_MARKED_SHARE, total * MIN_MARKED_SHARE, total), 4);
    assert.strictEqual(heatLevel(5, 10, 0), 0);
  });

  it('sums hosts, marks lines by the CPU of the ranges over them, and credits statements and "no SQL position"', () => {
    const host0 = host('host 0', [
      row('nn1', 100),
      row('nn2', 500),
      row('nn3', 200),
      row('nn4', 50),
      row('nn5', 0, { evals: 3 }),
      row('nn6', 150),
    ]);
    const host1 = host('host 1', [
      row('nn2', 300, { spread: { workers: 2, minUs: 50, medianUs: 150, maxUs: 250, skew: 5 / 3 } }),
      row('nn6', 100),
    ]);
    const heat = buildSqlHeat(join(), [host0, host1]);
    assert.strictEqual(heat.totalCpuUs, 1400);
    assert.deepStrictEqual(
      heat.operators.map((o) => [o.nodeId, o.cpuUs]),
      [
        ['nn2', 800],
        ['nn6', 250],
        ['nn3', 200],
        ['nn1', 100],
        ['nn4', 50],
        ['nn5', 0],
      ],
    );
    // Line 1: nn1 (100); line 2: the view nn4 (50); lines 3–4: nn2 + nn3 + nn4 (1050); line 5: nn5 (0).
    assert.deepStrictEqual([...heat.lineCpu].slice(1), [100, 50, 1050, 1050, 0]);
    // Against the hottest lines (1050): 100 is 9.5% of it, 50 is 4.8% (level 1); 0 gets no mark.
    assert.deepStrictEqual(heat.ranges, [
      { startLine: 1, endLine: 2, level: 1 },
      { startLine: 3, endLine: 4, level: 4 },
    ]);
    assert.deepStrictEqual(
      heat.statements.map((s) => [s.statement.name, s.cpuUs, s.operators.length]),
      [
        ['t', 100, 1],
        ['v', 1050, 3],
        ['w', 0, 1],
      ],
    );
    assert.deepStrictEqual(heat.noPosition, { cpuUs: 250, share: 250 / 1400, operators: ['nn6'] });
    // Time is never dropped: statements and "no SQL position" add up to the total.
    assert.strictEqual(heat.statements.reduce((a, s) => a + s.cpuUs, 0) + heat.noPosition.cpuUs, heat.totalCpuUs);

    const nn2 = heat.operator('nn2')!;
    assert.deepStrictEqual(nn2.spread, {
      hosts: 2,
      workers: 4,
      minUs: 50,
      maxUs: 375,
      worstSkew: { skew: 5 / 3, host: 'host 1' },
    });
    assert.strictEqual(nn2.evals, 2);
    assert.strictEqual(nn2.share, 800 / 1400);

    const l3 = heat.line(3)!;
    assert.deepStrictEqual(
      l3.operators.map((o) => o.nodeId),
      ['nn2', 'nn3', 'nn4'],
    );
    assert.strictEqual(l3.level, 4);
    assert.strictEqual(l3.statement?.name, 'v');
    assert.strictEqual(heat.line(5)?.operators[0].nodeId, 'nn5');
  });

  it('counts self CPU: a nested circuit is not counted again on top of its operators', () => {
    // nn4's evaluations contain nn2's: its CPU is 1000, its own 10.
    const heat = buildSqlHeat(join(), [host('h', [row('nn2', 990), row('nn4', 10, { cpuUs: 1000 })])]);
    assert.strictEqual(heat.totalCpuUs, 1000);
    assert.strictEqual(heat.operator('nn4')!.cpuUs, 10);
    assert.strictEqual(heat.operator('nn4')!.inclusiveCpuUs, 1000);
    assert.strictEqual(heat.lineCpu[3], 1000);
  });

  it('summing hosts equals one host with the summed figures (property)', () => {
    const ids = Object.keys(NODES);
    const table = fc.array(fc.record({ id: fc.constantFrom(...ids), cpu: fc.integer({ min: 0, max: 1e6 }) }), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.array(table, { minLength: 1, maxLength: 4 }), (hosts) => {
        const j = join();
        const perHost = hosts.map((rows, h) => {
          const byId = new Map<string, number>();
          for (const r of rows) byId.set(r.id, (byId.get(r.id) ?? 0) + r.cpu);
          return host(
            `host ${h}`,
            [...byId].map(([id, cpu]) => row(id, cpu)),
          );
        });
        const summed = new Map<string, number>();
        for (const h of perHost)
          for (const r of h.rows) summed.set(r.nodeId, (summed.get(r.nodeId) ?? 0) + r.selfCpuUs);
        const one = buildSqlHeat(j, [
          host(
            'all',
            [...summed].map(([id, cpu]) => row(id, cpu)),
          ),
        ]);
        const many = buildSqlHeat(j, perHost);
        assert.deepStrictEqual([...many.lineCpu], [...one.lineCpu]);
        assert.deepStrictEqual(many.ranges, one.ranges);
        assert.deepStrictEqual(
          many.statements.map((s) => s.cpuUs),
          one.statements.map((s) => s.cpuUs),
        );
        const total = many.statements.reduce((a, s) => a + s.cpuUs, 0) + many.noPosition.cpuUs;
        assert.strictEqual(total, many.totalCpuUs);
      }),
      { numRuns: 200 },
    );
  });

  it('a profile with no operator CPU marks nothing and divides by nothing', () => {
    const heat = buildSqlHeat(join(), [host('h', [])]);
    assert.strictEqual(heat.totalCpuUs, 0);
    assert.deepStrictEqual(heat.ranges, []);
    assert.ok(heat.statements.every((s) => s.share === 0));
    assert.strictEqual(heat.line(3), undefined);
  });
});

describe('SQL heat: words', () => {
  const heat = buildSqlHeat(join(), [
    host('host 0', [row('nn1', 100), row('nn2', 600), row('nn3', 200), row('nn6', 100)]),
  ]);

  it('CodeLens: share and operator count; a statement without operators says so', () => {
    const [t, v, w] = heat.statements;
    assert.strictEqual(statementLensTitle(t), '10.0% CPU · 1 operator');
    assert.strictEqual(statementLensTitle(v), '80.0% CPU · 2 operators');
    assert.strictEqual(statementLensTitle(w), 'no CPU in this profile');
    assert.match(summaryLensTitle(heat, 'p.json.gz'), /from p\.json\.gz · 10\.0% has no SQL position$/);
  });

  it('hover: the line share, the statement, and its operators by CPU with their spread', () => {
    const md = lineHoverMarkdown(heat.line(3)!, heat, 'p.json.gz');
    const lines = md.split('\n');
    assert.strictEqual(lines[0], '**Feldera CPU · line 3**: 80.0% of operator CPU (0.8 ms)');
    assert.ok(lines.includes('CREATE VIEW v (lines 2–4)'), md);
    const items = lines.filter((l) => l.startsWith('- '));
    assert.deepStrictEqual(items, [
      '- `op nn2` nn2 (lines 3–4): **0.6 ms** self CPU, 60.0% · 1 evals · 2 workers: min 0.2 ms · median 0.3 ms · ' +
        'max 0.5 ms · skew 1.5×',
      '- `op nn3` nn3 (lines 3–4): **0.2 ms** self CPU, 20.0% · 1 evals · 2 workers: min 0.1 ms · median 0.1 ms · ' +
        'max 0.2 ms · skew 1.5×',
    ]);
  });

  it('hover: a line no operator counts on says so; long lists end in "…and N more"; a backtick cannot end a name', () => {
    // w's node has a second position on line 1: listed there, its CPU counting on line 5.
    const mir = MIR.map((m) => (m.id === 's3' ? { ...m, positions: [...m.positions, pos(1, 1, 1, 6)] } : m));
    const w = buildSqlHeat(buildSqlJoin({ code: SQL, mir, nodes: NODES }), [host('h', [row('nn5', 100)])]);
    const first = lineHoverMarkdown(w.line(1)!, w, 'p');
    assert.match(first, /line 1\*\*: no operator's CPU counts here/);
    assert.match(first, /^- `op nn5` nn5 \(line 5\): \*\*0\.1 ms\*\* self CPU, 100%/m);
    const many = Array.from({ length: HOVER_OPERATORS + 3 }, (_, i) => `x${i}`);
    const j = buildSqlJoin({
      code: SQL,
      mir: MIR,
      nodes: Object.fromEntries(many.map((id) => [id, 'p1'])),
    });
    const h = buildSqlHeat(j, [
      host(
        'h',
        many.map((id, i) => row(id, i + 1, { name: 'a`b' })),
      ),
    ]);
    const md = lineHoverMarkdown(h.line(3)!, h, 'p');
    const items = md.split('\n').filter((l) => l.startsWith('- '));
    assert.strictEqual(items.length, HOVER_OPERATORS + 1);
    assert.match(items[HOVER_OPERATORS], /^- …and 3 operators more \(/);
    assert.ok(items[0].startsWith("- `a'b` x14 "), items[0]);
  });

  it('spread: one host gives min · median · max and skew; several give the range and the worst skew', () => {
    assert.strictEqual(spreadText({ hosts: 0, workers: 0, minUs: 0, maxUs: 0 }), 'no worker figures');
    assert.strictEqual(
      spreadText({ hosts: 3, workers: 24, minUs: 1000, maxUs: 5000, worstSkew: { skew: 2.04, host: 'host 2' } }),
      '3 hosts, 24 workers: min 1 ms · max 5 ms · skew up to 2.0× (host 2)',
    );
  });
});
