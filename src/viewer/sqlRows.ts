// What the profile editor shows of a profile's SQL context (issue 13, "operators know their SQL"): each operator's
// relation and line range for the operator table, and the By SQL rows — the operators' CPU per view/table, per
// statement and per line range — for one selection. vscode-free: the host builds these from the join (src/sql) and
// the worker's operator table, and posts them (protocol.ts); tested in plain Node.
//
// An operator counts its *self* CPU, as the SQL editor's heat does, so a nested circuit is never counted twice and
// every grouping's rows, the "no SQL position" row included, add up to all operators' CPU.
import type { OperatorStat, OperatorTable } from '../profile/types';
import {
  NO_SQL_POSITION,
  rangeLabel,
  statementLabel,
  type NoPositionReason,
  type OperatorSql,
  type SqlCostGroup,
  type SqlJoin,
} from '../sql/join';
import type { SqlRange, SqlStatement } from '../sql/statements';
import type { BySql, OperatorSqlCell, SqlGroupRow, SqlGrouping } from './protocol';

/** Why an operator has no line in the SQL, as a short clause ("no SQL position: …"). */
export const NO_POSITION_TEXT: Record<NoPositionReason, string> = {
  'no-circuit-profile': 'the SQL context has no circuit profile to name its node',
  'no-dataflow-graph': 'the SQL context has no dataflow graph',
  'no-persistent-id': 'the compiler added it (no persistent id)',
  'no-mir-node': 'no dataflow-graph node has its persistent id',
  'no-positions': 'its dataflow-graph node has no SQL position',
  'positions-outside-sql': 'its SQL positions lie outside the SQL text',
};

/** Where each of `nodeIds` sits in the SQL, in the same order. */
export function operatorSqlCells(join: SqlJoin, nodeIds: Iterable<string>): OperatorSqlCell[] {
  const out: OperatorSqlCell[] = [];
  for (const nodeId of nodeIds) out.push(cellOf(join.operator(nodeId)));
  return out;
}

function cellOf(op: OperatorSql): OperatorSqlCell {
  const cell: OperatorSqlCell = { nodeId: op.nodeId };
  if (op.relation !== undefined) {
    cell.relation = op.relation;
    if (op.relationRule === 'downstream') cell.relationNote = `no table or view of its own: it feeds ${op.relation}`;
    if (op.relationRule === 'upstream') cell.relationNote = `no table or view of its own: it reads ${op.relation}`;
  }
  const [primary, ...others] = op.positions;
  if (primary) {
    cell.range = rangeOf(primary);
    cell.lines = rangeLabel(primary);
    if (others.length) cell.more = others.map(rangeLabel);
  } else {
    cell.why = NO_POSITION_TEXT[op.noPosition ?? 'no-positions'];
  }
  if (op.statement) cell.statement = statementLabel(op.statement);
  return cell;
}

/**
 * The By SQL rows of a selection's operators (`table`: the worker's operator table of the selection, unfiltered and
 * unlimited, so every operator is in it). `notes`: what the SQL context lacks, passed through.
 */
export function bySqlRows(
  join: SqlJoin,
  table: Pick<OperatorTable, 'rows' | 'evals'>,
  pipeline: string,
  notes: string[] = [],
): Extract<BySql, { ok: true }> {
  const agg = join.aggregate(table.rows.map(costOf));
  const total = agg.total.cpuUs;
  const row = (g: SqlCostGroup, grouping: SqlGrouping): SqlGroupRow => {
    const r: SqlGroupRow = {
      key: g.key,
      label: g.label,
      cpuUs: g.cpuUs,
      share: total > 0 ? g.cpuUs / total : 0,
      operators: g.operators.length,
      evals: g.evals,
    };
    if (g.key === '') {
      r.label = NO_SQL_POSITION;
      r.detail = noPositionDetail(join, g.operators, grouping);
      return r;
    }
    const range = grouping === 'relation' ? statementRange(join, g.relation) : g.range;
    if (grouping === 'relation') {
      const creator = g.relation !== undefined ? join.statementOf(g.relation) : undefined;
      if (creator?.keyword) r.detail = creator.keyword;
    } else if (grouping === 'statement' && g.statement) {
      r.label = statementName(g.statement);
    } else if (grouping === 'range') {
      r.label = g.relation ?? (g.statement ? statementName(g.statement) : `statement at ${g.label}`);
    }
    if (range) {
      r.range = rangeOf(range);
      r.lines = rangeLabel(range);
    }
    return r;
  };
  return {
    ok: true,
    pipeline,
    totalCpuUs: total,
    evals: table.evals,
    operatorCount: table.rows.length,
    groups: {
      relation: agg.byRelation.map((g) => row(g, 'relation')),
      statement: agg.byStatement.map((g) => row(g, 'statement')),
      range: agg.byRange.map((g) => row(g, 'range')),
    },
    notes,
  };
}

/** An operator's cost for the groupings: its self CPU (see the file's head). */
export function costOf(op: Pick<OperatorStat, 'nodeId' | 'selfCpuUs' | 'realUs' | 'evals'>): {
  nodeId: string;
  cpuUs: number;
  realUs: number;
  evals: number;
} {
  return { nodeId: op.nodeId, cpuUs: op.selfCpuUs, realUs: op.realUs, evals: op.evals };
}

/** `CREATE MATERIALIZED VIEW revenue` (no lines: the row has a column for them). */
function statementName(s: SqlStatement): string {
  return s.keyword ? `${s.keyword}${s.name ? ` ${s.name}` : ''}` : `statement ${s.index + 1}`;
}

function statementRange(join: SqlJoin, relation: string | undefined): SqlRange | undefined {
  return relation === undefined ? undefined : join.statementOf(relation);
}

/** The "no SQL position" row's operators by why, counted: `12 added by the compiler · 3 in no statement`. */
const NO_POSITION_COUNTED: Record<NoPositionReason, string> = {
  'no-circuit-profile': 'without a node map (no circuit profile)',
  'no-dataflow-graph': 'without a dataflow graph',
  'no-persistent-id': 'added by the compiler',
  'no-mir-node': 'not in the dataflow graph',
  'no-positions': 'whose node has no position',
  'positions-outside-sql': 'with positions outside the SQL',
};
/** When an operator of the row has a position yet no relation (or statement) around it. */
const PLACED_ELSEWHERE: Record<SqlGrouping, string> = {
  relation: 'in no table or view',
  statement: 'in no statement',
  range: 'without a position',
};

function noPositionDetail(join: SqlJoin, nodeIds: readonly string[], grouping: SqlGrouping): string {
  const counts = new Map<string, number>();
  for (const id of nodeIds) {
    const reason = join.operator(id).noPosition;
    const why = reason ? NO_POSITION_COUNTED[reason] : PLACED_ELSEWHERE[grouping];
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([why, n]) => `${n} ${why}`)
    .join(' · ');
}

function rangeOf(p: SqlRange): SqlRange {
  return { startLine: p.startLine, startColumn: p.startColumn, endLine: p.endLine, endColumn: p.endColumn };
}
