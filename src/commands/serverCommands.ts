// Add Server…, Remove Server, Set API Key…, Forget API Key. Nothing is saved until every step has succeeded:
// cancelling at any point changes nothing.
import vscode = require('vscode');
import { describeApiError, describeKeyProblem, keyProblem } from '../feldera/errors';
import { inspectToken } from '../feldera/token';
import { isLoopbackHost, normalizeServerUrl, urlForMessage } from '../feldera/url';
import type { ApiResult, AuthConfig, ServerConfig } from '../feldera/types';
import type { ApiKeyStore } from '../servers/apiKeyStore';
import type { ServerConnections } from '../servers/connections';
import { defaultServerName, type ServerEntry, type ServerRegistry } from '../servers/serverRegistry';
import { isTreeNode } from '../pipelines/treeNodes';
import { logFailure, type Log } from '../ui/log';

export interface ServerCommandDeps {
  registry: ServerRegistry;
  keys: ApiKeyStore;
  connections: ServerConnections;
  log: Log;
}

/** A server from a command argument (name, URL or tree item), or asked for when there are several. */
export async function resolveServer(
  deps: ServerCommandDeps,
  arg: unknown,
  purpose: string,
): Promise<ServerEntry | undefined> {
  if (isTreeNode(arg) && arg.server) return deps.registry.find(arg.server.url);
  if (typeof arg === 'string') {
    const s = deps.registry.find(arg);
    if (!s) throw new Error(`No configured Feldera server is named "${arg}".`);
    return s;
  }
  const all = deps.registry.list();
  if (all.length === 0) {
    const pick = await vscode.window.showWarningMessage('Feldera: no server is configured.', 'Add Server…');
    if (pick) await vscode.commands.executeCommand('feldera.addServer');
    return undefined;
  }
  if (all.length === 1) return all[0];
  const pick = await vscode.window.showQuickPick(
    all.map((s) => ({ label: s.name, description: s.url, server: s })),
    { title: `Feldera: ${purpose}`, placeHolder: 'Pick a server' },
  );
  return pick?.server;
}

type Probe = { health: ApiResult<{ status: string }>; auth: ApiResult<AuthConfig> };

async function probe(deps: ServerCommandDeps, url: string, origin: string): Promise<Probe | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Feldera: checking ${url}…`, cancellable: true },
    async (_p, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      try {
        // A short retry window: the user is waiting for an answer about a server they just typed in.
        const api = await deps.connections.client({ name: url, url, origin }, '', { retryDeadlineMs: 3000 });
        const health = await api.health(ac.signal);
        if (ac.signal.aborted) return undefined;
        const auth = await api.authConfig(ac.signal);
        return ac.signal.aborted ? undefined : { health, auth };
      } finally {
        sub.dispose();
      }
    },
  );
}

async function verifyKey(
  deps: ServerCommandDeps,
  server: Pick<ServerEntry, 'name' | 'url' | 'origin'>,
  key: string,
): Promise<ApiResult<ServerConfig> | undefined> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Feldera: checking the key with ${server.name}…`,
      cancellable: true,
    },
    async (_p, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      try {
        const r = await (await deps.connections.client(server, key)).serverConfig(ac.signal);
        return ac.signal.aborted ? undefined : r;
      } finally {
        sub.dispose();
      }
    },
  );
}

/** Asks for a key in a password box until the server accepts it or the user gives up. Undefined = cancelled. */
async function askForKey(
  deps: ServerCommandDeps,
  server: Pick<ServerEntry, 'name' | 'url' | 'origin'>,
  prompt: string,
): Promise<{ key: string; config: ServerConfig } | undefined> {
  for (;;) {
    const key = await vscode.window.showInputBox({
      title: `Feldera: API key for ${server.name}`,
      prompt,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'apikey:… (or an OIDC access token)',
      validateInput: (v) => {
        const t = v.trim();
        if (!t) return 'Paste the API key.';
        if (/\s/.test(t)) return 'An API key has no spaces.';
        if (/[^\x21-\x7e]/.test(t)) return 'An API key has only printable ASCII characters.';
        const info = inspectToken(t);
        if (info.expired) return `This token expired on ${info.expiresAt?.toISOString()}. Get a new one.`;
        return undefined;
      },
    });
    if (key === undefined) return undefined;
    const trimmed = key.trim();
    if (!(await confirmPlainHttp(server.url))) return undefined;
    const r = await verifyKey(deps, server, trimmed);
    if (r === undefined) return undefined;
    if (r.ok) return { key: trimmed, config: r.value };
    const message = keyProblem(r.error)
      ? describeKeyProblem(r.error, { server: server.name })
      : `Could not check the key: ${describeApiError(r.error, { server: server.name })}`;
    const again = await vscode.window.showErrorMessage(`Feldera: ${message}`, 'Try Again');
    if (again !== 'Try Again') return undefined;
  }
}

/** A key over plain http to another machine can be read on the way: the user must accept that. */
async function confirmPlainHttp(url: string): Promise<boolean> {
  const u = new URL(url);
  if (u.protocol !== 'http:' || isLoopbackHost(u.hostname)) return true;
  const ok = await vscode.window.showWarningMessage(
    `${u.host} is reached over plain http: the API key would cross the network unencrypted.`,
    { modal: true, detail: 'Use an https URL if the server offers one.' },
    'Send Over http',
  );
  return ok === 'Send Over http';
}

function versionText(c: ServerConfig): string {
  return [c.version ? `Feldera ${c.version}` : 'Feldera', c.edition ? `(${c.edition})` : ''].filter(Boolean).join(' ');
}

/**
 * Add Server…: the URL, a check that it answers, the key if it needs one (verified), a name — then, and only then,
 * save. From a programmatic `{ name?, url }` nothing is asked: a problem is an error instead.
 */
export async function addServer(deps: ServerCommandDeps, arg?: unknown): Promise<void> {
  const given =
    arg && typeof arg === 'object' && !isTreeNode(arg) ? (arg as { name?: unknown; url?: unknown }) : undefined;
  const interactive = !given;
  const target = await serverUrl(given);
  if (!target) return;
  const { url, origin } = target;
  const p = await checkAnswers(deps, url, origin, interactive);
  if (!p) return;
  const access = await keyAndVersion(deps, p, { name: url, url, origin }, interactive);
  if (!access) return;
  const name = await serverName(given, url);
  if (name === undefined) return;

  // Everything succeeded: now save. The key first, so the new server's first refresh has it; if the settings cannot
  // be written (say the user's settings.json has errors), the key is put back as it was: no key without its server.
  const previousKey = access.key && (await deps.keys.hasStored(origin)) ? await deps.keys.get(origin) : undefined;
  if (access.key) await deps.keys.set(origin, access.key.key);
  try {
    await deps.registry.add(name, url);
  } catch (e) {
    if (access.key) {
      await (previousKey !== undefined ? deps.keys.set(origin, previousKey) : deps.keys.delete(origin)).catch(
        logFailure(deps.log, 'Add Server: putting the API key back'),
      );
    }
    throw e;
  }
  announceAdded(deps, name, url, p, access);
}

/** The URL from the argument, or asked for (undefined: cancelled); refused with a clear error when malformed. */
async function serverUrl(given: { url?: unknown } | undefined): Promise<{ url: string; origin: string } | undefined> {
  let rawUrl = typeof given?.url === 'string' ? given.url : undefined;
  if (given && rawUrl === undefined) throw new Error('feldera.addServer takes { name?, url }: "url" is missing.');
  if (rawUrl === undefined) {
    rawUrl = await vscode.window.showInputBox({
      title: 'Feldera: Add Server (1/2)',
      prompt: 'URL of the Feldera pipeline manager',
      placeHolder: 'http://localhost:8080',
      value: process.env.FELDERA_HOST ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => {
        const n = normalizeServerUrl(v);
        return n.ok ? undefined : n.message;
      },
    });
    if (rawUrl === undefined) return undefined;
  }
  const n = normalizeServerUrl(rawUrl);
  if (!n.ok) throw new Error(`Cannot add "${urlForMessage(rawUrl)}": ${n.message}`);
  return { url: n.url, origin: n.origin };
}

/** Probes the server; one that does not answer is added only if the user says so. Undefined: stop here. */
async function checkAnswers(
  deps: ServerCommandDeps,
  url: string,
  origin: string,
  interactive: boolean,
): Promise<Probe | undefined> {
  const p = await probe(deps, url, origin);
  if (!p || p.health.ok) return p;
  const why = describeApiError(p.health.error, { server: url });
  deps.log.warn(`Add Server: ${url} /healthz: ${why}`);
  if (!interactive) throw new Error(`${url} does not answer: ${why}`);
  const go = await vscode.window.showWarningMessage(
    `Feldera: ${url} does not answer (${why}). Add it anyway?`,
    { modal: true },
    'Add Anyway',
  );
  return go === 'Add Anyway' ? p : undefined;
}

interface Access {
  needsKey: boolean;
  /** A key typed in and accepted, to save with the server. */
  key?: { key: string; config: ServerConfig };
  /** The server's version, when it could be read. */
  config?: ServerConfig;
}

/**
 * Whether the server needs a key and, if so, one it accepts: the one already saved for its origin, or one asked
 * for (interactive only). Also reads the version. Undefined: the user cancelled the key.
 */
async function keyAndVersion(
  deps: ServerCommandDeps,
  p: Probe,
  server: Pick<ServerEntry, 'name' | 'url' | 'origin'>,
  interactive: boolean,
): Promise<Access | undefined> {
  const needsKey = p.auth.ok ? p.auth.value.kind !== 'none' : false;
  if (!needsKey) {
    if (!p.health.ok) return { needsKey };
    const r = await (await deps.connections.client(server)).serverConfig();
    return { needsKey, config: r.ok ? r.value : undefined };
  }
  const existingKey = await deps.keys.get(server.origin);
  if (existingKey) {
    const r = await verifyKey(deps, server, existingKey);
    if (r?.ok) return { needsKey, config: r.value };
  }
  if (!interactive) return { needsKey };
  const key = await askForKey(
    deps,
    server,
    `${server.url} requires an API key. It is kept in VS Code's secret storage.`,
  );
  return key ? { needsKey, key, config: key.config } : undefined;
}

/** The name from the argument, or asked for (prefilled with host and path); undefined: cancelled. */
async function serverName(given: { name?: unknown } | undefined, url: string): Promise<string | undefined> {
  if (typeof given?.name === 'string' && given.name.trim()) return given.name.trim();
  if (given) return defaultServerName(url);
  const name = await vscode.window.showInputBox({
    title: 'Feldera: Add Server (2/2)',
    prompt: 'A name to show in the Pipelines view',
    value: defaultServerName(url),
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Give the server a name.'),
  });
  return name?.trim();
}

function announceAdded(deps: ServerCommandDeps, name: string, url: string, p: Probe, access: Access): void {
  const what = access.config ? versionText(access.config) : 'Feldera';
  deps.log.info(`Added server ${name} (${url}): ${what}${access.needsKey ? ', API key required' : ''}`);
  if (access.needsKey && !access.config) {
    void vscode.window
      .showWarningMessage(`Feldera: added ${name}. It requires an API key.`, 'Set API Key…')
      .then((pick) => (pick ? vscode.commands.executeCommand('feldera.setApiKey', name) : undefined))
      .then(undefined, logFailure(deps.log, 'Set API Key… after Add Server'));
  } else {
    void vscode.window.showInformationMessage(
      `Feldera: added ${name} — ${what}${access.needsKey ? ', key accepted' : p.health.ok ? ', no API key needed' : ''}.`,
    );
  }
}

export async function removeServer(deps: ServerCommandDeps, arg?: unknown): Promise<void> {
  const server = await resolveServer(deps, arg, 'Remove Server');
  if (!server) return;
  if (server.source === 'environment')
    throw new Error(`${server.name} comes from the FELDERA_HOST environment variable; unset it to remove the server.`);
  const interactive = arg === undefined || isTreeNode(arg);
  if (interactive) {
    const ok = await vscode.window.showWarningMessage(
      `Remove ${server.name} (${server.url}) and forget its API key?`,
      { modal: true },
      'Remove',
    );
    if (ok !== 'Remove') return;
  }
  await deps.registry.remove(server);
  if (!deps.registry.list().some((s) => s.origin === server.origin)) await deps.keys.delete(server.origin);
  deps.log.info(`Removed server ${server.name} (${server.url})`);
}

export async function setApiKey(deps: ServerCommandDeps, arg?: unknown): Promise<void> {
  const server = await resolveServer(deps, arg, 'Set API Key');
  if (!server) return;
  const r = await askForKey(deps, server, `API key for ${server.url}. It is kept in VS Code's secret storage.`);
  if (!r) return;
  await deps.keys.set(server.origin, r.key);
  deps.log.info(`API key saved for ${server.origin}`);
  void vscode.window.showInformationMessage(`Feldera: key accepted by ${server.name} — ${versionText(r.config)}.`);
}

export async function clearApiKey(deps: ServerCommandDeps, arg?: unknown): Promise<void> {
  const server = await resolveServer(deps, arg, 'Forget API Key');
  if (!server) return;
  if (!(await deps.keys.hasStored(server.origin))) {
    void vscode.window.showInformationMessage(`Feldera: no API key is saved for ${server.name}.`);
    return;
  }
  await deps.keys.delete(server.origin);
  deps.log.info(`API key forgotten for ${server.origin}`);
  void vscode.window.showInformationMessage(`Feldera: forgot the API key for ${server.name}.`);
}
