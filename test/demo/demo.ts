// `npm run demo`: the extension in a real VS Code (code-server, in your browser) against a built-in demo Feldera.
//   npm run demo                  prints the URL to open; Ctrl-C stops everything
//   npm run demo -- --desktop     opens desktop VS Code (`code` on the PATH) instead
//   npm run demo -- --check       opens the URL in headless chromium, checks the extension shows the demo
//                                 pipelines, saves test-artifacts/demo.png, and exits (used by `npm test`)
// The demo server has auth on; its key reaches the extension through FELDERA_HOST / FELDERA_API_KEY, the way
// Feldera's Python SDK and fda CLI are configured.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { demoPipelines, FelderaEmulator } from '../emulator/emulator';
import {
  checkChromium,
  cleanup,
  CHROMIUM,
  CHROMIUM_ARGS,
  ensureHarness,
  makeRunDirs,
  onCleanup,
  PLAYWRIGHT,
  RunFailure,
  startCodeServer,
} from '../host/runHeadless';
import { ARTIFACTS, ROOT } from '../host/runSupport';
import type { PwChromium } from '../host/playwright';

const DEMO_KEY = 'apikey:' + 'demo'.repeat(32);
const args = new Set(process.argv.slice(2));

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

async function startEmulator(): Promise<string> {
  const emu = new FelderaEmulator({ pipelines: demoPipelines(), apiKeys: [DEMO_KEY], finishingMs: 1500 });
  const url = await emu.start();
  onCleanup('demo Feldera', () => emu.stop());
  return url;
}

function sampleWorkspace(base: string): string {
  const ws = path.join(base, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(
    path.join(ws, 'README.md'),
    '# Feldera demo workspace\n\nOpen the Feldera view in the activity bar, pick a running pipeline and run ' +
      '"Collect Samply Profile…". Profiles land in `.feldera/profiles/`.\n',
  );
  return ws;
}

async function desktop(feldera: string): Promise<void> {
  const code = which('code');
  if (!code)
    throw new RunFailure('--desktop needs desktop VS Code: `code` is not on the PATH. Run `npm run demo` instead.');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-demo-'));
  const ws = sampleWorkspace(base);
  const child = spawn(code, ['--new-window', '--wait', `--extensionDevelopmentPath=${ROOT}`, ws], {
    env: { ...process.env, FELDERA_HOST: feldera, FELDERA_API_KEY: DEMO_KEY },
    stdio: 'inherit',
  });
  console.log(
    `Desktop VS Code is starting with the extension; the demo Feldera is ${feldera}. Close the window or press Ctrl-C to stop.`,
  );
  await new Promise((resolve) => child.on('exit', resolve));
}

async function browser(feldera: string): Promise<void> {
  await ensureHarness();
  const dirs = makeRunDirs();
  onCleanup('temporary folders', () => fs.rmSync(dirs.base, { recursive: true, force: true }));
  const ws = sampleWorkspace(dirs.base);
  const server = await startCodeServer(dirs, { FELDERA_HOST: feldera, FELDERA_API_KEY: DEMO_KEY });
  const remote = `vscode-remote://127.0.0.1:${server.port}`;
  const payload = [['extensionDevelopmentPath', `${remote}${ROOT}`]];
  const url =
    `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(ws)}` +
    `&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  if (args.has('--check')) {
    await check(url);
    return;
  }
  console.log('\nFeldera for VS Code — demo');
  console.log(
    `  demo Feldera: ${feldera} (auth on; pipelines: ${demoPipelines()
      .map((p) => p.name)
      .join(', ')})`,
  );
  console.log(`  open this URL in your browser:\n\n  ${url}\n`);
  console.log('  Then click the Feldera icon in the activity bar. Ctrl-C stops everything.');
  await server.exited;
}

/** Opens the demo like a user would and checks the extension shows the demo's pipelines. */
async function check(url: string): Promise<void> {
  checkChromium();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require(PLAYWRIGHT) as { chromium: PwChromium };
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  onCleanup('chromium', () => b.close());
  const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.activitybar .action-label[aria-label^="Feldera"]').first().click({ timeout: 60_000 });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  try {
    for (const name of ['orders', 'fraud-detection']) {
      await page.locator('.monaco-list-row').filter({ hasText: name }).first().waitFor({ timeout: 60_000 });
    }
  } catch (e) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-failed.png') });
    throw new RunFailure(
      `the demo's Pipelines view did not list the demo pipelines (see test-artifacts/demo-failed.png): ${(e as Error).message}`,
    );
  }
  await page.screenshot({ path: path.join(ARTIFACTS, 'demo.png') });
  console.log('demo check: the demo URL answers, the extension loads and lists the demo pipelines');
}

async function main(): Promise<void> {
  let exit = 0;
  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping the demo…`);
    void cleanup().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    const feldera = await startEmulator();
    if (args.has('--desktop')) await desktop(feldera);
    else await browser(feldera);
  } catch (e) {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
    exit = 1;
  } finally {
    await cleanup();
  }
  process.exit(exit);
}

void main();
