// ApiError values → one human sentence each, plus small predicates the UI uses to pick the next step.
import { redactSecrets } from './parsers';
import { describeTransportError } from './transportErrors';
import type { ApiError } from './types';

/** What the request was about, for the sentence. `server` is a name or URL the user recognises. */
export interface ApiErrorContext {
  pipeline?: string;
  server?: string;
}

/** 408, 502, 503, 504: the answers an idempotent request is retried on. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 502 || status === 503 || status === 504;
}

/** Feldera's `error_code` (e.g. `NoSamplyProfile`), when the server sent one. */
export function apiErrorCode(e: ApiError): string | undefined {
  return e.kind === 'feldera' ? e.errorCode : undefined;
}

/** The HTTP status when an answer came. Takes any error value (a download's too): only answers carry one. */
export function apiErrorStatus(e: ApiError | { readonly kind: string }): number | undefined {
  if (e.kind !== 'feldera' && e.kind !== 'http' && e.kind !== 'protocol') return undefined;
  const status = (e as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** 401: the key is missing, wrong or expired. */
export function isAuthError(e: ApiError | { readonly kind: string }): boolean {
  return apiErrorStatus(e) === 401;
}

/** 403: the key works but its role is too low for this. */
export function isPermissionError(e: ApiError | { readonly kind: string }): boolean {
  return apiErrorStatus(e) === 403;
}

/**
 * What is wrong with the API key, if that is what an error says — the one place this is decided.
 * - `rejected` (401): the server does not accept the key (missing, wrong, expired).
 * - `forbidden` (403): the server accepts the key, but its role may not do this.
 * Either way "Set API Key…" is the next step (another key, or one with more rights); the words differ. A 401 or 403
 * page of a proxy (an answer without Feldera's body that came through a `Via`) is the proxy's, not a key problem.
 */
export type KeyProblem = 'rejected' | 'forbidden';

export function keyProblem(e: ApiError | { readonly kind: string }): KeyProblem | undefined {
  // A proxy's own page (it names itself in Via, the body is not Feldera's) says nothing about the key: its sentence
  // and fix are the proxy's (./transportErrors.ts).
  if (e.kind === 'http' && (e as { via?: unknown }).via) return undefined;
  if (isAuthError(e)) return 'rejected';
  if (isPermissionError(e)) return 'forbidden';
  return undefined;
}

/** The sentence for an error `keyProblem` names: what the server said and what to do. */
export function describeKeyProblem(e: ApiError | { readonly kind: string }, context: ApiErrorContext = {}): string {
  const server = context.server ? `the Feldera server ${quote(context.server)}` : 'the Feldera server';
  const message = e.kind === 'feldera' ? String((e as { message?: unknown }).message ?? '').trim() : '';
  const said = message ? ` ("${withoutFinalStop(message)}")` : '';
  const sentence =
    keyProblem(e) === 'forbidden'
      ? `The API key for ${server} is not allowed to do this${context.pipeline !== undefined ? ` on pipeline ${quote(context.pipeline)}` : ''} (HTTP 403${said}). Set a key with more rights.`
      : `${capitalize(server)} rejected the API key (HTTP 401${said}). Set a valid key.`;
  return redactSecrets(sentence);
}

/** Nothing collected yet on that host — "Collect Samply Profile…" is the next step. */
export function isNoSamplyProfile(e: ApiError): boolean {
  return apiErrorCode(e) === 'NoSamplyProfile';
}

/** Worth trying again later (the client already retried idempotent calls for a while). */
export function isTransientError(e: ApiError): boolean {
  if (e.kind === 'network' || e.kind === 'timeout') return true;
  const status = apiErrorStatus(e);
  return status !== undefined && isRetryableStatus(status);
}

const NETWORK_PHRASES = new Map<string, string>(
  Object.entries({
    ECONNREFUSED: 'the connection was refused (is the server running, and is the port right?)',
    ECONNRESET: 'the connection was reset',
    ENOTFOUND: 'the host name could not be resolved',
    EAI_AGAIN: 'the host name could not be resolved (temporary DNS failure)',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
    ETIMEDOUT: 'the connection timed out',
    EPIPE: 'the connection was closed while sending',
    ERR_STREAM_PREMATURE_CLOSE: 'the connection closed before the answer was complete',
  }),
);

const HTTP_HINTS = new Map<number, string>([
  [401, 'authentication is required or the API key was rejected'],
  [403, 'the API key does not have permission for this'],
  [404, 'not found; check the server URL, including any path prefix'],
  [408, 'the request timed out'],
  [502, 'a proxy in front of Feldera could not reach it'],
  [503, 'the service is unavailable'],
  [504, 'a proxy in front of Feldera timed out waiting for it'],
]);

/**
 * One clear sentence for the user. Uses the server's own `message` when it sent one; never contains a credential.
 * The UI adds the next step (Set API Key…, Collect Samply Profile…, Open Logs).
 */
export function describeApiError(e: ApiError, context: ApiErrorContext = {}): string {
  const server = context.server ? `the Feldera server ${quote(context.server)}` : 'the Feldera server';
  const forPipeline = context.pipeline !== undefined ? ` for pipeline ${quote(context.pipeline)}` : '';
  // TLS failures and proxies' answers: their own sentences, with the fix (./transportErrors.ts).
  const transport = describeTransportError(e, server, forPipeline);
  if (transport) return redactSecrets(transport);
  let sentence: string;
  switch (e.kind) {
    case 'feldera': {
      sentence = `${capitalize(server)} answered${forPipeline}: ${withoutFinalStop(e.message.trim())} (${e.errorCode}).`;
      break;
    }
    case 'http': {
      const statusLine = `HTTP ${e.status}${e.statusText ? ` ${e.statusText}` : ''}`;
      const hint = HTTP_HINTS.has(e.status) ? `: ${HTTP_HINTS.get(e.status)}` : '';
      const snippet = e.snippet ? ` (it said: "${e.snippet}")` : '';
      sentence = `${capitalize(server)} answered ${statusLine}${forPipeline}${hint}${snippet}.`;
      break;
    }
    case 'network': {
      const why = (e.code && NETWORK_PHRASES.get(e.code)) || withoutFinalStop(e.message) || 'no connection';
      const code = e.code && !why.includes(e.code) ? ` (${e.code})` : '';
      sentence = `Could not reach ${server}${forPipeline}: ${why}${code}.`;
      break;
    }
    case 'timeout':
      sentence = `${capitalize(server)} did not answer in time${forPipeline}${e.message ? `: ${withoutFinalStop(e.message)}` : ''}.`;
      break;
    case 'cancelled':
      sentence = `The request${forPipeline} was cancelled.`;
      break;
    case 'protocol':
      sentence =
        `${capitalize(server)} sent an unexpected answer (HTTP ${e.status})${forPipeline}: ${withoutFinalStop(e.message)}` +
        '. Is this URL really a Feldera pipeline manager?';
      break;
  }
  return redactSecrets(sentence);
}

function quote(s: string): string {
  return `"${s}"`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function withoutFinalStop(s: string): string {
  return s.replace(/[.\s]+$/, '');
}
