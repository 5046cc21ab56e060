// One opened profile file. It starts loading when opened and keeps the model while any editor shows
// it, so a second editor on the same file, or a webview reloaded after being hidden, costs nothing.
import * as path from 'path';
import vscode = require('vscode');
import {
  readProfileModel,
  readProfileModelFromBytes,
  type ProfileError,
  type ProfileModel,
  type ReadOptions,
} from '../profile';
import type { LoadPhase } from './protocol';

export interface ViewerLog {
  info(message: string): void;
  error(message: string): void;
}

export type LoadState =
  | { phase: 'loading'; step: LoadPhase; bytesRead: number; totalBytes: number; textBytes?: number }
  | { phase: 'ready'; model: ProfileModel; loadMs: number }
  | { phase: 'error'; error: ProfileError };

export class ProfileDocument implements vscode.CustomDocument {
  private current: LoadState = { phase: 'loading', step: 'reading', bytesRead: 0, totalBytes: 0 };
  private readonly changed = new vscode.EventEmitter<LoadState>();
  private readonly abort = new AbortController();
  /** Fires on progress (at most every ~50 ms), and once when the file is ready or failed. */
  readonly onDidChangeState = this.changed.event;

  constructor(
    readonly uri: vscode.Uri,
    private readonly log?: ViewerLog,
  ) {
    void this.load();
  }

  get state(): LoadState {
    return this.current;
  }

  get fileName(): string {
    return path.posix.basename(this.uri.path);
  }

  dispose(): void {
    this.abort.abort();
    this.changed.dispose();
  }

  private set(state: LoadState): void {
    this.current = state;
    this.changed.fire(state);
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const opts: ReadOptions = {
      signal: this.abort.signal,
      onProgress: (bytesRead, totalBytes) => {
        if (this.current.phase === 'loading') this.set({ ...this.current, bytesRead, totalBytes });
      },
      onPhase: (step, detail) => {
        if (this.current.phase === 'loading') this.set({ ...this.current, step, textBytes: detail.textBytes });
      },
    };
    let result;
    try {
      if (this.uri.scheme === 'file') {
        result = await readProfileModel(this.uri.fsPath, opts);
      } else {
        // Not on this machine's disk (a virtual file system): read it whole, then decompress.
        const bytes = await vscode.workspace.fs.readFile(this.uri);
        result = await readProfileModelFromBytes(bytes, opts);
      }
    } catch (e) {
      result = {
        ok: false as const,
        error: {
          kind: 'io' as const,
          message: `Could not read ${this.fileName}: ${e instanceof Error ? e.message : String(e)}`,
        },
      };
    }
    if (this.abort.signal.aborted) return;
    if (result.ok) {
      const { model } = result;
      const loadMs = Date.now() - started;
      const samples = model.threads.reduce((a, t) => a + t.samples, 0);
      this.log?.info(
        `Profile summary: ${this.uri.fsPath} — format v${model.meta.version}, ${model.threads.length} threads, ` +
          `${samples} samples, ${model.functionCount} functions, ${model.callNodeCount} call nodes, read in ${loadMs} ms`,
      );
      this.set({ phase: 'ready', model, loadMs });
    } else {
      this.log?.error(`Profile summary: cannot open ${this.uri.fsPath}: ${result.error.kind}: ${result.error.message}`);
      this.set({ phase: 'error', error: result.error });
    }
  }
}
