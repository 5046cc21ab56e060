import assert from 'assert';
import fc from 'fast-check';
import { isLoopbackHost, normalizeServerUrl, originOf, urlForMessage } from '../../../src/feldera/url';

function ok(input: string): { url: string; origin: string } {
  const r = normalizeServerUrl(input);
  assert.ok(r.ok, `expected ${JSON.stringify(input)} to be accepted, got ${r.ok ? '' : r.message}`);
  return { url: r.url, origin: r.origin };
}

function bad(input: string, re: RegExp): void {
  const r = normalizeServerUrl(input);
  assert.ok(!r.ok, `expected ${JSON.stringify(input)} to be rejected`);
  assert.match(r.message, re);
}

describe('normalizeServerUrl', () => {
  it('trims, lower-cases the host, drops default ports and trailing slashes, keeps a path prefix', () => {
    assert.deepStrictEqual(ok('  http://localhost:8080/  '), {
      url: 'http://localhost:8080',
      origin: 'http://localhost:8080',
    });
    assert.deepStrictEqual(ok('HTTPS://Feldera.Example.com:443'), {
      url: 'https://feldera.example.com',
      origin: 'https://feldera.example.com',
    });
    assert.deepStrictEqual(ok('http://h:8080/feldera//'), { url: 'http://h:8080/feldera', origin: 'http://h:8080' });
    assert.deepStrictEqual(ok('http://[::1]:8080'), { url: 'http://[::1]:8080', origin: 'http://[::1]:8080' });
  });

  it('says what is wrong with each bad input', () => {
    bad('', /Enter the URL/);
    bad('   ', /Enter the URL/);
    bad('localhost:8080', /starts with http:\/\/ or https:\/\/ \(did you mean http:\/\/localhost:8080\?\)/);
    bad('feldera.example.com', /did you mean http:\/\/feldera.example.com/);
    bad('ftp://h', /Only http:\/\/ and https:\/\/.*ftp/);
    bad('file:///etc/passwd', /Only http/);
    bad('http:/h', /starts with http:\/\//);
    bad('http://user:pw@h:8080', /user name or password/);
    bad('http://h:8080/?x=1', /query/);
    bad('http://h:8080#frag', /fragment/);
    bad('http://h:99999', /not a valid URL/);
    bad('http://a b', /spaces/);
  });

  it('never echoes what looks like a credential', () => {
    const r = normalizeServerUrl('apikey:1234567890abcdef');
    assert.ok(!r.ok && !r.message.includes('1234567890abcdef'));
    const r2 = normalizeServerUrl('http://u:s3cret@[bad');
    assert.ok(!r2.ok && !r2.message.includes('s3cret'));
  });

  it('never throws, and an accepted URL is stable and has no trailing slash, query or credentials', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (input) => {
        const r = normalizeServerUrl(input);
        if (!r.ok) return typeof r.message === 'string' && r.message.length > 0;
        const again = normalizeServerUrl(r.url);
        return (
          again.ok &&
          again.url === r.url &&
          !r.url.endsWith('/') &&
          !r.url.includes('?') &&
          new URL(r.url).username === '' &&
          new URL(r.url).password === '' &&
          r.url.startsWith(r.origin)
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('originOf / isLoopbackHost', () => {
  it('originOf', () => {
    assert.strictEqual(originOf('http://h:8080/feldera/v0'), 'http://h:8080');
    assert.strictEqual(originOf('ftp://h'), undefined);
    assert.strictEqual(originOf('nope'), undefined);
  });

  it('isLoopbackHost', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'a.localhost',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '[::ffff:7f00:1]',
    ]) {
      assert.ok(isLoopbackHost(h), h);
    }
    for (const h of ['example.com', '128.0.0.1', '10.0.0.1', '::2', 'localhost.example.com', '1270.0.0.1', '']) {
      assert.ok(!isLoopbackHost(h), h);
    }
    assert.ok(isLoopbackHost(new URL('http://[::1]:8080').hostname));
    assert.ok(isLoopbackHost(new URL('http://[::ffff:127.0.0.1]').hostname));
  });
});

describe('urlForMessage (a URL as typed, safe to repeat in a message)', () => {
  it('drops the user name and password, the query and the fragment, and keeps what names the server', () => {
    const cases: [string, string][] = [
      ['https://admin:hunter2@feldera.corp:8443/feldera', 'https://feldera.corp:8443/feldera'],
      ['http://user:p@ss@127.0.0.1:1', 'http://127.0.0.1:1'],
      ['admin:hunter2@feldera.corp:8080', 'feldera.corp:8080'],
      ['https://feldera.corp/?token=s3cr3t#frag', 'https://feldera.corp/'],
      ['  https://feldera.corp#apikey:abc  ', 'https://feldera.corp'],
      ['ftp://example.com', 'ftp://example.com'],
      ['not a url', 'not a url'],
    ];
    for (const [input, want] of cases) assert.strictEqual(urlForMessage(input), want, input);
    for (const [input] of cases)
      for (const secret of ['hunter2', 'p@ss', 's3cr3t', 'apikey'])
        assert.ok(!urlForMessage(input).includes(secret), `${input} → ${urlForMessage(input)}`);
  });

  it('keeps a message short whatever was pasted', () => {
    assert.ok(urlForMessage('http://h/' + 'x'.repeat(5000)).length <= 200);
  });
});
