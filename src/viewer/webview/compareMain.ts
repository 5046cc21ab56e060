/// <reference lib="dom" />
// The comparison editor's webview script: renders what the host sends — reading progress, which profile could not be
// read and why, the comparison (verdict, function table, differential flame graph) or the hosts view — and tells the
// host what the user asked for (swap, CPU only, a host against the rest). No aggregation happens here.
import type { ChangeClass, Comparison, SideSummary } from '../../profile/compare';
import type { ProfileStatus } from '../../profile/compareProtocol';
import type { CompareHostMessage, LoadingProfile } from '../compareMessages';
import { FlameSection } from './compareFlame';
import { FunctionTable } from './compareFunctions';
import { HostsSection } from './compareHosts';
import { OperatorTable } from './compareOperators';
import { el, formatPoints, formatShare, post } from './compareState';
import { formatMeasuredTime, formatMiB, formatNumber, weightUnit } from './format';

const ui = {
  title: el('title'),
  verdict: el('verdict'),
  sides: el('sides'),
  warnings: el('warnings'),
  problem: el('problem'),
  progress: el('progress'),
  errors: el('errors'),
  errorsTitle: el('errors-title'),
  errorList: el('error-list'),
  compare: el('compare'),
  hosts: el('hosts'),
  swap: el<HTMLButtonElement>('swap'),
  cpuOnly: el<HTMLInputElement>('cpu-only'),
  backHosts: el<HTMLButtonElement>('back-hosts'),
  thresholds: el('thresholds'),
};

let comparison: Comparison | undefined;
/** Per node of the differential tree, its calls that are gone from B (drawn nowhere: listed in its tooltip). */
let goneUnder = new Map<number, number[]>();

const table = new FunctionTable((func) => diff.graph.setSelectedFunction(func));
const hostsSection = new HostsSection();
const operatorTable = new OperatorTable();

// The differential graph: B's calls, coloured by how their share changed against A.
const CLASS_WORD: Record<ChangeClass, string> = {
  grew: 'grew',
  shrank: 'shrank',
  new: 'new in B',
  gone: 'gone from B',
  same: 'no change',
};
let colours: Record<ChangeClass, string> | undefined;
new MutationObserver(() => (colours = undefined)).observe(document.body, {
  attributes: true,
  attributeFilter: ['class', 'style'],
});
function themeColours(): Record<ChangeClass, string> {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    grew: v('--vscode-charts-red', '#f14c4c'),
    shrank: v('--vscode-charts-green', '#89d185'),
    new: v('--vscode-charts-purple', '#b180d7'),
    gone: v('--vscode-descriptionForeground', '#999999'),
    same: v('--vscode-descriptionForeground', '#999999'),
  };
}
const diff = new FlameSection('diff', {
  onSelect: (func) => table.setSelected(func),
  paint: (i) => {
    const t = comparison?.tree;
    if (!t) return undefined;
    colours ??= themeColours();
    const cls = t.cls[i];
    const points = Math.abs(100 * (t.b[i] - t.a[i]));
    // The larger the change, the stronger the colour; 5 points or more at full strength.
    const alpha = cls === 'same' ? 0.3 : cls === 'new' ? 0.9 : 0.35 + 0.65 * Math.min(1, points / 5);
    return { color: colours[cls], alpha };
  },
  describe: (i) => {
    const c = comparison;
    if (!c) return undefined;
    const t = c.tree;
    const a = t.bound[i] ? `below ${formatShare(t.aCut)} (cut)` : formatShare(t.a[i]);
    const unit = weightUnit(c.b.weightType);
    const names = new Map(c.funcs.map((f) => [f.id, f.name]));
    const gone = (goneUnder.get(i) ?? []).map((g) => `${names.get(t.func[g]) ?? '?'} (${formatShare(t.a[g])} in A)`);
    return [
      `A: ${a} · B: ${formatShare(t.b[i])}`,
      `Change: ${formatPoints(100 * (t.b[i] - t.a[i]))} points (${CLASS_WORD[t.cls[i]]})`,
      `In B: ${formatNumber(t.value[i])} ${unit}, self ${formatNumber(t.self[i])}`,
      ...(gone.length ? [`Calls gone from B: ${gone.join(', ')}`] : []),
    ];
  },
});

window.addEventListener('message', (event: MessageEvent<CompareHostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'loading':
      showLoading(m.profiles);
      break;
    case 'failed':
      showFailure(m.message);
      break;
    case 'profiles':
      showProfiles(m.profiles, m.roles);
      break;
    case 'comparison':
      showComparison(m);
      break;
    case 'functions':
      table.answer(m.requestId, m.rows);
      break;
    case 'hosts':
      showHosts(m);
      break;
    case 'problem':
      ui.problem.hidden = false;
      ui.problem.textContent = m.message;
      break;
  }
});

function showLoading(list: LoadingProfile[]): void {
  ui.progress.hidden = false;
  ui.progress.textContent = '';
  for (const p of list) {
    const line = document.createElement('div');
    line.className = 'progress-line';
    const text = document.createElement('div');
    const bar = document.createElement('progress');
    bar.max = 1;
    if (p.phase === 'reading' && p.totalBytes > 0) {
      text.textContent = `${p.fileName}: reading ${formatMiB(p.bytesRead)} of ${formatMiB(p.totalBytes)} MiB`;
      bar.value = Math.min(1, p.bytesRead / p.totalBytes);
    } else {
      const what: Record<LoadingProfile['phase'], string> = {
        waiting: 'waiting to be read (after the one before, to save memory)',
        reading: 'reading…',
        parsing: 'parsing JSON…',
        summarizing: 'summarising…',
        done: 'read',
      };
      text.textContent = `${p.fileName}: ${what[p.phase]}`;
      if (p.phase === 'done') bar.value = 1;
      else if (p.phase === 'waiting') bar.value = 0;
    }
    line.append(text, bar);
    ui.progress.appendChild(line);
  }
}

function showFailure(message: string): void {
  ui.progress.hidden = true;
  ui.errors.hidden = false;
  ui.errorsTitle.textContent = 'The comparison could not run';
  ui.errorList.textContent = '';
  const li = document.createElement('li');
  li.textContent = message;
  ui.errorList.appendChild(li);
}

/** Failed profiles, each with which role it had and why; the readable ones can be opened alone. */
function showProfiles(list: ProfileStatus[], roles: string[]): void {
  ui.progress.hidden = true;
  const failed = list.map((p, k) => ({ p, k })).filter(({ p }) => !p.ok);
  ui.errors.hidden = failed.length === 0;
  ui.errorList.textContent = '';
  if (!failed.length) return;
  ui.errorsTitle.textContent =
    failed.length === 1 ? `${roles[failed[0].k]} cannot be read` : `${failed.length} profiles cannot be read`;
  for (const { p, k } of failed) {
    if (p.ok) continue;
    const li = document.createElement('li');
    li.dataset.testid = `error-${k}`;
    const head = document.createElement('div');
    head.className = 'error-message';
    head.textContent = `${roles[k]}: ${p.fileName} — ${p.error.message}`;
    const kind = document.createElement('div');
    kind.className = 'error-kind';
    kind.textContent = `Reason: ${p.error.kind}`;
    li.append(head, kind);
    ui.errorList.appendChild(li);
  }
  const readable = list.map((p, k) => ({ p, k })).filter(({ p }) => p.ok);
  for (const { p, k } of readable) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary';
    b.dataset.testid = `open-alone-${k}`;
    b.textContent = `Open ${roles[k]} alone: ${p.fileName}`;
    b.addEventListener('click', () => post({ type: 'openAlone', profile: k }));
    li.appendChild(b);
    ui.errorList.appendChild(li);
  }
}

function showComparison(m: Extract<CompareHostMessage, { type: 'comparison' }>): void {
  const c = m.comparison;
  comparison = c;
  goneUnder = new Map();
  c.tree.cls.forEach((cls, i) => {
    const p = c.tree.parent[i];
    if (cls === 'gone' && p >= 0) goneUnder.set(p, [...(goneUnder.get(p) ?? []), i]);
  });
  ui.progress.hidden = true;
  ui.problem.hidden = true;
  ui.hosts.hidden = true;
  ui.compare.hidden = false;
  ui.swap.hidden = false;
  ui.backHosts.hidden = !m.fromHosts;
  ui.cpuOnly.disabled = !m.canCpuOnly;
  ui.cpuOnly.checked = c.cpuOnly;
  ui.title.textContent = `${c.b.label} against ${c.a.label}`;
  ui.verdict.textContent = verdict(c);
  ui.verdict.title = ui.verdict.textContent;
  ui.sides.textContent = '';
  ui.sides.append(side('A (baseline)', c.a), document.createElement('br'), side('B', c.b));
  showWarnings(c.warnings);
  const t = c.thresholds;
  ui.thresholds.textContent =
    `Shares are of each profile's own total${c.cpuOnly ? ' on-CPU' : ''} weight; changes in percentage points. ` +
    `A change counts when it is at least ${t.minPoints} points, ${100 * t.minRelative}% of the larger share and ` +
    `${t.noiseSigmas} standard errors (sampling noise). Calls gone from B are not drawn: their caller's tooltip ` +
    'lists them, and Swap A/B shows them.';
  operatorTable.show(c);
  table.show(c);
  diff.show(c.tree, c.funcs, c.b.stackWeight, c.b.weightType, weightUnit(c.b.weightType));
}

function showHosts(m: Extract<CompareHostMessage, { type: 'hosts' }>): void {
  comparison = undefined;
  ui.progress.hidden = true;
  ui.problem.hidden = true;
  ui.compare.hidden = true;
  ui.hosts.hidden = false;
  ui.swap.hidden = true;
  ui.backHosts.hidden = true;
  ui.cpuOnly.disabled = !m.canCpuOnly;
  ui.cpuOnly.checked = m.view.cpuOnly;
  const pipeline = m.view.products.join(', ') || 'unknown pipeline';
  ui.title.textContent = `Hosts of ${pipeline}`;
  const busiest = m.view.hosts.slice().sort((x, y) => y.share - x.share)[0];
  ui.verdict.textContent = busiest
    ? `${m.view.hosts.length} hosts · ${formatNumber(m.view.merged.samples)} samples · busiest: ${busiest.label} ` +
      `with ${(100 * busiest.share).toFixed(1)}% of the collection`
    : 'No host could be read.';
  ui.sides.textContent = '';
  showWarnings(m.view.warnings);
  hostsSection.show(m.view);
}

function showWarnings(list: string[]): void {
  ui.warnings.textContent = '';
  ui.warnings.hidden = list.length === 0;
  for (const w of list) {
    const li = document.createElement('li');
    li.textContent = w;
    ui.warnings.appendChild(li);
  }
}

function cpuText(s: SideSummary): string {
  return s.cpuMs !== undefined ? `CPU ${formatMeasuredTime(s.cpuMs)}` : `CPU ≈ ${formatMeasuredTime(s.approxCpuMs)}`;
}

/** One line: each side's samples, duration and CPU, then the five biggest changes. */
function verdict(c: Comparison): string {
  const about = (s: SideSummary) =>
    `${formatNumber(s.samples)} samples, ${formatMeasuredTime(s.durationMs)}, ${cpuText(s)}`;
  const changes = c.top.length
    ? `Biggest changes: ${c.top
        .map((f) => `${f.name} ${formatPoints(f.dSelf)} pts${f.cls === 'new' || f.cls === 'gone' ? ` (${f.cls})` : ''}`)
        .join(', ')}.`
    : 'No change above the thresholds.';
  const ops = (c.operators ?? []).filter((o) => o.cls !== 'same').slice(0, 3);
  const operators = ops.length
    ? ` Operators: ${ops
        .map(
          (o) => `${o.name} ${formatPoints(o.dPoints)} pts${o.cls === 'new' || o.cls === 'gone' ? ` (${o.cls})` : ''}`,
        )
        .join(', ')}.`
    : '';
  return `A: ${about(c.a)} → B: ${about(c.b)}. ${changes}${operators}`;
}

function side(role: string, s: SideSummary): HTMLElement {
  const span = document.createElement('span');
  const label = document.createElement('span');
  label.className = 'side-label';
  label.textContent = `${role}: ${s.label}`;
  span.append(
    label,
    ` — ${s.products.join(', ') || 'unknown product'} · ${formatMeasuredTime(s.durationMs)} · ` +
      `${formatNumber(s.samples)} samples · ${s.threadCount} threads · ${cpuText(s)}`,
  );
  span.title = s.files.join('\n');
  return span;
}

ui.swap.addEventListener('click', () => post({ type: 'swap' }));
ui.cpuOnly.addEventListener('change', () => post({ type: 'cpuOnly', value: ui.cpuOnly.checked }));
ui.backHosts.addEventListener('click', () => post({ type: 'showHosts' }));

post({ type: 'ready' });
