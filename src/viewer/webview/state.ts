/// <reference lib="dom" />
// The webview's shared state: what the host said about the profile, what the user selected (threads, CPU-only, a time
// range, an operator), and the requests to the host. Each section (threads.ts, operators.ts, timeline.ts,
// functions.ts, flameSection.ts) reads it, changes the selection only through the setters here and listens for
// changes; this is the only module that talks to vscode.setState.
import type { FelderaOverview, ProfileMeta, ThreadInfo, TimeRange } from '../../profile/types';
import type { HostMessage, WebviewMessage } from '../protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the webview being hidden (each section saves its own keys). */
export interface SavedState {
  threads?: number[];
  cpuOnly?: boolean;
  filter?: string;
  search?: string;
  func?: number;
  zoom?: number[];
  range?: TimeRange;
  operator?: { nodeId: string; name: string };
  opSort?: string;
  opDescending?: boolean;
  opFilter?: string;
  sqlGrouping?: string;
}

const api = acquireVsCodeApi();
let current: SavedState = (api.getState() as SavedState | undefined) ?? {};

/** The state saved when the webview was last hidden (or {} the first time). */
export const saved: Readonly<SavedState> = { ...current };

export function save(part: Partial<SavedState>): void {
  current = { ...current, ...part };
  api.setState(current);
}

export function post(m: WebviewMessage): void {
  api.postMessage(m);
}

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
}

/** What the host said about the profile when it was ready. */
export const profile = {
  meta: undefined as ProfileMeta | undefined,
  /** Every thread, as read (whole profile). */
  threads: [] as ThreadInfo[],
  feldera: undefined as FelderaOverview | undefined,
};

/** A time on the profile's clock as the user reads it: ms since the profile's first sample or marker. */
export function sinceStart(time: number): number {
  return time - (profile.meta?.timeRange.start ?? 0);
}

/** What the views show: every summary the webview asks for is of this selection. */
export const selection = {
  threads: new Set<number>(),
  cpuOnly: false,
  /** Only samples (and operator evaluations) in this span of the profile's clock. */
  range: undefined as TimeRange | undefined,
  /** Only samples inside this operator's eval spans. */
  operator: undefined as { nodeId: string; name: string } | undefined,
};

export type Change = 'threads' | 'cpuOnly' | 'range' | 'operator';
const listeners: ((change: Change) => void)[] = [];

/** Calls `fn` after each change of the selection. */
export function onChange(fn: (change: Change) => void): void {
  listeners.push(fn);
}

function emit(change: Change): void {
  for (const fn of listeners) fn(change);
}

export function selectedThreads(): number[] {
  return Array.from(selection.threads).sort((a, b) => a - b);
}

export function setThreads(next: Iterable<number>): void {
  selection.threads = new Set(next);
  save({ threads: Array.from(selection.threads) });
  emit('threads');
}

export function setCpuOnly(on: boolean): void {
  selection.cpuOnly = on;
  save({ cpuOnly: on });
  emit('cpuOnly');
}

/** Sets (or with undefined clears) the time range; an empty or reversed range clears it. */
export function setRange(range: TimeRange | undefined): void {
  const next = range && range.end > range.start ? { start: range.start, end: range.end } : undefined;
  const prev = selection.range;
  if (prev?.start === next?.start && prev?.end === next?.end) return;
  selection.range = next;
  save({ range: next });
  emit('range');
}

export function setOperator(op: { nodeId: string; name: string } | undefined): void {
  if (selection.operator?.nodeId === op?.nodeId) return;
  selection.operator = op ? { nodeId: op.nodeId, name: op.name } : undefined;
  save({ operator: selection.operator });
  emit('operator');
}

/** The selection's range and operator as message fields (absent when not set). */
export function rangeAndOperator(): { range?: TimeRange; operator?: string } {
  const out: { range?: TimeRange; operator?: string } = {};
  if (selection.range) out.range = { ...selection.range };
  if (selection.operator) out.operator = selection.operator.nodeId;
  return out;
}

type Answer = Exclude<HostMessage, { type: 'progress' | 'error' | 'profile' | 'failed' | 'collection' | 'sqlContext' }>;
type AnswerOf<T extends Answer['type']> = Extract<Answer, { type: T }>;

/**
 * One kind of request to the host, debounced and coalesced: at most one is in flight; asking again meanwhile sends
 * one more, with the newest selection, when the answer comes. Only the answer to the newest request is shown, so a
 * drag over the timeline never queues up work in the profile worker nor shows a stale view.
 */
export class Channel<T extends Answer['type']> {
  /** Id of the last request sent, and of the one awaiting its answer. */
  private sent = 0;
  private inFlight: number | undefined;
  /** Answers to requests up to this id are not shown (see cancel). */
  private dropUpTo = 0;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly type: T,
    /** The message for the current selection, or undefined to send nothing. */
    private readonly build: (requestId: number) => WebviewMessage | undefined,
    private readonly show: (answer: AnswerOf<T>) => void,
    private readonly onBusy?: (busy: boolean) => void,
  ) {
    channels.set(type, this as unknown as Channel<Answer['type']>);
  }

  /** Asks again after `delayMs` (a later call within that time replaces this one). */
  request(delayMs = 0): void {
    if (this.timer) clearTimeout(this.timer);
    this.onBusy?.(true);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, delayMs);
  }

  /** Nothing to ask any more (the selection no longer needs it): the answer on its way is not shown. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.again = false;
    this.dropUpTo = this.sent;
    this.onBusy?.(false);
  }

  private send(): void {
    if (this.inFlight !== undefined) {
      this.again = true;
      return;
    }
    const m = this.build(this.sent + 1);
    if (!m) {
      this.onBusy?.(false);
      return;
    }
    this.sent++;
    this.inFlight = this.sent;
    post(m);
  }

  /** An answer (or, undefined, a failure) from the host for `requestId`. */
  settle(requestId: number, answer: AnswerOf<T> | undefined): void {
    if (requestId !== this.inFlight) return;
    this.inFlight = undefined;
    if (this.again) {
      this.again = false;
      this.send();
    } else if (!this.timer) {
      this.onBusy?.(false);
    }
    // Shown even when a newer request has just gone out: while a drag goes on, the views follow at the worker's pace.
    if (answer && requestId > this.dropUpTo) this.show(answer);
  }
}

const channels = new Map<Answer['type'], Channel<Answer['type']>>();

/** Hands an answer from the host to its channel. */
export function dispatchAnswer(m: Answer): void {
  (channels.get(m.type) as Channel<typeof m.type> | undefined)?.settle(m.requestId, m as never);
}

/** A request the host could not answer: its channel is free again (the last view stays). */
export function dispatchFailure(type: Answer['type'], requestId: number): void {
  channels.get(type)?.settle(requestId, undefined);
}
