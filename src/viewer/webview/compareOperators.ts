/// <reference lib="dom" />
// The comparison's operator table (when both profiles have Feldera's operator markers): each DBSP operator's share
// of all operators' CPU in A and B, the change in points, how its CPU spreads over the workers in each, and how much
// of it moved to other workers.
import type { Comparison, OperatorChange } from '../../profile/compare';
import type { WorkerSpread } from '../../profile/types';
import { el, formatPoints, formatShare, td } from './compareState';
import { formatMeasuredTime } from './format';

export class OperatorTable {
  private readonly section = el('operators-section');
  private readonly table = el<HTMLTableElement>('ops-table');
  private readonly info = el('ops-info');

  show(c: Comparison): void {
    const rows = c.operators;
    this.section.hidden = !rows;
    if (!rows) return;
    const body = this.table.tBodies[0];
    body.textContent = '';
    for (const o of rows) {
      const tr = document.createElement('tr');
      tr.dataset.node = o.nodeId;
      tr.append(
        td(o.name, 'fn-name'),
        td(o.nodeId, 'muted'),
        td(formatShare(o.aShare), 'num'),
        td(formatShare(o.bShare), 'num'),
        td(formatPoints(o.dPoints), `num ${o.dPoints > 0 ? 'up' : o.dPoints < 0 ? 'down' : ''}`),
        workers(o.aSpread, o.aWorkers),
        workers(o.bSpread, o.bWorkers),
        td(o.moved >= 0.05 ? formatPoints(o.moved).replace('+', '') : '', 'num'),
        td(o.cls === 'same' ? '' : o.cls, `cls cls-${o.cls}`),
      );
      body.appendChild(tr);
    }
    const changed = rows.filter((o) => o.cls !== 'same').length;
    const moved = rows.filter((o) => o.moved >= 50).length;
    this.info.textContent =
      `${rows.length} operators, ${changed} changed` + (moved ? `, ${moved} mostly on other workers in B` : '');
  }
}

/** "worker 0 75% · worker 3 25%" (the heaviest three), with the spread in the tooltip. */
function workers(spread: WorkerSpread, list: OperatorChange['aWorkers']): HTMLTableCellElement {
  if (!list.length) return td('—', 'muted');
  const shown = list
    .slice(0, 3)
    .map((w) => `${w.worker} ${formatShare(w.share)}`)
    .join(' · ');
  const cell = td(list.length > 3 ? `${shown} · +${list.length - 3}` : shown);
  const us = (x: number) => formatMeasuredTime(x / 1000);
  cell.title =
    `${spread.workers} worker${spread.workers === 1 ? '' : 's'}: min ${us(spread.minUs)}, median ${us(spread.medianUs)}, ` +
    `max ${us(spread.maxUs)}${spread.skew !== undefined ? ` (max ÷ median ${spread.skew.toFixed(2)})` : ''}\n` +
    list.map((w) => `${w.worker}: ${formatShare(w.share)}`).join('\n');
  return cell;
}
