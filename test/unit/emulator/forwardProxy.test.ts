// The test's forward proxy is a real one: absolute-form HTTP requests are forwarded, CONNECT tunnels carry TLS it
// cannot read, every host name resolves to loopback, and its 407 answer is what Node's CONNECT clients get.
import assert from 'assert';
import * as http from 'http';
import * as tls from 'tls';
import type { Socket } from 'net';
import { FelderaEmulator } from '../../emulator/emulator';
import { ForwardProxy, PROXY_VIA } from '../../emulator/forwardProxy';
import { createTestPki, type TestPki } from '../../emulator/testPki';

function get(
  proxyUrl: string,
  target: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ status: number; body: string; via?: string }> {
  const p = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: p.hostname, port: p.port, path: target, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, via: res.headers.via }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(proxyUrl: string, target: string): Promise<{ status: number; socket: Socket }> {
  const p = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: p.hostname, port: p.port, method: 'CONNECT', path: target, agent: false });
    req.on('connect', (res: http.IncomingMessage, socket: Socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on('error', reject);
    req.end();
  });
}

describe('ForwardProxy (test infrastructure)', function () {
  this.timeout(20_000);
  let pki: TestPki;
  let proxy: ForwardProxy;
  let proxyUrl: string;
  const emus: FelderaEmulator[] = [];
  before(() => {
    pki = createTestPki();
  });
  after(() => pki.dispose());
  beforeEach(async () => {
    proxy = new ForwardProxy();
    proxyUrl = await proxy.start();
  });
  afterEach(async () => {
    await proxy.stop();
    await Promise.all(emus.splice(0).map((e) => e.stop()));
  });

  it('forwards a plain HTTP request for any host name to loopback and records it', async () => {
    const emu = new FelderaEmulator({ pipelines: [{ name: 'orders' }] });
    emus.push(emu);
    await emu.start();
    const target = `http://feldera.corp.test:${emu.port}/v0/pipelines?selector=status`;
    const r = await get(proxyUrl, target, { authorization: 'Bearer k' });
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.via, PROXY_VIA);
    assert.deepStrictEqual(
      JSON.parse(r.body).map((p: { name: string }) => p.name),
      ['orders'],
    );
    assert.deepStrictEqual(
      proxy.requests.map((q) => [q.method, q.target]),
      [['GET', target]],
    );
    assert.strictEqual(emu.requests[0].authorization, 'Bearer k');
  });

  it('tunnels TLS through CONNECT without seeing what is inside', async () => {
    const cert = pki.issue('srv', { hosts: ['feldera.corp.test'] });
    const emu = new FelderaEmulator({ pipelines: [{ name: 'orders' }], tls: { cert: cert.cert, key: cert.key } });
    emus.push(emu);
    await emu.start();
    const { status, socket } = await connect(proxyUrl, `feldera.corp.test:${emu.port}`);
    assert.strictEqual(status, 200);
    const secure = tls.connect({ socket, servername: 'feldera.corp.test', ca: [pki.ca.cert] });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    secure.write(
      'GET /healthz HTTP/1.1\r\nHost: feldera.corp.test\r\nAuthorization: Bearer SECRET-123\r\nConnection: close\r\n\r\n',
    );
    let answer = '';
    for await (const c of secure) answer += (c as Buffer).toString('utf8');
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.deepStrictEqual(
      proxy.requests.map((q) => [q.method, q.target]),
      [['CONNECT', `feldera.corp.test:${emu.port}`]],
    );
    assert.ok(proxy.tunnelled.length > 0, 'the tunnel carried bytes');
    assert.ok(!Buffer.concat(proxy.tunnelled).includes('SECRET-123'), 'the proxy could read the tunnelled request');
    assert.strictEqual(emu.requests[0].authorization, 'Bearer SECRET-123');
  });

  it('answers 407 with Proxy-Authenticate until the credentials come, for requests and tunnels', async () => {
    proxy.behaviour.requireAuth = { user: 'me', password: 'pw' };
    const denied = await get(proxyUrl, 'http://x.test:1/');
    assert.strictEqual(denied.status, 407);
    const tunnel = await connect(proxyUrl, 'x.test:443');
    assert.strictEqual(tunnel.status, 407);
    tunnel.socket.destroy();
    const emu = new FelderaEmulator();
    emus.push(emu);
    await emu.start();
    const ok = await get(proxyUrl, `http://x.test:${emu.port}/healthz`, {
      'proxy-authorization': 'Basic ' + Buffer.from('me:pw').toString('base64'),
    });
    assert.strictEqual(ok.status, 200);
    assert.strictEqual(emu.requests.length, 1);
  });
});
