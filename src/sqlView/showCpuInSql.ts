// "Feldera: Show CPU in SQL" and "Clear CPU in SQL": which profile(s), read their operators (off the extension host's
// thread, cancellable), find the SQL they ran (a workspace file with exactly that text, else a read-only copy of the
// saved SQL), open it and mark it. Every way this can fail ends in one sentence that says why.
import { promises as fsp } from 'fs';
import * as path from 'path';
import vscode = require('vscode');
import type { Log } from '../ui/log';
import type { SqlContextService } from './sqlContextService';
import { normaliseSql, openProfiledSql, type ProfiledSqlDocuments } from './sqlDocuments';
import type { SqlHeatView } from './sqlHeatView';

export interface SqlHeatDeps {
  service: SqlContextService;
  view: SqlHeatView;
  documents: ProfiledSqlDocuments;
  log: Log;
}

/**
 * What the command takes:
 * - a profile Uri (what the profile editor's title bar and the Explorer pass): that profile; when it is one host's
 *   file of a multihost collection, the other hosts' files are offered, to sum;
 * - `Uri[]` or `{ profiles: Uri[] }`: exactly those profiles (hosts of one collection), summed, no questions;
 * - `{ profile: Uri, allHosts: true }`: that profile and every other host's file of its collection, no questions;
 * - nothing: the profile in the active editor, else one picked from the workspace.
 */
export type ShowCpuArgument =
  vscode.Uri | vscode.Uri[] | { profiles: vscode.Uri[] } | { profile: vscode.Uri; allHosts?: boolean } | undefined;

export interface ShowCpuResult {
  /** The document that shows the heat. */
  document: vscode.Uri;
  /** `workspace`: a workspace file with the profiled SQL; `profiled`: a read-only copy of the saved SQL. */
  source: 'workspace' | 'profiled';
  profiles: vscode.Uri[];
}

const SHOW_PROFILED = 'Show the profiled SQL';
const COMPARE = 'Compare';

export async function showCpuInSql(deps: SqlHeatDeps, arg: unknown): Promise<ShowCpuResult | undefined> {
  const profiles = await resolveProfiles(arg);
  if (!profiles) return undefined;
  const name = path.posix.basename(profiles[0].path);
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Feldera: reading ${profiles.length > 1 ? `${profiles.length} hosts' profiles` : name} for CPU in SQL`,
      cancellable: true,
    },
    async (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await deps.service.heat(profiles, abort.signal);
      } finally {
        sub.dispose();
      }
    },
  );
  if (!result.ok) {
    if (result.cancelled) return undefined;
    deps.log.warn(`Show CPU in SQL: ${name}: ${result.reason}`);
    void vscode.window.showWarningMessage(`Feldera: no CPU in SQL for ${name}. ${result.reason}`);
    return undefined;
  }
  for (const note of result.notes) deps.log.warn(`Show CPU in SQL: ${note}`);
  if (result.notes.length) void vscode.window.showWarningMessage(`Feldera: ${result.notes.join(' ')}`);

  const { companion, heat } = result;
  const code = normaliseSql(companion.program.code);
  const { doc, source, differing } = await openProfiledSql(deps.documents, result.profiles[0], companion);
  deps.view.show(doc, { heat, profiles: result.profiles, code });
  const fromProfileEditor = vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputCustom;
  await vscode.window.showTextDocument(doc, {
    preview: false,
    viewColumn: fromProfileEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
  });
  deps.log.info(
    `Show CPU in SQL: ${result.profiles.map((p) => path.posix.basename(p.path)).join(', ')} → ${
      source === 'workspace' ? vscode.workspace.asRelativePath(doc.uri) : doc.uri.toString()
    }: ${heat.ranges.length} marked ranges, ${heat.statements.length} statements, ` +
      `${(100 * heat.noPosition.share).toFixed(1)}% without SQL position`,
  );

  if (differing) void sayDiffers(differing, doc, companion.program.version);
  if (heat.ranges.length === 0) {
    const why = companion.missing.map((m) => m.reason).join(' ');
    void vscode.window.showInformationMessage(
      `Feldera: no operator of this profile has a line in its SQL${why ? `: ${why}` : '.'} Its CPU is in the ` +
        'summary at the top of the SQL.',
    );
  }
  return { document: doc.uri, source, profiles: result.profiles };
}

/** Tells that a workspace file named after the pipeline holds other SQL than the profiled one, which is shown. */
export async function sayDiffers(onDisk: vscode.Uri, profiled: vscode.TextDocument, version?: number): Promise<void> {
  const file = vscode.workspace.asRelativePath(onDisk);
  const pick = await vscode.window.showWarningMessage(
    `Feldera: ${file} differs from the SQL this profile was taken with${
      version !== undefined ? ` (program version ${version})` : ''
    }. The CPU is shown on the profiled SQL (read-only) instead.`,
    SHOW_PROFILED,
    COMPARE,
  );
  if (pick === SHOW_PROFILED) await vscode.window.showTextDocument(profiled, { preview: false });
  if (pick === COMPARE) {
    await vscode.commands.executeCommand(
      'vscode.diff',
      onDisk,
      profiled.uri,
      `${path.posix.basename(onDisk.path)} ↔ profiled SQL`,
    );
  }
}

export function clearCpuInSql(view: SqlHeatView, arg: unknown): number {
  if (arg instanceof vscode.Uri) return view.clear(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && view.has(active)) return view.clear(active);
  return view.clear();
}

// ---------------------------------------------------------------------------------------------------------------
// Which profiles

async function resolveProfiles(arg: unknown): Promise<vscode.Uri[] | undefined> {
  if (Array.isArray(arg)) return urisOrThrow(arg);
  if (isObject(arg) && Array.isArray(arg.profiles)) return urisOrThrow(arg.profiles);
  if (isObject(arg) && arg.profile instanceof vscode.Uri) {
    return arg.allHosts === true ? [arg.profile, ...(await collectionSiblings(arg.profile))] : [arg.profile];
  }
  if (arg !== undefined && !(arg instanceof vscode.Uri)) {
    throw new Error('Show CPU in SQL takes a profile Uri, a list of them, or { profiles } / { profile, allHosts }.');
  }
  const profile = arg ?? activeProfile() ?? (await pickProfile());
  if (!profile) return undefined;
  const siblings = await collectionSiblings(profile);
  if (siblings.length === 0) return [profile];
  return pickHosts(profile, siblings);
}

function urisOrThrow(list: unknown[]): vscode.Uri[] {
  if (list.length === 0 || !list.every((u) => u instanceof vscode.Uri)) {
    throw new Error('Show CPU in SQL: "profiles" must be a non-empty list of profile Uris.');
  }
  return list as vscode.Uri[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The profile shown by the active editor tab (the Samply Profile editor), if any. */
function activeProfile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri && /\.json\.gz$/i.test(uri.path) ? uri : undefined;
}

const HOST_FILE = /^(.*-samply-\d{8}T\d{6}Z)-host(\d+)((?:-\d+)?)\.json\.gz$/;

/** The other hosts' files of the collection `profile` belongs to (same folder, name and time), by host. */
export async function collectionSiblings(profile: vscode.Uri): Promise<vscode.Uri[]> {
  if (profile.scheme !== 'file') return [];
  const own = HOST_FILE.exec(path.basename(profile.fsPath));
  if (!own) return [];
  let names: string[];
  try {
    names = await fsp.readdir(path.dirname(profile.fsPath));
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, m: HOST_FILE.exec(n) }))
    .filter(({ n, m }) => m && m[1] === own[1] && m[3] === own[3] && n !== path.basename(profile.fsPath))
    .sort((a, b) => Number(a.m![2]) - Number(b.m![2]))
    .map(({ n }) => vscode.Uri.file(path.join(path.dirname(profile.fsPath), n)));
}

async function pickHosts(profile: vscode.Uri, siblings: vscode.Uri[]): Promise<vscode.Uri[] | undefined> {
  const host = (u: vscode.Uri) => HOST_FILE.exec(path.posix.basename(u.path))?.[2] ?? '?';
  const items = [profile, ...siblings]
    .map((uri) => ({
      uri,
      label: `Host ${host(uri)}`,
      description: path.posix.basename(uri.path),
      detail: uri === profile ? 'this profile' : undefined,
      picked: true,
    }))
    .sort((a, b) => Number(host(a.uri)) - Number(host(b.uri)));
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'Feldera: Show CPU in SQL — sum the CPU of which hosts of this collection?',
    placeHolder: 'Every host runs the same SQL; Enter shows the CPU of the checked hosts summed',
    ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) return undefined;
  // The profile the command was run on gives the SQL when it is checked.
  return picked.map((p) => p.uri).sort((a, b) => Number(b === profile) - Number(a === profile));
}

async function pickProfile(): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles('**/*.json.gz', '**/node_modules/**', 500);
  const withTimes = await Promise.all(
    found.map(async (uri) => ({
      uri,
      mtime: await vscode.workspace.fs.stat(uri).then(
        (s) => s.mtime,
        () => 0,
      ),
    })),
  );
  withTimes.sort((a, b) => b.mtime - a.mtime);
  const browse = { label: '$(folder-opened) Browse…', uri: undefined as vscode.Uri | undefined };
  const items = [
    ...withTimes.map(({ uri }) => ({
      label: path.posix.basename(uri.path),
      description: vscode.workspace.asRelativePath(path.posix.dirname(uri.path)),
      uri,
    })),
    browse,
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Feldera: Show CPU in SQL — which profile?',
    placeHolder: 'A samply profile saved with its SQL context (.sql.json beside it); newest first',
  });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'samply profiles': ['gz'] },
    openLabel: 'Show CPU in SQL',
  });
  return chosen?.[0];
}
