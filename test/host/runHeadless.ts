// Runs the extension-host suite (./index.ts → suite/**/*.test.js) in a real VS Code: code-server (VS Code 1.100
// server + web client, from test/harness) opened in headless Debian chromium through playwright-core.
// See /work/shared/design/REAL-VSCODE.md for why not @vscode/test-electron here (no download of VS Code possible).
//
//   node out/test/host/runHeadless.js      (after `node esbuild.js && npx tsc -p tsconfig.test.json`)
//
// Environment:
//   MOCHA_SUMMARY_FILE            where to write {passed, failed, skipped, failures[], skippedTitles[]} (test/run-all.js)
//   FELDERA_HOST_TEST_GREP        mocha grep for the suite
//   FELDERA_HOST_TEST_LAYOUT      folder (default), empty (no folder) or multiroot; with FELDERA_HOST_TEST_SUITE
//   FELDERA_HOST_TEST_SUITE       the folder of suites under out/test/host (default: suite)
//   FELDERA_HOST_TEST_TIMEOUT_MS  bound on the whole run once the harness is installed (default 10 min)
//   FELDERA_HOST_TEST_SETTINGS    JSON object merged into the user settings the run starts with
//   FELDERA_HOST_TEST_KEEP=1      keep the temporary user-data and workspace folders (their path is printed)
//   FELDERA_TEST_ARTIFACTS        screenshots and logs (default <repo>/test-artifacts)
//   FELDERA_CHROMIUM              the browser (default /usr/bin/chromium)
// Inside the extension host the suite sees MOCHA_SUMMARY_FILE (its own), FELDERA_UI_DRIVER (./ui.ts),
// FELDERA_TEST_ARTIFACTS and FELDERA_HOST_TEST_STATE_DIR, a folder that lives as long as the run: a suite that writes
// `reload-window` there gets the window reloaded once it ends, and runs again (to test what survives a reload).
// FELDERA_HOST and FELDERA_API_KEY are removed so that no server is configured.
//
// Every way this can go wrong (missing chromium, failed install, code-server not starting, a hang, a signal) ends
// in a failing summary and exit code 1, with code-server and chromium stopped.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { PwBrowser, PwChromium, PwConsoleMessage, PwPage } from './playwright';
import {
  ARTIFACTS,
  failureSummary,
  mergeSummaries,
  readHostSummary,
  ROOT,
  seedUserSettings,
  STRIPPED_ENV,
  Summary,
  writeResult,
} from './runSupport';
import { startUiDriver, UiDriverServer } from './uiDriverServer';

const HARNESS = path.join(ROOT, 'test', 'harness');
const CODE_SERVER = path.join(HARNESS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const PLAYWRIGHT = path.join(HARNESS, 'node_modules', 'playwright-core');
const HARNESS_MARKER = path.join(HARNESS, 'node_modules', '.feldera-harness-installed');
export const CHROMIUM = process.env.FELDERA_CHROMIUM || '/usr/bin/chromium';
/** Headless chromium on these machines: no sandbox as root, and no background traffic to the closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const APT = 'apt-get update && apt-get install -y chromium ripgrep build-essential libkrb5-dev';
const CODE_SERVER_LOG = path.join(ARTIFACTS, 'code-server.log');
const INSTALL_LOG = path.join(ARTIFACTS, 'harness-install.log');
const RUN_TIMEOUT_MS = positiveNumber(process.env.FELDERA_HOST_TEST_TIMEOUT_MS, 10 * 60_000);
const START_TIMEOUT_MS = 60_000;
/** The file (in FELDERA_HOST_TEST_STATE_DIR) by which a suite asks for a window reload and another pass. */
const RELOAD_REQUEST = 'reload-window';
const MAX_PASSES = 3;
const INSTALL_TIMEOUT_MS = 10 * 60_000;
// @vscode/ripgrep, inside code-server 4.100.3, downloads rg from GitHub unless its cache holds the tarball.
const RIPGREP_CACHE = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
const RIPGREP_TARGET: Partial<Record<string, string>> = {
  x64: 'x86_64-unknown-linux-musl',
  arm64: 'aarch64-unknown-linux-musl',
};

/** A failure with a message meant for the user; anything else thrown is a bug in this runner, reported with stack. */
export class RunFailure extends Error {}

function positiveNumber(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  console.log(`[runHeadless] ${message}`);
}

function failure(message: string): Summary {
  return failureSummary(`extension-host run: ${message}`);
}

// ── cleanup: everything started is stopped, whatever happens ────────────────────────────────────────────────────

const cleanups: { name: string; run: () => Promise<void> | void }[] = [];
let cleaningUp: Promise<void> | undefined;

export function onCleanup(name: string, run: () => Promise<void> | void): void {
  cleanups.unshift({ name, run });
}

export function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const c of cleanups.splice(0)) {
      try {
        await Promise.race([c.run(), sleep(10_000)]);
      } catch (err) {
        console.error(`[runHeadless] stopping ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaningUp;
}

/** Last-resort synchronous kills for when the process exits without running `cleanup` (an uncaught error). */
const processGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of processGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

let interrupted = false;
function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      interrupted = true;
      console.error(`[runHeadless] ${signal}: stopping code-server and chromium`);
      writeResult(failure(`interrupted by ${signal}`));
      void cleanup().finally(() => process.exit(1));
    });
  }
}

// ── prerequisites ───────────────────────────────────────────────────────────────────────────────────────────────

export function checkChromium(): void {
  if (!fs.existsSync(CHROMIUM)) throw new RunFailure(`chromium not found: run "${APT}"`);
}

function harnessHash(): string {
  const hash = crypto.createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) hash.update(fs.readFileSync(path.join(HARNESS, f)));
  // Native modules (argon2, kerberos) are built for one Node ABI.
  hash.update(`${process.platform}-${process.arch}-${process.versions.modules}`);
  return hash.digest('hex');
}

function harnessInstalled(hash: string): boolean {
  try {
    return (
      fs.readFileSync(HARNESS_MARKER, 'utf8').trim() === hash &&
      fs.existsSync(CODE_SERVER) &&
      fs.existsSync(path.join(PLAYWRIGHT, 'package.json'))
    );
  } catch {
    return false;
  }
}

/** Puts Debian's rg where @vscode/ripgrep looks before downloading it from GitHub. */
function seedRipgrepCache(): void {
  const target = RIPGREP_TARGET[process.arch];
  if (process.platform !== 'linux' || !target) return;
  const tarball = path.join(RIPGREP_CACHE, `ripgrep-v13.0.0-10-${target}.tar.gz`);
  if (fs.existsSync(tarball)) return;
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => fs.existsSync(p));
  if (!rg) throw new RunFailure(`ripgrep not found (needed to install code-server): run "${APT}"`);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-rg-'));
  try {
    fs.copyFileSync(rg, path.join(staging, 'rg'));
    fs.chmodSync(path.join(staging, 'rg'), 0o755);
    fs.mkdirSync(RIPGREP_CACHE, { recursive: true });
    const partial = `${tarball}.${process.pid}.partial`;
    const tar = spawnSync('tar', ['-czf', partial, '-C', staging, 'rg'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new RunFailure(`could not create ${tarball} with tar`);
    fs.renameSync(partial, tarball);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Installs test/harness unless the marker says this lockfile is installed; one run at a time installs. */
export async function ensureHarness(): Promise<void> {
  const hash = harnessHash();
  if (harnessInstalled(hash)) return;
  const lock = path.join(
    os.tmpdir(),
    `feldera-harness-${crypto.createHash('sha256').update(HARNESS).digest('hex').slice(0, 12)}.lock`,
  );
  await acquireLock(lock);
  const release = () => fs.rmSync(lock, { recursive: true, force: true });
  onCleanup('install lock', release);
  try {
    // Another run may have installed it while this one waited.
    if (!harnessInstalled(hash)) await installHarness(hash);
  } finally {
    release();
  }
}

/** mkdir is atomic: whoever creates the folder holds the lock; a lock older than an install's bound is stale. */
async function acquireLock(lock: string): Promise<void> {
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > INSTALL_TIMEOUT_MS) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
    } catch {
      continue; // released meanwhile
    }
    if (!said) log(`waiting for another run that is installing the test harness (${lock})`);
    said = true;
    await sleep(1_000);
  }
}

async function installHarness(hash: string): Promise<void> {
  const started = Date.now();
  log(
    `installing the test harness in ${path.relative(ROOT, HARNESS)} (code-server, playwright-core), first run only: 1–3 min`,
  );
  seedRipgrepCache();
  fs.rmSync(HARNESS_MARKER, { force: true });
  const out = fs.openSync(INSTALL_LOG, 'w');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // code-server's postinstall runs `npx node-gyp` (refused when the user's npm config says yes=false) and, as
    // root, insists on unsafe-perm; npm itself ignores that setting now but passes it on to the script.
    npm_config_yes: 'true',
    npm_config_unsafe_perm: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  // argon2 and kerberos compile against Node's headers; node-gyp would download them from nodejs.org unless the
  // running Node's own are given (the user's npm config may say so already).
  const nodeDir = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) {
    env.npm_config_nodedir = nodeDir;
  }
  const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci'], {
    cwd: HARNESS,
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  if (npm.pid) processGroups.add(npm.pid);
  onCleanup('npm ci', () => killGroup(npm));
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), INSTALL_TIMEOUT_MS);
    npm.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    npm.on('exit', (c, s) => {
      clearTimeout(timer);
      resolve(c ?? String(s));
    });
  });
  fs.closeSync(out);
  if (code !== 0) {
    await killGroup(npm);
    const why = code === 'timeout' ? `did not finish in ${seconds(INSTALL_TIMEOUT_MS)}` : `failed (${code})`;
    throw new RunFailure(
      `installing the test harness (npm ci in test/harness) ${why}; build tools come from "${APT}". ` +
        `Last lines of ${INSTALL_LOG}:\n${tail(fs.readFileSync(INSTALL_LOG, 'utf8'), 25)}`,
    );
  }
  fs.writeFileSync(HARNESS_MARKER, `${hash}\n`);
  log(`test harness installed in ${seconds(Date.now() - started)}`);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// ── code-server ─────────────────────────────────────────────────────────────────────────────────────────────────

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (!pid || child.exitCode !== null || child.signalCode !== null) {
    if (pid) processGroups.delete(pid);
    return Promise.resolve();
  }
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is gone
    }
  };
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(force);
      // Children that outlive the leader (an extension host, a pty host) still belong to the group.
      signal('SIGKILL');
      processGroups.delete(pid);
      resolve();
    };
    const force = setTimeout(done, 5_000);
    child.once('exit', done);
    signal('SIGTERM');
  });
}

export interface CodeServer {
  port: number;
  process: ChildProcess;
  exited: Promise<string>;
  lastLines(): string;
}

/**
 * What the window opens (FELDERA_HOST_TEST_LAYOUT): `folder` (default) one folder; `empty` no folder at all;
 * `multiroot` a .code-workspace with two folders, `one` and `two`, inside the run's workspace directory.
 */
function workspaceQuery(workspace: string): string {
  const layout = process.env.FELDERA_HOST_TEST_LAYOUT ?? 'folder';
  if (layout === 'empty') return 'ew=true';
  if (layout === 'multiroot') {
    for (const f of ['one', 'two']) fs.mkdirSync(path.join(workspace, f), { recursive: true });
    const file = path.join(workspace, 'two-folders.code-workspace');
    fs.writeFileSync(file, JSON.stringify({ folders: [{ path: 'one' }, { path: 'two' }] }));
    return `workspace=${encodeURIComponent(file)}`;
  }
  return `folder=${encodeURIComponent(workspace)}`;
}

export async function startCodeServer(dirs: RunDirs, hostEnv: Record<string, string>): Promise<CodeServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // A VS Code terminal's variables would make code-server hand the folder to that VS Code instead.
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  // $PORT overrides --bind-addr; a Feldera server from the environment would make the view non-empty.
  for (const key of ['PORT', 'PASSWORD', 'HASHED_PASSWORD', ...STRIPPED_ENV]) delete env[key];
  Object.assign(env, hostEnv, { XDG_DATA_HOME: dirs.xdgData });

  const args = [
    CODE_SERVER,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--config',
    dirs.config,
  ];
  const logFile = fs.createWriteStream(CODE_SERVER_LOG);
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid) processGroups.add(child.pid);
  onCleanup('code-server', async () => {
    await killGroup(child);
    await new Promise((resolve) => logFile.end(resolve));
  });

  const recent: string[] = [];
  let listening: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    logFile.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      if (line.includes('HTTP server listening')) listening?.();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(err.message));
    child.on('exit', (code, sig) => resolve(sig ? `killed by ${sig}` : `exit code ${code}`));
  });
  const lastLines = () => recent.join('\n');

  const outcome = await Promise.race([
    new Promise<'ready'>((resolve) => (listening = () => resolve('ready'))),
    exited.then((how) => `exited (${how})`),
    sleep(START_TIMEOUT_MS).then(() => `did not say "HTTP server listening" within ${seconds(START_TIMEOUT_MS)}`),
  ]);
  if (outcome !== 'ready') {
    throw new RunFailure(`code-server ${outcome}. Last lines of ${CODE_SERVER_LOG}:\n${lastLines()}`);
  }
  return { port, process: child, exited, lastLines };
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────────────────────

export interface RunDirs {
  base: string;
  userData: string;
  extensions: string;
  workspace: string;
  xdgData: string;
  config: string;
  hostSummary: string;
}

export function makeRunDirs(): RunDirs {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-host-test-'));
  const dirs: RunDirs = {
    base,
    userData: path.join(base, 'user-data'),
    extensions: path.join(base, 'extensions'),
    workspace: path.join(base, 'workspace'),
    xdgData: path.join(base, 'xdg-data'),
    config: path.join(base, 'config.yaml'),
    hostSummary: path.join(base, 'host-summary.json'),
  };
  for (const d of [dirs.userData, dirs.extensions, dirs.workspace, dirs.xdgData]) fs.mkdirSync(d, { recursive: true });
  // Without --config, code-server would write ~/.config/code-server/config.yaml with a generated password.
  fs.writeFileSync(dirs.config, 'auth: none\ncert: false\n');
  try {
    seedUserSettings(dirs.userData);
  } catch (err) {
    throw new RunFailure((err as Error).message);
  }
  return dirs;
}

// Workbench chatter that says nothing about the suite; still written to browser-console.log.
const CONSOLE_NOISE = [
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket \(/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /^The web worker extension host is started in a same-origin iframe/,
  /^An iframe which has both allow-scripts and allow-same-origin/,
  /^Overwriting extension <</,
  /^Failed to load resource/,
  /ENOTFOUND open-vsx\.org/,
  /^Found unexpected service worker controller/,
  /^Creation of workbench contribution '[^']*' took/,
];

/**
 * Forwards the page's console (where the extension host's console arrives, as `%c INFO`, `color: #33f`, then the
 * original arguments) to stdout, formatted like node would, without the CSS and without known workbench noise.
 * Everything goes to test-artifacts/browser-console.log. Returns a function that waits until all is written.
 */
function forwardConsole(page: PwPage): () => Promise<void> {
  const file = fs.createWriteStream(path.join(ARTIFACTS, 'browser-console.log'));
  const verbose = process.env.FELDERA_HOST_TEST_VERBOSE === '1';
  const consoleStart = Date.now();
  let queue = Promise.resolve();
  page.on('console', (message: PwConsoleMessage) => {
    // Argument values are fetched asynchronously; the queue keeps the lines in order.
    const values = Promise.all(message.args().map((a) => a.jsonValue())).catch(() => [message.text()]);
    queue = queue.then(async () => {
      const text = formatConsole(await values);
      if (!text.trim()) return;
      file.write(`${seconds(Date.now() - consoleStart).padStart(7)} ${text}\n`);
      const body = text.replace(/^ *(INFO|WARN|ERR|TRACE|DEBUG) /, '');
      if (!verbose && CONSOLE_NOISE.some((re) => re.test(body))) return;
      const level = text.match(/^ *(INFO|WARN|ERR|TRACE|DEBUG) /)?.[1];
      const out = level === 'INFO' ? body : text;
      if (message.type() === 'error' || message.type() === 'warning') console.error(out);
      else console.log(out);
    });
  });
  page.on('pageerror', (err) => {
    queue = queue.then(() => {
      file.write(`[page error] ${err.message}\n`);
      console.error(`[page error] ${err.message}`);
    });
  });
  let closed: Promise<void> | undefined;
  return () =>
    (closed ??= (async () => {
      await Promise.race([queue, sleep(5_000)]);
      await new Promise((resolve) => file.end(resolve));
    })());
}

/**
 * Formats console arguments the way a console shows them: printf-style directives in a leading string consume the
 * arguments after it (`%c` consumes a CSS string and prints nothing). The workbench prefixes the extension host's
 * own format string with its `%c INFO` one, so a string left over after a format is formatted in turn.
 */
export function formatConsole(values: unknown[]): string {
  const rest = [...values];
  const parts: string[] = [];
  while (rest.length > 0) {
    const first = rest.shift();
    if (typeof first !== 'string' || !/%[sdifoOjc]/.test(first)) {
      parts.push(show(first));
      continue;
    }
    parts.push(
      first.replace(/%[sdifoOjc%]/g, (directive) => {
        if (directive === '%%') return '%';
        if (rest.length === 0) return directive;
        const value = rest.shift();
        switch (directive) {
          case '%c':
            return '';
          case '%d':
          case '%i':
            return String(Math.trunc(Number(value)));
          case '%f':
            return String(Number(value));
          default:
            return show(value);
        }
      }),
    );
  }
  return parts.join(' ');
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

async function runSuite(): Promise<Summary> {
  checkChromium();
  await ensureHarness();
  const started = Date.now();
  const deadline = started + RUN_TIMEOUT_MS;

  const dirs = makeRunDirs();
  onCleanup('temporary folders', () => {
    if (process.env.FELDERA_HOST_TEST_KEEP === '1') log(`kept ${dirs.base}`);
    else fs.rmSync(dirs.base, { recursive: true, force: true });
  });

  const pageRef: { page?: PwPage } = {};
  const driver: UiDriverServer = await startUiDriver(pageRef, ARTIFACTS);
  onCleanup('UI driver', () => driver.close());

  const server = await startCodeServer(dirs, {
    MOCHA_SUMMARY_FILE: dirs.hostSummary,
    FELDERA_HOST_TEST_STATE_DIR: dirs.base,
    FELDERA_UI_DRIVER: driver.url,
    FELDERA_TEST_ARTIFACTS: ARTIFACTS,
  });
  log(`code-server ready on 127.0.0.1:${server.port} in ${seconds(Date.now() - started)}`);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require(PLAYWRIGHT) as { chromium: PwChromium };
  const browser: PwBrowser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: START_TIMEOUT_MS,
    // This runner handles signals itself, stopping code-server too.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: CHROMIUM_ARGS,
  });
  onCleanup('chromium', () => browser.close());
  log(`chromium started in ${seconds(Date.now() - started)}`);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  pageRef.page = page;
  const consoleWritten = forwardConsole(page);
  onCleanup('console', consoleWritten);

  // Each pass of the suite ends with codeAutomationExit(code); a page reload starts the next pass.
  let exitCode: ((code: number) => void) | undefined;
  await page.exposeFunction('codeAutomationExit', (code: never) => exitCode?.(Number(code)));
  const pageGone = new Promise<string>((resolve) => {
    page.on('crash', () => resolve('the page crashed'));
    page.on('close', () => resolve('the page closed'));
  });

  const remote = `vscode-remote://127.0.0.1:${server.port}`;
  const payload = [
    ['extensionDevelopmentPath', `${remote}${ROOT}`],
    ['extensionTestsPath', `${remote}${path.join(__dirname, 'index')}`],
  ];
  const url =
    `http://127.0.0.1:${server.port}/?${workspaceQuery(dirs.workspace)}` +
    `&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const passes: Summary[] = [];
  for (let pass = 1; ; pass++) {
    const exited = new Promise<number>((resolve) => (exitCode = resolve));
    if (pass === 1) await page.goto(url, { timeout: START_TIMEOUT_MS, waitUntil: 'domcontentloaded' });
    else await page.reload({ timeout: START_TIMEOUT_MS, waitUntil: 'domcontentloaded' });
    log(`workbench ${pass === 1 ? 'opened' : 'reloaded'} in ${seconds(Date.now() - started)}; running the suite`);

    const outcome = await Promise.race([
      exited.then((code) => ({ code })),
      server.exited.then((how) => ({ problem: `code-server stopped during the run (${how})` })),
      pageGone.then((problem) => ({ problem })),
      sleep(Math.max(0, deadline - Date.now())).then(() => ({
        problem:
          `the suite did not finish within ${seconds(RUN_TIMEOUT_MS)} (FELDERA_HOST_TEST_TIMEOUT_MS); ` +
          `see ${path.join(ARTIFACTS, 'host-timeout.png')} and ${CODE_SERVER_LOG}`,
        timeout: true,
      })),
    ]);
    if ('problem' in outcome) {
      if ('timeout' in outcome) {
        await page
          .screenshot({ path: path.join(ARTIFACTS, 'host-timeout.png'), timeout: 10_000 })
          .catch(() => undefined);
      }
      throw new RunFailure(`${outcome.problem}. Last lines of ${CODE_SERVER_LOG}:\n${server.lastLines()}`);
    }
    log(
      `suite ${pass > 1 ? `pass ${pass} ` : ''}finished with code ${outcome.code} after ${seconds(Date.now() - started)}`,
    );

    if (!fs.existsSync(dirs.hostSummary)) {
      throw new RunFailure(
        `the extension host finished (code ${outcome.code}) but the suite wrote no results; ` +
          `see the output above and ${CODE_SERVER_LOG}`,
      );
    }
    passes.push(readHostSummary(dirs.hostSummary, outcome.code) as Summary);
    fs.rmSync(dirs.hostSummary);
    // A suite asks for a window reload (to see what survives one) by leaving this file; it runs again after it.
    const reload = path.join(dirs.base, RELOAD_REQUEST);
    if (!fs.existsSync(reload)) break;
    const why = fs.readFileSync(reload, 'utf8').trim();
    fs.rmSync(reload);
    if (pass >= MAX_PASSES) {
      passes.push(failureSummary(`the suite asked for more than ${MAX_PASSES - 1} window reloads (last: ${why})`));
      break;
    }
    log(`the suite asked for a window reload (${why})`);
  }
  await consoleWritten();
  return mergeSummaries(passes);
}

async function main(): Promise<void> {
  installSignalHandlers();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  let exit = 1;
  try {
    const summary = await runSuite();
    writeResult(summary);
    exit = summary.failed > 0 ? 1 : 0;
  } catch (err) {
    const message =
      err instanceof RunFailure ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    // After a signal, what fails next is only the consequence of stopping everything.
    if (!interrupted) {
      console.error(`[runHeadless] ${message}`);
      writeResult(failure(message));
    }
  } finally {
    await cleanup();
  }
  process.exit(exit);
}

if (require.main === module) void main();
