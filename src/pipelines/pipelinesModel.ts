// The pipelines of each server, as last fetched. Holds state and tells listeners what changed; never shows UI and
// imports no vscode, so it is tested in plain Node against the emulator.
//
// Each server loads and refreshes on its own: a server that never answers holds up nobody else, and every refresh is
// bounded (`refreshTimeoutMs`) whatever the client's own timeouts. Removing a server forgets everything about it and
// aborts its requests; dispose() aborts every request, so none outlives the extension.
import type { ApiError, FelderaApi, PipelineInfo } from '../feldera/types';

export interface ServerRef {
  name: string;
  url: string;
}

export type ServerState =
  | { kind: 'idle' }
  | { kind: 'ok'; pipelines: ReadonlyMap<string, PipelineInfo>; at: number }
  | { kind: 'error'; error: ApiError; at: number };

export interface ModelChange {
  serverUrl: string;
  /** The server's own item changed (state, version, pipelines added or removed). */
  server: boolean;
  /** Names of pipelines whose status changed. */
  pipelines: string[];
}

export interface PipelinesModelOptions {
  /** Longest one refresh of one server may take (listing and version), however slow the server: then `timeout`. */
  refreshTimeoutMs?: number;
  /**
   * The server version is read again every this many listings (and whenever a server comes back after an error,
   * which is how an upgrade usually shows). /v0/config with every listing would double the background requests
   * for a value that changes only on an upgrade; every 30th (5 minutes at the default 10 s) still catches a rolling
   * upgrade that never showed an error.
   */
  versionEvery?: number;
  /** A bug (an exception, not an error answer) while refreshing: refreshes never reject, they report it here. */
  onUnexpectedError?: (e: unknown) => void;
}

export const DEFAULT_REFRESH_TIMEOUT_MS = 8_000;
export const DEFAULT_VERSION_EVERY = 30;

/** Fields that change what the tree shows. */
const SHOWN_FIELDS = [
  'deployment_status',
  'deployment_desired_status',
  'program_status',
  'deployment_runtime_status',
  'description',
  'version',
] as const;

type Version = { version?: string; edition?: string };

export class PipelinesModel {
  private readonly states = new Map<string, ServerState>();
  private readonly inFlight = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private readonly versions = new Map<string, Version>();
  /** Listings since the version was last read, by server URL. */
  private readonly sinceVersion = new Map<string, number>();
  /** Host counts by server URL + pipeline name, valid for one pipeline version. */
  private readonly hostCache = new Map<string, { version: unknown; hosts: number }>();
  private readonly listeners = new Set<(c: ModelChange) => void>();
  private readonly lifetime = new AbortController();
  private readonly refreshTimeoutMs: number;
  private readonly versionEvery: number;
  private servers: ServerRef[] = [];

  constructor(
    private readonly clientFor: (server: ServerRef) => Promise<FelderaApi>,
    private readonly options: PipelinesModelOptions = {},
  ) {
    this.refreshTimeoutMs = options.refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
    this.versionEvery = Math.max(1, Math.floor(options.versionEvery ?? DEFAULT_VERSION_EVERY));
  }

  onDidChange(listener: (c: ModelChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The servers to show. A server no longer listed is forgotten: its state, version, host counts and requests. */
  setServers(servers: readonly ServerRef[]): void {
    const keep = new Set(servers.map((s) => s.url));
    for (const url of new Set([...this.states.keys(), ...this.versions.keys(), ...this.inFlight.keys()])) {
      if (keep.has(url)) continue;
      this.inFlight.get(url)?.abort.abort();
      this.inFlight.delete(url);
      this.states.delete(url);
      this.versions.delete(url);
      this.sinceVersion.delete(url);
    }
    for (const key of [...this.hostCache.keys()])
      if (!keep.has(key.slice(0, key.indexOf('\n')))) this.hostCache.delete(key);
    this.servers = [...servers];
  }

  listServers(): readonly ServerRef[] {
    return this.servers;
  }

  state(serverUrl: string): ServerState {
    return this.states.get(serverUrl) ?? { kind: 'idle' };
  }

  /** True while a refresh of that server runs. */
  isLoading(serverUrl: string): boolean {
    return this.inFlight.has(serverUrl);
  }

  serverVersion(serverUrl: string): Version | undefined {
    return this.versions.get(serverUrl);
  }

  pipeline(serverUrl: string, name: string): PipelineInfo | undefined {
    const s = this.state(serverUrl);
    return s.kind === 'ok' ? s.pipelines.get(name) : undefined;
  }

  /** Host count if known for the pipeline's current version. */
  hosts(serverUrl: string, name: string): number | undefined {
    const cached = this.hostCache.get(`${serverUrl}\n${name}`);
    const current = this.pipeline(serverUrl, name);
    if (!cached) return undefined;
    if (current && current.version !== undefined && current.version !== cached.version) return undefined;
    return cached.hosts;
  }

  /** Starts the server's first load unless it has one; resolves when it is done. */
  ensureLoaded(serverUrl: string): Promise<void> {
    return this.state(serverUrl).kind === 'idle' ? this.refresh(serverUrl) : Promise.resolve();
  }

  /**
   * Refreshes one server, or each of them (independently: the promise resolves when all are done). A refresh asked
   * for while one runs joins it: never two requests at once. Never rejects.
   */
  refresh(serverUrl?: string): Promise<void> {
    if (serverUrl === undefined) return Promise.all(this.servers.map((s) => this.refresh(s.url))).then(() => undefined);
    if (this.lifetime.signal.aborted) return Promise.resolve();
    const running = this.inFlight.get(serverUrl);
    if (running) return running.done;
    const server = this.servers.find((s) => s.url === serverUrl);
    if (!server) return Promise.resolve();
    const abort = new AbortController();
    const entry = {
      abort,
      done: this.load(server, abort.signal)
        .catch((e: unknown) => this.options.onUnexpectedError?.(e))
        .finally(() => {
          if (this.inFlight.get(serverUrl) === entry) this.inFlight.delete(serverUrl);
        }),
    };
    this.inFlight.set(serverUrl, entry);
    return entry.done;
  }

  /**
   * Fetches `runtime_config.hosts` (needs selector=all) and caches it until the pipeline's version changes. Tells
   * listeners only when what the tree shows changes (a count above one): a needless tree refresh takes the focus
   * back to the tree, and with it away from a picker just opened from there.
   */
  async loadHosts(
    serverUrl: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ ok: true; hosts: number } | { ok: false; error: ApiError }> {
    const known = this.hosts(serverUrl, name);
    if (known !== undefined) return { ok: true, hosts: known };
    const server = this.servers.find((s) => s.url === serverUrl) ?? { name: serverUrl, url: serverUrl };
    const api = await this.clientFor(server);
    const both = signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal;
    const r = await api.getPipeline(name, 'all', both);
    if (!r.ok) return r;
    const raw = r.value.runtime_config?.hosts;
    const hosts = typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 ? raw : 1;
    if (this.lifetime.signal.aborted || !this.servers.some((s) => s.url === serverUrl)) return { ok: true, hosts };
    const shownBefore = this.hosts(serverUrl, name) ?? 1;
    this.hostCache.set(`${serverUrl}\n${name}`, { version: r.value.version, hosts });
    if (shownBefore !== hosts) this.emit({ serverUrl, server: false, pipelines: [name] });
    return { ok: true, hosts };
  }

  /** Aborts every request and stops for good: later refreshes do nothing, nobody is told anything more. */
  dispose(): void {
    this.lifetime.abort();
    for (const { abort } of this.inFlight.values()) abort.abort();
    this.inFlight.clear();
    this.listeners.clear();
  }

  private async load(server: ServerRef, removed: AbortSignal): Promise<void> {
    const url = server.url;
    const before = this.state(url);
    const timedOut = new AbortController();
    const timer = setTimeout(() => timedOut.abort(), this.refreshTimeoutMs);
    const signal = AbortSignal.any([removed, timedOut.signal, this.lifetime.signal]);
    // Removed or disposed meanwhile: nothing of this refresh is kept.
    const gone = () => removed.aborted || this.lifetime.signal.aborted;
    const bounded = (e: ApiError): ApiError =>
      e.kind === 'cancelled' && timedOut.signal.aborted
        ? { kind: 'timeout', message: `no answer within ${seconds(this.refreshTimeoutMs)}` }
        : e;
    try {
      let api: FelderaApi;
      try {
        api = await this.clientFor(server);
      } catch (e) {
        if (!gone()) this.setError(url, before, { kind: 'network', message: String(e) });
        return;
      }
      const r = await api.listPipelines('status', signal);
      if (gone()) return;
      if (!r.ok) {
        this.setError(url, before, bounded(r.error));
        return;
      }
      const versionChanged = await this.readVersionIfDue(api, url, before, signal);
      if (gone()) return;
      const next = new Map(r.value.map((p) => [p.name, p] as const));
      this.states.set(url, { kind: 'ok', pipelines: next, at: Date.now() });
      if (before.kind !== 'ok') {
        this.emit({ serverUrl: url, server: true, pipelines: [] });
        return;
      }
      const structure =
        versionChanged || before.pipelines.size !== next.size || [...next.keys()].some((n) => !before.pipelines.has(n));
      const changed = [...next.values()]
        .filter((p) => {
          const old = before.pipelines.get(p.name);
          return old && SHOWN_FIELDS.some((f) => old[f] !== p[f]);
        })
        .map((p) => p.name);
      if (structure || changed.length) this.emit({ serverUrl: url, server: structure, pipelines: changed });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads /v0/config when never read, after an error, or every `versionEvery` listings. True when it changed. */
  private async readVersionIfDue(
    api: FelderaApi,
    url: string,
    before: ServerState,
    signal: AbortSignal,
  ): Promise<boolean> {
    const listings = (this.sinceVersion.get(url) ?? 0) + 1;
    const due = !this.versions.has(url) || before.kind !== 'ok' || listings >= this.versionEvery;
    if (!due) {
      this.sinceVersion.set(url, listings);
      return false;
    }
    const c = await api.serverConfig(signal);
    // Not read (a slow /v0/config, say): the listing still counts, and the next refresh tries again.
    if (!c.ok) return false;
    this.sinceVersion.set(url, 0);
    const old = this.versions.get(url);
    const next: Version = { version: c.value.version, edition: c.value.edition };
    this.versions.set(url, next);
    return old !== undefined && (old.version !== next.version || old.edition !== next.edition);
  }

  private setError(url: string, before: ServerState, error: ApiError): void {
    this.states.set(url, { kind: 'error', error, at: Date.now() });
    const same = before.kind === 'error' && JSON.stringify(before.error) === JSON.stringify(error);
    if (!same) this.emit({ serverUrl: url, server: true, pipelines: [] });
  }

  private emit(c: ModelChange): void {
    for (const l of this.listeners) {
      try {
        l(c);
      } catch (e) {
        this.options.onUnexpectedError?.(e);
      }
    }
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
