// The "Samply Profile" custom editor: a read-only view of a samply profile. The document reads and
// aggregates the file in a worker thread; each editor's webview asks for summaries of a selection (threads, time
// range, operator), the operator table and the binned timeline, answered by that worker, and renders them.
// With the profile's SQL context (the companion file, src/sqlView's service) the operator table names each
// operator's table/view and lines, a By SQL grouping sums the CPU per view, statement and line range, and a position
// opens the SQL at those lines. A companion that appears (or changes) while the profile is open is picked up: the
// webview is told to ask for its SQL answers again.
import * as path from 'path';
import vscode = require('vscode');
import { collectionOf, listProfiles } from '../profile/compareFiles';
import type { SqlContextResult } from '../sql';
import type { SqlRange } from '../sql/statements';
import { sayDiffers } from '../sqlView/showCpuInSql';
import type { SqlContextService } from '../sqlView/sqlContextService';
import { openProfiledSql, type ProfiledSqlDocuments } from '../sqlView/sqlDocuments';
import { ProfileDocument, type LoadState, type ViewerLog } from './profileDocument';
import { viewerHtml, webviewRoots } from './html';
import type { ProfileHandle } from '../profile/offThread';
import {
  parseWebviewMessage,
  TOP_N,
  type AnswerType,
  type BySql,
  type HostMessage,
  type WebviewMessage,
} from './protocol';
import { bySqlRows, operatorSqlCells } from './sqlRows';

export const PROFILE_VIEW_TYPE = 'feldera.samplyProfile';

/** The SQL side the profile editor uses (src/sqlView): the profile → SQL join, and the profiled-SQL documents. */
export interface ProfileSqlDeps {
  service: Pick<SqlContextService, 'context' | 'shareOpenProfile' | 'watch' | 'onDidChangeContext'>;
  documents: ProfiledSqlDocuments;
}

export class ProfileEditorProvider implements vscode.CustomReadonlyEditorProvider<ProfileDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log?: ViewerLog,
    private readonly sql?: ProfileSqlDeps,
  ) {}

  openCustomDocument(uri: vscode.Uri): ProfileDocument {
    const document = new ProfileDocument(
      uri,
      vscode.Uri.joinPath(this.extensionUri, 'dist', 'profileWorker.js').fsPath,
      this.log,
    );
    // While it is open, its reader answers Show CPU in SQL for this file (no second read of a big profile).
    const sql = this.sql;
    if (sql) {
      document.own(sql.service.watch(uri));
      const sub = document.onDidChangeState((s) => {
        if (s.phase === 'loading') return;
        sub.dispose();
        if (s.phase === 'ready') document.own(sql.service.shareOpenProfile(uri, s.profile));
      });
      document.own(sub);
    }
    return document;
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
    const sql = this.sql;
    if (sql && document.uri.scheme === 'file') {
      subscriptions.push(
        sql.service.onDidChangeContext((file) => {
          if (ready && file === document.uri.fsPath && document.state.phase === 'ready') post({ type: 'sqlContext' });
        }),
      );
    }
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
    if (m.type === 'openSql') {
      await this.openSql(document, m.range).catch((e: unknown) => {
        const detail = e instanceof Error ? e.message : String(e);
        this.log?.error(`Profile viewer: opening the SQL of ${document.fileName} failed: ${detail}`);
        void vscode.window.showErrorMessage(`Feldera: could not open the SQL of ${document.fileName}: ${detail}`);
      });
      return;
    }
    const state = document.state;
    if (state.phase !== 'ready') return;
    try {
      post(await answer(state.profile, m, () => this.sqlContext(document.uri)));
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

  private async sqlContext(uri: vscode.Uri): Promise<SqlContextResult | undefined> {
    return this.sql?.service.context(uri);
  }

  /**
   * Opens the SQL the profile was taken with (the workspace file with that text, else the read-only copy) beside the
   * profile, with `range` selected and in view.
   */
  private async openSql(document: ProfileDocument, range: SqlRange): Promise<void> {
    const ctx = await this.sqlContext(document.uri);
    if (!this.sql || !ctx?.ok) {
      const reason = ctx && !ctx.ok ? ctx.reason : 'The SQL context is not available in this window.';
      void vscode.window.showWarningMessage(`Feldera: no SQL to open for ${document.fileName}. ${reason}`);
      return;
    }
    const { doc, differing } = await openProfiledSql(this.sql.documents, document.uri, ctx.companion);
    // Columns are 1-based and inclusive; the document clamps what lies past its text.
    const selection = doc.validateRange(
      new vscode.Range(range.startLine - 1, range.startColumn - 1, range.endLine - 1, range.endColumn),
    );
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: false,
      selection,
    });
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.log?.info(
      `Profile viewer: opened the SQL of ${document.fileName} at lines ${range.startLine}–${range.endLine}`,
    );
    if (differing) void sayDiffers(differing, doc, ctx.companion.program.version);
  }
}

type Request = Exclude<WebviewMessage, { type: 'ready' | 'openWithSamply' | 'compareWith' | 'openSql' }>;

const ANSWER_TYPE: Record<Request['type'], AnswerType> = {
  select: 'summary',
  details: 'details',
  threadStats: 'threadStats',
  operators: 'operators',
  operatorDetails: 'operatorDetails',
  timeline: 'timeline',
  bySql: 'bySql',
};

/**
 * Asks the profile's worker what the webview asked for; `sqlContext` gives the profile's SQL join for the SQL columns
 * and the By SQL grouping (undefined: none in this window).
 */
async function answer(
  profile: ProfileHandle,
  m: Request,
  sqlContext: () => Promise<SqlContextResult | undefined>,
): Promise<HostMessage> {
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
      const [table, ctx] = await Promise.all([profile.operators(query), sqlContext()]);
      if (!ctx?.ok) return { type: 'operators', requestId, table };
      const sql = operatorSqlCells(
        ctx.join,
        table.rows.map((r) => r.nodeId),
      );
      return { type: 'operators', requestId, table, sql };
    }
    case 'bySql': {
      const ctx = await sqlContext();
      let bySql: BySql;
      if (!ctx) bySql = { ok: false, reason: 'The SQL context is not available in this window.' };
      else if (!ctx.ok) bySql = { ok: false, reason: ctx.reason };
      else {
        // Every operator of the selection: no filter, no limit, so the rows add up to all operators' CPU.
        const table = await profile.operators({ threads: m.threads, ...(m.range ? { range: m.range } : {}) });
        const notes = ctx.companion.missing.map((p) => p.reason);
        bySql = bySqlRows(ctx.join, table, ctx.companion.pipeline, notes);
      }
      return { type: 'bySql', requestId, bySql };
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
