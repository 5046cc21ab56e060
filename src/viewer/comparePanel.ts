// The comparison editor: a webview panel over one comparison session (a worker that reads the profiles in parallel
// and answers). It holds what is shown — which profiles make A and B, CPU only or not, hosts view or comparison — and
// sends the webview only answers, again whenever the webview is rebuilt (it is not kept alive while hidden).
import * as path from 'path';
import vscode = require('vscode');
import { parseProfileFileName } from '../profile/compareFiles';
import { openCompareSession, type CompareSession } from '../profile/compareOffThread';
import type { CompareSource, ProfileStatus, SideSpec } from '../profile/compareProtocol';
import { compareHtml } from './compareHtml';
import {
  parseCompareWebviewMessage,
  type CompareHostMessage,
  type CompareWebviewMessage,
  type LoadingProfile,
} from './compareMessages';
import { webviewRoots } from './html';
import type { ViewerLog } from './profileDocument';

export const COMPARE_VIEW_TYPE = 'feldera.compareProfiles';

export type CompareTarget =
  | { kind: 'compare'; baseline: vscode.Uri; profile: vscode.Uri }
  /** The hosts view of one collection; `compareHost`: open straight on that host against the rest. */
  | { kind: 'hosts'; files: vscode.Uri[]; compareHost?: number };

type View = { kind: 'compare'; spec: SideSpec; fromHosts: boolean } | { kind: 'hosts'; cpuOnly: boolean };

export class CompareEditors {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log?: ViewerLog,
  ) {}

  open(target: CompareTarget): void {
    new ComparePanel(this.extensionUri, target, this.log);
  }
}

class ComparePanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly uris: vscode.Uri[];
  private readonly roles: string[];
  private readonly abort = new AbortController();
  private session: CompareSession | undefined;
  private loading: LoadingProfile[];
  private failed: string | undefined;
  private view: View;
  /** The last answer shown, sent again when the webview is rebuilt. */
  private shown: CompareHostMessage | undefined;
  private lastProgress = 0;
  private disposed = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    target: CompareTarget,
    private readonly log?: ViewerLog,
  ) {
    if (target.kind === 'compare') {
      const same = target.baseline.toString() === target.profile.toString();
      this.uris = same ? [target.baseline] : [target.baseline, target.profile];
      this.roles = same ? ['A and B'] : ['A (baseline)', 'B'];
      this.view = { kind: 'compare', spec: { a: [0], b: [same ? 0 : 1], cpuOnly: true }, fromHosts: false };
    } else {
      this.uris = target.files;
      this.roles = target.files.map((u, k) => {
        const host = parseProfileFileName(baseName(u))?.host;
        return host !== undefined ? `Host ${host}` : `Profile ${k + 1}`;
      });
      this.view = { kind: 'hosts', cpuOnly: true };
    }
    this.loading = this.uris.map((u) => ({
      fileName: baseName(u),
      // Each read says when it starts: two at most at once, the second later on a small machine (nextReadAfter).
      phase: 'waiting',
      bytesRead: 0,
      totalBytes: 0,
    }));
    this.panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, this.title(target), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: webviewRoots(extensionUri),
    });
    const webview = this.panel.webview;
    webview.html = compareHtml(webview, extensionUri, this.title(target));
    const subscription = webview.onDidReceiveMessage((raw: unknown) => {
      const m = parseCompareWebviewMessage(raw);
      if (!m) {
        this.log?.error(`Compare: ignored an unexpected message from the webview: ${safeJson(raw)}`);
        return;
      }
      void this.handle(m).catch((e: unknown) => this.problem(e));
    });
    this.panel.onDidDispose(() => {
      this.disposed = true;
      subscription.dispose();
      this.abort.abort();
      this.session?.dispose();
    });
    void this.start(target);
  }

  private title(target: CompareTarget): string {
    if (target.kind === 'compare') {
      return `Compare ${stem(target.baseline)} ↔ ${stem(target.profile)}`;
    }
    const name = parseProfileFileName(baseName(target.files[0]));
    return name ? `Hosts: ${name.pipeline} ${name.stamp}` : `Hosts: ${target.files.length} profiles`;
  }

  private post(m: CompareHostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  private async start(target: CompareTarget): Promise<void> {
    const started = Date.now();
    let sources: CompareSource[];
    try {
      sources = await Promise.all(
        this.uris.map(async (u) =>
          u.scheme === 'file'
            ? { fileName: baseName(u), path: u.fsPath }
            : { fileName: baseName(u), bytes: await vscode.workspace.fs.readFile(u) },
        ),
      );
    } catch (e) {
      this.fail(`Could not read the profiles: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const r = await openCompareSession(sources, {
      workerFile: vscode.Uri.joinPath(this.extensionUri, 'dist', 'compareWorker.js').fsPath,
      signal: this.abort.signal,
      onStarted: (k) => this.progress(k, { phase: 'reading' }),
      onProgress: (k, bytesRead, totalBytes) => this.progress(k, { phase: 'reading', bytesRead, totalBytes }),
      onPhase: (k, phase) => this.progress(k, { phase }, true),
      onProfileDone: (k) => this.progress(k, { phase: 'done' }, true),
    });
    if (this.disposed) {
      if (r.ok) r.session.dispose();
      return;
    }
    if (!r.ok) {
      this.fail(r.error.message);
      return;
    }
    this.session = r.session;
    const profiles = r.session.profiles;
    this.log?.info(
      `Compare: read ${profiles.map((p) => `${p.fileName} (${p.ok ? 'ok' : `${p.error.kind}: ${p.error.message}`})`).join(', ')} ` +
        `in ${Date.now() - started} ms`,
    );
    this.post({ type: 'profiles', profiles, roles: this.roles });
    const ok = (k: number) => profiles[k]?.ok === true;
    if (this.view.kind === 'compare') {
      this.view.spec.cpuOnly = this.canCpuOnly([...this.view.spec.a, ...this.view.spec.b]);
      if ([...this.view.spec.a, ...this.view.spec.b].every(ok)) await this.showComparison();
      return;
    }
    this.view.cpuOnly = this.canCpuOnly(this.readable());
    if (!this.readable().length) return;
    if (target.kind === 'hosts' && target.compareHost !== undefined && ok(target.compareHost)) {
      await this.compareHost(target.compareHost);
    } else {
      await this.showHosts();
    }
  }

  private readable(): number[] {
    return (this.session?.profiles ?? []).flatMap((p, k) => (p.ok ? [k] : []));
  }

  private canCpuOnly(which: number[]): boolean {
    const profiles = this.session?.profiles ?? [];
    return which.length > 0 && which.every((k) => statusHasCpu(profiles[k]));
  }

  private progress(k: number, patch: Partial<LoadingProfile>, force = false): void {
    const p = this.loading[k];
    if (!p) return;
    Object.assign(p, patch);
    const now = Date.now();
    if (!force && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.post({ type: 'loading', profiles: this.loading });
  }

  private fail(message: string): void {
    this.failed = message;
    this.log?.error(`Compare: ${message}`);
    this.post({ type: 'failed', message });
  }

  private problem(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log?.error(`Compare: ${message}`);
    this.post({ type: 'problem', message: `Could not update the view: ${message}` });
  }

  private async showComparison(): Promise<void> {
    if (!this.session || this.view.kind !== 'compare') return;
    const { spec, fromHosts } = this.view;
    const comparison = await this.session.compare(spec);
    const m: CompareHostMessage = {
      type: 'comparison',
      comparison,
      a: spec.a,
      b: spec.b,
      canCpuOnly: this.canCpuOnly([...spec.a, ...spec.b]),
      fromHosts,
    };
    this.shown = m;
    this.post(m);
  }

  private async showHosts(): Promise<void> {
    if (!this.session) return;
    const cpuOnly = this.view.kind === 'hosts' ? this.view.cpuOnly : this.view.spec.cpuOnly;
    this.view = { kind: 'hosts', cpuOnly };
    const list = this.readable();
    const view = await this.session.hosts(list, cpuOnly);
    const m: CompareHostMessage = { type: 'hosts', view, canCpuOnly: this.canCpuOnly(list) };
    this.shown = m;
    this.post(m);
  }

  private async compareHost(k: number): Promise<void> {
    const rest = this.readable().filter((j) => j !== k);
    if (!rest.length) return;
    const cpuOnly = this.view.kind === 'hosts' ? this.view.cpuOnly : this.view.spec.cpuOnly;
    this.view = { kind: 'compare', spec: { a: rest, b: [k], cpuOnly }, fromHosts: true };
    await this.showComparison();
  }

  private async handle(m: CompareWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        // A new or rebuilt webview: everything it should show.
        if (this.failed !== undefined) this.post({ type: 'failed', message: this.failed });
        else if (!this.session) this.post({ type: 'loading', profiles: this.loading });
        else {
          this.post({ type: 'profiles', profiles: this.session.profiles, roles: this.roles });
          if (this.shown) this.post(this.shown);
        }
        return;
      case 'openAlone': {
        const uri = this.uris[m.profile];
        if (uri) await vscode.commands.executeCommand('feldera.openProfileSummary', uri);
        return;
      }
      case 'swap':
        if (this.view.kind !== 'compare') return;
        this.view.spec = { ...this.view.spec, a: this.view.spec.b, b: this.view.spec.a };
        await this.showComparison();
        return;
      case 'cpuOnly':
        if (this.view.kind === 'compare') {
          this.view.spec = { ...this.view.spec, cpuOnly: m.value };
          await this.showComparison();
        } else {
          this.view.cpuOnly = m.value;
          await this.showHosts();
        }
        return;
      case 'functions':
        if (this.view.kind !== 'compare' || !this.session) return;
        this.post({
          type: 'functions',
          requestId: m.requestId,
          rows: await this.session.functions(this.view.spec, { filter: m.filter, sort: m.sort }),
        });
        return;
      case 'compareHost':
        await this.compareHost(m.profile);
        return;
      case 'showHosts':
        await this.showHosts();
        return;
    }
  }
}

function statusHasCpu(p: ProfileStatus | undefined): boolean {
  return p?.ok === true && p.hasCpuDelta;
}

function baseName(u: vscode.Uri): string {
  return path.posix.basename(u.path);
}

function stem(u: vscode.Uri): string {
  return baseName(u).replace(/\.json(\.gz)?$/i, '');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v).slice(0, 200);
  } catch {
    return String(v);
  }
}
