// The SQL context saved beside a samply profile (the "companion" file) and what the join makes of it. vscode-free.
import type { SqlRange } from './statements';

export type { SqlRange, SqlStatement, StatementKind } from './statements';

/** `format` of a companion file. */
export const COMPANION_FORMAT = 'feldera-sql-context';
/** The schema version this code writes; it reads this one and refuses newer ones. */
export const COMPANION_VERSION = 1;
/** `<profile>.json.gz` → `<profile>.sql.json` (outside the profile editor's `*.json.gz` pattern). */
export const COMPANION_SUFFIX = '.sql.json';

/** One MIR node of the dataflow graph, reduced to what the join needs. */
export interface MirNode {
  /** MIR node id (`s12`), unique across nested components. */
  id: string;
  /** MIR operation (`join`, `aggregate`, `nested`, `Z <view>-decl`…). */
  operation: string;
  persistentId?: string;
  /** The relation the node reads (`table`) or writes (`view`), when the compiler says. */
  table?: string;
  view?: string;
  /** Positions in `program.code` as the compiler gave them (may lie outside it: the loader keeps, the join ignores). */
  positions: SqlRange[];
  /** MIR node ids this node reads (inputs and back edges). */
  inputs: string[];
  /** For a `nested` (recursive) component: the ids of its outputs. */
  outputs?: string[];
  /** The `nested` component this node sits in. */
  parent?: string;
}

/** A piece of the context that could not be had. */
export interface MissingPart {
  part: 'dataflow-graph' | 'circuit-profile';
  /** Feldera's `error_code` or one of ours: `NotRunning`, `network`, `timeout`, `cancelled`… */
  code: string;
  /** One sentence for the user: why, and what it means. */
  reason: string;
}

/**
 * Schema version 1 of `<profile base>.sql.json`:
 * ```
 * { "format": "feldera-sql-context", "version": 1, "createdAt": ISO-8601, "pipeline": name,
 *   "profile": { "file": base name of the profile when saved, "bytes": its size },
 *   "program": { "code": program_code, "version": program_version?, "status": program_status? },
 *   "mir": [MirNode…] | null,            // null: no dataflow graph (see missing)
 *   "nodes": { dbspNodeId: persistentId } | null,   // null: no circuit profile (see missing)
 *   "workers": number?,                  // worker_profiles in the circuit profile
 *   "missing": [MissingPart…] }
 * ```
 * Positions are `{startLine, startColumn, endLine, endColumn}`, 1-based, inclusive, as the SQL compiler gives them.
 */
export interface Companion {
  format: typeof COMPANION_FORMAT;
  version: typeof COMPANION_VERSION;
  createdAt: string;
  pipeline: string;
  profile?: { file: string; bytes: number };
  program: { code: string; version?: number; status?: string };
  mir: MirNode[] | null;
  nodes: Record<string, string> | null;
  workers?: number;
  missing: MissingPart[];
}
