// The one home of human durations and Markdown escaping (src/common/text.ts), used by the fetcher's messages, the
// pipeline tooltip, the tree's server tooltip and (for long spans) the profile viewer.
import assert from 'assert';
import { escapeMarkdown, formatDuration } from '../../../src/common/text';
import { formatDuration as fromFetcher } from '../../../src/download/samplyFetcher';
import { pipelineTooltipMarkdown } from '../../../src/pipelines/status';
import { formatMeasuredTime } from '../../../src/viewer/webview/format';

describe('formatDuration (one home)', () => {
  it('reads to the second under an hour, to the minute under two days, then in days', () => {
    const cases: [number, string][] = [
      [0, '0 s'],
      [45_400, '45 s'],
      [59_600, '1 min'],
      [125_000, '2 min 5 s'],
      [600_000, '10 min'],
      [3_780_000, '1 h 3 min'],
      [47 * 3_600_000, '47 h'],
      [50 * 3_600_000, '2 days 2 h'],
      [72 * 3_600_000, '3 days'],
    ];
    for (const [ms, text] of cases) assert.strictEqual(formatDuration(ms), text, `${ms} ms`);
  });

  it('reads a negative or unknown span as 0 s', () => {
    for (const ms of [-5_000, NaN, Infinity]) assert.strictEqual(formatDuration(ms), '0 s', String(ms));
  });

  it('is the same function everywhere a duration is shown', () => {
    assert.strictEqual(fromFetcher, formatDuration, 'the fetcher has its own formatDuration again');
    const md = pipelineTooltipMarkdown(
      { name: 'p', deployment_status: 'Running', deployment_status_since: '2026-01-01T00:00:00Z' },
      undefined,
      new Date('2026-01-03T02:00:00Z'),
    );
    assert.ok(md.includes(`In this status for: ${escapeMarkdown(formatDuration(50 * 3_600_000))}`), md);
    // The viewer's measured times are finer below a minute, and read like every other duration above.
    assert.strictEqual(formatMeasuredTime(0.4), '0.4 ms');
    assert.strictEqual(formatMeasuredTime(1_500), '1.5 s');
    assert.strictEqual(formatMeasuredTime(125_000), formatDuration(125_000));
  });
});

describe('escapeMarkdown (one home)', () => {
  it('escapes every character Markdown reads as syntax, and only those', () => {
    assert.strictEqual(
      escapeMarkdown('a_b*c`d[e](f)#g+h-i.j!k|l<m>n~o\\p{q}'),
      'a\\_b\\*c\\`d\\[e\\]\\(f\\)\\#g\\+h\\-i\\.j\\!k\\|l\\<m\\>n\\~o\\\\p\\{q\\}',
    );
    assert.strictEqual(escapeMarkdown('plain words 123'), 'plain words 123');
  });

  it('escapes pipeline names in the tooltip the same way', () => {
    const md = pipelineTooltipMarkdown({ name: 'my_pipe~x', description: '**bold**' }, undefined);
    assert.ok(md.startsWith(`**${escapeMarkdown('my_pipe~x')}**`), md);
    assert.ok(md.includes(escapeMarkdown('**bold**')), md);
  });
});
