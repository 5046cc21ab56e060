/// <reference lib="dom" />
// The By SQL section, under the operators when the profile has its SQL context: the operators' own CPU in the selected
// threads and time range, summed per view/table, per statement or per line range of the pipeline's SQL, with the
// operators that have no SQL position as a row of their own (so the rows add up to all operators' CPU). A row's
// position opens the SQL there. When the SQL context is missing or unusable, the section stays hidden and one muted
// line under the operator table says why. The host builds the rows (src/viewer/sqlRows.ts); this only draws them.
import type { SqlRange } from '../../sql/statements';
import type { BySql, SqlGroupRow, SqlGrouping } from '../protocol';
import { formatMicros, formatNumber, formatPercent } from './format';
import { cell, focusRow, rowKeyTarget } from './functions';
import { Channel, el, onChange, post, profile, save, saved, selectedThreads, selection } from './state';

const ui = {
  section: el('bysql-section'),
  count: el('bysql-count'),
  grouping: el('bysql-grouping'),
  table: el<HTMLTableElement>('bysql'),
  notes: el('bysql-notes'),
  sqlNote: el('sql-note'),
};

const GROUPINGS: readonly SqlGrouping[] = ['relation', 'statement', 'range'];
const ROW = 'tbody tr[data-key]';

let grouping: SqlGrouping = GROUPINGS.includes(saved.sqlGrouping as SqlGrouping)
  ? (saved.sqlGrouping as SqlGrouping)
  : 'relation';
let shown: Extract<BySql, { ok: true }> | undefined;

const channel = new Channel(
  'bySql',
  (requestId) =>
    profile.feldera?.hasOperators
      ? {
          type: 'bySql',
          requestId,
          threads: selectedThreads(),
          ...(selection.range ? { range: { ...selection.range } } : {}),
        }
      : undefined,
  (m) => render(m.bySql),
  (busy) => ui.section.setAttribute('aria-busy', String(busy)),
);

/** Asks the host to open the profile's SQL with `range` selected. */
export function openSqlAt(range: SqlRange): void {
  const { startLine, startColumn, endLine, endColumn } = range;
  post({ type: 'openSql', range: { startLine, startColumn, endLine, endColumn } });
}

/** Called once the profile is known: a profile with operators asks for its SQL grouping. */
export function showBySql(): void {
  ui.section.hidden = true;
  ui.sqlNote.hidden = true;
  if (!profile.feldera?.hasOperators) return;
  for (const input of radios()) input.checked = input.value === grouping;
  channel.request();
}

/** The SQL context changed (its companion landed after the profile): ask again. */
export function refreshBySql(): void {
  if (profile.feldera?.hasOperators) channel.request();
}

function radios(): HTMLInputElement[] {
  return Array.from(ui.grouping.querySelectorAll<HTMLInputElement>('input[type="radio"]'));
}

function render(b: BySql): void {
  if (!b.ok) {
    shown = undefined;
    ui.section.hidden = true;
    ui.sqlNote.hidden = false;
    ui.sqlNote.textContent = `No SQL columns: ${b.reason}`;
    return;
  }
  shown = b;
  ui.sqlNote.hidden = true;
  ui.section.hidden = false;
  ui.notes.hidden = b.notes.length === 0;
  ui.notes.textContent = b.notes.join(' ');
  renderRows();
}

function renderRows(): void {
  const b = shown;
  if (!b) return;
  const rows = b.groups[grouping];
  const body = ui.table.tBodies[0];
  const focusedKey = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>(ROW)?.dataset.key;
  body.textContent = '';
  const maxShare = Math.max(1e-12, ...rows.map((r) => r.share));
  for (const r of rows) body.appendChild(groupRow(r, maxShare));
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 6;
    td.className = 'muted';
    td.textContent = 'No operator was evaluated in this selection.';
    tr.appendChild(td);
    body.appendChild(tr);
  }
  const trs = Array.from(body.querySelectorAll<HTMLElement>(ROW));
  const focus = trs.find((tr) => tr.dataset.key === focusedKey);
  (focus ?? trs[0])?.setAttribute('tabindex', '0');
  if (focus) focus.focus();
  const where = selection.range ? ' in the range' : '';
  const host = profile.meta?.host;
  const hostNote = host ? ` · host ${host.index} of ${host.count} only` : '';
  ui.count.textContent =
    `${formatMicros(b.totalCpuUs)} CPU of ${formatNumber(b.operatorCount)} operators${where} · ` +
    `pipeline ${b.pipeline}${hostNote}`;
  ui.count.title = host ? "This profile is one host's. Feldera: Show CPU in SQL sums the hosts of a collection." : '';
}

function groupRow(r: SqlGroupRow, maxShare: number): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.key = r.key;
  // The exact figure, for whoever reads the page (the cell shows it rounded).
  tr.dataset.cpuUs = String(r.cpuUs);
  tr.tabIndex = -1;
  const label = document.createElement('td');
  label.className = 'sql-label';
  const name = document.createElement('span');
  name.className = 'sql-name';
  name.textContent = r.label;
  label.appendChild(name);
  if (r.detail) {
    const detail = document.createElement('span');
    detail.className = 'muted sql-detail';
    detail.textContent = r.detail;
    label.appendChild(detail);
  }
  const lines = cell(r.lines ?? '–', 'lines');
  if (r.range) {
    tr.dataset.range = JSON.stringify(r.range);
    lines.classList.add('sql-pos');
    tr.title = `${r.label}: open the SQL at ${r.lines}`;
  } else {
    tr.setAttribute('aria-disabled', 'true');
    lines.classList.add('muted');
    tr.title =
      r.key === ''
        ? 'Operators with no line in the SQL (shards, exchanges and others the compiler added): their CPU counts here, so the rows add up.'
        : `${r.label}: no statement in the SQL creates it.`;
  }
  if (r.key === '') tr.classList.add('no-position');
  const share = cell(formatPercent(r.share, 1));
  share.classList.add('share');
  share.style.setProperty('--share', `${Math.min(100, (100 * r.share) / maxShare)}%`);
  tr.append(
    label,
    lines,
    cell(formatMicros(r.cpuUs)),
    share,
    cell(formatNumber(r.operators)),
    cell(formatNumber(r.evals)),
  );
  return tr;
}

function openRow(tr: HTMLElement): void {
  if (tr.dataset.range) openSqlAt(JSON.parse(tr.dataset.range) as SqlRange);
}

ui.table.tBodies[0].addEventListener('click', (e) => {
  const tr = (e.target as HTMLElement).closest<HTMLElement>(ROW);
  if (!tr) return;
  focusRow(ui.table, tr, ROW);
  openRow(tr);
});

ui.table.tBodies[0].addEventListener('keydown', (e) => {
  const current = (e.target as HTMLElement).closest<HTMLElement>(ROW);
  if (!current) return;
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    openRow(current);
    return;
  }
  const next = rowKeyTarget(e, Array.from(ui.table.querySelectorAll<HTMLElement>(ROW)), current);
  if (next === 'none') return;
  e.preventDefault();
  if (next) focusRow(ui.table, next, ROW);
});

ui.grouping.addEventListener('change', (e) => {
  const value = (e.target as HTMLInputElement).value as SqlGrouping;
  if (!GROUPINGS.includes(value) || value === grouping) return;
  grouping = value;
  save({ sqlGrouping: value });
  renderRows();
});

onChange((change) => {
  if (!profile.feldera?.hasOperators) return;
  if (change === 'threads' || change === 'range') channel.request(change === 'range' ? 60 : 120);
});
