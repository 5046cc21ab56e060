// The join from a profile's operators to the pipeline's SQL (../../../shared/feldera/PROFILE-TO-SQL.md), vscode-free:
//
//   eval marker's DBSP node id ─(circuit profile)→ persistent_id, e.g. "b583…d4.shard"
//     ─(strip from the first ".")→ MIR node with that persistent_id ─→ its positions in program_code
//
// Rules, in one place:
// - Positions: only those inside the SQL text count (the rest are ignored and counted in `stats`). The first valid
//   one is the operator's primary position: the line range its time goes to, and the statement around it.
// - Relation (table/view) of a MIR node: its own `view` or `table` (a `<name>-decl` table of a recursive view's
//   declaration counts as `<name>`); else the table/view the CREATE statement around its primary position creates;
//   else the nearest MIR node that has one, looking downstream first (the relation the operator's output feeds), then
//   upstream (what it reads), breadth-first; when the nearest level holds several different relations, none is
//   chosen on that side. Cycles (recursive views) are walked once.
// - Statement: the one around the primary position; else the statement that creates the relation found above.
// - An operator with nothing of this is still listed: its time goes to the "no SQL position" row, with the reason.
//   Time is never dropped: every grouping's rows add up to the total.
import type { Companion, MirNode } from './types';
import {
  lineLengths,
  rangeInText,
  relationKey,
  splitSqlStatements,
  statementAt,
  type SqlRange,
  type SqlStatement,
} from './statements';

export type NoPositionReason =
  /** The companion has no circuit profile (node → persistent id map). */
  | 'no-circuit-profile'
  /** The companion has no dataflow graph. */
  | 'no-dataflow-graph'
  /** The circuit profile gives this node no persistent id (shards, exchanges, Z^-1 the compiler added). */
  | 'no-persistent-id'
  /** No MIR node has that persistent id. */
  | 'no-mir-node'
  /** The MIR node has no positions. */
  | 'no-positions'
  /** The MIR node's positions all lie outside the SQL text. */
  | 'positions-outside-sql';

export type RelationRule = 'own' | 'statement' | 'downstream' | 'upstream';

/** What the join knows about one operator (DBSP node). */
export interface OperatorSql {
  nodeId: string;
  /** As the circuit profile gives it (with its `.shard`, `.integral`… suffix). */
  persistentId?: string;
  mirId?: string;
  /** The MIR node's operation. */
  operation?: string;
  /** Positions inside the SQL text; the first is the primary one. Empty when there are none. */
  positions: SqlRange[];
  /** Set when `positions` is empty. */
  noPosition?: NoPositionReason;
  relation?: string;
  /** `relationKey(relation)`: how relations are grouped. */
  relationKey?: string;
  relationRule?: RelationRule;
  statement?: SqlStatement;
  /** `position`: around the primary position; `relation`: the statement creating the relation. */
  statementRule?: 'position' | 'relation';
}

export interface JoinStats {
  /** MIR nodes read. */
  mirNodes: number;
  /** Operators (DBSP nodes) the circuit profile gives a persistent id. */
  operatorsWithPersistentId: number;
  /** Of those, how many find a MIR node once the suffix is stripped. */
  operatorsWithMirNode: number;
  /** Of those, how many have a position inside the SQL text. */
  operatorsWithPosition: number;
  /** MIR positions ignored because they lie outside the SQL text. */
  ignoredPositions: number;
  /** MIR nodes whose persistent id another node already had (the first one is used). */
  duplicatePersistentIds: number;
}

/** One operator's cost, as the profile model sums it. */
export interface OperatorCost {
  nodeId: string;
  cpuUs: number;
  realUs?: number;
  evals?: number;
}

/** A row of a grouping. `key` is `''` for the "no SQL position" row. */
export interface SqlCostGroup {
  key: string;
  label: string;
  cpuUs: number;
  realUs: number;
  evals: number;
  /** Node ids, in the order the costs came. */
  operators: string[];
  relation?: string;
  statement?: SqlStatement;
  /** byRange: the range; byStatement: the statement's range. */
  range?: SqlRange;
}

export interface SqlAggregation {
  total: { cpuUs: number; realUs: number; evals: number };
  /** Each sorted by CPU, descending; the "no SQL position" row is included when it has operators. */
  byRelation: SqlCostGroup[];
  byStatement: SqlCostGroup[];
  byRange: SqlCostGroup[];
  /** The operators with no relation (the byRelation row); see each grouping for its own row. */
  noPosition: SqlCostGroup;
}

export const NO_SQL_POSITION = 'no SQL position';

interface MirInfo {
  node: MirNode;
  positions: SqlRange[];
  hadPositions: boolean;
}

export class SqlJoin {
  readonly statements: SqlStatement[];
  readonly lineCount: number;
  readonly stats: JoinStats;
  private readonly lengths: number[];
  private readonly mir = new Map<string, MirInfo>();
  private readonly byPersistentId = new Map<string, MirInfo>();
  private readonly consumers = new Map<string, string[]>();
  private readonly relations = new Map<string, { key: string; name: string; rule: RelationRule } | null>();
  private readonly direct = new Map<string, { key: string; name: string; rule: RelationRule } | null>();
  /** Relation key → the statement creating it (a definition wins over a DECLARE RECURSIVE VIEW). */
  private readonly creators = new Map<string, SqlStatement>();
  private readonly cache = new Map<string, OperatorSql>();
  private readonly nodes: Map<string, string> | null;
  private readonly hasMir: boolean;
  private lineIndex?: Map<number, string[]>;

  constructor(
    code: string,
    mir: readonly MirNode[] | null,
    nodes: Map<string, string> | Record<string, string> | null,
  ) {
    this.statements = splitSqlStatements(code);
    this.lengths = lineLengths(code);
    this.lineCount = this.lengths.length;
    this.hasMir = mir !== null;
    this.nodes = nodes === null ? null : nodes instanceof Map ? nodes : new Map(Object.entries(nodes));
    for (const s of this.statements) {
      if (!s.key || (s.kind !== 'table' && s.kind !== 'view')) continue;
      const existing = this.creators.get(s.key);
      if (!existing || (existing.declaration && !s.declaration)) this.creators.set(s.key, s);
    }
    let ignored = 0;
    let duplicates = 0;
    for (const node of mir ?? []) {
      if (this.mir.has(node.id)) continue;
      const positions = node.positions.filter((p) => rangeInText(p, this.lengths));
      ignored += node.positions.length - positions.length;
      const info: MirInfo = { node, positions, hadPositions: node.positions.length > 0 };
      this.mir.set(node.id, info);
      if (node.persistentId !== undefined) {
        if (this.byPersistentId.has(node.persistentId)) duplicates++;
        else this.byPersistentId.set(node.persistentId, info);
      }
    }
    // Edges: a node consumes its inputs; a nested component consumes its outputs (so what reads the component reads
    // them, and a walk passes through it).
    for (const { node } of this.mir.values()) {
      for (const from of [...node.inputs, ...(node.outputs ?? [])]) {
        const list = this.consumers.get(from);
        if (list) list.push(node.id);
        else this.consumers.set(from, [node.id]);
      }
    }
    let withPid = 0;
    let withMir = 0;
    let withPos = 0;
    for (const nodeId of this.nodes?.keys() ?? []) {
      const op = this.operator(nodeId);
      if (op.persistentId !== undefined) withPid++;
      if (op.mirId !== undefined) withMir++;
      if (op.positions.length > 0) withPos++;
    }
    this.stats = {
      mirNodes: this.mir.size,
      operatorsWithPersistentId: withPid,
      operatorsWithMirNode: withMir,
      operatorsWithPosition: withPos,
      ignoredPositions: ignored,
      duplicatePersistentIds: duplicates,
    };
  }

  /** What is known about one operator; an unknown node id gets an entry too (never undefined). */
  operator(nodeId: string): OperatorSql {
    const cached = this.cache.get(nodeId);
    if (cached) return cached;
    const op = this.resolve(nodeId);
    this.cache.set(nodeId, op);
    return op;
  }

  /** The MIR node with this id (for the graph around an operator). */
  mirNode(id: string): MirNode | undefined {
    return this.mir.get(id)?.node;
  }

  /** The statement creating a relation, by name (matched as SQL matches unquoted names). */
  statementOf(relation: string): SqlStatement | undefined {
    return this.creators.get(relationKey(relation)) ?? this.creators.get(relation);
  }

  /** Node ids of the circuit whose positions (any of them) cover `line`, for a hover. */
  operatorsAt(line: number): string[] {
    if (!this.lineIndex) {
      const index = new Map<number, string[]>();
      for (const nodeId of this.nodes?.keys() ?? []) {
        const lines = new Set<number>();
        for (const p of this.operator(nodeId).positions) for (let l = p.startLine; l <= p.endLine; l++) lines.add(l);
        for (const l of lines) {
          const list = index.get(l);
          if (list) list.push(nodeId);
          else index.set(l, [nodeId]);
        }
      }
      this.lineIndex = index;
    }
    return this.lineIndex.get(line) ?? [];
  }

  /** Sums costs per relation, per statement and per primary line range. */
  aggregate(costs: Iterable<OperatorCost>): SqlAggregation {
    const rel = new Groups();
    const stmt = new Groups();
    const range = new Groups();
    const total = { cpuUs: 0, realUs: 0, evals: 0 };
    for (const c of costs) {
      const cost = { cpuUs: finite(c.cpuUs), realUs: finite(c.realUs), evals: finite(c.evals) };
      total.cpuUs += cost.cpuUs;
      total.realUs += cost.realUs;
      total.evals += cost.evals;
      const op = this.operator(c.nodeId);
      rel.add(op.relationKey ?? '', c.nodeId, cost, () =>
        op.relationKey === undefined ? {} : { label: op.relation!, relation: op.relation },
      );
      const s = op.statement;
      stmt.add(s ? `#${s.index}` : '', c.nodeId, cost, () =>
        s ? { label: statementLabel(s), statement: s, range: rangeOf(s), relation: s.name } : {},
      );
      const p = op.positions[0];
      range.add(p ? rangeKey(p) : '', c.nodeId, cost, () =>
        p ? { label: rangeLabel(p), range: p, statement: op.statement, relation: op.relation } : {},
      );
    }
    const byRelation = rel.rows();
    return {
      total,
      byRelation,
      byStatement: stmt.rows(),
      byRange: range.rows(),
      noPosition: byRelation.find((g) => g.key === '') ?? emptyGroup(),
    };
  }

  /**
   * CPU per line (index = line number, 0 unused): each operator's CPU on every line of its primary range. Ranges can
   * nest (a view and a join inside it), so lines do not add up to the total; they say how hot a line is.
   */
  cpuByLine(costs: Iterable<OperatorCost>): Float64Array {
    const out = new Float64Array(this.lineCount + 1);
    for (const c of costs) {
      const p = this.operator(c.nodeId).positions[0];
      if (!p) continue;
      const cpu = finite(c.cpuUs);
      for (let l = p.startLine; l <= p.endLine; l++) out[l] += cpu;
    }
    return out;
  }

  private resolve(nodeId: string): OperatorSql {
    const op: OperatorSql = { nodeId, positions: [] };
    if (this.nodes === null) {
      op.noPosition = 'no-circuit-profile';
      return op;
    }
    const pid = this.nodes.get(nodeId);
    if (pid === undefined) {
      op.noPosition = 'no-persistent-id';
      return op;
    }
    op.persistentId = pid;
    if (!this.hasMir) {
      op.noPosition = 'no-dataflow-graph';
      return op;
    }
    const dot = pid.indexOf('.');
    const info = this.byPersistentId.get(dot < 0 ? pid : pid.slice(0, dot));
    if (!info) {
      op.noPosition = 'no-mir-node';
      return op;
    }
    op.mirId = info.node.id;
    op.operation = info.node.operation;
    op.positions = info.positions;
    if (info.positions.length === 0) op.noPosition = info.hadPositions ? 'positions-outside-sql' : 'no-positions';
    const relation = this.relationOf(info.node.id, true);
    if (relation) {
      op.relation = relation.name;
      op.relationKey = relation.key;
      op.relationRule = relation.rule;
    }
    const primary = info.positions[0];
    const around = primary ? statementAt(this.statements, primary.startLine, primary.startColumn) : undefined;
    if (around) {
      op.statement = around;
      op.statementRule = 'position';
    } else if (relation) {
      const creator = this.creators.get(relation.key);
      if (creator) {
        op.statement = creator;
        op.statementRule = 'relation';
      }
    }
    return op;
  }

  /** The relation of a MIR node by its own fields or its statement; with `search`, else the nearest one's. */
  private relationOf(id: string, search: boolean): { key: string; name: string; rule: RelationRule } | undefined {
    const memo = this.relations.get(id);
    if (memo !== undefined) return memo ?? undefined;
    const direct = this.directRelation(id);
    if (direct || !search) return direct;
    const found = this.nearest(id, 'downstream') ?? this.nearest(id, 'upstream');
    this.relations.set(id, found ?? null);
    return found;
  }

  private directRelation(id: string): { key: string; name: string; rule: RelationRule } | undefined {
    const memo = this.direct.get(id);
    if (memo !== undefined) return memo ?? undefined;
    const found = this.findDirectRelation(id);
    this.direct.set(id, found ?? null);
    return found;
  }

  private findDirectRelation(id: string): { key: string; name: string; rule: RelationRule } | undefined {
    const info = this.mir.get(id);
    if (!info) return undefined;
    const own = info.node.view ?? info.node.table;
    if (own !== undefined) {
      const name = own.endsWith('-decl') ? own.slice(0, -'-decl'.length) : own;
      const creator = this.statementOf(name);
      return { key: creator?.key ?? relationKey(name), name: creator?.name ?? name, rule: 'own' };
    }
    const p = info.positions[0];
    const s = p ? statementAt(this.statements, p.startLine, p.startColumn) : undefined;
    if (s?.key && (s.kind === 'table' || s.kind === 'view')) return { key: s.key, name: s.name!, rule: 'statement' };
    return undefined;
  }

  /** Breadth-first over the MIR graph; the first level holding a relation decides (if it holds exactly one). */
  private nearest(
    id: string,
    direction: 'downstream' | 'upstream',
  ): { key: string; name: string; rule: RelationRule } | undefined {
    const seen = new Set<string>([id]);
    let level = [id];
    while (level.length > 0) {
      const next: string[] = [];
      for (const at of level) {
        const neighbours =
          direction === 'downstream'
            ? (this.consumers.get(at) ?? [])
            : [...(this.mir.get(at)?.node.inputs ?? []), ...(this.mir.get(at)?.node.outputs ?? [])];
        for (const n of neighbours) {
          if (seen.has(n) || !this.mir.has(n)) continue;
          seen.add(n);
          next.push(n);
        }
      }
      const found = new Map<string, string>();
      for (const n of next) {
        const r = this.directRelation(n);
        if (r) found.set(r.key, r.name);
      }
      if (found.size === 1) {
        const [[key, name]] = [...found];
        return { key, name, rule: direction };
      }
      if (found.size > 1) return undefined;
      level = next;
    }
    return undefined;
  }
}

export function buildSqlJoin(input: {
  code: string;
  mir: readonly MirNode[] | null;
  nodes: Map<string, string> | Record<string, string> | null;
}): SqlJoin {
  return new SqlJoin(input.code, input.mir, input.nodes);
}

export function joinCompanion(c: Companion): SqlJoin {
  return new SqlJoin(c.program.code, c.mir, c.nodes);
}

class Groups {
  private readonly map = new Map<string, SqlCostGroup>();
  add(
    key: string,
    nodeId: string,
    cost: { cpuUs: number; realUs: number; evals: number },
    describe: () => Partial<SqlCostGroup>,
  ): void {
    let g = this.map.get(key);
    if (!g) {
      g = key === '' ? emptyGroup() : { ...emptyGroup(), key, ...describe() };
      this.map.set(key, g);
    }
    g.cpuUs += cost.cpuUs;
    g.realUs += cost.realUs;
    g.evals += cost.evals;
    g.operators.push(nodeId);
  }
  rows(): SqlCostGroup[] {
    return [...this.map.values()].sort((a, b) => b.cpuUs - a.cpuUs || a.key.localeCompare(b.key));
  }
}

function emptyGroup(): SqlCostGroup {
  return { key: '', label: NO_SQL_POSITION, cpuUs: 0, realUs: 0, evals: 0, operators: [] };
}

function finite(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

function rangeOf(s: SqlRange): SqlRange {
  return { startLine: s.startLine, startColumn: s.startColumn, endLine: s.endLine, endColumn: s.endColumn };
}

function rangeKey(p: SqlRange): string {
  return `${p.startLine}:${p.startColumn}-${p.endLine}:${p.endColumn}`;
}

/** `line 4` / `lines 3–6`. */
export function rangeLabel(p: Pick<SqlRange, 'startLine' | 'endLine'>): string {
  return p.startLine === p.endLine ? `line ${p.startLine}` : `lines ${p.startLine}–${p.endLine}`;
}

/** `CREATE MATERIALIZED VIEW revenue (lines 3–6)`. */
export function statementLabel(s: SqlStatement): string {
  const what = s.keyword ? `${s.keyword}${s.name ? ` ${s.name}` : ''}` : `statement ${s.index + 1}`;
  return `${what} (${rangeLabel(s)})`;
}
