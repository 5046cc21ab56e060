// The "Samply Profile" custom editor: a read-only view of a samply profile. The document reads and
// aggregates the file in a worker thread; each editor's webview asks for summaries of a selection (threads, time
// range, operator), the operator table and the binned timeline, answered by that worker, and renders them.
import * as path from 'path';
import vscode = require('vscode');
import { collectionOf, listProfiles } from '../profile/compareFiles';
import { ProfileDocument, type LoadState, type ViewerLog } from './profileDocument';
import { viewerHtml, webviewRoots } from './html';
import type { ProfileHandle } from '../profile/offThread';
import { parseWebviewMessage, TOP_N, type AnswerType, type HostMessage, type WebviewMessage } from './protocol';

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
          void offerCollection(document.uri, post);
          return;
        }
        void this.handle(document, m, post);
      }),
    );
    panel.onDidDispose(() => subscriptions.forEach((d) => d.dispose()));
  }

  private async handle(
    document: ProfileDocument,
    m: Exclude<WebviewMessage, { type: 'ready' }>,
    post: (m: HostMessage) => void,
  ): Promise<void> {
    if (m.type === 'openWithSamply') {
      vscode.commands.executeCommand('feldera.openWithSamply', document.uri).then(undefined, (e: unknown) => {
        const detail = e instanceof Error ? e.message : String(e);
        this.log?.error(`Profile viewer: Open with samply failed: ${detail}`);
        void vscode.window.showErrorMessage(`Feldera: could not open ${document.fileName} with samply: ${detail}`);
      });
      return;
    }
    if (m.type === 'compareWith') {
      const arg = m.hosts ? { hosts: await collectionUris(document.uri) } : { compareWith: document.uri };
      await vscode.commands.executeCommand('feldera.compareSamplyProfiles', arg);
      return;
    }
    const state = document.state;
    if (state.phase !== 'ready') return;
    try {
      post(await answer(state.profile, m));
    } catch (e) {
      // A bug in a summary (or the profile closed meanwhile) must not leave the panel waiting: say so in the log and
      // to the webview, which keeps its last view.
      const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
      this.log?.error(`Profile viewer: ${m.type} failed: ${detail}`);
      post({
        type: 'failed',
        answer: ANSWER_TYPE[m.type],
        requestId: m.requestId,
        message: e instanceof Error ? e.message : String(e),
      });
    }
  }
}

type Request = Exclude<WebviewMessage, { type: 'ready' | 'openWithSamply' | 'compareWith' }>;

const ANSWER_TYPE: Record<Request['type'], AnswerType> = {
  select: 'summary',
  details: 'details',
  threadStats: 'threadStats',
  operators: 'operators',
  operatorDetails: 'operatorDetails',
  timeline: 'timeline',
};

/** Asks the profile's worker what the webview asked for. */
async function answer(profile: ProfileHandle, m: Request): Promise<HostMessage> {
  const { requestId } = m;
  switch (m.type) {
    case 'select': {
      const opts = { threads: m.threads, cpuOnly: m.cpuOnly, range: m.range, operator: m.operator, topN: TOP_N };
      return { type: 'summary', requestId, summary: await profile.summarizeSelection(opts) };
    }
    case 'details': {
      const opts = { threads: m.threads, cpuOnly: m.cpuOnly, range: m.range, operator: m.operator };
      return { type: 'details', requestId, details: (await profile.functionDetails(m.func, opts)) ?? null };
    }
    case 'threadStats':
      return {
        type: 'threadStats',
        requestId,
        threads: await profile.threadStats({ range: m.range, operator: m.operator }),
      };
    case 'operators': {
      const { type: _type, requestId: _id, ...query } = m;
      return { type: 'operators', requestId, table: await profile.operators(query) };
    }
    case 'operatorDetails': {
      const details = await profile.operatorDetails(m.nodeId, { threads: m.threads, range: m.range });
      return { type: 'operatorDetails', requestId, details: details ?? null };
    }
    case 'timeline': {
      const { type: _type, requestId: _id, ...query } = m;
      return { type: 'timeline', requestId, timeline: await profile.timeline(query) };
    }
  }
}

/** The other hosts' profiles of the file's multihost collection, saved next to it (none: not a collection). */
async function collectionUris(uri: vscode.Uri): Promise<vscode.Uri[]> {
  if (uri.scheme !== 'file') return [];
  const files = collectionOf(uri.fsPath, await listProfiles(path.dirname(uri.fsPath)));
  return files.map((f) => vscode.Uri.file(f.path));
}

async function offerCollection(uri: vscode.Uri, post: (m: HostMessage) => void): Promise<void> {
  const hosts = await collectionUris(uri);
  if (hosts.length >= 2) post({ type: 'collection', hosts: hosts.length });
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v).slice(0, 200);
  } catch {
    return String(v);
  }
}
