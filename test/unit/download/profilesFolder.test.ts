import assert from 'assert';
import * as path from 'path';
import { profilesFolderIn } from '../../../src/download/profilesFolder';

describe('profiles folder setting', () => {
  const root = path.resolve('/work/ws');
  it('joins a relative setting to the workspace folder', () => {
    assert.strictEqual(profilesFolderIn(root, '.feldera/profiles'), path.join(root, '.feldera', 'profiles'));
    assert.strictEqual(profilesFolderIn(root, 'a/../b'), path.join(root, 'b'));
    assert.strictEqual(profilesFolderIn(root, '..profiles'), path.join(root, '..profiles'));
  });
  it('falls back to the default for empty or non-string values', () => {
    assert.strictEqual(profilesFolderIn(root, ''), path.join(root, '.feldera', 'profiles'));
    assert.strictEqual(profilesFolderIn(root, 42), path.join(root, '.feldera', 'profiles'));
  });
  it('refuses absolute paths and paths that leave the folder, with a clear message', () => {
    assert.throws(() => profilesFolderIn(root, '/etc'), /must be relative/);
    assert.throws(() => profilesFolderIn(root, 'C:\\x'), /must be relative/);
    assert.throws(() => profilesFolderIn(root, '../elsewhere'), /outside the workspace folder/);
    assert.throws(() => profilesFolderIn(root, 'a/../../x'), /outside the workspace folder/);
  });
});
