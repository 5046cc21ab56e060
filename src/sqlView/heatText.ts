// The words and numbers of CPU in SQL: CodeLens titles, hover tables, summaries. No vscode import (plain strings,
// tested in plain Node); numbers are formatted as the profile editor formats them.
import { rangeLabel, statementLabel } from '../sql/join';
import type { HeatOperator, HeatSpread, LineHeat, SqlHeat, StatementHeat } from '../sql/heat';
import { formatMeasuredTime, formatNumber, formatPercent } from '../viewer/webview/format';

/** Operators listed in a hover before "…and N more". */
export const HOVER_OPERATORS = 12;

/** A share of all operators' CPU, as the profile editor writes shares. */
export function percent(share: number): string {
  return formatPercent(share, 1);
}

export function cpuTime(us: number): string {
  return formatMeasuredTime(us / 1000);
}

function operatorsWord(n: number): string {
  return `${formatNumber(n)} operator${n === 1 ? '' : 's'}`;
}

/** `12.3% CPU · 4 operators`, the CodeLens above a CREATE statement. */
export function statementLensTitle(s: StatementHeat): string {
  if (s.operators.length === 0) return 'no CPU in this profile';
  return `${percent(s.share)} CPU · ${operatorsWord(s.operators.length)}`;
}

export function statementLensTooltip(s: StatementHeat, heat: SqlHeat): string {
  const what = statementLabel(s.statement);
  if (s.operators.length === 0) return `${what}: no operator of the profile comes from this statement.`;
  return (
    `${what}: ${cpuTime(s.cpuUs)} of ${cpuTime(heat.totalCpuUs)} operator CPU (${percent(s.share)}) in ` +
    `${operatorsWord(s.operators.length)}${hostsNote(heat)}. Hover a line for its operators.`
  );
}

/** The lens at the top of the file: where the heat comes from, and what has no line. */
export function summaryLensTitle(heat: SqlHeat, source: string): string {
  const np = heat.noPosition.operators.length > 0 ? ` · ${percent(heat.noPosition.share)} has no SQL position` : '';
  return `$(flame) CPU in SQL from ${source}${np}`;
}

export function summaryLensTooltip(heat: SqlHeat): string {
  const np = heat.noPosition;
  return (
    `${cpuTime(heat.totalCpuUs)} of operator CPU in ${operatorsWord(heat.operators.length)}${hostsNote(heat)}. ` +
    (np.operators.length > 0
      ? `${cpuTime(np.cpuUs)} (${percent(np.share)}) is in ${operatorsWord(np.operators.length)} the SQL compiler ` +
        'gave no position (shards, exchanges, operators it added): they are counted, not drawn. '
      : '') +
    'Click to open the profile.'
  );
}

function hostsNote(heat: SqlHeat): string {
  return heat.hosts.length > 1 ? `, summed over ${heat.hosts.length} hosts` : '';
}

/** `8 workers: min 1 ms · median 1.2 ms · max 3.1 ms · skew 2.6×` (CPU per worker). */
export function spreadText(s: HeatSpread): string {
  if (s.workers === 0) return 'no worker figures';
  if (s.hosts <= 1) {
    const skew = s.skew !== undefined ? ` · skew ${s.skew.toFixed(1)}×` : '';
    return (
      `${formatNumber(s.workers)} worker${s.workers === 1 ? '' : 's'}: min ${cpuTime(s.minUs)} · ` +
      `median ${cpuTime(s.medianUs ?? 0)} · max ${cpuTime(s.maxUs)}${skew}`
    );
  }
  const skew = s.worstSkew ? ` · skew up to ${s.worstSkew.skew.toFixed(1)}× (${s.worstSkew.host})` : '';
  return `${formatNumber(s.hosts)} hosts, ${formatNumber(s.workers)} workers: min ${cpuTime(s.minUs)} · max ${cpuTime(s.maxUs)}${skew}`;
}

/** A Markdown code span (an operator name may hold any character; a backtick would end the span). */
function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

/** One list item: the operator, where its CPU counts, its figures and its spread. */
function operatorItem(o: HeatOperator): string {
  const where = o.sql.positions[0];
  return (
    `- ${code(o.name)} ${o.nodeId}${where ? ` (${rangeLabel(where)})` : ''}: **${cpuTime(o.cpuUs)}** self CPU, ` +
    `${percent(o.share)} · ${formatNumber(o.evals)} evals · ${spreadText(o.spread)}`
  );
}

/** The hover over a line: its heat, the statement around it, and the operators with a position on it. Markdown. */
export function lineHoverMarkdown(h: LineHeat, heat: SqlHeat, source: string): string {
  const head =
    h.cpuUs > 0
      ? `**Feldera CPU · line ${h.line}**: ${percent(h.share)} of operator CPU (${cpuTime(h.cpuUs)})`
      : `**Feldera CPU · line ${h.line}**: no operator's CPU counts here; these have a position on it too`;
  const shown = h.operators.slice(0, HOVER_OPERATORS);
  const rest = h.operators.slice(HOVER_OPERATORS);
  const lines = [head];
  if (h.statement) lines.push('', statementLabel(h.statement));
  lines.push('', ...shown.map(operatorItem));
  if (rest.length > 0) {
    lines.push(`- …and ${operatorsWord(rest.length)} more (${percent(rest.reduce((a, o) => a + o.share, 0))})`);
  }
  lines.push(
    '',
    `*From ${source}${hostsNote(heat)}. An operator's CPU counts on the lines of its first position; ranges nest, ` +
      'so lines do not add up to 100%.*',
  );
  return lines.join('\n');
}
