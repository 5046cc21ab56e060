// Maps the model to tree items. Item objects are kept per id, so selection and expansion survive refreshes and
// change events name only the items that changed.
import vscode = require('vscode');
import { escapeMarkdown } from '../common/text';
import { describeApiError, describeKeyProblem, isTransientError, keyProblem } from '../feldera/errors';
import type { ApiError } from '../feldera/types';
import type { ApiKeyStore } from '../servers/apiKeyStore';
import type { ServerEntry, ServerRegistry } from '../servers/serverRegistry';
import type { ModelChange, PipelinesModel } from './pipelinesModel';
import { pipelineContextValue, pipelineTooltipMarkdown, presentStatus, isProfilable } from './status';
import type { HostNode, MessageNode, PipelineNode, ServerNode, TreeNode } from './treeNodes';

export class PipelinesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, TreeNode>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Whether a key is saved (or comes from FELDERA_API_KEY), by origin: read ahead, so items never wait for it. */
  private readonly keyInfo = new Map<string, { stored: boolean; fromEnvironment: boolean }>();
  private readonly keyLookups = new Set<string>();
  /** Host counts being fetched for an expanded pipeline, and the last failure to show, by pipeline node id. */
  private readonly hostLoads = new Set<string>();
  private readonly hostErrors = new Map<string, ApiError>();

  constructor(
    private readonly registry: ServerRegistry,
    private readonly model: PipelinesModel,
    private readonly keys: ApiKeyStore,
    private readonly onUnexpectedError: (e: unknown) => void = () => undefined,
  ) {
    this.disposables.push(
      this.changed,
      model.onDidChange((c) => this.queueChange(c)),
    );
  }

  private pending: ModelChange[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * VS Code drops an item's children when a change event for it (or an ancestor) is handled while it still waits for
   * those children: it clears its cache of them, then registers the late answer under the replaced item, and the
   * next answer collides with it ("already registered"). So getChildren and getTreeItem answer from memory and never
   * wait for the network or the secret storage (nothing can come in between), and what they start (a server's first
   * load, a pipeline's host count, key lookups) announces itself with a change event once done. Changes are passed
   * on after the current task, merged.
   */
  private queueChange(c: ModelChange): void {
    this.pending.push(c);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const changes = this.pending;
      this.pending = [];
      const nodes = new Map<string, TreeNode>();
      for (const ch of changes) {
        const server = this.registry.list().find((s) => s.url === ch.serverUrl);
        if (!server) continue;
        if (ch.server) nodes.set(`server:${server.url}`, this.serverNode(server));
        else for (const name of ch.pipelines) nodes.set(`${server.url}\n${name}`, this.pipelineNode(server, name));
      }
      // A server's refresh redraws its pipelines too.
      const servers = [...nodes.values()].filter((n) => n.kind === 'server');
      const items = [...nodes.values()].filter(
        (n) => n.kind === 'server' || !servers.some((s) => s.kind === 'server' && n.server?.url === s.server.url),
      );
      if (items.length) this.changed.fire(items);
    }, 0);
  }

  /** The whole tree changed (servers added or removed). */
  refreshAll(): void {
    this.changed.fire(undefined);
  }

  /** The key of `origin` was set or forgotten: its servers' items are redrawn once it has been read again. */
  keyChanged(origin: string): void {
    this.keyInfo.delete(origin);
    for (const s of this.registry.list()) if (s.origin === origin) this.lookUpKey(s);
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (!element) {
      const problems = this.registry.problems().map((p, i) =>
        this.messageNode(`problem:${i}`, undefined, p, 'warning', {
          command: 'workbench.action.openSettings',
          title: 'Open Settings',
          arguments: ['feldera.servers'],
        }),
      );
      // Every server is drawn at once ("connecting…" until its first load is done) and loads on its own.
      const servers = this.registry.list();
      for (const s of servers) {
        void this.model.ensureLoaded(s.url);
        this.lookUpKey(s);
      }
      return [...servers.map((s) => this.serverNode(s)), ...problems];
    }
    if (element.kind === 'server') return this.serverChildren(element.server);
    if (element.kind === 'pipeline') return this.pipelineChildren(element);
    return [];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'server':
        return this.serverItem(node);
      case 'pipeline':
        return this.pipelineItem(node);
      case 'host':
        return this.hostItem(node);
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
        item.tooltip = node.detail ?? node.label;
        item.command = node.command;
        item.contextValue = node.contextValue ?? 'message';
        return item;
      }
    }
  }

  /** Tooltips are built when hovered, not for every pipeline on every refresh (10,000 pipelines stay fast). */
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'pipeline' && !item.tooltip) {
      const info = this.model.pipeline(node.server.url, node.name) ?? { name: node.name };
      item.tooltip = new vscode.MarkdownString(
        pipelineTooltipMarkdown(info, this.model.hosts(node.server.url, node.name)),
      );
    }
    return item;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'pipeline') return this.serverNode(node.server);
    if (node.kind === 'host') return this.pipelineNode(node.server, node.pipeline);
    if (node.kind === 'message' && node.server)
      return node.pipeline !== undefined ? this.pipelineNode(node.server, node.pipeline) : this.serverNode(node.server);
    return undefined;
  }

  private serverChildren(server: ServerEntry): TreeNode[] {
    void this.model.ensureLoaded(server.url);
    const state = this.model.state(server.url);
    if (state.kind === 'error') {
      const e = state.error;
      return [
        keyProblem(e)
          ? this.messageNode('error', server, describeKeyProblem(e, { server: server.name }), 'key', {
              command: 'feldera.setApiKey',
              title: 'Set API Key…',
              arguments: [server.name],
            })
          : this.messageNode('error', server, describeApiError(e, { server: server.name }), 'error', {
              command: 'feldera.refreshPipelines',
              title: 'Retry',
              arguments: [server.name],
            }),
      ];
    }
    if (state.kind !== 'ok') return [this.messageNode('loading', server, 'Connecting…', 'loading~spin')];
    if (state.pipelines.size === 0) return [this.messageNode('empty', server, 'No pipelines', 'info')];
    const names = [...state.pipelines.keys()].sort((a, b) => a.localeCompare(b));
    return names.map((n) => this.pipelineNode(server, n));
  }

  /** The hosts when their count is known; otherwise "Loading hosts…" while it is fetched (or the failure, once). */
  private pipelineChildren(node: PipelineNode): TreeNode[] {
    const { server, name } = node;
    const count = this.model.hosts(server.url, name);
    if (count !== undefined) return Array.from({ length: count }, (_, i) => this.hostNode(server, name, i));
    const failed = this.hostErrors.get(node.id);
    if (failed) {
      // Shown once: collapsing and expanding the pipeline again (or its next redraw) tries again.
      this.hostErrors.delete(node.id);
      return [this.messageNode(`hosts:${name}`, server, describeApiError(failed), 'error', undefined, name)];
    }
    if (!this.hostLoads.has(node.id)) {
      this.hostLoads.add(node.id);
      void this.model
        .loadHosts(server.url, name)
        .then((r) => {
          if (!r.ok && r.error.kind !== 'cancelled') this.hostErrors.set(node.id, r.error);
        })
        .catch((e: unknown) => this.onUnexpectedError(e))
        .finally(() => {
          this.hostLoads.delete(node.id);
          this.queueChange({ serverUrl: server.url, server: false, pipelines: [name] });
        });
    }
    return [this.messageNode(`hosts:${name}`, server, 'Loading hosts…', 'loading~spin', undefined, name)];
  }

  /** Reads whether `server`'s origin has a key, once, and redraws its servers when the answer is in. */
  private lookUpKey(server: ServerEntry): void {
    const origin = server.origin;
    if (this.keyInfo.has(origin) || this.keyLookups.has(origin)) return;
    this.keyLookups.add(origin);
    void Promise.all([this.keys.hasStored(origin), this.keys.isFromEnvironment(origin)])
      .then(([stored, fromEnvironment]) => {
        this.keyInfo.set(origin, { stored, fromEnvironment });
        for (const s of this.registry.list())
          if (s.origin === origin) this.queueChange({ serverUrl: s.url, server: true, pipelines: [] });
      })
      .catch((e: unknown) => this.onUnexpectedError(e))
      .finally(() => this.keyLookups.delete(origin));
  }

  private serverItem(node: ServerNode): vscode.TreeItem {
    const { server } = node;
    const item = new vscode.TreeItem(server.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.id;
    const state = this.model.state(server.url);
    const version = this.model.serverVersion(server.url);
    const key = this.keyInfo.get(server.origin);
    const hasKey = key?.stored ?? false;
    if (state.kind === 'error') {
      const problem = keyProblem(state.error);
      item.description =
        problem === 'rejected'
          ? 'key rejected'
          : problem === 'forbidden'
            ? 'key not allowed'
            : isTransientError(state.error)
              ? 'unreachable'
              : 'error';
      item.iconPath = new vscode.ThemeIcon(
        'server',
        new vscode.ThemeColor(problem ? 'list.warningForeground' : 'errorForeground'),
      );
    } else {
      item.description =
        state.kind === 'ok'
          ? [version?.version ? `v${version.version}` : undefined, version?.edition].filter(Boolean).join(' · ') ||
            'connected'
          : 'connecting…';
      item.iconPath = new vscode.ThemeIcon('server');
    }
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMarkdown(server.name)}**\n\n`);
    md.appendMarkdown(`- URL: ${escapeMarkdown(server.url)}\n`);
    if (version?.version)
      md.appendMarkdown(
        `- Feldera ${escapeMarkdown(version.version)}${version.edition ? ` (${escapeMarkdown(version.edition)})` : ''}\n`,
      );
    const keyText = !key
      ? '…'
      : key.stored
        ? 'saved in secret storage'
        : key.fromEnvironment
          ? 'from FELDERA_API_KEY'
          : 'none';
    md.appendMarkdown(`- API key: ${keyText}\n`);
    if (server.source === 'environment') md.appendMarkdown('- From the FELDERA_HOST environment variable\n');
    item.tooltip = md;
    item.contextValue = ['server', server.source === 'settings' ? 'configured' : 'environment', hasKey ? 'hasKey' : '']
      .filter(Boolean)
      .join(' ');
    return item;
  }

  private pipelineItem(node: PipelineNode): vscode.TreeItem {
    const info = this.model.pipeline(node.server.url, node.name) ?? { name: node.name };
    const hosts = this.model.hosts(node.server.url, node.name);
    const p = presentStatus(info);
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = p.description + (hosts !== undefined && hosts > 1 ? ` · ${hosts} hosts` : '');
    item.iconPath = new vscode.ThemeIcon(p.icon, p.color ? new vscode.ThemeColor(p.color) : undefined);
    item.contextValue = pipelineContextValue(info, hosts);
    item.accessibilityInformation = { label: `${node.name}, ${p.description}` };
    return item;
  }

  private hostItem(node: HostNode): vscode.TreeItem {
    const info = this.model.pipeline(node.server.url, node.pipeline);
    const item = new vscode.TreeItem(`Host ${node.ordinal}`, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = new vscode.ThemeIcon('vm');
    item.contextValue = ['host', info && isProfilable(info) ? 'profilable' : ''].filter(Boolean).join(' ');
    item.tooltip = `${node.pipeline}, host ${node.ordinal}`;
    return item;
  }

  serverNode(server: ServerEntry): ServerNode {
    return this.keep({ kind: 'server', id: `server:${server.url}`, server });
  }

  pipelineNode(server: ServerEntry, name: string): PipelineNode {
    return this.keep({ kind: 'pipeline', id: `pipeline:${server.url}:${name}`, server, name });
  }

  private hostNode(server: ServerEntry, pipeline: string, ordinal: number): HostNode {
    return this.keep({ kind: 'host', id: `host:${server.url}:${pipeline}:${ordinal}`, server, pipeline, ordinal });
  }

  private messageNode(
    key: string,
    server: ServerEntry | undefined,
    label: string,
    icon: string,
    command?: MessageNode['command'],
    pipeline?: string,
  ): MessageNode {
    const id = `message:${server?.url ?? ''}:${key}`;
    const node: MessageNode = { kind: 'message', id, server, pipeline, label, icon, command };
    this.nodes.set(id, node);
    return node;
  }

  /** Returns the node already handed out for this id (updated), so VS Code sees the same element. */
  private keep<T extends TreeNode>(fresh: T): T {
    const old = this.nodes.get(fresh.id) as T | undefined;
    if (old) {
      Object.assign(old, fresh);
      return old;
    }
    this.nodes.set(fresh.id, fresh);
    return fresh;
  }

  /** Forget nodes of servers that are gone. */
  prune(): void {
    const urls = new Set(this.registry.list().map((s) => s.url));
    for (const [id, n] of this.nodes) if (n.server && !urls.has(n.server.url)) this.nodes.delete(id);
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables) d.dispose();
  }
}
