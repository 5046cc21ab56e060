// One opened profile file. It starts loading when opened — in a worker thread, so the extension host never waits
// on a big profile — and keeps it while any editor shows it, so a second editor on the same file, or a webview
// reloaded after being hidden, costs nothing.
import * as path from 'path';
import vscode = require('vscode');
import type { ProfileError } from '../profile';
import { memoryBudgetFromSetting } from '../profile/memory';
import {
  openProfileOffThread,
  type HandleResult,
  type OffThreadOptions,
  type ProfileHandle,
} from '../profile/offThread';
import type { LoadPhase } from './protocol';

export interface ViewerLog {
  info(message: string): void;
  error(message: string): void;
}

export type LoadState =
  | { phase: 'loading'; step: LoadPhase; bytesRead: number; totalBytes: number; textBytes?: number }
  | { phase: 'ready'; profile: ProfileHandle; loadMs: number }
  | { phase: 'error'; error: ProfileError };

export class ProfileDocument implements vscode.CustomDocument {
  private current: LoadState = { phase: 'loading', step: 'reading', bytesRead: 0, totalBytes: 0 };
  private readonly changed = new vscode.EventEmitter<LoadState>();
  private readonly abort = new AbortController();
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;
  /** Fires on progress (at most every ~50 ms), and once when the file is ready or failed. */
  readonly onDidChangeState = this.changed.event;

  constructor(
    readonly uri: vscode.Uri,
    /** The worker script, dist/profileWorker.js. */
    private readonly workerFile: string,
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

  /** Disposed with the document (a lease on its reader, say); at once when the document is gone already. */
  own(d: vscode.Disposable): void {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
  }

  dispose(): void {
    this.disposed = true;
    for (const d of this.owned.splice(0)) d.dispose();
    this.abort.abort();
    if (this.current.phase === 'ready') this.current.profile.dispose();
    this.changed.dispose();
  }

  private set(state: LoadState): void {
    this.current = state;
    this.changed.fire(state);
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const opts: OffThreadOptions = {
      workerFile: this.workerFile,
      signal: this.abort.signal,
      // Profiles that need more stop with a message saying so (0 or unset: half the machine's memory, up to 16 GiB).
      memoryBudget: memoryBudgetFromSetting(
        vscode.workspace.getConfiguration('feldera.profiles').get<number>('memoryBudgetMiB'),
      ),
      onProgress: (bytesRead, totalBytes) => {
        if (this.current.phase === 'loading') this.set({ ...this.current, bytesRead, totalBytes });
      },
      onPhase: (step, detail) => {
        if (this.current.phase === 'loading') this.set({ ...this.current, step, textBytes: detail.textBytes });
      },
    };
    let result: HandleResult;
    try {
      if (this.uri.scheme === 'file') {
        result = await openProfileOffThread({ path: this.uri.fsPath }, opts);
      } else {
        // Not on this machine's disk (a virtual file system): read it whole, then decompress.
        const bytes = await vscode.workspace.fs.readFile(this.uri);
        result = await openProfileOffThread({ bytes }, opts);
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
    if (this.abort.signal.aborted) {
      if (result.ok) result.profile.dispose();
      return;
    }
    if (result.ok) {
      const { profile } = result;
      const loadMs = Date.now() - started;
      const samples = profile.threads.reduce((a, t) => a + t.samples, 0);
      this.log?.info(
        `Profile summary: ${this.uri.fsPath} — format v${profile.meta.version}, ${profile.threads.length} threads, ` +
          `${samples} samples, ${profile.functionCount} functions, ${profile.callNodeCount} call nodes${felderaLog(profile)}, ` +
          `read in ${loadMs} ms`,
      );
      this.set({ phase: 'ready', profile, loadMs });
    } else {
      this.log?.error(`Profile summary: cannot open ${this.uri.fsPath}: ${result.error.kind}: ${result.error.message}`);
      this.set({ phase: 'error', error: result.error });
    }
  }
}

/** What the log says about Feldera's markers: operators and evaluations, and markers left out. */
function felderaLog(profile: ProfileHandle): string {
  const f = profile.feldera;
  const parts: string[] = [];
  if (f.hasOperators) parts.push(`${f.operatorCount} operators, ${f.evals} evaluations on ${f.workers.length} workers`);
  if (f.markers.notUnderstood > 0) {
    const why = Object.entries(f.markers.skipped)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    parts.push(`${f.markers.notUnderstood} markers not understood (${why})`);
  }
  return parts.map((p) => `, ${p}`).join('');
}
