// Where the profiled SQL is shown: the workspace's `.sql` file whose text is exactly the SQL the profile was taken
// with (line endings aside), or else a read-only document of that SQL (scheme `feldera-sql:`), served from the
// companion file. A workspace file with the pipeline's name but other text is reported, never guessed to match.
import * as path from 'path';
import vscode = require('vscode');
import { sanitizeFileComponent } from '../download/naming';
import { loadCompanion, type Companion } from '../sql';

export const PROFILED_SQL_SCHEME = 'feldera-sql';

/** Workspace `.sql` files looked at, at most (the search stops there). */
const MAX_SQL_FILES = 2000;
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/target/**}';

/** Line endings only: what an editor or a checkout may change without changing the program. */
export function normaliseSql(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

export interface WorkspaceSql {
  /** A file whose text is the profiled SQL. */
  match?: vscode.Uri;
  /** Files named after the pipeline (`<pipeline>.sql`) whose text is other SQL. */
  differing: vscode.Uri[];
}

/** Looks through the workspace's `.sql` files for the profiled program. Open editors count with what they show. */
export async function findWorkspaceSql(code: string, pipeline: string): Promise<WorkspaceSql> {
  const out: WorkspaceSql = { differing: [] };
  if (!vscode.workspace.workspaceFolders?.length) return out;
  const want = normaliseSql(code);
  const wantBytes = Buffer.byteLength(want, 'utf8');
  const newlines = want.split('\n').length - 1;
  const ownName = `${pipeline}.sql`.toLowerCase();
  const files = await vscode.workspace.findFiles('**/*.sql', EXCLUDE, MAX_SQL_FILES);
  // Named after the pipeline first, then shorter paths: the likeliest home of the program.
  files.sort(
    (a, b) =>
      Number(baseName(b) === ownName) - Number(baseName(a) === ownName) ||
      a.path.length - b.path.length ||
      a.path.localeCompare(b.path),
  );
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  for (const uri of files) {
    const named = baseName(uri) === ownName;
    // Past the files named after the pipeline, the first match is enough.
    if (out.match && !named) break;
    const text = await textOf(uri, open.get(uri.toString()), named ? undefined : [wantBytes, wantBytes + newlines + 3]);
    if (text === undefined) continue;
    if (normaliseSql(text) === want) out.match ??= uri;
    else if (named) out.differing.push(uri);
  }
  return out;
}

function baseName(uri: vscode.Uri): string {
  return path.posix.basename(uri.path).toLowerCase();
}

/** The text of a file (of its open editor when there is one); undefined when its size rules it out or it is unreadable. */
async function textOf(
  uri: vscode.Uri,
  doc: vscode.TextDocument | undefined,
  sizeWindow?: [number, number],
): Promise<string | undefined> {
  if (doc) return doc.getText();
  try {
    if (sizeWindow) {
      const { size } = await vscode.workspace.fs.stat(uri);
      if (size < sizeWindow[0] || size > sizeWindow[1]) return undefined;
    }
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/**
 * Read-only documents of profiled SQL: `feldera-sql:/<profile base name>/<pipeline>.sql?<profile path>`. The text is
 * the companion's; the query names the profile so the document can be read again after a window reload. Nothing from
 * the server becomes part of a path: the pipeline name is sanitised and only names the tab.
 */
export class ProfiledSqlDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  uriFor(profile: vscode.Uri, pipeline: string, code: string): vscode.Uri {
    const base = path.posix.basename(profile.path).replace(/\.json\.gz$/i, '');
    const uri = vscode.Uri.from({
      scheme: PROFILED_SQL_SCHEME,
      path: `/${sanitizeFileComponent(base)}/${sanitizeFileComponent(pipeline)}.sql`,
      query: profile.scheme === 'file' ? profile.fsPath : '',
    });
    this.texts.set(uri.toString(), code);
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const known = this.texts.get(uri.toString());
    if (known !== undefined) return known;
    if (uri.query) {
      const loaded = await loadCompanion(uri.query);
      if (loaded.ok) return loaded.companion.program.code;
      return `-- The SQL this profile was taken with is not available: ${loaded.reason}\n`;
    }
    return '-- The SQL this profile was taken with is not available: run "Feldera: Show CPU in SQL" again.\n';
  }
}

export interface OpenedSql {
  doc: vscode.TextDocument;
  /** `workspace`: a workspace file with exactly the profiled SQL; `profiled`: the read-only copy. */
  source: 'workspace' | 'profiled';
  /** A workspace file named after the pipeline that holds other SQL (say so), when the copy is shown. */
  differing?: vscode.Uri;
}

/**
 * Opens (without showing) the SQL `profile` was taken with: the workspace file whose text it is, else the read-only
 * copy. For Show CPU in SQL, and for the profile editor's "open the SQL at these lines".
 */
export async function openProfiledSql(
  documents: ProfiledSqlDocuments,
  profile: vscode.Uri,
  companion: Companion,
): Promise<OpenedSql> {
  const found = await findWorkspaceSql(companion.program.code, companion.pipeline);
  if (found.match) return { doc: await vscode.workspace.openTextDocument(found.match), source: 'workspace' };
  let doc = await vscode.workspace.openTextDocument(
    documents.uriFor(profile, companion.pipeline, companion.program.code),
  );
  if (doc.languageId !== 'sql') {
    doc = await vscode.languages.setTextDocumentLanguage(doc, 'sql').then(
      (d) => d,
      () => doc,
    );
  }
  return { doc, source: 'profiled', differing: found.differing[0] };
}
