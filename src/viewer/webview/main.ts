/// <reference lib="dom" />
// The profile viewer's webview script: the header, the loading and error views, and the routing of the host's
// messages to the sections (timeline.ts, threads.ts, operators.ts, bySql.ts, functions.ts, flameSection.ts), which share
// ./state.ts. No aggregation happens here: the host answers every question with a summary. State that should survive
// the webview being hidden is kept with vscode.setState (state.ts).
import type { FelderaOverview, ProfileMeta, ThreadInfo } from '../../profile/types';
import type { HostMessage } from '../protocol';
import { refreshBySql, showBySql } from './bySql';
import { renderChips } from './chips';
import { onFlameSelect, restoreFlameSearch } from './flameSection';
import { formatMeasuredTime, formatMiB } from './format';
import { requestSummary, selectFunction } from './functions';
import { refreshOperators, showOperators } from './operators';
import { dispatchAnswer, dispatchFailure, el, post, profile, saved, selection } from './state';
import { showThreads } from './threads';
import { showTimeline } from './timeline';

const ui = {
  meta: el('meta'),
  cpuOnly: el<HTMLInputElement>('cpu-only'),
  headerSamply: el<HTMLButtonElement>('header-open-samply'),
  headerCompare: el<HTMLButtonElement>('header-compare'),
  headerHosts: el<HTMLButtonElement>('header-hosts'),
  progress: el('progress'),
  progressText: el('progress-text'),
  progressBar: el<HTMLProgressElement>('progress-bar'),
  error: el('error'),
  errorMessage: el('error-message'),
  errorKind: el('error-kind'),
  errorSamply: el<HTMLButtonElement>('open-samply'),
  main: el('main'),
};

onFlameSelect(selectFunction);

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
      showProfile(m.meta, m.threads, m.feldera, m.loadMs);
      break;
    case 'failed':
      dispatchFailure(m.answer, m.requestId);
      break;
    case 'collection':
      ui.headerHosts.textContent = `All ${m.hosts} hosts`;
      ui.headerHosts.hidden = false;
      break;
    case 'sqlContext':
      refreshOperators();
      refreshBySql();
      break;
    default:
      dispatchAnswer(m);
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

function showProfile(m: ProfileMeta, list: ThreadInfo[], feldera: FelderaOverview, loadMs: number): void {
  profile.meta = m;
  profile.threads = list;
  profile.feldera = feldera;
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
    feldera.workers.length ? `${feldera.workers.length} DBSP workers` : '',
    `format v${m.version}`,
    m.symbolicated ? 'symbolicated' : 'not symbolicated',
  ].filter(Boolean);
  ui.meta.textContent = parts.join(' · ');
  ui.meta.title =
    `${m.oscpu}\nStarted ${new Date(m.startTime).toISOString()}, sampling interval ${m.interval} ms\n` +
    `Read and summarised in ${formatMeasuredTime(loadMs)}`;

  // The range and operator the views were narrowed to before the webview was hidden.
  const r = saved.range;
  const w = m.timeRange;
  selection.range =
    r && Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start && r.end > w.start && r.start < w.end
      ? { start: r.start, end: r.end }
      : undefined;
  selection.operator = feldera.hasOperators && saved.operator?.nodeId ? saved.operator : undefined;

  showThreads();
  restoreFlameSearch();
  renderChips();
  showTimeline();
  showOperators();
  showBySql();
  requestSummary(0);
}

for (const b of [ui.errorSamply, ui.headerSamply]) {
  b.addEventListener('click', () => post({ type: 'openWithSamply' }));
}
ui.headerCompare.addEventListener('click', () => post({ type: 'compareWith', hosts: false }));
ui.headerHosts.addEventListener('click', () => post({ type: 'compareWith', hosts: true }));

post({ type: 'ready' });
