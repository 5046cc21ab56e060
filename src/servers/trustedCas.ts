// The extra CA certificates of `feldera.tls.caCertificates` for https:// Feldera servers. Only the user's (or, in a
// remote window, the remote machine's) value counts, never a workspace's: a folder cannot make the extension trust
// a certificate. The files are read again when the setting or a file changes, so fixing a file needs no reload. A
// bad entry is left out, said once (with "Open Settings"), and changes nothing else.
import * as fs from 'fs';
import vscode = require('vscode');
import { CA_SETTING, expandHome, readCaFiles } from '../feldera/tls';
import type { Log } from '../ui/log';
import { openSetting } from '../ui/openSetting';

const OPEN_SETTINGS = 'Open Settings';

export class TrustedCas implements vscode.Disposable {
  private cache?: { key: string; certificates: string[] };
  /** The problems last shown, so the same ones are not shown again at every refresh. */
  private shownProblems = '';
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: Log) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(CA_SETTING)) return;
      this.cache = undefined;
      // Said at once, not at the next request: the user just edited the setting and wants to know.
      this.certificates();
    });
    // A bad setting is said soon after start too, not only at the first https:// request; still off activation's path.
    setTimeout(() => this.certificates(), 0);
  }

  /** The user-level value only (like `feldera.servers`): a workspace's value is never read. */
  private value(): unknown {
    return vscode.workspace.getConfiguration('feldera').inspect<unknown>('tls.caCertificates')?.globalValue;
  }

  /** PEM certificates to trust besides the default roots; empty when none are configured (or none could be read). */
  certificates(): readonly string[] {
    const value = this.value();
    if (!Array.isArray(value) || value.length === 0) {
      this.cache = undefined;
      if (value !== undefined && !Array.isArray(value)) this.report(readCaFiles(value).problems);
      else this.report([]);
      return [];
    }
    const key = JSON.stringify(value) + value.map((f) => (typeof f === 'string' ? stamp(f) : '')).join('|');
    if (this.cache?.key === key) return this.cache.certificates;
    const read = readCaFiles(value);
    this.cache = { key, certificates: read.certificates };
    if (read.files.length > 0) {
      this.log.info(`Trusting ${read.certificates.length} extra CA certificate(s) from ${read.files.join(', ')}`);
    }
    this.report(read.problems);
    return read.certificates;
  }

  private report(problems: string[]): void {
    const text = problems.join(' ');
    if (text === this.shownProblems) return;
    this.shownProblems = text;
    if (!text) return;
    for (const p of problems) this.log.warn(p);
    void vscode.window.showWarningMessage(`Feldera: ${text}`, OPEN_SETTINGS).then((pick) => {
      if (pick === OPEN_SETTINGS) void openSetting(CA_SETTING);
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

/** Changes when the file does, without reading it. */
function stamp(file: string): string {
  try {
    const s = fs.statSync(expandHome(file.trim()));
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}
