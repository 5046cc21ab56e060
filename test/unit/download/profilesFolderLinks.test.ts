// feldera.profiles.folder through symbolic links, with real links in a real temporary folder: a repository that
// ships `.feldera` as a link must not redirect profiles outside the workspace.
import assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { profilesFolderIn } from '../../../src/download/profilesFolder';

describe('profiles folder through symbolic links', () => {
  let base: string;
  let ws: string;
  let outside: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-links-'));
    ws = path.join(base, 'workspace');
    outside = path.join(base, 'outside');
    fs.mkdirSync(ws);
    fs.mkdirSync(outside);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('refuses a folder whose path goes through a link that leaves the workspace, saying so', () => {
    fs.symlinkSync(outside, path.join(ws, '.feldera'), 'dir');
    assert.throws(
      () => profilesFolderIn(ws, undefined),
      (e: Error) =>
        /leads outside the workspace folder through a symbolic link/.test(e.message) &&
        e.message.includes(fs.realpathSync(outside)),
    );
    // Deeper too: the link is the last existing part, the rest does not exist yet.
    assert.throws(() => profilesFolderIn(ws, '.feldera/a/b/c'), /through a symbolic link/);
    // A link to the folder above the workspace, then back down.
    fs.symlinkSync(base, path.join(ws, 'up'), 'dir');
    assert.throws(() => profilesFolderIn(ws, 'up/outside/p'), /through a symbolic link/);
  });

  it('allows a link that stays inside the workspace', () => {
    fs.mkdirSync(path.join(ws, 'real', 'profiles'), { recursive: true });
    fs.symlinkSync(path.join(ws, 'real'), path.join(ws, '.feldera'), 'dir');
    assert.strictEqual(profilesFolderIn(ws, undefined), path.join(ws, '.feldera', 'profiles'));
  });

  it('allows a folder that does not exist yet', () => {
    assert.strictEqual(profilesFolderIn(ws, 'not/yet/there'), path.join(ws, 'not', 'yet', 'there'));
    assert.strictEqual(profilesFolderIn(ws, undefined), path.join(ws, '.feldera', 'profiles'));
  });

  it('allows a workspace folder that is itself reached through a link', () => {
    const linkedWs = path.join(base, 'linked-workspace');
    fs.symlinkSync(ws, linkedWs, 'dir');
    assert.strictEqual(profilesFolderIn(linkedWs, undefined), path.join(linkedWs, '.feldera', 'profiles'));
  });

  it('refuses a link to nothing (where it would lead cannot be checked)', () => {
    fs.symlinkSync(path.join(base, 'gone'), path.join(ws, '.feldera'), 'dir');
    assert.throws(() => profilesFolderIn(ws, undefined), /cannot be resolved .*ENOENT/);
  });
});
