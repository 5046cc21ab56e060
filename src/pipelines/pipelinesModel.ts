// The pipelines of each server, as last fetched. Holds state and tells listeners what changed; never shows UI and
// imports no vscode, so it is tested in plain Node against the emulator.
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

/** Fields that change what the tree shows. */
const SHOWN_FIELDS = [
  'deployment_status',
  'deployment_desired_status',
  'program_status',
  'deployment_runtime_status',
  'description',
  'version',
] as const;

export class PipelinesModel {
  private readonly states = new Map<string, ServerState>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly versions = new Map<string, { version?: string; edition?: string }>();
  /** Host counts by server URL + pipeline name, valid for one pipeline version. */
  private readonly hostCache = new Map<string, { version: unknown; hosts: number }>();
  private readonly listeners = new Set<(c: ModelChange) => void>();
  private servers: ServerRef[] = [];

  constructor(private readonly clientFor: (server: ServerRef) => Promise<FelderaApi>) {}

  onDidChange(listener: (c: ModelChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  setServers(servers: readonly ServerRef[]): void {
    const keep = new Set(servers.map((s) => s.url));
    for (const url of [...this.states.keys()]) if (!keep.has(url)) this.states.delete(url);
    this.servers = [...servers];
  }

  listServers(): readonly ServerRef[] {
    return this.servers;
  }

  state(serverUrl: string): ServerState {
    return this.states.get(serverUrl) ?? { kind: 'idle' };
  }

  serverVersion(serverUrl: string): { version?: string; edition?: string } | undefined {
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

  /** Loads the server's pipelines once; later calls return at once. */
  async ensureLoaded(serverUrl: string): Promise<void> {
    if (this.state(serverUrl).kind === 'idle') await this.refresh(serverUrl);
  }

  /** Refreshes one server, or all. A refresh asked for while one runs joins it: never two requests at once. */
  refresh(serverUrl?: string): Promise<void> {
    if (serverUrl === undefined) return Promise.all(this.servers.map((s) => this.refresh(s.url))).then(() => undefined);
    const running = this.inFlight.get(serverUrl);
    if (running) return running;
    const server = this.servers.find((s) => s.url === serverUrl);
    if (!server) return Promise.resolve();
    const p = this.load(server).finally(() => this.inFlight.delete(serverUrl));
    this.inFlight.set(serverUrl, p);
    return p;
  }

  /** Fetches `runtime_config.hosts` (needs selector=all) and caches it until the pipeline's version changes. */
  async loadHosts(
    serverUrl: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ ok: true; hosts: number } | { ok: false; error: ApiError }> {
    const known = this.hosts(serverUrl, name);
    if (known !== undefined) return { ok: true, hosts: known };
    const server = this.servers.find((s) => s.url === serverUrl) ?? { name: serverUrl, url: serverUrl };
    const api = await this.clientFor(server);
    const r = await api.getPipeline(name, 'all', signal);
    if (!r.ok) return r;
    const raw = r.value.runtime_config?.hosts;
    const hosts = typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 ? raw : 1;
    this.hostCache.set(`${serverUrl}\n${name}`, { version: r.value.version, hosts });
    this.emit({ serverUrl, server: false, pipelines: [name] });
    return { ok: true, hosts };
  }

  private async load(server: ServerRef): Promise<void> {
    const before = this.state(server.url);
    let api: FelderaApi;
    try {
      api = await this.clientFor(server);
    } catch (e) {
      this.states.set(server.url, { kind: 'error', error: { kind: 'network', message: String(e) }, at: Date.now() });
      this.emit({ serverUrl: server.url, server: true, pipelines: [] });
      return;
    }
    const r = await api.listPipelines('status');
    if (!this.servers.some((s) => s.url === server.url)) return; // removed meanwhile
    if (!r.ok) {
      this.states.set(server.url, { kind: 'error', error: r.error, at: Date.now() });
      const same = before.kind === 'error' && JSON.stringify(before.error) === JSON.stringify(r.error);
      if (!same && before.kind !== 'idle') this.emit({ serverUrl: server.url, server: true, pipelines: [] });
      return;
    }
    if (!this.versions.has(server.url)) {
      const c = await api.serverConfig();
      if (c.ok) this.versions.set(server.url, { version: c.value.version, edition: c.value.edition });
    }
    const next = new Map(r.value.map((p) => [p.name, p] as const));
    this.states.set(server.url, { kind: 'ok', pipelines: next, at: Date.now() });
    // A first load changes nothing anyone has drawn yet (the tree waits for it before drawing the server).
    if (before.kind === 'idle') return;
    if (before.kind !== 'ok') {
      this.emit({ serverUrl: server.url, server: true, pipelines: [] });
      return;
    }
    const structure = before.pipelines.size !== next.size || [...next.keys()].some((n) => !before.pipelines.has(n));
    const changed = [...next.values()]
      .filter((p) => {
        const old = before.pipelines.get(p.name);
        return old && SHOWN_FIELDS.some((f) => old[f] !== p[f]);
      })
      .map((p) => p.name);
    if (structure || changed.length) this.emit({ serverUrl: server.url, server: structure, pipelines: changed });
  }

  private emit(c: ModelChange): void {
    for (const l of this.listeners) l(c);
  }
}
