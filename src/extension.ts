// Wiring only: build the parts, register them, push their disposables.
import vscode = require('vscode');
import { normalizeServerUrl } from './feldera/url';
import { openWithSamply } from './commands/openWithSamply';
import { registerCommand } from './commands/registerCommand';
import { runSamplyCommand } from './commands/samplyCommands';
import { SamplyTargetResolver } from './commands/samplyTarget';
import { addServer, clearApiKey, removeServer, resolveServer, setApiKey } from './commands/serverCommands';
import { PipelinesModel } from './pipelines/pipelinesModel';
import { PipelinesView } from './pipelines/pipelinesView';
import { ApiKeyStore } from './servers/apiKeyStore';
import { ServerConnections } from './servers/connections';
import { ServerRegistry } from './servers/serverRegistry';
import { ErrorPresenter } from './ui/errorPresenter';
import { createLog } from './ui/log';
import { ProfileStatusBar } from './ui/profileStatusBar';
import { openProfileSummary, registerProfileViewer } from './viewer';
import { compareSamplyProfiles } from './viewer/compareCommand';
import { CompareEditors } from './viewer/comparePanel';

export function activate(context: vscode.ExtensionContext) {
  const activateStart = performance.now();
  const envHost = process.env.FELDERA_HOST ? normalizeServerUrl(process.env.FELDERA_HOST) : undefined;
  const envKey =
    envHost?.ok && process.env.FELDERA_API_KEY
      ? { origin: envHost.origin, key: process.env.FELDERA_API_KEY }
      : undefined;
  const keys = new ApiKeyStore(context.secrets, envKey);
  const log = createLog(() => keys.knownKeys());
  const registry = new ServerRegistry();
  const connections = new ServerConnections(keys, log);
  // The tree refreshes in the background: a short retry window, so a dead server shows as such quickly.
  const model = new PipelinesModel((s) =>
    connections.client(registry.find(s.url) ?? { ...s, origin: new URL(s.url).origin }, undefined, 4000),
  );
  const view = new PipelinesView(registry, model, keys);
  const statusBar = new ProfileStatusBar();
  const errors = new ErrorPresenter(log);
  const serverDeps = { registry, keys, connections, log };
  const samplyDeps = { resolver: new SamplyTargetResolver(registry, model), connections, statusBar, errors, log };

  context.subscriptions.push(
    log,
    keys,
    registry,
    view,
    statusBar,
    keys.onDidChange((origin) => errors.keyChanged(origin)),
    registerCommand('feldera.addServer', (a) => addServer(serverDeps, a), log),
    registerCommand('feldera.removeServer', (a) => removeServer(serverDeps, a), log),
    registerCommand('feldera.setApiKey', (a) => setApiKey(serverDeps, a), log),
    registerCommand('feldera.clearApiKey', (a) => clearApiKey(serverDeps, a), log),
    registerCommand(
      'feldera.refreshPipelines',
      async (a) => view.refresh(a === undefined ? undefined : (await resolveServer(serverDeps, a, 'Refresh'))?.url),
      log,
    ),
    registerCommand('feldera.fetchSamplyProfile', (a) => runSamplyCommand(samplyDeps, 'fetch', a), log),
    registerCommand('feldera.collectSamplyProfile', (a) => runSamplyCommand(samplyDeps, 'collect', a), log),
    registerCommand('feldera.openWithSamply', (a) => openWithSamply(log, a), log),
    registerCommand(
      'feldera.openProfileSummary',
      (a) => openProfileSummary(a instanceof vscode.Uri ? a : undefined),
      log,
    ),
    registerCommand(
      'feldera.compareSamplyProfiles',
      (...a) => compareSamplyProfiles(new CompareEditors(context.extensionUri, log), ...a),
      log,
    ),
    registerCommand('feldera.showLogs', () => log.show(), log),
    ...registerProfileViewer(context, log),
  );
  // Loading the bundle plus activate() itself (see esbuild.js's banner and footer); the benchmark reads it.
  const marks = globalThis as { __felderaBundleLoadStart?: number; __felderaBundleLoadEnd?: number };
  const activationMs =
    marks.__felderaBundleLoadStart === undefined || marks.__felderaBundleLoadEnd === undefined
      ? undefined
      : marks.__felderaBundleLoadEnd - marks.__felderaBundleLoadStart + (performance.now() - activateStart);
  log.info(`Feldera activated in ${activationMs?.toFixed(1) ?? '?'} ms: ${registry.list().length} server(s)`);

  // For the extension-host tests and the benchmark: the parts they observe.
  return { model, view, registry, statusBar, activationMs, logUri: context.logUri };
}

export function deactivate(): void {}
