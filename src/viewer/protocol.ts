// Messages between the profile viewer's host side (extension host) and its webview. Types only, no
// vscode import: the webview script imports this file too. The host does all the aggregation; the
// webview only ever receives summaries (thread list, top functions, a pruned flame tree).
import type { FunctionDetails, ProfileError, ProfileMeta, SelectionSummary, ThreadInfo } from '../profile/types';

export type LoadPhase = 'reading' | 'parsing' | 'summarizing';

/** Host → webview. */
export type HostMessage =
  /** While the file loads: compressed bytes read of the file size, then parsing and summarising. */
  | { type: 'progress'; phase: LoadPhase; bytesRead: number; totalBytes: number; textBytes?: number }
  /** The file could not be read; the webview offers "Open with samply". */
  | { type: 'error'; fileName: string; error: ProfileError }
  /** The file is loaded: its meta and every thread. The webview answers with `select`. */
  | { type: 'profile'; fileName: string; meta: ProfileMeta; threads: ThreadInfo[]; loadMs: number }
  /** Answer to `select`. */
  | { type: 'summary'; requestId: number; summary: SelectionSummary }
  /** Answer to `details`; null when the function is unknown. */
  | { type: 'details'; requestId: number; details: FunctionDetails | null }
  /** The file is one host of a multihost collection whose other hosts' profiles are saved next to it. */
  | { type: 'collection'; hosts: number };

/** Webview → host. */
export type WebviewMessage =
  /** The script has started (also after the webview was hidden and shown again). */
  | { type: 'ready' }
  /** Summarise these threads; `cpuOnly` leaves out samples with threadCPUDelta 0. */
  | { type: 'select'; requestId: number; threads: number[]; cpuOnly: boolean }
  /** Callers and callees of one function, for the same selection. */
  | { type: 'details'; requestId: number; func: number; threads: number[]; cpuOnly: boolean }
  /** Run `feldera.openWithSamply` on this editor's file. */
  | { type: 'openWithSamply' }
  /** Compare this file with another profile (`hosts`: open its collection's hosts view). */
  | { type: 'compareWith'; hosts: boolean };

/** How many functions the top-self and top-total tables hold. */
export const TOP_N = 100;

/** Checks a message from the webview before the host acts on it. */
export function parseWebviewMessage(m: unknown): WebviewMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as { [k: string]: unknown };
  const ints = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length <= 100000 && v.every((x) => Number.isInteger(x) && (x as number) >= 0);
  switch (o.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openWithSamply':
      return { type: 'openWithSamply' };
    case 'compareWith':
      return { type: 'compareWith', hosts: o.hosts === true };
    case 'select':
      if (Number.isInteger(o.requestId) && ints(o.threads) && typeof o.cpuOnly === 'boolean') {
        return { type: 'select', requestId: o.requestId as number, threads: o.threads, cpuOnly: o.cpuOnly };
      }
      return undefined;
    case 'details':
      if (
        Number.isInteger(o.requestId) &&
        Number.isInteger(o.func) &&
        ints(o.threads) &&
        typeof o.cpuOnly === 'boolean'
      ) {
        return {
          type: 'details',
          requestId: o.requestId as number,
          func: o.func as number,
          threads: o.threads,
          cpuOnly: o.cpuOnly,
        };
      }
      return undefined;
    default:
      return undefined;
  }
}
