// Where profiles go: the `feldera.profiles.folder` setting joined to a workspace folder, never outside it — neither
// by its text ("../x", "/etc") nor through a symbolic link on the way (a repository can ship `.feldera` as a link).
import * as fs from 'fs';
import * as path from 'path';

/** Joins the setting to the workspace folder; the result, links resolved, must stay inside the folder. */
export function profilesFolderIn(root: string, setting: unknown): string {
  const rel = typeof setting === 'string' && setting.trim() ? setting.trim() : '.feldera/profiles';
  if (path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel))
    throw new Error(`"feldera.profiles.folder" must be relative to the workspace folder; "${rel}" is absolute.`);
  const full = path.resolve(root, rel);
  if (!isInside(root, full))
    throw new Error(`"feldera.profiles.folder" ("${rel}") points outside the workspace folder.`);
  const realRoot = realPath(root, rel);
  const realFull = realPath(full, rel);
  if (!isInside(realRoot, realFull))
    throw new Error(
      `"feldera.profiles.folder" ("${rel}") leads outside the workspace folder through a symbolic link ` +
        `(it resolves to ${realFull}). Profiles are only saved inside the workspace folder: remove the link, or ` +
        'point the setting at a real folder in the workspace.',
    );
  return full;
}

function isInside(root: string, p: string): boolean {
  const back = path.relative(root, p);
  return !(back === '..' || back.startsWith('..' + path.sep) || path.isAbsolute(back));
}

/**
 * `p` with every symbolic link resolved: the real path of its deepest existing ancestor, plus the rest (which does
 * not exist yet, so holds no link). A dangling link is refused: where it would lead cannot be checked.
 */
function realPath(p: string, rel: string): string {
  let existing = p;
  const rest: string[] = [];
  for (;;) {
    try {
      fs.lstatSync(existing);
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) break;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
  try {
    return path.join(fs.realpathSync.native(existing), ...rest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `"feldera.profiles.folder" ("${rel}") goes through ${existing}, which cannot be resolved (${code ?? String(e)}): ` +
        'a symbolic link to nothing? Profiles are only saved inside the workspace folder.',
    );
  }
}
