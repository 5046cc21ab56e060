// Works out what to profile from a command argument, or asks: pipeline, host, duration, target folder.
import vscode = require('vscode');
import { describeApiError, describeKeyProblem, keyProblem } from '../feldera/errors';
import type { ApiError } from '../feldera/types';
import type { PipelinesModel } from '../pipelines/pipelinesModel';
import { isProfilable, presentStatus } from '../pipelines/status';
import { isTreeNode } from '../pipelines/treeNodes';
import { profilesFolderIn } from '../download/profilesFolder';
import type { ServerEntry, ServerRegistry } from '../servers/serverRegistry';

export interface SamplyTarget {
  server: ServerEntry;
  pipeline: string;
  /** Hosts to fetch from; `undefined` entry = no ordinal sent (single-host pipeline, server default). */
  ordinals: (number | undefined)[];
  /** Pipeline has more than one host: file names get `-host<K>`. */
  multihost: boolean;
}

export interface SamplyArgs {
  server?: string;
  pipeline?: string;
  ordinal?: number | 'all';
  durationSeconds?: number;
}

/** A failed API call while working out the target: reported like the fetch's own errors (401 once, next steps). */
export class ApiCallError extends Error {
  constructor(
    readonly apiError: ApiError,
    readonly server: ServerEntry,
    readonly pipeline: string,
  ) {
    super(describeApiError(apiError, { pipeline, server: server.name }));
  }
}

export const DURATION_CHOICES = [30, 60, 120, 300];
const MAX_DURATION = 3600;

/** Reads the programmatic argument or tree item; throws an Error with a clear message when it is malformed. */
export function parseSamplyArgs(arg: unknown): SamplyArgs & { serverEntry?: ServerEntry } {
  if (arg === undefined || arg === null) return {};
  if (isTreeNode(arg)) {
    if (arg.kind === 'pipeline') return { serverEntry: arg.server, pipeline: arg.name };
    if (arg.kind === 'host') return { serverEntry: arg.server, pipeline: arg.pipeline, ordinal: arg.ordinal };
    throw new Error('Pick a pipeline (or one of its hosts) in the Pipelines view.');
  }
  if (typeof arg !== 'object') throw new Error('Expected { server?, pipeline, ordinal?, durationSeconds? }.');
  const a = arg as Record<string, unknown>;
  if (a.pipeline !== undefined && (typeof a.pipeline !== 'string' || !a.pipeline))
    throw new Error('"pipeline" must be a non-empty string.');
  if (a.server !== undefined && typeof a.server !== 'string') throw new Error('"server" must be a server name or URL.');
  if (a.ordinal !== undefined && a.ordinal !== 'all' && !(Number.isInteger(a.ordinal) && (a.ordinal as number) >= 0))
    throw new Error('"ordinal" must be a host number (0, 1, …) or "all".');
  if (a.durationSeconds !== undefined && !validDuration(a.durationSeconds))
    throw new Error(`"durationSeconds" must be a whole number of seconds from 1 to ${MAX_DURATION}.`);
  return {
    server: a.server as string | undefined,
    pipeline: a.pipeline as string | undefined,
    ordinal: a.ordinal as number | 'all' | undefined,
    durationSeconds: a.durationSeconds as number | undefined,
  };
}

export function validDuration(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_DURATION;
}

/** What the resolver tells the rest of the extension while it asks. */
export interface ResolverHooks {
  /** A server answered the pipeline pick with a key problem: tell the user (once per key, see ErrorPresenter). */
  keyProblem(server: ServerEntry, error: ApiError): void;
  /** A step nobody waits for failed (a bug): log it. */
  unexpected(e: unknown): void;
}

/** A row of the pipeline pick: a pipeline, or a server's error that accepting acts on. */
type PipelineItem = vscode.QuickPickItem & { server?: ServerEntry; pipeline?: string; action?: 'setKey' | 'retry' };

export class SamplyTargetResolver {
  constructor(
    private readonly registry: ServerRegistry,
    private readonly model: PipelinesModel,
    private readonly hooks: ResolverHooks = { keyProblem: () => undefined, unexpected: () => undefined },
  ) {}

  /** Undefined when the user cancelled a picker. */
  async resolve(arg: unknown, purpose: string): Promise<SamplyTarget | undefined> {
    const a = parseSamplyArgs(arg);
    let server = a.serverEntry;
    if (!server && a.server !== undefined) {
      server = this.registry.find(a.server);
      if (!server) throw new Error(`No configured Feldera server is named "${a.server}".`);
    }
    let pipeline = a.pipeline;
    if (pipeline === undefined) {
      const picked = await this.pickPipeline(server, purpose);
      if (!picked) return undefined;
      ({ server, pipeline } = picked);
    }
    if (!server) {
      const all = this.registry.list();
      if (all.length === 0) throw new Error('No Feldera server is configured. Run "Feldera: Add Server…" first.');
      if (all.length > 1)
        throw new Error(
          `Several Feldera servers are configured: say which one with "server" (${all.map((s) => s.name).join(', ')}).`,
        );
      server = all[0];
    }

    const hostsResult = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Feldera: looking up ${pipeline}` },
      () => this.model.loadHosts(server.url, pipeline),
    );
    if (!hostsResult.ok) throw new ApiCallError(hostsResult.error, server, pipeline);
    const hosts = hostsResult.hosts;
    const multihost = hosts > 1;
    let ordinal = a.ordinal;
    if (typeof ordinal === 'number' && ordinal >= hosts)
      throw new Error(
        `${pipeline} has ${hosts} host${hosts === 1 ? '' : 's'} (0..${hosts - 1}); there is no host ${ordinal}.`,
      );
    // Picked or clicked: ask which host. A programmatic argument without "ordinal" means the server's default, host 0.
    const fromObject = arg !== undefined && !isTreeNode(arg) && a.pipeline !== undefined;
    if (ordinal === undefined && multihost && !fromObject) {
      const pick = await pickHost(pipeline, hosts);
      if (pick === undefined) return undefined;
      ordinal = pick;
    }
    const ordinals: (number | undefined)[] =
      ordinal === 'all'
        ? Array.from({ length: hosts }, (_, i) => i)
        : [ordinal === undefined ? (multihost ? 0 : undefined) : ordinal];
    return { server, pipeline, ordinals, multihost };
  }

  /**
   * Asks for a pipeline (of `only`, or of every server). A server whose key is refused shows a "Set API Key…" row:
   * accepting it sets the key and, once the server takes it, asks again.
   */
  private async pickPipeline(
    only: ServerEntry | undefined,
    purpose: string,
  ): Promise<{ server: ServerEntry; pipeline: string } | undefined> {
    const servers = only ? [only] : [...this.registry.list()];
    if (servers.length === 0) throw new Error('No Feldera server is configured. Run "Feldera: Add Server…" first.');
    for (;;) {
      const choice = await this.showPipelinePick(servers, purpose);
      if (!choice?.server) return undefined;
      if (choice.pipeline !== undefined) return { server: choice.server, pipeline: choice.pipeline };
      if (!(await this.setKeyFor(choice.server))) return undefined;
    }
  }

  /** The pick itself: shown at once from what is known, refreshed while open; undefined when dismissed. */
  private async showPipelinePick(servers: ServerEntry[], purpose: string): Promise<PipelineItem | undefined> {
    const qp = vscode.window.createQuickPick<PipelineItem>();
    qp.title = `Feldera: ${purpose}`;
    qp.placeholder = 'Pick a pipeline (running and paused ones first)';
    qp.matchOnDescription = true;
    // Opened from the tree, the tree takes the focus back when it redraws: the pick must not close then.
    qp.ignoreFocusOut = true;
    qp.items = this.pipelineItems(servers);
    qp.show();
    let open = true;
    const refresh = (which: ServerEntry[]): void => {
      qp.busy = true;
      Promise.all(which.map((s) => this.model.refresh(s.url)))
        .then(() => {
          // Dismissed meanwhile: the pick is gone, and so is the point of telling anyone.
          if (!open) return;
          qp.items = this.pipelineItems(servers);
          qp.busy = false;
          this.announceKeyProblems(which);
        })
        .catch((e: unknown) => this.hooks.unexpected(e));
    };
    refresh(servers);
    const subscriptions: vscode.Disposable[] = [];
    try {
      return await new Promise<PipelineItem | undefined>((resolve) => {
        subscriptions.push(
          qp.onDidAccept(() => {
            const sel = qp.selectedItems[0];
            if (sel?.action === 'retry' && sel.server) refresh([sel.server]);
            else if (sel?.server) resolve(sel);
          }),
          qp.onDidHide(() => resolve(undefined)),
        );
      });
    } finally {
      open = false;
      subscriptions.forEach((d) => d.dispose());
      qp.dispose();
    }
  }

  /** The rows: per server (under its name when there are several), its pipelines or its error as an action. */
  private pipelineItems(servers: ServerEntry[]): PipelineItem[] {
    const items: PipelineItem[] = [];
    for (const s of servers) {
      const state = this.model.state(s.url);
      if (servers.length > 1) items.push({ label: s.name, kind: vscode.QuickPickItemKind.Separator });
      if (state.kind === 'error') {
        items.push(errorItem(s, state.error));
        continue;
      }
      if (state.kind !== 'ok') continue;
      const list = [...state.pipelines.values()].sort(
        (x, y) => Number(isProfilable(y)) - Number(isProfilable(x)) || x.name.localeCompare(y.name),
      );
      for (const p of list) {
        const pres = presentStatus(p);
        items.push({
          label: `$(${pres.icon.replace('~spin', '')}) ${p.name}`,
          description: pres.description,
          detail: isProfilable(p) ? undefined : 'Not running: samply needs a running or paused pipeline',
          server: s,
          pipeline: p.name,
        });
      }
    }
    if (!items.some((i) => i.pipeline || i.action)) items.push({ label: 'No pipelines', alwaysShow: true });
    return items;
  }

  private announceKeyProblems(servers: ServerEntry[]): void {
    for (const s of servers) {
      const state = this.model.state(s.url);
      if (state.kind === 'error' && keyProblem(state.error)) this.hooks.keyProblem(s, state.error);
    }
  }

  /** Runs Set API Key… for `server`; true when the server then takes the key (the pick is worth showing again). */
  private async setKeyFor(server: ServerEntry): Promise<boolean> {
    await vscode.commands.executeCommand('feldera.setApiKey', server.name);
    await this.model.refresh(server.url);
    const state = this.model.state(server.url);
    return !(state.kind === 'error' && keyProblem(state.error));
  }
}

/** A server's error as a row that does something: "Set API Key…" for a key problem, else "Retry". */
function errorItem(server: ServerEntry, error: ApiError): PipelineItem {
  if (keyProblem(error))
    return {
      label: `$(key) Set API Key… for ${server.name}`,
      detail: describeKeyProblem(error, { server: server.name }),
      alwaysShow: true,
      server,
      action: 'setKey',
    };
  return {
    label: `$(refresh) Retry ${server.name}`,
    detail: describeApiError(error, { server: server.name }),
    alwaysShow: true,
    server,
    action: 'retry',
  };
}

async function pickHost(pipeline: string, hosts: number): Promise<number | 'all' | undefined> {
  type Item = vscode.QuickPickItem & { ordinal: number | 'all' };
  const items: Item[] = Array.from({ length: hosts }, (_, i) => ({ label: `Host ${i}`, ordinal: i }));
  items.push({ label: 'All hosts', description: `${hosts} profiles, fetched in parallel`, ordinal: 'all' });
  const pick = await vscode.window.showQuickPick(items, {
    title: `Feldera: ${pipeline} runs on ${hosts} hosts`,
    placeHolder: 'Which host?',
    ignoreFocusOut: true,
  });
  return pick?.ordinal;
}

export async function pickDuration(defaultSeconds: number): Promise<number | undefined> {
  type Item = vscode.QuickPickItem & { seconds?: number };
  const items: Item[] = DURATION_CHOICES.map((s) => ({
    label: `${s} s`,
    description: s === defaultSeconds ? 'default' : undefined,
    seconds: s,
  }));
  items.push({ label: 'Custom…', description: `1 to ${MAX_DURATION} seconds` });
  const qp = await vscode.window.showQuickPick(items, {
    title: 'Feldera: how long should samply record?',
    placeHolder: 'Duration of the collection',
    ignoreFocusOut: true,
  });
  if (!qp) return undefined;
  if (qp.seconds) return qp.seconds;
  const v = await vscode.window.showInputBox({
    title: 'Feldera: collection duration',
    prompt: `Seconds, 1 to ${MAX_DURATION}`,
    value: String(defaultSeconds),
    ignoreFocusOut: true,
    validateInput: (t) =>
      validDuration(Number(t.trim())) && /^\d+$/.test(t.trim())
        ? undefined
        : `A whole number from 1 to ${MAX_DURATION}.`,
  });
  return v === undefined ? undefined : Number(v.trim());
}

/** The absolute folder profiles go to: `feldera.profiles.folder` inside the workspace folder, or one the user picks. */
export async function resolveProfilesFolder(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Save Profiles Here',
      title: 'Feldera: no folder is open — where should the profile go?',
    });
    return picked?.[0]?.fsPath;
  }
  const folder =
    folders.length === 1
      ? folders[0]
      : await vscode.window.showWorkspaceFolderPick({
          placeHolder: 'Save the profile in which workspace folder?',
          ignoreFocusOut: true,
        });
  if (!folder) return undefined;
  if (folder.uri.scheme !== 'file' && folder.uri.scheme !== 'vscode-remote')
    throw new Error(`Profiles can only be saved in a folder on disk; ${folder.name} is ${folder.uri.scheme}:.`);
  const setting = vscode.workspace.getConfiguration('feldera', folder.uri).get<unknown>('profiles.folder');
  return profilesFolderIn(folder.uri.fsPath, setting);
}
