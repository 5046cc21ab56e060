// Where profiles go: the `feldera.profiles.folder` setting joined to a workspace folder, never outside it.
import * as path from 'path';

/** Joins the setting to the workspace folder; the setting must stay inside it. */
export function profilesFolderIn(root: string, setting: unknown): string {
  const rel = typeof setting === 'string' && setting.trim() ? setting.trim() : '.feldera/profiles';
  if (path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel))
    throw new Error(`"feldera.profiles.folder" must be relative to the workspace folder; "${rel}" is absolute.`);
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  if (back === '..' || back.startsWith('..' + path.sep) || path.isAbsolute(back))
    throw new Error(`"feldera.profiles.folder" ("${rel}") points outside the workspace folder.`);
  return full;
}
