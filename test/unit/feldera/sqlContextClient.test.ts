// FelderaClient.dataflowGraph and circuitJsonProfile against the emulator (real HTTP on loopback), plus a bare server
// for what the emulator never does (a body that stalls, a 200 that is not JSON).
import * as assert from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { FelderaClient } from '../../../src/feldera/client';
import type { ApiError, ApiResult } from '../../../src/feldera/types';
import { FelderaEmulator } from '../../emulator/emulator';
import { BUILTIN_OPERATORS } from '../../emulator/sqlContext';

function err<T>(r: ApiResult<T>): ApiError {
  assert.ok(!r.ok, 'expected an error');
  return r.error;
}

function code(r: ApiResult<unknown>): string {
  const e = err(r);
  return e.kind === 'feldera' ? `${e.status} ${e.errorCode}` : e.kind;
}

describe('FelderaClient: dataflow graph and circuit profile (emulator)', function () {
  this.timeout(20000);
  let emu: FelderaEmulator;
  let client: FelderaClient;
  const requests = (suffix: string) => emu.requests.filter((r) => r.path.endsWith(suffix)).length;

  before(async () => {
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'run', workers: 4 },
        { name: 'paused', deploymentStatus: 'Paused', workers: 20 },
        { name: 'stopped', deploymentStatus: 'Stopped' },
        { name: 'broken', deploymentStatus: 'Stopped', programStatus: 'SqlError', programCode: 'CREATE VIEW v AS x;' },
        { name: 'old', noDataflowGraph: true },
        { name: 'own-sql', programCode: 'CREATE TABLE t (x INT);' },
      ],
    });
    client = new FelderaClient({
      baseUrl: await emu.start(),
      retry: { deadlineMs: 2000, initialDelayMs: 10, maxDelayMs: 50 },
      requestTimeoutMs: 300,
    });
  });
  after(() => emu.stop());
  afterEach(() => {
    emu.faults = {};
    emu.clearRequests();
  });

  it('dataflowGraph: the MIR of the program the pipeline shows as program_code', async () => {
    const r = await client.dataflowGraph('run');
    assert.ok(r.ok);
    const ids = Object.keys(r.value.mir);
    const ctx = emu.sqlContext();
    assert.deepStrictEqual(ids, Object.keys(ctx.dataflowGraph.mir as object));
    assert.ok(!('sources' in r.value));
    const p = await client.getPipeline('run', 'all');
    assert.ok(p.ok);
    assert.strictEqual(p.value.program_code, ctx.sql);
    assert.strictEqual(typeof p.value.program_version, 'number');
  });

  it('dataflowGraph errors: 404 ProgramNotCompiled, ProgramInfoMissesDataflow, UnknownPipelineName — not retried', async () => {
    assert.strictEqual(code(await client.dataflowGraph('broken')), '404 ProgramNotCompiled');
    assert.strictEqual(code(await client.dataflowGraph('old')), '404 ProgramInfoMissesDataflow');
    assert.strictEqual(code(await client.dataflowGraph('nope')), '404 UnknownPipelineName');
    assert.strictEqual(requests('/dataflow_graph'), 3);
    // A stopped pipeline keeps its compiled program's graph.
    assert.ok((await client.dataflowGraph('stopped')).ok);
  });

  it('circuitJsonProfile: the node map, one worker profile per worker, for running and paused pipelines', async () => {
    const run = await client.circuitJsonProfile('run');
    assert.ok(run.ok);
    assert.strictEqual(run.value.workers, 4);
    const expected =
      emu.sqlContext().source === 'fixtures' ? 80 : BUILTIN_OPERATORS.filter(([, , ref]) => ref !== undefined).length;
    assert.strictEqual(run.value.persistentIds.size, expected);
    const paused = await client.circuitJsonProfile('paused');
    assert.ok(paused.ok);
    assert.strictEqual(paused.value.workers, 20);
    assert.deepStrictEqual(paused.value.persistentIds, run.value.persistentIds);
    const own = await client.circuitJsonProfile('own-sql');
    assert.ok(own.ok);
    assert.strictEqual(own.value.persistentIds.size, 0);
  });

  it('circuitJsonProfile of a stopped pipeline: 503 PipelineInteractionNotDeployed at once, not retried', async () => {
    assert.strictEqual(code(await client.circuitJsonProfile('stopped')), '503 PipelineInteractionNotDeployed');
    assert.strictEqual(requests('/circuit_json_profile'), 1);
    assert.strictEqual(code(await client.circuitJsonProfile('nope')), '404 UnknownPipelineName');
  });

  it('waits for a slow circuit profile past the client’s usual timeout; its own timeout still applies', async () => {
    emu.faults.circuitProfileDelayMs = 800; // the client's JSON timeout is 300 ms
    assert.ok((await client.circuitJsonProfile('run')).ok);
    const r = await client.circuitJsonProfile('run', { timeoutMs: 100 }, undefined);
    assert.strictEqual(err(r).kind, 'timeout');
  });

  it('a body larger than the limit is a protocol error that names the limit', async () => {
    const r = await client.circuitJsonProfile('run', { maxBytes: 2 * 1024 * 1024 });
    assert.ok(r.ok, 'the served profile is below 2 MiB');
    const small = await client.circuitJsonProfile('run', { maxBytes: 1024 });
    const e = err(small);
    assert.strictEqual(e.kind, 'protocol');
    assert.match((e as { message: string }).message, /larger than/);
  });

  it('cancelling while the pipeline builds the profile returns cancelled at once', async () => {
    emu.faults.circuitProfileDelayMs = 10_000;
    const ac = new AbortController();
    const p = client.circuitJsonProfile('run', {}, ac.signal);
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    assert.strictEqual(err(await p).kind, 'cancelled');
    assert.ok(Date.now() - started < 5000);
  });
});

describe('FelderaClient.circuitJsonProfile: bodies the emulator never sends', function () {
  this.timeout(20000);
  let server: http.Server;
  let base: string;
  let handler: (res: http.ServerResponse) => void = () => undefined;

  before(async () => {
    server = http.createServer((_req, res) => handler(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a body that stops arriving is a timeout, and the connection is dropped', async () => {
    let closed = false;
    handler = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"worker_profiles": [');
      res.on('close', () => (closed = true));
    };
    const client = new FelderaClient({ baseUrl: base });
    const r = await client.circuitJsonProfile('p', { stallMs: 200 });
    const e = err(r);
    assert.strictEqual(e.kind, 'timeout');
    assert.match((e as { message: string }).message, /stopped arriving/);
    for (let i = 0; i < 100 && !closed; i++) await new Promise((r2) => setTimeout(r2, 20));
    assert.ok(closed, 'the request was aborted');
  });

  it('a 200 that is not JSON (a proxy page) or is cut short is a protocol error', async () => {
    const client = new FelderaClient({ baseUrl: base });
    handler = (res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login</html>');
    };
    assert.strictEqual(err(await client.circuitJsonProfile('p')).kind, 'protocol');
    handler = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"worker_profiles": [{"metadata": {');
    };
    const e = err(await client.circuitJsonProfile('p'));
    assert.strictEqual(e.kind, 'protocol');
    assert.match((e as { message: string }).message, /ended early/);
  });
});
