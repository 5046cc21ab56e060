import assert from 'assert';
import fc from 'fast-check';
import { inspectToken, isApiKey } from '../../../src/feldera/token';

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (payload: unknown): string => `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}.c2lnbmF0dXJl`;
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));

describe('inspectToken', () => {
  it('recognises Feldera API keys: apikey: + exactly 128 alphanumerics', () => {
    fc.assert(
      fc.property(fc.string({ unit: alnum, minLength: 128, maxLength: 128 }), (body) => {
        return inspectToken(`apikey:${body}`).kind === 'apiKey' && inspectToken(` apikey:${body}\n`).kind === 'apiKey';
      }),
      { numRuns: 500 },
    );
    assert.strictEqual(inspectToken(`apikey:${'a'.repeat(127)}`).kind, 'opaque');
    assert.strictEqual(inspectToken(`apikey:${'a'.repeat(129)}`).kind, 'opaque');
    assert.strictEqual(inspectToken(`apikey:${'a'.repeat(127)}-`).kind, 'opaque');
    assert.ok(isApiKey(`apikey:${'Z9'.repeat(64)}`));
  });

  it('reads a JWT expiry and says whether it has passed', () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    const past = inspectToken(jwt({ sub: 'u', exp: now.getTime() / 1000 - 60 }), now);
    assert.deepStrictEqual(past, { kind: 'jwt', expiresAt: new Date(now.getTime() - 60_000), expired: true });
    const future = inspectToken(jwt({ exp: now.getTime() / 1000 + 3600 }), now);
    assert.deepStrictEqual(future, { kind: 'jwt', expiresAt: new Date(now.getTime() + 3_600_000), expired: false });
    assert.deepStrictEqual(inspectToken(jwt({ exp: '123' }), now), { kind: 'jwt' });
    assert.deepStrictEqual(inspectToken(jwt({ sub: 'x' }), now), { kind: 'jwt' });
    assert.deepStrictEqual(inspectToken('aaa.bbb.ccc', now), { kind: 'jwt' });
    assert.deepStrictEqual(inspectToken(jwt({ exp: 1e300 }), now), { kind: 'jwt' });
  });

  it('never throws on garbage and classifies it as opaque or jwt', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String()), (t) => {
        const r = inspectToken(t);
        return ['apiKey', 'jwt', 'opaque'].includes(r.kind);
      }),
      { numRuns: 3000 },
    );
    assert.strictEqual(inspectToken('').kind, 'opaque');
    assert.strictEqual(inspectToken('not a token').kind, 'opaque');
    assert.strictEqual(inspectToken('a.b').kind, 'opaque');
    assert.strictEqual(inspectToken(undefined as unknown as string).kind, 'opaque');
  });
});
