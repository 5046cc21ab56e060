// The configured Feldera servers: user settings only (never a workspace's), or FELDERA_HOST when none is configured.
import vscode = require('vscode');
import { normalizeServerUrl, urlForMessage } from '../feldera/url';

export interface ServerEntry {
  /** Unique among the servers; shown in the tree. */
  name: string;
  /** Normalised base URL (no trailing slash). */
  url: string;
  /** scheme://host:port — what an API key belongs to. */
  origin: string;
  source: 'settings' | 'environment';
}

interface ServerSetting {
  name?: unknown;
  url?: unknown;
}

export class ServerRegistry implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private servers: ServerEntry[] = [];
  private problemList: string[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    this.reload();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('feldera.servers')) {
        this.reload();
        this.changed.fire();
      }
    });
  }

  list(): readonly ServerEntry[] {
    return this.servers;
  }

  /** Setting entries that were left out, each with the reason. */
  problems(): readonly string[] {
    return this.problemList;
  }

  /** By name, or by URL (any spelling that normalises to the same URL). */
  find(nameOrUrl: string): ServerEntry | undefined {
    const byName = this.servers.find((s) => s.name === nameOrUrl);
    if (byName) return byName;
    const n = normalizeServerUrl(nameOrUrl);
    return n.ok ? this.servers.find((s) => s.url === n.url) : undefined;
  }

  /** The user-level value only: a workspace or folder setting can never add or change a server. */
  private userSettings(): ServerSetting[] {
    const inspected = vscode.workspace.getConfiguration('feldera').inspect<unknown>('servers');
    const value = inspected?.globalValue;
    return Array.isArray(value) ? (value as ServerSetting[]) : [];
  }

  private reload(): void {
    const servers: ServerEntry[] = [];
    const problems: string[] = [];
    for (const [i, raw] of this.userSettings().entries()) {
      if (!raw || typeof raw !== 'object' || typeof raw.url !== 'string') {
        problems.push(`feldera.servers[${i}] has no "url"; it is ignored.`);
        continue;
      }
      const n = normalizeServerUrl(raw.url);
      if (!n.ok) {
        problems.push(`feldera.servers[${i}] ("${urlForMessage(raw.url)}"): ${n.message}`);
        continue;
      }
      if (servers.some((s) => s.url === n.url)) {
        problems.push(`feldera.servers[${i}]: ${n.url} is listed twice; the first entry is used.`);
        continue;
      }
      const wanted = typeof raw.name === 'string' && raw.name.trim() ? raw.name.trim() : defaultServerName(n.url);
      servers.push({ name: uniqueName(wanted, servers), url: n.url, origin: n.origin, source: 'settings' });
    }
    if (servers.length === 0 && problems.length === 0 && this.env.FELDERA_HOST) {
      const n = normalizeServerUrl(this.env.FELDERA_HOST);
      if (n.ok) servers.push({ name: defaultServerName(n.url), url: n.url, origin: n.origin, source: 'environment' });
      else problems.push(`FELDERA_HOST ("${urlForMessage(this.env.FELDERA_HOST)}"): ${n.message}`);
    }
    this.servers = servers;
    this.problemList = problems;
  }

  /** Adds or renames a server in the user settings. */
  async add(name: string, url: string): Promise<void> {
    const current = this.userSettings().filter((s) => {
      const n = typeof s?.url === 'string' ? normalizeServerUrl(s.url) : undefined;
      return !(n && n.ok && n.url === url);
    });
    current.push({ name, url });
    await vscode.workspace.getConfiguration('feldera').update('servers', current, vscode.ConfigurationTarget.Global);
    this.reload();
  }

  async remove(server: ServerEntry): Promise<void> {
    const kept = this.userSettings().filter((s) => {
      const n = typeof s?.url === 'string' ? normalizeServerUrl(s.url) : undefined;
      return !(n && n.ok && n.url === server.url);
    });
    await vscode.workspace.getConfiguration('feldera').update('servers', kept, vscode.ConfigurationTarget.Global);
    this.reload();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export function defaultServerName(url: string): string {
  try {
    const u = new URL(url);
    return u.host + (u.pathname !== '/' ? u.pathname : '');
  } catch {
    return url;
  }
}

function uniqueName(wanted: string, taken: ServerEntry[]): string {
  let name = wanted;
  for (let i = 2; taken.some((s) => s.name === name); i++) name = `${wanted} (${i})`;
  return name;
}
