/// <reference lib="dom" />
// A small canvas icicle graph (root at the top) for the pruned flame tree the host sends. Click a node
// to zoom into it; the keyboard moves a focus node (arrows), zooms (Enter) and resets (Escape).
// Colours come from the VS Code theme's chart colours, read from its CSS variables.
import type { FlameTree, FunctionInfo } from '../../profile/types';
import { approxTime, formatNumber, formatPercent, hashString, weightUnit } from './format';

const ROW = 18;
const MIN_WIDTH_PX = 0.35;

export interface FlameCallbacks {
  /** A node was activated (click, Enter): show its function's callers and callees. */
  onSelect(func: number): void;
  /** The zoom changed: the function path from a root to the zoomed node (empty = not zoomed). */
  onZoom(path: number[]): void;
  /** A node's fill instead of its library's colour (the differential graph colours by change); undefined: default. */
  paint?(node: number): { color: string; alpha: number } | undefined;
  /** A node's tooltip lines after its name, library and file, instead of its total and self; undefined: default. */
  describe?(node: number): string[] | undefined;
}

interface Theme {
  palette: string[];
  foreground: string;
  background: string;
  focus: string;
  match: string;
  font: string;
  muted: string;
}

export interface SearchResult {
  functions: number;
  weight: number;
}

export class FlameGraph {
  private tree: FlameTree | undefined;
  private names = new Map<number, FunctionInfo>();
  /** Palette slot per library, in order of weight, so the main libraries get distinct colours. */
  private libSlot = new Map<string, number>();
  private x = new Float64Array(0);
  private depth = new Int32Array(0);
  private children: number[][] = [];
  /** Node indexes per depth, in x order (preorder keeps them sorted). */
  private byDepth: number[][] = [];
  private total = 0;
  private zoom = -1;
  private hover = -1;
  private focus = -1;
  private selectedFunc = -1;
  private matches: Uint8Array | undefined;
  private theme: Theme | undefined;
  private charWidth = 7;
  private weightType = 'samples';
  private interval = 1;
  private frame = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly container: HTMLElement,
    private readonly tooltip: HTMLElement,
    private readonly status: HTMLElement,
    private readonly cb: FlameCallbacks,
  ) {
    canvas.addEventListener('mousemove', (e) => this.onMouseMove(e));
    canvas.addEventListener('mouseleave', () => this.setHover(-1));
    canvas.addEventListener('click', (e) => {
      const node = this.nodeAt(e.offsetX, e.offsetY);
      if (node >= 0) this.activate(node);
    });
    canvas.addEventListener('keydown', (e) => this.onKey(e));
    canvas.addEventListener('focus', () => {
      if (this.focus < 0 && this.tree && this.tree.func.length) this.focus = this.zoom >= 0 ? this.zoom : 0;
      this.announce();
      this.requestRender();
    });
    canvas.addEventListener('blur', () => this.requestRender());
    new ResizeObserver(() => this.requestRender()).observe(container);
    // VS Code switches the body's theme class when the colour theme changes.
    new MutationObserver(() => {
      this.theme = undefined;
      this.requestRender();
    }).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  }

  setData(tree: FlameTree, funcs: FunctionInfo[], weightType: string, interval: number, zoomPath: number[]): void {
    this.tree = tree;
    this.weightType = weightType;
    this.interval = interval;
    this.names = new Map(funcs.map((f) => [f.id, f]));
    const n = tree.func.length;
    this.x = new Float64Array(n);
    this.depth = new Int32Array(n);
    this.children = Array.from({ length: n }, () => []);
    this.byDepth = [];
    const next = new Float64Array(n);
    let rootNext = 0;
    for (let i = 0; i < n; i++) {
      const p = tree.parent[i];
      if (p < 0) {
        this.x[i] = rootNext;
        rootNext += tree.value[i];
      } else {
        this.x[i] = next[p];
        next[p] += tree.value[i];
        this.depth[i] = this.depth[p] + 1;
        this.children[p].push(i);
      }
      next[i] = this.x[i];
      (this.byDepth[this.depth[i]] ??= []).push(i);
    }
    this.total = rootNext;
    this.libSlot = new Map();
    for (let i = 0; i < n; i++) {
      const lib = this.names.get(tree.func[i])?.lib ?? '';
      if (!this.libSlot.has(lib)) this.libSlot.set(lib, this.libSlot.size);
    }
    this.hover = -1;
    this.focus = -1;
    this.zoom = this.findPath(zoomPath);
    if (this.matches) this.matches = this.computeMatches(this.lastQuery).matches;
    this.requestRender();
  }

  get zoomed(): boolean {
    return this.zoom >= 0;
  }

  /** Names from the root to the zoomed node, with their nodes, for a breadcrumb. */
  zoomTrail(): { node: number; name: string }[] {
    const trail: { node: number; name: string }[] = [];
    for (let v = this.zoom; v >= 0 && this.tree; v = this.tree.parent[v])
      trail.unshift({ node: v, name: this.name(v) });
    return trail;
  }

  zoomTo(node: number): void {
    if (!this.tree) return;
    this.zoom = node >= 0 && node < this.tree.func.length ? node : -1;
    this.cb.onZoom(this.pathOf(this.zoom));
    this.requestRender();
  }

  resetZoom(): void {
    this.zoomTo(-1);
  }

  setSelectedFunction(func: number): void {
    this.selectedFunc = func;
    this.requestRender();
  }

  private lastQuery = '';

  /** Highlights the nodes whose function name contains `query` (case-insensitive); '' clears. */
  setSearch(query: string): SearchResult {
    this.lastQuery = query.trim().toLowerCase();
    if (!this.lastQuery) {
      this.matches = undefined;
      this.requestRender();
      return { functions: 0, weight: 0 };
    }
    const r = this.computeMatches(this.lastQuery);
    this.matches = r.matches;
    this.requestRender();
    return { functions: r.functions, weight: r.weight };
  }

  private computeMatches(q: string): { matches: Uint8Array; functions: number; weight: number } {
    const tree = this.tree;
    const n = tree ? tree.func.length : 0;
    const matches = new Uint8Array(n);
    const covered = new Uint8Array(n);
    const funcs = new Set<number>();
    let weight = 0;
    if (!tree || !q) return { matches, functions: 0, weight };
    for (let i = 0; i < n; i++) {
      const p = tree.parent[i];
      if (p >= 0 && (matches[p] || covered[p])) covered[i] = 1;
      if (this.name(i).toLowerCase().includes(q)) {
        matches[i] = 1;
        funcs.add(tree.func[i]);
        if (!covered[i]) weight += tree.value[i];
      }
    }
    return { matches, functions: funcs.size, weight };
  }

  requestRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const theme = (this.theme ??= readTheme());
    const tree = this.tree;
    const width = Math.max(100, this.container.clientWidth);
    const depthCount = Math.max(1, this.byDepth.length);
    const height = depthCount * ROW + 1;
    const dpr = window.devicePixelRatio || 1;
    const canvas = this.canvas;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';
    this.charWidth = ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789_:').width / 38 || 7;
    if (!tree || tree.func.length === 0 || this.total <= 0) {
      ctx.fillStyle = theme.muted;
      ctx.fillText('No samples in this selection.', 8, ROW / 2);
      return;
    }
    const { vx0, scale } = this.view(width);
    const focusVisible = document.activeElement === canvas;
    const outlines: { i: number; color: string }[] = [];
    for (let i = 0; i < tree.func.length; i++) {
      const x0 = (this.x[i] - vx0) * scale;
      const w = tree.value[i] * scale;
      if (w < MIN_WIDTH_PX || x0 + w <= 0.01 || x0 >= width - 0.01) continue;
      const cx = Math.max(0, x0);
      const cw = Math.min(width, x0 + w) - cx;
      const y = this.depth[i] * ROW;
      const info = this.names.get(tree.func[i]);
      const name = info?.name ?? `#${tree.func[i]}`;
      const h = hashString(name);
      const paint = this.cb.paint?.(i);
      ctx.globalAlpha = this.matches && !this.matches[i] ? 0.12 : paint ? paint.alpha : 0.5 + (h % 6) * 0.08;
      ctx.fillStyle = paint?.color ?? theme.palette[(this.libSlot.get(info?.lib ?? '') ?? 0) % theme.palette.length];
      ctx.fillRect(cx, y, Math.max(cw - 1, 0.5), ROW - 1);
      ctx.globalAlpha = this.matches && !this.matches[i] ? 0.5 : 1;
      if (cw > 22) {
        const maxChars = Math.floor((cw - 8) / this.charWidth);
        if (maxChars >= 2) {
          const text = name.length <= maxChars ? name : `${name.slice(0, maxChars - 1)}…`;
          ctx.fillStyle = theme.foreground;
          ctx.fillText(text, cx + 4, y + ROW / 2);
        }
      }
      if (this.matches && this.matches[i]) outlines.push({ i, color: theme.match });
      if (tree.func[i] === this.selectedFunc) outlines.push({ i, color: theme.foreground });
    }
    ctx.globalAlpha = 1;
    if (this.hover >= 0) outlines.push({ i: this.hover, color: theme.focus });
    if (focusVisible && this.focus >= 0) outlines.push({ i: this.focus, color: theme.focus });
    for (const { i, color } of outlines) {
      const x0 = Math.max(0, (this.x[i] - vx0) * scale);
      const x1 = Math.min(width, (this.x[i] + tree.value[i] - vx0) * scale);
      if (x1 - x0 < MIN_WIDTH_PX) continue;
      ctx.strokeStyle = color;
      ctx.lineWidth = i === this.focus && focusVisible ? 2 : 1;
      ctx.strokeRect(x0 + 0.5, this.depth[i] * ROW + 0.5, Math.max(x1 - x0 - 2, 1), ROW - 2);
    }
  }

  private view(width: number): { vx0: number; scale: number } {
    const tree = this.tree;
    if (!tree || this.zoom < 0) return { vx0: 0, scale: width / this.total };
    return { vx0: this.x[this.zoom], scale: width / tree.value[this.zoom] };
  }

  private visible(i: number, width: number): boolean {
    if (!this.tree) return false;
    const { vx0, scale } = this.view(width);
    const x0 = (this.x[i] - vx0) * scale;
    const w = this.tree.value[i] * scale;
    return w >= MIN_WIDTH_PX && x0 + w > 0.01 && x0 < width - 0.01;
  }

  private nodeAt(px: number, py: number): number {
    const tree = this.tree;
    if (!tree || this.total <= 0) return -1;
    const d = Math.floor(py / ROW);
    const row = this.byDepth[d];
    if (!row) return -1;
    const width = Math.max(100, this.container.clientWidth);
    const { vx0, scale } = this.view(width);
    const v = vx0 + px / scale;
    let lo = 0;
    let hi = row.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const i = row[mid];
      if (v < this.x[i]) hi = mid - 1;
      else if (v >= this.x[i] + tree.value[i]) lo = mid + 1;
      else return this.visible(i, width) ? i : -1;
    }
    return -1;
  }

  private onMouseMove(e: MouseEvent): void {
    const node = this.nodeAt(e.offsetX, e.offsetY);
    this.setHover(node);
    if (node < 0) return;
    this.tooltip.textContent = '';
    for (const line of this.describe(node)) {
      const div = document.createElement('div');
      div.textContent = line;
      this.tooltip.appendChild(div);
    }
    this.tooltip.firstElementChild?.classList.add('tooltip-title');
    this.tooltip.hidden = false;
    const box = this.container.getBoundingClientRect();
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    let left = e.clientX - box.left + this.container.scrollLeft + 14;
    if (left + tw > this.container.clientWidth - 4) left = Math.max(4, e.clientX - box.left - tw - 14);
    let top = e.clientY - box.top + this.container.scrollTop + 14;
    if (top + th > this.container.scrollTop + this.container.clientHeight) top = Math.max(0, top - th - 28);
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
  }

  private setHover(node: number): void {
    if (node < 0) this.tooltip.hidden = true;
    this.canvas.style.cursor = node >= 0 ? 'pointer' : 'default';
    if (node === this.hover) return;
    this.hover = node;
    this.requestRender();
  }

  private describe(i: number): string[] {
    const tree = this.tree;
    if (!tree) return [];
    const info = this.names.get(tree.func[i]);
    const unit = weightUnit(this.weightType);
    const value = tree.value[i];
    const self = tree.self[i];
    const lines = [info?.name ?? `#${tree.func[i]}`];
    if (info?.lib) lines.push(`Library: ${info.lib}`);
    if (info?.file) lines.push(`File: ${info.file}`);
    const own = this.cb.describe?.(i);
    if (own) return lines.concat(own);
    lines.push(
      `Total: ${formatNumber(value)} ${unit} (${formatPercent(value, this.total)}) ${approxTime(value, this.weightType, this.interval)}`.trim(),
    );
    lines.push(`Self: ${formatNumber(self)} ${unit} (${formatPercent(self, this.total)})`);
    if (this.zoom >= 0 && i !== this.zoom)
      lines.push(`${formatPercent(value, tree.value[this.zoom])} of the zoomed node`);
    return lines;
  }

  private activate(node: number): void {
    if (!this.tree) return;
    this.focus = node;
    this.zoomTo(node);
    this.cb.onSelect(this.tree.func[node]);
    this.announce();
  }

  private onKey(e: KeyboardEvent): void {
    const tree = this.tree;
    if (!tree || tree.func.length === 0) return;
    const width = Math.max(100, this.container.clientWidth);
    let f = this.focus >= 0 ? this.focus : this.zoom >= 0 ? this.zoom : 0;
    const row = (d: number) => (this.byDepth[d] ?? []).filter((i) => this.visible(i, width));
    switch (e.key) {
      case 'ArrowUp':
        if (tree.parent[f] >= 0) f = tree.parent[f];
        break;
      case 'ArrowDown': {
        const c = this.children[f].find((i) => this.visible(i, width));
        if (c !== undefined) f = c;
        break;
      }
      case 'ArrowLeft':
      case 'ArrowRight': {
        const r = row(this.depth[f]);
        const k = r.indexOf(f) + (e.key === 'ArrowLeft' ? -1 : 1);
        if (k >= 0 && k < r.length) f = r[k];
        break;
      }
      case 'Home':
        f = this.zoom >= 0 ? this.zoom : 0;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.activate(f);
        return;
      case 'Escape':
        if (this.zoom >= 0) {
          e.preventDefault();
          this.resetZoom();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    this.focus = f;
    this.scrollIntoView(f);
    this.announce();
    this.requestRender();
  }

  private scrollIntoView(i: number): void {
    const top = this.depth[i] * ROW;
    const c = this.container;
    if (top < c.scrollTop) c.scrollTop = top;
    else if (top + ROW > c.scrollTop + c.clientHeight) c.scrollTop = top + ROW - c.clientHeight;
  }

  private announce(): void {
    if (this.focus < 0 || !this.tree) return;
    const text = this.describe(this.focus).join('. ');
    this.status.textContent = text;
    this.canvas.setAttribute('aria-label', `Flame graph. ${text}`);
  }

  private name(i: number): string {
    const f = this.tree ? this.tree.func[i] : -1;
    return this.names.get(f)?.name ?? `#${f}`;
  }

  private pathOf(node: number): number[] {
    const path: number[] = [];
    for (let v = node; v >= 0 && this.tree; v = this.tree.parent[v]) path.unshift(this.tree.func[v]);
    return path;
  }

  private findPath(path: number[]): number {
    const tree = this.tree;
    if (!tree || !path.length) return -1;
    let candidates = (this.byDepth[0] ?? []).slice();
    let found = -1;
    for (const func of path) {
      const next = candidates.find((i) => tree.func[i] === func);
      if (next === undefined) return found;
      found = next;
      candidates = this.children[next];
    }
    return found;
  }
}

function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const size = v('--vscode-editor-font-size', '12px');
  const family = v('--vscode-font-family', 'sans-serif');
  return {
    palette: [
      v('--vscode-charts-orange', '#d18616'),
      v('--vscode-charts-yellow', '#cca700'),
      v('--vscode-charts-red', '#f14c4c'),
      v('--vscode-charts-blue', '#3794ff'),
      v('--vscode-charts-green', '#89d185'),
      v('--vscode-charts-purple', '#b180d7'),
    ],
    foreground: v('--vscode-editor-foreground', v('--vscode-foreground', '#cccccc')),
    background: v('--vscode-editor-background', '#1e1e1e'),
    focus: v('--vscode-focusBorder', '#007fd4'),
    match: v('--vscode-editor-findMatchBorder', v('--vscode-charts-red', '#f14c4c')),
    muted: v('--vscode-descriptionForeground', '#999999'),
    font: `${/^\d+(\.\d+)?px$/.test(size) ? size : '12px'} ${family}`,
  };
}

/** What a search of the flame graph found, for the line beside its box: "3 functions, 12.5%", "No match", or nothing. */
export function searchSummary(query: string, r: SearchResult, whole: number): string {
  if (!query.trim()) return '';
  return r.functions
    ? `${r.functions} function${r.functions === 1 ? '' : 's'}, ${formatPercent(r.weight, whole)}`
    : 'No match';
}

/** Fills `nav` with the graph's zoom trail ("All › a › b"), each step a button that zooms there. */
export function renderZoomTrail(nav: HTMLElement, graph: FlameGraph): void {
  nav.textContent = '';
  const trail = graph.zoomTrail();
  if (!trail.length) return;
  const crumb = (name: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'crumb';
    b.textContent = name;
    b.addEventListener('click', onClick);
    nav.appendChild(b);
    return b;
  };
  crumb('All', () => graph.resetZoom());
  trail.forEach((step, k) => {
    const sep = document.createElement('span');
    sep.className = 'muted';
    sep.textContent = ' › ';
    nav.appendChild(sep);
    const b = crumb(step.name, () => graph.zoomTo(step.node));
    if (k === trail.length - 1) b.setAttribute('aria-current', 'true');
  });
}
