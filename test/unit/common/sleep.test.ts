// The one abortable sleep (src/common/sleep.ts), used by the client's retries and the fetcher's polling.
import assert from 'assert';
import { sleep } from '../../../src/common/sleep';

/** Runs `fn` while recording the timers it starts and the ones it clears (Node's own timers, watched, not faked). */
async function watchTimers<T>(fn: () => Promise<T>): Promise<{ value: T; started: number; pending: number }> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const live = new Set<unknown>();
  let started = 0;
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    const t = realSet(() => {
      live.delete(t);
      cb();
    }, ms);
    live.add(t);
    started++;
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: NodeJS.Timeout) => {
    live.delete(t);
    realClear(t);
  }) as typeof clearTimeout;
  try {
    const value = await fn();
    return { value, started, pending: live.size };
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

describe('sleep (one home)', () => {
  it('resolves true once the time has passed', async () => {
    const started = Date.now();
    assert.strictEqual(await sleep(30), true);
    assert.ok(Date.now() - started >= 25, 'woke up early');
  });

  it('resolves false at once when the signal has already fired, starting no timer', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await watchTimers(() => sleep(60_000, ac.signal));
    assert.deepStrictEqual(r, { value: false, started: 0, pending: 0 });
  });

  it('resolves false when the signal fires meanwhile, and leaves no timer behind', async () => {
    const ac = new AbortController();
    const r = await watchTimers(() => {
      const p = sleep(60_000, ac.signal);
      setImmediate(() => ac.abort());
      return p;
    });
    assert.deepStrictEqual(r, { value: false, started: 1, pending: 0 }, 'the 60 s timer outlived the abort');
  });
});
