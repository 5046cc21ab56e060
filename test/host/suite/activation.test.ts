// Runs first in the extension host (see ../index.ts): lazy activation, the contract's commands, and the
// Pipelines view with its welcome content when no server is configured.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, hostStart } from '../index';
import type { TestApi } from '../../../src/extension';
import { ui } from '../ui';

// The contract's command ids (/work/shared/design/CONTRACT.md): fixed, whatever package.json says.
const CONTRACT_COMMANDS = [
  'feldera.addServer',
  'feldera.removeServer',
  'feldera.setApiKey',
  'feldera.clearApiKey',
  'feldera.refreshPipelines',
  'feldera.fetchSamplyProfile',
  'feldera.collectSamplyProfile',
];

interface Manifest {
  activationEvents?: string[];
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    viewsWelcome?: { view: string; contents: string }[];
  };
}

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the host`);
  return ext;
}

describe('activation', () => {
  it('is lazy: the extension is not active before anything needs it', () => {
    const ext = extension();
    assert.strictEqual(hostStart.extensionActive, false, 'the extension was already active when the suite started');
    assert.strictEqual(ext.isActive, false, 'the extension became active before any test needed it');
    const events = (ext.packageJSON as Manifest).activationEvents ?? [];
    assert.ok(!events.includes('*'), 'activationEvents contains "*"');
    assert.ok(!events.includes('onStartupFinished'), 'activationEvents contains "onStartupFinished"');
  });

  it('registers every contributed command and every command of the contract once active', async () => {
    const ext = extension();
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    const registered = new Set(await vscode.commands.getCommands(true));

    const contributed = (ext.packageJSON as Manifest).contributes.commands.map((c) => c.command);
    const notContributed = CONTRACT_COMMANDS.filter((id) => !contributed.includes(id));
    assert.deepStrictEqual(
      notContributed,
      [],
      `contract commands missing from package.json contributes.commands: ${notContributed.join(', ')}`,
    );

    const notRegistered = [...new Set([...CONTRACT_COMMANDS, ...contributed])].filter((id) => !registered.has(id));
    assert.deepStrictEqual(
      notRegistered,
      [],
      `commands contributed or in the contract but not registered by the active extension: ${notRegistered.join(', ')}`,
    );
  });

  it('contributes the Pipelines view in the Feldera container', async () => {
    const manifest = extension().packageJSON as Manifest;
    assert.ok(
      (manifest.contributes.views.feldera ?? []).some((v) => v.id === 'feldera.pipelines'),
      'package.json has no view feldera.pipelines in the container feldera',
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ['workbench.view.extension.feldera', 'feldera.pipelines.focus']) {
      assert.ok(registered.has(id), `command ${id} is missing: the view or its container is not contributed`);
    }
  });

  it('shows the welcome content with an "Add Server" button when no server is configured', async function () {
    if (!ui.available()) this.skip();
    await vscode.commands.executeCommand('workbench.view.extension.feldera');
    await vscode.commands.executeCommand('feldera.pipelines.focus');
    // The side bar shows the container's composite, whose element id is the container's view id.
    const welcomeContent = '[id="workbench.view.extension.feldera"] .welcome-view-content';
    try {
      const welcome = await ui
        .text(welcomeContent, { timeoutMs: 15_000 })
        .catch((err: Error) => assert.fail(`the Pipelines view shows no welcome content: ${err.message}`));
      assert.match(welcome, /No Feldera server is configured/);
      const button = await ui
        .text(`${welcomeContent} .monaco-button`, { hasText: 'Add Server' })
        .catch((err: Error) => assert.fail(`the welcome content has no "Add Server" button: ${err.message}`));
      assert.strictEqual(button.trim(), 'Add Server');
    } finally {
      await ui.screenshot('tree-welcome');
    }
  });
});

describe('activation: what other extensions get', () => {
  it("exports the parts the tests observe in the tests' window only, and nothing in normal use", async () => {
    const ext = extension();
    const api = (ext.isActive ? ext.exports : await ext.activate()) as TestApi | undefined;
    assert.ok(api, "activate() exported nothing in the tests' window");
    assert.strictEqual(api.extensionMode, vscode.ExtensionMode.Test, 'the host tests do not run in ExtensionMode.Test');
    for (const part of ['model', 'view', 'registry', 'statusBar'] as const) assert.ok(api[part], `no ${part}`);
    // The same decision activate() makes, asked for the other modes: an installed extension gets nothing.
    assert.strictEqual(api.exportsFor(vscode.ExtensionMode.Production), undefined);
    assert.strictEqual(api.exportsFor(vscode.ExtensionMode.Development), undefined);
    assert.strictEqual(api.exportsFor(vscode.ExtensionMode.Test)?.model, api.model);
  });
});
