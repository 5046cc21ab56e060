import assert from 'assert';
import { RefreshScheduler } from '../../../src/pipelines/refreshScheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RefreshScheduler', () => {
  it('refreshes only while visible, never two at once', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const s = new RefreshScheduler(
      async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(30);
        running--;
      },
      () => 0.05,
    );
    await sleep(200);
    assert.strictEqual(calls, 0, 'no refresh while hidden');
    s.setVisible(true);
    await sleep(400);
    assert.ok(calls >= 3, `expected several refreshes while visible, got ${calls}`);
    assert.strictEqual(maxRunning, 1);
    s.setVisible(false);
    const atHide = calls + (running ? 0 : 0);
    await sleep(300);
    assert.ok(calls <= atHide + 1, 'at most the one in flight finishes after hiding');
    s.dispose();
  });

  it('an interval of 0 turns auto-refresh off', async () => {
    let calls = 0;
    const s = new RefreshScheduler(
      async () => void calls++,
      () => 0,
    );
    s.setVisible(true);
    await sleep(200);
    assert.strictEqual(calls, 0);
    s.dispose();
  });

  it('a manual refresh pushes the next automatic one a full interval away', async () => {
    let calls = 0;
    const s = new RefreshScheduler(
      async () => void calls++,
      () => 0.3,
    );
    s.setVisible(true);
    await sleep(50);
    assert.strictEqual(calls, 1, 'first shown with nothing loaded: refreshes at once');
    await sleep(200);
    s.noteRefreshed();
    await sleep(200);
    assert.strictEqual(calls, 1, 'the scheduled refresh moved after the manual one');
    await sleep(200);
    assert.strictEqual(calls, 2);
    s.dispose();
  });
});
