/// <reference lib="dom" />
// A flame graph section of the comparison editor: the profile viewer's FlameGraph (same zoom, search and keyboard)
// with its search box, zoom reset and breadcrumb, for the differential graph (coloured by change through the
// graph's paint hook) and for the hosts' merged graph.
import type { FlameTree, FunctionInfo } from '../../profile/types';
import { FlameGraph, renderZoomTrail, searchSummary, type FlameCallbacks } from './flame';
import { formatNumber, formatPercent } from './format';
import { el, save, saved } from './compareState';

export class FlameSection {
  readonly graph: FlameGraph;
  private readonly search: HTMLInputElement;
  private readonly info: HTMLElement;
  private readonly reset: HTMLButtonElement;
  private readonly breadcrumb: HTMLElement;
  private readonly note: HTMLElement;
  private whole = 0;

  constructor(
    private readonly id: string,
    hooks: Pick<FlameCallbacks, 'paint' | 'describe' | 'onSelect'>,
  ) {
    this.search = el<HTMLInputElement>(`${id}-search`);
    this.info = el(`${id}-search-info`);
    this.reset = el<HTMLButtonElement>(`${id}-reset`);
    this.breadcrumb = el(`${id}-breadcrumb`);
    this.note = el(`${id}-note`);
    this.graph = new FlameGraph(
      el<HTMLCanvasElement>(`${id}-graph`),
      el(`${id}-container`),
      el(`${id}-tooltip`),
      el(`${id}-status`),
      {
        ...hooks,
        onZoom: (path) => {
          save({ zoom: { ...saved.zoom, [this.id]: path } });
          this.renderBreadcrumb();
        },
      },
    );
    this.search.value = saved.search?.[id] ?? '';
    this.search.addEventListener('input', () => {
      save({ search: { ...saved.search, [this.id]: this.search.value } });
      this.applySearch();
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.search.value) {
        e.preventDefault();
        this.search.value = '';
        save({ search: { ...saved.search, [this.id]: '' } });
        this.applySearch();
      }
    });
    this.reset.addEventListener('click', () => this.graph.resetZoom());
  }

  show(tree: FlameTree, funcs: FunctionInfo[], whole: number, weightType: string, unit: string): void {
    this.whole = whole;
    this.graph.setData(tree, funcs, weightType, 1, saved.zoom?.[this.id] ?? []);
    this.renderBreadcrumb();
    this.applySearch();
    this.note.textContent = tree.pruned
      ? `Calls lighter than ${formatNumber(tree.minValue)} ${unit} (${formatPercent(tree.minValue, whole)}) are left out.`
      : '';
  }

  private applySearch(): void {
    const q = this.search.value;
    const r = this.graph.setSearch(q);
    this.info.textContent = searchSummary(q, r, this.whole);
  }

  private renderBreadcrumb(): void {
    this.reset.disabled = !this.graph.zoomed;
    renderZoomTrail(this.breadcrumb, this.graph);
  }
}
