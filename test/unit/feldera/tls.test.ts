// HTTPS with the client against the emulator serving TLS with certificates made at test time (../../emulator/
// testPki.ts): nothing of TLS is mocked. Untrusted, expired, self-signed and wrong-name certificates are refused
// before any request is sent, each with its own sentence; the CA option makes a whole profile fetch work.
import assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable } from 'stream';
import * as tls from 'tls';
import { FelderaClient } from '../../../src/feldera/client';
import { describeApiError } from '../../../src/feldera/errors';
import { CA_SETTING, httpsAgentFor, readCaFiles, tlsCause } from '../../../src/feldera/tls';
import { settingToFix } from '../../../src/feldera/transportErrors';
import type { ApiError, ApiResult } from '../../../src/feldera/types';
import { FelderaEmulator } from '../../emulator/emulator';
import { createTestPki, type TestCertificate, type TestPki } from '../../emulator/testPki';

const KEY = 'apikey:' + 'Tls9'.repeat(30);
const DAY = 24 * 3600 * 1000;

function failed<T>(r: ApiResult<T>): ApiError {
  assert.ok(!r.ok, `expected a failure, got ${JSON.stringify(r)}`);
  return r.error;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('HTTPS: the client against the emulator serving TLS', function () {
  this.timeout(20_000);
  let pki: TestPki;
  const emulators: FelderaEmulator[] = [];

  before(() => {
    pki = createTestPki();
  });
  after(() => pki.dispose());
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });

  async function serve(cert: TestCertificate, apiKeys: string[] = []): Promise<FelderaEmulator> {
    const emu = new FelderaEmulator({
      pipelines: [{ name: 'orders' }],
      tls: { cert: cert.cert, key: cert.key },
      apiKeys,
      postWaitMs: 0,
      timeScale: 0.01,
    });
    emulators.push(emu);
    await emu.start();
    return emu;
  }

  function client(url: string, caCertificates?: string[]): FelderaClient {
    return new FelderaClient({
      baseUrl: url,
      apiKey: KEY,
      caCertificates,
      retry: { initialDelayMs: 1, deadlineMs: 2000 },
    });
  }

  it('refuses a certificate from an unknown CA before sending anything, and says how to trust the CA', async () => {
    const emu = await serve(pki.issue('untrusted', { hosts: ['127.0.0.1'] }));
    const e = failed(await client(emu.url()).listPipelines('status'));
    assert.strictEqual(e.kind, 'network');
    assert.strictEqual(tlsCause((e as { code?: string }).code), 'untrusted', JSON.stringify(e));
    assert.deepStrictEqual(emu.requests, [], 'a request (and the key) went to a server that was not trusted');
    assert.strictEqual(emu.connections, 1, 'one handshake, not retried: a certificate does not fix itself');
    const sentence = describeApiError(e, { server: 'corp' });
    assert.match(sentence, /^Could not connect securely to the Feldera server "corp": .*not trusted here/);
    assert.ok(sentence.includes(`"${CA_SETTING}"`), sentence);
    assert.match(sentence, /install that CA in the system trust store/);
    assert.strictEqual(settingToFix(e), CA_SETTING);
  });

  it('trusts the server through the CA option: a whole collect-and-download works, key and all', async () => {
    const emu = await serve(pki.issue('trusted', { hosts: ['127.0.0.1'] }), [KEY]);
    const api = client(emu.url(), [pki.ca.cert]);
    const pipelines = await api.listPipelines('status');
    assert.ok(pipelines.ok, JSON.stringify(pipelines));
    assert.deepStrictEqual(
      pipelines.value.map((p) => p.name),
      ['orders'],
    );
    const started = await api.startSamplyProfile('orders', { durationSecs: 1 });
    assert.ok(started.ok && started.value.state === 'started', JSON.stringify(started));
    let body: Readable | undefined;
    for (let i = 0; i < 200 && !body; i++) {
      const r = await api.fetchSamplyProfile('orders', { latest: true });
      assert.ok(r.ok, JSON.stringify(r));
      if (r.value.state === 'ready') body = r.value.body;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(body, 'the profile never became ready');
    const bytes = await readAll(body);
    const served = emu.served.at(-1)!;
    assert.strictEqual(createHash('sha256').update(bytes).digest('hex'), served.sha256);
    assert.ok(emu.requests.every((r) => r.authorization === `Bearer ${KEY}`));
  });

  it('adds the CAs to the default roots, never replacing them', () => {
    const agent = httpsAgentFor([pki.ca.cert]);
    const ca = agent?.options.ca as string[];
    assert.ok(Array.isArray(ca));
    assert.strictEqual(ca.length, tls.rootCertificates.length + 1);
    assert.ok(tls.rootCertificates.every((root) => ca.includes(root)));
    assert.ok(ca.includes(pki.ca.cert));
    assert.notStrictEqual(agent?.options.rejectUnauthorized, false);
    assert.strictEqual(httpsAgentFor([]), undefined, 'no extra CA: the default agent (and VS Code’s own trust)');
  });

  it('refuses a certificate for another host name, even from a trusted CA, and names what it is for', async () => {
    const emu = await serve(pki.issue('other-name', { hosts: ['feldera.corp.test'] }));
    const byName = emu.url().replace('127.0.0.1', 'localhost');
    const e = failed(await client(byName, [pki.ca.cert]).listPipelines('status'));
    assert.strictEqual(tlsCause((e as { code?: string }).code), 'hostname', JSON.stringify(e));
    assert.deepStrictEqual(emu.requests, []);
    const sentence = describeApiError(e, { server: 'corp' });
    assert.match(sentence, /certificate is for another host name \(it is for DNS:feldera\.corp\.test\)/);
    assert.match(sentence, /Use a host name the certificate names in the server URL/);
    assert.strictEqual(settingToFix(e), 'feldera.servers');
    // By IP address Node lists only the certificate's IP addresses (none here): no empty parenthesis then.
    const byIp = failed(await client(emu.url(), [pki.ca.cert]).listPipelines('status'));
    assert.match(describeApiError(byIp), /certificate is for another host name \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  it('refuses an expired certificate, even from a trusted CA, and says that only renewing it helps', async () => {
    const now = Date.now();
    const emu = await serve(
      pki.issue('expired', {
        hosts: ['127.0.0.1'],
        notBefore: new Date(now - 30 * DAY),
        notAfter: new Date(now - DAY),
      }),
    );
    const e = failed(await client(emu.url(), [pki.ca.cert]).listPipelines('status'));
    assert.strictEqual((e as { code?: string }).code, 'CERT_HAS_EXPIRED');
    assert.deepStrictEqual(emu.requests, []);
    assert.strictEqual(emu.connections, 1, 'not retried');
    const sentence = describeApiError(e, { server: 'corp', pipeline: 'orders' });
    assert.match(sentence, /for pipeline "orders": its TLS certificate has expired \(CERT_HAS_EXPIRED\)/);
    assert.match(sentence, /must renew it; trusting another CA does not help/);
    assert.strictEqual(settingToFix(e), undefined, 'no setting fixes an expired certificate');
  });

  it('refuses a self-signed certificate, and trusts it once that very certificate is given', async () => {
    const self = pki.selfSigned('self', ['127.0.0.1']);
    const emu = await serve(self);
    const e = failed(await client(emu.url()).listPipelines('status'));
    assert.strictEqual((e as { code?: string }).code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(describeApiError(e), /its TLS certificate is self-signed/);
    assert.deepStrictEqual(emu.requests, []);
    const r = await client(emu.url(), [self.cert]).listPipelines('status');
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('says when an https:// URL points at a server that does not speak TLS', async () => {
    const plain = new FelderaEmulator({ pipelines: [{ name: 'orders' }] });
    emulators.push(plain);
    await plain.start();
    const e = failed(await client(plain.url().replace('http:', 'https:')).listPipelines('status'));
    assert.strictEqual(tlsCause((e as { code?: string }).code, (e as { message: string }).message), 'notTls');
    assert.match(describeApiError(e), /did not answer with TLS.*Is it an http:\/\/ server/);
  });

  it('keeps using the default roots for http:// servers and ignores the CA option there', async () => {
    const plain = new FelderaEmulator({ pipelines: [{ name: 'orders' }] });
    emulators.push(plain);
    const r = await client(await plain.start(), [pki.ca.cert]).listPipelines('status');
    assert.ok(r.ok, JSON.stringify(r));
  });
});

describe('readCaFiles: the feldera.tls.caCertificates setting', () => {
  let pki: TestPki;
  before(() => {
    pki = createTestPki('Settings Test CA');
  });
  after(() => pki.dispose());

  it('reads every certificate of every file, once, from absolute and ~/ paths', () => {
    const bundle = pki.writeFile(
      'bundle.pem',
      `# comment\n${pki.ca.cert}\n${pki.selfSigned('other', ['x.test']).cert}`,
    );
    const home = path.dirname(pki.ca.certPath);
    const r = readCaFiles([pki.ca.certPath, bundle, `~/${path.basename(pki.ca.certPath)}`], home);
    assert.deepStrictEqual(r.problems, []);
    assert.strictEqual(r.certificates.length, 2, 'the CA is in two files but counted once');
    assert.deepStrictEqual(r.files, [pki.ca.certPath, bundle, pki.ca.certPath]);
  });

  it('leaves out each bad entry with a sentence naming it, and keeps the good ones', () => {
    const missing = path.join(pki.dir, 'nope.pem');
    const text = pki.writeFile('notes.txt', 'not a certificate');
    const der = pki.writeFile('ca.der', '');
    fs.writeFileSync(der, Buffer.from(pki.ca.cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
    const keyOnly = pki.writeFile('key.pem', pki.ca.key);
    const r = readCaFiles([missing, text, der, keyOnly, pki.dir, 'relative/ca.pem', 42, '', pki.ca.certPath]);
    assert.strictEqual(r.certificates.length, 1, 'the good file still counts');
    assert.deepStrictEqual(r.files, [pki.ca.certPath]);
    const expected = [
      `CA file ${missing} does not exist; it is ignored.`,
      `CA file ${text} is not a PEM certificate file (no "-----BEGIN CERTIFICATE-----" block); it is ignored.`,
      /CA file .*ca\.der is not PEM \(it looks like a binary DER certificate: convert it with "openssl x509 -inform der/,
      `CA file ${keyOnly} holds a private key but no certificate; it is ignored.`,
      `CA file ${pki.dir} is a folder, not a file; it is ignored.`,
      'CA file "relative/ca.pem" is not an absolute path; it is ignored.',
      `"${CA_SETTING}" item 7 is not a file path; it is ignored.`,
      `"${CA_SETTING}" item 8 is not a file path; it is ignored.`,
    ];
    assert.strictEqual(r.problems.length, expected.length, r.problems.join('\n'));
    expected.forEach((want, i) =>
      typeof want === 'string' ? assert.strictEqual(r.problems[i], want) : assert.match(r.problems[i], want),
    );
  });

  it('says a value that is not a list is ignored, and that nothing set means nothing to trust', () => {
    assert.deepStrictEqual(readCaFiles('/etc/ca.pem').problems, [
      `"${CA_SETTING}" must be a list of file paths; it is ignored.`,
    ]);
    assert.deepStrictEqual(readCaFiles(undefined), { certificates: [], files: [], problems: [] });
    assert.deepStrictEqual(readCaFiles([]), { certificates: [], files: [], problems: [] });
  });

  it('warns about an expired CA certificate', () => {
    const later = new Date(Date.now() + 10 * DAY);
    const r = readCaFiles([pki.ca.certPath], undefined, later);
    assert.strictEqual(r.certificates.length, 1);
    assert.match(
      r.problems[0],
      /the certificate \(Settings Test CA\) expired on .*, so it cannot make a server trusted/,
    );
  });
});
