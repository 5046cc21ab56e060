// FelderaClient against real HTTP servers on loopback: nothing of fetch is mocked.
import assert from 'assert';
import http from 'http';
import type { AddressInfo, Socket } from 'net';
import type { Readable } from 'stream';
import { FelderaClient, FelderaStreamError } from '../../../src/feldera/client';
import type { ApiError, ApiResult, FelderaClientOptions, RequestLogEntry } from '../../../src/feldera/types';

const KEY_BODY = 'Xy7'.repeat(42) + 'ab';
const KEY = `apikey:${KEY_BODY}`;
const FELDERA_NAME = '2026-01-02T03:04:05+00:00-samply_profile.json.gz';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

interface TestServer {
  url: string;
  requests: Recorded[];
  handler: Handler;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    url: '',
    requests: [],
    handler: (_req, res) => {
      res.statusCode = 500;
      res.end('no handler');
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() });
    void state.handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function felderaError(
  res: http.ServerResponse,
  status: number,
  errorCode: string,
  message: string,
  details?: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const body: Record<string, unknown> = { message, error_code: errorCode };
  if (details !== undefined) body.details = details;
  json(res, status, body, headers);
}

function expectError(r: ApiResult<unknown>): ApiError {
  assert.ok(!r.ok, `expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

function expectOk<T>(r: ApiResult<T>): T {
  assert.ok(r.ok, `expected success, got ${JSON.stringify(r)}`);
  return r.value;
}

function readAll(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => resolve(Buffer.concat(chunks)));
    body.on('error', reject);
  });
}

describe('FelderaClient (real HTTP on loopback)', function () {
  this.timeout(10_000);
  let srv: TestServer;
  let other: TestServer;
  let log: RequestLogEntry[];
  /** Every result a test got, checked for the key after each test. */
  let seen: unknown[];

  const client = (opts: Partial<FelderaClientOptions> = {}): FelderaClient =>
    new FelderaClient({
      baseUrl: srv.url,
      apiKey: KEY,
      requestTimeoutMs: 2000,
      retry: { deadlineMs: 1500, initialDelayMs: 5, maxDelayMs: 40 },
      onRequest: (e) => log.push(e),
      ...opts,
    });

  async function track<T>(p: Promise<ApiResult<T>>): Promise<ApiResult<T>> {
    const r = await p;
    seen.push(r.ok ? { ...r, value: { ...(r.value as object), body: undefined } } : r);
    return r;
  }

  beforeEach(async () => {
    srv = await startServer();
    other = await startServer();
    log = [];
    seen = [];
  });

  afterEach(async () => {
    const everything = JSON.stringify([log, seen]);
    assert.ok(!everything.includes(KEY_BODY), 'the API key leaked into a log entry or a result');
    await srv.close();
    await other.close();
  });

  describe('requests', () => {
    it('health: GET /healthz with the key, user agent and JSON accept', async () => {
      srv.handler = (_req, res) => json(res, 200, { status: 'healthy' });
      const r = await track(client().health());
      assert.deepStrictEqual(expectOk(r), { status: 'healthy' });
      assert.strictEqual(srv.requests.length, 1);
      const req = srv.requests[0];
      assert.strictEqual(req.method, 'GET');
      assert.strictEqual(req.url, '/healthz');
      assert.strictEqual(req.headers.authorization, `Bearer ${KEY}`);
      assert.strictEqual(req.headers['user-agent'], 'feldera-vscode');
      assert.match(String(req.headers.accept), /application\/json/);
      assert.strictEqual(req.headers['feldera-tenant'], undefined);
      assert.deepStrictEqual(log, [
        { method: 'GET', path: '/healthz', status: 200, durationMs: log[0].durationMs, attempt: 1 },
      ]);
    });

    it('sends no Authorization header without a key, and Feldera-Tenant when set', async () => {
      srv.handler = (_req, res) => json(res, 200, []);
      await track(client({ apiKey: undefined }).listPipelines('status'));
      await track(client({ apiKey: '  ', tenant: 'acme' }).listPipelines('status'));
      assert.strictEqual(srv.requests.length, 2);
      assert.strictEqual(srv.requests[0].headers.authorization, undefined);
      assert.strictEqual(srv.requests[0].headers['feldera-tenant'], undefined);
      assert.strictEqual(srv.requests[1].headers.authorization, undefined);
      assert.strictEqual(srv.requests[1].headers['feldera-tenant'], 'acme');
    });

    it('keeps a path prefix and URL-encodes pipeline names', async () => {
      srv.handler = (req, res) =>
        req.url?.includes('samply')
          ? res.writeHead(204, { 'Retry-After': '2' }).end()
          : json(res, 200, { name: 'a b/c' });
      const c = client({ baseUrl: `${srv.url}/feldera/` });
      assert.strictEqual(c.baseUrl, `${srv.url}/feldera`);
      await track(c.getPipeline('a b/c', 'all'));
      await track(c.fetchSamplyProfile('x?y#z%', { latest: true, ordinal: 3 }));
      await track(c.startSamplyProfile('..a', { durationSecs: 60 }));
      assert.deepStrictEqual(
        srv.requests.map((r) => `${r.method} ${r.url}`),
        [
          'GET /feldera/v0/pipelines/a%20b%2Fc?selector=all',
          'GET /feldera/v0/pipelines/x%3Fy%23z%25/samply_profile?latest=true&ordinal=3',
          'POST /feldera/v0/pipelines/..a/samply_profile?duration_secs=60',
        ],
      );
      await assert.rejects(c.getPipeline('..', 'all'), TypeError);
      await assert.rejects(c.getPipeline('', 'all'), TypeError);
    });

    it('authConfig maps none, AwsCognito, GenericOidc and unknown', async () => {
      const answers: unknown[] = [
        {},
        { AwsCognito: { issuer: 'https://i', login_url: 'https://l', logout_url: 'https://o' } },
        { GenericOidc: { issuer: 'https://i', client_id: 'cid', extra_oidc_scopes: [] } },
        { Other: { x: 1 } },
      ];
      let i = 0;
      srv.handler = (_req, res) => json(res, 200, answers[i++]);
      const c = client({ apiKey: undefined });
      assert.deepStrictEqual(expectOk(await track(c.authConfig())), { kind: 'none' });
      assert.deepStrictEqual(expectOk(await track(c.authConfig())), {
        kind: 'AwsCognito',
        issuer: 'https://i',
        loginUrl: 'https://l',
        logoutUrl: 'https://o',
      });
      assert.deepStrictEqual(expectOk(await track(c.authConfig())), {
        kind: 'GenericOidc',
        issuer: 'https://i',
        clientId: 'cid',
      });
      assert.deepStrictEqual(expectOk(await track(c.authConfig())), { kind: 'unknown', raw: { Other: { x: 1 } } });
      assert.deepStrictEqual(
        srv.requests.map((r) => r.url),
        Array(4).fill('/config/authentication'),
      );
    });

    it('serverConfig reads version, edition, revision and keeps the raw body', async () => {
      const body = { version: '0.99.0', edition: 'Open source', revision: 'abc', telemetry: '' };
      srv.handler = (_req, res) => json(res, 200, body);
      assert.deepStrictEqual(expectOk(await track(client().serverConfig())), {
        version: '0.99.0',
        edition: 'Open source',
        revision: 'abc',
        raw: body,
      });
      assert.strictEqual(srv.requests[0].url, '/v0/config');
    });

    it('listPipelines and getPipeline return the pipelines as sent', async () => {
      const p = {
        name: 'p1',
        deployment_status: 'Running',
        deployment_error: null,
        runtime_config: { hosts: 2, workers: 4 },
      };
      srv.handler = (req, res) => json(res, 200, req.url?.startsWith('/v0/pipelines?') ? [p] : p);
      assert.deepStrictEqual(expectOk(await track(client().listPipelines('all'))), [p]);
      assert.deepStrictEqual(expectOk(await track(client().getPipeline('p1', 'status'))), p);
      assert.deepStrictEqual(
        srv.requests.map((r) => r.url),
        ['/v0/pipelines?selector=all', '/v0/pipelines/p1?selector=status'],
      );
    });

    it('a 2xx that is not JSON, or not the right shape, is a protocol error', async () => {
      const answers: Array<[string, string]> = [
        ['text/html', '<html><body>Sign in to continue</body></html>'],
        ['application/json', '{"name":"p"}'],
        ['application/json', '[{"id":"x"}]'],
        ['application/json', ''],
        ['application/json', '{"truncated":'],
      ];
      let i = 0;
      srv.handler = (_req, res) => {
        const [ct, body] = answers[i++];
        res.writeHead(200, { 'Content-Type': ct }).end(body);
      };
      const messages: string[] = [];
      for (let k = 0; k < answers.length; k++) {
        const e = expectError(await track(client().listPipelines('status')));
        assert.strictEqual(e.kind, 'protocol');
        assert.ok(e.kind === 'protocol' && e.status === 200);
        messages.push(e.kind === 'protocol' ? e.message : '');
      }
      assert.match(messages[0], /not JSON \(text\/html\): "Sign in to continue"/);
      assert.match(messages[1], /array/);
      assert.match(messages[2], /name/);
      assert.match(messages[3], /empty/);
      assert.match(messages[4], /not JSON/);
      assert.strictEqual(srv.requests.length, answers.length, 'protocol errors are not retried');
      srv.handler = (_req, res) => json(res, 200, { status: 1 });
      assert.strictEqual(expectError(await track(client().health())).kind, 'protocol');
      srv.handler = (_req, res) => json(res, 200, []);
      assert.strictEqual(expectError(await track(client().authConfig())).kind, 'protocol');
      assert.strictEqual(expectError(await track(client().getPipeline('p', 'all'))).kind, 'protocol');
    });
  });

  describe('error answers of the JSON calls', () => {
    const calls: Array<[string, (c: FelderaClient) => Promise<ApiResult<unknown>>]> = [
      ['health', (c) => c.health()],
      ['authConfig', (c) => c.authConfig()],
      ['serverConfig', (c) => c.serverConfig()],
      ['listPipelines', (c) => c.listPipelines('status')],
      ['getPipeline', (c) => c.getPipeline('p', 'all')],
    ];

    for (const [name, call] of calls) {
      it(`${name}: 401 text/plain without details, 401 empty with WWW-Authenticate, 403, 404, 500, proxy HTML 502`, async () => {
        const answers: Handler[] = [
          (_q, res) =>
            res
              .writeHead(401, { 'Content-Type': 'text/plain' })
              .end('{"message":"Unauthorized API key","error_code":"AuthenticationFailed"}'),
          (_q, res) => res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="feldera"' }).end(),
          (_q, res) => felderaError(res, 403, 'InsufficientPermissions', 'Insufficient permissions', null),
          (_q, res) =>
            felderaError(res, 404, 'UnknownPipelineName', "Unknown pipeline name 'p'", { pipeline_name: 'p' }),
          (_q, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error'),
          (_q, res) =>
            res
              .writeHead(502, { 'Content-Type': 'text/html' })
              .end('<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>'),
        ];
        let i = 0;
        srv.handler = (q, res) => answers[i++](q, res);
        const c = client({ retry: { maxAttempts: 1 } });
        const errors: ApiError[] = [];
        for (let k = 0; k < answers.length; k++) errors.push(expectError(await track(call(c))));
        assert.deepStrictEqual(errors, [
          { kind: 'feldera', status: 401, errorCode: 'AuthenticationFailed', message: 'Unauthorized API key' },
          { kind: 'http', status: 401, statusText: 'Unauthorized' },
          { kind: 'feldera', status: 403, errorCode: 'InsufficientPermissions', message: 'Insufficient permissions' },
          {
            kind: 'feldera',
            status: 404,
            errorCode: 'UnknownPipelineName',
            message: "Unknown pipeline name 'p'",
            details: { pipeline_name: 'p' },
          },
          {
            kind: 'http',
            status: 500,
            statusText: 'Internal Server Error',
            snippet: 'internal error',
            contentType: 'text/plain',
          },
          {
            kind: 'http',
            status: 502,
            statusText: 'Bad Gateway',
            snippet: '502 Bad Gateway Bad Gateway',
            contentType: 'text/html',
          },
        ]);
        assert.strictEqual(srv.requests.length, answers.length);
        assert.ok(srv.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));
      });
    }

    it('a redirect is never followed, and reported as an http error', async () => {
      srv.handler = (_req, res) => res.writeHead(302, { Location: `${other.url}/login?next=x` }).end();
      const e = expectError(await track(client().listPipelines('status')));
      assert.strictEqual(e.kind, 'http');
      assert.ok(e.kind === 'http' && e.status === 302 && e.snippet === `Redirect to ${other.url}/login not followed`);
      await delay(50);
      assert.strictEqual(other.requests.length, 0);
    });
  });

  describe('startSamplyProfile', () => {
    it('POSTs duration and ordinal; 202 and 200 are "started"', async () => {
      let status = 202;
      srv.handler = (_req, res) => res.writeHead(status).end();
      assert.deepStrictEqual(
        expectOk(await track(client().startSamplyProfile('p', { durationSecs: 30, ordinal: 1 }))),
        {
          state: 'started',
          status: 202,
        },
      );
      status = 200;
      assert.deepStrictEqual(expectOk(await track(client().startSamplyProfile('p', { durationSecs: 5 }))), {
        state: 'started',
        status: 200,
      });
      assert.deepStrictEqual(
        srv.requests.map((r) => `${r.method} ${r.url}`),
        [
          'POST /v0/pipelines/p/samply_profile?duration_secs=30&ordinal=1',
          'POST /v0/pipelines/p/samply_profile?duration_secs=5',
        ],
      );
      assert.strictEqual(srv.requests[0].headers.authorization, `Bearer ${KEY}`);
    });

    it('409 is "alreadyRunning" with the server message, not an error', async () => {
      srv.handler = (_req, res) =>
        felderaError(res, 409, 'SamplyProfilingInProgress', 'Samply profiling is already in progress', null);
      assert.deepStrictEqual(expectOk(await track(client().startSamplyProfile('p', { durationSecs: 30 }))), {
        state: 'alreadyRunning',
        message: 'Samply profiling is already in progress',
      });
    });

    it('every error answer of API-NOTES is an error value, and a POST is never retried on an answer', async () => {
      const cases: Array<[number, string, unknown]> = [
        [500, 'SamplyProfilingFailure', 'samply not found in PATH'],
        [500, 'SamplyProfilingUnexpectedCompletion', null],
        [404, 'UnknownPipelineName', { pipeline_name: 'p' }],
        [503, 'PipelineInteractionNotDeployed', null],
        [503, 'PipelineUnavailable', null],
        [503, 'PipelineInteractionUnreachable', null],
        [503, 'Initializing', null],
        [503, 'Suspended', null],
        [410, 'Terminating', null],
        [401, 'AuthenticationFailed', undefined],
        [403, 'InsufficientPermissions', null],
      ];
      for (const [status, code, details] of cases) {
        srv.requests.length = 0;
        srv.handler = (_req, res) =>
          felderaError(res, status, code, `${code} happened`, details, { 'Retry-After': '0' });
        const e = expectError(await track(client().startSamplyProfile('p', { durationSecs: 30 })));
        const expected: ApiError = { kind: 'feldera', status, errorCode: code, message: `${code} happened` };
        if (details !== null && details !== undefined) expected.details = details;
        assert.deepStrictEqual(e, expected);
        assert.strictEqual(srv.requests.length, 1, `${status} ${code} must not be retried`);
      }
      srv.requests.length = 0;
      srv.handler = (_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>Bad Gateway</h1>');
      const e = expectError(await track(client().startSamplyProfile('p', { durationSecs: 30 })));
      assert.deepStrictEqual(e, {
        kind: 'http',
        status: 502,
        statusText: 'Bad Gateway',
        snippet: 'Bad Gateway',
        contentType: 'text/html',
      });
      assert.strictEqual(srv.requests.length, 1);
    });

    it('a connection reset after the POST was sent is not retried', async () => {
      srv.handler = (req) => req.socket.destroy();
      const e = expectError(await track(client().startSamplyProfile('p', { durationSecs: 30 })));
      assert.strictEqual(e.kind, 'network');
      assert.strictEqual(srv.requests.length, 1);
    });
  });

  describe('fetchSamplyProfile', () => {
    it("204 is pending with the server's Retry-After; query has latest and ordinal only when given", async () => {
      // 120 stays 120: it is the collection's time left, which the user sees; only the fetcher's waits are capped.
      const retryAfter = ['7', undefined, '0', '120'];
      let i = 0;
      srv.handler = (_req, res) => {
        const ra = retryAfter[i++];
        res.writeHead(204, ra === undefined ? {} : { 'Retry-After': ra }).end();
      };
      const c = client();
      const got = [];
      got.push(expectOk(await track(c.fetchSamplyProfile('p', { latest: true, ordinal: 2 }))));
      got.push(expectOk(await track(c.fetchSamplyProfile('p', {}))));
      got.push(expectOk(await track(c.fetchSamplyProfile('p', { latest: false, ordinal: 0 }))));
      got.push(expectOk(await track(c.fetchSamplyProfile('p', { latest: true }))));
      assert.deepStrictEqual(got, [
        { state: 'pending', status: 204, retryAfterSeconds: 7 },
        { state: 'pending', status: 204, retryAfterSeconds: 1 },
        { state: 'pending', status: 204, retryAfterSeconds: 0 },
        { state: 'pending', status: 204, retryAfterSeconds: 120 },
      ]);
      assert.deepStrictEqual(
        srv.requests.map((r) => r.url),
        [
          '/v0/pipelines/p/samply_profile?latest=true&ordinal=2',
          '/v0/pipelines/p/samply_profile',
          '/v0/pipelines/p/samply_profile?ordinal=0',
          '/v0/pipelines/p/samply_profile?latest=true',
        ],
      );
      assert.ok(srv.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));
    });

    it('307 with Retry-After is pending and its Location is never requested', async () => {
      srv.handler = (_req, res) =>
        res.writeHead(307, { 'Retry-After': '4', Location: `${other.url}/steal-the-key` }).end();
      assert.deepStrictEqual(expectOk(await track(client().fetchSamplyProfile('p', { latest: true }))), {
        state: 'pending',
        status: 307,
        retryAfterSeconds: 4,
      });
      await delay(100);
      assert.strictEqual(srv.requests.length, 1);
      assert.strictEqual(other.requests.length, 0, 'the redirect target was contacted');
    });

    it('307 without Retry-After, and any other 3xx, is an http error, never followed', async () => {
      const answers: Array<[number, http.OutgoingHttpHeaders]> = [
        [307, { Location: `${other.url}/x` }],
        [301, { Location: `${other.url}/x` }],
        [302, { Location: '/relative', 'Retry-After': '1' }],
        [308, { Location: `${other.url}/x`, 'Retry-After': '1' }],
      ];
      let i = 0;
      srv.handler = (_req, res) => {
        const [status, headers] = answers[i++];
        res.writeHead(status, headers).end('moved');
      };
      for (const [status] of answers) {
        const e = expectError(await track(client().fetchSamplyProfile('p', { latest: true })));
        assert.ok(e.kind === 'http' && e.status === status, JSON.stringify(e));
      }
      await delay(100);
      assert.strictEqual(srv.requests.length, answers.length);
      assert.strictEqual(other.requests.length, 0);
    });

    it('200 is ready: the body, content type, suggested name and length', async () => {
      const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
      srv.handler = (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'application/gzip',
          'Content-Disposition': `attachment; filename="${FELDERA_NAME}"`,
          'Content-Length': String(payload.length),
        });
        res.end(payload);
      };
      const v = expectOk(await track(client().fetchSamplyProfile('p', { latest: true })));
      assert.strictEqual(v.state, 'ready');
      if (v.state !== 'ready') return;
      assert.strictEqual(v.contentType, 'application/gzip');
      assert.strictEqual(v.suggestedName, FELDERA_NAME);
      assert.strictEqual(v.contentLength, payload.length);
      assert.ok((await readAll(v.body)).equals(payload));
      assert.strictEqual(srv.requests[0].headers['accept-encoding'], 'identity');
    });

    it('error answers: 400 NoSamplyProfile, 500 failure, 404, 410', async () => {
      const cases: Array<[number, string, unknown]> = [
        [400, 'NoSamplyProfile', null],
        [500, 'SamplyProfilingFailure', 'perf_event_paranoid is 4'],
        [404, 'UnknownPipelineName', { pipeline_name: 'p' }],
        [410, 'Terminating', null],
      ];
      for (const [status, code, details] of cases) {
        srv.requests.length = 0;
        srv.handler = (_req, res) => felderaError(res, status, code, `${code}!`, details);
        const e = expectError(await track(client().fetchSamplyProfile('p', { latest: true })));
        const expected: ApiError = { kind: 'feldera', status, errorCode: code, message: `${code}!` };
        if (details !== null) expected.details = details;
        assert.deepStrictEqual(e, expected);
        assert.strictEqual(srv.requests.length, 1, `${status} must not be retried`);
      }
    });

    it('503 is retried (it is an idempotent GET), then reported', async () => {
      srv.handler = (_req, res) => felderaError(res, 503, 'PipelineInteractionUnreachable', 'timed out', null);
      const e = expectError(
        await track(
          client({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } }).fetchSamplyProfile('p', {}),
        ),
      );
      assert.ok(e.kind === 'feldera' && e.errorCode === 'PipelineInteractionUnreachable');
      assert.strictEqual(srv.requests.length, 3);
      assert.deepStrictEqual(
        log.map((l) => [l.attempt, l.status]),
        [
          [1, 503],
          [2, 503],
          [3, 503],
        ],
      );
    });

    it('a 503 that says the pipeline is stopped or suspended is reported at once, not retried', async () => {
      for (const code of ['PipelineInteractionNotDeployed', 'Suspended']) {
        srv.requests.length = 0;
        srv.handler = (_req, res) => felderaError(res, 503, code, 'not deployed', null);
        const e = expectError(
          await track(
            client({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } }).fetchSamplyProfile('p', {}),
          ),
        );
        assert.ok(e.kind === 'feldera' && e.errorCode === code);
        assert.strictEqual(srv.requests.length, 1, code);
      }
    });

    it('the body streams while the server is still writing, past the per-attempt timeout', async () => {
      let serverDoneAt = 0;
      srv.handler = async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/gzip' });
        for (let i = 0; i < 6; i++) {
          res.write(`chunk${i};`);
          await delay(60);
        }
        serverDoneAt = Date.now();
        res.end();
      };
      const v = expectOk(await track(client({ requestTimeoutMs: 100 }).fetchSamplyProfile('p', { latest: true })));
      assert.strictEqual(serverDoneAt, 0, 'the answer waited for the whole body');
      assert.ok(v.state === 'ready');
      assert.strictEqual(v.contentLength, undefined);
      // For each chunk: was the server still writing when it arrived?
      const arrivals: boolean[] = [];
      v.body.on('data', () => arrivals.push(serverDoneAt === 0));
      const text = (await readAll(v.body)).toString();
      assert.strictEqual(text, 'chunk0;chunk1;chunk2;chunk3;chunk4;chunk5;');
      assert.ok(arrivals.length >= 3, `expected several chunks, got ${arrivals.length}`);
      assert.strictEqual(arrivals[0], true, 'the first chunk arrived only at the end');
    });

    it('aborting the signal mid-body destroys the body and the connection', async () => {
      let serverSawClose = false;
      srv.handler = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/gzip' });
        res.write('first;');
        res.on('close', () => (serverSawClose = true));
        // ...and never ends.
      };
      const ac = new AbortController();
      const v = expectOk(await track(client().fetchSamplyProfile('p', { latest: true }, ac.signal)));
      assert.ok(v.state === 'ready');
      const first = await new Promise<Buffer>((resolve) => v.body.once('data', resolve));
      assert.strictEqual(first.toString(), 'first;');
      const errored = new Promise<unknown>((resolve) => v.body.once('error', resolve));
      const closed = new Promise<void>((resolve) => v.body.once('close', () => resolve()));
      // The server never ends the body: only the abort can (else this test runs into its timeout).
      ac.abort();
      const err = await errored;
      await closed;
      assert.ok(v.body.destroyed);
      assert.ok(err instanceof FelderaStreamError);
      assert.deepStrictEqual((err as FelderaStreamError).apiError, { kind: 'cancelled' });
      assert.strictEqual((err as FelderaStreamError).code, 'ABORT_ERR');
      for (let i = 0; i < 20 && !serverSawClose; i++) await delay(10);
      assert.ok(serverSawClose, 'the server still holds the connection');
    });

    it('destroying the body early aborts the request', async () => {
      let serverSawClose = false;
      srv.handler = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/gzip' });
        res.write('first;');
        res.on('close', () => (serverSawClose = true));
      };
      const v = expectOk(await track(client().fetchSamplyProfile('p', { latest: true })));
      assert.ok(v.state === 'ready');
      await new Promise((resolve) => v.body.once('data', resolve));
      v.body.destroy();
      for (let i = 0; i < 30 && !serverSawClose; i++) await delay(10);
      assert.ok(serverSawClose, 'the server still holds the connection');
    });

    it('a connection that breaks mid-body errors the body with a network error', async () => {
      srv.handler = (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/gzip' });
        res.write('first;');
        setTimeout(() => req.socket.destroy(), 50);
      };
      const v = expectOk(await track(client().fetchSamplyProfile('p', { latest: true })));
      assert.ok(v.state === 'ready');
      const err = await readAll(v.body).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof FelderaStreamError, `expected a FelderaStreamError, got ${String(err)}`);
      assert.strictEqual((err as FelderaStreamError).apiError.kind, 'network');
      assert.ok(!String((err as Error).message).includes(KEY_BODY));
    });
  });

  describe('retries', () => {
    it('retries 503 K times, then succeeds, with backoff under the deadline', async () => {
      const K = 4;
      srv.handler = (_req, res) =>
        srv.requests.length <= K
          ? felderaError(res, 503, 'PipelineUnavailable', 'unavailable', null)
          : json(res, 200, [{ name: 'p' }]);
      const r = await track(
        client({ retry: { deadlineMs: 10_000, initialDelayMs: 20, maxDelayMs: 80 } }).listPipelines('status'),
      );
      assert.deepStrictEqual(expectOk(r), [{ name: 'p' }]);
      assert.strictEqual(srv.requests.length, K + 1);
      assert.deepStrictEqual(
        log.map((l) => l.attempt),
        [1, 2, 3, 4, 5],
      );
    });

    for (const status of [408, 502, 504]) {
      it(`retries ${status}`, async () => {
        srv.handler = (_req, res) =>
          srv.requests.length === 1 ? res.writeHead(status).end() : json(res, 200, { status: 'healthy' });
        expectOk(await track(client().health()));
        assert.strictEqual(srv.requests.length, 2);
      });
    }

    it('gives up at the deadline with the last answer', async () => {
      srv.handler = (_req, res) => felderaError(res, 503, 'Initializing', 'initializing', null);
      const e = expectError(
        await track(
          client({ retry: { deadlineMs: 300, initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 1000 } }).getPipeline(
            'p',
            'status',
          ),
        ),
      );
      assert.ok(e.kind === 'feldera' && e.status === 503 && e.errorCode === 'Initializing');
      assert.ok(srv.requests.length >= 3, `only ${srv.requests.length} attempts`);
      // Waits of up to 50 ms in a 300 ms deadline: the deadline ended it, long before the 1000 attempts allowed.
      assert.ok(srv.requests.length < 1000, 'stopped by maxAttempts, not by the deadline');
    });

    it('honours Retry-After on 503, and does not wait past the deadline for it', async () => {
      srv.handler = (_req, res) =>
        srv.requests.length === 1
          ? felderaError(res, 503, 'PipelineUnavailable', 'u', null, { 'Retry-After': '1' })
          : json(res, 200, { status: 'healthy' });
      expectOk(await track(client({ retry: { deadlineMs: 3000, initialDelayMs: 1, maxDelayMs: 2 } }).health()));
      const waited = srv.requests[1].at - srv.requests[0].at;
      // The backoff alone would wait at most 2 ms.
      assert.ok(waited >= 950, `waited ${waited} ms`);

      // A wait that cannot end before the deadline is not started: the 503 comes back at once. (A client that slept
      // 20 s, or until the 15 s deadline, would run into this test's 10 s timeout.)
      for (const retryAfter of ['20', '3600']) {
        srv.requests.length = 0;
        srv.handler = (_req, res) =>
          felderaError(res, 503, 'PipelineUnavailable', 'u', null, { 'Retry-After': retryAfter });
        const e = expectError(await track(client({ retry: { deadlineMs: 15_000 } }).health()));
        assert.ok(e.kind === 'feldera' && e.status === 503);
        assert.strictEqual(srv.requests.length, 1);
      }
    });

    it('a Retry-After beyond 30 s is waited as 30 s: a retry is never parked longer, whatever the deadline', async () => {
      srv.handler = (_req, res) => felderaError(res, 503, 'PipelineUnavailable', 'u', null, { 'Retry-After': '3600' });
      const ac = new AbortController();
      let settled = false;
      // 30.5 s leave room for a 30 s wait but not for a longer one: a client honouring the hour would give up at once.
      const pending = track(
        client({ retry: { deadlineMs: 30_500, initialDelayMs: 1, maxDelayMs: 2 } }).health(ac.signal),
      ).finally(() => (settled = true));
      while (srv.requests.length === 0) await delay(10);
      await delay(300);
      assert.strictEqual(settled, false, 'gave up at once: the hour was not capped to a 30 s wait');
      ac.abort();
      assert.deepStrictEqual(await pending, { ok: false, error: { kind: 'cancelled' } });
      assert.strictEqual(srv.requests.length, 1);
    });

    it('does not retry 500, 400, 404, 401 or 409', async () => {
      for (const status of [500, 400, 404, 401, 409]) {
        srv.requests.length = 0;
        srv.handler = (_req, res) => felderaError(res, status, 'X', 'x', null);
        expectError(await track(client().listPipelines('status')));
        assert.strictEqual(srv.requests.length, 1, `${status} was retried`);
      }
    });

    it('respects maxAttempts', async () => {
      srv.handler = (_req, res) => res.writeHead(503).end();
      const e = expectError(await track(client({ retry: { maxAttempts: 2, initialDelayMs: 1 } }).health()));
      assert.deepStrictEqual(e, { kind: 'http', status: 503, statusText: 'Service Unavailable' });
      assert.strictEqual(srv.requests.length, 2);
    });
  });

  describe('no answer', () => {
    it('connection refused → network ECONNREFUSED, retried for a GET until the deadline', async () => {
      const port = await closedPort();
      const c = client({
        baseUrl: `http://127.0.0.1:${port}`,
        retry: { deadlineMs: 200, initialDelayMs: 5, maxDelayMs: 20 },
      });
      const e = expectError(await track(c.health()));
      assert.strictEqual(e.kind, 'network');
      assert.ok(e.kind === 'network' && e.code === 'ECONNREFUSED' && /ECONNREFUSED/.test(e.message));
      assert.ok(log.length >= 2, 'a refused GET was not retried');
      assert.ok(log.every((l) => l.status === undefined && /ECONNREFUSED/.test(l.failure ?? '')));
    });

    it('a POST is retried on ECONNREFUSED only, and reaches a server that comes up', async () => {
      const port = await closedPort();
      const late = http.createServer((_req, res) => res.writeHead(202).end());
      // The server comes up once the first attempt has been refused (not after a fixed delay: on a loaded machine
      // every retry could fall before a timer fires). Nine jittered waits of up to 200–400 ms leave ample time.
      let listening: Promise<void> | undefined;
      try {
        const c = client({
          baseUrl: `http://127.0.0.1:${port}`,
          retry: { deadlineMs: 5000, initialDelayMs: 200, maxDelayMs: 400, maxAttempts: 10 },
          onRequest: (e) => {
            log.push(e);
            listening ??= new Promise((resolve) => late.listen(port, '127.0.0.1', resolve));
          },
        });
        const r = await track(c.startSamplyProfile('p', { durationSecs: 1 }));
        assert.deepStrictEqual(expectOk(r), { state: 'started', status: 202 });
        assert.ok(log.length >= 2);
        assert.strictEqual(log[0].failure?.includes('ECONNREFUSED'), true);
      } finally {
        late.closeAllConnections();
        await new Promise((resolve) => late.close(resolve));
      }
    });

    it('an unknown host → network ENOTFOUND, not retried', async () => {
      const c = client({ baseUrl: 'http://feldera-test.invalid:8080', retry: { deadlineMs: 1000 } });
      const e = expectError(await track(c.health()));
      assert.strictEqual(e.kind === 'network' || e.kind === 'timeout', true, JSON.stringify(e));
      if (e.kind === 'network' && e.code === 'ENOTFOUND') assert.strictEqual(log.length, 1);
    });

    it('a server that never answers → timeout; a POST is not retried, a GET is', async () => {
      srv.handler = () => undefined;
      const t0 = Date.now();
      const e = expectError(
        await track(client({ requestTimeoutMs: 150 }).startSamplyProfile('p', { durationSecs: 1 })),
      );
      const elapsed = Date.now() - t0;
      // The message names the timeout applied: 150 ms, not this client's default of 2000 ms.
      assert.deepStrictEqual(e, { kind: 'timeout', message: 'no answer within 150 ms' });
      assert.ok(elapsed >= 140, `took ${elapsed} ms`);
      assert.strictEqual(srv.requests.length, 1);
      assert.strictEqual(log[0].failure, 'no answer within 150 ms');

      srv.requests.length = 0;
      const g = expectError(
        await track(client({ requestTimeoutMs: 100, retry: { maxAttempts: 2, initialDelayMs: 1 } }).health()),
      );
      assert.strictEqual(g.kind, 'timeout');
      assert.strictEqual(srv.requests.length, 2);
    });

    it('a JSON body that stalls after the headers → timeout', async () => {
      srv.handler = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('[');
      };
      const e = expectError(
        await track(client({ requestTimeoutMs: 150, retry: { maxAttempts: 1 } }).listPipelines('all')),
      );
      assert.deepStrictEqual(e, { kind: 'timeout', message: 'no complete answer within 150 ms' });
    });
  });

  describe('cancellation', () => {
    it('aborting during a request returns cancelled promptly', async () => {
      srv.handler = () => undefined;
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 80);
      // Not stopped by the abort, the call would end at the 5 s timeout as a timeout, not as cancelled.
      const r = await track(client({ requestTimeoutMs: 5000 }).listPipelines('status', ac.signal));
      assert.deepStrictEqual(r, { ok: false, error: { kind: 'cancelled' } });
      assert.strictEqual(log[0].failure, 'cancelled');
    });

    it('aborting during the backoff returns cancelled promptly, with no further request', async () => {
      srv.handler = (_req, res) => felderaError(res, 503, 'PipelineUnavailable', 'u', null, { 'Retry-After': '30' });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      // A backoff the abort does not cut would sleep the 30 s of Retry-After, far past this test's 10 s timeout.
      const r = await track(client({ retry: { deadlineMs: 60_000 } }).fetchSamplyProfile('p', {}, ac.signal));
      assert.deepStrictEqual(r, { ok: false, error: { kind: 'cancelled' } });
      await delay(50);
      assert.strictEqual(srv.requests.length, 1);
    });

    it('an already aborted signal sends nothing', async () => {
      const ac = new AbortController();
      ac.abort();
      const calls: Array<Promise<ApiResult<unknown>>> = [
        client().health(ac.signal),
        client().startSamplyProfile('p', { durationSecs: 1 }, ac.signal),
        client().fetchSamplyProfile('p', {}, ac.signal),
      ];
      for (const p of calls) {
        assert.deepStrictEqual(await track(p), { ok: false, error: { kind: 'cancelled' } });
      }
      await delay(30);
      assert.strictEqual(srv.requests.length, 0);
    });
  });

  describe('the API key', () => {
    it('never appears in a log entry, an error value or an exception, whatever goes wrong', async () => {
      const port = await closedPort();
      const scenarios: Handler[] = [
        (_q, res) => res.writeHead(401, { 'WWW-Authenticate': `Bearer error="invalid_token" token="${KEY}"` }).end(),
        (_q, res) =>
          res.writeHead(500, { 'Content-Type': 'text/html' }).end(`<p>Bad header: Authorization: Bearer ${KEY}</p>`),
        (_q, res) => felderaError(res, 401, 'AuthenticationFailed', `Unauthorized API key ${KEY}`, { key: KEY }),
        (q) => q.socket.destroy(),
        (_q, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`echo ${KEY}`),
        (_q, res) => res.writeHead(302, { Location: `${other.url}/?key=${KEY}` }).end(),
      ];
      for (const h of scenarios) {
        srv.handler = h;
        const r = await track(client({ retry: { maxAttempts: 1 } }).listPipelines('status'));
        assert.ok(!r.ok);
        await track(client({ retry: { maxAttempts: 1 } }).startSamplyProfile('p', { durationSecs: 1 }));
      }
      await track(client({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } }).health());
      srv.handler = () => undefined;
      await track(client({ requestTimeoutMs: 50, retry: { maxAttempts: 1 } }).health());
      assert.strictEqual(seen.length, scenarios.length * 2 + 2);
      // afterEach searches `log` and `seen` for the key.
      assert.throws(
        () => new FelderaClient({ baseUrl: `http://x:${KEY}@h`, apiKey: KEY }),
        (e: Error) => e instanceof TypeError && !e.message.includes(KEY_BODY),
      );
      assert.throws(
        () => new FelderaClient({ baseUrl: srv.url, apiKey: `${KEY}\r\nX-Evil: 1` }),
        (e: Error) => e instanceof TypeError && !e.message.includes(KEY_BODY),
      );
    });

    it('is sent to the base URL origin only: a redirect to another origin is never followed', async () => {
      srv.handler = (_req, res) => res.writeHead(307, { Location: `${other.url}/v0/pipelines` }).end();
      await track(client().listPipelines('status'));
      await track(client().getPipeline('p', 'all'));
      await delay(50);
      assert.strictEqual(srv.requests.length, 2);
      assert.ok(srv.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));
      assert.strictEqual(other.requests.length, 0);
    });
  });
});
