// The Pipelines view: tree provider + auto-refresh while visible + context keys for the welcome content.
import vscode = require('vscode');
import type { ApiKeyStore } from '../servers/apiKeyStore';
import type { ServerRegistry } from '../servers/serverRegistry';
import { logFailure, type Log } from '../ui/log';
import type { PipelinesModel } from './pipelinesModel';
import { PipelinesTreeProvider } from './pipelinesTree';
import { RefreshScheduler } from './refreshScheduler';

export class PipelinesView implements vscode.Disposable {
  readonly provider: PipelinesTreeProvider;
  readonly treeView: vscode.TreeView<unknown>;
  private readonly scheduler: RefreshScheduler;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly registry: ServerRegistry,
    private readonly model: PipelinesModel,
    keys: ApiKeyStore,
    private readonly log: Log,
  ) {
    this.provider = new PipelinesTreeProvider(registry, model, keys, logFailure(log, 'Drawing the Pipelines view'));
    const treeView = vscode.window.createTreeView('feldera.pipelines', {
      treeDataProvider: this.provider,
      showCollapseAll: true,
    });
    this.treeView = treeView as vscode.TreeView<unknown>;
    // Each server refreshes on its own: the tick starts every server's refresh (one still running is joined, not
    // repeated) and waits for none, so a server that hangs never delays the others' next refresh.
    this.scheduler = new RefreshScheduler(
      async () => void this.model.refresh(),
      () => {
        const v = vscode.workspace.getConfiguration('feldera').get<unknown>('pipelines.refreshIntervalSeconds');
        return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.max(v, v > 0 ? 1 : 0) : 10;
      },
      logFailure(log, 'The automatic refresh of the Pipelines view'),
    );
    this.syncServers();
    this.disposables.push(
      this.provider,
      treeView,
      this.scheduler,
      treeView.onDidChangeVisibility((e) => this.scheduler.setVisible(e.visible)),
      registry.onDidChange(() => this.syncServers()),
      keys.onDidChange((origin) => {
        for (const s of registry.list().filter((x) => x.origin === origin)) void this.model.refresh(s.url);
        this.provider.keyChanged(origin);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('feldera.pipelines.refreshIntervalSeconds')) this.scheduler.reschedule();
      }),
    );
    this.scheduler.setVisible(treeView.visible);
  }

  /** Manual refresh (merged with a scheduled one already running), with the view's progress bar meanwhile. */
  async refresh(serverUrl?: string): Promise<void> {
    await vscode.window.withProgress({ location: { viewId: 'feldera.pipelines' } }, () =>
      this.model.refresh(serverUrl),
    );
    this.scheduler.noteRefreshed();
  }

  private syncServers(): void {
    this.model.setServers(this.registry.list());
    this.provider.prune();
    void vscode.commands
      .executeCommand('setContext', 'feldera.serverCount', this.registry.list().length)
      .then(undefined, logFailure(this.log, 'Setting feldera.serverCount'));
    this.provider.refreshAll();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
