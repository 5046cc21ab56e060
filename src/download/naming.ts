// File names for saved profiles. Everything that comes from a server (pipeline names included) passes through
// sanitizeFileComponent before it touches a path, so a name can never climb out of the target folder or be illegal on
// Windows, macOS or Linux.
import { promises as fsp } from 'fs';
import * as path from 'path';

/** Used when nothing usable is left of a name. */
export const FALLBACK_COMPONENT = 'pipeline';
/** Longest component kept, in code points; the UTF-8 length is capped too (most file systems allow 255 bytes). */
export const MAX_COMPONENT_CHARS = 100;
export const MAX_COMPONENT_UTF8_BYTES = 150;
/** The extension of a saved samply profile. */
export const PROFILE_EXTENSION = '.json.gz';

// Path separators, characters Windows forbids, C0/C1 control characters, and invisible or direction-changing
// characters that would make a name read differently from what it is.
// A run of them (or of dots, so no `..` survives) is replaced as a whole.
const UNSAFE_RUN = /(?:[/\\:*?"<>|\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\.{2,})+/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and the superscript digits Windows also reserves), with or without extension.
const WINDOWS_RESERVED =
  /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$) *(\..*)?$/i;

/**
 * Turns any string into one safe file-name component: no path separators, no `:` or other characters Windows
 * forbids, no control characters, no `..`, no leading dot or space (no hidden files, no `.`/`..`), no trailing dot or
 * space, no Windows device name, at most ~100 characters. Returns "pipeline" when nothing is left.
 */
export function sanitizeFileComponent(s: string): string {
  let out = String(s)
    .replace(LONE_SURROGATE, '_')
    .normalize('NFC')
    // Dropped at the ends ("../../x" gives "x"), one underscore inside.
    .replace(UNSAFE_RUN, (run: string, at: number, all: string) =>
      at === 0 || at + run.length === all.length ? '' : '_',
    );
  out = trimEnds(truncate(trimEnds(out)));
  if (WINDOWS_RESERVED.test(out)) out = trimEnds(truncate(out.replace(/^[^.]*/, (base) => `${base}_`)));
  return out === '' ? FALLBACK_COMPONENT : out;
}

function trimEnds(s: string): string {
  return s.replace(/^[.\s]+/u, '').replace(/[.\s]+$/u, '');
}

/** Cuts on code point boundaries so a surrogate pair is never split. */
function truncate(s: string): string {
  const chars = Array.from(s);
  let kept = chars.slice(0, MAX_COMPONENT_CHARS);
  while (kept.length > 0 && Buffer.byteLength(kept.join(''), 'utf8') > MAX_COMPONENT_UTF8_BYTES)
    kept = kept.slice(0, -1);
  return kept.join('');
}

/** `yyyyMMdd'T'HHmmss'Z'` in UTC. */
export function formatUtcStamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('formatUtcStamp: invalid date');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `T${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`
  );
}

/**
 * `<pipeline>-samply-<UTC yyyyMMdd'T'HHmmss'Z'>[-host<K>].json.gz`, the pipeline name sanitised. The host suffix is
 * added when `ordinal` is given (callers pass it only for multihost pipelines).
 */
export function profileFileName(pipeline: string, date: Date, ordinal?: number): string {
  const host = ordinal === undefined ? '' : `-host${hostLabel(ordinal)}`;
  return `${sanitizeFileComponent(pipeline)}-samply-${formatUtcStamp(date)}${host}${PROFILE_EXTENSION}`;
}

function hostLabel(ordinal: number): string {
  return Number.isSafeInteger(ordinal) && ordinal >= 0 ? String(ordinal) : sanitizeFileComponent(String(ordinal));
}

/**
 * The n-th alternative of a name: n = 0 is the name itself, then `<stem>-1<ext>`, `<stem>-2<ext>`... The counter
 * goes before `.json.gz` (or before the last extension of any other name).
 */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const ext = name.toLowerCase().endsWith(PROFILE_EXTENSION) ? PROFILE_EXTENSION : path.extname(name);
  const stem = ext && name.length > ext.length ? name.slice(0, name.length - ext.length) : name;
  return `${stem}-${n}${stem === name ? '' : name.slice(stem.length)}`;
}

/** How many numbered alternatives are tried before giving up. */
export const MAX_NAME_ATTEMPTS = 10_000;

/**
 * A path in `folder` whose name (`name`, `name-1`, ...) does not exist yet. Only a hint for showing the name early:
 * another writer may take it before we do, so the final, non-overwriting move (atomicFile) is what guarantees it.
 */
export async function uniquePath(folder: string, name: string): Promise<string> {
  for (let n = 0; n < MAX_NAME_ATTEMPTS; n++) {
    const candidate = path.join(folder, numberedName(name, n));
    try {
      await fsp.lstat(candidate);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return candidate;
      throw e;
    }
  }
  throw Object.assign(new Error(`No free name for ${name} in ${folder}`), { code: 'EEXIST' });
}
