// For `npm run bench` (test/bench/activation.ts): opens the Pipelines view, as a user does, which activates the
// extension, and records the activation time it reports (bundle load → end of activate()) to activation.json in
// FELDERA_TEST_ARTIFACTS. The bench runs this test alone (FELDERA_HOST_TEST_GREP), so that the view is what
// activates the extension; in the full suite the extension is already active and the file says so.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../index';

const ACTIVATION_TEST_TITLE = 'bench: activation time';

interface Exports {
  activationMs?: number;
}

describe(ACTIVATION_TEST_TITLE, () => {
  it('records activationMs once opening the Pipelines view has activated the extension', async () => {
    const ext = vscode.extensions.getExtension<Exports>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the host`);
    const alreadyActive = ext.isActive;
    const opened = Date.now();
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    while (!ext.isActive && Date.now() - opened < 20_000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ext.isActive, 'opening the Pipelines view did not activate the extension within 20 s');
    const exports = ext.exports ?? (await ext.activate());
    assert.strictEqual(typeof exports?.activationMs, 'number', 'activate() returned no activationMs');
    const record = {
      activationMs: exports.activationMs,
      activatedBy: alreadyActive ? 'already active' : 'opening the Pipelines view',
      viewToActiveMs: alreadyActive ? undefined : Date.now() - opened,
      vscodeVersion: vscode.version,
      at: new Date().toISOString(),
    };
    const dir = process.env.FELDERA_TEST_ARTIFACTS || os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'activation.json'), JSON.stringify(record, null, 2));
  });
});
