// Reduces the `mir` object of a dataflow graph (GET …/dataflow_graph) to the MIR nodes the join needs. The object maps
// node ids to nodes; a node whose operation is `nested` (a recursive component) holds its inner nodes as further keys
// beside `outputs`. Walked without recursion, so no nesting depth can exhaust the stack; anything malformed is skipped
// and counted, never thrown.
import type { MirNode, SqlRange } from './types';

export interface MirReadResult {
  nodes: MirNode[];
  /** Entries that were not a usable node (wrong shape, duplicate id, beyond the limit). */
  skipped: number;
}

/** Keys of a node that are its own fields, not inner nodes of a nested component. */
const NODE_FIELDS = new Set([
  'operation',
  'table',
  'view',
  'inputs',
  'backedges',
  'outputs',
  'calcite',
  'positions',
  'persistent_id',
]);
const MAX_NODES = 1_000_000;
const MAX_ID_CHARS = 4096;

export function readMir(mir: unknown): MirReadResult {
  const nodes: MirNode[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  if (!isObject(mir)) return { nodes, skipped: 1 };
  // (container, the nested node it belongs to)
  const work: [Record<string, unknown>, string | undefined][] = [[mir, undefined]];
  while (work.length > 0) {
    const [container, parent] = work.pop()!;
    for (const [id, raw] of Object.entries(container)) {
      if (parent !== undefined && NODE_FIELDS.has(id)) continue;
      if (!isObject(raw) || typeof raw.operation !== 'string' || id.length > MAX_ID_CHARS) {
        skipped++;
        continue;
      }
      if (seen.has(id) || nodes.length >= MAX_NODES) {
        skipped++;
        continue;
      }
      seen.add(id);
      const node: MirNode = {
        id,
        operation: raw.operation.slice(0, 200),
        positions: readPositions(raw.positions),
        inputs: [...refs(raw.inputs), ...refs(raw.backedges)],
      };
      if (typeof raw.persistent_id === 'string' && raw.persistent_id.length <= MAX_ID_CHARS) {
        node.persistentId = raw.persistent_id;
      }
      if (typeof raw.table === 'string' && raw.table !== '') node.table = raw.table;
      if (typeof raw.view === 'string' && raw.view !== '') node.view = raw.view;
      if (parent !== undefined) node.parent = parent;
      if (raw.operation === 'nested') {
        node.outputs = refs(raw.outputs);
        work.push([raw, id]);
      }
      nodes.push(node);
    }
  }
  return { nodes, skipped };
}

/** `[{node: "s3", output: 0}, …]` (or plain ids) → ids. */
function refs(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const r of v) {
    if (typeof r === 'string') out.push(r);
    else if (isObject(r) && typeof r.node === 'string') out.push(r.node);
  }
  return out;
}

function readPositions(v: unknown): SqlRange[] {
  if (!Array.isArray(v)) return [];
  const out: SqlRange[] = [];
  for (const p of v) {
    if (!isObject(p)) continue;
    const r = {
      startLine: p.start_line_number,
      startColumn: p.start_column,
      endLine: p.end_line_number,
      endColumn: p.end_column,
    };
    if (Object.values(r).every((x) => typeof x === 'number' && Number.isFinite(x))) out.push(r as SqlRange);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
