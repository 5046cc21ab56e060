// Which saved profiles go together: the names the extension saves profiles under (download/naming.ts,
// `<pipeline>-samply-<UTC stamp>[-host<K>][-<n>].json.gz`) read back, so that a comparison can offer the other profiles
// of the same pipeline (newest first) and the other hosts of one multihost collection ("All hosts" saves them with one
// stamp). Reads folder listings only, never a profile.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { PROFILE_EXTENSION } from '../download/naming';

export interface ProfileName {
  pipeline: string;
  /** `yyyyMMdd'T'HHmmss'Z'`; sorts as time. */
  stamp: string;
  /** The host ordinal of a multihost pipeline's profile. */
  host?: number;
  /** The counter added when the name was taken (`-1`, `-2`…). */
  copy?: number;
}

const NAME = /^(.+)-samply-(\d{8}T\d{6}Z)(?:-host(\d{1,6}))?(?:-(\d{1,6}))?$/;

/** The parts of a saved profile's file name, or undefined for any other name. */
export function parseProfileFileName(fileName: string): ProfileName | undefined {
  if (!fileName.toLowerCase().endsWith(PROFILE_EXTENSION)) return undefined;
  const m = NAME.exec(fileName.slice(0, -PROFILE_EXTENSION.length));
  if (!m) return undefined;
  const out: ProfileName = { pipeline: m[1], stamp: m[2] };
  if (m[3] !== undefined) out.host = Number(m[3]);
  if (m[4] !== undefined) out.copy = Number(m[4]);
  return out;
}

export interface ProfileFile {
  path: string;
  fileName: string;
  name?: ProfileName;
  mtimeMs: number;
  size: number;
}

/** The `.json.gz` files of a folder, newest first (by the stamp in the name, else the modification time). */
export async function listProfiles(folder: string): Promise<ProfileFile[]> {
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return [];
  }
  const files: ProfileFile[] = [];
  for (const fileName of names) {
    if (!fileName.toLowerCase().endsWith(PROFILE_EXTENSION)) continue;
    const full = path.join(folder, fileName);
    try {
      const st = await fsp.stat(full);
      if (!st.isFile()) continue;
      const f: ProfileFile = { path: full, fileName, mtimeMs: st.mtimeMs, size: st.size };
      const name = parseProfileFileName(fileName);
      if (name) f.name = name;
      files.push(f);
    } catch {
      // gone meanwhile
    }
  }
  return files.sort(newestFirst);
}

/** Newest first: the stamp in the name when both have one, else the modification time; then by host and name. */
export function newestFirst(a: ProfileFile, b: ProfileFile): number {
  const sa = a.name?.stamp;
  const sb = b.name?.stamp;
  if (sa && sb && sa !== sb) return sa < sb ? 1 : -1;
  if (!(sa && sb) && a.mtimeMs !== b.mtimeMs) return b.mtimeMs - a.mtimeMs;
  return (
    (a.name?.host ?? -1) - (b.name?.host ?? -1) || (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0)
  );
}

/** The two profiles as (baseline, profile): the older one is the baseline. */
export function olderFirst<T extends ProfileFile>(x: T, y: T): [T, T] {
  return newestFirst(x, y) > 0 ? [x, y] : [y, x];
}

/** Profiles of the same pipeline as `file` (by name), other than itself; all profiles when its name says nothing. */
export function samePipeline(file: string, files: ProfileFile[]): ProfileFile[] {
  const me = parseProfileFileName(path.basename(file));
  const others = files.filter((f) => path.resolve(f.path) !== path.resolve(file));
  if (!me) return others;
  return others.filter((f) => f.name?.pipeline === me.pipeline);
}

/**
 * The multihost collection `file` belongs to: the files with its pipeline, stamp and copy number and a host suffix,
 * one per host, in host order. Fewer than two: not a collection.
 */
export function collectionOf(file: string, files: ProfileFile[]): ProfileFile[] {
  const me = parseProfileFileName(path.basename(file));
  if (!me || me.host === undefined) return [];
  const byHost = new Map<number, ProfileFile>();
  for (const f of files) {
    const n = f.name;
    if (!n || n.host === undefined || n.pipeline !== me.pipeline || n.stamp !== me.stamp || n.copy !== me.copy)
      continue;
    if (!byHost.has(n.host)) byHost.set(n.host, f);
  }
  if (byHost.size < 2) return [];
  return Array.from(byHost.values()).sort((a, b) => (a.name?.host ?? 0) - (b.name?.host ?? 0));
}

/** Whether these files are the hosts of one collection (same pipeline and stamp, distinct hosts). */
export function isCollection(files: string[]): boolean {
  const names = files.map((f) => parseProfileFileName(path.basename(f)));
  if (names.length < 2 || names.some((n) => !n || n.host === undefined)) return false;
  const first = names[0] as ProfileName;
  const hosts = new Set(names.map((n) => n?.host));
  return (
    hosts.size === names.length &&
    names.every((n) => n?.pipeline === first.pipeline && n.stamp === first.stamp && n.copy === first.copy)
  );
}
