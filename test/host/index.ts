// Entry point of the suite inside the extension host (VS Code's `extensionTestsPath`): runs every
// out/test/host/suite/**/*.test.js with mocha, activation.test.js first, and reports through the repo's summary
// reporter (counts to MOCHA_SUMMARY_FILE). Used by runHeadless (code-server) and desktop (@vscode/test-electron).
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';
import * as vscode from 'vscode';
import { ui } from './ui';

export const EXTENSION_ID = 'feldera-community.feldera-vscode';

/** State recorded before any suite file is loaded, for tests that must see the host untouched. */
export const hostStart = {
  /** Whether the extension was already active when the suite started (it must not be: activation is lazy). */
  extensionActive: undefined as boolean | undefined,
};

const FIRST = 'activation.test.js';

function testFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
  // The activation checks need an extension nobody has activated yet, so they run before any other suite.
  return [...files.filter((f) => path.basename(f) === FIRST), ...files.filter((f) => path.basename(f) !== FIRST)];
}

function writeSummary(file: string | undefined, failure: string): void {
  if (!file) return;
  const summary = { passed: 0, failed: 1, skipped: 0, failures: [failure], skippedTitles: [] };
  fs.writeFileSync(file, JSON.stringify(summary, null, 2));
}

export function run(): Promise<void> {
  hostStart.extensionActive = vscode.extensions.getExtension(EXTENSION_ID)?.isActive;

  const extensionRoot = path.resolve(__dirname, '..', '..', '..');
  const summaryFile = process.env.MOCHA_SUMMARY_FILE;
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    color: false,
    reporter: path.join(extensionRoot, 'test', 'summary-reporter.js'),
    reporterOptions: summaryFile ? { summaryFile } : {},
    rootHooks: {
      // What the user would have seen when a test failed: test-artifacts/failed-<test title>.png.
      async afterEach(this: Mocha.Context) {
        const test = this.currentTest;
        if (test?.state !== 'failed' || !ui.available()) return;
        const name = `failed-${test.fullTitle()}`.replace(/[^\w.-]+/g, '-').slice(0, 120);
        await ui.screenshot(name).catch((err: Error) => console.error(`screenshot ${name}: ${err.message}`));
      },
    },
  });
  const grep = process.env.FELDERA_HOST_TEST_GREP;
  if (grep) mocha.grep(grep);

  const files = testFiles(path.join(__dirname, process.env.FELDERA_HOST_TEST_SUITE || 'suite'));
  if (files.length === 0) {
    const message = `no test files under ${path.join(__dirname, 'suite')}: run "npx tsc -p tsconfig.test.json"`;
    writeSummary(summaryFile, message);
    return Promise.reject(new Error(message));
  }
  files.forEach((f) => mocha.addFile(f));

  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (err) {
      // A suite file that throws while loading never reaches the reporter: count it as a failure.
      const message = `loading the extension-host suites failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
      console.error(message);
      writeSummary(summaryFile, message);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
