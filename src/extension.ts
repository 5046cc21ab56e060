// Wiring only: build the parts, register them, push their disposables.
import * as vscode from 'vscode';

const COMMANDS = [
  'feldera.addServer',
  'feldera.removeServer',
  'feldera.setApiKey',
  'feldera.clearApiKey',
  'feldera.refreshPipelines',
  'feldera.fetchSamplyProfile',
  'feldera.collectSamplyProfile',
  'feldera.openProfileSummary',
  'feldera.showLogs',
];

export function activate(context: vscode.ExtensionContext): void {
  for (const id of COMMANDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, () =>
        vscode.window.showInformationMessage(`Feldera: "${id}" is not built yet in this version.`),
      ),
    );
  }
  void vscode.commands.executeCommand('setContext', 'feldera.serverCount', 0);
}

export function deactivate(): void {}
