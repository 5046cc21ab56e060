// The profile editor's SQL messages from the webview (By SQL, open the SQL at a position), checked before the host
// acts on them, like the others (test/unit/profile/protocol.test.ts).
import * as assert from 'assert';
import fc from 'fast-check';
import { parseWebviewMessage, type WebviewMessage } from '../../../src/viewer/protocol';

const RANGE = { startLine: 3, startColumn: 1, endLine: 9, endColumn: 2 };

describe('profile viewer: SQL messages from the webview', () => {
  it('accepts bySql (with and without a range) and openSql', () => {
    const valid: WebviewMessage[] = [
      { type: 'bySql', requestId: 1, threads: [] },
      { type: 'bySql', requestId: 2, threads: [0, 3], range: { start: -2, end: 7.5 } },
      { type: 'openSql', range: RANGE },
      { type: 'openSql', range: { startLine: 4, startColumn: 9, endLine: 4, endColumn: 1 } },
    ];
    for (const m of valid) assert.deepStrictEqual(parseWebviewMessage(m), m, JSON.stringify(m));
    // Extra fields are dropped.
    assert.deepStrictEqual(parseWebviewMessage({ type: 'openSql', range: { ...RANGE, file: '/etc/passwd' }, x: 1 }), {
      type: 'openSql',
      range: RANGE,
    });
  });

  it('rejects malformed ones', () => {
    for (const m of [
      { type: 'bySql' },
      { type: 'bySql', requestId: 1 },
      { type: 'bySql', requestId: 1, threads: [-1] },
      { type: 'bySql', requestId: 1, threads: [], range: { start: 3, end: 3 } },
      { type: 'bySql', requestId: '1', threads: [] },
      { type: 'openSql' },
      { type: 'openSql', range: null },
      { type: 'openSql', range: [3, 1, 9, 2] },
      { type: 'openSql', range: { ...RANGE, startLine: 0 } },
      { type: 'openSql', range: { ...RANGE, startColumn: 0 } },
      { type: 'openSql', range: { ...RANGE, endLine: 2 } },
      { type: 'openSql', range: { ...RANGE, endColumn: 1.5 } },
      { type: 'openSql', range: { ...RANGE, endLine: '9' } },
      { type: 'openSql', range: { ...RANGE, endLine: 1e12 } },
      { type: 'openSql', range: { startLine: 1, startColumn: 1, endLine: 2 } },
    ]) {
      assert.strictEqual(parseWebviewMessage(m), undefined, JSON.stringify(m));
    }
  });

  it('never throws; an accepted openSql is whole 1-based lines and columns, start line ≤ end line', () => {
    const n = fc.oneof(fc.integer({ min: -3, max: 50 }), fc.double(), fc.anything());
    fc.assert(
      fc.property(
        fc.record(
          {
            type: fc.constantFrom('openSql', 'bySql'),
            requestId: fc.oneof(fc.nat(), fc.anything()),
            threads: fc.oneof(fc.array(fc.nat({ max: 5 })), fc.anything()),
            range: fc.oneof(
              fc.record({ startLine: n, startColumn: n, endLine: n, endColumn: n }),
              fc.record({ start: fc.double(), end: fc.double() }),
              fc.anything(),
            ),
          },
          { requiredKeys: ['type'] },
        ),
        (m) => {
          const r = parseWebviewMessage(m);
          if (r?.type === 'openSql') {
            const { startLine, startColumn, endLine, endColumn } = r.range;
            for (const v of [startLine, startColumn, endLine, endColumn]) assert.ok(Number.isInteger(v) && v >= 1);
            assert.ok(startLine <= endLine);
            assert.deepStrictEqual(Object.keys(r.range).sort(), ['endColumn', 'endLine', 'startColumn', 'startLine']);
          } else if (r?.type === 'bySql') {
            assert.ok(Number.isInteger(r.requestId) && r.threads.every((t) => Number.isInteger(t) && t >= 0));
            if (r.range) assert.ok(r.range.start < r.range.end);
          } else assert.strictEqual(r, undefined);
        },
      ),
      { numRuns: 500 },
    );
  });
});
