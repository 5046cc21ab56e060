/// <reference lib="dom" />
// The threads panel: every thread with its weight, to pick which ones the other views show. The DBSP workers of a
// Feldera profile (threads named `dbsp-worker-N`) come first as "Workers", in numeric order with their CPU time; the
// other threads follow under their names, heaviest first. With a time range or an operator selected, the figures
// are those of that range and operator (the host's threadStats answer).
import type { ThreadInfo } from '../../profile/types';
import { formatMeasuredTime, formatNumber, weightUnit } from './format';
import {
  Channel,
  el,
  onChange,
  profile,
  rangeAndOperator,
  save,
  saved,
  selection,
  setThreads,
  setCpuOnly,
} from './state';

const ui = {
  count: el('thread-count'),
  filter: el<HTMLInputElement>('thread-filter'),
  all: el<HTMLButtonElement>('threads-all'),
  shown: el<HTMLButtonElement>('threads-shown'),
  busiest: el<HTMLButtonElement>('threads-busiest'),
  list: el('thread-list'),
  cpuOnly: el<HTMLInputElement>('cpu-only'),
};

/** Every thread's figures for the selection's range and operator; undefined: the whole profile's. */
let stats: ThreadInfo[] | undefined;
/** Anchor for Shift-click ranges in the thread list. */
let anchorThread: number | undefined;

const statsChannel = new Channel(
  'threadStats',
  (requestId) => ({ type: 'threadStats', requestId, ...rangeAndOperator() }),
  (m) => {
    stats = m.threads;
    renderThreads();
  },
);

/** The thread list as of the current range and operator. */
function threadFigures(): ThreadInfo[] {
  return stats ?? profile.threads;
}

function weightOf(t: ThreadInfo): number {
  return selection.cpuOnly ? t.cpuWeight : t.weight;
}

function matches(t: ThreadInfo, q: string): boolean {
  return !q || `${t.name} ${t.tid} ${t.processName}`.toLowerCase().includes(q);
}

/** The threads the filter shows, in the order of the list: workers by number, then the others by weight. */
function visibleThreads(): ThreadInfo[] {
  const q = ui.filter.value.trim().toLowerCase();
  const shown = threadFigures().filter((t) => matches(t, q));
  const workers = shown
    .filter((t) => t.worker !== undefined)
    .sort((a, b) => (a.worker ?? 0) - (b.worker ?? 0) || a.index - b.index);
  const others = shown
    .filter((t) => t.worker === undefined)
    .sort((a, b) => weightOf(b) - weightOf(a) || a.index - b.index);
  return [...workers, ...others];
}

/** Called once the profile is known: restores the saved selection and filter. */
export function showThreads(): void {
  const list = profile.threads;
  const meta = profile.meta;
  const valid = (saved.threads ?? []).filter((t) => Number.isInteger(t) && t >= 0 && t < list.length);
  selection.threads = new Set(saved.threads ? valid : list.map((t) => t.index));
  selection.cpuOnly = meta?.hasCpuDelta === true && saved.cpuOnly === true;
  ui.cpuOnly.checked = selection.cpuOnly;
  ui.cpuOnly.disabled = !meta?.hasCpuDelta;
  if (!meta?.hasCpuDelta) ui.cpuOnly.parentElement?.setAttribute('title', 'This profile has no threadCPUDelta data.');
  ui.filter.value = saved.filter ?? '';
  stats = undefined;
  if (selection.range || selection.operator) statsChannel.request();
  renderThreads();
}

function renderThreads(): void {
  const list = ui.list;
  const focusedIndex = Number(document.activeElement?.getAttribute('data-thread') ?? NaN);
  const shown = visibleThreads();
  const hasWorkers = profile.threads.some((t) => t.worker !== undefined);
  const workers = shown.filter((t) => t.worker !== undefined);
  const others = shown.filter((t) => t.worker === undefined);
  list.textContent = '';
  if (hasWorkers) {
    // Workers are compared by CPU time when the profile has it (their samples include parked time).
    const cpu = (t: ThreadInfo) => (t.cpuTimeMs !== undefined ? t.cpuTimeMs : weightOf(t));
    const maxCpu = Math.max(
      1e-9,
      ...threadFigures()
        .filter((t) => t.worker !== undefined)
        .map(cpu),
    );
    const group = addGroup(list, 'workers', 'Workers', 'CPU time');
    for (const t of workers) {
      const figure = t.cpuTimeMs !== undefined ? formatMeasuredTime(t.cpuTimeMs) : formatNumber(weightOf(t));
      group.appendChild(threadRow(t, figure, cpu(t) / maxCpu));
    }
    if (!workers.length) group.appendChild(emptyRow('No worker matches the filter.'));
    const rest = addGroup(list, 'others', 'Other threads', weightUnit(profile.meta?.weightType ?? 'samples'));
    const maxOther = Math.max(
      1e-9,
      ...threadFigures()
        .filter((t) => t.worker === undefined)
        .map(weightOf),
    );
    for (const t of others) rest.appendChild(threadRow(t, formatNumber(weightOf(t)), weightOf(t) / maxOther));
    if (!others.length) rest.appendChild(emptyRow('No other thread matches the filter.'));
  } else {
    const max = Math.max(1e-9, ...threadFigures().map(weightOf));
    for (const t of shown) list.appendChild(threadRow(t, formatNumber(weightOf(t)), weightOf(t) / max));
    if (!shown.length) list.appendChild(emptyRow('No thread matches the filter.'));
  }
  const rows = threadRows();
  const focusRow = rows.find((r) => Number(r.dataset.thread) === focusedIndex);
  (focusRow ?? rows.find((r) => r.getAttribute('aria-selected') === 'true') ?? rows[0])?.setAttribute('tabindex', '0');
  if (focusRow) focusRow.focus();
  ui.count.textContent = `${selection.threads.size} of ${profile.threads.length} selected`;
}

function addGroup(list: HTMLElement, id: string, title: string, unit: string): HTMLElement {
  const group = document.createElement('div');
  group.setAttribute('role', 'group');
  group.setAttribute('aria-labelledby', `thread-group-${id}`);
  group.className = 'thread-group';
  group.dataset.group = id;
  const head = document.createElement('div');
  head.id = `thread-group-${id}`;
  head.className = 'group-head';
  const name = document.createElement('span');
  name.textContent = title;
  const u = document.createElement('span');
  u.className = 'muted';
  u.textContent = unit;
  head.append(name, u);
  group.appendChild(head);
  list.appendChild(group);
  return group;
}

function emptyRow(text: string): HTMLElement {
  const empty = document.createElement('div');
  empty.className = 'muted empty';
  empty.textContent = text;
  return empty;
}

function threadRow(t: ThreadInfo, figure: string, fraction: number): HTMLElement {
  const unit = weightUnit(profile.meta?.weightType ?? 'samples');
  const row = document.createElement('div');
  row.className = 'thread';
  row.id = `thread-${t.index}`;
  row.setAttribute('role', 'option');
  row.setAttribute('data-thread', String(t.index));
  if (t.worker !== undefined) row.setAttribute('data-worker', String(t.worker));
  row.setAttribute('aria-selected', String(selection.threads.has(t.index)));
  row.tabIndex = -1;
  const check = document.createElement('span');
  check.className = 'check';
  check.setAttribute('aria-hidden', 'true');
  const name = document.createElement('span');
  name.className = 'thread-name';
  name.textContent = t.name;
  const tid = document.createElement('span');
  tid.className = 'thread-tid muted';
  tid.textContent = t.tid;
  const weight = document.createElement('span');
  weight.className = 'thread-weight num';
  weight.textContent = figure;
  const bar = document.createElement('span');
  bar.className = 'bar';
  const fill = document.createElement('span');
  fill.className = 'bar-fill';
  fill.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  bar.appendChild(fill);
  row.append(check, name, tid, weight, bar);
  const cpuText = t.cpuTimeMs !== undefined ? `, CPU time ${formatMeasuredTime(t.cpuTimeMs)}` : '';
  const worker = profile.feldera?.workers.find((w) => w.thread === t.index);
  const scope = selection.range || selection.operator ? ' (in the selected range / operator)' : '';
  row.title =
    `${t.name} (tid ${t.tid}, pid ${t.pid}${t.processName ? `, ${t.processName}` : ''})${scope}\n` +
    `${formatNumber(t.samples)} samples, weight ${formatNumber(t.weight)} ${unit}\n` +
    `On CPU: ${formatNumber(t.cpuSamples)} samples, weight ${formatNumber(t.cpuWeight)}${cpuText}` +
    (worker ? `\nDBSP worker ${worker.worker}: ${formatNumber(worker.evals)} operator evaluations in the profile` : '');
  return row;
}

function threadRows(): HTMLElement[] {
  return Array.from(ui.list.querySelectorAll<HTMLElement>('[role="option"]'));
}

function select(next: Iterable<number>): void {
  setThreads(next);
  renderThreads();
}

function toggleThread(index: number): void {
  const next = new Set(selection.threads);
  if (next.has(index)) next.delete(index);
  else next.add(index);
  select(next);
}

function focusThreadRow(row: HTMLElement | undefined): void {
  if (!row) return;
  for (const r of threadRows()) r.tabIndex = -1;
  row.tabIndex = 0;
  row.focus();
  row.scrollIntoView({ block: 'nearest' });
}

ui.list.addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('[role="option"]');
  if (!row) return;
  const index = Number(row.dataset.thread);
  focusThreadRow(row);
  if (e.shiftKey && anchorThread !== undefined) {
    const rows = threadRows().map((r) => Number(r.dataset.thread));
    const a = rows.indexOf(anchorThread);
    const b = rows.indexOf(index);
    if (a >= 0 && b >= 0) {
      select([...selection.threads, ...rows.slice(Math.min(a, b), Math.max(a, b) + 1)]);
      return;
    }
  }
  anchorThread = index;
  if (e.ctrlKey || e.metaKey || (e.target as HTMLElement).classList.contains('check')) toggleThread(index);
  else select([index]);
});

ui.list.addEventListener('keydown', (e) => {
  const rows = threadRows();
  const current = (e.target as HTMLElement).closest<HTMLElement>('[role="option"]');
  const k = current ? rows.indexOf(current) : -1;
  switch (e.key) {
    case 'ArrowDown':
      focusThreadRow(rows[Math.min(rows.length - 1, k + 1)]);
      break;
    case 'ArrowUp':
      focusThreadRow(rows[Math.max(0, k - 1)]);
      break;
    case 'Home':
      focusThreadRow(rows[0]);
      break;
    case 'End':
      focusThreadRow(rows[rows.length - 1]);
      break;
    case 'PageDown':
      focusThreadRow(rows[Math.min(rows.length - 1, k + 10)]);
      break;
    case 'PageUp':
      focusThreadRow(rows[Math.max(0, k - 10)]);
      break;
    case ' ':
      if (current) toggleThread(Number(current.dataset.thread));
      break;
    case 'Enter':
      if (current) select([Number(current.dataset.thread)]);
      break;
    case 'a':
      if (!(e.ctrlKey || e.metaKey)) return;
      select([...selection.threads, ...rows.map((r) => Number(r.dataset.thread))]);
      break;
    default:
      return;
  }
  e.preventDefault();
});

ui.filter.addEventListener('input', () => {
  save({ filter: ui.filter.value });
  renderThreads();
});
ui.filter.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown') {
    e.preventDefault();
    focusThreadRow(threadRows()[0]);
  } else if (e.key === 'Enter') {
    e.preventDefault();
    select(visibleThreads().map((t) => t.index));
  }
});
ui.all.addEventListener('click', () => select(profile.threads.map((t) => t.index)));
ui.shown.addEventListener('click', () => select(visibleThreads().map((t) => t.index)));
ui.busiest.addEventListener('click', () => {
  const top = threadFigures()
    .slice()
    .sort((a, b) => weightOf(b) - weightOf(a) || a.index - b.index)[0];
  if (top) select([top.index]);
});
ui.cpuOnly.addEventListener('change', () => {
  setCpuOnly(ui.cpuOnly.checked);
  renderThreads();
});

onChange((change) => {
  if (change !== 'range' && change !== 'operator') return;
  if (selection.range || selection.operator) {
    statsChannel.request(80);
  } else {
    statsChannel.cancel();
    stats = undefined;
    renderThreads();
  }
});
