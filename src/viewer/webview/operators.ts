/// <reference lib="dom" />
// The operators section, first when the profile has Feldera's eval markers: one row per DBSP operator with its CPU
// and real time, evaluations, share and spread over the workers, for the selected threads and time range — sorted
// and filtered by the host. Selecting an operator narrows every other view to the samples taken inside its
// evaluations (the selection's `operator`), and shows its figures per worker. With the profile's SQL context, each row
// also names its table/view and its lines in the SQL, which open the SQL there (bySql.ts).
import {
  OPERATOR_SORT_KEYS,
  type OperatorDetails,
  type OperatorSortKey,
  type OperatorStat,
  type OperatorTable,
} from '../../profile/types';
import type { SqlRange } from '../../sql/statements';
import type { OperatorSqlCell } from '../protocol';
import { openSqlAt } from './bySql';
import { cell, focusRow, rowKeyTarget } from './functions';
import { formatMicros, formatNumber, formatPercent, formatSkew } from './format';
import { Channel, el, onChange, profile, save, saved, selectedThreads, selection, setOperator } from './state';

const ui = {
  section: el('operators-section'),
  count: el('operator-count'),
  filter: el<HTMLInputElement>('operator-filter'),
  table: el<HTMLTableElement>('operators'),
  details: el('operator-details'),
  detailsHeading: el('operator-details-heading'),
  workers: el<HTMLTableElement>('operator-workers'),
  sqlHint: el('operators-sql-hint'),
};

/** At most this many rows are drawn (a circuit has hundreds of operators; the filter finds the others). */
const ROW_LIMIT = 1000;
/** A worker spread this uneven (max ÷ median) is marked. */
const SKEWED = 2;
const ROW = 'tbody tr[data-node]';

const ascendingFirst = (key: OperatorSortKey) => key === 'name' || key === 'nodeId';

let sort: OperatorSortKey = OPERATOR_SORT_KEYS.includes(saved.opSort as OperatorSortKey)
  ? (saved.opSort as OperatorSortKey)
  : 'share';
let descending = saved.opDescending ?? !ascendingFirst(sort);
let filterTimer: ReturnType<typeof setTimeout> | undefined;

const tableChannel = new Channel(
  'operators',
  (requestId) =>
    profile.feldera?.hasOperators
      ? {
          type: 'operators',
          requestId,
          threads: selectedThreads(),
          ...(selection.range ? { range: { ...selection.range } } : {}),
          sort,
          descending,
          filter: ui.filter.value.trim(),
          limit: ROW_LIMIT,
        }
      : undefined,
  (m) => renderTable(m.table, m.sql),
  (busy) => ui.section.setAttribute('aria-busy', String(busy)),
);

const detailsChannel = new Channel(
  'operatorDetails',
  (requestId) =>
    selection.operator
      ? {
          type: 'operatorDetails',
          requestId,
          nodeId: selection.operator.nodeId,
          threads: selectedThreads(),
          ...(selection.range ? { range: { ...selection.range } } : {}),
        }
      : undefined,
  (m) => renderDetails(m.details),
);

/** Called once the profile is known: the section shows only when the profile has operators. */
export function showOperators(): void {
  const has = profile.feldera?.hasOperators === true;
  ui.section.hidden = !has;
  if (!has) return;
  ui.filter.value = saved.opFilter ?? '';
  renderSortHeaders();
  tableChannel.request();
  if (selection.operator) detailsChannel.request();
}

/** The SQL context changed: ask for the table again, for its SQL columns. */
export function refreshOperators(): void {
  if (profile.feldera?.hasOperators) tableChannel.request();
}

function renderTable(t: OperatorTable, sql: OperatorSqlCell[] | undefined): void {
  const body = ui.table.tBodies[0];
  const focusedNode = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>(ROW)?.dataset.node;
  body.textContent = '';
  // The SQL columns show when the host sent where each operator sits in the SQL (else bySql.ts says why not).
  const cells = sql ? new Map(sql.map((c) => [c.nodeId, c])) : undefined;
  for (const th of Array.from(ui.table.querySelectorAll<HTMLElement>('th.sql-col'))) th.hidden = !cells;
  ui.table.classList.toggle('with-sql', cells !== undefined);
  ui.sqlHint.hidden = !cells;
  const maxShare = Math.max(1e-12, ...t.rows.map((op) => op.share));
  for (const op of t.rows)
    body.appendChild(operatorRow(op, t, maxShare, cells && (cells.get(op.nodeId) ?? { nodeId: op.nodeId })));
  if (!t.rows.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = cells ? 12 : 10;
    td.className = 'muted';
    td.textContent =
      t.operatorCount === 0 ? 'No operator was evaluated in this selection.' : 'No operator matches the filter.';
    tr.appendChild(td);
    body.appendChild(tr);
  }
  const rows = Array.from(body.querySelectorAll<HTMLElement>('tr[data-node]'));
  const focus = rows.find((r) => r.dataset.node === focusedNode);
  (focus ?? rows.find((r) => r.getAttribute('aria-selected') === 'true') ?? rows[0])?.setAttribute('tabindex', '0');
  if (focus) focus.focus();
  const where = selection.range ? ' in the range' : '';
  const shown = t.rows.length < t.matched ? ` (first ${formatNumber(t.rows.length)} shown)` : '';
  const of =
    t.matched === t.operatorCount
      ? `${formatNumber(t.operatorCount)}`
      : `${formatNumber(t.matched)} of ${formatNumber(t.operatorCount)}`;
  ui.count.textContent = `${of} operators${where}${shown} · ${formatMicros(t.totalCpuUs)} CPU in ${formatNumber(t.evals)} evaluations`;
}

function operatorRow(
  op: OperatorStat,
  t: OperatorTable,
  maxShare: number,
  sql: OperatorSqlCell | undefined,
): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.node = op.nodeId;
  tr.dataset.name = op.name;
  tr.tabIndex = -1;
  tr.setAttribute('aria-selected', String(op.nodeId === selection.operator?.nodeId));
  const name = cell(op.name, 'op-name');
  const share = cell(formatPercent(op.share, 1));
  share.classList.add('share');
  // A bar under the figure, against the largest share shown.
  share.style.setProperty('--share', `${Math.min(100, (100 * op.share) / maxShare)}%`);
  const skew = cell(formatSkew(op.spread.skew));
  if (op.spread.skew !== undefined && op.spread.skew >= SKEWED) {
    skew.classList.add('skewed');
    skew.title = `The busiest worker ran it ${formatSkew(op.spread.skew)} as long as the median worker.`;
  }
  tr.append(name, cell(op.nodeId, 'node'));
  if (sql) tr.append(...sqlCells(sql));
  tr.append(
    cell(formatMicros(op.cpuUs)),
    cell(formatMicros(op.realUs)),
    cell(formatNumber(op.evals)),
    share,
    cell(formatMicros(op.spread.minUs)),
    cell(formatMicros(op.spread.medianUs)),
    cell(formatMicros(op.spread.maxUs)),
    skew,
  );
  tr.title =
    `${op.name} (${op.nodeId})\n` +
    `CPU ${formatMicros(op.cpuUs)}, of which its own ${formatMicros(op.selfCpuUs)} ` +
    `(${formatPercent(op.selfCpuUs, t.totalCpuUs)} of all operators' CPU)\n` +
    `Real time ${formatMicros(op.realUs)} in ${formatNumber(op.evals)} evaluations on ${op.spread.workers} ` +
    `worker${op.spread.workers === 1 ? '' : 's'}` +
    (sql ? `\n${sqlText(sql)}` : '');
  return tr;
}

/** The relation and lines cells; the lines cell of an operator with a position opens the SQL there. */
function sqlCells(sql: OperatorSqlCell): [HTMLTableCellElement, HTMLTableCellElement] {
  const relation = cell(sql.relation ?? '–', 'relation');
  if (!sql.relation) relation.classList.add('muted');
  if (sql.relation) relation.title = sql.relationNote ?? sql.relation;
  if (sql.relationNote) relation.classList.add('derived');
  const lines = cell(sql.lines ?? '–', 'lines');
  if (sql.range) {
    lines.classList.add('sql-pos');
    lines.dataset.range = JSON.stringify(sql.range);
    lines.title = `Open the SQL at ${sql.lines}${sql.more ? ` (also ${sql.more.join(', ')})` : ''}`;
  } else {
    lines.classList.add('muted');
    lines.title = `No SQL position: ${sql.why ?? 'unknown'}`;
  }
  return [relation, lines];
}

/** The SQL line of a row's tooltip. */
function sqlText(sql: OperatorSqlCell): string {
  const where = sql.lines
    ? `SQL ${sql.lines}${sql.more ? ` (also ${sql.more.join(', ')})` : ''}`
    : `No SQL position: ${sql.why ?? 'unknown'}`;
  const rel = sql.relation ? ` · ${sql.relationNote ?? sql.relation}` : '';
  const stmt = sql.statement ? ` · in ${sql.statement}` : '';
  return `${where}${rel}${stmt}`;
}

/** The position a row's lines cell opens, if it has one. */
function rangeOfRow(tr: HTMLElement): SqlRange | undefined {
  const json = tr.querySelector<HTMLElement>('td.sql-pos')?.dataset.range;
  return json ? (JSON.parse(json) as SqlRange) : undefined;
}

function renderSortHeaders(): void {
  for (const th of Array.from(ui.table.tHead?.querySelectorAll<HTMLElement>('th') ?? [])) {
    const key = th.dataset.sort;
    if (!key) continue;
    if (key === sort) th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

function setSort(key: OperatorSortKey): void {
  if (key === sort) descending = !descending;
  else {
    sort = key;
    descending = !ascendingFirst(key);
  }
  save({ opSort: sort, opDescending: descending });
  renderSortHeaders();
  tableChannel.request();
}

function chooseOperator(tr: HTMLElement): void {
  const nodeId = tr.dataset.node;
  if (!nodeId) return;
  setOperator({ nodeId, name: tr.dataset.name ?? nodeId });
}

function markSelectedRow(): void {
  for (const tr of Array.from(ui.table.querySelectorAll<HTMLElement>(ROW))) {
    tr.setAttribute('aria-selected', String(tr.dataset.node === selection.operator?.nodeId));
  }
}

function renderDetails(d: OperatorDetails | null): void {
  const op = selection.operator;
  if (!op) {
    ui.details.hidden = true;
    return;
  }
  ui.details.hidden = false;
  ui.detailsHeading.textContent = `${op.name} (${op.nodeId}) per worker`;
  const body = ui.workers.tBodies[0];
  body.textContent = '';
  const rows = d?.perWorker ?? [];
  const max = Math.max(1e-9, ...rows.map((r) => r.cpuUs));
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.thread = String(r.thread);
    const who =
      r.worker !== undefined ? `worker ${r.worker}` : (profile.threads[r.thread]?.name ?? `thread ${r.thread}`);
    const bar = document.createElement('td');
    bar.className = 'bar-col';
    const track = document.createElement('span');
    track.className = 'bar';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    fill.style.width = `${(100 * r.cpuUs) / max}%`;
    track.appendChild(fill);
    bar.appendChild(track);
    tr.append(
      cell(who, 'worker-name'),
      cell(formatMicros(r.cpuUs)),
      cell(formatMicros(r.selfCpuUs)),
      cell(formatMicros(r.realUs)),
      cell(formatNumber(r.evals)),
      bar,
    );
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 6;
    td.className = 'muted';
    td.textContent = d ? 'It was not evaluated in this selection.' : 'This profile has no such operator.';
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

ui.table.tHead?.addEventListener('click', (e) => {
  const th = (e.target as HTMLElement).closest<HTMLElement>('th[data-sort]');
  const key = th?.dataset.sort as OperatorSortKey | undefined;
  if (key && OPERATOR_SORT_KEYS.includes(key)) setSort(key);
});

ui.table.tBodies[0].addEventListener('click', (e) => {
  const tr = (e.target as HTMLElement).closest<HTMLElement>('tr[data-node]');
  if (!tr) return;
  focusRow(ui.table, tr, ROW);
  // A click on its SQL lines opens the SQL there (and leaves the operator selection as it is).
  const range = (e.target as HTMLElement).closest('td.sql-pos') ? rangeOfRow(tr) : undefined;
  if (range) openSqlAt(range);
  else chooseOperator(tr);
});

ui.table.tBodies[0].addEventListener('keydown', (e) => {
  const current = (e.target as HTMLElement).closest<HTMLElement>('tr[data-node]');
  if (!current) return;
  if (e.key === 'Enter' && e.shiftKey) {
    e.preventDefault();
    const range = rangeOfRow(current);
    if (range) openSqlAt(range);
    return;
  }
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    chooseOperator(current);
    return;
  }
  if (e.key === 'Escape' && selection.operator) {
    e.preventDefault();
    setOperator(undefined);
    return;
  }
  const next = rowKeyTarget(e, Array.from(ui.table.querySelectorAll<HTMLElement>(ROW)), current);
  if (next === 'none') return;
  e.preventDefault();
  if (next) focusRow(ui.table, next, ROW);
});

ui.filter.addEventListener('input', () => {
  save({ opFilter: ui.filter.value });
  if (filterTimer) clearTimeout(filterTimer);
  filterTimer = setTimeout(() => tableChannel.request(), 150);
});
ui.filter.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown') {
    e.preventDefault();
    const first = ui.table.querySelector<HTMLElement>(ROW);
    if (first) focusRow(ui.table, first, ROW);
  } else if (e.key === 'Escape' && ui.filter.value) {
    e.preventDefault();
    ui.filter.value = '';
    save({ opFilter: '' });
    tableChannel.request();
  }
});

onChange((change) => {
  if (!profile.feldera?.hasOperators) return;
  if (change === 'threads' || change === 'range') tableChannel.request(change === 'range' ? 60 : 120);
  if (change === 'operator') markSelectedRow();
  if (change === 'cpuOnly') return;
  if (selection.operator) detailsChannel.request(60);
  else {
    detailsChannel.cancel();
    renderDetails(null);
  }
});
