// The "Get started with Feldera" walkthrough in a fresh window of the real VS Code (its own run of runHeadless, see
// test/run-all.js): VS Code counts a completion event once per window, so no other suite may have added a server or
// collected a profile before. Each step is done the way a user does it and must tick itself in the walkthrough page.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { EXTENSION_ID } from '../index';
import { extensionApi, setSetting } from '../support';
import { ui } from '../ui';

const WALKTHROUGH = `${EXTENSION_ID}#feldera.gettingStarted`;
const STEPS = ['addServer', 'seePipelines', 'collectProfile', 'readProfile'];

interface Step {
  id: string;
  title: string;
  description: string;
  media: { image: Record<'light' | 'dark' | 'hc' | 'hcLight', string>; altText: string };
  completionEvents: string[];
}

interface Manifest {
  contributes: {
    walkthroughs: { id: string; title: string; steps: Step[] }[];
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
  };
}

const checkbox = (step: string) => `[data-done-step-id="${WALKTHROUGH}#${step}"]`;

async function openWalkthrough(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
  await ui.waitFor('.gettingStartedContainer', { text: 'Get started with Feldera' });
}

/** Waits until the walkthrough page shows the step ticked (or, with `done` false, not ticked). */
async function expectTicked(step: string, done = true): Promise<void> {
  await openWalkthrough();
  await ui
    .waitFor(`${checkbox(step)}${done ? '.complete' : ':not(.complete)'}`, { state: 'attached', timeoutMs: 15_000 })
    .catch((err: Error) => assert.fail(`step ${step} is ${done ? 'not ticked' : 'ticked already'}: ${err.message}`));
}

describe('Walkthrough', function () {
  this.timeout(120_000);
  let emu: FelderaEmulator;
  let url: string;

  before(async () => {
    emu = new FelderaEmulator({ pipelines: [{ name: 'orders', deploymentStatus: 'Running' }], postWaitMs: 50 });
    url = await emu.start();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('feldera').update('servers', [], vscode.ConfigurationTarget.Global);
    await emu.stop();
  });

  it('is contributed: four steps with light and dark images that exist, each completing on an event that exists', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const manifest = ext.packageJSON as Manifest;
    const walkthrough = manifest.contributes.walkthroughs.find((w) => `${EXTENSION_ID}#${w.id}` === WALKTHROUGH);
    assert.ok(walkthrough, 'no walkthrough feldera.gettingStarted');
    assert.deepStrictEqual(
      walkthrough.steps.map((s) => s.id),
      STEPS,
    );
    // Registered ones (a view's focus command) and contributed ones (registered only once the extension is active).
    const commands = new Set([
      ...(await vscode.commands.getCommands(true)),
      ...manifest.contributes.commands.map((c) => c.command),
    ]);
    const views = Object.values(manifest.contributes.views).flatMap((v) => v.map((x) => x.id));
    for (const step of walkthrough.steps) {
      const { light, dark, hc, hcLight } = step.media.image;
      assert.notStrictEqual(light, dark, `${step.id}: the same image for light and dark themes`);
      for (const image of [light, dark, hc, hcLight]) {
        assert.ok(fs.existsSync(path.join(ext.extensionPath, image)), `${step.id}: ${image} is missing`);
        assert.match(fs.readFileSync(path.join(ext.extensionPath, image), 'utf8'), /^<svg /);
      }
      assert.ok(step.media.altText.length > 20, `${step.id}: no alt text`);
      assert.ok(step.completionEvents.length > 0, `${step.id} completes only when clicked`);
      for (const event of step.completionEvents) {
        const [kind, arg] = [event.slice(0, event.indexOf(':')), event.slice(event.indexOf(':') + 1)];
        if (kind === 'onCommand') assert.ok(commands.has(arg), `${step.id}: ${arg} is not a command`);
        else if (kind === 'onView') assert.ok(views.includes(arg), `${step.id}: ${arg} is not a view`);
        else assert.strictEqual(kind, 'onContext', `${step.id}: ${event}`);
      }
      // Every step has a button (a command link alone on its line) that does it.
      const button = /\n\[[^\]]+\]\(command:([\w.]+)\)$/.exec(step.description);
      assert.ok(button && commands.has(button[1]), `${step.id}: no button for a real command`);
    }
  });

  it('ticks each step when the user does it: add a server, see the pipelines, collect a profile, read it', async function () {
    if (!ui.available()) this.skip();
    await openWalkthrough();
    for (const step of STEPS) await expectTicked(step, false);
    await ui.screenshot('walkthrough');

    // 1. The step's own button, then the two inputs of Add Server, as a user fills them.
    await ui.click(`button.getting-started-step[data-step-id="${WALKTHROUGH}#addServer"]`);
    await ui.click('.getting-started-detail-container .monaco-button, .step-description-container .monaco-button', {
      hasText: 'Add Server',
    });
    await ui.waitFor('.quick-input-widget', { text: 'URL of the Feldera pipeline manager' });
    await ui.fill('.quick-input-widget input', url);
    await ui.submitInput(url);
    await ui.waitFor('.quick-input-widget', { text: 'A name to show in the Pipelines view' });
    await ui.fill('.quick-input-widget input', 'local');
    await ui.submitInput('local');
    const api = await extensionApi();
    await setSetting('pipelines.refreshIntervalSeconds', 0);
    await expectTicked('addServer');
    assert.deepStrictEqual(
      api.registry.list().map((s) => s.name),
      ['local'],
    );
    await expectTicked('seePipelines', false);

    // 2. Showing the Pipelines view.
    await ui.click(`button.getting-started-step[data-step-id="${WALKTHROUGH}#seePipelines"]`);
    await ui.click('.step-description-container .monaco-button', { hasText: 'Show Pipelines' });
    await ui.waitFor('[id="workbench.view.extension.feldera"]');
    await expectTicked('seePipelines');

    // 3. Running the command is not enough: a failed collection does not tick the step.
    emu.faults.failNextCollection = 'samply: not found';
    await vscode.commands.executeCommand('feldera.collectSamplyProfile', { pipeline: 'orders', durationSeconds: 1 });
    await expectTicked('collectProfile', false);
    const uris = (await vscode.commands.executeCommand('feldera.collectSamplyProfile', {
      pipeline: 'orders',
      durationSeconds: 1,
    })) as vscode.Uri[];
    assert.strictEqual(uris.length, 1);
    await expectTicked('collectProfile');
    await expectTicked('readProfile', false);

    // 4. Opening the saved profile (its default editor is the profile summary).
    await vscode.commands.executeCommand('vscode.open', uris[0]);
    await ui.waitFor('.tab.active', { text: path.basename(uris[0].fsPath) });
    await expectTicked('readProfile');
    await ui.screenshot('walkthrough-done');
  });
});
