// One status-bar item that summarises every running profile fetch, and every SQL context still on its way after its
// profile was saved (src/commands/samplyCommands.ts); visible only while something runs. Clicking it offers to cancel
// each one, or all of them.
import vscode = require('vscode');
import { escapeMarkdown } from '../common/text';

export interface RunningFetch {
  readonly id: number;
  /** e.g. `orders · host 1`; for a SQL context, the profile's file name. */
  readonly label: string;
  /** `sql-context`: the profile is saved, its SQL context is still coming from the server. */
  readonly kind: 'fetch' | 'sql-context';
  /** Seconds left while waiting for the collection, undefined once downloading. */
  secondsLeft?: number;
  bytes?: number;
  cancel(): void;
}

export const SHOW_RUNNING_COMMAND = 'feldera.showRunningProfiles';

export class ProfileStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly running = new Map<number, RunningFetch>();
  private nextId = 1;
  private readonly command: vscode.Disposable;

  constructor() {
    this.item = vscode.window.createStatusBarItem('feldera.profiles', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Feldera Profiles';
    this.item.command = SHOW_RUNNING_COMMAND;
    this.command = vscode.commands.registerCommand(SHOW_RUNNING_COMMAND, () => this.pickToCancel());
  }

  /** Registers a fetch (or a SQL context); the returned handle updates it and removes it when done. */
  add(
    label: string,
    cancel: () => void,
    kind: RunningFetch['kind'] = 'fetch',
  ): { update(p: { secondsLeft?: number; bytes?: number }): void; done(): void } {
    const entry: RunningFetch = { id: this.nextId++, label, kind, cancel };
    this.running.set(entry.id, entry);
    this.render();
    return {
      update: (p) => {
        entry.secondsLeft = p.secondsLeft;
        entry.bytes = p.bytes;
        this.render();
      },
      done: () => {
        this.running.delete(entry.id);
        this.render();
      },
    };
  }

  list(): readonly RunningFetch[] {
    return [...this.running.values()];
  }

  private render(): void {
    const all = [...this.running.values()];
    if (all.length === 0) {
      this.item.hide();
      return;
    }
    const fetches = all.filter((f) => f.kind === 'fetch');
    const contexts = all.filter((f) => f.kind === 'sql-context');
    const parts: string[] = [];
    let state = '';
    if (fetches.length) {
      const waiting = fetches.filter((f) => f.secondsLeft !== undefined);
      const left = waiting.length ? Math.max(...waiting.map((f) => f.secondsLeft ?? 0)) : undefined;
      const what = fetches.length === 1 ? `profile ${fetches[0].label}` : `${fetches.length} profiles`;
      state =
        left !== undefined
          ? `${left} s left`
          : `downloading ${formatBytes(fetches.reduce((n, f) => n + (f.bytes ?? 0), 0))}`;
      parts.push(`${what} · ${state}`);
    }
    if (contexts.length) {
      parts.push(`SQL context for ${contexts.length === 1 ? contexts[0].label : `${contexts.length} profiles`}…`);
    }
    const summary = parts.join(' · ');
    this.item.text = `$(loading~spin) Feldera: ${summary}`;
    const md = new vscode.MarkdownString();
    if (fetches.length) md.appendMarkdown('**Feldera is waiting for samply profiles**\n\n');
    for (const f of fetches) {
      md.appendMarkdown(
        `- ${escapeMarkdown(f.label)}: ${f.secondsLeft !== undefined ? `${f.secondsLeft} s left` : `${formatBytes(f.bytes ?? 0)} downloaded`}\n`,
      );
    }
    if (contexts.length) {
      md.appendMarkdown(`${fetches.length ? '\n' : ''}**Saved; the SQL context is still coming from the server**\n\n`);
      for (const f of contexts) md.appendMarkdown(`- ${escapeMarkdown(f.label)}\n`);
    }
    md.appendMarkdown('\nClick to cancel.');
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `Feldera: ${summary}. Click to cancel.` };
    this.item.show();
  }

  private async pickToCancel(): Promise<void> {
    const all = [...this.running.values()];
    if (all.length === 0) return;
    type Pick = vscode.QuickPickItem & { fetch?: RunningFetch };
    const items: Pick[] = all.map((f) =>
      f.kind === 'sql-context'
        ? { label: `$(close) Cancel SQL context for ${f.label}`, description: 'the profile is kept', fetch: f }
        : {
            label: `$(close) Cancel ${f.label}`,
            description:
              f.secondsLeft !== undefined ? `${f.secondsLeft} s left` : `${formatBytes(f.bytes ?? 0)} downloaded`,
            fetch: f,
          },
    );
    if (all.length > 1) items.push({ label: '$(close-all) Cancel all', description: `${all.length} running` });
    const pick = await vscode.window.showQuickPick(items, {
      title: all.some((f) => f.kind === 'fetch')
        ? 'Feldera: running profile fetches'
        : 'Feldera: SQL context on its way',
      placeHolder: 'Pick one to cancel',
    });
    if (!pick) return;
    for (const f of pick.fetch ? [pick.fetch] : all) f.cancel();
  }

  dispose(): void {
    this.item.dispose();
    this.command.dispose();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
