// Issue: the built-in samply profile summary (custom editor), in the real extension host and browser.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as vscode from 'vscode';
import { FelderaEmulator } from '../../emulator/emulator';
import { ui } from '../ui';
import { extensionApi, workspaceRoot } from '../support';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'samply', 'fixtures');
const WEBVIEW = { frameUrlContains: 'extensionId=feldera-community.feldera-vscode', timeoutMs: 30_000 };

describe('Samply profile viewer', function () {
  this.timeout(90_000);

  before(async function () {
    await extensionApi();
    if (!ui.available()) this.skip();
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens a real samply profile and shows its top function (screenshot: profile)', async function () {
    const fixture = path.join(FIXTURES, 'agave-bench-shred-v55-linux.json.gz');
    if (!fs.existsSync(fixture)) {
      console.log(`skipped: ${FIXTURES} not found (../shared is absent in this clone)`);
      this.skip();
    }
    await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(fixture));
    const top = await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
    assert.strictEqual(top.trim(), '0x11806d [libc.so.6]', 'top self function over all threads (SOURCES.md values)');
    const total = await ui.frameText('#top-total tbody tr:first-child td:first-child', WEBVIEW);
    assert.strictEqual(total.trim(), '0xf2b950 [solana]');
    await ui.screenshot('profile');
  });

  it('is the default editor for profiles saved in .feldera/profiles', async () => {
    const fixture = path.join(FIXTURES, 'agave-bench-shred-v55-linux.json.gz');
    const dir = path.join(workspaceRoot(), '.feldera', 'profiles');
    fs.mkdirSync(dir, { recursive: true });
    const saved = path.join(dir, 'viewer-default-samply-20260101T000000Z.json.gz');
    // A profile like the ones the extension saves: the emulator's v57 profile if the fixture is absent.
    fs.writeFileSync(
      saved,
      fs.existsSync(fixture) ? fs.readFileSync(fixture) : FelderaEmulator.smallProfileBytes('viewer-default', 0, 1),
    );
    try {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(saved));
      const top = await ui.frameText('#top-self tbody tr:first-child td:first-child', WEBVIEW);
      assert.ok(top.trim().length > 0, 'the Samply Profile editor opened and shows a top function');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(saved, { force: true });
    }
  });

  it('shows a clear message and "Open with samply" for a file that is not a profile', async () => {
    const bad = path.join(workspaceRoot(), 'not-a-profile.json.gz');
    fs.writeFileSync(bad, zlib.gzipSync(Buffer.from('<html>proxy error</html>')));
    try {
      await vscode.commands.executeCommand('feldera.openProfileSummary', vscode.Uri.file(bad));
      const msg = await ui.frameText('#error-message', { ...WEBVIEW, hasText: 'JSON' });
      assert.match(msg, /JSON/i);
      const button = await ui.frameText('#open-samply', { ...WEBVIEW, hasText: 'samply' });
      assert.match(button, /samply/i);
    } finally {
      fs.rmSync(bad, { force: true });
    }
  });
});
