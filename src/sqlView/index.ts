// CPU in SQL, the VS Code side: the SQL context service (shared with the profile editor), the read-only profiled-SQL
// documents, the heat view and its two commands. extension.ts wires `registerSqlHeat` in one line.
import * as path from 'path';
import vscode = require('vscode');
import { registerCommand } from '../commands/registerCommand';
import type { Log } from '../ui/log';
import { clearCpuInSql, showCpuInSql } from './showCpuInSql';
import { SqlContextService } from './sqlContextService';
import { PROFILED_SQL_SCHEME, ProfiledSqlDocuments } from './sqlDocuments';
import { SqlHeatView } from './sqlHeatView';

export { SqlContextService } from './sqlContextService';
export { openProfiledSql, type OpenedSql } from './sqlDocuments';

export const SHOW_CPU_IN_SQL = 'feldera.showCpuInSql';
export const CLEAR_CPU_IN_SQL = 'feldera.clearCpuInSql';

export interface SqlHeatFeature {
  /** The profile → SQL join service, for the profile editor's SQL columns and By SQL grouping. */
  service: SqlContextService;
  /** The read-only profiled-SQL documents (with openProfiledSql: open the SQL of a profile at an operator's lines). */
  documents: ProfiledSqlDocuments;
  disposables: vscode.Disposable[];
}

export function registerSqlHeat(context: vscode.ExtensionContext, log: Log): SqlHeatFeature {
  const service = new SqlContextService({
    workerFile: path.join(context.extensionUri.fsPath, 'dist', 'profileWorker.js'),
    log,
  });
  const documents = new ProfiledSqlDocuments();
  const view = new SqlHeatView({ clear: CLEAR_CPU_IN_SQL, openProfile: 'feldera.openProfileSummary' });
  const deps = { service, view, documents, log };
  return {
    service,
    documents,
    disposables: [
      service,
      view,
      vscode.workspace.registerTextDocumentContentProvider(PROFILED_SQL_SCHEME, documents),
      registerCommand(SHOW_CPU_IN_SQL, (a) => showCpuInSql(deps, a), log),
      registerCommand(CLEAR_CPU_IN_SQL, (a) => clearCpuInSql(view, a), log),
    ],
  };
}
