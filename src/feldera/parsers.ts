// Pure parsers for what a Feldera server (or a proxy in front of it) sends back. None of them throws.
import { STATUS_CODES } from 'http';
import type { ApiError } from './types';

/** Retry-After when the header is missing or unreadable. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/**
 * Largest Retry-After kept: a day. During a samply collection Retry-After is the time it has left, which users see
 * and deadlines follow, so it is kept as sent; only an absurd value (years, 10^40) is cut down to this.
 */
export const MAX_RETRY_AFTER_SECONDS = 86_400;
/**
 * Longest single wait before asking again, whatever Retry-After says: the wait between two polls, and the floor a
 * Retry-After puts under a retry's backoff. Time left is not a wait: a 120 s collection is polled every 30 s.
 */
export const MAX_RETRY_WAIT_SECONDS = 30;
/** Longest snippet of a non-Feldera error body kept for the user. */
export const MAX_SNIPPET_CHARS = 200;
/** Longest Feldera error `message` kept (SQL and deployment errors can be long). */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * The seconds a `Retry-After` header announces, always finite and in [0, MAX_RETRY_AFTER_SECONDS] (a day). This is
 * what the server said (for a running collection: its time left), not how long to sleep: cap a wait at
 * MAX_RETRY_WAIT_SECONDS.
 * - missing or empty → 1 (DEFAULT_RETRY_AFTER_SECONDS); unreadable → 1
 * - delta-seconds: negative → 0, fractional → rounded up, above a day → a day
 * - HTTP-date (IMF-fixdate, RFC 850 or asctime): seconds from `now`, rounded up; in the past → 0, above a day → a day
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number {
  if (typeof value !== 'string') return DEFAULT_RETRY_AFTER_SECONDS;
  const v = value.trim();
  if (v === '') return DEFAULT_RETRY_AFTER_SECONDS;
  if (/^[+-]?\d+(\.\d*)?$/.test(v) || /^[+-]?\.\d+$/.test(v)) {
    return clampSeconds(Number(v));
  }
  const nowMs = now.getTime();
  const when = parseHttpDate(v, now);
  if (when === undefined || !Number.isFinite(nowMs)) return DEFAULT_RETRY_AFTER_SECONDS;
  return clampSeconds((when - nowMs) / 1000);
}

/**
 * How long to wait before asking again after an answer with this `Retry-After`, in ms: what it announces, but at most
 * MAX_RETRY_WAIT_SECONDS. A server that says "in an hour" is asked again in 30 s, not trusted to park a request.
 */
export function retryAfterWaitMs(value: string | null | undefined, now: Date = new Date()): number {
  return Math.min(parseRetryAfter(value, now), MAX_RETRY_WAIT_SECONDS) * 1000;
}

function clampSeconds(seconds: number): number {
  if (Number.isNaN(seconds)) return DEFAULT_RETRY_AFTER_SECONDS;
  if (seconds <= 0) return 0;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.ceil(seconds));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The three date formats RFC 9110 §5.6.7 allows, strictly: `Date.parse` alone would accept almost anything
 * (V8 reads "1" as a year), and garbage must map to the default, not to some date.
 */
export function parseHttpDate(value: string, now: Date = new Date()): number | undefined {
  const v = value.trim();
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  let m = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (m) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit year: within 50 years of now, RFC 9110's rule, simplified)
  m = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (m) {
    const yy = Number(m[3]);
    const thisYear = Number.isFinite(now.getTime()) ? now.getUTCFullYear() : new Date().getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + yy;
    if (year > thisYear + 50) year -= 100;
    return utc(String(year), m[2], m[1], m[4], m[5], m[6]);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  m = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(v);
  if (m) return utc(m[6], m[1], m[2].trim(), m[3], m[4], m[5]);
  return undefined;
}

function utc(year: string, month: string, day: string, h: string, min: string, s: string): number | undefined {
  const mi = MONTHS.indexOf(month.toLowerCase());
  const [y, d, hh, mm, ss] = [year, day, h, min, s].map(Number);
  if (mi < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return undefined;
  const t = Date.UTC(y, mi, d, hh, mm, ss);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * The file name in a `Content-Disposition` header (RFC 6266), for display only: it may contain any character,
 * including `:` and path separators, so never use it as a path. `filename*` (RFC 8187, UTF-8 or ISO-8859-1,
 * percent-encoded) wins over `filename` (quoted-string with backslash escapes, or a bare token).
 * Undefined when there is no usable name.
 */
export function parseContentDispositionFilename(header: string | null | undefined): string | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  let plain: string | undefined;
  let extended: string | undefined;
  for (const [name, raw, quoted] of dispositionParams(header)) {
    if (name === 'filename*' && extended === undefined) {
      extended = quoted ? decodeExtValue(raw) : decodeExtValue(raw.trim());
    } else if (name === 'filename' && plain === undefined) {
      plain = raw;
    }
  }
  if (extended !== undefined && extended !== '') return extended;
  if (plain !== undefined && plain !== '') return plain;
  return undefined;
}

/** [lower-cased name, value (unescaped when quoted), was quoted] for each `; name=value` after the type. */
function dispositionParams(header: string): Array<[string, string, boolean]> {
  const out: Array<[string, string, boolean]> = [];
  let i = header.indexOf(';');
  const firstEq = header.indexOf('=');
  // No disposition type at all (`filename="x"`): read parameters from the start.
  if (firstEq >= 0 && (i < 0 || firstEq < i)) i = -1;
  if (i < 0 && firstEq < 0) return out;
  const n = header.length;
  while (i < n) {
    // Here header[i] is ';' (or we are past a bad parameter and look for the next one).
    i++;
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
    const eq = header.indexOf('=', i);
    const semi = header.indexOf(';', i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      if (semi < 0) break;
      i = semi;
      continue;
    }
    const name = header.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
    if (header[i] === '"') {
      let value = '';
      i++;
      while (i < n && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < n) i++;
        value += header[i];
        i++;
      }
      // Unterminated quotes: take what there is.
      out.push([name, value, true]);
      i++;
      const next = header.indexOf(';', i);
      if (next < 0) break;
      i = next;
    } else {
      const next = header.indexOf(';', i);
      const value = (next < 0 ? header.slice(i) : header.slice(i, next)).trim();
      out.push([name, value, false]);
      if (next < 0) break;
      i = next;
    }
  }
  return out;
}

/** RFC 8187 ext-value: charset'language'percent-encoded. */
function decodeExtValue(value: string): string | undefined {
  const first = value.indexOf("'");
  const second = first < 0 ? -1 : value.indexOf("'", first + 1);
  if (second < 0) return undefined;
  const charset = value.slice(0, first).toLowerCase();
  const encoded = value.slice(second + 1);
  if (charset === 'utf-8') {
    try {
      return decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
  }
  if (charset === 'iso-8859-1') {
    if (/%(?![0-9A-Fa-f]{2})/.test(encoded)) return undefined;
    return encoded.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return undefined;
}

const REDACTED = '[redacted]';

/**
 * Replaces anything that looks like a credential with `[redacted]`: Feldera API keys (`apikey:...`), bearer tokens,
 * JWTs, and each of `secrets` itself (the caller's own keys, however they look; ones shorter than 4 characters are
 * not searched for, they would cut up ordinary words). The one redaction: the client's errors and the log use it.
 */
export function redactSecrets(text: string, secrets?: string | Iterable<string>): string {
  let out = text;
  const list = typeof secrets === 'string' ? [secrets] : (secrets ?? []);
  for (const secret of list) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out
    .replace(/apikey:[A-Za-z0-9]+/gi, `apikey:${REDACTED}`)
    .replace(/bearer(\s+)[^\s"'<>,;]+/gi, `Bearer$1${REDACTED}`)
    .replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)?/g, REDACTED);
}

const ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
]);

/**
 * A short, safe, single-line excerpt of a body for an error message: HTML tags, scripts and styles dropped, a few
 * entities decoded, control characters and runs of whitespace collapsed, credentials and long random-looking runs
 * (48+ letters, digits, `_` or `-`) redacted, cut to `maxChars`
 * (an ellipsis marks a cut). Undefined when nothing readable is left.
 */
export function safeSnippet(text: string, maxChars: number = MAX_SNIPPET_CHARS, secret?: string): string | undefined {
  // Bound the work on a huge body: only its start can end up in the snippet anyway.
  let s = text.length > 64 * 1024 ? text.slice(0, 64 * 1024) : text;
  if (/<[a-z!/?][^>]*>/i.test(s)) {
    s = s
      .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
      .replace(/<(script|style)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
      .replace(/<[a-z!/?][^>]*(>|$)/gi, ' ');
  }
  s = s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi, (m, ent: string) => {
    const e = ent.toLowerCase();
    let cp: number | undefined;
    if (e.startsWith('#x')) cp = parseInt(e.slice(2), 16);
    else if (e.startsWith('#')) cp = parseInt(e.slice(1), 10);
    else return ENTITIES.get(e) ?? m;
    return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : ' ';
  });
  s = s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // Also any long random-looking run: a key split by markup ("apikey<b></b>:...") must not survive in pieces.
  s = redactSecrets(s, secret).replace(/[A-Za-z0-9_-]{48,}/g, REDACTED);
  if (s === '') return undefined;
  return truncate(s, maxChars);
}

function truncate(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  let cut = s.slice(0, Math.max(0, maxChars - 1));
  // Do not leave half of a surrogate pair behind.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * An error answer as an ApiError value. A Feldera body `{message, error_code, details?}` gives kind `feldera`
 * whatever the content type (Feldera's 401 for a bad API key is `text/plain` and has no `details`); anything else
 * (a proxy's HTML, plain text, an empty body) gives kind `http` with a short safe snippet.
 */
export function parseErrorBody(
  status: number,
  contentType: string | null | undefined,
  text: string,
  statusText?: string,
): ApiError {
  const body = typeof text === 'string' ? text : '';
  const feldera = parseFelderaErrorJson(body);
  if (feldera) {
    const error: ApiError = {
      kind: 'feldera',
      status,
      errorCode: feldera.errorCode,
      message: truncate(redactSecrets(feldera.message), MAX_MESSAGE_CHARS),
    };
    if (feldera.details !== undefined && feldera.details !== null) error.details = feldera.details;
    return error;
  }
  const error: ApiError = {
    kind: 'http',
    status,
    statusText: (statusText && safeSnippet(statusText, 100)) || STATUS_CODES[status] || '',
  };
  const snippet = safeSnippet(body);
  if (snippet !== undefined) error.snippet = snippet;
  if (typeof contentType === 'string' && contentType !== '') {
    const ct = contentType.split(';')[0].trim().toLowerCase();
    if (/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(ct)) error.contentType = ct;
  }
  return error;
}

function parseFelderaErrorJson(text: string): { errorCode: string; message: string; details?: unknown } | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.error_code !== 'string' || o.error_code === '') return undefined;
  if (o.message !== undefined && typeof o.message !== 'string') return undefined;
  const message = typeof o.message === 'string' && o.message.trim() !== '' ? o.message : o.error_code;
  return { errorCode: o.error_code, message, details: o.details };
}
