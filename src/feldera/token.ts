// What kind of credential the user pasted, without ever sending or logging it.

export interface TokenInfo {
  /** `apiKey`: `apikey:` + 128 alphanumerics. `jwt`: three base64url parts. `opaque`: anything else. */
  kind: 'apiKey' | 'jwt' | 'opaque';
  /** A JWT's `exp`, when its payload has a numeric one. */
  expiresAt?: Date;
  /** Whether `expiresAt` is at or before `now`. */
  expired?: boolean;
}

const API_KEY = /^apikey:[A-Za-z0-9]{128}$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Classifies a token (surrounding whitespace ignored). Never throws, whatever the input. */
export function inspectToken(token: string, now: Date = new Date()): TokenInfo {
  if (typeof token !== 'string') return { kind: 'opaque' };
  const t = token.trim();
  if (API_KEY.test(t)) return { kind: 'apiKey' };
  if (!JWT.test(t)) return { kind: 'opaque' };
  const info: TokenInfo = { kind: 'jwt' };
  const exp = jwtExp(t.split('.')[1]);
  if (exp !== undefined) {
    const expiresAt = new Date(exp * 1000);
    if (Number.isFinite(expiresAt.getTime())) {
      info.expiresAt = expiresAt;
      info.expired = expiresAt.getTime() <= now.getTime();
    }
  }
  return info;
}

/** Whether the token has the shape of a Feldera API key. */
export function isApiKey(token: string): boolean {
  return typeof token === 'string' && API_KEY.test(token.trim());
}

function jwtExp(payload: string): number | undefined {
  try {
    const json: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof json !== 'object' || json === null) return undefined;
    const exp = (json as Record<string, unknown>).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}
