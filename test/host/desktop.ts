// `npm run test:desktop`: the extension-host suite (./index.ts) in desktop VS Code through @vscode/test-electron,
// for developers' machines and public CI. It downloads VS Code from update.code.visualstudio.com into .vscode-test/
// (machines without that access use `npm run test:host`, code-server in headless chromium, instead).
//
// Environment:
//   FELDERA_VSCODE_VERSION     VS Code to download (default 1.100.3, the engine the extension targets)
//   FELDERA_VSCODE_EXECUTABLE  an installed VS Code to use instead of downloading one
//   MOCHA_SUMMARY_FILE, FELDERA_HOST_TEST_GREP, FELDERA_HOST_TEST_SETTINGS, FELDERA_TEST_ARTIFACTS: as for runHeadless
// On Linux without a display, run it under `xvfb-run -a`. The UI driver (./ui.ts) is not available here: tests that
// need it skip.
import { downloadAndUnzipVSCode, ProgressReportStage, runTests } from '@vscode/test-electron';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ARTIFACTS,
  failureSummary,
  readHostSummary,
  ROOT,
  seedUserSettings,
  STRIPPED_ENV,
  writeResult,
} from './runSupport';

const VERSION = process.env.FELDERA_VSCODE_VERSION || '1.100.3';

function message(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An installed VS Code, or one downloaded once into .vscode-test/; a clear failure when that is not possible. */
async function vscodeExecutable(): Promise<string> {
  const given = process.env.FELDERA_VSCODE_EXECUTABLE;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`FELDERA_VSCODE_EXECUTABLE=${given} does not exist`);
    return given;
  }
  let lastError: unknown;
  try {
    console.log(`[desktop] getting VS Code ${VERSION} (cached in .vscode-test/ after the first download)`);
    return await downloadAndUnzipVSCode({
      version: VERSION,
      cachePath: path.join(ROOT, '.vscode-test'),
      timeout: 30_000,
      // Quiet: a failure is reported once, below, instead of as a stack per attempt.
      reporter: {
        report: (report) => {
          if (report.stage === ProgressReportStage.Retrying) lastError = report.error;
        },
        error: (err) => (lastError = err),
      },
    });
  } catch (err) {
    const cause = message(lastError ?? err);
    throw new Error(
      `could not download VS Code ${VERSION} from update.code.visualstudio.com (${cause}). ` +
        'Without access to it, run the same suite with `npm run test:host` (code-server in headless chromium), ' +
        'or point FELDERA_VSCODE_EXECUTABLE at an installed VS Code.',
    );
  }
}

async function main(): Promise<number> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-desktop-test-'));
  try {
    const executable = await vscodeExecutable();
    const workspace = path.join(base, 'workspace');
    const userData = path.join(base, 'user-data');
    const extensions = path.join(base, 'extensions');
    const hostSummary = path.join(base, 'host-summary.json');
    for (const d of [workspace, userData, extensions]) fs.mkdirSync(d, { recursive: true });
    seedUserSettings(userData);
    if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      console.log('[desktop] no DISPLAY: if VS Code fails to start, run this under `xvfb-run -a`');
    }

    const env: Record<string, string | undefined> = {
      MOCHA_SUMMARY_FILE: hostSummary,
      FELDERA_TEST_ARTIFACTS: ARTIFACTS,
    };
    // test-electron merges this over process.env; an empty value is what the extension sees as unset.
    for (const key of STRIPPED_ENV) if (process.env[key] !== undefined) env[key] = '';

    let code = 0;
    try {
      await runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: ROOT,
        extensionTestsPath: path.join(__dirname, 'index'),
        extensionTestsEnv: env,
        launchArgs: [
          workspace,
          // test-electron adds --skip-welcome, --skip-release-notes, --disable-workspace-trust and --no-sandbox.
          '--disable-extensions',
          '--disable-telemetry',
          '--user-data-dir',
          userData,
          '--extensions-dir',
          extensions,
        ],
      });
    } catch (err) {
      code = 1;
      console.error(`[desktop] VS Code exited with an error: ${message(err)}`);
    }
    const summary = readHostSummary(hostSummary, code);
    writeResult(summary ?? failureSummary(`desktop run: VS Code ended (code ${code}) but the suite wrote no results`));
    return (summary?.failed ?? 1) > 0 ? 1 : 0;
  } catch (err) {
    console.error(`[desktop] ${message(err)}`);
    writeResult(failureSummary(`desktop run: ${message(err)}`));
    return 1;
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
