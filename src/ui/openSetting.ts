// "Open Settings" buttons: the settings editor filtered to one setting, on the tab where that setting can be set.
import vscode = require('vscode');
import { CA_SETTING } from '../feldera/tls';

/** Machine-scoped settings: in a remote window (SSH, WSL, containers, code-server) they live in the remote's settings. */
const MACHINE_SETTINGS = new Set([CA_SETTING]);

export async function openSetting(key: string): Promise<void> {
  const remote = vscode.env.remoteName !== undefined && MACHINE_SETTINGS.has(key);
  await vscode.commands.executeCommand(
    remote ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings',
    { query: key },
  );
}
