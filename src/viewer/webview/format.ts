// Number and text formatting for the profile viewer's webview.
import { formatDuration } from '../../common/text';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A weight or count: thousands separators, one decimal only when it is not whole. */
export function formatNumber(n: number): string {
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n);
}

export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  const p = (100 * part) / whole;
  return p >= 99.95 ? '100%' : p > 0 && p < 0.05 ? '<0.1%' : `${p.toFixed(1)}%`;
}

export function formatMiB(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * A measured time (CPU time, sample time, how long reading took), finer than a whole second below a minute:
 * "0.4 ms", "850 ms", "1.5 s"; from a minute on it reads like every other duration ("2 min 5 s").
 */
export function formatMeasuredTime(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 ms';
  if (ms < 1000) return `${decimal.format(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

/** The unit of a sample weight, by `samples.weightType`. */
export function weightUnit(weightType: string): string {
  return weightType === 'tracing-ms' ? 'ms' : weightType === 'bytes' ? 'bytes' : 'samples';
}

/** "≈ 1.2 s" for sample weights (weight × interval); empty for other weight types. */
export function approxTime(weight: number, weightType: string, intervalMs: number): string {
  return weightType === 'samples' ? `≈ ${formatMeasuredTime(weight * intervalMs)}` : '';
}

/** A small stable hash of a string (FNV-1a), for colours. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
