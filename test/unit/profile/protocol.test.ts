// The host checks every message from the webview before acting on it.
import * as assert from 'assert';
import { parseWebviewMessage } from '../../../src/viewer/protocol';

describe('profile viewer: webview messages', () => {
  it('accepts the four message types', () => {
    assert.deepStrictEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'openWithSamply', extra: 1 }), { type: 'openWithSamply' });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'select', requestId: 3, threads: [0, 2], cpuOnly: true }), {
      type: 'select',
      requestId: 3,
      threads: [0, 2],
      cpuOnly: true,
    });
    assert.deepStrictEqual(
      parseWebviewMessage({ type: 'details', requestId: 4, func: 12, threads: [], cpuOnly: false }),
      { type: 'details', requestId: 4, func: 12, threads: [], cpuOnly: false },
    );
  });

  it('rejects malformed ones', () => {
    for (const m of [
      null,
      'ready',
      { type: 'nope' },
      { type: 'select', requestId: 1, threads: [-1], cpuOnly: false },
      { type: 'select', requestId: 1, threads: ['0'], cpuOnly: false },
      { type: 'select', requestId: 1.5, threads: [], cpuOnly: false },
      { type: 'select', requestId: 1, threads: [], cpuOnly: 'yes' },
      { type: 'details', requestId: 1, func: 'x', threads: [], cpuOnly: false },
    ]) {
      assert.strictEqual(parseWebviewMessage(m), undefined, JSON.stringify(m));
    }
  });
});
