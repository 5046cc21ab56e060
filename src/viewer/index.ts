// The profile viewer's entry points for extension.ts.
import vscode = require('vscode');
import { ProfileEditorProvider, PROFILE_VIEW_TYPE, type ProfileSqlDeps } from './profileEditorProvider';
import type { ViewerLog } from './profileDocument';

export { PROFILE_VIEW_TYPE } from './profileEditorProvider';

/** The same viewer, registered as the default editor for profiles saved in `.feldera/profiles`. */
export const PROFILE_DEFAULT_VIEW_TYPE = 'feldera.samplyProfile.saved';

/**
 * Registers the "Samply Profile" custom editor (viewType `feldera.samplyProfile`). With `sql` (registerSqlHeat's
 * service and documents) its operators show their SQL, grouped By SQL, and open it.
 */
export function registerProfileViewer(
  context: vscode.ExtensionContext,
  log?: ViewerLog,
  sql?: ProfileSqlDeps,
): vscode.Disposable[] {
  const provider = new ProfileEditorProvider(context.extensionUri, log, sql);
  const options = {
    // The webview holds only a summary and restores its own state, so it need not stay alive hidden.
    webviewOptions: { retainContextWhenHidden: false },
    supportsMultipleEditorsPerDocument: true,
  };
  // Two view types, one provider: "Open With…" for any *.json.gz, and the default editor in the profiles folder
  // (a custom editor's priority applies to all of its selectors, hence the second type).
  return [
    vscode.window.registerCustomEditorProvider(PROFILE_VIEW_TYPE, provider, options),
    vscode.window.registerCustomEditorProvider(PROFILE_DEFAULT_VIEW_TYPE, provider, options),
  ];
}

/** Opens a profile in the viewer; without a URI, asks for a file first. */
export async function openProfileSummary(uri?: vscode.Uri): Promise<void> {
  let target = uri;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'samply profiles': ['gz', 'json'] },
      title: 'Feldera: open a samply profile',
      openLabel: 'Open Profile Summary',
    });
    target = picked?.[0];
    if (!target) return;
  }
  await vscode.commands.executeCommand('vscode.openWith', target, PROFILE_VIEW_TYPE);
}
