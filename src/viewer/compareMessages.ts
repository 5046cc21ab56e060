// Messages between the comparison editor's host side (comparePanel.ts) and its webview (webview/compareMain.ts).
// Types only, no vscode import: the webview script imports this file too. The worker computes; the host forwards
// answers; the webview renders them and says what the user asked for.
import type { Comparison, FunctionChange, FunctionSort, HostsView } from '../profile/compare';
import type { ProfileStatus } from '../profile/compareProtocol';
import type { LoadPhase } from './protocol';

export interface LoadingProfile {
  fileName: string;
  phase: LoadPhase | 'waiting' | 'done';
  bytesRead: number;
  totalBytes: number;
}

/** Host → webview. */
export type CompareHostMessage =
  | { type: 'loading'; profiles: LoadingProfile[] }
  /** The session could not be opened at all (its worker failed). */
  | { type: 'failed'; message: string }
  /**
   * Every profile has been read or has failed. `roles` names each profile's role in the current view ("A", "B",
   * "Host 1"…), for error messages that say which one is bad.
   */
  | { type: 'profiles'; profiles: ProfileStatus[]; roles: string[] }
  | {
      type: 'comparison';
      comparison: Comparison;
      /** Profiles of each side, indexes into `profiles`. */
      a: number[];
      b: number[];
      canCpuOnly: boolean;
      /** The comparison was opened from the hosts view (offer to go back). */
      fromHosts: boolean;
    }
  | { type: 'functions'; requestId: number; rows: FunctionChange[] }
  | { type: 'hosts'; view: HostsView; canCpuOnly: boolean }
  /** A question failed (a bug, or the session closed): the view keeps what it shows and says so. */
  | { type: 'problem'; message: string };

/** Webview → host. */
export type CompareWebviewMessage =
  | { type: 'ready' }
  | { type: 'swap' }
  | { type: 'cpuOnly'; value: boolean }
  | { type: 'functions'; requestId: number; filter: string; sort: FunctionSort }
  /** Open this profile in the Samply Profile editor (the other side of a failed comparison, a host). */
  | { type: 'openAlone'; profile: number }
  /** One host (profile index) against the other hosts of the collection. */
  | { type: 'compareHost'; profile: number }
  | { type: 'showHosts' };

const SORTS: readonly FunctionSort[] = ['dSelf', 'dTotal', 'name'];

/** Checks a message from the webview before the host acts on it. */
export function parseCompareWebviewMessage(m: unknown): CompareWebviewMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as { [k: string]: unknown };
  const index = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 10000;
  switch (o.type) {
    case 'ready':
    case 'swap':
    case 'showHosts':
      return { type: o.type };
    case 'cpuOnly':
      return typeof o.value === 'boolean' ? { type: 'cpuOnly', value: o.value } : undefined;
    case 'functions':
      if (
        Number.isInteger(o.requestId) &&
        typeof o.filter === 'string' &&
        o.filter.length <= 1000 &&
        SORTS.includes(o.sort as FunctionSort)
      ) {
        return { type: 'functions', requestId: o.requestId as number, filter: o.filter, sort: o.sort as FunctionSort };
      }
      return undefined;
    case 'openAlone':
    case 'compareHost':
      return index(o.profile) ? { type: o.type, profile: o.profile } : undefined;
    default:
      return undefined;
  }
}
