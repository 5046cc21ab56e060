// The input of the CPU-in-SQL bench (issue 13: "a 2,000-line program with 5,000 operators"): a SQL program of CREATE
// TABLE and CREATE MATERIALIZED VIEW statements, a MIR graph over it with nested positions (a view, the join, filter
// and aggregate inside it), a circuit whose operators point at those MIR nodes (with Feldera's `.shard`/`.integral`
// suffixes, and some with no persistent id, as compiler-added operators have none), and an operator table per host
// with a heavy-tailed CPU per operator spread over 16 workers. Deterministic (seeded), so every run measures the same.
import { COMPANION_FORMAT, COMPANION_VERSION, type Companion, type MirNode } from '../../src/sql/types';
import type { HostOperators } from '../../src/sql/heat';
import type { OperatorStat } from '../../src/profile/types';
import { mulberry32 } from '../emulator/random';

const r = (sl: number, sc: number, el: number, ec: number) => ({
  startLine: sl,
  startColumn: sc,
  endLine: el,
  endColumn: ec,
});

export interface SqlHeatInput {
  companion: Companion;
  /** The companion as saved (JSON). */
  text: string;
  hosts: HostOperators[];
  lines: number;
  operators: number;
  mirNodes: number;
}

export function sqlHeatInput(
  opts: { lines?: number; operators?: number; workers?: number; hosts?: number } = {},
): SqlHeatInput {
  const wantLines = opts.lines ?? 2000;
  const operatorCount = opts.operators ?? 5000;
  const workers = opts.workers ?? 16;
  const hostCount = opts.hosts ?? 1;
  const rnd = mulberry32(13);
  const sql: string[] = [];
  const mir: MirNode[] = [];
  let views = 0;
  const node = (operation: string, positions: ReturnType<typeof r>[], inputs: string[], rel: Partial<MirNode> = {}) => {
    const id = `s${mir.length}`;
    mir.push({
      id,
      operation,
      positions,
      inputs,
      persistentId: `pid${mir.length.toString(16).padStart(8, '0')}`,
      ...rel,
    });
    return id;
  };
  const tables: string[] = [];
  while (sql.length < wantLines) {
    const at = sql.length + 1;
    if (tables.length < 2 || rnd() < 0.3) {
      const name = `t${tables.length}`;
      sql.push(
        `CREATE TABLE ${name} (`,
        '  id BIGINT NOT NULL PRIMARY KEY,',
        '  customer VARCHAR,',
        '  amount DECIMAL(10, 2),',
        '  ts TIMESTAMP',
        ');',
      );
      tables.push(node('source_map', [r(at, 14, at, 13 + name.length)], [], { table: name }));
      continue;
    }
    const name = `v${views++}`;
    const a = tables[Math.floor(rnd() * tables.length)];
    const b = tables[Math.floor(rnd() * tables.length)];
    sql.push(
      `CREATE MATERIALIZED VIEW ${name} AS`,
      '  SELECT a.customer,',
      '         SUM(a.amount) AS total,',
      '         COUNT(*) AS n',
      '  FROM t0 a',
      '  JOIN t1 b',
      '    ON a.id = b.id',
      '  WHERE a.amount > 10',
      "    AND b.ts > TIMESTAMP '2020-01-01 00:00:00'",
      '  GROUP BY a.customer',
      '  HAVING COUNT(*) > 1;',
    );
    const join = node('join', [r(at + 4, 3, at + 6, 19)], [a, b]);
    const filter = node('filter', [r(at + 7, 3, at + 8, 45)], [join]);
    const agg = node('aggregate', [r(at + 2, 10, at + 3, 24), r(at + 9, 3, at + 10, 22)], [filter]);
    const map = node('map', [r(at + 1, 3, at + 1, 19)], [agg]);
    const noPos = node('map_index', [], [map]);
    node('inspect', [r(at, 1, at + 10, 22)], [noPos], { view: name });
  }
  const code = sql.join('\n');
  const suffixes = ['', '.shard', '.integral', '.accumulate', '.distinct'];
  const nodes: Record<string, string> = {};
  const ids: string[] = [];
  for (let i = 0; i < operatorCount; i++) {
    // Every tenth operator sits in a nested circuit, as recursive views' operators do.
    const id = i % 10 === 9 ? `nn${i - 1}_n${i}` : `nn${i}`;
    ids.push(id);
    if (i % 7 === 3) continue; // no persistent id
    const m = mir[Math.floor(rnd() * mir.length)];
    nodes[id] = m.persistentId! + suffixes[i % suffixes.length];
  }
  const companion: Companion = {
    format: COMPANION_FORMAT,
    version: COMPANION_VERSION,
    createdAt: new Date(0).toISOString(),
    pipeline: 'bench',
    program: { code, version: 1, status: 'Success' },
    mir,
    nodes,
    workers,
    missing: [],
  };
  const hosts: HostOperators[] = [];
  for (let h = 0; h < hostCount; h++) {
    const rows: OperatorStat[] = [];
    let total = 0;
    for (const id of ids) {
      const perWorker = Array.from({ length: workers }, () => Math.round(1000 * (-Math.log(1 - rnd())) ** 2));
      perWorker.sort((x, y) => x - y);
      const self = perWorker.reduce((x, y) => x + y, 0);
      total += self;
      const median = (perWorker[workers / 2 - 1] + perWorker[workers / 2]) / 2;
      rows.push({
        nodeId: id,
        name: `Operator ${id}`,
        cpuUs: self,
        realUs: self * 1.1,
        selfCpuUs: self,
        evals: 100,
        share: 0,
        spread: {
          workers,
          minUs: perWorker[0],
          medianUs: median,
          maxUs: perWorker[workers - 1],
          skew: median > 0 ? perWorker[workers - 1] / median : undefined,
        },
      });
    }
    for (const row of rows) row.share = row.selfCpuUs / total;
    hosts.push({ label: `host ${h}`, rows, totalCpuUs: total });
  }
  return {
    companion,
    text: JSON.stringify(companion),
    hosts,
    lines: code.split('\n').length,
    operators: operatorCount,
    mirNodes: mir.length,
  };
}
