// Contract test: what the emulator answers must be what Feldera's own OpenAPI spec describes, except for an explicit
// table of places where the spec is wrong (API-NOTES.md) or where a fault deliberately leaves the contract. Each
// exception is checked to still be a real difference, and to still be exercised, so the table cannot rot.
//
// The spec is read in place from ../shared/feldera/openapi.json relative to the repo root (never copied into the
// project). FELDERA_OPENAPI can point elsewhere. When it is absent the whole suite is skipped.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FelderaEmulator, rawRequest, type RawResponse } from '../../emulator/emulator';

// Compiled to out/test/unit/emulator: the repo root is four levels up.
const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SPEC_PATH = process.env.FELDERA_OPENAPI ?? path.resolve(REPO_ROOT, '../shared/feldera/openapi.json');

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Json }[];
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Json }> }>;
  description?: string;
}

/** The operations the extension uses. */
const OPS = {
  listPipelines: { method: 'get', path: '/v0/pipelines' },
  getPipeline: { method: 'get', path: '/v0/pipelines/{pipeline_name}' },
  getSamply: { method: 'get', path: '/v0/pipelines/{pipeline_name}/samply_profile' },
  postSamply: { method: 'post', path: '/v0/pipelines/{pipeline_name}/samply_profile' },
  dataflowGraph: { method: 'get', path: '/v0/pipelines/{pipeline_name}/dataflow_graph' },
  circuitProfile: { method: 'get', path: '/v0/pipelines/{pipeline_name}/circuit_json_profile' },
  config: { method: 'get', path: '/v0/config' },
  authConfig: { method: 'get', path: '/config/authentication' },
  healthz: { method: 'get', path: '/healthz' },
} as const;
type OpName = keyof typeof OPS;
const SPEC_OPS: OpName[] = [
  'listPipelines',
  'getPipeline',
  'getSamply',
  'postSamply',
  'dataflowGraph',
  'circuitProfile',
  'config',
  'authConfig',
];
const V0_OPS: OpName[] = [
  'listPipelines',
  'getPipeline',
  'getSamply',
  'postSamply',
  'dataflowGraph',
  'circuitProfile',
  'config',
];

/** The query parameters the extension sends, with values it sends. */
const QUERY_PARAMS: { op: OpName; name: string; values: unknown[] }[] = [
  { op: 'listPipelines', name: 'selector', values: ['all', 'status', 'status_with_connectors'] },
  { op: 'getPipeline', name: 'selector', values: ['all', 'status', 'status_with_connectors'] },
  { op: 'postSamply', name: 'duration_secs', values: [1, 30, 3600] },
  { op: 'postSamply', name: 'ordinal', values: [0, 2] },
  { op: 'getSamply', name: 'ordinal', values: [0, 2] },
  { op: 'getSamply', name: 'latest', values: [true] },
];

/** One answer the emulator gave, with the operation it belongs to. */
interface Observation {
  label: string;
  op: OpName;
  status: number;
  contentType: string;
  body: Buffer;
  /** From a fault: deliberately outside the contract. */
  fault?: string;
}

interface Ctx {
  spec: Json;
  op(name: OpName): Operation | undefined;
  schema(pointer: string): ValidateFunction;
}

/** A place where the emulator (following the real server, or a fault) differs from the spec. */
interface SpecException {
  id: string;
  reason: string;
  /** Which observations it covers. */
  matches(o: Observation): boolean;
  /** True while the spec still says something different (else the exception is stale and must go). */
  stillDiffers(ctx: Ctx): boolean;
}

const isJson = (o: Observation): boolean => /^application\/json/.test(o.contentType);
const jsonBody = (o: Observation): unknown => JSON.parse(o.body.toString('utf8'));

const EXCEPTIONS: SpecException[] = [
  {
    id: 'healthz-not-in-spec',
    reason:
      'GET /healthz answers 200 {"status":"healthy"} without auth, but the spec has no /healthz path (API-NOTES).',
    matches: (o) => o.op === 'healthz' && o.status === 200,
    stillDiffers: (c) => !('/healthz' in (c.spec.paths as Json)),
  },
  {
    id: 'auth-config-empty-object',
    reason:
      'With auth off, GET /config/authentication answers {} ("or is empty if no auth is configured" in the ' +
      "spec's own description), but its AuthProvider schema is a oneOf of AwsCognito/GenericOidc that rejects {}.",
    matches: (o) => o.op === 'authConfig' && o.status === 200 && isJson(o) && JSON.stringify(jsonBody(o)) === '{}',
    stillDiffers: (c) => {
      const v = c.schema('#/components/schemas/AuthProvider');
      return !v({}) && /empty/i.test(c.op('authConfig')?.responses['200']?.description ?? '');
    },
  },
  {
    id: 'samply-get-204',
    reason:
      'GET samply_profile?latest=true during a collection: the server answers 204 No Content + Retry-After. The spec ' +
      "lists no 204 and its description promises 307 (API-NOTES: 'spec is wrong').",
    matches: (o) => o.op === 'getSamply' && o.status === 204,
    stillDiffers: (c) => {
      const op = c.op('getSamply');
      return !!op && !('204' in op.responses) && /307/.test(op.description ?? '');
    },
  },
  {
    id: 'samply-get-307-fault',
    reason:
      "Fault use307: the 307 + Retry-After the spec's prose promises. The spec's response list has no 307 either; the " +
      'real server never sends it, clients must treat it like 204 and never follow it.',
    matches: (o) => o.op === 'getSamply' && o.status === 307 && o.fault === 'use307',
    stillDiffers: (c) => !!c.op('getSamply') && !('307' in c.op('getSamply')!.responses),
  },
  {
    id: 'samply-post-200-legacy',
    reason:
      'Servers older than January 2026 answer POST samply_profile with 200 (option legacy200); the spec lists 202.',
    matches: (o) => o.op === 'postSamply' && o.status === 200,
    stillDiffers: (c) => !!c.op('postSamply') && !('200' in c.op('postSamply')!.responses),
  },
  {
    id: 'samply-post-400-ordinal',
    reason:
      "An out-of-range ordinal is routed by Feldera's closed-source coordinator; the emulator answers 400 " +
      'InvalidOrdinal (API-NOTES: treat any 4xx as a clear error). The spec lists no 400 for the POST.',
    matches: (o) => o.op === 'postSamply' && o.status === 400,
    stillDiffers: (c) => !!c.op('postSamply') && !('400' in c.op('postSamply')!.responses),
  },
  {
    id: 'unauthorized-401',
    reason:
      'A bad API key gets 401 {"message":"Unauthorized API key","error_code":"AuthenticationFailed"}, text/plain, ' +
      'without `details` (API-NOTES). No operation lists 401 and ErrorResponse requires `details`.',
    matches: (o) => V0_OPS.includes(o.op) && o.status === 401,
    stillDiffers: (c) => {
      const noneList401 = V0_OPS.every((n) => !!c.op(n) && !('401' in c.op(n)!.responses));
      const body = { message: 'Unauthorized API key', error_code: 'AuthenticationFailed' };
      return noneList401 && !c.schema('#/components/schemas/ErrorResponse')(body);
    },
  },
  {
    id: 'query-deserialize-400',
    reason:
      'actix rejects a query it cannot parse (e.g. selector=bogus) with 400 and a plain-text body before any ' +
      'handler runs; the spec lists no 400 for listing or getting pipelines.',
    matches: (o) =>
      (o.op === 'listPipelines' || o.op === 'getPipeline') && o.status === 400 && /^text\/plain/.test(o.contentType),
    stillDiffers: (c) =>
      !('400' in (c.op('listPipelines')?.responses ?? {})) && !('400' in (c.op('getPipeline')?.responses ?? {})),
  },
  {
    id: 'transient-503-fault',
    reason:
      'Fault fail503Times: a 503 PipelineInteractionUnreachable on any /v0 route (overload, restarts). The spec ' +
      'lists 503 only for the samply operations, but its preamble tells clients to retry 503 anywhere.',
    matches: (o) => o.fault === 'fail503Times' && o.status === 503,
    stillDiffers: (c) =>
      (['listPipelines', 'getPipeline', 'config'] as OpName[]).every(
        (n) => !!c.op(n) && !('503' in c.op(n)!.responses),
      ),
  },
  {
    id: 'proxy-html-pages',
    reason:
      'Faults proxyErrorStatus / nonJsonErrors / fail503Html: a reverse proxy answers 502/504 or any error with an ' +
      "HTML page. The spec's preamble admits this, but no operation lists 502 and error bodies are declared JSON only.",
    matches: (o) => /^text\/html/.test(o.contentType) && o.fault !== undefined,
    stillDiffers: (c) =>
      SPEC_OPS.every((n) => {
        const op = c.op(n);
        if (!op || '502' in op.responses) return false;
        return Object.entries(op.responses).every(
          ([st, r]) => Number(st) < 400 || Object.keys(r.content ?? {}).every((ct) => ct === 'application/json'),
        );
      }),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI 3.0 → JSON Schema (draft-07, what Ajv speaks): `nullable: true` becomes a null type/alternative.

function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    // Data, not schemas: leave examples, defaults and enum values alone.
    out[k] = k === 'example' || k === 'examples' || k === 'default' || k === 'enum' ? v : convertNullable(v);
  }
  if (typeof out.nullable !== 'boolean') return out;
  const nullable = out.nullable;
  delete out.nullable;
  if (!nullable) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    return out;
  }
  if ('allOf' in out || 'oneOf' in out || 'anyOf' in out || '$ref' in out) return { anyOf: [out, { type: 'null' }] };
  return out; // no type constraint: null is already allowed
}

function loadCtx(): Ctx {
  const spec = JSON.parse(fs.readFileSync(SPEC_PATH, 'utf8')) as Json;
  const version = String(spec.openapi);
  let ajv: Ajv;
  let doc: Json;
  if (version.startsWith('3.0')) {
    ajv = new Ajv({ strict: false, allErrors: true });
    doc = convertNullable(spec) as Json;
  } else {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv2020 = (require('ajv/dist/2020') as { default: typeof Ajv }).default;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    doc = spec;
  }
  addFormats(ajv);
  ajv.addFormat('uint64', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  ajv.addSchema(doc, 'spec');
  const cache = new Map<string, ValidateFunction>();
  return {
    spec,
    op(name) {
      const { method, path: p } = OPS[name];
      const item = (spec.paths as Record<string, Record<string, Operation>>)[p];
      return item?.[method];
    },
    schema(pointer) {
      let v = cache.get(pointer);
      if (!v) {
        const got = ajv.getSchema(`spec${pointer}`);
        if (!got) throw new Error(`no schema at ${pointer}`);
        v = got;
        cache.set(pointer, v);
      }
      return v;
    },
  };
}

const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

// ---------------------------------------------------------------------------------------------------------------

describe('contract: emulator vs Feldera OpenAPI spec', function () {
  this.timeout(30000);
  let ctx: Ctx;
  const observations: Observation[] = [];

  before(async function () {
    if (!fs.existsSync(SPEC_PATH)) {
      console.log(`      skipped: ../shared/feldera/openapi.json not found (looked at ${SPEC_PATH})`);
      this.skip();
    }
    ctx = loadCtx();
    await observe(observations);
  });

  it('the spec is OpenAPI 3.x and has every operation the extension uses', () => {
    assert.match(String(ctx.spec.openapi), /^3\./);
    for (const n of SPEC_OPS) assert.ok(ctx.op(n), `${OPS[n].method.toUpperCase()} ${OPS[n].path} is in the spec`);
  });

  it('the query parameters the extension sends are defined for those operations, with matching schemas', () => {
    for (const q of QUERY_PARAMS) {
      const op = ctx.op(q.op)!;
      const idx = (op.parameters ?? []).findIndex((p) => p.name === q.name && p.in === 'query');
      assert.ok(idx >= 0, `${q.name} is a query parameter of ${OPS[q.op].method.toUpperCase()} ${OPS[q.op].path}`);
      assert.ok(!op.parameters![idx].required, `${q.name} is optional`);
      const v = ctx.schema(`#/paths/${escapePointer(OPS[q.op].path)}/${OPS[q.op].method}/parameters/${idx}/schema`);
      for (const value of q.values) assert.ok(v(value), `${q.name}=${String(value)}: ${JSON.stringify(v.errors)}`);
    }
  });

  it('the emulator only received query parameters the spec defines', () => {
    // (the observation run below sent them; an unknown one would mean the scenario drifted from the spec)
    const defined = (n: OpName): string[] =>
      (ctx.op(n)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const sent = observations.filter((x) => SPEC_OPS.includes(x.op));
    assert.ok(sent.length > 0, 'no request of the spec was observed: nothing checked');
    for (const o of sent) {
      const url = new URL(o.label.split(' ')[1], 'http://x');
      for (const k of url.searchParams.keys()) {
        if (k === 'selector' && url.searchParams.get(k) === 'bogus') continue;
        assert.ok(defined(o.op).includes(k), `${o.label}: ${k} is not a parameter of ${OPS[o.op].path}`);
      }
    }
  });

  it('every answer has a status the spec lists and a body that validates against its schema (or an exception)', () => {
    assert.ok(observations.length > 40, `only ${observations.length} observations`);
    const failures: string[] = [];
    for (const o of observations) {
      const problem = checkObservation(ctx, o);
      if (problem === undefined) continue;
      const exc = EXCEPTIONS.filter((e) => e.matches(o));
      if (exc.length === 0) failures.push(`${o.label} → ${o.status}: ${problem}`);
    }
    assert.deepStrictEqual(failures, []);
  });

  it('the statuses the spec lists for these operations are really produced (coverage of the scenario)', () => {
    const seen = (op: OpName, st: number): boolean =>
      observations.some((o) => o.op === op && o.status === st && !o.fault);
    const want: [OpName, number][] = [
      ['listPipelines', 200],
      ['getPipeline', 200],
      ['getPipeline', 404],
      ['getSamply', 200],
      ['getSamply', 400],
      ['getSamply', 404],
      ['getSamply', 500],
      ['getSamply', 503],
      ['postSamply', 202],
      ['postSamply', 404],
      ['postSamply', 409],
      ['postSamply', 500],
      ['postSamply', 503],
      ['dataflowGraph', 200],
      ['dataflowGraph', 404],
      ['circuitProfile', 200],
      ['circuitProfile', 404],
      ['circuitProfile', 503],
      ['config', 200],
      ['authConfig', 200],
    ];
    for (const [op, st] of want) {
      assert.ok(seen(op, st), `${op} ${st} was not observed`);
      assert.ok(String(st) in ctx.op(op)!.responses, `${op} ${st} is listed in the spec`);
    }
  });

  it('the SQL-context errors carry the error codes clients tell apart (ErrorResponse bodies)', () => {
    const codes = (op: OpName, status: number): string[] =>
      observations
        .filter((o) => o.op === op && o.status === status && !o.fault && isJson(o))
        .map((o) => String((jsonBody(o) as { error_code?: unknown }).error_code));
    const df404 = codes('dataflowGraph', 404);
    for (const c of ['ProgramNotCompiled', 'ProgramInfoMissesDataflow', 'UnknownPipelineName']) {
      assert.ok(df404.includes(c), `dataflow_graph 404 ${c}`);
    }
    const cp503 = codes('circuitProfile', 503);
    for (const c of ['PipelineInteractionNotDeployed', 'PipelineInteractionUnreachable', 'Initializing', 'Suspended']) {
      assert.ok(cp503.includes(c), `circuit_json_profile 503 ${c}`);
    }
  });

  describe('exceptions table', () => {
    for (const e of EXCEPTIONS) {
      it(`${e.id}: still a difference, and still exercised`, () => {
        assert.ok(e.reason.length > 20);
        assert.ok(e.stillDiffers(ctx), `the spec no longer differs here: drop exception ${e.id}`);
        const used = observations.filter((o) => e.matches(o));
        assert.ok(used.length > 0, `no observation needs exception ${e.id}: drop it or exercise it`);
        assert.ok(
          used.some((o) => checkObservation(ctx, o) !== undefined),
          `exception ${e.id} matches only answers that already conform: it is stale`,
        );
      });
    }
  });
});

/** undefined when the answer conforms to the spec; else what is wrong. */
function checkObservation(ctx: Ctx, o: Observation): string | undefined {
  const op = ctx.op(o.op);
  if (!op) return `${OPS[o.op].path} is not in the spec`;
  const resp = op.responses[String(o.status)];
  if (!resp) return `status ${o.status} is not listed (spec lists ${Object.keys(op.responses).join(', ')})`;
  const content = resp.content ?? {};
  const types = Object.keys(content);
  if (types.length === 0) return o.body.length === 0 ? undefined : 'the spec declares no body, but one was sent';
  const mediaType = o.contentType.split(';')[0].trim();
  if (!types.includes(mediaType)) return `content type ${o.contentType || '(none)'} is not one of ${types.join(', ')}`;
  if (mediaType !== 'application/json') return undefined; // e.g. application/gzip: binary
  let body: unknown;
  try {
    body = JSON.parse(o.body.toString('utf8'));
  } catch {
    return 'the body is not JSON';
  }
  const pointer = `#/paths/${escapePointer(OPS[o.op].path)}/${OPS[o.op].method}/responses/${o.status}/content/${escapePointer(mediaType)}/schema`;
  const v = ctx.schema(pointer);
  if (v(body)) return undefined;
  return `body does not validate: ${JSON.stringify(v.errors?.slice(0, 3))}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The scenario: drive two emulators through every state and fault and record what they answered.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function observe(out: Observation[]): Promise<void> {
  const emu = new FelderaEmulator({
    pipelines: [
      { name: 'single', workers: 4 },
      { name: 'multi', hosts: 3, workers: 6 },
      { name: 'paused', deploymentStatus: 'Paused' },
      { name: 'stopped', deploymentStatus: 'Stopped' },
      { name: 'broken', deploymentStatus: 'Stopped', programStatus: 'SqlError' },
      { name: 'rust-broken', deploymentStatus: 'Stopped', programStatus: 'RustError' },
      { name: 'compiling', deploymentStatus: 'Stopped', programStatus: 'CompilingSql' },
      {
        name: 'crashed',
        deploymentStatus: 'Stopped',
        deploymentError: { message: 'pod crashed', error_code: 'RunnerError', details: { reason: 'OOMKilled' } },
      },
      { name: 'unavailable', deploymentStatus: 'Unavailable' },
      { name: 'initializing', deploymentStatus: 'Initializing' },
      { name: 'suspended', deploymentStatus: 'Suspended' },
      { name: 'provisioning', deploymentStatus: 'Provisioning' },
      { name: 'old-compiler', deploymentStatus: 'Stopped', noDataflowGraph: true },
      { name: 'own-sql', programCode: 'CREATE TABLE t (x INT);' },
    ],
    postWaitMs: 20,
    timeScale: 0.3,
  });
  const auth = new FelderaEmulator({ pipelines: [{ name: 'p' }], apiKeys: ['apikey:good'], postWaitMs: 20 });
  const base = await emu.start();
  const authBase = await auth.start();
  const names = emu.pipelines().map((p) => p.name);

  const rec = async (
    op: OpName,
    method: string,
    url: string,
    opts: { headers?: Record<string, string>; fault?: string; base?: string } = {},
  ): Promise<RawResponse> => {
    const r = await rawRequest(`${opts.base ?? base}${url}`, { method, headers: opts.headers });
    out.push({
      label: `${method} ${url}`,
      op,
      status: r.status,
      contentType: String(r.headers['content-type'] ?? ''),
      body: r.body,
      fault: opts.fault,
    });
    return r;
  };
  const sp = (name: string, q: string): string => `/v0/pipelines/${name}/samply_profile${q}`;

  try {
    await rec('healthz', 'GET', '/healthz');
    await rec('authConfig', 'GET', '/config/authentication');
    await rec('authConfig', 'GET', '/config/authentication', { base: authBase });
    await rec('config', 'GET', '/v0/config');
    for (const q of ['', '?selector=all', '?selector=status', '?selector=status_with_connectors']) {
      await rec('listPipelines', 'GET', `/v0/pipelines${q}`);
      for (const n of names) await rec('getPipeline', 'GET', `/v0/pipelines/${n}${q}`);
    }
    await rec('getPipeline', 'GET', '/v0/pipelines/nope?selector=status');
    await rec('listPipelines', 'GET', '/v0/pipelines?selector=bogus');

    // samply: errors before anything was collected
    await rec('getSamply', 'GET', sp('single', '?latest=true'));
    await rec('getSamply', 'GET', sp('multi', '?ordinal=2'));
    await rec('getSamply', 'GET', sp('nope', ''));
    await rec('postSamply', 'POST', sp('nope', '?duration_secs=1'));
    for (const n of ['stopped', 'unavailable', 'initializing', 'suspended', 'provisioning']) {
      await rec('postSamply', 'POST', sp(n, '?duration_secs=1'));
      await rec('getSamply', 'GET', sp(n, '?latest=true'));
    }
    await rec('getSamply', 'GET', sp('multi', '?ordinal=3&latest=true'));
    await rec('postSamply', 'POST', sp('multi', '?ordinal=3&duration_secs=1'));
    await rec('postSamply', 'POST', sp('single', '?duration_secs=0'));
    emu.faults.failNextCollection = 'perf_event_paranoid is 4';
    await rec('postSamply', 'POST', sp('multi', '?duration_secs=1&ordinal=2'));
    await rec('getSamply', 'GET', sp('multi', '?ordinal=2&latest=true'));

    // a collection: 202, 409, 204, 307 (fault), then 200
    await rec('postSamply', 'POST', sp('multi', '?duration_secs=2&ordinal=1'));
    await rec('postSamply', 'POST', sp('multi', '?duration_secs=2&ordinal=1'));
    await rec('getSamply', 'GET', sp('multi', '?ordinal=1&latest=true'));
    emu.faults.use307 = { location: '/somewhere' };
    await rec('getSamply', 'GET', sp('multi', '?ordinal=1&latest=true'), { fault: 'use307' });
    emu.faults.use307 = undefined;
    emu.setOption('legacy200', true);
    await rec('postSamply', 'POST', sp('paused', '?duration_secs=1'));
    emu.setOption('legacy200', false);
    await sleep(650);
    await rec('getSamply', 'GET', sp('multi', '?ordinal=1&latest=true'));
    await rec('getSamply', 'GET', sp('paused', ''));

    // SQL context: the dataflow graph (no running pipeline needed) and the circuit profile (running or paused only)
    const df = (name: string): string => `/v0/pipelines/${name}/dataflow_graph`;
    const cp = (name: string): string => `/v0/pipelines/${name}/circuit_json_profile`;
    for (const n of ['single', 'stopped', 'own-sql', 'broken', 'compiling', 'old-compiler', 'nope']) {
      await rec('dataflowGraph', 'GET', df(n));
    }
    for (const n of ['single', 'multi', 'paused', 'own-sql', 'stopped', 'unavailable', 'initializing', 'suspended']) {
      await rec('circuitProfile', 'GET', cp(n));
    }
    await rec('circuitProfile', 'GET', cp('nope'));

    // authentication
    for (const headers of [{}, { Authorization: 'Bearer apikey:bad' }] as Record<string, string>[]) {
      await rec('listPipelines', 'GET', '/v0/pipelines?selector=status', { base: authBase, headers });
      await rec('getPipeline', 'GET', '/v0/pipelines/p', { base: authBase, headers });
      await rec('config', 'GET', '/v0/config', { base: authBase, headers });
      await rec('postSamply', 'POST', sp('p', '?duration_secs=1'), { base: authBase, headers });
      await rec('getSamply', 'GET', sp('p', '?latest=true'), { base: authBase, headers });
      await rec('dataflowGraph', 'GET', '/v0/pipelines/p/dataflow_graph', { base: authBase, headers });
      await rec('circuitProfile', 'GET', '/v0/pipelines/p/circuit_json_profile', { base: authBase, headers });
    }
    await rec('listPipelines', 'GET', '/v0/pipelines', {
      base: authBase,
      headers: { Authorization: 'Bearer apikey:good' },
    });

    // faults
    emu.faults.fail503Times = 5;
    await rec('listPipelines', 'GET', '/v0/pipelines?selector=status', { fault: 'fail503Times' });
    await rec('getPipeline', 'GET', '/v0/pipelines/single', { fault: 'fail503Times' });
    await rec('config', 'GET', '/v0/config', { fault: 'fail503Times' });
    await rec('getSamply', 'GET', sp('single', ''), { fault: 'fail503Times' });
    await rec('postSamply', 'POST', sp('single', '?duration_secs=1'), { fault: 'fail503Times' });
    emu.faults.fail503Times = 1;
    emu.faults.fail503Html = true;
    await rec('listPipelines', 'GET', '/v0/pipelines', { fault: 'fail503Html' });
    emu.faults.fail503Html = false;
    emu.faults.proxyErrorStatus = 502;
    await rec('listPipelines', 'GET', '/v0/pipelines', { fault: 'proxyErrorStatus' });
    await rec('getSamply', 'GET', sp('single', ''), { fault: 'proxyErrorStatus' });
    emu.faults.proxyErrorStatus = undefined;
    emu.faults.nonJsonErrors = true;
    await rec('getPipeline', 'GET', '/v0/pipelines/nope', { fault: 'nonJsonErrors' });
    await rec('dataflowGraph', 'GET', '/v0/pipelines/old-compiler/dataflow_graph', { fault: 'nonJsonErrors' });
    await rec('postSamply', 'POST', sp('stopped', ''), { fault: 'nonJsonErrors' });
    emu.faults.nonJsonErrors = false;
  } finally {
    await emu.stop();
    await auth.stop();
  }
}
