// Text for people: durations and Markdown escaping, one home each. No vscode import (the webview bundles it too).

/**
 * A span of time to the second, for waits, deadlines and ages: "45 s", "2 min 5 s", "1 h 3 min", "3 days 2 h".
 * Negative or unknown spans read "0 s" (a clock a little ahead of the server's, say).
 */
export function formatDuration(ms: number): string {
  const s = Number.isFinite(ms) ? Math.max(0, Math.round(ms / 1000)) : 0;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const h = Math.round(m / 60);
  return `${Math.floor(h / 24)} days${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** `s` as literal text inside Markdown: every character Markdown could read as syntax is backslash-escaped. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}
