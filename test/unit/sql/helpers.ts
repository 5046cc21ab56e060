// Feldera's real SQL-join fixtures (../shared/feldera/fixtures), read in place; tests that need them say when they
// were skipped because the folder is absent.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

// Compiled to out/test/unit/sql: the repo root is four levels up.
const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const SQL_FIXTURES = process.env.FELDERA_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/feldera/fixtures');

export interface SqlFixtures {
  sql: string;
  /** dataflow_graph.json without `sources` (as the API answers). */
  graph: { mir: Record<string, unknown>; calcite_plan: unknown };
  /** circuit_profile-16workers.json.gz, gunzipped. */
  circuitText: string;
  circuit: { worker_profiles: { metadata: Record<string, { entries: [string, unknown][] }> }[]; graph: unknown };
}

let cached: SqlFixtures | undefined;

export function sqlFixtures(): SqlFixtures | undefined {
  if (cached) return cached;
  const graphPath = path.join(SQL_FIXTURES, 'dataflow_graph.json');
  const circuitPath = path.join(SQL_FIXTURES, 'circuit_profile-16workers.json.gz');
  if (!fs.existsSync(graphPath) || !fs.existsSync(circuitPath)) return undefined;
  const file = JSON.parse(fs.readFileSync(graphPath, 'utf8')) as Record<string, unknown> & { sources: string[] };
  const { sources, ...graph } = file;
  const circuitText = zlib.gunzipSync(fs.readFileSync(circuitPath)).toString('utf8');
  cached = {
    sql: sources.join('\n'),
    graph: graph as SqlFixtures['graph'],
    circuitText,
    circuit: JSON.parse(circuitText) as SqlFixtures['circuit'],
  };
  return cached;
}

/** In a mocha `before`: the fixtures, or a skip that says why. */
export function requireSqlFixtures(ctx: Mocha.Context): SqlFixtures {
  const f = sqlFixtures();
  if (!f) {
    console.log(`      skipped: ../shared/feldera/fixtures not found (looked in ${SQL_FIXTURES})`);
    ctx.skip();
  }
  return f!;
}
