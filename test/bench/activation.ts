// Activation time in a real VS Code: runs the extension-host runner (code-server + headless chromium) on the suite
// folder test/host/bench, whose only file (activationTime.test.ts, never part of `npm test`) opens the Pipelines view
// and records the activationMs the extension reports (from `globalThis.__felderaBundleLoadStart`, the bundle's first
// line, to the end of activate()).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type Figure, list, log, median, ms, ROOT } from './common';
import { type CpuProfileNode, inclusive, loadProfile, span } from './cpuProfile';

/** The host suite folder (under out/test/host) that holds the activation recorder, and nothing else. */
const SUITE = 'bench';

interface ActivationRecord {
  activationMs: number;
  activatedBy: string;
  viewToActiveMs?: number;
  vscodeVersion: string;
  compileMs: number;
  vscodeCopies: number;
  vscodeCopiesMs: number;
}

/** Where a profiled activation spent its time: compile, the bundle's top level (and its parts), activate(). */
function whereTheTimeGoes(file: string): string {
  const profile = loadProfile(file);
  const inBundle = (n: CpuProfileNode) => n.callFrame.url.endsWith('/dist/extension.js');
  const fn = (name: string) => (n: CpuProfileNode) => inBundle(n) && n.callFrame.functionName === name;
  const isTopLevel = (n: CpuProfileNode) => inBundle(n) && n.callFrame.lineNumber === 0 && !n.callFrame.functionName;
  const compile = inclusive(profile, (n) => n.callFrame.functionName === 'wrapSafe');
  const topLevel = inclusive(profile, isTopLevel);
  const toEsm = inclusive(profile, fn('__toESM'));
  const lazyModules = inclusive(profile, fn('__require'));
  const activate = inclusive(profile, fn('activate'));
  const [, topEnd] = span(profile, isTopLevel);
  const [activateStart] = span(profile, fn('activate'));
  const parts = ['PipelinesView', 'registerProfileViewer', 'ServerRegistry', 'createLog', 'ApiKeyStore']
    .map((name) => [name, inclusive(profile, fn(name))] as const)
    .filter(([, t]) => t > 0)
    .map(([name, t]) => `${name} ${ms(t, 1)}`);
  return (
    'CPU profile of one more run (V8 sampling profiler in the extension host at 50 µs, development build so that ' +
    'names are kept; the profiler slows everything, so read the shares): V8 compiling the bundle (wrapSafe, before ' +
    `its first statement, so not in activationMs) ${ms(compile, 1)}; the bundle's top level ${ms(topLevel, 1)}, of ` +
    `which \`__toESM\` namespace copies ${ms(toEsm, 1)} and initialising bundled CommonJS modules ` +
    `(\`__require\`: node-fetch…) ${ms(lazyModules, 1)}; then VS Code's own work before it calls activate() ` +
    `(building the extension context; in activationMs, not the extension's code) ${ms(activateStart - topEnd, 1)}; ` +
    `activate() ${ms(activate, 1)}${parts.length ? ` (${parts.join(', ')})` : ''}.`
  );
}

/** Runs the host suite folder SUITE (or `env.FELDERA_HOST_TEST_SUITE`) once in a fresh VS Code. */
export function runHost(
  artifacts: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'out', 'test', 'host', 'runHeadless.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        FELDERA_HOST_TEST_SUITE: SUITE,
        FELDERA_TEST_ARTIFACTS: artifacts,
        MOCHA_SUMMARY_FILE: path.join(artifacts, 'summary.json'),
        FELDERA_HOST_TEST_TIMEOUT_MS: String(3 * 60_000),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** One more run with the CPU profiler on, after `prepare` (which rebuilds dist/ for development). */
async function profiledRun(prepare: () => Promise<void>): Promise<string> {
  await prepare();
  const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-activation-'));
  try {
    const { code, output } = await runHost(artifacts, { FELDERA_BENCH_CPU_PROFILE: artifacts });
    const file = path.join(artifacts, 'activation.cpuprofile');
    if (code !== 0 || !fs.existsSync(file))
      return `The profiled run failed: ${output.trim().split('\n').slice(-4).join(' | ')}`;
    return whereTheTimeGoes(file);
  } finally {
    fs.rmSync(artifacts, { recursive: true, force: true });
  }
}

/**
 * `runs` fresh VS Code instances, one after the other, loading `bundle` (described for the notes); then, after
 * `prepareProfile`, one profiled run to tell where the time goes.
 */
export async function activationFigure(
  runs: number,
  bundle: string,
  prepareProfile: () => Promise<void>,
): Promise<Figure> {
  const records: ActivationRecord[] = [];
  const failures: string[] = [];
  for (let i = 0; i < runs; i++) {
    const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-activation-'));
    try {
      const started = Date.now();
      const { code, output } = await runHost(artifacts);
      const file = path.join(artifacts, 'activation.json');
      if (code !== 0 || !fs.existsSync(file)) {
        failures.push(`run ${i + 1}: exit ${code}: ${output.trim().split('\n').slice(-6).join(' | ')}`);
        continue;
      }
      const record = JSON.parse(fs.readFileSync(file, 'utf8')) as ActivationRecord;
      records.push(record);
      log(
        `activation run ${i + 1}/${runs}: ${ms(record.activationMs, 1)} (VS Code run took ${ms(Date.now() - started)})`,
      );
    } finally {
      fs.rmSync(artifacts, { recursive: true, force: true });
    }
  }
  if (records.length === 0) {
    return {
      figure: 'activation',
      measured: 'not measured',
      baseline: '—',
      target: '≤ 30 ms',
      met: false,
      notes: [`The extension-host runs failed: ${failures.join('; ')}`],
    };
  }
  const med = median(records.map((r) => r.activationMs));
  const profileNote = await profiledRun(prepareProfile).catch((e: unknown) => `The profiled run failed: ${String(e)}`);
  const copies = records[0].vscodeCopies;
  return {
    figure: 'activation',
    measured: `${ms(med, 1)} (median of ${records.length})`,
    baseline: '—',
    target: '≤ 30 ms',
    met: med <= 30,
    notes: [
      `${records.length} fresh VS Code ${records[0].vscodeVersion} instances (code-server + headless chromium, ` +
        'test/host/runHeadless.js running only test/host/bench/activationTime.test.ts): it opens the ' +
        "Pipelines view, which activates the extension, and reads activate()'s exports.activationMs = time from " +
        `the bundle's first statement to the end of activate(): the bundle's top level, then VS Code building the ` +
        `extension context (storage, secrets: round trips to the workbench), then activate(). Bundle: ${bundle}. ` +
        `Runs: ${list(
          records.map((r) => r.activationMs),
          (x) => ms(x, 1),
        )}; activated by ${records[0].activatedBy}, active ${list(
          records.map((r) => r.viewToActiveMs ?? NaN),
          (x) => ms(x),
        )} after the view was asked for.` +
        (failures.length ? ` Failed runs: ${failures.join('; ')}` : ''),
      `Measured in the same hosts after activation: V8 compiling this dist/extension.js from scratch takes ${ms(
        median(records.map((r) => r.compileMs)),
        1,
      )}; the bundle copies the vscode API namespace ${copies} times (\`__toESM(require("vscode"))\`, one per ` +
        `source file with \`import * as vscode\`), which takes ${ms(median(records.map((r) => r.vscodeCopiesMs)), 1)}.`,
      profileNote,
    ],
  };
}
