// The Feldera pipeline manager's REST API over node-fetch v2. Every call returns an ApiResult: errors are values.
//
// Policy, in one place:
// - Redirects are never followed (`redirect: 'manual'`); the API key goes only to the base URL's origin.
// - Idempotent GETs retry on no answer (except permanent failures: unknown host, TLS) and on 408/502/503/504, with
//   exponential backoff and full jitter under an overall deadline; a Retry-After on those answers is a floor for the
//   wait, of at most 30 s. A wait that would end past the deadline is not started: the last answer is returned
//   instead.
// - The POST that starts a samply collection is retried only on ECONNREFUSED: no connection means the server cannot
//   have acted on it, so trying again cannot start a second collection.
// - The per-attempt timeout covers a JSON call's whole answer, but only the headers of a profile download: those
//   bodies stream for minutes. The returned body follows the caller's AbortSignal and aborts the request when it
//   is destroyed early.
// - https:// trusts Node's default roots plus `caCertificates` (./tls.ts): more, never fewer, never unchecked.
//   Proxies are VS Code's: in the extension host it patches http/https, so node-fetch follows `http.proxy`.
import fetch, { type Headers, type RequestInit, type Response } from 'node-fetch';
import { PassThrough, type Readable } from 'stream';
import type { Agent } from 'https';
import { sleep } from '../common/sleep';
import { CircuitNodeIdExtractor, CircuitProfileError, type CircuitNodeIds } from './circuitProfile';
import { isRetryableStatus } from './errors';
import {
  parseContentDispositionFilename,
  parseErrorBody,
  parseRetryAfter,
  redactSecrets,
  retryAfterWaitMs,
  safeSnippet,
} from './parsers';
import type {
  ApiError,
  ApiResult,
  AuthConfig,
  CircuitProfileOptions,
  DataflowGraph,
  FelderaApi,
  FelderaClientOptions,
  PipelineInfo,
  PipelineSelector,
  RequestLogEntry,
  SamplyProfileAnswer,
  ServerConfig,
  StartSamplyOutcome,
} from './types';
import { httpsAgentFor } from './tls';
import { normalizeServerUrl } from './url';

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_RETRY = { deadlineMs: 30_000, initialDelayMs: 250, maxDelayMs: 5_000, maxAttempts: 10 } as const;

/** Shortest per-attempt timeout of a retry, however close the deadline. */
/** Feldera 503s that waiting does not fix: the pipeline is stopped (not deployed) or suspended. */
const PERMANENT_503_CODES = ['PipelineInteractionNotDeployed', 'Suspended'];
const MIN_RETRY_TIMEOUT_MS = 1000;
/** Largest JSON answer read (a `selector=all` listing carries every pipeline's SQL). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Largest error body read: only a snippet of it is kept. */
const MAX_ERROR_BYTES = 64 * 1024;
/** circuit_json_profile: the server gives the pipeline 120 s to build it; this leaves room for the way back. */
export const CIRCUIT_PROFILE_TIMEOUT_MS = 130_000;
const CIRCUIT_PROFILE_STALL_MS = 30_000;
const CIRCUIT_PROFILE_MAX_BYTES = 512 * 1024 * 1024;
const PROFILE_ACCEPT = 'application/gzip, application/octet-stream;q=0.9, application/json;q=0.5, */*;q=0.1';

/** No answer at all, and trying again will not help. */
const PERMANENT_NETWORK_CODES = new Set([
  'ENOTFOUND',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * What a profile body stream is destroyed with when it stops early: `apiError` says why (kind `cancelled` when
 * the caller's signal fired, `network` when the connection broke).
 */
export class FelderaStreamError extends Error {
  readonly code: string;
  constructor(readonly apiError: ApiError) {
    super(
      apiError.kind === 'cancelled'
        ? 'The download was cancelled.'
        : `The download was interrupted: ${'message' in apiError ? apiError.message : apiError.kind}`,
    );
    this.name = apiError.kind === 'cancelled' ? 'AbortError' : 'FelderaStreamError';
    this.code =
      apiError.kind === 'cancelled' ? 'ABORT_ERR' : (apiError.kind === 'network' && apiError.code) || 'ERR_STREAM';
  }
}

interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body as text (empty when streamed). */
  text: string;
  /** Set when the body is handed over as a stream instead of being read. */
  body?: Readable;
}

type Outcome = { answer: Answer; error?: undefined } | { error: ApiError; answer?: undefined };

interface CallSpec {
  method: 'GET' | 'POST';
  /** Below the base URL, starting with `/`. Pipeline names already encoded. */
  path: string;
  query?: Record<string, string | undefined>;
  /** GETs: retried on no answer and 408/502/503/504. Otherwise only on ECONNREFUSED. */
  idempotent: boolean;
  accept: string;
  /** Statuses whose body is handed over as a stream instead of being read. */
  streamStatuses?: number[];
  /** Ask for no content coding, so the bytes arrive exactly as the server stores them. */
  identity?: boolean;
  /** Per-attempt timeout of this call instead of the client's. */
  timeoutMs?: number;
}

export class FelderaClient implements FelderaApi {
  /** The normalized base URL (no trailing slash, path prefix kept). */
  readonly baseUrl: string;
  /** Scheme + host + port of the base URL: the only origin the API key is sent to. */
  readonly origin: string;
  private readonly apiKey?: string;
  private readonly tenant?: string;
  private readonly timeoutMs: number;
  private readonly retry: { deadlineMs: number; initialDelayMs: number; maxDelayMs: number; maxAttempts: number };
  private readonly onRequest?: (entry: RequestLogEntry) => void;
  private readonly userAgent: string;
  /** Set for https:// with extra CAs; otherwise Node's (or VS Code's patched) default agent is used. */
  private readonly agent?: Agent;

  /**
   * Throws a TypeError (whose message never contains the key) when the base URL is not a valid server URL or
   * when the key or tenant cannot be sent in an HTTP header: check user input with `normalizeServerUrl` first.
   */
  constructor(options: FelderaClientOptions) {
    const normalized = normalizeServerUrl(options.baseUrl);
    if (!normalized.ok) throw new TypeError(`Invalid Feldera server URL: ${normalized.message}`);
    this.baseUrl = normalized.url;
    this.origin = normalized.origin;
    const apiKey = options.apiKey?.trim();
    if (apiKey && !isHeaderSafe(apiKey)) {
      throw new TypeError('The API key contains characters that cannot be sent in an HTTP header.');
    }
    this.apiKey = apiKey || undefined;
    const tenant = options.tenant?.trim();
    if (tenant && !isHeaderSafe(tenant)) {
      throw new TypeError('The tenant contains characters that cannot be sent in an HTTP header.');
    }
    this.tenant = tenant || undefined;
    this.timeoutMs = positive(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
    const r = options.retry ?? {};
    this.retry = {
      deadlineMs: nonNegative(r.deadlineMs, DEFAULT_RETRY.deadlineMs),
      initialDelayMs: nonNegative(r.initialDelayMs, DEFAULT_RETRY.initialDelayMs),
      maxDelayMs: nonNegative(r.maxDelayMs, DEFAULT_RETRY.maxDelayMs),
      maxAttempts: Math.max(1, Math.floor(positive(r.maxAttempts, DEFAULT_RETRY.maxAttempts))),
    };
    this.onRequest = options.onRequest;
    this.userAgent = options.userAgent ?? 'feldera-vscode';
    if (this.origin.startsWith('https:')) this.agent = httpsAgentFor(options.caCertificates);
  }

  async health(signal?: AbortSignal): Promise<ApiResult<{ status: string }>> {
    return this.json({ method: 'GET', path: '/healthz', idempotent: true, accept: 'application/json' }, signal, (v) =>
      isObject(v) && typeof v.status === 'string' ? { status: v.status } : 'expected {"status": "..."}',
    );
  }

  async authConfig(signal?: AbortSignal): Promise<ApiResult<AuthConfig>> {
    return this.json(
      { method: 'GET', path: '/config/authentication', idempotent: true, accept: 'application/json' },
      signal,
      toAuthConfig,
    );
  }

  async serverConfig(signal?: AbortSignal): Promise<ApiResult<ServerConfig>> {
    return this.json(
      { method: 'GET', path: '/v0/config', idempotent: true, accept: 'application/json' },
      signal,
      (v) => {
        if (!isObject(v)) return 'expected a JSON object';
        const config: ServerConfig = { raw: v };
        if (typeof v.version === 'string') config.version = v.version;
        if (typeof v.edition === 'string') config.edition = v.edition;
        if (typeof v.revision === 'string') config.revision = v.revision;
        return config;
      },
    );
  }

  async listPipelines(selector: PipelineSelector, signal?: AbortSignal): Promise<ApiResult<PipelineInfo[]>> {
    return this.json(
      { method: 'GET', path: '/v0/pipelines', query: { selector }, idempotent: true, accept: 'application/json' },
      signal,
      (v) => {
        if (!Array.isArray(v)) return 'expected a JSON array of pipelines';
        if (!v.every(isPipelineInfo)) return 'expected every pipeline to have a name';
        return v;
      },
    );
  }

  async getPipeline(name: string, selector: PipelineSelector, signal?: AbortSignal): Promise<ApiResult<PipelineInfo>> {
    return this.json(
      {
        method: 'GET',
        path: `/v0/pipelines/${pipelineSegment(name)}`,
        query: { selector },
        idempotent: true,
        accept: 'application/json',
      },
      signal,
      (v) => (isPipelineInfo(v) ? v : 'expected a pipeline object with a name'),
    );
  }

  async startSamplyProfile(
    pipeline: string,
    opts: { durationSecs: number; ordinal?: number },
    signal?: AbortSignal,
  ): Promise<ApiResult<StartSamplyOutcome>> {
    const spec: CallSpec = {
      method: 'POST',
      path: `/v0/pipelines/${pipelineSegment(pipeline)}/samply_profile`,
      query: { duration_secs: intParam(opts.durationSecs), ordinal: optionalIntParam(opts.ordinal) },
      idempotent: false,
      accept: 'application/json',
    };
    const outcome = await this.send(spec, signal);
    if (outcome.error) return { ok: false, error: outcome.error };
    const a = outcome.answer;
    if (a.status === 200 || a.status === 202) return { ok: true, value: { state: 'started', status: a.status } };
    if (a.status === 409) {
      const e = this.errorFrom(a);
      const message = e.kind === 'feldera' ? e.message : 'A samply collection is already running.';
      return { ok: true, value: { state: 'alreadyRunning', message } };
    }
    if (a.status >= 200 && a.status < 300) {
      return protocol(a, `expected 202 Accepted (or 200) when starting a collection, got ${a.status}`);
    }
    return { ok: false, error: this.errorFrom(a) };
  }

  async fetchSamplyProfile(
    pipeline: string,
    opts: { ordinal?: number; latest?: boolean },
    signal?: AbortSignal,
  ): Promise<ApiResult<SamplyProfileAnswer>> {
    const spec: CallSpec = {
      method: 'GET',
      path: `/v0/pipelines/${pipelineSegment(pipeline)}/samply_profile`,
      query: { latest: opts.latest ? 'true' : undefined, ordinal: optionalIntParam(opts.ordinal) },
      idempotent: true,
      accept: PROFILE_ACCEPT,
      streamStatuses: [200],
      identity: true,
    };
    const outcome = await this.send(spec, signal);
    if (outcome.error) return { ok: false, error: outcome.error };
    const a = outcome.answer;
    const retryAfter = a.headers.get('retry-after');
    if (a.status === 204 || (a.status === 307 && retryAfter !== null)) {
      return {
        ok: true,
        value: { state: 'pending', status: a.status, retryAfterSeconds: parseRetryAfter(retryAfter) },
      };
    }
    if (a.status === 200 && a.body) {
      const value: SamplyProfileAnswer = { state: 'ready', body: a.body };
      const contentType = a.headers.get('content-type');
      if (contentType) value.contentType = contentType;
      const suggestedName = parseContentDispositionFilename(a.headers.get('content-disposition'));
      if (suggestedName !== undefined) value.suggestedName = suggestedName;
      const length = a.headers.get('content-length');
      if (length !== null && /^\d+$/.test(length.trim())) value.contentLength = Number(length.trim());
      return { ok: true, value };
    }
    if (a.status >= 200 && a.status < 300) {
      return protocol(a, `expected 200 (profile), 204 (pending) or an error when fetching a profile, got ${a.status}`);
    }
    return { ok: false, error: this.errorFrom(a) };
  }

  async dataflowGraph(pipeline: string, signal?: AbortSignal): Promise<ApiResult<DataflowGraph>> {
    return this.json(
      {
        method: 'GET',
        path: `/v0/pipelines/${pipelineSegment(pipeline)}/dataflow_graph`,
        idempotent: true,
        accept: 'application/json',
      },
      signal,
      (v) => (isObject(v) && isObject(v.mir) ? { mir: v.mir } : 'expected a dataflow graph with a "mir" object'),
    );
  }

  async circuitJsonProfile(
    pipeline: string,
    opts: CircuitProfileOptions = {},
    signal?: AbortSignal,
  ): Promise<ApiResult<CircuitNodeIds>> {
    const spec: CallSpec = {
      method: 'GET',
      path: `/v0/pipelines/${pipelineSegment(pipeline)}/circuit_json_profile`,
      idempotent: true,
      accept: 'application/json',
      streamStatuses: [200],
      timeoutMs: positive(opts.timeoutMs, CIRCUIT_PROFILE_TIMEOUT_MS),
    };
    const outcome = await this.send(spec, signal);
    if (outcome.error) return { ok: false, error: outcome.error };
    const a = outcome.answer;
    if (a.status === 200 && a.body) {
      return readNodeIds(
        a,
        a.body,
        positive(opts.maxBytes, CIRCUIT_PROFILE_MAX_BYTES),
        positive(opts.stallMs, CIRCUIT_PROFILE_STALL_MS),
        positive(opts.timeoutMs, CIRCUIT_PROFILE_TIMEOUT_MS),
      );
    }
    if (a.status >= 200 && a.status < 300) {
      return protocol(a, `expected 200 with the circuit profile, got ${a.status}`);
    }
    return { ok: false, error: this.errorFrom(a) };
  }

  /** A JSON endpoint: 2xx with a body `validate` accepts, else an error value. */
  private async json<T>(
    spec: CallSpec,
    signal: AbortSignal | undefined,
    validate: (v: unknown) => T | string,
  ): Promise<ApiResult<T>> {
    const outcome = await this.send(spec, signal);
    if (outcome.error) return { ok: false, error: outcome.error };
    const a = outcome.answer;
    if (a.status < 200 || a.status >= 300) return { ok: false, error: this.errorFrom(a) };
    if (a.text.trim() === '') return protocol(a, 'the answer is empty where JSON was expected');
    let parsed: unknown;
    try {
      parsed = JSON.parse(a.text);
    } catch {
      const ct = a.headers.get('content-type');
      const snippet = safeSnippet(a.text, 80, this.apiKey);
      return protocol(
        a,
        `the answer is not JSON${ct ? ` (${ct.split(';')[0]})` : ''}${snippet ? `: "${snippet}"` : ''}`,
      );
    }
    const value = validate(parsed);
    return typeof value === 'string' ? protocol(a, `unexpected JSON: ${value}`) : { ok: true, value };
  }

  /** An error status (or a redirect, never followed) as an ApiError. */
  private errorFrom(a: Answer): ApiError {
    if (a.status >= 300 && a.status < 400) {
      const location = a.headers.get('location');
      let target = '';
      try {
        // node-fetch made it absolute; the query is left out (it could carry anything).
        if (location) target = ` to ${new URL(location).origin}${new URL(location).pathname}`;
      } catch {
        target = '';
      }
      return {
        kind: 'http',
        status: a.status,
        statusText: safeSnippet(a.statusText, 100, this.apiKey) ?? '',
        snippet: safeSnippet(`Redirect${target} not followed`, 200, this.apiKey),
      };
    }
    const e = parseErrorBody(a.status, a.headers.get('content-type'), a.text, a.statusText);
    if (e.kind === 'feldera' && this.apiKey) {
      e.message = redactSecrets(e.message, this.apiKey);
      // A server that echoes the key in `details` must not get it into a log or a bug report either.
      const details = e.details === undefined ? undefined : JSON.stringify(e.details);
      if (details?.includes(this.apiKey)) {
        try {
          e.details = JSON.parse(details.split(this.apiKey).join('[redacted]'));
        } catch {
          delete e.details;
        }
      }
    }
    if (e.kind === 'http' && e.snippet && this.apiKey) e.snippet = safeSnippet(e.snippet, 200, this.apiKey);
    // A proxy names itself in Via: the answer may be its own page rather than Feldera's (see transportErrors.ts).
    const via = e.kind === 'http' ? a.headers.get('via') : null;
    if (e.kind === 'http' && via) e.via = safeSnippet(via, 100, this.apiKey);
    return e;
  }

  /** Attempts with retries, per the policy at the top of this file. */
  private async send(spec: CallSpec, signal: AbortSignal | undefined): Promise<Outcome> {
    if (signal?.aborted) return { error: { kind: 'cancelled' } };
    const url = this.urlFor(spec);
    const deadline = Date.now() + this.retry.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      // Retries end near the deadline, but each gets at least a second: a quick answer (say the 503 that
      // explains everything) is worth more than a timeout cut to a few milliseconds.
      const perAttempt = spec.timeoutMs ?? this.timeoutMs;
      const timeoutMs =
        attempt === 1 ? perAttempt : Math.min(perAttempt, Math.max(MIN_RETRY_TIMEOUT_MS, deadline - Date.now()));
      const outcome = await this.attempt(spec, url, attempt, timeoutMs, signal);
      if (outcome.error?.kind === 'cancelled') return outcome;
      if (signal?.aborted) {
        // Aborted just as the answer arrived: the caller no longer wants it.
        outcome.answer?.body?.destroy();
        return { error: { kind: 'cancelled' } };
      }
      if (attempt >= this.retry.maxAttempts || !this.shouldRetry(spec, outcome)) return outcome;
      const cap = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
      let delay = Math.random() * cap;
      const retryAfter = outcome.answer?.headers.get('retry-after');
      if (retryAfter !== null && retryAfter !== undefined) delay = Math.max(delay, retryAfterWaitMs(retryAfter));
      if (Date.now() + delay >= deadline) return outcome;
      if (!(await sleep(delay, signal))) return { error: { kind: 'cancelled' } };
    }
  }

  private shouldRetry(spec: CallSpec, outcome: Outcome): boolean {
    if (outcome.answer) {
      const a = outcome.answer;
      if (!spec.idempotent || a.body || !isRetryableStatus(a.status)) return false;
      // A 503 that says the pipeline is not deployed (stopped) or suspended will not change by waiting.
      return !PERMANENT_503_CODES.some((code) => a.text?.includes(`"${code}"`));
    }
    const e = outcome.error;
    if (e.kind === 'network') {
      if (!spec.idempotent) return e.code === 'ECONNREFUSED';
      const code = e.code ?? '';
      return !(PERMANENT_NETWORK_CODES.has(code) || /^(CERT_|ERR_TLS_|ERR_SSL_|HPE_|ERR_INVALID_)/.test(code));
    }
    return spec.idempotent && e.kind === 'timeout';
  }

  /** One HTTP exchange. Never throws; the caller's abort and the timeout both stop it at once. */
  private async attempt(
    spec: CallSpec,
    url: URL,
    attempt: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const release = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const started = Date.now();
    const path = url.pathname + url.search;
    let handedOver = false;
    let status: number | undefined;
    try {
      if (signal?.aborted) return { error: { kind: 'cancelled' } };
      const init: RequestInit = {
        method: spec.method,
        headers: this.headersFor(url, spec),
        redirect: 'manual',
        // node-fetch v2 types its own AbortSignal; Node's global one works at run time.
        signal: controller.signal as unknown as RequestInit['signal'],
        compress: !spec.identity,
        agent: this.agent,
      };
      const res: Response = await fetch(url.toString(), init);
      status = res.status;
      // node-fetch emits 'error' on the body when aborted: an unhandled 'error' event would crash the host.
      res.body.on('error', () => undefined);
      if (spec.streamStatuses?.includes(res.status)) {
        clearTimeout(timer);
        this.log({ method: spec.method, path, status, durationMs: Date.now() - started, attempt });
        handedOver = true;
        const body = this.guardBody(res.body as Readable, controller, signal, release);
        return { answer: { status: res.status, statusText: res.statusText, headers: res.headers, text: '', body } };
      }
      const ok = res.status >= 200 && res.status < 300;
      const { text, truncated } = await readText(res.body, ok ? MAX_JSON_BYTES : MAX_ERROR_BYTES);
      if (truncated && ok) {
        this.log({ method: spec.method, path, status, durationMs: Date.now() - started, attempt });
        return {
          error: { kind: 'protocol', status: res.status, message: `the answer is larger than ${MAX_JSON_BYTES} bytes` },
        };
      }
      this.log({ method: spec.method, path, status, durationMs: Date.now() - started, attempt });
      return { answer: { status: res.status, statusText: res.statusText, headers: res.headers, text } };
    } catch (err) {
      let error: ApiError;
      if (signal?.aborted) error = { kind: 'cancelled' };
      else if (timedOut) {
        error = {
          kind: 'timeout',
          message: `no ${status === undefined ? 'answer' : 'complete answer'} within ${seconds(timeoutMs)}`,
        };
      } else error = this.networkError(err);
      const failure = 'message' in error ? error.message : error.kind;
      this.log({ method: spec.method, path, status, durationMs: Date.now() - started, attempt, failure });
      return { error };
    } finally {
      if (!handedOver) {
        release();
        // Stops a body left unread (size limit); a no-op once it was read to the end.
        controller.abort();
      }
    }
  }

  /**
   * The profile body as handed to the caller: destroyed (with a FelderaStreamError) when the caller's signal fires
   * or the connection breaks; destroying it early aborts the request, so the server stops sending.
   */
  private guardBody(
    source: Readable,
    controller: AbortController,
    signal: AbortSignal | undefined,
    release: () => void,
  ): Readable {
    const out = new PassThrough();
    // The consumer's own listeners get every error; this one only keeps an error that comes after the consumer
    // has let go (say the connection breaks just after a failed gzip check) from crashing the extension host.
    out.on('error', () => undefined);
    let ended = false;
    const onCallerAbort = (): void => {
      if (!out.destroyed) out.destroy(new FelderaStreamError({ kind: 'cancelled' }));
    };
    if (signal?.aborted) queueMicrotask(onCallerAbort);
    signal?.addEventListener('abort', onCallerAbort);
    source.on('end', () => {
      ended = true;
    });
    source.on('error', (err) => {
      if (out.destroyed) return;
      out.destroy(new FelderaStreamError(signal?.aborted ? { kind: 'cancelled' } : this.networkError(err)));
    });
    source.pipe(out);
    out.on('close', () => {
      signal?.removeEventListener('abort', onCallerAbort);
      release();
      if (!ended) {
        controller.abort();
        source.unpipe(out);
        source.destroy();
      }
    });
    return out;
  }

  private networkError(err: unknown): ApiError {
    const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    let message = typeof e.message === 'string' ? e.message : String(err);
    // node-fetch: "request to <url> failed, reason: <system message>"; the reason is what matters.
    const reason = message.indexOf('reason: ');
    if (reason >= 0) message = message.slice(reason + 'reason: '.length);
    const safe = safeSnippet(message, 200, this.apiKey) ?? code ?? 'network error';
    return code ? { kind: 'network', message: safe, code } : { kind: 'network', message: safe };
  }

  private log(entry: RequestLogEntry): void {
    if (!this.onRequest) return;
    if (entry.failure !== undefined) entry.failure = redactSecrets(entry.failure, this.apiKey);
    try {
      this.onRequest(entry);
    } catch {
      // A logger's failure must not change the result of a request.
    }
  }

  private urlFor(spec: CallSpec): URL {
    const url = new URL(this.baseUrl + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  /** The only place headers are built: the key goes to the base URL's origin and nowhere else. */
  private headersFor(url: URL, spec: CallSpec): Record<string, string> {
    const headers: Record<string, string> = { Accept: spec.accept, 'User-Agent': this.userAgent };
    if (spec.identity) headers['Accept-Encoding'] = 'identity';
    if (this.tenant) headers['Feldera-Tenant'] = this.tenant;
    if (this.apiKey && url.origin === this.origin) headers.Authorization = `Bearer ${this.apiKey}`;
    return headers;
  }
}

function toAuthConfig(v: unknown): AuthConfig | string {
  if (!isObject(v)) return 'expected a JSON object';
  if (Object.keys(v).length === 0) return { kind: 'none' };
  if (isObject(v.AwsCognito)) {
    const c = v.AwsCognito;
    const out: AuthConfig = { kind: 'AwsCognito' };
    if (typeof c.issuer === 'string') out.issuer = c.issuer;
    if (typeof c.login_url === 'string') out.loginUrl = c.login_url;
    if (typeof c.logout_url === 'string') out.logoutUrl = c.logout_url;
    return out;
  }
  if (isObject(v.GenericOidc)) {
    const c = v.GenericOidc;
    const out: AuthConfig = { kind: 'GenericOidc' };
    if (typeof c.issuer === 'string') out.issuer = c.issuer;
    if (typeof c.client_id === 'string') out.clientId = c.client_id;
    return out;
  }
  return { kind: 'unknown', raw: v };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPipelineInfo(v: unknown): v is PipelineInfo {
  return isObject(v) && typeof v.name === 'string';
}

/**
 * A pipeline name as one path segment. Feldera only allows `[A-Za-z0-9_-]` names; an empty or dot name would
 * address another endpoint (URL parsers resolve `.`/`..` even when percent-encoded), so it is refused.
 */
function pipelineSegment(name: string): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') {
    throw new TypeError(`Invalid pipeline name: ${JSON.stringify(name)}`);
  }
  return encodeURIComponent(name);
}

function intParam(n: number): string {
  return String(Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0);
}

function optionalIntParam(n: number | undefined): string | undefined {
  return n === undefined ? undefined : intParam(n);
}

function protocol(a: Answer, message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { kind: 'protocol', status: a.status, message } };
}

function isHeaderSafe(value: string): boolean {
  // Visible ASCII, space and tab: what node's http accepts in a header value without throwing.
  return /^[\t\x20-\x7e]*$/.test(value);
}

function positive(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

function nonNegative(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Feeds a circuit profile body to the extractor as it arrives. Stops (destroying the body, so the request is aborted)
 * past `maxBytes`, when no byte comes for `stallMs`, or when the whole body takes longer than `totalMs`.
 */
function readNodeIds(
  a: Answer,
  body: Readable,
  maxBytes: number,
  stallMs: number,
  totalMs: number,
): Promise<ApiResult<CircuitNodeIds>> {
  return new Promise((resolve) => {
    const extractor = new CircuitNodeIdExtractor(maxBytes);
    let settled = false;
    let stall: NodeJS.Timeout | undefined;
    const finish = (result: ApiResult<CircuitNodeIds>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(stall);
      clearTimeout(total);
      body.removeListener('data', onData);
      if (!result.ok) body.destroy();
      resolve(result);
    };
    const timeout = (message: string) => finish({ ok: false, error: { kind: 'timeout', message } });
    const arm = (): void => {
      clearTimeout(stall);
      stall = setTimeout(() => timeout(`the circuit profile stopped arriving for ${seconds(stallMs)}`), stallMs);
    };
    const total = setTimeout(() => timeout(`the circuit profile took longer than ${seconds(totalMs)}`), totalMs);
    const onData = (chunk: Buffer | string): void => {
      arm();
      try {
        extractor.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (e) {
        finish(protocol(a, e instanceof CircuitProfileError ? e.message : String(e)));
      }
    };
    body.on('data', onData);
    body.once('end', () => {
      try {
        finish({ ok: true, value: extractor.end() });
      } catch (e) {
        finish(protocol(a, e instanceof CircuitProfileError ? e.message : String(e)));
      }
    });
    body.once('error', (err: Error) => {
      const apiError: ApiError =
        err instanceof FelderaStreamError ? err.apiError : { kind: 'network', message: err.message };
      finish({ ok: false, error: apiError });
    });
    arm();
  });
}

/** Reads a body as UTF-8 up to `limit` bytes; beyond that it stops reading and says so. */
function readText(body: NodeJS.ReadableStream, limit: number): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean): void => {
      cleanup();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated });
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const room = limit - size;
      chunks.push(buf.length > room ? buf.subarray(0, room) : buf);
      size += Math.min(buf.length, room);
      if (buf.length >= room && size >= limit) {
        body.pause();
        done(true);
      }
    };
    const onEnd = (): void => done(false);
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      body.removeListener('data', onData);
      body.removeListener('end', onEnd);
      body.removeListener('error', onError);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}
