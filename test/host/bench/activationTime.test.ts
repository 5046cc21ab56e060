// Not a test: the activation figure of `npm run bench` (test/bench/activation.ts). It lives in its own suite folder,
// which the bench runs alone in a fresh VS Code (FELDERA_HOST_TEST_SUITE=bench) and `npm test` never runs, so a
// recorded number is not counted as a passing test. It opens the Pipelines view, as a user does, which activates the
// extension, and records the activation time it reports (bundle load → end of activate()) to activation.json in
// FELDERA_TEST_ARTIFACTS.
// With FELDERA_BENCH_CPU_PROFILE=<folder>, it also writes a CPU profile of the activation there (the bench reads it to
// tell where the time goes; the profiler slows the run, so that run's activationMs is not counted).
import * as assert from 'assert';
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../index';

const ACTIVATION_TEST_TITLE = 'bench: activation time';

interface Exports {
  activationMs?: number;
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

/** Starts V8's sampling profiler in this extension host when the bench asks for a profile. */
async function startProfiler(): Promise<inspector.Session | undefined> {
  if (!process.env.FELDERA_BENCH_CPU_PROFILE) return undefined;
  const session = new inspector.Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 50 });
  await post(session, 'Profiler.start');
  return session;
}

async function stopProfiler(session: inspector.Session | undefined): Promise<void> {
  const dir = process.env.FELDERA_BENCH_CPU_PROFILE;
  if (!session || !dir) return;
  const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
  session.disconnect();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'activation.cpuprofile'), JSON.stringify(profile));
}

/**
 * Two costs of loading the bundle, measured here in the same host after activation (for the bench's "where the time
 * goes"): V8 compiling dist/extension.js (a fresh compile: a unique comment defeats the compilation cache), and the
 * namespace copies esbuild makes for each `import * as vscode from 'vscode'` (`__toESM(require("vscode"))`, which
 * defines a getter on a new object for every name of the API), done as many times as the bundle does them.
 */
function loadCosts(extensionPath: string): { compileMs: number; vscodeCopies: number; vscodeCopiesMs: number } {
  const source = fs.readFileSync(path.join(extensionPath, 'dist', 'extension.js'), 'utf8');
  const compile: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    new vm.Script(`${source}\n// ${Math.random()}`, { filename: 'bench-compile.js' });
    compile.push(performance.now() - t0);
  }
  // `__toESM(require("vscode"))`, minified to `<name>(require("vscode"))`: one per importing source file.
  const copies = source.split('require("vscode")').length - 1;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('vscode') as object;
  const t0 = performance.now();
  for (let i = 0; i < copies; i++) toEsm(api);
  return { compileMs: Math.min(...compile), vscodeCopies: copies, vscodeCopiesMs: performance.now() - t0 };
}

/** esbuild's __toESM + __copyProps, as they appear in the bundle. */
function toEsm(mod: object): object {
  const target = Object.create(Object.getPrototypeOf(mod)) as object;
  Object.defineProperty(target, 'default', { value: mod, enumerable: true });
  for (const key of Object.getOwnPropertyNames(mod)) {
    if (!Object.prototype.hasOwnProperty.call(target, key)) {
      const desc = Object.getOwnPropertyDescriptor(mod, key);
      Object.defineProperty(target, key, {
        get: () => (mod as Record<string, unknown>)[key],
        enumerable: !desc || desc.enumerable,
      });
    }
  }
  return target;
}

describe(ACTIVATION_TEST_TITLE, () => {
  it('records activationMs once opening the Pipelines view has activated the extension', async () => {
    const ext = vscode.extensions.getExtension<Exports>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the host`);
    const alreadyActive = ext.isActive;
    const profiler = await startProfiler();
    const opened = Date.now();
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    while (!ext.isActive && Date.now() - opened < 20_000) await new Promise((r) => setTimeout(r, 10));
    await stopProfiler(profiler);
    assert.ok(ext.isActive, 'opening the Pipelines view did not activate the extension within 20 s');
    const exports = ext.exports ?? (await ext.activate());
    assert.strictEqual(typeof exports?.activationMs, 'number', 'activate() returned no activationMs');
    const record = {
      activationMs: exports.activationMs,
      activatedBy: alreadyActive ? 'already active' : 'opening the Pipelines view',
      viewToActiveMs: alreadyActive ? undefined : Date.now() - opened,
      vscodeVersion: vscode.version,
      profiled: profiler !== undefined,
      ...loadCosts(ext.extensionPath),
      at: new Date().toISOString(),
    };
    const dir = process.env.FELDERA_TEST_ARTIFACTS || os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'activation.json'), JSON.stringify(record, null, 2));
  });
});
