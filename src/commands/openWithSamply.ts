// "Open with samply": runs `samply load <file>` in a terminal, or explains how to get samply.
import * as fs from 'fs';
import * as path from 'path';
import vscode = require('vscode');
import type { Log } from '../ui/log';

export const SAMPLY_INSTALL_COMMAND = 'cargo install --locked --git https://github.com/feldera/samply samply';
const PROFILER_URL = 'https://profiler.firefox.com/';

/**
 * Finds an executable on PATH without running a shell. On Windows only `.exe` files count: a `.cmd` or `.bat` would
 * be run by cmd.exe, which parses its arguments.
 */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe'] : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * The terminal that runs `samply load <file>`: samply is the terminal's process and the path its own argument, so
 * no shell ever reads the file name (a `&`, `;`, quote or `$(…)` in it stays part of the name, whatever the user's
 * shell is).
 */
function samplyTerminalOptions(samply: string, file: string): vscode.TerminalOptions {
  return { name: `samply: ${path.basename(file)}`, shellPath: samply, shellArgs: ['load', file] };
}

export async function openWithSamply(log: Log, arg: unknown): Promise<void> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'samply profiles': ['gz', 'json'] },
      title: 'Feldera: open a samply profile with samply',
    });
    uri = picked?.[0];
    if (!uri) return;
  }
  const samply = findOnPath('samply');
  if (samply) {
    log.info(`Running ${samply} load ${uri.fsPath}`);
    vscode.window.createTerminal(samplyTerminalOptions(samply, uri.fsPath)).show();
    return;
  }
  log.warn('samply is not on the PATH');
  const COPY = 'Copy Install Command';
  const WEB = 'Open profiler.firefox.com';
  const SUMMARY = 'Open Profile Summary';
  // Not awaited: the command is done once the advice is shown, whatever the user clicks later.
  void vscode.window
    .showWarningMessage(
      `Feldera: samply is not installed (not found on the PATH). Install Feldera's samply (0.13.2 or later) with "${SAMPLY_INSTALL_COMMAND}", ` +
        `or load the file at profiler.firefox.com ("Load a profile from file").`,
      COPY,
      WEB,
      SUMMARY,
    )
    .then(async (pick) => {
      if (pick === COPY) await vscode.env.clipboard.writeText(SAMPLY_INSTALL_COMMAND);
      if (pick === WEB) await vscode.env.openExternal(vscode.Uri.parse(PROFILER_URL));
      if (pick === SUMMARY) await vscode.commands.executeCommand('feldera.openProfileSummary', uri);
    });
}
