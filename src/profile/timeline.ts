// The timeline's spans and memory line, bounded for the webview: Step/Transaction/Checkpoint spans merged with their
// neighbours when there are too many to draw, and the RSS series downsampled to each bucket's lowest and highest
// point (so the line keeps its peaks), with the exact peak beside it.
import type { MemoryCounter, SpanRecord } from './markers';
import { lowerBound } from './operators';
import type { MemoryPoint, MemorySeries, TimeRange, TimelineSpan } from './types';

export const DEFAULT_MAX_SPANS = 2000;

/** In the window: spans as bars, merged with neighbours (on the same thread and category) if there are too many. */
export function timelineSpans(
  spans: SpanRecord[],
  window: TimeRange,
  bucketMs: number,
  maxSpans: number,
): { spans: TimelineSpan[]; spanCount: number; merged: boolean; mergeGapMs: number } {
  const inWindow = spans.filter((s) =>
    s.end > s.start ? s.end > window.start && s.start < window.end : s.start >= window.start && s.start < window.end,
  );
  if (inWindow.length <= maxSpans) {
    return { spans: inWindow.map(barOf), spanCount: inWindow.length, merged: false, mergeGapMs: 0 };
  }
  // Lanes: one per (thread, category), each sorted by start (the list is).
  const lanes = new Map<string, SpanRecord[]>();
  for (const s of inWindow) {
    const key = `${s.thread}/${s.category}`;
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = []));
    lane.push(s);
  }
  const span = Math.max(window.end - window.start, Number.MIN_VALUE);
  let gap = Math.max(bucketMs, span / 1e6);
  for (;;) {
    const out: TimelineSpan[] = [];
    for (const lane of lanes.values()) mergeLane(lane, gap, out);
    // One bar per lane is the least there can be; stop there even if it is still over the bound.
    if (out.length <= maxSpans || gap > span) {
      out.sort((a, b) => a.start - b.start || a.thread - b.thread);
      return { spans: out, spanCount: inWindow.length, merged: true, mergeGapMs: gap };
    }
    gap *= 2;
  }
}

/** Merges spans that overlap or are at most `gap` apart into one bar. */
function mergeLane(lane: SpanRecord[], gap: number, out: TimelineSpan[]): void {
  let bar: TimelineSpan | undefined;
  for (const s of lane) {
    if (bar && s.start - bar.end <= gap) {
      if (s.end > bar.end) bar.end = s.end;
      bar.count++;
      bar.lastLabel = s.label;
      continue;
    }
    bar = barOf(s);
    out.push(bar);
  }
}

/** One span as a bar of its own. */
function barOf(s: SpanRecord): TimelineSpan {
  return { thread: s.thread, category: s.category, name: s.name, start: s.start, end: s.end, label: s.label, count: 1 };
}

/** The RSS samples in the window: all of them, or each bucket's lowest and highest when there are more than 2 a bucket. */
export function memorySeries(m: MemoryCounter, window: TimeRange, buckets: number): MemorySeries {
  const lo = lowerBound(m.time, 0, m.time.length, window.start);
  const hi = lowerBound(m.time, lo, m.time.length, window.end);
  const samples = hi - lo;
  const series: MemorySeries = {
    time: [],
    bytes: [],
    peak: { ...m.peak },
    samples,
    downsampled: samples > 2 * buckets,
  };
  let windowPeak: MemoryPoint | undefined;
  for (let i = lo; i < hi; i++) {
    if (!windowPeak || m.bytes[i] > windowPeak.bytes) windowPeak = { time: m.time[i], bytes: m.bytes[i] };
  }
  if (windowPeak) series.windowPeak = windowPeak;
  const push = (i: number) => {
    series.time.push(m.time[i]);
    series.bytes.push(m.bytes[i]);
  };
  if (!series.downsampled) {
    for (let i = lo; i < hi; i++) push(i);
    return series;
  }
  const width = (window.end - window.start) / buckets;
  let i = lo;
  for (let b = 0; b < buckets && i < hi; b++) {
    const bucketEnd = b === buckets - 1 ? window.end : window.start + (b + 1) * width;
    let min = -1;
    let max = -1;
    for (; i < hi && m.time[i] < bucketEnd; i++) {
      if (min < 0 || m.bytes[i] < m.bytes[min]) min = i;
      if (max < 0 || m.bytes[i] > m.bytes[max]) max = i;
    }
    if (min < 0) continue;
    if (min === max) push(min);
    else if (min < max) {
      push(min);
      push(max);
    } else {
      push(max);
      push(min);
    }
  }
  return series;
}
