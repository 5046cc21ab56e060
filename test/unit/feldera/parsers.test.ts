import assert from 'assert';
import fc from 'fast-check';
import {
  MAX_SNIPPET_CHARS,
  parseContentDispositionFilename,
  parseErrorBody,
  parseHttpDate,
  parseRetryAfter,
  redactSecrets,
  retryAfterWaitMs,
  safeSnippet,
} from '../../../src/feldera/parsers';

const RUNS = { numRuns: 3000 };
const NOW = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
const apiKeyArb = fc.string({ unit: alnum, minLength: 128, maxLength: 128 }).map((s) => `apikey:${s}`);
const LEAK = /apikey:[A-Za-z0-9]|bearer\s+[A-Za-z0-9]|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]/i;

const DAY = 86_400;
const anyHeader = fc.option(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.integer().map(String)));

describe('parseRetryAfter', () => {
  it('is always a whole number of seconds in [0, a day] for any input', () => {
    fc.assert(
      fc.property(anyHeader, (v) => {
        const s = parseRetryAfter(v, NOW);
        return Number.isInteger(s) && s >= 0 && s <= DAY;
      }),
      RUNS,
    );
  });

  it("keeps the server's value, a collection's time left: integers 0..a day round-trip (with whitespace)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DAY }), fc.constantFrom('', ' ', '\t'), (n, pad) => {
        return parseRetryAfter(`${pad}${n}${pad}`, NOW) === n;
      }),
      RUNS,
    );
    // Not cut to the 30 s a single wait may last: a 120 s collection has 120 s left.
    assert.strictEqual(parseRetryAfter('120', NOW), 120);
    assert.strictEqual(parseRetryAfter('3600', NOW), 3600);
  });

  it('cuts absurd values down to a day and negative ones to 0', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(DAY + 1), max: 10n ** 40n }), (n) => parseRetryAfter(String(n), NOW) === DAY),
      RUNS,
    );
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: -1 }), (n) => parseRetryAfter(String(n), NOW) === 0),
      RUNS,
    );
  });

  it('rounds fractional seconds up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DAY - 1 }), fc.integer({ min: 1, max: 999 }), (whole, frac) => {
        return parseRetryAfter(`${whole}.${String(frac).padStart(3, '0')}`, NOW) === whole + 1;
      }),
      RUNS,
    );
  });

  it('reads IMF-fixdate HTTP-dates relative to now: future → seconds (up to a day), past → 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5_000_000, max: 5_000_000 }), (delta) => {
        const header = new Date(NOW.getTime() + delta * 1000).toUTCString();
        return parseRetryAfter(header, NOW) === Math.min(DAY, Math.max(0, delta));
      }),
      RUNS,
    );
  });

  it('reads dates anywhere in 1970..9999 without throwing', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        (d) => {
          const expected = Math.min(
            DAY,
            Math.max(0, Math.ceil((Math.floor(d.getTime() / 1000) * 1000 - NOW.getTime()) / 1000)),
          );
          return parseRetryAfter(d.toUTCString(), NOW) === expected;
        },
      ),
      RUNS,
    );
  });

  it('defaults: missing → 1, garbage → 1, "0" → 0', () => {
    assert.strictEqual(parseRetryAfter(undefined), 1);
    assert.strictEqual(parseRetryAfter(null), 1);
    assert.strictEqual(parseRetryAfter(''), 1);
    assert.strictEqual(parseRetryAfter('   '), 1);
    assert.strictEqual(parseRetryAfter('soon'), 1);
    assert.strictEqual(parseRetryAfter('1e3'), 1);
    assert.strictEqual(parseRetryAfter('5, 10'), 1);
    assert.strictEqual(parseRetryAfter('NaN'), 1);
    assert.strictEqual(parseRetryAfter('Infinity'), 1);
    assert.strictEqual(parseRetryAfter('0'), 0);
    assert.strictEqual(parseRetryAfter('-0'), 0);
    assert.strictEqual(parseRetryAfter('-5'), 0);
    assert.strictEqual(parseRetryAfter('0.2'), 1);
    assert.strictEqual(parseRetryAfter('12'), 12);
    assert.strictEqual(parseRetryAfter('30'), 30);
    assert.strictEqual(parseRetryAfter('31'), 31);
    assert.strictEqual(parseRetryAfter('86401'), DAY);
    assert.strictEqual(parseRetryAfter('9'.repeat(400)), DAY);
  });

  it('reads the three HTTP-date formats and nothing looser', () => {
    const now = new Date(Date.UTC(1994, 10, 6, 8, 49, 30));
    assert.strictEqual(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), 7);
    assert.strictEqual(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now), 7);
    assert.strictEqual(parseRetryAfter('Sun Nov  6 08:49:37 1994', now), 7);
    assert.strictEqual(parseRetryAfter('Sun, 06 Nov 1994 08:49:20 GMT', now), 0);
    // V8's Date.parse would take these; they are not HTTP-dates.
    assert.strictEqual(parseRetryAfter('2026-01-02T03:04:35Z', NOW), 1);
    assert.strictEqual(parseRetryAfter('Jan 2 2026', NOW), 1);
    assert.strictEqual(parseHttpDate('Sun, 32 Nov 1994 08:49:37 GMT'), undefined);
    assert.strictEqual(parseHttpDate('Sun, 06 Foo 1994 08:49:37 GMT'), undefined);
  });
});

describe('retryAfterWaitMs', () => {
  it('waits what Retry-After announces, but never more than 30 s at once', () => {
    fc.assert(
      fc.property(anyHeader, (v) => {
        const ms = retryAfterWaitMs(v, NOW);
        return ms === Math.min(parseRetryAfter(v, NOW), 30) * 1000;
      }),
      RUNS,
    );
    assert.strictEqual(retryAfterWaitMs('7', NOW), 7000);
    assert.strictEqual(retryAfterWaitMs('0', NOW), 0);
    assert.strictEqual(retryAfterWaitMs(undefined, NOW), 1000);
    assert.strictEqual(retryAfterWaitMs('120', NOW), 30_000);
    // A 503 with Retry-After: 3600 is asked again in 30 s, not parked for an hour.
    assert.strictEqual(retryAfterWaitMs('3600', NOW), 30_000);
    assert.strictEqual(retryAfterWaitMs(new Date(NOW.getTime() + 3_600_000).toUTCString(), NOW), 30_000);
  });
});

/** RFC 6266 quoted-string with backslash escapes. */
function quoted(name: string): string {
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** RFC 8187 ext-value. */
function ext(name: string): string {
  return `UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

describe('parseContentDispositionFilename', () => {
  const nameChars = fc.oneof(
    alnum,
    fc.constantFrom('"', '\\', ';', '=', ' ', "'", '%', ',', ':', '/', '.', '-', '_', '*', '(', ')', 'é', '日'),
  );
  const printableName = fc.string({ unit: nameChars, minLength: 1, maxLength: 60 });

  it("reads Feldera's real header", () => {
    assert.strictEqual(
      parseContentDispositionFilename('attachment; filename="2026-01-02T03:04:05+00:00-samply_profile.json.gz"'),
      '2026-01-02T03:04:05+00:00-samply_profile.json.gz',
    );
  });

  it('round-trips quoted-string names with escapes', () => {
    fc.assert(
      fc.property(printableName, fc.constantFrom('attachment', 'inline', 'ATTACHMENT'), (name, type) => {
        return parseContentDispositionFilename(`${type}; filename=${quoted(name)}`) === name;
      }),
      RUNS,
    );
  });

  it('round-trips RFC 5987/8187 names and prefers them over filename=', () => {
    fc.assert(
      fc.property(
        fc.oneof(printableName, fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
        fc.boolean(),
        (name, extFirst) => {
          const params = [`filename="fallback.json.gz"`, `filename*=${ext(name)}`];
          if (extFirst) params.reverse();
          return parseContentDispositionFilename(`attachment; ${params.join('; ')}`) === name;
        },
      ),
      RUNS,
    );
  });

  it('never throws, and returns a string or undefined, on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc
            .tuple(fc.string(), fc.string({ unit: fc.constantFrom(';', '=', '"', '\\', "'", '%', '*', 'a', ' ') }))
            .map(([a, b]) => `attachment; filename${a}${b}`),
        ),
        (header) => {
          const r = parseContentDispositionFilename(header);
          return r === undefined || (typeof r === 'string' && r.length > 0);
        },
      ),
      RUNS,
    );
  });

  it('handles tokens, case, whitespace, bad encodings and missing names', () => {
    assert.strictEqual(parseContentDispositionFilename('attachment; filename=profile.json.gz'), 'profile.json.gz');
    assert.strictEqual(parseContentDispositionFilename('attachment;FILENAME = "a b.gz" ; size=3'), 'a b.gz');
    assert.strictEqual(parseContentDispositionFilename("attachment; filename*=utf-8'en'%E2%82%AC.gz"), '€.gz');
    assert.strictEqual(parseContentDispositionFilename("attachment; filename*=iso-8859-1''%A3.gz"), '£.gz');
    // Undecodable filename* falls back to filename.
    assert.strictEqual(
      parseContentDispositionFilename(`attachment; filename*=UTF-8''%E2%82; filename="plain.gz"`),
      'plain.gz',
    );
    assert.strictEqual(parseContentDispositionFilename("attachment; filename*=koi8-r''x"), undefined);
    assert.strictEqual(parseContentDispositionFilename('attachment'), undefined);
    assert.strictEqual(parseContentDispositionFilename('attachment; filename=""'), undefined);
    assert.strictEqual(parseContentDispositionFilename('filename="no-type.gz"'), 'no-type.gz');
    assert.strictEqual(parseContentDispositionFilename('attachment; name="x"; filename="a;b=c.gz"'), 'a;b=c.gz');
    assert.strictEqual(parseContentDispositionFilename(undefined), undefined);
    assert.strictEqual(parseContentDispositionFilename(null), undefined);
    assert.strictEqual(parseContentDispositionFilename('attachment; filename="unterminated'), 'unterminated');
  });
});

describe('parseErrorBody', () => {
  const anyText = fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 500 }), fc.json());
  const contentType = fc.option(
    fc.oneof(fc.constantFrom('application/json', 'text/plain; charset=utf-8', 'text/html'), fc.string()),
    { nil: undefined },
  );

  it('never throws and never returns a snippet over the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), contentType, anyText, (status, ct, text) => {
        const e = parseErrorBody(status, ct, text);
        if (e.kind === 'feldera') return e.status === status && typeof e.errorCode === 'string';
        return (
          e.kind === 'http' && e.status === status && (e.snippet === undefined || e.snippet.length <= MAX_SNIPPET_CHARS)
        );
      }),
      RUNS,
    );
  });

  it('never leaks an API key, bearer token or JWT, however it is wrapped', () => {
    const jwt = fc
      .tuple(fc.base64String({ minLength: 4 }), fc.base64String({ minLength: 4 }))
      .map(([a, b]) => `eyJ${a.replace(/[+/=]/g, 'x')}.${b.replace(/[+/=]/g, 'y')}.sig`);
    const secret = fc.oneof(
      apiKeyArb,
      apiKeyArb.map((k) => `Bearer ${k}`),
      jwt.map((j) => `bearer\t${j}`),
      jwt,
    );
    const wrap = fc.constantFrom(
      (s: string) => s,
      (s: string) => `<html><body><h1>502 Bad Gateway</h1><p>${s}</p></body></html>`,
      (s: string) => `Authorization: ${s}`,
      (s: string) => `{"error":"denied","token":"${s}"}`,
      (s: string) => s.replace(':', '&#58;'),
      (s: string) => s.replace(':', '<b></b>:'),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), secret, wrap, fc.string({ maxLength: 300 }), (pre, tok, w, post) => {
        const e = parseErrorBody(502, 'text/html', `${pre}${w(tok)}${post}`);
        const out = JSON.stringify(e);
        return !LEAK.test(e.kind === 'http' ? (e.snippet ?? '') : out) && !out.includes(tok.slice(-40));
      }),
      RUNS,
    );
  });

  it('reads any Feldera body, whatever the content type, keeping error_code and message', () => {
    const words = fc.string({ unit: fc.oneof(alnum, fc.constant(' ')), minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        words.filter((w) => w.trim() !== ''),
        fc.string({ unit: alnum, minLength: 1, maxLength: 40 }),
        fc.option(fc.jsonValue(), { nil: undefined }),
        contentType,
        (status, message, code, details, ct) => {
          const body = JSON.stringify({ message, error_code: code, details });
          const e = parseErrorBody(status, ct, body);
          return (
            e.kind === 'feldera' &&
            e.status === status &&
            e.errorCode === code &&
            e.message === message &&
            (details === null || details === undefined
              ? !('details' in e)
              : // JSON has no -0: compare with what survives a round trip.
                assert.deepStrictEqual(e.details, JSON.parse(JSON.stringify(details))) === undefined)
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("takes Feldera's text/plain 401 without details", () => {
    const e = parseErrorBody(
      401,
      'text/plain',
      '{"message":"Unauthorized API key","error_code":"AuthenticationFailed"}',
    );
    assert.deepStrictEqual(e, {
      kind: 'feldera',
      status: 401,
      errorCode: 'AuthenticationFailed',
      message: 'Unauthorized API key',
    });
  });

  it('keeps details, drops null details', () => {
    const e = parseErrorBody(
      404,
      'application/json',
      '{"message":"Unknown pipeline name \'p\'","error_code":"UnknownPipelineName","details":{"pipeline_name":"p"}}',
    );
    assert.strictEqual(e.kind, 'feldera');
    assert.deepStrictEqual(e.kind === 'feldera' && e.details, { pipeline_name: 'p' });
    const n = parseErrorBody(
      400,
      'application/json',
      '{"message":"none","error_code":"NoSamplyProfile","details":null}',
    );
    assert.ok(n.kind === 'feldera' && !('details' in n));
  });

  it('turns an empty body, HTML and non-Feldera JSON into http errors with a clean snippet', () => {
    assert.deepStrictEqual(parseErrorBody(401, undefined, ''), {
      kind: 'http',
      status: 401,
      statusText: 'Unauthorized',
    });
    const html = parseErrorBody(
      502,
      'text/html; charset=utf-8',
      '<html>\n<head><title>502 Bad Gateway</title><style>body{color:red}</style><script>var x="y";</script></head>\n' +
        '<body>\n<center><h1>502   Bad Gateway</h1></center>\n<hr><center>nginx &amp; friends</center>\n</body></html>',
    );
    assert.deepStrictEqual(html, {
      kind: 'http',
      status: 502,
      statusText: 'Bad Gateway',
      snippet: '502 Bad Gateway 502 Bad Gateway nginx & friends',
      contentType: 'text/html',
    });
    const json = parseErrorBody(500, 'application/json', '{"error":"boom"}', 'Server Broke');
    assert.deepStrictEqual(json, {
      kind: 'http',
      status: 500,
      statusText: 'Server Broke',
      snippet: '{"error":"boom"}',
      contentType: 'application/json',
    });
    const long = parseErrorBody(500, 'text/plain', 'word '.repeat(10_000));
    assert.ok(
      long.kind === 'http' && long.snippet && long.snippet.length === MAX_SNIPPET_CHARS && long.snippet.endsWith('…'),
    );
  });
});

describe('redactSecrets / safeSnippet', () => {
  it('redacts the given secret whatever it looks like', () => {
    assert.strictEqual(redactSecrets('key is s3cr3t-value!', 's3cr3t-value!'), 'key is [redacted]');
    assert.strictEqual(safeSnippet('<p>Bearer abc.def</p>'), 'Bearer [redacted]');
    assert.strictEqual(safeSnippet(' \n\t '), undefined);
    assert.strictEqual(safeSnippet('&constructor; &toString; &amp;&#65;&#x42;&#0;'), '&constructor; &toString; &AB');
  });
});
