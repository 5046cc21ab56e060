// Every command goes through here: it is logged, and an unexpected failure becomes one error notification with
// "Open Logs" instead of a silent rejection.
import vscode = require('vscode');
import { errorText, type Log } from '../ui/log';

export function registerCommand(id: string, handler: (...args: unknown[]) => unknown, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    log.debug(`command ${id}`);
    try {
      return await handler(...args);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      log.error(`command ${id} failed: ${errorText(e)}`);
      void vscode.window.showErrorMessage(`Feldera: ${message}`, 'Open Logs').then(
        (pick) => {
          if (pick === 'Open Logs') log.show();
        },
        (err: unknown) => log.error(`showing the failure of ${id} failed: ${errorText(err)}`),
      );
      return undefined;
    }
  });
}
