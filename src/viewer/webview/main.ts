/// <reference lib="dom" />
// The profile viewer's webview script. It renders what the host sends (thread list, top functions,
// a pruned flame tree) and asks the host for a new summary when the thread selection or the CPU-only
// mode changes. No aggregation happens here. State that should survive the webview being hidden
// (selection, mode, filter, search, zoom, selected function) is kept with vscode.setState.
import type { FunctionDetails, FunctionStat, ProfileMeta, SelectionSummary, ThreadInfo } from '../../profile/types';
import type { HostMessage, WebviewMessage } from '../protocol';
import { FlameGraph } from './flame';
import { approxTime, formatMeasuredTime, formatMiB, formatNumber, formatPercent, weightUnit } from './format';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface SavedState {
  threads?: number[];
  cpuOnly?: boolean;
  filter?: string;
  search?: string;
  func?: number;
  zoom?: number[];
}

const vscode = acquireVsCodeApi();
const saved: SavedState = (vscode.getState() as SavedState | undefined) ?? {};

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
}

const ui = {
  meta: el('meta'),
  cpuOnly: el<HTMLInputElement>('cpu-only'),
  headerSamply: el<HTMLButtonElement>('header-open-samply'),
  progress: el('progress'),
  progressText: el('progress-text'),
  progressBar: el<HTMLProgressElement>('progress-bar'),
  error: el('error'),
  errorMessage: el('error-message'),
  errorKind: el('error-kind'),
  errorSamply: el<HTMLButtonElement>('open-samply'),
  main: el('main'),
  threadCount: el('thread-count'),
  threadFilter: el<HTMLInputElement>('thread-filter'),
  threadsAll: el<HTMLButtonElement>('threads-all'),
  threadsShown: el<HTMLButtonElement>('threads-shown'),
  threadsBusiest: el<HTMLButtonElement>('threads-busiest'),
  threadList: el('thread-list'),
  selectionInfo: el('selection-info'),
  topSelf: el<HTMLTableElement>('top-self'),
  topTotal: el<HTMLTableElement>('top-total'),
  detailsEmpty: el('details-empty'),
  detailsBody: el('details-body'),
  detailsName: el('details-name'),
  detailsStats: el('details-stats'),
  callers: el<HTMLTableElement>('callers'),
  callees: el<HTMLTableElement>('callees'),
  flameSearch: el<HTMLInputElement>('flame-search'),
  flameSearchInfo: el('flame-search-info'),
  flameReset: el<HTMLButtonElement>('flame-reset'),
  flameBreadcrumb: el('flame-breadcrumb'),
  flameNote: el('flame-note'),
};

let meta: ProfileMeta | undefined;
let threads: ThreadInfo[] = [];
let selected = new Set<number>();
let cpuOnly = false;
let summary: SelectionSummary | undefined;
let selectedFunc: number | undefined = saved.func;
let zoomPath: number[] = saved.zoom ?? [];
let requestId = 0;
let detailsRequestId = 0;
let selectTimer: ReturnType<typeof setTimeout> | undefined;
/** Anchor for Shift-click ranges in the thread list. */
let anchorThread: number | undefined;

const flame = new FlameGraph(
  el<HTMLCanvasElement>('flame-graph'),
  el('flame-container'),
  el('flame-tooltip'),
  el('flame-status'),
  {
    onSelect: (func) => selectFunction(func),
    onZoom: (path) => {
      zoomPath = path;
      save();
      renderBreadcrumb();
    },
  },
);

function save(): void {
  const state: SavedState = {
    threads: Array.from(selected),
    cpuOnly,
    filter: ui.threadFilter.value,
    search: ui.flameSearch.value,
    func: selectedFunc,
    zoom: zoomPath,
  };
  vscode.setState(state);
}

function post(m: WebviewMessage): void {
  vscode.postMessage(m);
}

// ---------------------------------------------------------------------------------------------------
// Messages from the host

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'progress':
      showProgress(m);
      break;
    case 'error':
      showError(m.error.kind, m.error.message);
      break;
    case 'profile':
      showProfile(m.meta, m.threads, m.loadMs);
      break;
    case 'summary':
      if (m.requestId === requestId) showSummary(m.summary);
      break;
    case 'details':
      if (m.requestId === detailsRequestId) showDetails(m.details);
      break;
  }
});

function showProgress(m: Extract<HostMessage, { type: 'progress' }>): void {
  ui.progress.hidden = false;
  if (m.phase === 'reading') {
    ui.progressText.textContent =
      m.totalBytes > 0 ? `Reading… ${formatMiB(m.bytesRead)} of ${formatMiB(m.totalBytes)} MiB` : 'Reading…';
    if (m.totalBytes > 0) ui.progressBar.value = Math.min(1, m.bytesRead / m.totalBytes);
  } else {
    ui.progressText.textContent =
      m.phase === 'parsing'
        ? `Parsing ${m.textBytes !== undefined ? `${formatMiB(m.textBytes)} MiB of ` : ''}JSON…`
        : 'Summarising threads and functions…';
    ui.progressBar.removeAttribute('value');
  }
}

function showError(kind: string, message: string): void {
  ui.progress.hidden = true;
  ui.main.hidden = true;
  ui.error.hidden = false;
  ui.errorMessage.textContent = message;
  ui.errorKind.textContent = kind;
  const toggle = ui.cpuOnly.parentElement;
  if (toggle) toggle.hidden = true;
  ui.headerSamply.hidden = true;
  ui.errorSamply.focus();
}

function showProfile(m: ProfileMeta, list: ThreadInfo[], loadMs: number): void {
  meta = m;
  threads = list;
  ui.progress.hidden = true;
  ui.error.hidden = true;
  ui.main.hidden = false;
  // The host of a multihost pipeline leads the line; its "(host i of n)" is not repeated in the OS text.
  const oscpu = m.host ? m.oscpu.replace(/\s*\(?\bhost\s+\d+\s+of\s+\d+\b\)?/i, '').trim() : m.oscpu;
  const parts = [
    m.host ? `Host ${m.host.index} of ${m.host.count}` : '',
    m.product || 'unknown product',
    oscpu,
    formatMeasuredTime(m.durationMs),
    `${list.length} threads`,
    `format v${m.version}`,
    m.symbolicated ? 'symbolicated' : 'not symbolicated',
  ].filter(Boolean);
  ui.meta.textContent = parts.join(' · ');
  ui.meta.title =
    `${m.oscpu}\nStarted ${new Date(m.startTime).toISOString()}, sampling interval ${m.interval} ms\n` +
    `Read and summarised in ${formatMeasuredTime(loadMs)}`;

  const valid = (saved.threads ?? []).filter((t) => Number.isInteger(t) && t >= 0 && t < list.length);
  selected = new Set(saved.threads ? valid : list.map((t) => t.index));
  cpuOnly = m.hasCpuDelta && saved.cpuOnly === true;
  ui.cpuOnly.checked = cpuOnly;
  ui.cpuOnly.disabled = !m.hasCpuDelta;
  if (!m.hasCpuDelta) ui.cpuOnly.parentElement?.setAttribute('title', 'This profile has no threadCPUDelta data.');
  ui.threadFilter.value = saved.filter ?? '';
  ui.flameSearch.value = saved.search ?? '';
  renderThreads();
  requestSummary(0);
}

// ---------------------------------------------------------------------------------------------------
// Threads

function threadWeight(t: ThreadInfo): number {
  return cpuOnly ? t.cpuWeight : t.weight;
}

function visibleThreads(): ThreadInfo[] {
  const q = ui.threadFilter.value.trim().toLowerCase();
  return threads
    .filter((t) => !q || `${t.name} ${t.tid} ${t.processName}`.toLowerCase().includes(q))
    .sort((a, b) => threadWeight(b) - threadWeight(a) || a.index - b.index);
}

function renderThreads(): void {
  const list = ui.threadList;
  const focusedIndex = Number(document.activeElement?.getAttribute('data-thread') ?? NaN);
  const shown = visibleThreads();
  const max = Math.max(1, ...threads.map(threadWeight));
  const unit = weightUnit(meta?.weightType ?? 'samples');
  list.textContent = '';
  for (const t of shown) {
    const row = document.createElement('div');
    row.className = 'thread';
    row.id = `thread-${t.index}`;
    row.setAttribute('role', 'option');
    row.setAttribute('data-thread', String(t.index));
    row.setAttribute('aria-selected', String(selected.has(t.index)));
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
    weight.textContent = formatNumber(threadWeight(t));
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    fill.style.width = `${(100 * threadWeight(t)) / max}%`;
    bar.appendChild(fill);
    row.append(check, name, tid, weight, bar);
    const cpuText = t.cpuTimeMs !== undefined ? `, CPU time ${formatMeasuredTime(t.cpuTimeMs)}` : '';
    row.title =
      `${t.name} (tid ${t.tid}, pid ${t.pid}${t.processName ? `, ${t.processName}` : ''})\n` +
      `${formatNumber(t.samples)} samples, weight ${formatNumber(t.weight)} ${unit}\n` +
      `On CPU: ${formatNumber(t.cpuSamples)} samples, weight ${formatNumber(t.cpuWeight)}${cpuText}`;
    list.appendChild(row);
  }
  if (!shown.length) {
    const empty = document.createElement('div');
    empty.className = 'muted empty';
    empty.textContent = 'No thread matches the filter.';
    list.appendChild(empty);
  }
  const rows = threadRows();
  const focusRow = rows.find((r) => Number(r.dataset.thread) === focusedIndex);
  (focusRow ?? rows.find((r) => r.getAttribute('aria-selected') === 'true') ?? rows[0])?.setAttribute('tabindex', '0');
  if (focusRow) focusRow.focus();
  ui.threadCount.textContent = `${selected.size} of ${threads.length} selected`;
}

function threadRows(): HTMLElement[] {
  return Array.from(ui.threadList.querySelectorAll<HTMLElement>('[role="option"]'));
}

function setSelection(next: Iterable<number>): void {
  selected = new Set(next);
  save();
  renderThreads();
  requestSummary();
}

function toggleThread(index: number): void {
  const next = new Set(selected);
  if (next.has(index)) next.delete(index);
  else next.add(index);
  setSelection(next);
}

function focusThreadRow(row: HTMLElement | undefined): void {
  if (!row) return;
  for (const r of threadRows()) r.tabIndex = -1;
  row.tabIndex = 0;
  row.focus();
  row.scrollIntoView({ block: 'nearest' });
}

ui.threadList.addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('[role="option"]');
  if (!row) return;
  const index = Number(row.dataset.thread);
  focusThreadRow(row);
  if (e.shiftKey && anchorThread !== undefined) {
    const rows = threadRows().map((r) => Number(r.dataset.thread));
    const a = rows.indexOf(anchorThread);
    const b = rows.indexOf(index);
    if (a >= 0 && b >= 0) {
      setSelection([...selected, ...rows.slice(Math.min(a, b), Math.max(a, b) + 1)]);
      return;
    }
  }
  anchorThread = index;
  if (e.ctrlKey || e.metaKey || (e.target as HTMLElement).classList.contains('check')) toggleThread(index);
  else setSelection([index]);
});

ui.threadList.addEventListener('keydown', (e) => {
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
      if (current) setSelection([Number(current.dataset.thread)]);
      break;
    case 'a':
      if (!(e.ctrlKey || e.metaKey)) return;
      setSelection([...selected, ...rows.map((r) => Number(r.dataset.thread))]);
      break;
    default:
      return;
  }
  e.preventDefault();
});

ui.threadFilter.addEventListener('input', () => {
  save();
  renderThreads();
});
ui.threadFilter.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown') {
    e.preventDefault();
    focusThreadRow(threadRows()[0]);
  } else if (e.key === 'Enter') {
    e.preventDefault();
    setSelection(visibleThreads().map((t) => t.index));
  }
});
ui.threadsAll.addEventListener('click', () => setSelection(threads.map((t) => t.index)));
ui.threadsShown.addEventListener('click', () => setSelection(visibleThreads().map((t) => t.index)));
ui.threadsBusiest.addEventListener('click', () => {
  const top = threads.slice().sort((a, b) => threadWeight(b) - threadWeight(a) || a.index - b.index)[0];
  if (top) setSelection([top.index]);
});
ui.cpuOnly.addEventListener('change', () => {
  cpuOnly = ui.cpuOnly.checked;
  save();
  renderThreads();
  requestSummary(0);
});

// ---------------------------------------------------------------------------------------------------
// Summaries

function requestSummary(delayMs = 120): void {
  if (selectTimer) clearTimeout(selectTimer);
  ui.main.setAttribute('aria-busy', 'true');
  ui.selectionInfo.textContent = 'Updating…';
  selectTimer = setTimeout(() => {
    selectTimer = undefined;
    requestId++;
    post({ type: 'select', requestId, threads: Array.from(selected).sort((a, b) => a - b), cpuOnly });
  }, delayMs);
}

function showSummary(s: SelectionSummary): void {
  summary = s;
  ui.main.removeAttribute('aria-busy');
  const m = meta;
  const unit = weightUnit(m?.weightType ?? 'samples');
  const time = m ? approxTime(s.weight, m.weightType, m.interval) : '';
  ui.selectionInfo.textContent =
    s.threads.length === 0
      ? 'No thread selected: pick threads on the left.'
      : `${s.threads.length} of ${threads.length} threads · ${formatNumber(s.samples)} samples · ` +
        `weight ${formatNumber(s.weight)} ${unit} ${time} · ${formatNumber(s.functionCount)} functions` +
        (s.cpuOnly ? ' · CPU only (off-CPU samples left out)' : '');
  renderFunctionTable(ui.topSelf, s.topSelf, 'self', s.stackWeight);
  renderFunctionTable(ui.topTotal, s.topTotal, 'total', s.stackWeight);
  flame.setData(s.flame, s.funcs, m?.weightType ?? 'samples', m?.interval ?? 1, zoomPath);
  ui.flameReset.disabled = !flame.zoomed;
  renderBreadcrumb();
  applySearch();
  ui.flameNote.textContent = s.flame.pruned
    ? `Calls lighter than ${formatNumber(s.flame.minValue)} ${unit} (${formatPercent(s.flame.minValue, s.stackWeight)}) are left out.`
    : '';
  if (selectedFunc !== undefined) requestDetails(selectedFunc);
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

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = 'num';
  td.textContent = text;
  return td;
}

/** Click, Enter or Space on a row selects its function; arrows move between rows. */
function wireFunctionTable(table: HTMLTableElement): void {
  table.addEventListener('click', (e) => {
    const tr = (e.target as HTMLElement).closest<HTMLElement>('tr[data-func]');
    if (!tr) return;
    focusRow(table, tr);
    selectFunction(Number(tr.dataset.func));
  });
  table.addEventListener('keydown', (e) => {
    const rows = Array.from(table.querySelectorAll<HTMLElement>('tbody tr[data-func]'));
    const current = (e.target as HTMLElement).closest<HTMLElement>('tr[data-func]');
    if (!current) return;
    const k = rows.indexOf(current);
    let next: HTMLElement | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = rows[Math.min(rows.length - 1, k + 1)];
        break;
      case 'ArrowUp':
        next = rows[Math.max(0, k - 1)];
        break;
      case 'Home':
        next = rows[0];
        break;
      case 'End':
        next = rows[rows.length - 1];
        break;
      case 'PageDown':
        next = rows[Math.min(rows.length - 1, k + 10)];
        break;
      case 'PageUp':
        next = rows[Math.max(0, k - 10)];
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        selectFunction(Number(current.dataset.func));
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next) focusRow(table, next);
  });
}

function focusRow(table: HTMLTableElement, tr: HTMLElement): void {
  for (const r of Array.from(table.querySelectorAll<HTMLElement>('tr[data-func]'))) r.tabIndex = -1;
  tr.tabIndex = 0;
  tr.focus();
  tr.scrollIntoView({ block: 'nearest' });
}

for (const t of [ui.topSelf, ui.topTotal, ui.callers, ui.callees]) wireFunctionTable(t);

// ---------------------------------------------------------------------------------------------------
// Selected function: callers and callees

function selectFunction(func: number): void {
  if (func < 0) return;
  selectedFunc = func;
  save();
  for (const table of [ui.topSelf, ui.topTotal]) {
    for (const tr of Array.from(table.querySelectorAll<HTMLElement>('tr[data-func]'))) {
      tr.setAttribute('aria-selected', String(Number(tr.dataset.func) === func));
    }
  }
  flame.setSelectedFunction(func);
  requestDetails(func);
}

function requestDetails(func: number): void {
  detailsRequestId++;
  post({
    type: 'details',
    requestId: detailsRequestId,
    func,
    threads: Array.from(selected).sort((a, b) => a - b),
    cpuOnly,
  });
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
  flame.setSelectedFunction(d.func.id);
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

// ---------------------------------------------------------------------------------------------------
// Flame graph controls

function applySearch(): void {
  const q = ui.flameSearch.value;
  const r = flame.setSearch(q);
  ui.flameSearchInfo.textContent = q.trim()
    ? r.functions
      ? `${r.functions} function${r.functions === 1 ? '' : 's'}, ${formatPercent(r.weight, summary?.stackWeight ?? 0)}`
      : 'No match'
    : '';
}

function renderBreadcrumb(): void {
  const nav = ui.flameBreadcrumb;
  nav.textContent = '';
  ui.flameReset.disabled = !flame.zoomed;
  const trail = flame.zoomTrail();
  if (!trail.length) return;
  const all = document.createElement('button');
  all.type = 'button';
  all.className = 'crumb';
  all.textContent = 'All';
  all.addEventListener('click', () => flame.resetZoom());
  nav.appendChild(all);
  trail.forEach((step, k) => {
    const sep = document.createElement('span');
    sep.className = 'muted';
    sep.textContent = ' › ';
    nav.appendChild(sep);
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'crumb';
    b.textContent = step.name;
    if (k === trail.length - 1) b.setAttribute('aria-current', 'true');
    b.addEventListener('click', () => flame.zoomTo(step.node));
    nav.appendChild(b);
  });
}

ui.flameSearch.addEventListener('input', () => {
  save();
  applySearch();
});
ui.flameSearch.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && ui.flameSearch.value) {
    e.preventDefault();
    ui.flameSearch.value = '';
    save();
    applySearch();
  }
});
ui.flameReset.addEventListener('click', () => flame.resetZoom());

// ---------------------------------------------------------------------------------------------------
// Open with samply (in the error view and in the header)

for (const b of [ui.errorSamply, ui.headerSamply]) {
  b.addEventListener('click', () => post({ type: 'openWithSamply' }));
}

post({ type: 'ready' });
