// CPU in SQL on screen: which documents show a profile's heat, and how — decorations on every editor of them, a
// CodeLens above each CREATE TABLE/VIEW (and a summary one at the top), a hover per line. Heat is shown only while a
// document's text is the profiled SQL: an edit that changes it hides the heat (the lines would lie), undoing the edit
// brings it back. Providers and decoration types are created on first use, so activation pays nothing for them.
import * as path from 'path';
import vscode = require('vscode');
import type { SqlHeat } from '../sql/heat';
import { HeatDecorations, rangesByLevel } from './heatDecorations';
import {
  lineHoverMarkdown,
  statementLensTitle,
  statementLensTooltip,
  summaryLensTitle,
  summaryLensTooltip,
} from './heatText';
import { normaliseSql, PROFILED_SQL_SCHEME } from './sqlDocuments';

/** True while the active editor shows CPU in SQL (for the Clear action in its title bar). */
export const HEAT_SHOWN_CONTEXT = 'feldera.sqlHeatShown';
/** True while any document shows CPU in SQL (for the Command Palette). */
export const HEAT_ANY_CONTEXT = 'feldera.sqlHeatAny';

export interface HeatState {
  heat: SqlHeat;
  /** The profiles the heat comes from (the first gave the SQL). */
  profiles: vscode.Uri[];
  /** The profiled SQL, line endings normalised: the heat shows only while the document's text is this. */
  code: string;
}

interface Shown extends HeatState {
  ranges: ReturnType<typeof rangesByLevel>;
  /** The text differs from the profiled SQL: nothing is drawn until it matches again. */
  stale: boolean;
  /** Named once per document: where the heat comes from. */
  source: string;
}

export class SqlHeatView implements vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private decorations?: HeatDecorations;
  private readonly subscriptions: vscode.Disposable[] = [];
  private started = false;
  private readonly pendingChecks = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly commands: { clear: string; openProfile: string }) {}

  /** Whether a document shows heat now. */
  has(uri: vscode.Uri): boolean {
    const s = this.shown.get(uri.toString());
    return s !== undefined && !s.stale;
  }

  /** Shows `state` on `doc` (replacing any heat it had) and on every editor of it. */
  show(doc: vscode.TextDocument, state: HeatState): void {
    this.start();
    const hosts = state.profiles.length;
    const first = path.posix.basename(state.profiles[0]?.path ?? '');
    const source = hosts > 1 ? `${hosts} hosts (${first.replace(/-host\d+(-\d+)?\.json\.gz$/i, '')})` : first;
    const s: Shown = { ...state, ranges: rangesByLevel(state.heat.ranges), stale: false, source };
    s.stale = normaliseSql(doc.getText()) !== s.code;
    this.shown.set(doc.uri.toString(), s);
    this.refresh(doc.uri);
  }

  /** Removes the heat from one document, or from all; returns how many documents had it. */
  clear(uri?: vscode.Uri): number {
    const keys = uri ? [uri.toString()].filter((k) => this.shown.has(k)) : [...this.shown.keys()];
    for (const k of keys) this.shown.delete(k);
    for (const k of keys) this.refresh(vscode.Uri.parse(k));
    return keys.length;
  }

  dispose(): void {
    for (const t of this.pendingChecks.values()) clearTimeout(t);
    this.subscriptions.forEach((d) => d.dispose());
    this.decorations?.dispose();
    this.lensesChanged.dispose();
    this.shown.clear();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.decorations = new HeatDecorations();
    const selector: vscode.DocumentSelector = [{ scheme: PROFILED_SQL_SCHEME }, { scheme: 'file' }];
    this.subscriptions.push(
      vscode.languages.registerCodeLensProvider(selector, {
        onDidChangeCodeLenses: this.lensesChanged.event,
        provideCodeLenses: (doc) => this.lenses(doc),
      }),
      vscode.languages.registerHoverProvider(selector, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.decorate(e))),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.shown.has(e.document.uri.toString())) this.scheduleCheck(e.document);
      }),
    );
  }

  /** After an edit (debounced): is the text still the profiled SQL? */
  private scheduleCheck(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.pendingChecks.get(key));
    this.pendingChecks.set(
      key,
      setTimeout(() => {
        this.pendingChecks.delete(key);
        const s = this.shown.get(key);
        if (!s) return;
        const stale = normaliseSql(doc.getText()) !== s.code;
        if (stale === s.stale) return;
        s.stale = stale;
        this.refresh(doc.uri);
        if (stale) {
          void vscode.window.showInformationMessage(
            `Feldera: ${path.posix.basename(doc.uri.path)} no longer is the SQL the profile was taken with: its CPU ` +
              'marks are hidden until the text matches again (undo), or clear them.',
          );
        }
      }, 300),
    );
  }

  private refresh(uri: vscode.Uri): void {
    const key = uri.toString();
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === key) this.decorate(e);
    this.lensesChanged.fire();
    this.updateContext();
  }

  private decorate(editor: vscode.TextEditor): void {
    if (!this.decorations) return;
    const s = this.shown.get(editor.document.uri.toString());
    if (s && !s.stale) this.decorations.apply(editor, s.ranges);
    else this.decorations.clear(editor);
  }

  private updateContext(): void {
    const active = vscode.window.activeTextEditor?.document.uri;
    void vscode.commands.executeCommand('setContext', HEAT_SHOWN_CONTEXT, active !== undefined && this.has(active));
    void vscode.commands.executeCommand('setContext', HEAT_ANY_CONTEXT, this.shown.size > 0);
  }

  private lenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const s = this.shown.get(doc.uri.toString());
    if (!s || s.stale) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const out = [
      new vscode.CodeLens(top, {
        title: summaryLensTitle(s.heat, s.source),
        tooltip: summaryLensTooltip(s.heat),
        command: this.commands.openProfile,
        arguments: [s.profiles[0]],
      }),
      new vscode.CodeLens(top, {
        title: 'Clear',
        tooltip: 'Remove the CPU marks from this SQL (Feldera: Clear CPU in SQL)',
        command: this.commands.clear,
        arguments: [doc.uri],
      }),
    ];
    for (const st of s.heat.statements) {
      const line = st.statement.startLine - 1;
      if (line >= doc.lineCount) continue;
      out.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: statementLensTitle(st),
          tooltip: statementLensTooltip(st, s.heat),
          command: '',
        }),
      );
    }
    return out;
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const s = this.shown.get(doc.uri.toString());
    if (!s || s.stale) return undefined;
    const line = s.heat.line(pos.line + 1);
    if (!line) return undefined;
    const md = new vscode.MarkdownString(lineHoverMarkdown(line, s.heat, s.source));
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }
}
