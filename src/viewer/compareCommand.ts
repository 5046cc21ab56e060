// "Feldera: Compare Samply Profiles…" (feldera.compareSamplyProfiles): works out which profiles to compare, from
// whatever called it, then opens the comparison editor.
//   { baseline: Uri, profile: Uri }   from code: opens at once, without asking
//   { hosts: Uri[] }                  from code: the hosts view of one collection
//   { compareWith: Uri }              the profile editor's "Compare with…": offers the other profiles of its pipeline
//                                     (newest first) and, for a host of a collection, the hosts view
//   (Uri, Uri[])                      the Explorer: two selected files (the older is the baseline), or the hosts of
//                                     one collection
//   nothing                           the Command Palette: pick two profiles
import * as fs from 'fs';
import * as path from 'path';
import vscode = require('vscode');
import { profilesFolderIn } from '../download/profilesFolder';
import {
  collectionOf,
  isCollection,
  listProfiles,
  newestFirst,
  olderFirst,
  parseProfileFileName,
  samePipeline,
  type ProfileFile,
} from '../profile/compareFiles';
import type { CompareEditors, CompareTarget } from './comparePanel';

const TITLE = 'Feldera: Compare Samply Profiles';

export async function compareSamplyProfiles(editors: CompareEditors, ...args: unknown[]): Promise<void> {
  const target = await targetOf(args);
  if (target) editors.open(target);
}

async function targetOf(args: unknown[]): Promise<CompareTarget | undefined> {
  const [first, second] = args;
  if (isObject(first)) {
    if (first.baseline instanceof vscode.Uri && first.profile instanceof vscode.Uri) {
      return { kind: 'compare', baseline: first.baseline, profile: first.profile };
    }
    if (Array.isArray(first.hosts) && first.hosts.length >= 1 && first.hosts.every((u) => u instanceof vscode.Uri)) {
      return { kind: 'hosts', files: first.hosts as vscode.Uri[] };
    }
    if (first.compareWith instanceof vscode.Uri) return pickOther(first.compareWith);
    if (!(first instanceof vscode.Uri)) {
      throw new Error(
        'compareSamplyProfiles takes { baseline: Uri, profile: Uri }, { hosts: Uri[] } or { compareWith: Uri }.',
      );
    }
  }
  // The Explorer passes the clicked file and every selected one.
  const selected =
    Array.isArray(second) && second.length > 0 && second.every((u) => u instanceof vscode.Uri)
      ? (second as vscode.Uri[])
      : first instanceof vscode.Uri
        ? [first]
        : [];
  if (selected.length === 0) return pickTwo();
  return fromSelection(selected);
}

async function fromSelection(selected: vscode.Uri[]): Promise<CompareTarget | undefined> {
  if (selected.length === 1) return pickOther(selected[0]);
  if (selected.length === 2) {
    const [a, b] = olderFirst(await describe(selected[0]), await describe(selected[1]));
    return { kind: 'compare', baseline: a.uri, profile: b.uri };
  }
  if (isCollection(selected.map((u) => u.fsPath))) return hostsOf(selected);
  void vscode.window.showWarningMessage(
    `Feldera: select two profiles to compare, or the host profiles of one collection (${selected.length} files are selected).`,
  );
  return undefined;
}

function hostsOf(files: vscode.Uri[]): CompareTarget {
  const host = (u: vscode.Uri) => parseProfileFileName(path.basename(u.fsPath))?.host ?? 0;
  return { kind: 'hosts', files: files.slice().sort((x, y) => host(x) - host(y)) };
}

type Described = ProfileFile & { uri: vscode.Uri };

async function describe(uri: vscode.Uri): Promise<Described> {
  const fileName = path.posix.basename(uri.path);
  let mtimeMs = 0;
  let size = 0;
  if (uri.scheme === 'file') {
    try {
      const st = await fs.promises.stat(uri.fsPath);
      mtimeMs = st.mtimeMs;
      size = st.size;
    } catch {
      // compared as named; the reader will say what is wrong with it
    }
  }
  const d: Described = { uri, path: uri.fsPath, fileName, mtimeMs, size };
  const name = parseProfileFileName(fileName);
  if (name) d.name = name;
  return d;
}

/** The folder of `near` (when given) and every workspace folder's profiles folder: their profiles, newest first. */
async function knownProfiles(near?: vscode.Uri): Promise<ProfileFile[]> {
  const folders = new Set<string>();
  if (near?.scheme === 'file') folders.add(path.dirname(near.fsPath));
  for (const wf of vscode.workspace.workspaceFolders ?? []) {
    if (wf.uri.scheme !== 'file') continue;
    try {
      folders.add(
        profilesFolderIn(wf.uri.fsPath, vscode.workspace.getConfiguration('feldera', wf.uri).get('profiles.folder')),
      );
    } catch {
      // a bad setting is reported where profiles are saved; here it only means one folder less to look in
    }
  }
  const seen = new Set<string>();
  const all: ProfileFile[] = [];
  for (const f of (await Promise.all(Array.from(folders, listProfiles))).flat()) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    all.push(f);
  }
  return all.sort(newestFirst);
}

type Pick = vscode.QuickPickItem & {
  action?: 'hosts' | 'hostVsRest' | 'browse';
  file?: ProfileFile;
};

/** "Compare with…": the other profiles of the pipeline, newest first; the hosts view for a collection's host. */
async function pickOther(uri: vscode.Uri): Promise<CompareTarget | undefined> {
  const all = await knownProfiles(uri);
  const others = samePipeline(uri.fsPath, all);
  const hosts = uri.scheme === 'file' ? collectionOf(uri.fsPath, all) : [];
  const me = parseProfileFileName(path.basename(uri.fsPath));
  const items: Pick[] = [];
  if (hosts.length >= 2) {
    items.push(
      { label: 'Collection', kind: vscode.QuickPickItemKind.Separator },
      {
        label: `$(server-environment) All ${hosts.length} hosts of this collection`,
        description: 'per-host CPU, busiest threads, merged flame graph',
        action: 'hosts',
      },
      {
        label: `$(diff) Host ${me?.host} against the other hosts`,
        description: 'the other hosts merged are the baseline',
        action: 'hostVsRest',
      },
    );
  }
  if (others.length) {
    items.push({ label: me ? `Profiles of ${me.pipeline}` : 'Profiles', kind: vscode.QuickPickItemKind.Separator });
    for (const f of others) items.push({ label: f.fileName, description: describeFile(f), file: f });
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(folder-opened) Browse…', description: 'any profile file', action: 'browse' });
  const pick = await vscode.window.showQuickPick(items, {
    title: `${TITLE}: compare ${path.basename(uri.fsPath)} with…`,
    placeHolder: 'A profile to compare with (the older one is the baseline)',
    matchOnDescription: true,
  });
  if (!pick) return undefined;
  if (pick.action === 'hosts') return hostsOf(hosts.map((f) => vscode.Uri.file(f.path)));
  if (pick.action === 'hostVsRest') {
    const target = hostsOf(hosts.map((f) => vscode.Uri.file(f.path)));
    if (target.kind === 'hosts') target.compareHost = hosts.findIndex((f) => f.path === uri.fsPath);
    return target;
  }
  const other = pick.file
    ? vscode.Uri.file(pick.file.path)
    : (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'samply profiles': ['gz', 'json'] },
          title: `${TITLE}: compare ${path.basename(uri.fsPath)} with…`,
          openLabel: 'Compare',
        })
      )?.[0];
  if (!other) return undefined;
  const [a, b] = olderFirst(await describe(uri), await describe(other));
  return { kind: 'compare', baseline: a.uri, profile: b.uri };
}

/** The Command Palette: two of the workspace's profiles (or any files, browsing). */
async function pickTwo(): Promise<CompareTarget | undefined> {
  const all = await knownProfiles();
  let chosen: vscode.Uri[];
  if (all.length >= 2) {
    const picks = await vscode.window.showQuickPick(
      all.map((f) => ({ label: f.fileName, description: describeFile(f), file: f })),
      {
        title: TITLE,
        placeHolder: 'Select two profiles (the older is the baseline); select none and press Enter to browse',
        canPickMany: true,
        matchOnDescription: true,
      },
    );
    if (!picks) return undefined;
    chosen = picks.map((p) => vscode.Uri.file(p.file.path));
  } else {
    chosen = [];
  }
  if (chosen.length === 0) {
    chosen =
      (await vscode.window.showOpenDialog({
        canSelectMany: true,
        filters: { 'samply profiles': ['gz', 'json'] },
        title: `${TITLE}: select two profiles`,
        openLabel: 'Compare',
      })) ?? [];
    if (chosen.length === 0) return undefined;
  }
  return fromSelection(chosen);
}

function describeFile(f: ProfileFile): string {
  const when = f.name ? stampText(f.name.stamp) : new Date(f.mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
  const host = f.name?.host !== undefined ? ` · host ${f.name.host}` : '';
  return `${when}${host} · ${(f.size / (1024 * 1024)).toFixed(1)} MiB`;
}

/** 20260101T120000Z → "2026-01-01 12:00:00 UTC". */
function stampText(stamp: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]} UTC` : stamp;
}

function isObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null;
}
