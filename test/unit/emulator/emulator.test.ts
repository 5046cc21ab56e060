// Behaviour of the Feldera emulator, observed over real HTTP.
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as http from 'http';
import * as zlib from 'zlib';
import fetch from 'node-fetch';
import {
  FelderaEmulator,
  demoPipelines,
  rawRequest,
  type PipelineSpec,
  type RawResponse,
} from '../../emulator/emulator';
import { largeProfilePlan } from '../../emulator/profileGenerator';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function json(r: RawResponse): Record<string, unknown> {
  return JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
}

function rawHeaderNames(r: { rawHeaders: string[] }): string[] {
  return r.rawHeaders.filter((_v, i) => i % 2 === 0).map((h) => h.toLowerCase());
}

interface Download {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bytes: number;
  body: Buffer[];
  sha256: string;
  error?: Error;
  ended: boolean;
}

/** Downloads a body, keeping at most `keep` bytes; resolves on end, error or close. */
function download(url: string, opts: { keep?: number; onData?: (c: Buffer) => void } = {}): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const hash = crypto.createHash('sha256');
      const d: Download = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        bytes: 0,
        body: [],
        sha256: '',
        ended: false,
      };
      let kept = 0;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        d.sha256 = hash.digest('hex');
        resolve(d);
      };
      res.on('data', (c: Buffer) => {
        d.bytes += c.length;
        hash.update(c);
        opts.onData?.(c);
        if (kept < (opts.keep ?? Infinity)) {
          d.body.push(c);
          kept += c.length;
        }
      });
      res.on('end', () => {
        d.ended = true;
        finish();
      });
      res.on('error', (e) => {
        d.error = e;
        finish();
      });
      res.on('aborted', () => {
        d.error = d.error ?? new Error('aborted');
      });
      res.on('close', finish);
    });
    req.on('error', reject);
  });
}

const running = (name: string, extra: Partial<PipelineSpec> = {}): PipelineSpec => ({ name, ...extra });

describe('FelderaEmulator', function () {
  this.timeout(30000);
  let emu: FelderaEmulator;
  let base: string;

  beforeEach(async () => {
    emu = new FelderaEmulator({
      pipelines: [
        running('single', { workers: 4 }),
        running('multi', { hosts: 3, workers: 6 }),
        { name: 'stopped', deploymentStatus: 'Stopped' },
        { name: 'broken', deploymentStatus: 'Stopped', programStatus: 'SqlError' },
        { name: 'init', deploymentStatus: 'Initializing' },
      ],
      postWaitMs: 30,
    });
    base = await emu.start();
  });
  afterEach(async () => {
    await emu.stop();
  });

  const samply = (name: string, q: string): string => `${base}/v0/pipelines/${name}/samply_profile${q}`;

  describe('platform endpoints', () => {
    it('GET /healthz answers {"status":"healthy"}', async () => {
      const r = await rawRequest(`${base}/healthz`);
      assert.strictEqual(r.status, 200);
      assert.deepStrictEqual(json(r), { status: 'healthy' });
    });

    it('GET /config/authentication is {} when auth is off', async () => {
      const r = await rawRequest(`${base}/config/authentication`);
      assert.strictEqual(r.status, 200);
      assert.deepStrictEqual(json(r), {});
    });

    it('GET /v0/config carries version, edition and revision', async () => {
      const e2 = new FelderaEmulator({ version: '1.2.3', edition: 'Enterprise' });
      const u = await e2.start();
      try {
        const cfg = json(await rawRequest(`${u}/v0/config`));
        assert.strictEqual(cfg.version, '1.2.3');
        assert.strictEqual(cfg.edition, 'Enterprise');
        assert.match(String(cfg.revision), /^[0-9a-f]{40}$/);
        const dflt = json(await rawRequest(`${base}/v0/config`));
        assert.strictEqual(dflt.edition, 'Open source');
      } finally {
        await e2.stop();
      }
    });

    it('unknown routes answer 404', async () => {
      assert.strictEqual((await rawRequest(`${base}/v0/nothing`)).status, 404);
      assert.strictEqual((await rawRequest(`${base}/nothing`)).status, 404);
    });
  });

  describe('pipelines and selectors', () => {
    it('selector=all (the default) includes runtime_config, program_code, program_error, program_info', async () => {
      for (const q of ['', '?selector=all']) {
        const list = json(await rawRequest(`${base}/v0/pipelines${q}`)) as unknown as Record<string, unknown>[];
        assert.deepStrictEqual(
          list.map((p) => p.name),
          ['broken', 'init', 'multi', 'single', 'stopped'],
        );
        const multi = list.find((p) => p.name === 'multi')!;
        const rc = multi.runtime_config as Record<string, unknown>;
        assert.strictEqual(rc.hosts, 3);
        assert.strictEqual(rc.workers, 6);
        assert.match(String(multi.program_code), /CREATE TABLE/);
        assert.ok('program_error' in multi && 'program_info' in multi);
        assert.strictEqual(multi.deployment_status, 'Running');
        assert.strictEqual(multi.deployment_runtime_status, 'Running');
        assert.match(String(multi.id), /^[0-9a-f-]{36}$/);
      }
    });

    it('selector=status leaves out runtime_config, program_code, program_error and program_info', async () => {
      const list = json(await rawRequest(`${base}/v0/pipelines?selector=status`)) as unknown as Record<
        string,
        unknown
      >[];
      assert.strictEqual(list.length, 5);
      for (const p of list) {
        for (const k of ['runtime_config', 'program_code', 'program_error', 'program_info', 'udf_rust', 'connectors']) {
          assert.ok(!(k in p), `${k} must be absent with selector=status`);
        }
        for (const k of [
          'id',
          'name',
          'description',
          'program_status',
          'program_status_since',
          'deployment_status',
          'deployment_status_since',
          'deployment_desired_status',
          'deployment_desired_status_since',
          'deployment_error',
          'deployment_runtime_status',
          'storage_status',
        ]) {
          assert.ok(k in p, `${k} must be present with selector=status`);
        }
      }
      const one = json(await rawRequest(`${base}/v0/pipelines/single?selector=status_with_connectors`));
      assert.deepStrictEqual(one.connectors, { num_errors: 0 });
      assert.ok(!('runtime_config' in one));
    });

    it('SqlError pipelines carry program_error.sql_compilation messages', async () => {
      const p = json(await rawRequest(`${base}/v0/pipelines/broken`));
      assert.strictEqual(p.program_status, 'SqlError');
      const pe = p.program_error as { sql_compilation: { exit_code: number; messages: unknown[] } };
      assert.ok(pe.sql_compilation.exit_code !== 0 && pe.sql_compilation.messages.length > 0);
      assert.strictEqual(p.program_info, null);
      assert.strictEqual(p.deployment_runtime_status, null);
    });

    it('an unknown pipeline answers 404 UnknownPipelineName', async () => {
      const r = await rawRequest(`${base}/v0/pipelines/nope?selector=status`);
      assert.strictEqual(r.status, 404);
      assert.match(String(r.headers['content-type']), /application\/json/);
      const b = json(r);
      assert.strictEqual(b.error_code, 'UnknownPipelineName');
      assert.deepStrictEqual(b.details, { pipeline_name: 'nope' });
      assert.strictEqual(typeof b.message, 'string');
    });

    it('a bad selector answers 400 (plain text, like actix)', async () => {
      const r = await rawRequest(`${base}/v0/pipelines?selector=bogus`);
      assert.strictEqual(r.status, 400);
      assert.match(String(r.headers['content-type']), /text\/plain/);
    });

    it('setPipeline / updatePipeline / removePipeline change what is served, *_since follow status changes', async () => {
      const before = json(await rawRequest(`${base}/v0/pipelines/single?selector=status`));
      await sleep(5);
      emu.updatePipeline('single', { deploymentStatus: 'Paused' });
      const after = json(await rawRequest(`${base}/v0/pipelines/single?selector=status`));
      assert.strictEqual(after.deployment_status, 'Paused');
      assert.strictEqual(after.deployment_desired_status, 'Paused');
      assert.ok(String(after.deployment_status_since) > String(before.deployment_status_since));
      assert.strictEqual(after.program_status_since, before.program_status_since);
      assert.strictEqual(after.id, before.id);

      emu.updatePipeline('single', { workers: 16 });
      const all = json(await rawRequest(`${base}/v0/pipelines/single`));
      assert.strictEqual((all.runtime_config as Record<string, unknown>).workers, 16);
      assert.ok(Number(all.version) > Number(before.version));

      emu.setPipeline({ name: 'new', deploymentStatus: 'Provisioning' });
      assert.strictEqual(json(await rawRequest(`${base}/v0/pipelines/new`)).deployment_status, 'Provisioning');
      assert.ok(emu.removePipeline('new'));
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines/new`)).status, 404);
      assert.deepStrictEqual(
        emu.pipelines().map((p) => p.name),
        ['single', 'multi', 'stopped', 'broken', 'init'],
      );
      assert.throws(() => emu.updatePipeline('nope', {}));
    });

    it('deployment_error is served as given', async () => {
      const err = { message: 'pod crashed', error_code: 'RunnerError', details: { reason: 'OOMKilled' } };
      emu.setPipeline({ name: 'crashed', deploymentStatus: 'Stopped', deploymentError: err });
      assert.deepStrictEqual(
        json(await rawRequest(`${base}/v0/pipelines/crashed?selector=status`)).deployment_error,
        err,
      );
    });
  });

  describe('authentication', () => {
    let auth: FelderaEmulator;
    let authBase: string;
    beforeEach(async () => {
      auth = new FelderaEmulator({ pipelines: [running('p')], apiKeys: ['apikey:right'], postWaitMs: 10 });
      authBase = await auth.start();
    });
    afterEach(() => auth.stop());

    it('every /v0 route needs a valid Bearer key: else 401 with a text/plain Feldera body without details', async () => {
      const routes: [string, string][] = [
        ['GET', '/v0/config'],
        ['GET', '/v0/pipelines'],
        ['GET', '/v0/pipelines/p?selector=status'],
        ['GET', '/v0/pipelines/p/samply_profile?latest=true'],
        ['POST', '/v0/pipelines/p/samply_profile?duration_secs=1'],
        ['GET', '/v0/pipelines/unknown'],
      ];
      for (const [method, route] of routes) {
        for (const headers of [
          {},
          { Authorization: 'Bearer apikey:wrong' },
          { Authorization: 'apikey:right' },
        ] as Record<string, string>[]) {
          const r = await rawRequest(`${authBase}${route}`, { method, headers });
          assert.strictEqual(r.status, 401, `${method} ${route} ${JSON.stringify(headers)}`);
          assert.match(String(r.headers['content-type']), /^text\/plain/);
          assert.deepStrictEqual(json(r), { message: 'Unauthorized API key', error_code: 'AuthenticationFailed' });
        }
      }
      const ok = await rawRequest(`${authBase}/v0/pipelines`, { headers: { Authorization: 'Bearer apikey:right' } });
      assert.strictEqual(ok.status, 200);
      assert.strictEqual(auth.samplyStatus('p').collections, 0, 'no collection may start without auth');
    });

    it('/healthz and /config/authentication need no key; the latter names the provider', async () => {
      assert.strictEqual((await rawRequest(`${authBase}/healthz`)).status, 200);
      const r = await rawRequest(`${authBase}/config/authentication`);
      assert.strictEqual(r.status, 200);
      assert.deepStrictEqual(json(r), {
        GenericOidc: { issuer: 'http://127.0.0.1/emulated', client_id: 'feldera', extra_oidc_scopes: [] },
      });
    });

    it('records the raw Authorization and Feldera-Tenant headers; two instances stay independent', async () => {
      auth.clearRequests();
      emu.clearRequests();
      const before = Date.now();
      await rawRequest(`${authBase}/v0/pipelines?selector=status`, {
        headers: { Authorization: 'Bearer apikey:right', 'Feldera-Tenant': 'team-a' },
      });
      const after = Date.now();
      await rawRequest(`${base}/v0/pipelines`, { headers: { Authorization: 'Bearer apikey:other' } });
      assert.strictEqual(auth.requests.length, 1);
      const rec = auth.requests[0];
      assert.strictEqual(rec.method, 'GET');
      assert.strictEqual(rec.path, '/v0/pipelines');
      assert.deepStrictEqual(rec.query, { selector: 'status' });
      assert.strictEqual(rec.authorization, 'Bearer apikey:right');
      assert.strictEqual(rec.tenant, 'team-a');
      assert.ok(rec.at >= before && rec.at <= after, 'stamped with the time it arrived');
      assert.strictEqual(emu.requests.length, 1);
      assert.strictEqual(emu.requests[0].authorization, 'Bearer apikey:other');
      assert.strictEqual(emu.requests[0].tenant, undefined);
      // auth off on emu: any key is accepted; faults on one instance do not touch the other
      emu.faults.fail503Times = 5;
      assert.strictEqual(
        (await rawRequest(`${authBase}/v0/pipelines`, { headers: { Authorization: 'Bearer apikey:right' } })).status,
        200,
      );
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines`)).status, 503);
    });

    it('auth can be switched at runtime; the unauthorized fault refuses every key', async () => {
      auth.setApiKeys([]);
      assert.strictEqual((await rawRequest(`${authBase}/v0/pipelines`)).status, 200);
      assert.deepStrictEqual(json(await rawRequest(`${authBase}/config/authentication`)), {});
      auth.faults.unauthorized = true;
      assert.strictEqual((await rawRequest(`${authBase}/v0/pipelines`)).status, 401);
      assert.strictEqual((await rawRequest(`${authBase}/healthz`)).status, 200);
    });

    it('works with node-fetch as well', async () => {
      const r = await fetch(`${authBase}/v0/pipelines/p?selector=status`, {
        headers: { Authorization: 'Bearer apikey:right' },
      });
      assert.strictEqual(r.status, 200);
      assert.strictEqual(((await r.json()) as { name: string }).name, 'p');
    });
  });

  describe('samply state machine', () => {
    it('no profile yet: GET answers 400 NoSamplyProfile with details null (with and without latest)', async () => {
      for (const q of ['', '?latest=true', '?ordinal=2&latest=true']) {
        const r = await rawRequest(samply('multi', q));
        assert.strictEqual(r.status, 400);
        const b = json(r);
        assert.strictEqual(b.error_code, 'NoSamplyProfile');
        assert.ok('details' in b && b.details === null);
      }
    });

    it('POST waits ~postWaitMs, answers 202 with an empty body; a second POST gets 409; Retry-After counts down; then 200', async () => {
      emu.setOption('postWaitMs', 150);
      // The collection runs on a virtual clock (option `clock`), moved by the test: the countdown is exact.
      let now = Date.now();
      emu.setOption('clock', () => now);
      const v0 = now;
      const t0 = Date.now();
      const post = await rawRequest(samply('single', '?duration_secs=3'), { method: 'POST' });
      assert.ok(Date.now() - t0 >= 140, 'POST must wait before answering');
      assert.strictEqual(post.status, 202);
      assert.strictEqual(post.body.length, 0);

      const again = await rawRequest(samply('single', '?duration_secs=3'), { method: 'POST' });
      assert.strictEqual(again.status, 409);
      const b = json(again);
      assert.strictEqual(b.error_code, 'SamplyProfilingInProgress');
      assert.ok('details' in b && b.details === null);

      const seen: number[] = [];
      for (;;) {
        const r = await rawRequest(samply('single', '?latest=true'));
        if (r.status === 200) break;
        assert.strictEqual(r.status, 204);
        assert.strictEqual(r.body.length, 0);
        const ra = Number(r.headers['retry-after']);
        assert.ok(Number.isInteger(ra) && ra >= 0, `Retry-After ${r.headers['retry-after']}`);
        seen.push(ra);
        assert.ok(seen.length <= 20, `the collection never finished: ${seen.join(',')}`);
        now += 400;
      }
      // Polled every 400 ms of the collection's 3 s: 3000, 2600, 2200 ms left → 3; 1800, 1400 → 2; 1000, 600, 200 → 1.
      assert.deepStrictEqual(seen, [3, 3, 3, 2, 2, 1, 1, 1]);
      assert.strictEqual(now - v0, 3200, 'ready at the first poll after 3 s');
      assert.deepStrictEqual(emu.samplyStatus('single'), {
        collecting: false,
        collections: 1,
        hasProfile: true,
        lastError: undefined,
      });
    });

    it('200: gzip of v57 JSON, application/gzip, Content-Disposition, chunked without Content-Length, exact bytes recorded', async () => {
      emu.setOption('timeScale', 0.2);
      assert.strictEqual(
        (await rawRequest(samply('multi', '?duration_secs=1&ordinal=2'), { method: 'POST' })).status,
        202,
      );
      await sleep(250);
      const d = await download(samply('multi', '?ordinal=2&latest=true'));
      assert.strictEqual(d.status, 200);
      assert.strictEqual(d.headers['content-type'], 'application/gzip');
      assert.match(
        String(d.headers['content-disposition']),
        /^attachment; filename="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)-samply_profile\.json\.gz"$/,
      );
      assert.strictEqual(d.headers['transfer-encoding'], 'chunked');
      assert.ok(!rawHeaderNames(d).includes('content-length'));
      const body = Buffer.concat(d.body);
      const profile = JSON.parse(zlib.gunzipSync(body).toString('utf8')) as {
        meta: { preprocessedProfileVersion: number; oscpu: string; product: string };
        threads: unknown[];
        shared: { stringArray: string[] };
      };
      assert.strictEqual(profile.meta.preprocessedProfileVersion, 57);
      assert.strictEqual(profile.meta.oscpu, 'host 2 of 3');
      assert.strictEqual(profile.meta.product, 'multi');
      assert.ok(profile.threads.length >= 2 && profile.shared.stringArray.length > 10);

      const served = emu.served[emu.served.length - 1];
      assert.strictEqual(served.complete, true);
      assert.strictEqual(served.length, body.length);
      assert.strictEqual(served.sha256, d.sha256);
      assert.ok(served.body && served.body.equals(body));
      assert.deepStrictEqual([served.pipeline, served.ordinal, served.collection], ['multi', 2, 1]);
      assert.ok(FelderaEmulator.smallProfileBytes('multi', 2, 1, 3, 6).equals(body), 'deterministic bytes');
      // the same profile again: same bytes
      const again = await download(samply('multi', '?ordinal=2'));
      assert.strictEqual(again.sha256, d.sha256);
    });

    it('single-host profiles do not say "host i of n"; ordinal defaults to 0', async () => {
      emu.setOption('timeScale', 0.2);
      assert.strictEqual((await rawRequest(samply('single', '?duration_secs=1'), { method: 'POST' })).status, 202);
      await sleep(250);
      const r = await rawRequest(samply('single', '?latest=true&ordinal=0'));
      assert.strictEqual(r.status, 200);
      const p = JSON.parse(zlib.gunzipSync(r.body).toString('utf8')) as { meta: { oscpu: string; product: string } };
      assert.ok(!/host \d+ of/.test(p.meta.oscpu));
      assert.strictEqual(p.meta.product, 'single');
    });

    it('hosts are independent: collecting on host 1 does not affect host 0 or 2', async () => {
      assert.strictEqual(
        (await rawRequest(samply('multi', '?duration_secs=2&ordinal=1'), { method: 'POST' })).status,
        202,
      );
      assert.strictEqual((await rawRequest(samply('multi', '?latest=true&ordinal=1'))).status, 204);
      assert.strictEqual((await rawRequest(samply('multi', '?latest=true&ordinal=0'))).status, 400);
      assert.strictEqual((await rawRequest(samply('multi', '?latest=true'))).status, 400);
      assert.strictEqual(
        (await rawRequest(samply('multi', '?duration_secs=1&ordinal=0'), { method: 'POST' })).status,
        202,
      );
      assert.strictEqual(
        (await rawRequest(samply('multi', '?duration_secs=1&ordinal=1'), { method: 'POST' })).status,
        409,
      );
      assert.strictEqual(
        (await rawRequest(samply('multi', '?duration_secs=1&ordinal=2'), { method: 'POST' })).status,
        202,
      );
      assert.strictEqual(emu.samplyStatus('multi', 1).collecting, true);
      assert.strictEqual(emu.samplyStatus('multi', 0).collecting, true);
      await sleep(1100);
      const h0 = await rawRequest(samply('multi', '?latest=true&ordinal=0'));
      assert.strictEqual(h0.status, 200);
      assert.strictEqual((await rawRequest(samply('multi', '?latest=true&ordinal=1'))).status, 204);
      const p0 = JSON.parse(zlib.gunzipSync(h0.body).toString('utf8')) as { meta: { oscpu: string } };
      assert.strictEqual(p0.meta.oscpu, 'host 0 of 3');
    });

    it('without latest, GET returns the previous profile while a new collection runs', async () => {
      emu.setOption('timeScale', 0.2);
      await rawRequest(samply('single', '?duration_secs=1'), { method: 'POST' });
      await sleep(250);
      const first = await rawRequest(samply('single', ''));
      assert.strictEqual(first.status, 200);
      assert.strictEqual((await rawRequest(samply('single', '?duration_secs=10'), { method: 'POST' })).status, 202);
      assert.strictEqual((await rawRequest(samply('single', '?latest=true'))).status, 204);
      const stale = await rawRequest(samply('single', '?latest=false'));
      assert.strictEqual(stale.status, 200);
      assert.ok(stale.body.equals(first.body), 'must be the previous profile');
      assert.strictEqual(emu.served[emu.served.length - 1].collection, 1);
    });

    it('ordinal outside 0..hosts-1 answers 400 InvalidOrdinal (POST and GET)', async () => {
      for (const [name, ord] of [
        ['single', 1],
        ['multi', 3],
        ['multi', 99],
      ] as const) {
        for (const method of ['POST', 'GET']) {
          const r = await rawRequest(samply(name, `?ordinal=${ord}&duration_secs=1`), { method });
          assert.strictEqual(r.status, 400, `${method} ${name} ${ord}`);
          assert.strictEqual(json(r).error_code, 'InvalidOrdinal');
        }
      }
      assert.strictEqual((await rawRequest(samply('multi', '?ordinal=-1'))).status, 400);
    });

    it('not interactive: 503 PipelineInteractionNotDeployed (Stopped), 503 Initializing for POST only', async () => {
      for (const method of ['POST', 'GET']) {
        const r = await rawRequest(samply('stopped', '?duration_secs=1'), { method });
        assert.strictEqual(r.status, 503);
        const b = json(r);
        assert.strictEqual(b.error_code, 'PipelineInteractionNotDeployed');
        assert.strictEqual((b.details as Record<string, unknown>).pipeline_name, 'stopped');
      }
      const post = await rawRequest(samply('init', '?duration_secs=1'), { method: 'POST' });
      assert.strictEqual(post.status, 503);
      assert.strictEqual(json(post).error_code, 'Initializing');
      assert.strictEqual((await rawRequest(samply('init', ''))).status, 400, 'the GET needs no controller');
      emu.setPipeline({ name: 'unavailable', deploymentStatus: 'Unavailable' });
      assert.strictEqual(
        json(await rawRequest(samply('unavailable', ''))).error_code,
        'PipelineInteractionUnreachable',
      );
      for (const status of ['Paused', 'ConcurrentBootstrapping', 'Synchronizing']) {
        emu.setPipeline({ name: `s-${status}`, deploymentStatus: status });
        assert.strictEqual(
          (await rawRequest(samply(`s-${status}`, '?duration_secs=5'), { method: 'POST' })).status,
          202,
          status,
        );
      }
      assert.strictEqual((await rawRequest(samply('nope', ''), { method: 'POST' })).status, 404);
      assert.strictEqual(json(await rawRequest(samply('nope', ''))).error_code, 'UnknownPipelineName');
    });

    it('duration 0 answers 500 SamplyProfilingUnexpectedCompletion; duration_secs defaults to 30', async () => {
      const r = await rawRequest(samply('single', '?duration_secs=0'), { method: 'POST' });
      assert.strictEqual(r.status, 500);
      assert.strictEqual(json(r).error_code, 'SamplyProfilingUnexpectedCompletion');
      assert.strictEqual((await rawRequest(samply('multi', ''), { method: 'POST' })).status, 202);
      const ra = Number((await rawRequest(samply('multi', '?latest=true'))).headers['retry-after']);
      assert.ok(ra >= 29 && ra <= 30, `Retry-After ${ra}`);
      assert.strictEqual((await rawRequest(samply('multi', '?duration_secs=abc'), { method: 'POST' })).status, 400);
    });

    it('failNextCollection: POST 500 SamplyProfilingFailure (details string), then GET answers the same', async () => {
      emu.faults.failNextCollection = 'perf_event_paranoid is 2: perf not permitted';
      const r = await rawRequest(samply('single', '?duration_secs=2'), { method: 'POST' });
      assert.strictEqual(r.status, 500);
      const b = json(r);
      assert.strictEqual(b.error_code, 'SamplyProfilingFailure');
      assert.strictEqual(b.details, 'perf_event_paranoid is 2: perf not permitted');
      const g = await rawRequest(samply('single', '?latest=true'));
      assert.strictEqual(g.status, 500);
      assert.strictEqual(json(g).error_code, 'SamplyProfilingFailure');
      assert.strictEqual(emu.faults.failNextCollection, undefined, 'the fault is used up');
      // the next collection works again
      assert.strictEqual((await rawRequest(samply('single', '?duration_secs=1'), { method: 'POST' })).status, 202);
    });

    it('failNextCollection atEnd: POST 202, then GET 500 SamplyProfilingFailure once the duration is over', async () => {
      emu.setOption('timeScale', 0.25);
      emu.faults.failNextCollection = { details: 'samply crashed', atEnd: true };
      assert.strictEqual((await rawRequest(samply('single', '?duration_secs=2'), { method: 'POST' })).status, 202);
      assert.strictEqual((await rawRequest(samply('single', '?latest=true'))).status, 204);
      await sleep(550);
      const g = await rawRequest(samply('single', '?latest=true'));
      assert.strictEqual(g.status, 500);
      assert.deepStrictEqual(json(g), {
        message: 'failed to profile the pipeline using samply',
        error_code: 'SamplyProfilingFailure',
        details: 'samply crashed',
      });
      assert.strictEqual(emu.samplyStatus('single').lastError, 'samply crashed');
    });

    it('legacy200 makes POST answer 200', async () => {
      emu.setOption('legacy200', true);
      assert.strictEqual((await rawRequest(samply('single', '?duration_secs=1'), { method: 'POST' })).status, 200);
    });

    it('finishingMs: Retry-After 0 while samply is still writing, then 200', async () => {
      emu.setOption('timeScale', 0.25);
      emu.setOption('finishingMs', 600);
      await rawRequest(samply('single', '?duration_secs=1'), { method: 'POST' });
      await sleep(350);
      const r = await rawRequest(samply('single', '?latest=true'));
      assert.strictEqual(r.status, 204);
      assert.strictEqual(r.headers['retry-after'], '0');
      await sleep(600);
      assert.strictEqual((await rawRequest(samply('single', '?latest=true'))).status, 200);
    });

    it('timeScale shortens collections', async () => {
      emu.setOption('timeScale', 0.05);
      await rawRequest(samply('single', '?duration_secs=4'), { method: 'POST' });
      const ra = Number((await rawRequest(samply('single', '?latest=true'))).headers['retry-after']);
      assert.ok(ra <= 1, 'Retry-After counts real seconds');
      await sleep(300);
      assert.strictEqual((await rawRequest(samply('single', '?latest=true'))).status, 200);
    });

    it('profiles vanish when the pipeline is stopped (and a running collection with them)', async () => {
      emu.setOption('timeScale', 0.2);
      await rawRequest(samply('multi', '?duration_secs=1&ordinal=1'), { method: 'POST' });
      await sleep(250);
      await rawRequest(samply('multi', '?duration_secs=10&ordinal=2'), { method: 'POST' });
      assert.strictEqual((await rawRequest(samply('multi', '?ordinal=1'))).status, 200);
      emu.updatePipeline('multi', { deploymentStatus: 'Stopped' });
      assert.strictEqual((await rawRequest(samply('multi', '?ordinal=1'))).status, 503);
      emu.updatePipeline('multi', { deploymentStatus: 'Running' });
      for (const ord of [1, 2]) {
        const r = await rawRequest(samply('multi', `?ordinal=${ord}&latest=true`));
        assert.strictEqual(r.status, 400, `ordinal ${ord}`);
        assert.strictEqual(json(r).error_code, 'NoSamplyProfile');
      }
      assert.strictEqual(
        (await rawRequest(samply('multi', '?duration_secs=1&ordinal=2'), { method: 'POST' })).status,
        202,
      );
    });
  });

  describe('faults', () => {
    async function readyProfile(name = 'single'): Promise<void> {
      emu.setOption('timeScale', 0.2);
      await rawRequest(samply(name, '?duration_secs=1'), { method: 'POST' });
      await sleep(250);
      emu.setOption('timeScale', 1);
    }

    it('fail503Times: the next K /v0 requests answer 503 PipelineInteractionUnreachable, then normal', async () => {
      emu.faults.fail503Times = 2;
      assert.strictEqual((await rawRequest(`${base}/healthz`)).status, 200, '/healthz is not a /v0 route');
      for (let i = 0; i < 2; i++) {
        const r = await rawRequest(`${base}/v0/pipelines`);
        assert.strictEqual(r.status, 503);
        assert.match(String(r.headers['content-type']), /application\/json/);
        const b = json(r);
        assert.strictEqual(b.error_code, 'PipelineInteractionUnreachable');
        assert.ok('details' in b && typeof b.message === 'string');
      }
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines`)).status, 200);
      assert.strictEqual(emu.faults.fail503Times, 0);
    });

    it('fail503Html: the 503s carry an HTML page', async () => {
      emu.faults.fail503Times = 1;
      emu.faults.fail503Html = true;
      const r = await rawRequest(`${base}/v0/pipelines/single`);
      assert.strictEqual(r.status, 503);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.body.toString(), /<html>/);
    });

    it('use307: 307 + Retry-After instead of 204, with Location only when given', async () => {
      await rawRequest(samply('single', '?duration_secs=2'), { method: 'POST' });
      emu.faults.use307 = true;
      let r = await rawRequest(samply('single', '?latest=true'));
      assert.strictEqual(r.status, 307);
      assert.match(String(r.headers['retry-after']), /^[12]$/);
      assert.ok(!('location' in r.headers));
      emu.faults.use307 = { location: '/v0/pipelines/single/samply_profile/elsewhere' };
      r = await rawRequest(samply('single', '?latest=true'));
      assert.strictEqual(r.status, 307);
      assert.strictEqual(r.headers.location, '/v0/pipelines/single/samply_profile/elsewhere');
      assert.ok(r.headers['retry-after'] !== undefined);
      // without latest (nothing finished yet) the fault does not apply
      assert.strictEqual((await rawRequest(samply('single', ''))).status, 400);
    });

    it('resetAfterBytes: the connection drops after exactly N body bytes', async () => {
      await readyProfile();
      emu.faults.resetAfterBytes = 1000;
      const d = await download(samply('single', '?latest=true'));
      assert.strictEqual(d.status, 200);
      assert.strictEqual(d.bytes, 1000);
      assert.ok(!d.ended, 'the body must not end normally');
      assert.ok(d.error, 'the client must see an error');
      const s = emu.served[emu.served.length - 1];
      assert.strictEqual(s.complete, false);
      assert.strictEqual(s.length, 1000);
      assert.strictEqual(s.sha256, d.sha256);
    });

    it('stallAfterBytes: sends N bytes then nothing, the socket stays open; stop() still returns', async () => {
      await readyProfile();
      emu.faults.stallAfterBytes = 500;
      let got = 0;
      let closed = false;
      const req = http.get(samply('single', '?latest=true'), { agent: false }, (res) => {
        res.on('data', (c: Buffer) => (got += c.length));
        res.on('error', () => undefined);
        res.on('close', () => (closed = true));
      });
      req.on('error', () => undefined);
      await sleep(400);
      assert.strictEqual(got, 500);
      assert.strictEqual(closed, false, 'the socket must stay open');
      await emu.stop(); // the download never ends by itself: a stop() waiting for it runs into the test's timeout
      await sleep(50);
      assert.strictEqual(closed, true);
    });

    it('nonJsonErrors: error answers become an nginx HTML page with the same status', async () => {
      emu.faults.nonJsonErrors = true;
      const r = await rawRequest(`${base}/v0/pipelines/nope`);
      assert.strictEqual(r.status, 404);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.body.toString(), /nginx/);
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines`)).status, 200, 'successes are untouched');
      const busy = await rawRequest(samply('stopped', ''), { method: 'POST' });
      assert.strictEqual(busy.status, 503);
      assert.match(busy.body.toString(), /<html>/);
    });

    it('proxyErrorStatus: every /v0 request answers e.g. 502 Bad Gateway from nginx', async () => {
      emu.faults.proxyErrorStatus = 502;
      const r = await rawRequest(`${base}/v0/pipelines`);
      assert.strictEqual(r.status, 502);
      assert.match(r.body.toString(), /502 Bad Gateway/);
      assert.strictEqual(r.headers.server, 'nginx/1.27.1');
      emu.faults.proxyErrorStatus = undefined;
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines`)).status, 200);
    });

    it('postDelayMs and delayMs delay the answers', async () => {
      emu.faults.postDelayMs = 300;
      let t0 = Date.now();
      await rawRequest(samply('single', '?duration_secs=5'), { method: 'POST' });
      assert.ok(Date.now() - t0 >= 300);
      emu.faults.delayMs = 1000;
      t0 = Date.now();
      const order: string[] = [];
      const delayed = rawRequest(`${base}/v0/pipelines`).then(() => order.push('/v0/pipelines'));
      const health = rawRequest(`${base}/healthz`).then(() => order.push('/healthz'));
      await Promise.all([delayed, health]);
      assert.ok(Date.now() - t0 >= 990);
      assert.deepStrictEqual(order, ['/healthz', '/v0/pipelines'], '/healthz is not delayed');
    });

    it('a client timing out on a delayed answer does not break the emulator', async () => {
      emu.faults.delayMs = 500;
      await assert.rejects(rawRequest(`${base}/v0/pipelines`, { timeoutMs: 100 }), /timeout/);
      emu.faults.delayMs = 0;
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines`)).status, 200);
    });
  });

  describe('lifecycle', () => {
    it('stop() closes keep-alive sockets and never hangs; start() again works on a new port', async () => {
      const agent = new http.Agent({ keepAlive: true });
      const r = await rawRequest(`${base}/v0/pipelines`, { agent });
      assert.strictEqual(r.status, 200);
      assert.strictEqual(r.headers.connection, 'keep-alive');
      await emu.stop();
      await assert.rejects(rawRequest(`${base}/healthz`));
      agent.destroy();
      base = await emu.start();
      assert.strictEqual((await rawRequest(`${base}/healthz`)).status, 200);
      await emu.stop();
      await emu.stop(); // idempotent
    });

    it('stop() during a pending POST returns promptly', async () => {
      // A stop() that waited for the POST would take a minute, twice this test's timeout.
      emu.setOption('postWaitMs', 60_000);
      const pending = rawRequest(samply('single', '?duration_secs=10'), { method: 'POST' }).catch((e: Error) => e);
      while (emu.requests.length === 0) await sleep(10);
      await emu.stop();
      assert.ok((await pending) instanceof Error);
    });

    it('demoPipelines(): single-host Running, 3-host Running, Stopped, SqlError', () => {
      const d = demoPipelines();
      const running1 = d.filter((p) => (p.deploymentStatus ?? 'Running') === 'Running' && (p.hosts ?? 1) === 1);
      const multi = d.filter((p) => (p.deploymentStatus ?? 'Running') === 'Running' && p.hosts === 3);
      assert.ok(running1.length >= 1 && multi.length >= 1);
      assert.ok(d.some((p) => p.deploymentStatus === 'Stopped' && (p.programStatus ?? 'Success') === 'Success'));
      assert.ok(d.some((p) => p.programStatus === 'SqlError'));
    });
  });

  describe('large profiles', () => {
    it('64 MiB compressed streams through gunzip as valid v57 JSON while memory stays flat', async function () {
      this.timeout(60000);
      const target = 64 * 1024 * 1024;
      // Calibrate once before measuring (one-off cost, not per byte).
      largeProfilePlan({ pipeline: 'single' }, target);
      emu.faults.profileBytes = target;
      emu.setOption('timeScale', 0.2);
      await rawRequest(samply('single', '?duration_secs=1'), { method: 'POST' });
      await sleep(250);

      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
      const gunzip = zlib.createGunzip();
      let head = '';
      let tail = '';
      let plain = 0;
      gunzip.on('data', (c: Buffer) => {
        plain += c.length;
        if (head.length < 200) head += c.toString('latin1').slice(0, 200 - head.length);
        tail = (tail + c.subarray(Math.max(0, c.length - 200)).toString('latin1')).slice(-200);
      });
      const gunzipDone = new Promise<void>((resolve, reject) => {
        gunzip.on('end', resolve);
        gunzip.on('error', reject);
      });
      let d: Download;
      try {
        d = await download(samply('single', '?latest=true'), { keep: 0, onData: (c) => gunzip.write(c) });
        gunzip.end();
        await gunzipDone;
      } finally {
        clearInterval(timer);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      assert.strictEqual(d.status, 200);
      assert.ok(d.ended && !d.error);
      assert.ok(!rawHeaderNames(d).includes('content-length'));
      assert.ok(Math.abs(d.bytes - target) / target < 0.05, `compressed ${d.bytes} vs ${target}`);
      assert.ok(plain > d.bytes, 'uncompressed must be larger');
      assert.ok(head.startsWith('{"meta":{"version":24,"preprocessedProfileVersion":57,'), head.slice(0, 80));
      assert.ok(/"\]\}\}$/.test(tail), `ends with ${tail.slice(-40)}`);
      const growth = (peak - rss0) / (1024 * 1024);
      assert.ok(growth < 100, `rss grew ${growth.toFixed(1)} MiB`);
      const s = emu.served[emu.served.length - 1];
      assert.strictEqual(s.length, d.bytes);
      assert.strictEqual(s.sha256, d.sha256);
      assert.strictEqual(s.body, undefined, 'large bodies are not kept');
      assert.strictEqual(s.complete, true);
    });
  });
});
