// The heat of a profile's operators on the lines of its SQL — what the SQL editor shows: a heat level per line range,
// a CPU share per CREATE TABLE/VIEW statement, and the operators behind each line. vscode-free, so it is tested and
// benched in plain Node; src/sqlView turns it into decorations, CodeLenses and hovers.
//
// Rules:
// - An operator's cost is its *self* CPU (its evaluations minus the operators evaluated inside them), so a nested
//   circuit and its operators are never counted twice, and shares add up to 1.
// - Several hosts of one collection run the same circuit (same node ids): their operators' costs are summed.
// - A line's heat is the CPU of every operator whose primary range covers it (ranges nest: a view, a join inside
//   it). Its level compares it with the hottest line's (a program of 200 views spreads its CPU thin, and its hot
//   spots must still show), and a line below MIN_MARKED_SHARE of all operators' CPU gets no mark at all. The shares
//   of all CPU are in the CodeLenses and hovers.
import type { OperatorStat, WorkerSpread } from '../profile/types';
import type { OperatorSql, SqlJoin } from './join';
import type { SqlStatement } from './statements';

/** Fraction of the hottest line's CPU at which a line reaches heat level 1, 2, 3, 4. */
export const HEAT_LEVELS: readonly number[] = [0.02, 0.1, 0.3, 0.6];
/** Share of all operators' CPU below which a line gets no mark. */
export const MIN_MARKED_SHARE = 0.001;
export type HeatLevel = 1 | 2 | 3 | 4;

/** One host's operator table (ProfileHandle.operators). */
export interface HostOperators {
  /** `host 1`, or the file name: says where a figure comes from. */
  label: string;
  rows: readonly OperatorStat[];
  /** All operators' CPU, each evaluation counted once (OperatorTable.totalCpuUs). */
  totalCpuUs: number;
}

/** How an operator's CPU spreads over workers, on one host or several. */
export interface HeatSpread {
  hosts: number;
  workers: number;
  minUs: number;
  maxUs: number;
  /** On one host: the median per worker, and max ÷ median. */
  medianUs?: number;
  skew?: number;
  /** On several hosts: the largest per-host skew and that host's label. */
  worstSkew?: { skew: number; host: string };
}

export interface HeatOperator {
  nodeId: string;
  name: string;
  /** Self CPU (µs), summed over hosts: the operator's own cost. */
  cpuUs: number;
  /** CPU including the operators evaluated inside this one (a nested circuit's). */
  inclusiveCpuUs: number;
  evals: number;
  /** cpuUs ÷ all operators' CPU. */
  share: number;
  spread: HeatSpread;
  sql: OperatorSql;
}

/** Consecutive lines of one heat level (1-based, inclusive). */
export interface HeatRange {
  startLine: number;
  endLine: number;
  level: HeatLevel;
}

/** The CPU behind one CREATE TABLE/VIEW statement. */
export interface StatementHeat {
  statement: SqlStatement;
  cpuUs: number;
  share: number;
  /** Node ids, by CPU (largest first). */
  operators: string[];
}

export interface LineHeat {
  line: number;
  /** CPU of the operators whose primary range covers the line, and its share; 0 when only others' ranges touch it. */
  cpuUs: number;
  share: number;
  level: HeatLevel | 0;
  /** Operators with any position on this line, by CPU (largest first). */
  operators: HeatOperator[];
  /** The statement around the line, when there is one. */
  statement?: SqlStatement;
}

export interface SqlHeat {
  lineCount: number;
  hosts: string[];
  totalCpuUs: number;
  /** Operators with CPU in the profile(s), by CPU (largest first). */
  operators: HeatOperator[];
  /** index = line (1-based; 0 unused). */
  lineCpu: Float64Array;
  lineLevel: Uint8Array;
  /** Lines with a heat mark, merged into runs of one level, in line order. */
  ranges: HeatRange[];
  /**
   * Every CREATE TABLE/VIEW statement, and any other statement operators count on (a recursive view's declaration),
   * in order. With noPosition, they add up to all the CPU.
   */
  statements: StatementHeat[];
  /** Operators the join gives no statement ("no SQL position"): counted here, drawn nowhere. */
  noPosition: { cpuUs: number; share: number; operators: string[] };
  operator(nodeId: string): HeatOperator | undefined;
  /** What is behind a line: undefined when no operator has a position on it. */
  line(line: number): LineHeat | undefined;
}

/** The level of a line with `cpu` when the hottest line has `hottest` and all operators `total` (0: no mark). */
export function heatLevel(cpu: number, hottest: number, total: number): HeatLevel | 0 {
  if (!(total > 0) || !(hottest > 0) || cpu / total < MIN_MARKED_SHARE) return 0;
  let level = 0;
  for (let i = 0; i < HEAT_LEVELS.length; i++) if (cpu / hottest >= HEAT_LEVELS[i]) level = i + 1;
  return level as HeatLevel | 0;
}

/** The heat of `hosts`' operators on the SQL of `join` (one host, or several of one collection, summed). */
export function buildSqlHeat(join: SqlJoin, hosts: readonly HostOperators[]): SqlHeat {
  const merged = mergeHosts(hosts);
  let total = hosts.reduce((a, h) => a + finite(h.totalCpuUs), 0);
  const selfSum = merged.reduce((a, m) => a + m.cpuUs, 0);
  // A table whose total is missing or smaller than its operators' sum (it cannot be) falls back to the sum.
  if (!(total >= selfSum)) total = selfSum;
  const operators = merged;
  const byNode = new Map<string, HeatOperator>();
  for (const op of operators) {
    op.share = total > 0 ? op.cpuUs / total : 0;
    op.sql = join.operator(op.nodeId);
    byNode.set(op.nodeId, op);
  }
  operators.sort((a, b) => b.cpuUs - a.cpuUs || a.nodeId.localeCompare(b.nodeId));

  const lineCpu = join.cpuByLine(operators);
  const lineLevel = new Uint8Array(lineCpu.length);
  const ranges: HeatRange[] = [];
  const hottest = lineCpu.reduce((a, v) => (v > a ? v : a), 0);
  for (let l = 1; l < lineCpu.length; l++) {
    const level = heatLevel(lineCpu[l], hottest, total);
    lineLevel[l] = level;
    if (level === 0) continue;
    const last = ranges[ranges.length - 1];
    if (last && last.level === level && last.endLine === l - 1) last.endLine = l;
    else ranges.push({ startLine: l, endLine: l, level });
  }

  // Per statement, as join.aggregate's byStatement groups (the statement the join gives each operator), without its
  // other groupings: this runs on every Show CPU in SQL.
  const perStatement = new Map<number, { cpuUs: number; operators: string[] }>();
  const np = { cpuUs: 0, operators: [] as string[] };
  for (const op of operators) {
    const st = op.sql.statement;
    const g = st ? perStatement.get(st.index) : np;
    if (g) {
      g.cpuUs += op.cpuUs;
      g.operators.push(op.nodeId);
    } else perStatement.set(st!.index, { cpuUs: op.cpuUs, operators: [op.nodeId] });
  }
  const statements: StatementHeat[] = [];
  for (const s of join.statements) {
    const g = perStatement.get(s.index);
    // Every CREATE TABLE/VIEW gets a lens; other statements (a recursive view's declaration, a function) only when
    // operators count there, so that the lenses and "no SQL position" add up to all the CPU.
    if (!g && (s.declaration || (s.kind !== 'table' && s.kind !== 'view'))) continue;
    statements.push({
      statement: s,
      cpuUs: g?.cpuUs ?? 0,
      share: g && total > 0 ? g.cpuUs / total : 0,
      operators: g?.operators ?? [],
    });
  }

  return {
    lineCount: join.lineCount,
    hosts: hosts.map((h) => h.label),
    totalCpuUs: total,
    operators,
    lineCpu,
    lineLevel,
    ranges,
    statements,
    noPosition: { ...np, share: total > 0 ? np.cpuUs / total : 0 },
    operator: (nodeId) => byNode.get(nodeId),
    line(line) {
      const ids = join.operatorsAt(line);
      if (ids.length === 0) return undefined;
      const ops = ids
        .map((id) => byNode.get(id))
        .filter((o): o is HeatOperator => o !== undefined)
        .sort((a, b) => b.cpuUs - a.cpuUs || a.nodeId.localeCompare(b.nodeId));
      if (ops.length === 0) return undefined;
      const cpuUs = lineCpu[line] ?? 0;
      const level = (lineLevel[line] ?? 0) as HeatLevel | 0;
      return {
        line,
        cpuUs,
        share: total > 0 ? cpuUs / total : 0,
        level,
        operators: ops,
        statement: statementAround(join.statements, line),
      };
    },
  };
}

/**
 * One operator per node id over the hosts: CPU and evaluations summed, spreads combined; `share` and `sql` are filled
 * in by the caller. Plain object literals of one shape: this runs over thousands of operators on every Show.
 */
function mergeHosts(hosts: readonly HostOperators[]): HeatOperator[] {
  const out = new Map<string, { op: HeatOperator; perHost: { host: string; spread: WorkerSpread }[] }>();
  const none = { nodeId: '', positions: [] } as OperatorSql;
  for (const h of hosts) {
    for (const r of h.rows) {
      const self = finite(r.selfCpuUs);
      if (self <= 0 && finite(r.evals) <= 0) continue;
      let m = out.get(r.nodeId);
      if (!m) {
        const op: HeatOperator = {
          nodeId: r.nodeId,
          name: r.name,
          cpuUs: 0,
          inclusiveCpuUs: 0,
          evals: 0,
          share: 0,
          spread: EMPTY_SPREAD,
          sql: none,
        };
        m = { op, perHost: [] };
        out.set(r.nodeId, m);
      }
      m.op.cpuUs += self;
      m.op.inclusiveCpuUs += finite(r.cpuUs);
      m.op.evals += finite(r.evals);
      if (r.spread.workers > 0) m.perHost.push({ host: h.label, spread: r.spread });
    }
  }
  const ops: HeatOperator[] = [];
  for (const { op, perHost } of out.values()) {
    op.spread = combineSpreads(perHost);
    ops.push(op);
  }
  return ops;
}

const EMPTY_SPREAD: HeatSpread = { hosts: 0, workers: 0, minUs: 0, maxUs: 0 };

function combineSpreads(perHost: { host: string; spread: WorkerSpread }[]): HeatSpread {
  if (perHost.length === 0) return { ...EMPTY_SPREAD };
  if (perHost.length === 1) {
    const s = perHost[0].spread;
    const one: HeatSpread = { hosts: 1, workers: s.workers, minUs: s.minUs, maxUs: s.maxUs, medianUs: s.medianUs };
    if (s.skew !== undefined) one.skew = s.skew;
    return one;
  }
  const out: HeatSpread = {
    hosts: perHost.length,
    workers: perHost.reduce((a, p) => a + p.spread.workers, 0),
    minUs: Math.min(...perHost.map((p) => p.spread.minUs)),
    maxUs: Math.max(...perHost.map((p) => p.spread.maxUs)),
  };
  for (const p of perHost) {
    if (p.spread.skew !== undefined && (!out.worstSkew || p.spread.skew > out.worstSkew.skew)) {
      out.worstSkew = { skew: p.spread.skew, host: p.host };
    }
  }
  return out;
}

/** The statement whose lines include `line` (statements do not overlap; a line between two belongs to neither). */
function statementAround(statements: readonly SqlStatement[], line: number): SqlStatement | undefined {
  let lo = 0;
  let hi = statements.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = statements[mid];
    if (line < s.startLine) hi = mid - 1;
    else if (line > s.endLine) lo = mid + 1;
    else return s;
  }
  return undefined;
}

function finite(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}
