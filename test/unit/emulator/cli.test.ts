// The standalone emulator: prints FELDERA_HOST, serves the demo set, exits cleanly on SIGTERM/SIGINT.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { rawRequest } from '../../emulator/emulator';
import { parseArgs } from '../../emulator/cli';

// Compiled to out/test/unit/emulator; the CLI is out/test/emulator/cli.js.
const CLI = path.resolve(__dirname, '../../emulator/cli.js');

function startCli(args: string[]): Promise<{ child: ChildProcess; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no FELDERA_HOST line within 10 s; stderr: ${err}`));
    }, 10000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (/FELDERA_HOST=\S+\n/.test(out)) {
        clearTimeout(timer);
        setTimeout(() => resolve({ child, lines: out.trim().split('\n') }), 20);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cli exited early with ${code}: ${err}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

describe('emulator cli', function () {
  this.timeout(20000);

  it('parses its arguments', () => {
    assert.deepStrictEqual(parseArgs([]), { port: 0, host: '127.0.0.1', apiKeys: [], demo: false });
    const a = parseArgs(['--port', '8089', '--auth', 'k1', '--auth', 'k2', '--demo', '--profile-bytes', '1000']);
    assert.strictEqual(a.port, 8089);
    assert.deepStrictEqual(a.apiKeys, ['k1', 'k2']);
    assert.strictEqual(a.demo, true);
    assert.strictEqual(a.profileBytes, 1000);
    assert.throws(() => parseArgs(['--port']), /--port needs a number/);
    assert.throws(() => parseArgs(['--bogus']), /unknown argument/);
  });

  it('--demo --auth KEY: prints FELDERA_HOST, serves the demo pipelines behind the key, exits 0 on SIGTERM', async () => {
    const { child, lines } = await startCli(['--demo', '--auth', 'apikey:demo']);
    try {
      const hostLine = lines.find((l) => l.startsWith('FELDERA_HOST='))!;
      assert.match(hostLine, /^FELDERA_HOST=http:\/\/127\.0\.0\.1:\d+$/);
      const base = hostLine.slice('FELDERA_HOST='.length);
      assert.strictEqual((await rawRequest(`${base}/healthz`)).status, 200);
      assert.strictEqual((await rawRequest(`${base}/v0/pipelines`)).status, 401);
      const r = await rawRequest(`${base}/v0/pipelines?selector=all`, {
        headers: { Authorization: 'Bearer apikey:demo' },
      });
      assert.strictEqual(r.status, 200);
      const list = JSON.parse(r.body.toString()) as {
        deployment_status: string;
        program_status: string;
        runtime_config: { hosts: number };
        program_error: { sql_compilation: unknown };
      }[];
      assert.ok(list.some((p) => p.deployment_status === 'Running' && p.runtime_config.hosts === 1));
      assert.ok(list.some((p) => p.deployment_status === 'Running' && p.runtime_config.hosts === 3));
      assert.ok(list.some((p) => p.deployment_status === 'Stopped' && p.program_status === 'Success'));
      assert.ok(list.some((p) => p.program_status === 'SqlError' && p.program_error.sql_compilation !== null));
    } finally {
      child.kill('SIGTERM');
    }
    assert.strictEqual(await exitOf(child), 0);
  });

  it('--port N listens there and exits 0 on SIGINT', async () => {
    // Find a free port first.
    const probe = await startCli([]);
    const port = Number(/:(\d+)$/.exec(probe.lines[0])![1]);
    probe.child.kill('SIGINT');
    assert.strictEqual(await exitOf(probe.child), 0);
    const { child, lines } = await startCli(['--port', String(port)]);
    try {
      assert.strictEqual(lines[0], `FELDERA_HOST=http://127.0.0.1:${port}`);
      const r = await rawRequest(`http://127.0.0.1:${port}/v0/pipelines`);
      assert.deepStrictEqual(JSON.parse(r.body.toString()), []);
    } finally {
      child.kill('SIGINT');
    }
    assert.strictEqual(await exitOf(child), 0);
  });
});
