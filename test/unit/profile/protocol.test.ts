// The host checks every message from the webview before acting on it.
import * as assert from 'assert';
import fc from 'fast-check';
import { parseWebviewMessage, type WebviewMessage } from '../../../src/viewer/protocol';

describe('profile viewer: webview messages', () => {
  it('accepts every message type, with and without its optional fields', () => {
    const valid: WebviewMessage[] = [
      { type: 'ready' },
      { type: 'openWithSamply' },
      { type: 'select', requestId: 3, threads: [0, 2], cpuOnly: true },
      { type: 'select', requestId: 3, threads: [0], cpuOnly: false, range: { start: -1.5, end: 20 }, operator: 'nn18' },
      { type: 'details', requestId: 4, func: 12, threads: [], cpuOnly: false },
      {
        type: 'details',
        requestId: 4,
        func: 0,
        threads: [1],
        cpuOnly: true,
        range: { start: 0, end: 1 },
        operator: 'x',
      },
      { type: 'threadStats', requestId: 5 },
      { type: 'threadStats', requestId: 5, range: { start: 10, end: 11 }, operator: 'nn106_n52' },
      { type: 'operators', requestId: 6, threads: [1, 2] },
      {
        type: 'operators',
        requestId: 6,
        threads: [],
        range: { start: 0, end: 5 },
        sort: 'skew',
        descending: false,
        filter: 'Map',
        limit: 50,
      },
      { type: 'operatorDetails', requestId: 7, nodeId: 'nn18', threads: [3] },
      { type: 'operatorDetails', requestId: 7, nodeId: 'nn18', threads: [3], range: { start: 1, end: 2 } },
      { type: 'timeline', requestId: 8, threads: [0], cpuOnly: false, buckets: 800 },
      {
        type: 'timeline',
        requestId: 8,
        threads: [],
        cpuOnly: true,
        buckets: 1,
        window: { start: 0, end: 9 },
        maxSpans: 10,
      },
    ];
    for (const m of valid) assert.deepStrictEqual(parseWebviewMessage(m), m, JSON.stringify(m));
    // Unknown extra fields are dropped, not passed on.
    assert.deepStrictEqual(parseWebviewMessage({ type: 'openWithSamply', extra: 1 }), { type: 'openWithSamply' });
    assert.deepStrictEqual(
      parseWebviewMessage({ type: 'threadStats', requestId: 1, range: { start: 0, end: 1, evil: 'x' }, junk: true }),
      { type: 'threadStats', requestId: 1, range: { start: 0, end: 1 } },
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
      { type: 'select', requestId: 1, threads: [], cpuOnly: false, range: { start: 2, end: 1 } },
      { type: 'select', requestId: 1, threads: [], cpuOnly: false, range: { start: 0, end: Infinity } },
      { type: 'select', requestId: 1, threads: [], cpuOnly: false, range: { start: '0', end: 1 } },
      { type: 'select', requestId: 1, threads: [], cpuOnly: false, range: [0, 1] },
      { type: 'select', requestId: 1, threads: [], cpuOnly: false, operator: 18 },
      { type: 'select', requestId: 1, threads: [], cpuOnly: false, operator: 'n'.repeat(501) },
      { type: 'details', requestId: 1, func: 'x', threads: [], cpuOnly: false },
      { type: 'threadStats' },
      { type: 'threadStats', requestId: 1, range: { start: NaN, end: 1 } },
      { type: 'operators', requestId: 1 },
      { type: 'operators', requestId: 1, threads: [], sort: 'size' },
      { type: 'operators', requestId: 1, threads: [], limit: -1 },
      { type: 'operators', requestId: 1, threads: [], descending: 'yes' },
      { type: 'operators', requestId: 1, threads: [], filter: {} },
      { type: 'operatorDetails', requestId: 1, threads: [] },
      { type: 'operatorDetails', requestId: 1, nodeId: 5, threads: [] },
      { type: 'timeline', requestId: 1, threads: [], cpuOnly: false },
      { type: 'timeline', requestId: 1, threads: [], cpuOnly: false, buckets: 0 },
      { type: 'timeline', requestId: 1, threads: [], cpuOnly: false, buckets: 10001 },
      { type: 'timeline', requestId: 1, threads: [], cpuOnly: false, buckets: 10, maxSpans: 0 },
      { type: 'timeline', requestId: 1, threads: [], cpuOnly: false, buckets: 10, window: { start: 1, end: 1 } },
    ]) {
      assert.strictEqual(parseWebviewMessage(m), undefined, JSON.stringify(m));
    }
  });

  it('never throws, and what it accepts is a known type with a whole requestId', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              type: fc.constantFrom('select', 'details', 'threadStats', 'operators', 'operatorDetails', 'timeline'),
              requestId: fc.oneof(fc.nat(), fc.double()),
              threads: fc.oneof(fc.array(fc.nat({ max: 5 })), fc.anything()),
              cpuOnly: fc.oneof(fc.boolean(), fc.anything()),
              range: fc.oneof(fc.record({ start: fc.double(), end: fc.double() }), fc.anything()),
              buckets: fc.oneof(fc.integer({ min: -2, max: 20000 }), fc.anything()),
              nodeId: fc.oneof(fc.string(), fc.anything()),
              func: fc.oneof(fc.nat(), fc.anything()),
            },
            { requiredKeys: ['type'] },
          ),
        ),
        (m) => {
          const r = parseWebviewMessage(m);
          if (r === undefined || r.type === 'ready' || r.type === 'openWithSamply') return;
          assert.ok(Number.isInteger(r.requestId) && r.requestId >= 0);
          if ('range' in r && r.range) assert.ok(r.range.start < r.range.end);
          if ('threads' in r) assert.ok(r.threads.every((t) => Number.isInteger(t) && t >= 0));
        },
      ),
    );
  });
});
