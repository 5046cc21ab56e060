// The vscode-free Feldera client's public shapes. Errors are values (ApiError), never thrown through callers.
import type { Readable } from 'stream';
import type { CircuitNodeIds } from './circuitProfile';

export type { CircuitNodeIds } from './circuitProfile';

/** Why a request did not give the answer the caller wanted. Never carries an API key. */
export type ApiError =
  /** The server answered with a Feldera error body `{message, error_code, details?}`. */
  | { kind: 'feldera'; status: number; errorCode: string; message: string; details?: unknown }
  /** The server (or a proxy in front of it) answered an error status without a Feldera body. */
  | { kind: 'http'; status: number; statusText: string; snippet?: string; contentType?: string; via?: string }
  /** No answer: DNS, refused connection, reset, TLS... `code` is Node's error code when known. */
  | { kind: 'network'; message: string; code?: string }
  /** No answer within the time allowed (or the overall retry deadline passed). */
  | { kind: 'timeout'; message: string }
  /** The caller's AbortSignal fired. */
  | { kind: 'cancelled' }
  /** A 2xx answer whose body is not what Feldera sends (e.g. not JSON). */
  | { kind: 'protocol'; status: number; message: string };

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** One line of the request log: never a header, never a key. */
export interface RequestLogEntry {
  method: string;
  /** Path and query only, e.g. `/v0/pipelines?selector=status`. */
  path: string;
  /** HTTP status, or undefined when no answer came. */
  status?: number;
  durationMs: number;
  /** Attempt number, 1-based (retries of idempotent GETs). */
  attempt: number;
  /** Short description of a failure without answer (network/timeout). */
  failure?: string;
}

export interface FelderaClientOptions {
  /** Base URL of the pipeline manager, e.g. `http://localhost:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`, and only to `baseUrl`'s origin. */
  apiKey?: string;
  /** Sent as `Feldera-Tenant` when set. */
  tenant?: string;
  /** Per-attempt timeout for JSON calls until headers arrive (default 15 s). */
  requestTimeoutMs?: number;
  /** Retry policy for idempotent GETs (no answer, 408/502/503/504). */
  retry?: { deadlineMs?: number; initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  /** Called once per HTTP attempt. */
  onRequest?: (entry: RequestLogEntry) => void;
  /** User-Agent header (default `feldera-vscode`). */
  userAgent?: string;
  /** https:// only: CA certificates (PEM) trusted besides Node's default roots (`feldera.tls.caCertificates`). */
  caCertificates?: readonly string[];
}

export type AuthConfig =
  | { kind: 'none' }
  | { kind: 'AwsCognito'; issuer?: string; loginUrl?: string; logoutUrl?: string }
  | { kind: 'GenericOidc'; issuer?: string; clientId?: string }
  | { kind: 'unknown'; raw: unknown };

export interface ServerConfig {
  version?: string;
  edition?: string;
  revision?: string;
  /** The whole body as the server sent it. */
  raw: Record<string, unknown>;
}

export type PipelineSelector = 'all' | 'status' | 'status_with_connectors';

/** The fields of PipelineSelectedInfo the extension uses; absent when not selected. */
export interface PipelineInfo {
  id?: string;
  name: string;
  description?: string;
  program_status?: string;
  program_status_since?: string;
  deployment_status?: string;
  deployment_status_since?: string;
  deployment_desired_status?: string;
  deployment_desired_status_since?: string;
  deployment_error?: { message?: string; error_code?: string; details?: unknown } | null;
  deployment_runtime_status?: string | null;
  storage_status?: string;
  version?: number;
  program_version?: number;
  /** Only with selector=all. */
  runtime_config?: { hosts?: number; workers?: number; [k: string]: unknown };
  [k: string]: unknown;
}

export type StartSamplyOutcome =
  /** 200 (older servers) or 202: the collection runs in the background. */
  | { state: 'started'; status: 200 | 202 }
  /** 409 SamplyProfilingInProgress: one is already running on that host. Not a failure. */
  | { state: 'alreadyRunning'; message: string };

export type SamplyProfileAnswer =
  /**
   * 204, or 307 with Retry-After. `retryAfterSeconds` is the server's value (parsed, 0 up to a day): while a
   * collection runs, its time left. Not a wait as is: poll again after at most MAX_RETRY_WAIT_SECONDS.
   */
  | { state: 'pending'; status: 204 | 307; retryAfterSeconds: number }
  /** 200: the gzip body as a stream. Destroy it (or abort the signal) to stop. */
  | {
      state: 'ready';
      body: Readable;
      contentType?: string;
      /** Name from Content-Disposition, for information only: never use it as a path. */
      suggestedName?: string;
      contentLength?: number;
    };

/** GET …/dataflow_graph: the SQL compiler's graph. Only `mir` (MIR node id → node, as sent) is used. */
export interface DataflowGraph {
  mir: Record<string, unknown>;
}

export interface CircuitProfileOptions {
  /** Per-attempt time for the server to start answering (default 130 s: the server allows the pipeline 120 s). */
  timeoutMs?: number;
  /** Give up when no byte of the body arrives for this long (default 30 s). */
  stallMs?: number;
  /** Largest body read (default 512 MiB); past it the answer is a protocol error. Memory does not grow with it. */
  maxBytes?: number;
}

/** The calls the rest of the extension makes. Every call honours `signal`. */
export interface FelderaApi {
  readonly baseUrl: string;
  health(signal?: AbortSignal): Promise<ApiResult<{ status: string }>>;
  authConfig(signal?: AbortSignal): Promise<ApiResult<AuthConfig>>;
  serverConfig(signal?: AbortSignal): Promise<ApiResult<ServerConfig>>;
  listPipelines(selector: PipelineSelector, signal?: AbortSignal): Promise<ApiResult<PipelineInfo[]>>;
  getPipeline(name: string, selector: PipelineSelector, signal?: AbortSignal): Promise<ApiResult<PipelineInfo>>;
  startSamplyProfile(
    pipeline: string,
    opts: { durationSecs: number; ordinal?: number },
    signal?: AbortSignal,
  ): Promise<ApiResult<StartSamplyOutcome>>;
  fetchSamplyProfile(
    pipeline: string,
    opts: { ordinal?: number; latest?: boolean },
    signal?: AbortSignal,
  ): Promise<ApiResult<SamplyProfileAnswer>>;
  /** 404 `ProgramNotCompiled` / `ProgramInfoMissesDataflow` (older compilers) come back as feldera errors. */
  dataflowGraph(pipeline: string, signal?: AbortSignal): Promise<ApiResult<DataflowGraph>>;
  /**
   * The node → persistent-id map of the running (or paused) pipeline's circuit profile, read as it streams; the rest
   * of the document is dropped. 503 when the pipeline is not running.
   */
  circuitJsonProfile(
    pipeline: string,
    opts?: CircuitProfileOptions,
    signal?: AbortSignal,
  ): Promise<ApiResult<CircuitNodeIds>>;
}
