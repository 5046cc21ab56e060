// Server URLs as the user types them → one canonical form, or a message that says what to fix.

export type NormalizedServerUrl = { ok: true; url: string; origin: string } | { ok: false; message: string };

/**
 * Canonical base URL of a Feldera server: http or https, no credentials, no query or fragment, host lower-cased,
 * default port dropped, trailing slashes removed, any path prefix kept (`http://h:8080/feldera/` →
 * `http://h:8080/feldera`). `origin` is scheme + host + port: the unit API keys are stored and sent for.
 */
export function normalizeServerUrl(input: string): NormalizedServerUrl {
  if (typeof input !== 'string') return { ok: false, message: 'Enter the URL of a Feldera server.' };
  const raw = input.trim();
  if (raw === '') return { ok: false, message: 'Enter the URL of a Feldera server, e.g. http://localhost:8080.' };
  if (/\s/.test(raw)) return { ok: false, message: 'A server URL cannot contain spaces.' };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?/.exec(raw);
  const name = scheme?.[1].toLowerCase();
  if (scheme && name !== 'http' && name !== 'https' && (scheme[2] || !/^\d/.test(raw.slice(scheme[0].length)))) {
    return { ok: false, message: `Only http:// and https:// URLs are supported, not ${name}:.` };
  }
  if (!scheme || !scheme[2] || (name !== 'http' && name !== 'https')) {
    // `localhost:8080` or `feldera.example.com`: suggest the likely fix.
    const looksLikeHost = /^[A-Za-z0-9.-]+(:\d{1,5})?(\/[^@]*)?$/.test(raw);
    const suggestion = looksLikeHost ? ` (did you mean http://${raw}?)` : '';
    return { ok: false, message: `A server URL starts with http:// or https://${suggestion}.` };
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Not echoed back: the input may hold something secret.
    return { ok: false, message: 'This is not a valid URL: check the host name and the port.' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { ok: false, message: 'Only http:// and https:// URLs are supported.' };
  }
  if (u.username !== '' || u.password !== '' || /^[^/?#]*\/\/[^/?#]*@/.test(raw)) {
    return {
      ok: false,
      message: 'Do not put a user name or password in the URL: use "Set API Key…" for the API key.',
    };
  }
  if (u.hostname === '') return { ok: false, message: 'The URL has no host name.' };
  if (u.search !== '' || raw.includes('?')) {
    return { ok: false, message: 'A server URL cannot have a query (the part from "?"); remove it.' };
  }
  if (u.hash !== '' || raw.includes('#')) {
    return { ok: false, message: 'A server URL cannot have a fragment (the part from "#"); remove it.' };
  }
  const path = u.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${u.origin}${path}`, origin: u.origin };
}

/** `scheme://host[:port]` of a URL, or undefined when it is not an absolute http(s) URL. */
export function originOf(url: string | URL): string | undefined {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a host name (as in `URL.hostname`, brackets optional for IPv6) is this machine: `localhost` and
 * `*.localhost`, 127.0.0.0/8, `::1`, and IPv4-mapped loopback.
 */
export function isLoopbackHost(host: string): boolean {
  if (typeof host !== 'string') return false;
  let h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isLoopbackV4(h)) return true;
  if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^(0{1,4}:){1,6}:0{0,3}1$/.test(h)) return true;
  const mapped = /^::ffff:(.+)$/.exec(h);
  if (mapped) {
    if (isLoopbackV4(mapped[1])) return true;
    // URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    const hex = /^([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(mapped[1]);
    return hex !== null && parseInt(hex[1], 16) >> 8 === 127;
  }
  return false;
}

function isLoopbackV4(h: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255) && Number(m[1]) === 127;
}

/**
 * A URL as the user typed it, safe to repeat in a message, a tree row or the log: without a user name and password,
 * a query or a fragment (any of them may hold a secret), and cut to 200 characters. For input that may be invalid;
 * for a valid server URL, `normalizeServerUrl(...).url` already is this.
 */
export function urlForMessage(input: string): string {
  const s = String(input)
    .trim()
    .replace(/[?#][\s\S]*$/, '')
    // `scheme://user:pw@host` or `user:pw@host`: everything up to the last `@` before the path.
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?[^/]*@/, '$1');
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}
