// The SQL behind the emulator's pipelines: the program text, the dataflow graph (GET …/dataflow_graph) and the circuit
// profile (GET …/circuit_json_profile) of its default program, consistent with each other and with the node ids the
// generated samply profiles put in their `eval` markers.
//
// Two sources:
// - `fixtures` (whenever ../shared/feldera/fixtures is there, as in CI): Feldera's own 16-worker example with a
//   recursive view. The SQL is the `sources` array of dataflow_graph.json joined with newlines (35 lines); the
//   dataflow graph is that file without `sources` (the API has no such field); the circuit profile is
//   circuit_profile-16workers.json.gz — its `graph` and the `metadata` of as many of its 16 `worker_profiles` as the
//   pipeline has workers (cycled when it has more), plus an empty `metrics` list (newer servers send one). Every one
//   of its 206 node ids is served, so markers naming any of them resolve.
// - `builtin` (when the fixtures are absent, or asked for): a small hand-made program (two tables, one aggregate
//   view) with a MIR graph and circuit node ids (`nn1`…`nn10`) made for it, so the join still has something real.
//   It is not Feldera output; tests that need the real thing use the fixtures and say when they are skipped.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export type SqlContextSource = 'fixtures' | 'builtin';

export interface SqlContext {
  source: SqlContextSource;
  /** `program_code` of the default program. */
  sql: string;
  /** The body of GET …/dataflow_graph (`calcite_plan` and `mir`). */
  dataflowGraph: Record<string, unknown>;
  /** `graph` of the circuit profile. */
  graph: Record<string, unknown>;
  /** One `metadata` object per worker of the source (16 for the fixtures). */
  workerMetadata: Record<string, unknown>[];
}

// Compiled to out/test/emulator: the repo root is three levels up.
const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Where Feldera's fixtures are looked for (`FELDERA_FIXTURES` overrides). */
export function fixturesDir(): string {
  return process.env.FELDERA_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/feldera/fixtures');
}

let fixtureCache: SqlContext | null | undefined;
let builtinCache: SqlContext | undefined;

/** The fixtures' context, or undefined when they are not there (read once per process). */
export function fixtureSqlContext(): SqlContext | undefined {
  if (fixtureCache !== undefined) return fixtureCache ?? undefined;
  fixtureCache = null;
  try {
    const dir = fixturesDir();
    const graphFile = JSON.parse(fs.readFileSync(path.join(dir, 'dataflow_graph.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const profile = JSON.parse(
      zlib.gunzipSync(fs.readFileSync(path.join(dir, 'circuit_profile-16workers.json.gz'))).toString('utf8'),
    ) as { worker_profiles: { metadata: Record<string, unknown> }[]; graph: Record<string, unknown> };
    const { sources, ...dataflowGraph } = graphFile;
    if (!Array.isArray(sources) || !Array.isArray(profile.worker_profiles)) return undefined;
    fixtureCache = {
      source: 'fixtures',
      sql: sources.join('\n'),
      dataflowGraph,
      graph: profile.graph,
      workerMetadata: profile.worker_profiles.map((w) => w.metadata),
    };
  } catch {
    fixtureCache = null;
  }
  return fixtureCache ?? undefined;
}

/** The fixtures' context when present, else the built-in one; `builtin` forces the latter. */
export function sqlContext(prefer?: SqlContextSource): SqlContext {
  return (prefer !== 'builtin' ? fixtureSqlContext() : undefined) ?? builtinSqlContext();
}

/** GET …/circuit_json_profile for a pipeline with `workers` workers. */
export function circuitProfileBody(ctx: SqlContext, workers: number): Record<string, unknown> {
  const n = Math.max(1, Math.floor(workers));
  const worker_profiles = Array.from({ length: n }, (_, w) => ({
    metadata: ctx.workerMetadata[w % ctx.workerMetadata.length],
  }));
  return { metrics: [], worker_profiles, graph: ctx.graph };
}

/** What a pipeline with its own `programCode` serves: a program the emulator cannot compile has no operators. */
export function emptyDataflowGraph(): Record<string, unknown> {
  return { calcite_plan: {}, mir: {} };
}

export function emptyCircuitProfile(workers: number): Record<string, unknown> {
  return {
    metrics: [],
    worker_profiles: Array.from({ length: Math.max(1, Math.floor(workers)) }, () => ({ metadata: {} })),
    graph: { nodes: { id: 'n', label: 'root', nodes: [] }, edges: [] },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The built-in program.

export const BUILTIN_SQL = [
  'CREATE TABLE orders (id BIGINT NOT NULL PRIMARY KEY, customer VARCHAR, amount DECIMAL(10, 2), ts TIMESTAMP);',
  'CREATE TABLE customers (id VARCHAR NOT NULL PRIMARY KEY, region VARCHAR);',
  'CREATE MATERIALIZED VIEW revenue_by_region AS',
  '  SELECT c.region, SUM(o.amount) AS revenue',
  '  FROM orders o JOIN customers c ON o.customer = c.id',
  '  GROUP BY c.region;',
].join('\n');

/**
 * [node id, operator name, MIR node whose persistent id it carries + suffix, or undefined]. The node ids and names are
 * those of the built-in circuit the profile generator uses without the fixtures (felderaWork.ts, helper E1's work for
 * issue 12); the `nn8` subcircuit and a few operators carry no persistent id, as compiler-added operators do not.
 */
export const BUILTIN_OPERATORS: [string, string, string | undefined][] = [
  ['nn1', 'Input', 's0'],
  ['nn2', 'InputUpsert', 's1'],
  ['nn3', 'MapIndexedZSet', 's2'],
  ['nn4', 'Z1 (trace)', 's2.integral'],
  ['nn5', 'JoinTrace', 's4'],
  ['nn6', 'AggregateIncremental', 's5'],
  ['nn7', 'merge shards', 's5.shard'],
  ['nn8', 'Subcircuit', undefined],
  ['nn8_n0', 'Z^-1 (output)', undefined],
  ['nn8_n1', 'delta0', undefined],
  ['nn8_n2', 'JoinTrace', 's3'],
  ['nn8_n3', 'DistinctIncremental', undefined],
  ['nn8_n4', 'Z^-1', undefined],
  ['nn9', 'Sum', undefined],
  ['nn10', 'AccumulateTraceAppend', 's5.accumulate'],
  ['nn11', 'Output', 's6'],
];

function pid(mirId: string): string {
  return crypto.createHash('sha256').update(`emulator-builtin-mir\0${mirId}`).digest('hex');
}

function pos(sl: number, sc: number, el: number, ec: number): Record<string, number> {
  return { start_line_number: sl, start_column: sc, end_line_number: el, end_column: ec };
}

function builtinSqlContext(): SqlContext {
  if (builtinCache) return builtinCache;
  const node = (
    id: string,
    operation: string,
    inputs: string[],
    positions: Record<string, number>[],
    rel: { table?: string; view?: string } = {},
  ): [string, Record<string, unknown>] => [
    id,
    {
      operation,
      table: rel.table ?? null,
      view: rel.view ?? null,
      inputs: inputs.map((n) => ({ node: n, output: 0 })),
      calcite: {},
      positions,
      persistent_id: pid(id),
    },
  ];
  const mir = Object.fromEntries([
    node('s0', 'source_map', [], [pos(1, 14, 1, 19)], { table: 'orders' }),
    node('s1', 'source_map', [], [pos(2, 14, 2, 22)], { table: 'customers' }),
    node('s2', 'map_index', ['s0'], []),
    node('s3', 'map_index', ['s1'], []),
    node('s4', 'join_index', ['s2', 's3'], [pos(5, 8, 5, 53)]),
    node('s5', 'aggregate', ['s4'], [pos(4, 20, 4, 32), pos(6, 3, 6, 19)]),
    node('s6', 'inspect', ['s5'], [pos(3, 1, 6, 19)], { view: 'revenue_by_region' }),
  ]);
  const metadata: Record<string, unknown> = {};
  for (const [id, , ref] of BUILTIN_OPERATORS) {
    const entries: unknown[] = [['output batches', { entries: [['batches', 0]] }]];
    if (ref !== undefined) {
      const dot = ref.indexOf('.');
      const base = dot < 0 ? ref : ref.slice(0, dot);
      entries.unshift(['persistent_id', pid(base) + (dot < 0 ? '' : ref.slice(dot))]);
    }
    metadata[id] = { entries };
  }
  const simple = (id: string, label: string) => ({ Simple: { id, label } });
  const top = BUILTIN_OPERATORS.filter(([id]) => !id.includes('_'));
  const inner = BUILTIN_OPERATORS.filter(([id]) => id.startsWith('nn8_'));
  const graph = {
    nodes: {
      id: 'n',
      label: 'root',
      nodes: top.map(([id, label]) =>
        id === 'nn8' ? { Cluster: { id, label: '', nodes: inner.map(([i, l]) => simple(i, l)) } } : simple(id, label),
      ),
    },
    edges: [],
  };
  builtinCache = {
    source: 'builtin',
    sql: BUILTIN_SQL,
    dataflowGraph: { calcite_plan: {}, mir },
    graph,
    workerMetadata: [metadata],
  };
  return builtinCache;
}
