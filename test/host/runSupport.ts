// What both runners of the extension-host suite share: runHeadless (code-server + chromium) and desktop
// (@vscode/test-electron). Runs in the runner's Node process, never inside the extension host.
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const ARTIFACTS = path.resolve(process.env.FELDERA_TEST_ARTIFACTS || path.join(ROOT, 'test-artifacts'));

/** What test/summary-reporter.js writes and test/run-all.js adds up. */
export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  skippedTitles: string[];
}

export function failureSummary(message: string): Summary {
  return { passed: 0, failed: 1, skipped: 0, failures: [message], skippedTitles: [] };
}

/** The counts of several passes of the suite (runs separated by a window reload), as one. */
export function mergeSummaries(passes: Summary[]): Summary {
  return {
    passed: passes.reduce((n, p) => n + p.passed, 0),
    failed: passes.reduce((n, p) => n + p.failed, 0),
    skipped: passes.reduce((n, p) => n + p.skipped, 0),
    failures: passes.flatMap((p) => p.failures),
    skippedTitles: passes.flatMap((p) => p.skippedTitles),
  };
}

/** Writes the summary where the caller asked (MOCHA_SUMMARY_FILE) and prints the counts. Only the first call counts. */
let resultWritten = false;
export function writeResult(summary: Summary): void {
  if (resultWritten) return;
  resultWritten = true;
  const file = process.env.MOCHA_SUMMARY_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify(summary, null, 2));
  console.log(`host: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  for (const f of summary.failures) console.log(`  ✗ ${f.split('\n')[0]}`);
}

/** Reads the summary the suite wrote inside the host, turning a non-zero exit without a failed test into one. */
export function readHostSummary(file: string, exitCode: number): Summary | undefined {
  if (!fs.existsSync(file)) return undefined;
  const summary = JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
  if (exitCode !== 0 && summary.failed === 0) {
    summary.failed = 1;
    summary.failures.push(`the extension host reported exit code ${exitCode} without a failed test`);
  }
  return summary;
}

/**
 * Writes the user settings a run starts with to `<user-data-dir>/User/settings.json`, where both desktop VS Code
 * and the VS Code server behind code-server keep them: a quiet workbench, plus FELDERA_HOST_TEST_SETTINGS (JSON).
 */
export function seedUserSettings(userDataDir: string): void {
  const settings: Record<string, unknown> = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'chat.commandCenter.enabled': false,
    'git.enabled': false,
  };
  const extra = process.env.FELDERA_HOST_TEST_SETTINGS;
  if (extra) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extra);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('FELDERA_HOST_TEST_SETTINGS is not a JSON object');
    }
    Object.assign(settings, parsed);
  }
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** The environment the suite must not inherit: a Feldera server from it would make the Pipelines view non-empty. */
export const STRIPPED_ENV = ['FELDERA_HOST', 'FELDERA_API_KEY'];
