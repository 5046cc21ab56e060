// A refresh that fails must not become an unhandled rejection (the extension host only logs those, where nobody
// looks) nor stop the automatic refreshes.
import assert from 'assert';
import { RefreshScheduler } from '../../../src/pipelines/refreshScheduler';

describe('RefreshScheduler when a refresh fails', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => process.off('unhandledRejection', onUnhandled));

  it('reports the failure, leaves no unhandled rejection, and keeps refreshing', async () => {
    const reported: unknown[] = [];
    let calls = 0;
    let third!: () => void;
    const thirdCall = new Promise<void>((r) => (third = r));
    const s = new RefreshScheduler(
      async () => {
        calls++;
        if (calls === 3) third();
        if (calls === 1) throw new Error('boom');
        if (calls === 2) return Promise.reject('rejected without an Error');
      },
      () => 0.01,
      (e) => reported.push(e),
    );
    s.setVisible(true);
    await thirdCall;
    s.dispose();
    await new Promise((r) => setImmediate(r));
    assert.strictEqual(reported.length, 2);
    assert.match(String(reported[0]), /boom/);
    assert.strictEqual(reported[1], 'rejected without an Error');
    assert.deepStrictEqual(unhandled, []);
  });

  it('a reporter that throws stops nothing', async () => {
    let calls = 0;
    let second!: () => void;
    const secondCall = new Promise<void>((r) => (second = r));
    const s = new RefreshScheduler(
      async () => {
        if (++calls === 2) second();
        throw new Error('boom');
      },
      () => 0.01,
      () => {
        throw new Error('the reporter failed too');
      },
    );
    s.setVisible(true);
    await secondCall;
    s.dispose();
    await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual(unhandled, []);
  });
});
