/// <reference lib="dom" />
// The timeline, above the other views: the pipeline's Step, Transaction and Checkpoint spans as bars, one lane per
// selected thread showing when it was busy (its samples per pixel, as binned by the host), and the RSS counter as a
// memory line with its peak. Dragging over it (or the keyboard: arrows, Shift+arrows, Enter, Escape) selects the time
// range every other view shows. It always shows the whole profile; the range is drawn over it.
import type { SpanCategory, TimeRange, Timeline, TimelineSpan } from '../../profile/types';
import { MAX_TIMELINE_BUCKETS } from '../protocol';
import { formatBytes, formatMeasuredTime, formatNumber, formatTime, weightUnit } from './format';
import { Channel, el, onChange, profile, selectedThreads, selection, setRange, sinceStart } from './state';
import { canvasFont, cssVar, onThemeChange } from './theme';

const ui = {
  section: el('timeline-section'),
  container: el('timeline-container'),
  canvas: el<HTMLCanvasElement>('timeline'),
  tooltip: el('timeline-tooltip'),
  status: el('timeline-status'),
  info: el('timeline-info'),
  markersNote: el('markers-note'),
};

/** Geometry (CSS px). */
const LABEL_WIDTH = 132;
const RIGHT_PAD = 10;
const SPAN_ROW = 15;
const LANE_MAX = 16;
const LANE_MIN = 4;
/** Lanes share at most this height: many threads make thin lanes rather than a tall timeline. */
const LANES_HEIGHT = 176;
const MEMORY_ROW = 44;
const AXIS = 18;
const GAP = 4;
/** Overlapping spans of one category are stacked in at most this many rows. */
const MAX_SUBROWS = 3;
/** A pointer that moves less than this between press and release is a click, not a drag. */
const DRAG_PX = 3;
/** Sampling intervals per bucket, at least. */
const SAMPLES_PER_BUCKET = 4;
const CATEGORIES: readonly SpanCategory[] = ['Step', 'Transaction', 'Checkpoint'];

interface Row {
  kind: 'spans' | 'lane' | 'memory';
  label: string;
  top: number;
  height: number;
  category?: SpanCategory;
  /** Index into timeline.lanes. */
  lane?: number;
  /** Spans of this row (spans rows). */
  spans?: TimelineSpan[];
}

interface Layout {
  width: number;
  height: number;
  plotLeft: number;
  plotWidth: number;
  rows: Row[];
}

let timeline: Timeline | undefined;
let layout: Layout | undefined;
/** The keyboard's cursor and the anchor of a range being extended (Shift+arrows) or dragged. */
let cursor: number | undefined;
let anchor: number | undefined;
/** A range extended from the keyboard, shown once Enter is pressed. */
let pending: TimeRange | undefined;
let drag: { pointerId: number; x: number; t: number; moved: boolean } | undefined;
let hoverX: number | undefined;
let frame = 0;
let lastBuckets = 0;

const channel = new Channel(
  'timeline',
  (requestId) => {
    const meta = profile.meta;
    if (!meta || !(meta.timeRange.end > meta.timeRange.start)) return undefined;
    lastBuckets = bucketsFor(ui.container.clientWidth);
    return {
      type: 'timeline',
      requestId,
      threads: laneThreads(),
      // A lane shows when its thread was busy: on-CPU samples when the profile can tell.
      cpuOnly: meta.hasCpuDelta,
      window: { ...meta.timeRange },
      buckets: lastBuckets,
    };
  },
  (m) => {
    timeline = m.timeline;
    layout = undefined;
    renderInfo();
    requestRender();
  },
);

/** One bucket per pixel, but at least a few sampling intervals long, so a busy thread draws as busy, not as stripes. */
function bucketsFor(width: number): number {
  const meta = profile.meta;
  const pixels = Math.round(Math.max(100, width) - LABEL_WIDTH - RIGHT_PAD);
  const span = meta ? meta.timeRange.end - meta.timeRange.start : 0;
  const byInterval =
    meta && meta.interval > 0 && span > 0 ? Math.ceil(span / (SAMPLES_PER_BUCKET * meta.interval)) : pixels;
  return Math.max(1, Math.min(MAX_TIMELINE_BUCKETS, pixels, byInterval));
}

/** The selected threads, workers first in numeric order, then the others in thread order. */
function laneThreads(): number[] {
  const worker = (t: number) => profile.threads[t]?.worker;
  return selectedThreads().sort((a, b) => {
    const wa = worker(a);
    const wb = worker(b);
    if (wa !== undefined && wb !== undefined) return wa - wb;
    if (wa !== undefined) return -1;
    if (wb !== undefined) return 1;
    return a - b;
  });
}

/** Called once the profile is known. */
export function showTimeline(): void {
  const meta = profile.meta;
  ui.section.hidden = false;
  const markers = profile.feldera?.markers;
  if (markers && markers.notUnderstood > 0) {
    ui.markersNote.hidden = false;
    ui.markersNote.textContent = `${formatNumber(markers.notUnderstood)} marker${markers.notUnderstood === 1 ? '' : 's'} not understood`;
    ui.markersNote.title = `Left out of the timeline and the operators:\n${Object.entries(markers.skipped)
      .map(([reason, n]) => `${formatNumber(n ?? 0)} ${SKIP_REASONS[reason] ?? reason}`)
      .join('\n')}`;
  } else {
    ui.markersNote.hidden = true;
  }
  if (!meta || !(meta.timeRange.end > meta.timeRange.start)) {
    ui.info.textContent = 'This profile has no samples or markers to show over time.';
    ui.canvas.hidden = true;
    return;
  }
  ui.canvas.hidden = false;
  channel.request();
}

const SKIP_REASONS: Record<string, string> = {
  phase: 'instant, start or end markers (only intervals are read)',
  nullData: 'markers without data',
  otherType: "other tools' markers",
  badTime: 'markers with a time that is not a number',
  endBeforeStart: 'markers that end before they start',
  badString: 'markers naming no string',
  badTooltip: 'operator evaluations whose text does not read as Feldera writes it',
};

function renderInfo(): void {
  const t = timeline;
  if (!t) return;
  const parts = [`${t.lanes.length} thread${t.lanes.length === 1 ? '' : 's'}`];
  if (profile.meta?.hasCpuDelta) parts.push('busy = on-CPU samples');
  if (t.spanCount) parts.push(`${formatNumber(t.spanCount)} steps, transactions and checkpoints`);
  if (t.memory)
    parts.push(`memory peak ${formatBytes(t.memory.peak.bytes)} at ${formatTime(sinceStart(t.memory.peak.time))}`);
  ui.info.textContent = parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------------
// Layout and drawing

function computeLayout(t: Timeline, width: number): Layout {
  const rows: Row[] = [];
  let y = 2;
  for (const category of CATEGORIES) {
    const spans = t.spans.filter((s) => s.category === category).sort((a, b) => a.start - b.start);
    if (!spans.length) continue;
    // Overlapping spans (transactions that outlive a step) go to the next row down, up to MAX_SUBROWS.
    const subrows: { end: number; spans: TimelineSpan[] }[] = [];
    for (const s of spans) {
      let row = subrows.find((r) => r.end <= s.start);
      if (!row && subrows.length < MAX_SUBROWS) subrows.push((row = { end: -Infinity, spans: [] }));
      row ??= subrows.reduce((a, b) => (b.end < a.end ? b : a));
      row.spans.push(s);
      row.end = Math.max(row.end, s.end);
    }
    subrows.forEach((r, k) => {
      rows.push({ kind: 'spans', label: k === 0 ? category : '', top: y, height: SPAN_ROW, category, spans: r.spans });
      y += SPAN_ROW;
    });
  }
  if (rows.length) y += GAP;
  const laneHeight = Math.max(LANE_MIN, Math.min(LANE_MAX, Math.floor(LANES_HEIGHT / Math.max(1, t.lanes.length))));
  t.lanes.forEach((lane, k) => {
    rows.push({
      kind: 'lane',
      label: profile.threads[lane.thread]?.name ?? `thread ${lane.thread}`,
      top: y,
      height: laneHeight,
      lane: k,
    });
    y += laneHeight;
  });
  if (t.memory) {
    y += GAP;
    rows.push({ kind: 'memory', label: 'Memory (RSS)', top: y, height: MEMORY_ROW });
    y += MEMORY_ROW;
  }
  const plotLeft = LABEL_WIDTH;
  return { width, height: y + AXIS, plotLeft, plotWidth: Math.max(10, width - plotLeft - RIGHT_PAD), rows };
}

function requestRender(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function xOf(time: number, l: Layout): number {
  const w = profile.meta?.timeRange;
  if (!w) return l.plotLeft;
  return l.plotLeft + ((time - w.start) / (w.end - w.start)) * l.plotWidth;
}

function timeAt(x: number, l: Layout): number {
  const w = profile.meta?.timeRange ?? { start: 0, end: 1 };
  const f = Math.max(0, Math.min(1, (x - l.plotLeft) / l.plotWidth));
  return w.start + f * (w.end - w.start);
}

function render(): void {
  const t = timeline;
  const width = Math.max(200, ui.container.clientWidth);
  if (!t) return;
  if (!layout || layout.width !== width) layout = computeLayout(t, width);
  const l = layout;
  const canvas = ui.canvas;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(l.height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(l.height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${l.height}px`;
  }
  // Where things are, for the tests that point at them (and nothing else).
  canvas.dataset.layout = JSON.stringify({
    plotLeft: l.plotLeft,
    plotWidth: l.plotWidth,
    window: profile.meta?.timeRange,
    rows: l.rows.map((r) => ({ kind: r.kind, category: r.category, lane: r.lane, top: r.top, height: r.height })),
  });
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, l.height);
  const font = canvasFont();
  const fg = cssVar('--vscode-foreground', '#cccccc');
  const muted = cssVar('--vscode-descriptionForeground', '#999999');
  const grid = cssVar('--vscode-panel-border', cssVar('--vscode-widget-border', 'rgba(128,128,128,0.35)'));
  ctx.font = font;
  ctx.textBaseline = 'middle';

  for (const row of l.rows) {
    if (row.label) {
      ctx.fillStyle = muted;
      ctx.fillText(fit(ctx, row.label, LABEL_WIDTH - 10), 2, row.top + row.height / 2);
    }
    if (row.kind === 'spans') drawSpans(ctx, row, l, fg);
    else if (row.kind === 'lane') drawLane(ctx, row, l, t, grid);
    else drawMemory(ctx, row, l, t, fg, grid);
  }
  drawAxis(ctx, l, muted, grid);
  drawSelection(ctx, l);
}

function fit(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${text.slice(0, lo)}…` : '';
}

const CATEGORY_COLOUR: Record<SpanCategory, [string, string]> = {
  Step: ['--vscode-charts-green', '#89d185'],
  Transaction: ['--vscode-charts-purple', '#b180d7'],
  Checkpoint: ['--vscode-charts-red', '#f14c4c'],
};

function drawSpans(ctx: CanvasRenderingContext2D, row: Row, l: Layout, fg: string): void {
  const [name, fallback] = CATEGORY_COLOUR[row.category ?? 'Step'];
  const colour = cssVar(name, fallback);
  (row.spans ?? []).forEach((s, k) => {
    const x0 = Math.max(l.plotLeft, xOf(s.start, l));
    const x1 = Math.min(l.plotLeft + l.plotWidth, xOf(s.end, l));
    const w = Math.max(1, x1 - x0);
    ctx.globalAlpha = k % 2 ? 0.45 : 0.65;
    ctx.fillStyle = colour;
    ctx.fillRect(x0, row.top + 1, w > 3 ? w - 1 : w, row.height - 2);
    ctx.globalAlpha = 1;
    if (w > 40) {
      const text = fit(ctx, s.count > 1 ? `${s.count} × ${s.name}` : s.label, w - 6);
      if (text) {
        ctx.fillStyle = fg;
        ctx.fillText(text, x0 + 3, row.top + row.height / 2);
      }
    }
  });
}

function drawLane(ctx: CanvasRenderingContext2D, row: Row, l: Layout, t: Timeline, grid: string): void {
  const lane = t.lanes[row.lane ?? 0];
  const meta = profile.meta;
  const n = lane.weight.length;
  const bw = l.plotWidth / n;
  // Busy = the share of the bucket's time covered by samples (weight × interval), for sample weights; else relative.
  const perFull = meta?.weightType === 'samples' ? t.bucketMs / (meta.interval || 1) : maxLaneWeight(t);
  const h = row.height - 1;
  ctx.fillStyle = grid;
  ctx.fillRect(l.plotLeft, row.top + h, l.plotWidth, 1);
  ctx.fillStyle = cssVar('--vscode-charts-blue', '#3794ff');
  for (let b = 0; b < n; b++) {
    const w = lane.weight[b];
    if (w <= 0) continue;
    const f = Math.min(1, w / perFull);
    const bh = Math.max(1, f * h);
    ctx.fillRect(l.plotLeft + b * bw, row.top + h - bh, Math.max(bw, 1), bh);
  }
}

function maxLaneWeight(t: Timeline): number {
  return Math.max(1e-9, ...t.lanes.map((lane) => lane.maxWeight));
}

function drawMemory(ctx: CanvasRenderingContext2D, row: Row, l: Layout, t: Timeline, fg: string, grid: string): void {
  const m = t.memory;
  if (!m || !m.time.length) return;
  const top = row.top + 12;
  const h = row.height - 14;
  const peak = Math.max(1, m.peak.bytes);
  const y = (bytes: number) => top + h - (Math.max(0, bytes) / peak) * h;
  const colour = cssVar('--vscode-charts-orange', '#d18616');
  ctx.fillStyle = grid;
  ctx.fillRect(l.plotLeft, top + h, l.plotWidth, 1);
  ctx.beginPath();
  ctx.moveTo(xOf(m.time[0], l), top + h);
  for (let i = 0; i < m.time.length; i++) {
    // RSS holds its value until the next sample: a step line.
    if (i > 0) ctx.lineTo(xOf(m.time[i], l), y(m.bytes[i - 1]));
    ctx.lineTo(xOf(m.time[i], l), y(m.bytes[i]));
  }
  const endX = Math.min(l.plotLeft + l.plotWidth, xOf(t.window.end, l));
  ctx.lineTo(endX, y(m.bytes[m.bytes.length - 1]));
  ctx.lineTo(endX, top + h);
  ctx.closePath();
  ctx.globalAlpha = 0.25;
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  // The peak: a dot and its value.
  const px = xOf(m.peak.time, l);
  const py = y(m.peak.bytes);
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.arc(px, py, 3, 0, Math.PI * 2);
  ctx.fill();
  const text = `peak ${formatBytes(m.peak.bytes)}`;
  const tw = ctx.measureText(text).width;
  ctx.fillStyle = fg;
  ctx.fillText(text, Math.min(px + 6, l.plotLeft + l.plotWidth - tw), row.top + 5);
}

function drawAxis(ctx: CanvasRenderingContext2D, l: Layout, muted: string, grid: string): void {
  const w = profile.meta?.timeRange;
  if (!w) return;
  const y = l.height - AXIS;
  const span = w.end - w.start;
  // A tick every 1, 2 or 5 × 10^k ms, about every 100 px.
  const raw = span / Math.max(1, l.plotWidth / 100);
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * pow).find((s) => s >= raw) ?? raw;
  ctx.fillStyle = grid;
  ctx.fillRect(l.plotLeft, y, l.plotWidth, 1);
  ctx.fillStyle = muted;
  ctx.textBaseline = 'top';
  // Ticks at round times since the profile's start (what the labels say).
  for (let k = 0; k * step <= span; k++) {
    const x = xOf(w.start + k * step, l);
    ctx.fillRect(x, y, 1, 4);
    const text = formatTime(k * step);
    const tw = ctx.measureText(text).width;
    ctx.fillText(text, Math.max(l.plotLeft, Math.min(x - tw / 2, l.plotLeft + l.plotWidth - tw)), y + 5);
  }
  ctx.textBaseline = 'middle';
}

function drawSelection(ctx: CanvasRenderingContext2D, l: Layout): void {
  const bottom = l.height - AXIS;
  const focus = cssVar('--vscode-focusBorder', '#007fd4');
  const r = selection.range;
  if (r) {
    // Outside the range is dimmed; its edges are marked.
    const x0 = xOf(r.start, l);
    const x1 = xOf(r.end, l);
    ctx.globalAlpha = 0.6;
    ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(l.plotLeft, 0, Math.max(0, x0 - l.plotLeft), bottom);
    ctx.fillRect(x1, 0, Math.max(0, l.plotLeft + l.plotWidth - x1), bottom);
    ctx.globalAlpha = 1;
    ctx.fillStyle = focus;
    ctx.fillRect(x0 - 1, 0, 2, bottom);
    ctx.fillRect(x1 - 1, 0, 2, bottom);
  }
  if (pending) {
    const x0 = xOf(pending.start, l);
    const x1 = xOf(pending.end, l);
    ctx.globalAlpha = 0.35;
    ctx.fillStyle = cssVar('--vscode-editor-selectionBackground', '#264f78');
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), bottom);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = focus;
    ctx.setLineDash([4, 3]);
    ctx.strokeRect(x0 + 0.5, 0.5, Math.max(1, x1 - x0 - 1), bottom - 1);
    ctx.setLineDash([]);
  }
  if (cursor !== undefined && document.activeElement === ui.canvas) {
    ctx.fillStyle = focus;
    ctx.fillRect(Math.round(xOf(cursor, l)) - 1, 0, 2, bottom);
  }
  if (hoverX !== undefined && !drag) {
    ctx.globalAlpha = 0.5;
    ctx.fillStyle = cssVar('--vscode-descriptionForeground', '#999999');
    ctx.fillRect(Math.round(hoverX), 0, 1, bottom);
    ctx.globalAlpha = 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Hover

function rowAt(y: number, l: Layout): Row | undefined {
  return l.rows.find((r) => y >= r.top && y < r.top + r.height);
}

/** The shortest span of a spans row under x (within a pixel), if any. */
function spanAt(row: Row, x: number, l: Layout): TimelineSpan | undefined {
  let best: TimelineSpan | undefined;
  for (const s of row.spans ?? []) {
    if (xOf(s.start, l) - 1 <= x && x <= xOf(s.end, l) + 1 && (!best || s.end - s.start < best.end - best.start)) {
      best = s;
    }
  }
  return best;
}

function describe(x: number, y: number): string[] {
  const l = layout;
  const t = timeline;
  if (!l || !t || x < l.plotLeft) return [];
  const time = timeAt(x, l);
  const row = rowAt(y, l);
  if (!row) return [formatTime(sinceStart(time))];
  if (row.kind === 'spans') {
    const s = spanAt(row, x, l);
    if (!s) return [];
    const lines = [s.label];
    if (s.count > 1) lines.push(`${s.count} spans merged, the last: ${s.lastLabel ?? ''}`);
    lines.push(`${s.category} (${s.name}) · ${formatMeasuredTime(s.end - s.start)}`);
    lines.push(`${formatTime(sinceStart(s.start))} – ${formatTime(sinceStart(s.end))}`);
    return lines;
  }
  if (row.kind === 'lane') {
    const lane = t.lanes[row.lane ?? 0];
    const b = Math.min(
      lane.weight.length - 1,
      Math.max(0, Math.floor(((x - l.plotLeft) / l.plotWidth) * lane.weight.length)),
    );
    const w = lane.weight[b];
    const meta = profile.meta;
    const busy =
      meta?.weightType === 'samples'
        ? ` (busy ${Math.round(Math.min(1, (w * (meta.interval || 1)) / t.bucketMs) * 100)}%)`
        : '';
    const what = meta?.hasCpuDelta ? 'on-CPU ' : '';
    return [
      profile.threads[lane.thread]?.name ?? `thread ${lane.thread}`,
      `${formatTime(sinceStart(t.window.start + b * t.bucketMs))}: ${formatNumber(w)} ${what}${weightUnit(meta?.weightType ?? 'samples')}${busy}`,
    ];
  }
  const m = t.memory;
  if (!m || !m.time.length) return [];
  // RSS at `time`: the last sample at or before it.
  let k = 0;
  while (k + 1 < m.time.length && m.time[k + 1] <= time) k++;
  return [
    `RSS ${formatBytes(m.bytes[k])} at ${formatTime(sinceStart(m.time[k]))}`,
    `Peak ${formatBytes(m.peak.bytes)} at ${formatTime(sinceStart(m.peak.time))}`,
  ];
}

function showTooltip(e: PointerEvent): void {
  const lines = describe(e.offsetX, e.offsetY);
  if (!lines.length || drag) {
    ui.tooltip.hidden = true;
    return;
  }
  ui.tooltip.textContent = '';
  for (const line of lines) {
    const div = document.createElement('div');
    div.textContent = line;
    ui.tooltip.appendChild(div);
  }
  ui.tooltip.firstElementChild?.classList.add('tooltip-title');
  ui.tooltip.hidden = false;
  const box = ui.container.getBoundingClientRect();
  const tw = ui.tooltip.offsetWidth;
  let left = e.clientX - box.left + 14;
  if (left + tw > ui.container.clientWidth - 4) left = Math.max(4, e.clientX - box.left - tw - 14);
  ui.tooltip.style.left = `${left}px`;
  ui.tooltip.style.top = `${e.clientY - box.top + 16}px`;
}

// ---------------------------------------------------------------------------------------------------
// Selecting a range: pointer

ui.canvas.addEventListener('pointerdown', (e) => {
  const l = layout;
  if (!l || e.button !== 0 || e.offsetX < l.plotLeft) return;
  ui.canvas.setPointerCapture(e.pointerId);
  drag = { pointerId: e.pointerId, x: e.offsetX, t: timeAt(e.offsetX, l), moved: false };
  pending = undefined;
  anchor = undefined;
  ui.tooltip.hidden = true;
});

ui.canvas.addEventListener('pointermove', (e) => {
  const l = layout;
  if (!l) return;
  hoverX = e.offsetX >= l.plotLeft ? e.offsetX : undefined;
  if (drag && drag.pointerId === e.pointerId) {
    if (Math.abs(e.offsetX - drag.x) >= DRAG_PX) drag.moved = true;
    if (drag.moved) {
      const t = timeAt(e.offsetX, l);
      // The views follow while dragging; their requests are coalesced (state.ts Channel).
      setRange({ start: Math.min(drag.t, t), end: Math.max(drag.t, t) });
      cursor = t;
    }
  } else {
    showTooltip(e);
  }
  requestRender();
});

function endDrag(e: PointerEvent): void {
  const l = layout;
  if (!drag || drag.pointerId !== e.pointerId || !l) return;
  const { moved, t: start } = drag;
  drag = undefined;
  if (ui.canvas.hasPointerCapture(e.pointerId)) ui.canvas.releasePointerCapture(e.pointerId);
  const t = timeAt(e.offsetX, l);
  if (moved && e.type === 'pointerup') {
    setRange({ start: Math.min(start, t), end: Math.max(start, t) });
    announce(`Showing ${rangeText(selection.range)}. Escape clears it.`);
  }
  cursor = moved ? t : start;
  requestRender();
}

ui.canvas.addEventListener('pointerup', endDrag);
ui.canvas.addEventListener('pointercancel', endDrag);
ui.canvas.addEventListener('pointerleave', () => {
  hoverX = undefined;
  ui.tooltip.hidden = true;
  requestRender();
});

// ---------------------------------------------------------------------------------------------------
// Selecting a range: keyboard

function rangeText(r: TimeRange | undefined): string {
  return r
    ? `${formatTime(sinceStart(r.start))} to ${formatTime(sinceStart(r.end))} (${formatMeasuredTime(r.end - r.start)})`
    : 'the whole profile';
}

function announce(text: string): void {
  ui.status.textContent = text;
}

ui.canvas.addEventListener('focus', () => {
  const w = profile.meta?.timeRange;
  if (cursor === undefined && w) cursor = selection.range?.start ?? w.start;
  requestRender();
});
ui.canvas.addEventListener('blur', () => requestRender());

ui.canvas.addEventListener('keydown', (e) => {
  const w = profile.meta?.timeRange;
  if (!w || !(w.end > w.start)) return;
  const span = w.end - w.start;
  const at = cursor ?? selection.range?.start ?? w.start;
  let next: number | undefined;
  switch (e.key) {
    case 'ArrowLeft':
      next = at - span / 100;
      break;
    case 'ArrowRight':
      next = at + span / 100;
      break;
    case 'PageUp':
      next = at - span / 10;
      break;
    case 'PageDown':
      next = at + span / 10;
      break;
    case 'Home':
      next = w.start;
      break;
    case 'End':
      next = w.end;
      break;
    case 'Enter':
      if (pending && pending.end > pending.start) {
        setRange(pending);
        announce(`Showing ${rangeText(pending)}. Escape clears it.`);
        pending = undefined;
        anchor = undefined;
        requestRender();
      }
      e.preventDefault();
      return;
    case 'Escape':
      if (pending) {
        pending = undefined;
        anchor = undefined;
        announce('Range not applied.');
      } else if (selection.range) {
        setRange(undefined);
        announce('Range cleared: the views show the whole profile.');
      } else {
        return;
      }
      e.preventDefault();
      requestRender();
      return;
    default:
      return;
  }
  e.preventDefault();
  next = Math.max(w.start, Math.min(w.end, next));
  if (e.shiftKey) {
    anchor ??= at;
    pending = { start: Math.min(anchor, next), end: Math.max(anchor, next) };
    announce(`Range ${rangeText(pending)}: Enter shows it.`);
  } else {
    anchor = undefined;
    pending = undefined;
    announce(`Cursor at ${formatTime(sinceStart(next))}.`);
  }
  cursor = next;
  requestRender();
});

// ---------------------------------------------------------------------------------------------------

new ResizeObserver(() => {
  if (!timeline) return;
  requestRender();
  // More or fewer pixels: ask for as many buckets (a resize drag coalesces into few requests).
  if (bucketsFor(ui.container.clientWidth) !== lastBuckets) channel.request(150);
}).observe(ui.container);
onThemeChange(requestRender);

onChange((change) => {
  if (change === 'threads') channel.request(120);
  if (change === 'range') requestRender();
});
