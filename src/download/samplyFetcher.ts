// Waits for a samply profile (polling while a collection runs) and streams it into a folder. No UI: progress goes
// through a callback, cancellation comes in through an AbortSignal, every outcome is a value.
import { sleep } from '../common/sleep';
import { formatDuration } from '../common/text';
import { saveStreamAtomically } from './atomicFile';
import { profileFileName } from './naming';
import type {
  CollectResult,
  DownloadResult,
  FetchProgress,
  PollClock,
  SamplyCollectOptions,
  SamplyFetchOptions,
} from './types';
import { MAX_RETRY_WAIT_SECONDS } from '../feldera/parsers';
import type { SamplyProfileAnswer } from '../feldera/types';

/** Kept importable from here for callers that used it before it moved to ../common/text. */
export { formatDuration };

export const DEFAULT_FETCH_DEADLINE_MS = 10 * 60_000;
export const DEFAULT_MIN_POLL_MS = 1_000;
export const DEFAULT_MAX_POLL_MS = MAX_RETRY_WAIT_SECONDS * 1000;
/** Time allowed after a collection's nominal end for samply to finish writing (Retry-After 0 meanwhile). */
export const COLLECT_GRACE_MS = 60_000;

/** Collect's default deadline: duration + 60 s grace + a quarter of the duration (presymbolication grows with it). */
export function collectDeadlineMs(durationSecs: number): number {
  const d = Number.isFinite(durationSecs) && durationSecs > 0 ? durationSecs * 1000 : 0;
  return d + COLLECT_GRACE_MS + Math.ceil(d / 4);
}

/**
 * GET `…/samply_profile?latest=true[&ordinal=K]` until the profile is ready, then saves it as
 * `<pipeline>-samply-<UTC time>[-host<K>].json.gz` in `folder`. While a collection runs (204/307 + Retry-After, the
 * time it has left) it polls again after that long but 1..30 s apart, and counts down to the end the server
 * announced; after `deadlineMs` it gives up with a `deadline` error. Errors from the API come back unchanged.
 */
export function fetchSamplyProfileToFolder(opts: SamplyFetchOptions): Promise<DownloadResult> {
  const startedAt = clockOf(opts).now();
  return withLinkedAbort(opts.signal, (signal) =>
    // Without an explicit deadline, the first Retry-After (the collection's remaining time) stretches it.
    pollAndSave(opts, signal, startedAt, opts.deadlineMs ?? DEFAULT_FETCH_DEADLINE_MS, opts.deadlineMs === undefined),
  );
}

/**
 * POST `…/samply_profile?duration_secs=D[&ordinal=K]`, then fetches like fetchSamplyProfileToFolder. A 409 (already
 * running on that host) joins the running collection: `onJoinedRunning` is called and the result says
 * `joinedRunning: true`.
 */
export function collectSamplyProfileToFolder(opts: SamplyCollectOptions): Promise<CollectResult> {
  const startedAt = clockOf(opts).now();
  return withLinkedAbort(opts.signal, async (signal): Promise<CollectResult> => {
    const start = await opts.api.startSamplyProfile(
      opts.pipeline,
      opts.ordinal === undefined
        ? { durationSecs: opts.durationSecs }
        : { durationSecs: opts.durationSecs, ordinal: opts.ordinal },
      signal,
    );
    if (signal.aborted) return { ok: false, error: { kind: 'cancelled' } };
    if (!start.ok) return { ok: false, error: start.error };
    const joinedRunning = start.value.state === 'alreadyRunning';
    if (start.value.state === 'alreadyRunning') {
      const message = start.value.message;
      safely(() => opts.onJoinedRunning?.(message));
    }
    const deadlineMs = opts.deadlineMs ?? collectDeadlineMs(opts.durationSecs);
    // Joining someone else's collection: its duration is unknown until the server's first Retry-After.
    const stretch = opts.deadlineMs === undefined && joinedRunning;
    const result = await pollAndSave(opts, signal, startedAt, deadlineMs, stretch);
    return { ...result, joinedRunning };
  });
}

async function pollAndSave(
  opts: SamplyFetchOptions,
  signal: AbortSignal,
  startedAt: number,
  deadlineMs: number,
  stretchToFirstRetryAfter: boolean,
): Promise<DownloadResult> {
  const minPoll = Math.max(0, opts.minPollMs ?? DEFAULT_MIN_POLL_MS);
  const maxPoll = Math.max(minPoll, opts.maxPollMs ?? DEFAULT_MAX_POLL_MS);
  const progress = (p: FetchProgress) => safely(() => opts.onProgress?.(p));
  const clock = clockOf(opts);
  const query = opts.ordinal === undefined ? { latest: true } : { ordinal: opts.ordinal, latest: true };
  let deadlineAt = startedAt + Math.max(0, deadlineMs);
  let stretch = stretchToFirstRetryAfter;
  let polls = 0;

  for (;;) {
    if (signal.aborted) return cancelled();
    const answer = await opts.api.fetchSamplyProfile(opts.pipeline, query, signal);
    polls++;
    if (signal.aborted) {
      if (answer.ok && answer.value.state === 'ready') answer.value.body.destroy();
      return cancelled();
    }
    if (!answer.ok) return { ok: false, error: answer.error };
    if (answer.value.state === 'ready') return save(opts, answer.value, signal, progress);

    const now = clock.now();
    const expectedMs = Number.isFinite(answer.value.retryAfterSeconds)
      ? Math.max(0, answer.value.retryAfterSeconds * 1000)
      : 0;
    if (stretch) {
      deadlineAt = Math.max(deadlineAt, now + expectedMs + COLLECT_GRACE_MS + Math.ceil(expectedMs / 4));
      stretch = false;
    }
    const wait = Math.min(maxPoll, Math.max(minPoll, expectedMs));
    const remaining = deadlineAt - now;
    if (expectedMs > remaining || wait > remaining) {
      return { ok: false, error: deadlineError(opts, now - startedAt, deadlineAt - startedAt, expectedMs) };
    }
    if (!(await countdown(clock, wait, now + expectedMs, polls, signal, progress))) return cancelled();
  }
}

async function save(
  opts: SamplyFetchOptions,
  answer: Extract<SamplyProfileAnswer, { state: 'ready' }>,
  signal: AbortSignal,
  progress: (p: FetchProgress) => void,
): Promise<DownloadResult> {
  const now = opts.now && !Number.isNaN(opts.now.getTime()) ? opts.now : new Date();
  const suffix = opts.hostSuffix && opts.ordinal !== undefined ? opts.ordinal : undefined;
  const result = await saveStreamAtomically(answer.body, opts.folder, profileFileName(opts.pipeline, now, suffix), {
    signal,
    stallMs: opts.stallMs,
    validate: 'gzip',
    onBytes: (bytes) => progress({ phase: 'downloading', bytes }),
    onBodyEnd: (bytes) => progress({ phase: 'verifying', bytes }),
  });
  if (!result.ok) return signal.aborted ? cancelled() : result;
  return answer.suggestedName === undefined ? result : { ...result, suggestedName: answer.suggestedName };
}

/**
 * Sleeps `waitMs`, reporting `{phase: 'waiting'}` now and then once a second with the seconds left until
 * `expectedAt` (what the server announced). Returns false when aborted.
 */
async function countdown(
  clock: PollClock,
  waitMs: number,
  expectedAt: number,
  polls: number,
  signal: AbortSignal,
  progress: (p: FetchProgress) => void,
): Promise<boolean> {
  const until = clock.now() + waitMs;
  for (;;) {
    const now = clock.now();
    progress({ phase: 'waiting', secondsLeft: Math.max(0, Math.ceil((expectedAt - now) / 1000)), polls });
    const left = until - now;
    if (left <= 0) return true;
    if (!(await clock.sleep(Math.min(1000, left), signal))) return false;
  }
}

const REAL_CLOCK: PollClock = { now: () => Date.now(), sleep };

function clockOf(opts: SamplyFetchOptions): PollClock {
  return opts.clock ?? REAL_CLOCK;
}

/**
 * Runs `work` with a signal of its own that follows the caller's, and aborts it when the work failed, so a request or
 * body the work gave up on (stall, corrupt data) is torn down too.
 */
async function withLinkedAbort<T extends DownloadResult>(
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const inner = new AbortController();
  const follow = () => inner.abort();
  if (outer?.aborted) inner.abort();
  else outer?.addEventListener('abort', follow, { once: true });
  try {
    const result = await work(inner.signal);
    if (!result.ok) inner.abort();
    return result;
  } catch (e) {
    inner.abort();
    throw e;
  } finally {
    outer?.removeEventListener('abort', follow);
  }
}

function deadlineError(opts: SamplyFetchOptions, waitedMs: number, allowedMs: number, expectedMs: number) {
  const who = `pipeline '${opts.pipeline}'${opts.ordinal === undefined ? '' : ` (host ${opts.ordinal})`}`;
  const message =
    expectedMs > allowedMs - waitedMs
      ? `The samply collection of ${who} is still running and the server expects it to end in about ` +
        `${formatDuration(expectedMs)}, later than this ${formatDuration(allowedMs)} wait allows ` +
        `(waited ${formatDuration(waitedMs)}). Run Fetch Samply Profile again after it has ended.`
      : `Waited ${formatDuration(waitedMs)} for the samply profile of ${who}, but samply had not finished writing it. ` +
        'Large profiles can take a while: run Fetch Samply Profile again in a minute, or collect a shorter profile.';
  return { kind: 'deadline' as const, message, waitedMs };
}

function cancelled(): DownloadResult {
  return { ok: false, error: { kind: 'cancelled' } };
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A progress or notification callback's failure must not break the download.
  }
}
