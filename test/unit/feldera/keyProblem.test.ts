// The one decision "is this a problem with the API key" (src/feldera/errors.ts keyProblem) and the one redaction
// (src/feldera/parsers.ts redactSecrets), which the tree, the pickers, the notifications and the log all use.
import assert from 'assert';
import { describeKeyProblem, keyProblem } from '../../../src/feldera/errors';
import { redactSecrets } from '../../../src/feldera/parsers';
import type { DownloadError } from '../../../src/download/types';

describe('keyProblem (one home for "key rejected")', () => {
  it('401 is a rejected key and 403 a key that may not do this, whatever the body; nothing else is', () => {
    const cases: [DownloadError, string | undefined][] = [
      [{ kind: 'feldera', status: 401, errorCode: 'AuthenticationFailed', message: 'bad key' }, 'rejected'],
      [{ kind: 'http', status: 401, statusText: 'Unauthorized' }, 'rejected'],
      [{ kind: 'feldera', status: 403, errorCode: 'Forbidden', message: 'role viewer' }, 'forbidden'],
      [{ kind: 'http', status: 403, statusText: 'Forbidden', snippet: 'nginx' }, 'forbidden'],
      [{ kind: 'http', status: 404, statusText: 'Not Found' }, undefined],
      // A proxy's own page (Via, no Feldera body): the proxy's problem, said as such, not the key's.
      [{ kind: 'http', status: 403, statusText: 'Forbidden', via: '1.1 squid' }, undefined],
      [{ kind: 'http', status: 401, statusText: 'Unauthorized', via: '1.1 squid' }, undefined],
      [{ kind: 'feldera', status: 400, errorCode: 'NoSamplyProfile', message: 'x' }, undefined],
      [{ kind: 'network', message: 'refused', code: 'ECONNREFUSED' }, undefined],
      [{ kind: 'timeout', message: 'no answer within 4 s' }, undefined],
      [{ kind: 'cancelled' }, undefined],
      [{ kind: 'stalled', message: 'x', afterMs: 1 }, undefined],
      [{ kind: 'deadline', message: 'x', waitedMs: 1 }, undefined],
    ];
    for (const [e, want] of cases) assert.strictEqual(keyProblem(e), want, JSON.stringify(e));
  });

  it('says which, with the server, what it said and the next step', () => {
    const rejected = describeKeyProblem(
      { kind: 'feldera', status: 401, errorCode: 'AuthenticationFailed', message: 'Unauthorized.' },
      { server: 'prod' },
    );
    assert.strictEqual(
      rejected,
      'The Feldera server "prod" rejected the API key (HTTP 401 ("Unauthorized")). Set a valid key.',
    );
    const forbidden = describeKeyProblem(
      { kind: 'http', status: 403, statusText: 'Forbidden' },
      { server: 'prod', pipeline: 'orders' },
    );
    assert.strictEqual(
      forbidden,
      'The API key for the Feldera server "prod" is not allowed to do this on pipeline "orders" (HTTP 403). Set a key with more rights.',
    );
  });

  it('never repeats a key the server echoed', () => {
    const text = describeKeyProblem(
      { kind: 'feldera', status: 401, errorCode: 'AuthenticationFailed', message: `bad key apikey:${'x'.repeat(40)}` },
      { server: 'prod' },
    );
    assert.ok(!text.includes('x'.repeat(40)), text);
  });
});

describe('redactSecrets (one home for redaction)', () => {
  it('redacts every known key, however it looks, and every credential-shaped token', () => {
    const keys = ['s3cr3t-one', 'another/secret+2'];
    const text =
      'k1=s3cr3t-one k2=another/secret+2 APIKEY:abcDEF123 authorization: bearer tok.en-1 ' +
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2ln';
    const out = redactSecrets(text, keys);
    for (const leak of ['s3cr3t-one', 'another/secret+2', 'abcDEF123', 'tok.en-1', 'eyJhbGciOiJIUzI1NiJ9'])
      assert.ok(!out.includes(leak), `"${leak}" survived: ${out}`);
    assert.ok(out.startsWith('k1=[redacted] k2=[redacted] apikey:[redacted]'), out);
  });

  it('takes one key or none, and leaves keys too short to be real alone', () => {
    assert.strictEqual(redactSecrets('key is s3cr3t-value!', 's3cr3t-value!'), 'key is [redacted]');
    assert.strictEqual(redactSecrets('an ordinary line'), 'an ordinary line');
    assert.strictEqual(redactSecrets('a b c', ['a', 'b']), 'a b c');
  });
});
