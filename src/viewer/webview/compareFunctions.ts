/// <reference lib="dom" />
// The comparison's function table: each function's self and total share in A and B and the change in points,
// largest change first, sortable by column and filterable by name. When the comparison sent every row, filtering
// and sorting happen here; otherwise the host asks the worker (which has them all).
import { compareFunctions, type Comparison, type FunctionChange, type FunctionSort } from '../../profile/compare';
import { el, formatPoints, formatShare, post, save, saved, td } from './compareState';

const CLASS_TEXT: Record<FunctionChange['cls'], string> = {
  grew: 'grew',
  shrank: 'shrank',
  new: 'new',
  gone: 'gone',
  same: '',
};

export class FunctionTable {
  private readonly table = el<HTMLTableElement>('fn-table');
  private readonly filter = el<HTMLInputElement>('fn-filter');
  private readonly info = el('fn-info');
  private comparison: Comparison | undefined;
  private sort: FunctionSort = saved.sort ?? 'dSelf';
  private selected = -1;
  private requestId = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onSelect: (func: number) => void) {
    this.filter.value = saved.filter ?? '';
    this.filter.addEventListener('input', () => {
      save({ filter: this.filter.value });
      this.query();
    });
    this.filter.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.focusRow(this.rowElements()[0]);
      }
    });
    for (const b of Array.from(this.table.querySelectorAll<HTMLButtonElement>('button.sort'))) {
      b.addEventListener('click', () => {
        this.sort = b.dataset.sort as FunctionSort;
        save({ sort: this.sort });
        this.query();
      });
    }
    this.table.addEventListener('click', (e) => {
      const tr = (e.target as HTMLElement).closest<HTMLElement>('tr[data-func]');
      if (!tr) return;
      this.focusRow(tr);
      this.choose(Number(tr.dataset.func));
    });
    this.table.addEventListener('keydown', (e) => this.onKey(e));
  }

  show(c: Comparison): void {
    this.comparison = c;
    this.query(0);
  }

  /** Rows from the host, for the latest query. */
  answer(requestId: number, rows: FunctionChange[]): void {
    if (requestId === this.requestId) this.render(rows);
  }

  setSelected(func: number): void {
    this.selected = func;
    for (const tr of this.rowElements()) tr.setAttribute('aria-selected', String(Number(tr.dataset.func) === func));
  }

  private query(delayMs = 120): void {
    const c = this.comparison;
    if (!c) return;
    if (this.timer) clearTimeout(this.timer);
    // All rows are here: no need to ask.
    if (c.functionCount <= c.functions.length) {
      this.render(
        compareFunctions(c.functions.slice(), { filter: this.filter.value, sort: this.sort, limit: Infinity }),
      );
      return;
    }
    this.timer = setTimeout(() => {
      this.requestId++;
      post({ type: 'functions', requestId: this.requestId, filter: this.filter.value, sort: this.sort });
    }, delayMs);
  }

  private render(rows: FunctionChange[]): void {
    const c = this.comparison;
    const body = this.table.tBodies[0];
    body.textContent = '';
    for (const b of Array.from(this.table.querySelectorAll<HTMLButtonElement>('button.sort'))) {
      b.setAttribute('aria-pressed', String(b.dataset.sort === this.sort));
    }
    for (const f of rows) {
      const tr = document.createElement('tr');
      tr.dataset.func = String(f.id);
      tr.tabIndex = -1;
      tr.setAttribute('aria-selected', String(f.id === this.selected));
      const name = td(f.name, 'fn-name');
      name.title = [f.name, f.lib ? `Library: ${f.lib}` : '', f.file ? `File: ${f.file}` : '']
        .filter(Boolean)
        .join('\n');
      const change = (d: number) => td(formatPoints(d), `num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`);
      tr.append(
        name,
        td(formatShare(f.aSelf), 'num'),
        td(formatShare(f.bSelf), 'num'),
        change(f.dSelf),
        td(formatShare(f.aTotal), 'num'),
        td(formatShare(f.bTotal), 'num'),
        change(f.dTotal),
        td(CLASS_TEXT[f.cls], `cls cls-${f.cls}`),
      );
      body.appendChild(tr);
    }
    if (!rows.length) {
      const tr = document.createElement('tr');
      const cell = td(this.filter.value.trim() ? 'No function matches the filter.' : 'No samples to compare.', 'muted');
      cell.colSpan = 8;
      tr.appendChild(cell);
      body.appendChild(tr);
    }
    const first =
      body.querySelector<HTMLElement>('tr[aria-selected="true"]') ?? body.querySelector<HTMLElement>('tr[data-func]');
    if (first) first.tabIndex = 0;
    if (c) {
      const shown = rows.length < c.functionCount ? `${rows.length} of ` : '';
      this.info.textContent = `${shown}${c.functionCount} functions, ${c.changedCount} changed`;
    }
  }

  private choose(func: number): void {
    this.setSelected(func);
    this.onSelect(func);
  }

  private rowElements(): HTMLElement[] {
    return Array.from(this.table.querySelectorAll<HTMLElement>('tbody tr[data-func]'));
  }

  private focusRow(tr: HTMLElement | undefined): void {
    if (!tr) return;
    for (const r of this.rowElements()) r.tabIndex = -1;
    tr.tabIndex = 0;
    tr.focus();
    tr.scrollIntoView({ block: 'nearest' });
  }

  private onKey(e: KeyboardEvent): void {
    const rows = this.rowElements();
    const current = (e.target as HTMLElement).closest<HTMLElement>('tr[data-func]');
    if (!current) return;
    const k = rows.indexOf(current);
    const to: Record<string, number> = {
      ArrowDown: k + 1,
      ArrowUp: k - 1,
      Home: 0,
      End: rows.length - 1,
      PageDown: k + 10,
      PageUp: k - 10,
    };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(Number(current.dataset.func));
      return;
    }
    if (!(e.key in to)) return;
    e.preventDefault();
    this.focusRow(rows[Math.max(0, Math.min(rows.length - 1, to[e.key]))]);
  }
}
