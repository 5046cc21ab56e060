// test/run-all.js (what `npm test` runs) refuses a level it does not know instead of running nothing and passing.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

describe('test/run-all.js', () => {
  it('an unknown level is an error that names the valid levels, and nothing is built or run', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'test', 'run-all.js'), 'nonsense'], {
      cwd: ROOT,
      encoding: 'utf8',
      // A runner that ignored the level would start building: stop it rather than let it run a level.
      timeout: 15_000,
    });
    assert.strictEqual(r.error, undefined, `the runner did not end by itself: ${r.error?.message}`);
    assert.notStrictEqual(r.status, 0, 'an unknown level passed');
    assert.match(r.stderr, /unknown level "nonsense"/);
    assert.match(r.stderr, /\bunit\b/);
    assert.match(r.stderr, /\bhost\b/);
    assert.doesNotMatch(r.stdout, /── build/, 'the runner went on to build');
  });
});
