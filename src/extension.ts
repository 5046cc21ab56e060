// Wiring only: build the parts, register them, push their disposables.
import vscode = require('vscode');
import { normalizeServerUrl } from './feldera/url';
import { openWithSamply } from './commands/openWithSamply';
import { registerCommand } from './commands/registerCommand';
import { runSamplyCommand } from './commands/samplyCommands';
import { SamplyTargetResolver } from './commands/samplyTarget';
import { noteSavedProfiles } from './commands/walkthroughProgress';
import { addServer, clearApiKey, removeServer, resolveServer, setApiKey } from './commands/serverCommands';
import { PipelinesModel } from './pipelines/pipelinesModel';
import { PipelinesView } from './pipelines/pipelinesView';
import { ApiKeyStore } from './servers/apiKeyStore';
import { ServerConnections } from './servers/connections';
import { ServerRegistry } from './servers/serverRegistry';
import { TrustedCas } from './servers/trustedCas';
import { ErrorPresenter } from './ui/errorPresenter';
import { registerSqlHeat } from './sqlView';
import { createLog, logFailure } from './ui/log';
import { ProfileStatusBar } from './ui/profileStatusBar';
import { openProfileSummary, registerProfileViewer } from './viewer';
import { compareSamplyProfiles } from './viewer/compareCommand';
import { CompareEditors } from './viewer/comparePanel';

/** The tree's background calls: 4 s per attempt and 4 s of retries per call; a refresh is bounded by the model. */
const BACKGROUND = { requestTimeoutMs: 4_000, retryDeadlineMs: 4_000 };

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const activateStart = performance.now();
  const envHost = process.env.FELDERA_HOST ? normalizeServerUrl(process.env.FELDERA_HOST) : undefined;
  const envKey =
    envHost?.ok && process.env.FELDERA_API_KEY
      ? { origin: envHost.origin, key: process.env.FELDERA_API_KEY }
      : undefined;
  const keys = new ApiKeyStore(context.secrets, envKey);
  const log = createLog(() => keys.knownKeys());
  const registry = new ServerRegistry();
  const trustedCas = new TrustedCas(log);
  const connections = new ServerConnections(keys, log, trustedCas);
  // The tree refreshes in the background: short timeouts, so a dead or hung server shows as such within seconds.
  const model = new PipelinesModel(
    (s) => connections.client(registry.find(s.url) ?? { ...s, origin: new URL(s.url).origin }, undefined, BACKGROUND),
    { onUnexpectedError: logFailure(log, 'Refreshing the Pipelines view') },
  );
  const view = new PipelinesView(registry, model, keys, log);
  const statusBar = new ProfileStatusBar();
  const errors = new ErrorPresenter(log);
  const serverDeps = { registry, keys, connections, log };
  const resolver = new SamplyTargetResolver(registry, model, {
    keyProblem: (s, e) =>
      void errors
        .reportRejectedKey({ server: s.name, origin: s.origin, action: 'Listing pipelines' }, e)
        .catch(logFailure(log, 'Reporting a rejected key')),
    unexpected: logFailure(log, 'Refreshing the pipeline pick'),
  });
  // CPU in SQL: its service and documents serve the profile editor's SQL columns too, and hear of late SQL contexts.
  const sql = registerSqlHeat(context, log);
  const samplyDeps = { resolver, connections, statusBar, errors, log, companions: sql.service };

  context.subscriptions.push(
    log,
    keys,
    registry,
    trustedCas,
    { dispose: () => model.dispose() },
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
    registerCommand(
      'feldera.fetchSamplyProfile',
      (a) => noteSavedProfiles(runSamplyCommand(samplyDeps, 'fetch', a)),
      log,
    ),
    registerCommand(
      'feldera.collectSamplyProfile',
      (a) => noteSavedProfiles(runSamplyCommand(samplyDeps, 'collect', a)),
      log,
    ),
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
    ...registerProfileViewer(context, log, sql),
    ...sql.disposables,
  );
  // Loading the bundle plus activate() itself (see esbuild.js's banner and footer); the benchmark reads it.
  const marks = globalThis as { __felderaBundleLoadStart?: number; __felderaBundleLoadEnd?: number };
  const activationMs =
    marks.__felderaBundleLoadStart === undefined || marks.__felderaBundleLoadEnd === undefined
      ? undefined
      : marks.__felderaBundleLoadEnd - marks.__felderaBundleLoadStart + (performance.now() - activateStart);
  log.info(`Feldera activated in ${activationMs?.toFixed(1) ?? '?'} ms: ${registry.list().length} server(s)`);

  return exportsFor(context.extensionMode, { model, view, registry, statusBar, activationMs, logUri: context.logUri });
}

/** The parts the extension-host tests and the activation benchmark observe. */
export interface TestParts {
  model: PipelinesModel;
  view: PipelinesView;
  registry: ServerRegistry;
  statusBar: ProfileStatusBar;
  activationMs?: number;
  logUri: vscode.Uri;
}

/** What activate() hands out in the tests' window: their parts, the mode, and this decision for other modes. */
export type TestApi = TestParts & {
  extensionMode: vscode.ExtensionMode;
  exportsFor(mode: vscode.ExtensionMode): TestApi | undefined;
};

/**
 * What activate() gives every other extension: nothing in normal use (the model and the registry reach clients
 * whose API key is readable, and the user's settings). Only a window run by the extension tests
 * (ExtensionMode.Test: extensionDevelopmentPath + extensionTestsPath) gets the parts they observe.
 */
function exportsFor(mode: vscode.ExtensionMode, parts: TestParts): TestApi | undefined {
  if (mode !== vscode.ExtensionMode.Test) return undefined;
  return { ...parts, extensionMode: mode, exportsFor: (other) => exportsFor(other, parts) };
}

export function deactivate(): void {}
