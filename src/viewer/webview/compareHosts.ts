/// <reference lib="dom" />
// The hosts view of one multihost collection: per host its CPU and share of the collection, its busiest threads and
// top functions, "Compare with the rest", the operator × host table (when the profiles have Feldera's operator
// markers: a host whose part of an operator's CPU is far above the others' stands out), and all hosts' call trees
// merged into one flame graph.
import type { HostsView } from '../../profile/compare';
import { FlameSection } from './compareFlame';
import { el, post, td } from './compareState';
import { formatMeasuredTime, formatNumber, formatPercent, weightUnit } from './format';

export class HostsSection {
  private readonly table = el<HTMLTableElement>('hosts-table');
  private readonly info = el('hosts-info');
  private readonly flame = new FlameSection('merged', { onSelect: () => undefined });
  private readonly opsSection = el('host-ops-section');
  private readonly opsTable = el<HTMLTableElement>('host-ops-table');
  private readonly opsHead = el('host-ops-head');
  private readonly opsInfo = el('host-ops-info');

  show(v: HostsView): void {
    const body = this.table.tBodies[0];
    body.textContent = '';
    const max = Math.max(0, ...v.hosts.map((h) => h.share));
    for (const h of v.hosts) {
      const tr = document.createElement('tr');
      tr.dataset.profile = String(h.profile);
      const host = td(h.label, 'host-name');
      host.title = h.fileName;
      const cpu = td(
        h.cpuMs !== undefined ? formatMeasuredTime(h.cpuMs) : `≈ ${formatMeasuredTime(h.approxCpuMs)}`,
        'num',
      );
      cpu.title = `CPU time of all threads over ${formatMeasuredTime(h.durationMs)}`;
      const share = td(formatPercent(h.share, 1), 'num');
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      fill.style.width = `${max > 0 ? (100 * h.share) / max : 0}%`;
      bar.appendChild(fill);
      share.appendChild(bar);
      const threads = td(h.busiest.map((t) => `${t.name} ${formatPercent(t.share, 1)}`).join(' · ') || '—');
      const funcs = td(h.topSelf.map((f) => `${f.name} ${formatPercent(f.share, 1)}`).join(' · ') || '—', 'fn-name');
      const actions = document.createElement('td');
      const row = document.createElement('div');
      row.className = 'actions';
      const compare = button('Compare with the rest', `compare-host-${h.hostIndex ?? h.profile}`, () =>
        post({ type: 'compareHost', profile: h.profile }),
      );
      compare.disabled = v.hosts.length < 2;
      compare.title = `${h.label} (B) against the other hosts merged (A)`;
      const open = button('Open', `open-host-${h.hostIndex ?? h.profile}`, () =>
        post({ type: 'openAlone', profile: h.profile }),
      );
      open.className = 'secondary';
      open.title = `Open ${h.fileName} in the Samply Profile editor`;
      row.append(compare, open);
      actions.appendChild(row);
      tr.append(host, cpu, share, td(formatNumber(h.samples), 'num'), threads, funcs, actions);
      body.appendChild(tr);
    }
    this.showOperators(v);
    this.info.textContent =
      `${v.hosts.length} hosts · ${formatNumber(v.merged.samples)} samples` + (v.cpuOnly ? ' · CPU only' : '');
    this.flame.show(v.merged.tree, v.merged.funcs, v.merged.stackWeight, v.weightType, weightUnit(v.weightType));
  }

  private showOperators(v: HostsView): void {
    const rows = v.operators;
    this.opsSection.hidden = !rows;
    if (!rows) return;
    this.opsHead.textContent = '';
    const th = (text: string, className = '') => {
      const h = document.createElement('th');
      h.scope = 'col';
      h.textContent = text;
      if (className) h.className = className;
      return h;
    };
    this.opsHead.append(
      th('Operator'),
      th('Node', 'node-col'),
      th('CPU', 'num cpu-col'),
      ...v.hosts.map((h) => th(h.label, 'num host-col')),
    );
    const body = this.opsTable.tBodies[0];
    body.textContent = '';
    const us = (x: number) => formatMeasuredTime(x / 1000);
    for (const o of rows) {
      const tr = document.createElement('tr');
      tr.dataset.node = o.nodeId;
      tr.append(td(o.name, 'fn-name'), td(o.nodeId, 'muted'), td(us(o.cpuUs), 'num'));
      o.hosts.forEach((h, k) => {
        const cell = td(`${us(h.cpuUs)} · ${formatPercent(h.share, 1)}`, 'num');
        if (o.standsOut === k) {
          cell.classList.add('stands-out');
          cell.title =
            o.skew !== undefined
              ? `${v.hosts[k].label} runs ${o.skew.toFixed(1)}× the median host's CPU of this operator`
              : `Only some hosts run this operator; ${v.hosts[k].label} the most`;
        }
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    }
    const skewed = rows.filter((o) => o.standsOut !== undefined).length;
    this.opsInfo.textContent =
      `${rows.length} operators by CPU; each host's part of an operator's CPU` +
      (skewed ? ` · ${skewed} with a host that stands out` : '');
  }
}

function button(text: string, testId: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.dataset.testid = testId;
  b.addEventListener('click', onClick);
  return b;
}
