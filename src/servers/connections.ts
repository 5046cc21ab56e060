// Builds a Feldera client for a server with the key saved for that server's origin (and no other), trusting the
// extra CAs of `feldera.tls.caCertificates` for https:// servers.
import { FelderaClient } from '../feldera/client';
import type { FelderaApi } from '../feldera/types';
import type { ApiKeyStore } from './apiKeyStore';
import type { ServerEntry } from './serverRegistry';
import type { Log } from '../ui/log';
import type { TrustedCas } from './trustedCas';

export class ServerConnections {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly log: Log,
    private readonly trustedCas?: Pick<TrustedCas, 'certificates'>,
  ) {}

  /**
   * `timing` shortens the client's patience (the tree's background refreshes, a URL just typed in):
   * `retryDeadlineMs` bounds how long idempotent GETs keep retrying, `requestTimeoutMs` each attempt.
   */
  async client(
    server: Pick<ServerEntry, 'name' | 'url' | 'origin'>,
    apiKeyOverride?: string,
    timing: { retryDeadlineMs?: number; requestTimeoutMs?: number } = {},
  ): Promise<FelderaApi> {
    const apiKey = apiKeyOverride ?? (await this.keys.get(server.origin));
    return new FelderaClient({
      baseUrl: server.url,
      apiKey,
      retry: timing.retryDeadlineMs === undefined ? undefined : { deadlineMs: timing.retryDeadlineMs },
      requestTimeoutMs: timing.requestTimeoutMs,
      tenant: process.env.FELDERA_TENANT || undefined,
      onRequest: (entry) => this.log.request(server.name, entry),
      caCertificates: server.url.startsWith('https:') ? this.trustedCas?.certificates() : undefined,
    });
  }
}
