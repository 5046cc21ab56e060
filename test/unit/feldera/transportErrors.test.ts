// The network's own failures as the user reads them: a proxy that wants credentials (407), a proxy's HTML page, TLS
// causes. The answers come from the test's forward proxy, a real HTTP server on loopback.
import assert from 'assert';
import { FelderaClient } from '../../../src/feldera/client';
import { describeApiError } from '../../../src/feldera/errors';
import { tlsCause } from '../../../src/feldera/tls';
import { PROXY_SETTING, settingToFix } from '../../../src/feldera/transportErrors';
import type { ApiError, ApiResult } from '../../../src/feldera/types';
import { ForwardProxy, PROXY_VIA } from '../../emulator/forwardProxy';

const KEY = 'apikey:' + 'Prx7'.repeat(30);

function failed<T>(r: ApiResult<T>): ApiError {
  assert.ok(!r.ok, `expected a failure, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('proxy answers', () => {
  let proxy: ForwardProxy;
  let url: string;
  beforeEach(async () => {
    proxy = new ForwardProxy();
    url = await proxy.start();
  });
  afterEach(() => proxy.stop());

  const api = () => new FelderaClient({ baseUrl: url, apiKey: KEY, retry: { maxAttempts: 1 } });

  it('407: says a proxy wants credentials, where they go, and offers http.proxy', async () => {
    proxy.behaviour.requireAuth = { user: 'me', password: 'secret' };
    const e = failed(await api().listPipelines('status'));
    assert.strictEqual(e.kind, 'http');
    const sentence = describeApiError(e, { server: 'corp' });
    assert.match(
      sentence,
      /^A proxy between VS Code and the Feldera server "corp" asks for credentials \(HTTP 407 Proxy Authentication Required\)\./,
    );
    assert.match(sentence, /"http\.proxy" setting \(http:\/\/user:password@proxy:port\)/);
    assert.match(sentence, /"http\.noProxy"/);
    assert.strictEqual(settingToFix(e), PROXY_SETTING);
  });

  it("a proxy's HTML error page: names the proxy and its page instead of blaming the key or the server", async () => {
    proxy.behaviour.htmlError = {
      status: 403,
      message: 'Access denied by corporate policy (category: uncategorised).',
    };
    const e = failed(await api().listPipelines('status'));
    assert.ok(e.kind === 'http' && e.via === PROXY_VIA, JSON.stringify(e));
    const sentence = describeApiError(e, { server: 'corp', pipeline: 'orders' });
    assert.match(sentence, /^The answer from the Feldera server "corp" for pipeline "orders" came through a proxy/);
    assert.ok(sentence.includes(`(Via: ${PROXY_VIA})`), sentence);
    assert.match(sentence, /HTTP 403 Forbidden: ".*Access denied by corporate policy/);
    assert.doesNotMatch(sentence, /API key/, 'a proxy refusal is not a key problem');
    assert.strictEqual(settingToFix(e), PROXY_SETTING);
  });

  it('an error page without a proxy header keeps the usual sentence', () => {
    const e: ApiError = { kind: 'http', status: 502, statusText: 'Bad Gateway', snippet: 'nginx' };
    assert.match(describeApiError(e), /HTTP 502 Bad Gateway: a proxy in front of Feldera could not reach it/);
    assert.strictEqual(settingToFix(e), undefined);
  });
});

describe('tlsCause', () => {
  it('sorts Node and OpenSSL codes into causes, and leaves other network errors alone', () => {
    const cases: Array<[string | undefined, string, string | undefined]> = [
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', '', 'untrusted'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', '', 'untrusted'],
      ['SELF_SIGNED_CERT_IN_CHAIN', '', 'untrusted'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', '', 'selfSigned'],
      ['CERT_HAS_EXPIRED', '', 'expired'],
      ['CERT_NOT_YET_VALID', '', 'notYetValid'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', '', 'hostname'],
      ['CERT_REVOKED', '', 'revoked'],
      ['EPROTO', 'ssl3_get_record:wrong version number', 'notTls'],
      ['CERT_SIGNATURE_FAILURE', '', 'other'],
      ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', '', 'other'],
      ['ECONNREFUSED', '', undefined],
      ['constructor', '', undefined],
      [undefined, 'socket hang up', undefined],
    ];
    for (const [code, message, want] of cases) assert.strictEqual(tlsCause(code, message), want, `${code}`);
  });

  it('every cause has a sentence that names the server and the code', () => {
    for (const code of ['CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_SIGNATURE_FAILURE']) {
      const s = describeApiError({ kind: 'network', code, message: 'certificate signature failure' }, { server: 's' });
      assert.match(s, new RegExp(`^Could not connect securely to the Feldera server "s": .*\\(${code}\\)`));
    }
  });
});
