// The auto-refresh timing, on Node's mock timers: the test moves time itself, so a loaded machine cannot shift a
// refresh across a check, and every figure below is exact.
import assert from 'assert';
import { mock } from 'node:test';
import { RefreshScheduler } from '../../../src/pipelines/refreshScheduler';

const START = 1_000_000;

/** Runs what is due now, and the promise callbacks it starts, until nothing more happens. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    mock.timers.tick(0);
    // setImmediate is not mocked: one turn of the real event loop runs every pending promise callback.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Moves the mock clock forward 1 ms at a time, so each timer fires at its own millisecond. */
async function advance(ms: number): Promise<void> {
  await settle();
  for (let t = 0; t < ms; t++) {
    mock.timers.tick(1);
    await settle();
  }
}

/** A refresh that takes `ms` of mock time and records when each one started. */
function refresher(ms: number) {
  const r = { starts: [] as number[], running: 0, maxRunning: 0 };
  const refresh = async () => {
    r.starts.push(Date.now() - START);
    r.running++;
    r.maxRunning = Math.max(r.maxRunning, r.running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    r.running--;
  };
  return { r, refresh };
}

describe('RefreshScheduler', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START }));
  afterEach(() => mock.timers.reset());

  it('refreshes only while visible, a full interval after the last one ended, never two at once', async () => {
    const { r, refresh } = refresher(30);
    const s = new RefreshScheduler(refresh, () => 0.05);
    await advance(200);
    assert.deepStrictEqual(r.starts, [], 'no refresh while hidden');
    s.setVisible(true);
    await advance(400);
    // Shown at 200 with nothing loaded: at once; then each one 30 ms long plus the 50 ms interval.
    assert.deepStrictEqual(r.starts, [200, 280, 360, 440, 520, 600]);
    assert.strictEqual(r.maxRunning, 1);
    s.setVisible(false);
    await advance(300);
    assert.strictEqual(r.starts.length, 6, 'a refresh after hiding');
    s.dispose();
  });

  it('an interval of 0 turns auto-refresh off', async () => {
    const { r, refresh } = refresher(0);
    const s = new RefreshScheduler(refresh, () => 0);
    s.setVisible(true);
    await advance(2000);
    assert.deepStrictEqual(r.starts, []);
    s.dispose();
  });

  it('a manual refresh pushes the next automatic one a full interval away', async () => {
    const { r, refresh } = refresher(0);
    const s = new RefreshScheduler(refresh, () => 0.3);
    s.setVisible(true);
    await advance(50);
    assert.deepStrictEqual(r.starts, [0], 'first shown with nothing loaded: refreshes at once');
    await advance(200);
    s.noteRefreshed(); // at 250: the one due at 300 moves to 550
    await advance(299);
    assert.deepStrictEqual(r.starts, [0], 'the scheduled refresh moved after the manual one');
    await advance(1);
    assert.deepStrictEqual(r.starts, [0, 550]);
    s.dispose();
  });

  it('showing the view again refreshes only when an interval has passed since the last refresh', async () => {
    const { r, refresh } = refresher(0);
    const s = new RefreshScheduler(refresh, () => 0.3);
    s.setVisible(true);
    await advance(100);
    s.setVisible(false);
    await advance(100);
    s.setVisible(true); // at 200, 200 ms after the refresh at 0: the next is due at 300
    await advance(99);
    assert.deepStrictEqual(r.starts, [0]);
    await advance(1);
    assert.deepStrictEqual(r.starts, [0, 300]);
    s.dispose();
  });
});
