/// <reference lib="dom" />
// The functions section: the selection's summary line, the top functions by self and total weight, and the callers
// and callees of the selected function. It asks the host for the summary of the selection (threads, CPU-only, time
// range, operator) whenever that changes, and hands the summary's flame tree to the flame section.
import type { FunctionDetails, FunctionStat, SelectionSummary } from '../../profile/types';
import { showFlame, showSelectedFunction } from './flameSection';
import { approxTime, formatNumber, formatPercent, weightUnit } from './format';
import { Channel, el, onChange, profile, rangeAndOperator, save, saved, selectedThreads, selection } from './state';

const ui = {
  main: el('main'),
  selectionInfo: el('selection-info'),
  topSelf: el<HTMLTableElement>('top-self'),
  topTotal: el<HTMLTableElement>('top-total'),
  detailsEmpty: el('details-empty'),
  detailsBody: el('details-body'),
  detailsName: el('details-name'),
  detailsStats: el('details-stats'),
  callers: el<HTMLTableElement>('callers'),
  callees: el<HTMLTableElement>('callees'),
};

let summary: SelectionSummary | undefined;
let selectedFunc: number | undefined = saved.func;

const summaryChannel = new Channel(
  'summary',
  (requestId) => ({
    type: 'select',
    requestId,
    threads: selectedThreads(),
    cpuOnly: selection.cpuOnly,
    ...rangeAndOperator(),
  }),
  (m) => showSummary(m.summary),
  (busy) => {
    if (busy) {
      ui.main.setAttribute('aria-busy', 'true');
      ui.selectionInfo.textContent = 'Updating…';
    } else {
      ui.main.removeAttribute('aria-busy');
      if (summary) ui.selectionInfo.textContent = summaryLine(summary);
    }
  },
);

const detailsChannel = new Channel(
  'details',
  (requestId) =>
    selectedFunc === undefined
      ? undefined
      : {
          type: 'details',
          requestId,
          func: selectedFunc,
          threads: selectedThreads(),
          cpuOnly: selection.cpuOnly,
          ...rangeAndOperator(),
        },
  (m) => showDetails(m.details),
);

/** The summary of the selection has to be asked for again (after `delayMs`, coalescing quick changes). */
export function requestSummary(delayMs = 120): void {
  summaryChannel.request(delayMs);
}

function summaryLine(s: SelectionSummary): string {
  const m = profile.meta;
  const unit = weightUnit(m?.weightType ?? 'samples');
  const time = m ? approxTime(s.weight, m.weightType, m.interval) : '';
  if (s.threads.length === 0) return 'No thread selected: pick threads on the left.';
  return (
    `${s.threads.length} of ${profile.threads.length} threads · ${formatNumber(s.samples)} samples · ` +
    `weight ${formatNumber(s.weight)} ${unit} ${time} · ${formatNumber(s.functionCount)} functions` +
    (s.cpuOnly ? ' · CPU only (off-CPU samples left out)' : '')
  );
}

function showSummary(s: SelectionSummary): void {
  summary = s;
  ui.selectionInfo.textContent = summaryLine(s);
  renderFunctionTable(ui.topSelf, s.topSelf, 'self', s.stackWeight);
  renderFunctionTable(ui.topTotal, s.topTotal, 'total', s.stackWeight);
  showFlame(s);
  if (selectedFunc !== undefined) detailsChannel.request();
}

function renderFunctionTable(
  table: HTMLTableElement,
  rows: FunctionStat[],
  key: 'self' | 'total',
  whole: number,
): void {
  const body = table.tBodies[0];
  body.textContent = '';
  const other = key === 'self' ? 'total' : 'self';
  for (const f of rows) {
    const tr = document.createElement('tr');
    tr.dataset.func = String(f.id);
    tr.tabIndex = -1;
    tr.setAttribute('aria-selected', String(f.id === selectedFunc));
    const name = document.createElement('td');
    name.className = 'fn-name';
    name.textContent = f.name;
    name.title = [f.name, f.lib ? `Library: ${f.lib}` : '', f.file ? `File: ${f.file}` : ''].filter(Boolean).join('\n');
    tr.append(
      name,
      cell(formatNumber(f[key])),
      cell(formatPercent(f[key], whole)),
      cell(formatPercent(f[other], whole)),
    );
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 4;
    td.className = 'muted';
    td.textContent = 'No samples in this selection.';
    tr.appendChild(td);
    body.appendChild(tr);
  }
  const first =
    body.querySelector<HTMLElement>('tr[aria-selected="true"]') ?? body.querySelector<HTMLElement>('tr[data-func]');
  if (first) first.tabIndex = 0;
}

export function cell(text: string, className = 'num'): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  return td;
}

/** Where arrow keys, Home/End and PageUp/PageDown move from `current` among `rows`; 'none' for other keys. */
export function rowKeyTarget(
  e: KeyboardEvent,
  rows: HTMLElement[],
  current: HTMLElement,
): HTMLElement | undefined | 'none' {
  const k = rows.indexOf(current);
  switch (e.key) {
    case 'ArrowDown':
      return rows[Math.min(rows.length - 1, k + 1)];
    case 'ArrowUp':
      return rows[Math.max(0, k - 1)];
    case 'Home':
      return rows[0];
    case 'End':
      return rows[rows.length - 1];
    case 'PageDown':
      return rows[Math.min(rows.length - 1, k + 10)];
    case 'PageUp':
      return rows[Math.max(0, k - 10)];
    default:
      return 'none';
  }
}

/** Makes `tr` the table's one focusable row and focuses it. */
export function focusRow(table: HTMLTableElement, tr: HTMLElement, selector: string): void {
  for (const r of Array.from(table.querySelectorAll<HTMLElement>(selector))) r.tabIndex = -1;
  tr.tabIndex = 0;
  tr.focus();
  tr.scrollIntoView({ block: 'nearest' });
}

/** Click, Enter or Space on a row selects its function; arrows move between rows. */
function wireFunctionTable(table: HTMLTableElement): void {
  table.addEventListener('click', (e) => {
    const tr = (e.target as HTMLElement).closest<HTMLElement>('tr[data-func]');
    if (!tr) return;
    focusRow(table, tr, 'tr[data-func]');
    selectFunction(Number(tr.dataset.func));
  });
  table.addEventListener('keydown', (e) => {
    const current = (e.target as HTMLElement).closest<HTMLElement>('tr[data-func]');
    if (!current) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      selectFunction(Number(current.dataset.func));
      return;
    }
    const next = rowKeyTarget(e, Array.from(table.querySelectorAll<HTMLElement>('tbody tr[data-func]')), current);
    if (next === 'none') return;
    e.preventDefault();
    if (next) focusRow(table, next, 'tr[data-func]');
  });
}

for (const t of [ui.topSelf, ui.topTotal, ui.callers, ui.callees]) wireFunctionTable(t);

/** Shows the callers and callees of `func` (a function id) and marks it in the tables and the flame graph. */
export function selectFunction(func: number): void {
  if (func < 0) return;
  selectedFunc = func;
  save({ func });
  for (const table of [ui.topSelf, ui.topTotal]) {
    for (const tr of Array.from(table.querySelectorAll<HTMLElement>('tr[data-func]'))) {
      tr.setAttribute('aria-selected', String(Number(tr.dataset.func) === func));
    }
  }
  showSelectedFunction(func);
  detailsChannel.request();
}

function showDetails(d: FunctionDetails | null): void {
  if (!d) {
    ui.detailsBody.hidden = true;
    ui.detailsEmpty.hidden = false;
    return;
  }
  ui.detailsEmpty.hidden = true;
  ui.detailsBody.hidden = false;
  const whole = summary?.stackWeight ?? 0;
  ui.detailsName.textContent = d.func.name;
  ui.detailsName.title = [d.func.lib ? `Library: ${d.func.lib}` : '', d.func.file ? `File: ${d.func.file}` : '']
    .filter(Boolean)
    .join('\n');
  ui.detailsStats.textContent =
    `Self ${formatNumber(d.func.self)} (${formatPercent(d.func.self, whole)}) · ` +
    `Total ${formatNumber(d.func.total)} (${formatPercent(d.func.total, whole)})` +
    (d.func.lib ? ` · ${d.func.lib}` : '') +
    (d.func.file ? ` · ${d.func.file}` : '');
  fillRelations(ui.callers, d.callers, d.func.total, 'No callers in this selection.');
  fillRelations(ui.callees, d.callees, d.func.total, 'It calls nothing: all its time is self time.');
  showSelectedFunction(d.func.id);
}

function fillRelations(table: HTMLTableElement, rows: FunctionDetails['callers'], whole: number, empty: string): void {
  const body = table.tBodies[0];
  body.textContent = '';
  for (const r of rows) {
    const tr = document.createElement('tr');
    if (r.id >= 0) {
      tr.dataset.func = String(r.id);
      tr.tabIndex = -1;
    }
    const name = document.createElement('td');
    name.className = 'fn-name';
    name.textContent = r.name;
    name.title = [r.name, r.lib ? `Library: ${r.lib}` : '', r.file ? `File: ${r.file}` : ''].filter(Boolean).join('\n');
    tr.append(name, cell(formatNumber(r.weight)), cell(formatPercent(r.weight, whole)));
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 3;
    td.className = 'muted';
    td.textContent = empty;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  const first = body.querySelector<HTMLElement>('tr[data-func]');
  if (first) first.tabIndex = 0;
}

// Every change of the selection changes the summary. A range dragged over the timeline arrives often: the channel
// coalesces, so a short delay is enough.
onChange((change) => requestSummary(change === 'range' ? 60 : change === 'cpuOnly' ? 0 : 120));
