// Shared helpers for the suites that run inside the real extension host.
import assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { TreeNode } from '../../src/pipelines/treeNodes';

export const EXTENSION_ID = 'feldera-community.feldera-vscode';

/** What activate() returns in the tests' window (ExtensionMode.Test); other windows get nothing. */
export type FelderaTestApi = TestApi;

export async function extensionApi(): Promise<FelderaTestApi> {
  const ext = vscode.extensions.getExtension<FelderaTestApi | undefined>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  if (!api) throw new Error('activate() exported nothing: this window does not run in ExtensionMode.Test');
  return api;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

/** Replaces the user-level `feldera.servers` and waits until the extension has read it. */
export async function setServers(servers: { name?: string; url: string }[]): Promise<void> {
  await vscode.workspace.getConfiguration('feldera').update('servers', servers, vscode.ConfigurationTarget.Global);
  const api = await extensionApi();
  await until('the registry to pick up feldera.servers', () => api.registry.list().length === servers.length);
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('feldera').update(key, value, vscode.ConfigurationTarget.Global);
}

export function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the host tests need a workspace folder');
  return f.uri.fsPath;
}

export function profilesDir(): string {
  return path.join(workspaceRoot(), '.feldera', 'profiles');
}

export function filesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** The tree's children as the view would ask for them. */
export async function children(node?: TreeNode): Promise<TreeNode[]> {
  const api = await extensionApi();
  return api.view.provider.getChildren(node);
}

export async function treeItem(node: TreeNode): Promise<vscode.TreeItem> {
  const api = await extensionApi();
  return api.view.provider.getTreeItem(node);
}

export async function serverNode(name: string): Promise<TreeNode> {
  const roots = await children();
  const s = roots.find((n) => n.kind === 'server' && n.server.name === name);
  if (!s) throw new Error(`no server item "${name}" in ${roots.map((r) => r.id).join(', ')}`);
  return s;
}

export async function closeAllNotifications(): Promise<void> {
  await vscode.commands.executeCommand('notifications.clearAll');
}

/**
 * Waits for a notification containing `text` and returns its text. Reads the notification center rather than the
 * toasts, which VS Code may hide while other notifications come and go.
 */
export async function waitForNotification(text: string, timeoutMs = 10_000): Promise<string> {
  const { ui } = await import('./ui');
  await vscode.commands.executeCommand('notifications.showList');
  try {
    return (await until<string | undefined>(
      `a notification with "${text}"`,
      async () =>
        (await ui.texts('.notifications-center .notification-list-item', { timeoutMs: 1000 }).catch(() => [])).find(
          (t) => t.includes(text),
        ),
      timeoutMs,
    )) as string;
  } finally {
    await vscode.commands.executeCommand('notifications.hideList');
  }
}

/** The texts of every notification in the notification center. */
export async function notificationTexts(): Promise<string[]> {
  const { ui } = await import('./ui');
  await vscode.commands.executeCommand('notifications.showList');
  try {
    return await ui.texts('.notifications-center .notification-list-item', { timeoutMs: 2000 }).catch(() => []);
  } finally {
    await vscode.commands.executeCommand('notifications.hideList');
  }
}

/** Clicks a button of the notification that contains `text`, in the notification center, as a hand does. */
export async function clickNotificationButton(text: string, button: string): Promise<void> {
  const { ui } = await import('./ui');
  await vscode.commands.executeCommand('notifications.showList');
  try {
    await ui.click(`.notifications-center .notification-list-item:has-text("${text}") .monaco-button`, {
      hasText: button,
    });
  } finally {
    await vscode.commands.executeCommand('notifications.hideList');
  }
}

/**
 * Right-clicks the tree row containing `row` and clicks `entry` in its context menu, with the pointer, as a hand
 * does. VS Code ignores a release that comes within 100 ms of the menu opening (a guard against accidental clicks);
 * a hand that quick clicks again, and so does this.
 */
export async function chooseFromContextMenu(row: string, entry: string): Promise<void> {
  const { ui } = await import('./ui');
  await ui.click(`.pane-body .monaco-list-row:has-text("${row}")`, { button: 'right' });
  await clickContextMenuEntry(entry, `the context menu of "${row}"`);
}

/**
 * Clicks `entry` in the open context menu until the menu closes: VS Code ignores a click released within 100 ms of
 * the menu opening, which a fast driver on a loaded machine can hit.
 */
export async function clickContextMenuEntry(entry: string, what = 'the context menu'): Promise<void> {
  const { ui } = await import('./ui');
  const item = `.context-view .monaco-menu .action-label:has-text("${entry}")`;
  await ui.hover(item);
  for (let attempt = 0; ; attempt++) {
    await ui.click(item);
    const closed = await ui.waitFor('.context-view .monaco-menu', { state: 'hidden', timeoutMs: 1000 }).then(
      () => true,
      () => false,
    );
    if (closed) return;
    if (attempt === 2) throw new Error(`${what} stayed open after clicking "${entry}"`);
  }
}

/** Asserts that `list` is not empty and that every item satisfies `check`: an empty list would pass on nothing. */
export function assertEvery<T>(list: readonly T[], check: (item: T) => boolean, what: string): void {
  assert.ok(list.length > 0, `${what}: the list is empty, so nothing was checked`);
  const bad = list.filter((item) => !check(item));
  assert.deepStrictEqual(bad, [], what);
}
