// The SQL context of a profile, for the views that show CPU by SQL (vscode-free). Read a companion, join it, group.
import { loadCompanion, type LoadExpectations, type LoadProblem } from './companion';
import { joinCompanion, type SqlJoin } from './join';
import type { Companion } from './types';

export * from './types';
export { companionPathFor, loadCompanion, parseCompanion, type LoadExpectations, type LoadProblem } from './companion';
export {
  CONTEXT_GRACE_MS,
  describeCompanion,
  SqlContextFetch,
  withSqlCompanion,
  type CompanionOutcome,
  type CompanionsSettled,
  type SavedProfile,
  type SqlContextFetchOptions,
} from './companionFetch';
export {
  buildSqlJoin,
  joinCompanion,
  NO_SQL_POSITION,
  rangeLabel,
  SqlJoin,
  statementLabel,
  type JoinStats,
  type NoPositionReason,
  type OperatorCost,
  type OperatorSql,
  type RelationRule,
  type SqlAggregation,
  type SqlCostGroup,
} from './join';
export { relationKey, splitSqlStatements, statementAt } from './statements';
export {
  buildSqlHeat,
  HEAT_LEVELS,
  heatLevel,
  MIN_MARKED_SHARE,
  type HeatLevel,
  type HeatOperator,
  type HeatRange,
  type HeatSpread,
  type HostOperators,
  type LineHeat,
  type SqlHeat,
  type StatementHeat,
} from './heat';

export type SqlContextResult =
  | { ok: true; companion: Companion; join: SqlJoin; path: string }
  | { ok: false; problem: LoadProblem; reason: string; path: string };

/**
 * The SQL context saved beside `profilePath`, joined and ready to group operators' costs; or why not, in one line
 * (the profile opens either way, with the SQL features off).
 */
export async function openSqlContext(profilePath: string, expect: LoadExpectations = {}): Promise<SqlContextResult> {
  const loaded = await loadCompanion(profilePath, expect);
  if (!loaded.ok) return loaded;
  return { ok: true, companion: loaded.companion, join: joinCompanion(loaded.companion), path: loaded.path };
}
