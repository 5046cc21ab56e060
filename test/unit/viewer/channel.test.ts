// The webview's requests to the host (src/viewer/webview/state.ts Channel): a burst of changes (a range dragged over
// the timeline) sends one request at a time, the newest when the answer comes; only the newest answer is shown, and a
// failure or a cancel never leaves the channel stuck. The module runs here as in the webview, with a stand-in for the
// webview API (acquireVsCodeApi) that records what would be posted to the host.
import assert from 'assert';
import type { WebviewMessage } from '../../../src/viewer/protocol';

type StateModule = typeof import('../../../src/viewer/webview/state');

const posted: WebviewMessage[] = [];
let state: StateModule;

before(() => {
  (globalThis as Record<string, unknown>).acquireVsCodeApi = () => ({
    postMessage: (m: WebviewMessage) => posted.push(m),
    getState: () => undefined,
    setState: () => undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  state = require('../../../src/viewer/webview/state') as StateModule;
});
after(() => delete (globalThis as Record<string, unknown>).acquireVsCodeApi);
beforeEach(() => {
  posted.length = 0;
});

/** Lets pending timers (the channel's debounce) run. */
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('webview requests (Channel)', () => {
  it('a burst of range changes sends one request at a time and shows only answers to the newest', async () => {
    const shown: number[] = [];
    let start = 0;
    const channel = new state.Channel(
      'threadStats',
      (requestId) => ({ type: 'threadStats', requestId, range: { start, end: start + 10 } }),
      (m) => shown.push(m.threads.length),
    );
    // A drag: twenty moves while the first request is in flight.
    channel.request(0);
    await tick();
    assert.strictEqual(posted.length, 1);
    for (let k = 1; k <= 20; k++) {
      start = k;
      channel.request(0);
      await tick(1);
    }
    assert.strictEqual(posted.length, 1, 'nothing more is sent while the worker is busy');
    const first = posted[0] as Extract<WebviewMessage, { type: 'threadStats' }>;
    // Its answer comes: it is shown (the views follow the drag), and the newest range goes out at once.
    state.dispatchAnswer({ type: 'threadStats', requestId: first.requestId, threads: [] });
    assert.deepStrictEqual(shown, [0]);
    assert.strictEqual(posted.length, 2);
    const second = posted[1] as Extract<WebviewMessage, { type: 'threadStats' }>;
    assert.deepStrictEqual(second.range, { start: 20, end: 30 }, 'the newest range, not the ones in between');
    // A stale answer (an old id) is ignored; the newest one is shown, and nothing else is sent.
    state.dispatchAnswer({ type: 'threadStats', requestId: first.requestId, threads: [] });
    state.dispatchAnswer({ type: 'threadStats', requestId: second.requestId, threads: [{} as never, {} as never] });
    assert.deepStrictEqual(shown, [0, 2]);
    await tick();
    assert.strictEqual(posted.length, 2);
  });

  it('requests within the debounce delay become one', async () => {
    let n = 0;
    const channel = new state.Channel(
      'operators',
      (requestId) => ({ type: 'operators', requestId, threads: [n] }),
      () => undefined,
    );
    for (n = 1; n <= 5; n++) channel.request(20);
    await tick(60);
    assert.strictEqual(posted.length, 1);
    assert.deepStrictEqual((posted[0] as Extract<WebviewMessage, { type: 'operators' }>).threads, [6]);
  });

  it('a failed request frees the channel, and after cancel the answer on its way is not shown', async () => {
    const shown: string[] = [];
    const busy: boolean[] = [];
    const channel = new state.Channel(
      'timeline',
      (requestId) => ({ type: 'timeline', requestId, threads: [], cpuOnly: false, buckets: 10 }),
      () => shown.push('timeline'),
      (b) => busy.push(b),
    );
    channel.request(0);
    await tick();
    state.dispatchFailure('timeline', posted[0].type === 'timeline' ? posted[0].requestId : -1);
    assert.deepStrictEqual(shown, []);
    assert.strictEqual(busy[busy.length - 1], false, 'not busy after the failure');
    channel.request(0);
    await tick();
    assert.strictEqual(posted.length, 2, 'a new request goes out after the failure');
    channel.cancel();
    const id = (posted[1] as Extract<WebviewMessage, { type: 'timeline' }>).requestId;
    state.dispatchAnswer({
      type: 'timeline',
      requestId: id,
      timeline: {} as never,
    });
    assert.deepStrictEqual(shown, [], 'the cancelled answer is dropped');
    channel.request(0);
    await tick();
    assert.strictEqual(posted.length, 3, 'and the channel still works');
  });
});
