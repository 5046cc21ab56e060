// The "Samply Profile" custom editor: a read-only view of a samply profile. The document reads and
// aggregates the file in a worker thread; each editor's webview asks for summaries of a thread selection
// (answered by that worker) and renders them.
import vscode = require('vscode');
import { ProfileDocument, type LoadState, type ViewerLog } from './profileDocument';
import { viewerHtml, webviewRoots } from './html';
import { parseWebviewMessage, TOP_N, type HostMessage, type WebviewMessage } from './protocol';

export const PROFILE_VIEW_TYPE = 'feldera.samplyProfile';

export class ProfileEditorProvider implements vscode.CustomReadonlyEditorProvider<ProfileDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log?: ViewerLog,
  ) {}

  openCustomDocument(uri: vscode.Uri): ProfileDocument {
    return new ProfileDocument(
      uri,
      vscode.Uri.joinPath(this.extensionUri, 'dist', 'profileWorker.js').fsPath,
      this.log,
    );
  }

  resolveCustomEditor(document: ProfileDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    webview.html = viewerHtml(webview, this.extensionUri, document.fileName);

    const post = (m: HostMessage): void => {
      void webview.postMessage(m);
    };
    let lastProgress = 0;
    const sendState = (s: LoadState, force: boolean): void => {
      if (s.phase === 'loading') {
        // The webview only needs a few updates a second.
        const now = Date.now();
        if (!force && now - lastProgress < 100) return;
        lastProgress = now;
        post({
          type: 'progress',
          phase: s.step,
          bytesRead: s.bytesRead,
          totalBytes: s.totalBytes,
          textBytes: s.textBytes,
        });
      } else if (s.phase === 'error') {
        post({ type: 'error', fileName: document.fileName, error: s.error });
      } else {
        post({
          type: 'profile',
          fileName: document.fileName,
          meta: s.profile.meta,
          threads: s.profile.threads,
          feldera: s.profile.feldera,
          loadMs: s.loadMs,
        });
      }
    };

    const subscriptions: vscode.Disposable[] = [];
    let ready = false;
    subscriptions.push(
      document.onDidChangeState((s) => {
        if (ready) sendState(s, s.phase !== 'loading');
      }),
      webview.onDidReceiveMessage((raw: unknown) => {
        const m = parseWebviewMessage(raw);
        if (!m) {
          this.log?.error(`Profile viewer: ignored an unexpected message from the webview: ${safeJson(raw)}`);
          return;
        }
        if (m.type === 'ready') {
          ready = true;
          sendState(document.state, true);
          return;
        }
        void this.handle(document, m, post);
      }),
    );
    panel.onDidDispose(() => subscriptions.forEach((d) => d.dispose()));
  }

  private async handle(document: ProfileDocument, m: WebviewMessage, post: (m: HostMessage) => void): Promise<void> {
    if (m.type === 'openWithSamply') {
      vscode.commands.executeCommand('feldera.openWithSamply', document.uri).then(undefined, (e: unknown) => {
        const detail = e instanceof Error ? e.message : String(e);
        this.log?.error(`Profile viewer: Open with samply failed: ${detail}`);
        void vscode.window.showErrorMessage(`Feldera: could not open ${document.fileName} with samply: ${detail}`);
      });
      return;
    }
    const state = document.state;
    if (state.phase !== 'ready') return;
    try {
      if (m.type === 'select') {
        const summary = await state.profile.summarizeSelection({ threads: m.threads, cpuOnly: m.cpuOnly, topN: TOP_N });
        post({ type: 'summary', requestId: m.requestId, summary });
      } else if (m.type === 'details') {
        const details = await state.profile.functionDetails(m.func, { threads: m.threads, cpuOnly: m.cpuOnly });
        post({ type: 'details', requestId: m.requestId, details: details ?? null });
      }
    } catch (e) {
      // A bug in a summary (or the profile closed meanwhile) must not leave the panel blank: say so in the log,
      // keep the last view.
      this.log?.error(`Profile viewer: ${m.type} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v).slice(0, 200);
  } catch {
    return String(v);
  }
}
