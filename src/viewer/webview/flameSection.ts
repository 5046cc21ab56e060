/// <reference lib="dom" />
// The flame graph section: the graph itself (./flame.ts) with its search box, zoom breadcrumb and reset button, for
// the summary the functions section received.
import type { SelectionSummary } from '../../profile/types';
import { FlameGraph, renderZoomTrail, searchSummary } from './flame';
import { formatNumber, formatPercent, weightUnit } from './format';
import { el, profile, save, saved } from './state';

const ui = {
  search: el<HTMLInputElement>('flame-search'),
  searchInfo: el('flame-search-info'),
  reset: el<HTMLButtonElement>('flame-reset'),
  breadcrumb: el('flame-breadcrumb'),
  note: el('flame-note'),
};

let zoomPath: number[] = saved.zoom ?? [];
let stackWeight = 0;
/** Set by the functions section: a node of the graph was activated. */
let onSelectFunction: (func: number) => void = () => undefined;

const flame = new FlameGraph(
  el<HTMLCanvasElement>('flame-graph'),
  el('flame-container'),
  el('flame-tooltip'),
  el('flame-status'),
  {
    onSelect: (func) => onSelectFunction(func),
    onZoom: (path) => {
      zoomPath = path;
      save({ zoom: path });
      renderBreadcrumb();
    },
  },
);

export function onFlameSelect(fn: (func: number) => void): void {
  onSelectFunction = fn;
}

/** Restores the saved search text once the profile is shown. */
export function restoreFlameSearch(): void {
  ui.search.value = saved.search ?? '';
}

export function showFlame(s: SelectionSummary): void {
  const m = profile.meta;
  stackWeight = s.stackWeight;
  flame.setData(s.flame, s.funcs, m?.weightType ?? 'samples', m?.interval ?? 1, zoomPath);
  ui.reset.disabled = !flame.zoomed;
  renderBreadcrumb();
  applySearch();
  const unit = weightUnit(m?.weightType ?? 'samples');
  ui.note.textContent = s.flame.pruned
    ? `Calls lighter than ${formatNumber(s.flame.minValue)} ${unit} (${formatPercent(s.flame.minValue, s.stackWeight)}) are left out.`
    : '';
}

export function showSelectedFunction(func: number): void {
  flame.setSelectedFunction(func);
}

function applySearch(): void {
  const q = ui.search.value;
  const r = flame.setSearch(q);
  ui.searchInfo.textContent = searchSummary(q, r, stackWeight);
}

function renderBreadcrumb(): void {
  ui.reset.disabled = !flame.zoomed;
  renderZoomTrail(ui.breadcrumb, flame);
}

ui.search.addEventListener('input', () => {
  save({ search: ui.search.value });
  applySearch();
});
ui.search.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && ui.search.value) {
    e.preventDefault();
    ui.search.value = '';
    save({ search: '' });
    applySearch();
  }
});
ui.reset.addEventListener('click', () => flame.resetZoom());
