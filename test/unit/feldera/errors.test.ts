import assert from 'assert';
import fc from 'fast-check';
import {
  apiErrorCode,
  apiErrorStatus,
  describeApiError,
  isAuthError,
  isNoSamplyProfile,
  isRetryableStatus,
  isTransientError,
} from '../../../src/feldera/errors';
import type { ApiError } from '../../../src/feldera/types';

describe('describeApiError', () => {
  it("uses the server's message and names the pipeline and server", () => {
    const s = describeApiError(
      { kind: 'feldera', status: 404, errorCode: 'UnknownPipelineName', message: "Unknown pipeline name 'p1'." },
      { pipeline: 'p1', server: 'local' },
    );
    assert.strictEqual(
      s,
      `The Feldera server "local" answered for pipeline "p1": Unknown pipeline name 'p1' (UnknownPipelineName).`,
    );
  });

  it('describes each kind in one sentence', () => {
    const cases: Array<[ApiError, RegExp]> = [
      [
        { kind: 'http', status: 502, statusText: 'Bad Gateway', snippet: 'nginx' },
        /HTTP 502 Bad Gateway: a proxy.*"nginx"/,
      ],
      [{ kind: 'http', status: 401, statusText: 'Unauthorized' }, /HTTP 401 Unauthorized: authentication is required/],
      [
        { kind: 'network', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' },
        /^Could not reach .*refused.*\(ECONNREFUSED\)\.$/,
      ],
      [{ kind: 'network', message: 'socket hang up' }, /^Could not reach the Feldera server: socket hang up\.$/],
      [{ kind: 'timeout', message: 'no answer within 15 s' }, /did not answer in time: no answer within 15 s\.$/],
      [{ kind: 'cancelled' }, /^The request was cancelled\.$/],
      [
        { kind: 'protocol', status: 200, message: 'the answer is not JSON' },
        /unexpected answer \(HTTP 200\): the answer is not JSON\. Is this URL/,
      ],
    ];
    for (const [e, re] of cases) assert.match(describeApiError(e), re);
  });

  it('does not mistake prototype names for known codes', () => {
    assert.strictEqual(
      describeApiError({ kind: 'network', message: 'odd', code: 'constructor' }),
      'Could not reach the Feldera server: odd (constructor).',
    );
    assert.match(describeApiError({ kind: 'http', status: 0, statusText: '' }), /HTTP 0\.$/);
  });

  it('never throws and never repeats a credential, whatever the fields hold', () => {
    const key = `apikey:${'A1b2'.repeat(32)}`;
    const str = fc.oneof(fc.string(), fc.constant(key), fc.constant(`Bearer ${key}`));
    const err: fc.Arbitrary<ApiError> = fc.oneof(
      fc.record({ kind: fc.constant('feldera' as const), status: fc.integer(), errorCode: str, message: str }),
      fc.record({ kind: fc.constant('http' as const), status: fc.integer(), statusText: str, snippet: str }),
      fc.record({ kind: fc.constant('network' as const), message: str, code: fc.option(str, { nil: undefined }) }),
      fc.record({ kind: fc.constant('timeout' as const), message: str }),
      fc.record({ kind: fc.constant('protocol' as const), status: fc.integer(), message: str }),
      fc.constant({ kind: 'cancelled' as const }),
    );
    fc.assert(
      fc.property(err, fc.record({ pipeline: fc.option(fc.string(), { nil: undefined }) }), (e, ctx) => {
        const s = describeApiError(e, ctx);
        return typeof s === 'string' && s.length > 0 && !s.includes(key.slice(7));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('error helpers', () => {
  it('isRetryableStatus: exactly 408, 502, 503, 504', () => {
    const retryable = [];
    for (let s = 100; s < 600; s++) if (isRetryableStatus(s)) retryable.push(s);
    assert.deepStrictEqual(retryable, [408, 502, 503, 504]);
  });

  it('codes, statuses and predicates', () => {
    const none: ApiError = { kind: 'feldera', status: 400, errorCode: 'NoSamplyProfile', message: 'x' };
    assert.strictEqual(apiErrorCode(none), 'NoSamplyProfile');
    assert.strictEqual(apiErrorStatus(none), 400);
    assert.ok(isNoSamplyProfile(none));
    assert.strictEqual(apiErrorCode({ kind: 'http', status: 401, statusText: '' }), undefined);
    assert.ok(isAuthError({ kind: 'http', status: 401, statusText: '' }));
    assert.strictEqual(apiErrorStatus({ kind: 'cancelled' }), undefined);
    assert.ok(isTransientError({ kind: 'network', message: 'x' }));
    assert.ok(isTransientError({ kind: 'http', status: 503, statusText: '' }));
    assert.ok(!isTransientError({ kind: 'feldera', status: 500, errorCode: 'X', message: 'x' }));
  });
});
