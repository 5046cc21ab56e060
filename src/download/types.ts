// Shapes of the vscode-free download engine (polling a samply profile and saving it atomically).
import type { ApiError, FelderaApi } from '../feldera/types';

export type FetchProgress =
  /** Waiting for a running collection: the server said to ask again in `secondsLeft`. */
  | { phase: 'waiting'; secondsLeft: number; polls: number }
  /** Bytes written so far (Feldera sends no Content-Length). */
  | { phase: 'downloading'; bytes: number }
  | { phase: 'verifying'; bytes: number };

export type DownloadError =
  | ApiError
  /** The body ended before the gzip was complete, or is not gzip at all. */
  | { kind: 'corrupt'; message: string }
  /** No byte arrived for `stallMs`. */
  | { kind: 'stalled'; message: string; afterMs: number }
  /** Waited past the deadline for the collection to finish. */
  | { kind: 'deadline'; message: string; waitedMs: number }
  /** Could not write into the target folder. */
  | { kind: 'filesystem'; message: string; code?: string }
  /** The extension itself failed (e.g. the gzip check's worker thread crashed): nothing to fix but to try again. */
  | { kind: 'internal'; message: string };

export type DownloadResult =
  { ok: true; path: string; bytes: number; suggestedName?: string } | { ok: false; error: DownloadError };

export interface SamplyFetchOptions {
  api: FelderaApi;
  pipeline: string;
  /** Host ordinal; omitted = server default (0). */
  ordinal?: number;
  /** Absolute folder to save into (created if missing). */
  folder: string;
  /** When the download started, used in the file name (default: now). */
  now?: Date;
  /** Give up waiting for a running collection after this long (default: 10 minutes). */
  deadlineMs?: number;
  /** Abort the download when no byte arrives for this long (default: 60 s). */
  stallMs?: number;
  /** Minimum and maximum wait between polls in ms (defaults 1000 and 30000). */
  minPollMs?: number;
  maxPollMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  /** Add `-host<K>` to the file name (only when `ordinal` is given): set for multihost pipelines. */
  hostSuffix?: boolean;
  /**
   * For tests only: the time the polling reads and how it waits (default: `Date.now` and a timer), so a test can
   * run a collection of minutes without waiting minutes. `sleep` resolves false, at once, when `signal` aborts.
   */
  clock?: PollClock;
}

export interface PollClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<boolean>;
}

export interface SamplyCollectOptions extends SamplyFetchOptions {
  /** How long samply records, in seconds (the server's `duration_secs`). */
  durationSecs: number;
  /**
   * Default deadline: the duration + 60 s grace + a quarter of the duration for samply to write the profile. When a
   * collection was already running (409), the default also stretches to what the server's Retry-After announces.
   */
  deadlineMs?: number;
  /** Called when the server answered 409: a collection was already running on that host and is joined instead. */
  onJoinedRunning?: (message: string) => void;
}

/** A collect's result says whether it started a collection or joined one that was already running. */
export type CollectResult = DownloadResult & { joinedRunning?: boolean };
