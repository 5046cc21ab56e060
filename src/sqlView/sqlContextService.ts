// A profile's SQL context on the VS Code side: the companion file joined with the profile's operators, loaded once per
// file version and cached, for everything that shows CPU by SQL (the SQL editor's heat here; the profile editor's
// relation/line columns and By SQL grouping later: they ask `context(uri)` for the join and pass their own costs).
//
// The operator figures come from a profile reader in a worker thread (never the extension host's thread). A profile
// editor that already holds one can lend it (`shareOpenProfile`), so the file is not read twice.
//
// A companion can appear after its profile: a fetch announces the profile and saves the context when the server has
// built it (`expect`), or a colleague's file is copied in. `onDidChangeContext` tells the profile editor, so its SQL
// columns come when the companion does (`watch` follows the file for an open profile).
import { promises as fsp } from 'fs';
import * as path from 'path';
import vscode = require('vscode');
import { openProfileOffThread, type HandleResult, type ProfileHandle } from '../profile/offThread';
import type { OperatorTable, ProfileMeta } from '../profile/types';
import { companionPathFor, openSqlContext, type Companion, type SqlContextResult, type SqlJoin } from '../sql';
import { buildSqlHeat, type HostOperators, type SqlHeat } from '../sql/heat';
import type { Log } from '../ui/log';

export type OperatorsResult =
  | { ok: true; table: OperatorTable; meta: ProfileMeta; hasOperators: boolean }
  | { ok: false; reason: string; cancelled?: boolean };

export type HeatResult =
  | {
      ok: true;
      heat: SqlHeat;
      companion: Companion;
      join: SqlJoin;
      /** The profiles whose operators were summed (the first gave the SQL). */
      profiles: vscode.Uri[];
      /** Things the user should know (a host left out, and why). */
      notes: string[];
    }
  | { ok: false; reason: string; cancelled?: boolean };

/** Profiles whose answers are cached; each holds an operator table and a join, a few MiB for big programs. */
const CACHE_ENTRIES = 16;

export interface SqlContextServiceOptions {
  /** dist/profileWorker.js. */
  workerFile: string;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
}

export class SqlContextService implements vscode.Disposable {
  private readonly contexts = new Cache<SqlContextResult>();
  private readonly tables = new Cache<OperatorsResult>();
  private readonly open = new Map<string, ProfileHandle>();
  /** Profiles (fsPath) whose companion is still coming from the server, and how many waits each has. */
  private readonly pending = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** The fsPath of a profile whose SQL context may have changed (its companion appeared, changed or went). */
  readonly onDidChangeContext = this.changed.event;

  constructor(private readonly opts: SqlContextServiceOptions) {}

  dispose(): void {
    this.contexts.clear();
    this.tables.clear();
    this.open.clear();
    this.pending.clear();
    this.changed.dispose();
  }

  /**
   * The companions of `profiles` (paths) are still coming from the server: until `landed` settles, their context
   * says so instead of "none saved"; then whoever shows them is told to look again.
   */
  expect(profiles: readonly string[], landed: Promise<unknown>): void {
    for (const p of profiles) this.pending.set(p, (this.pending.get(p) ?? 0) + 1);
    const done = (): void => {
      for (const p of profiles) {
        const n = (this.pending.get(p) ?? 1) - 1;
        if (n > 0) this.pending.set(p, n);
        else this.pending.delete(p);
        this.changed.fire(p);
      }
    };
    landed.then(done, done);
  }

  /** Follows the companion file of an open profile: created, changed or deleted, the profile's context is re-read. */
  watch(profile: vscode.Uri): vscode.Disposable {
    if (profile.scheme !== 'file') return new vscode.Disposable(() => undefined);
    const file = profile.fsPath;
    const companion = companionPathFor(file);
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(companion)), path.basename(companion)),
    );
    const fire = (): void => this.changed.fire(file);
    return vscode.Disposable.from(
      watcher,
      watcher.onDidCreate(fire),
      watcher.onDidChange(fire),
      watcher.onDidDelete(fire),
    );
  }

  /** The SQL context saved beside `profile`, joined; or why there is none, in one line. */
  async context(profile: vscode.Uri): Promise<SqlContextResult> {
    if (profile.scheme !== 'file') {
      const reason = 'The SQL context is read from a file beside the profile on this machine; this profile is not one.';
      return { ok: false, problem: 'unreadable', reason, path: profile.toString() };
    }
    const file = profile.fsPath;
    const stamp = await stampOf(file, companionPathFor(file));
    if (this.pending.has(file) && stamp.endsWith('|-')) {
      const reason =
        'The SQL context is still coming from the server (see the status bar); the SQL columns appear when it lands.';
      return { ok: false, problem: 'missing', reason, path: companionPathFor(file) };
    }
    return this.contexts.get(file, stamp, async () => {
      const r = await openSqlContext(file);
      if (r.ok) {
        const s = r.join.stats;
        this.opts.log.info(
          `SQL context of ${path.basename(file)}: ${r.join.lineCount} lines, ${r.join.statements.length} statements, ` +
            `${s.operatorsWithPosition} of ${s.operatorsWithPersistentId} operators with a persistent id have a ` +
            `position${s.ignoredPositions ? `, ${s.ignoredPositions} positions outside the SQL ignored` : ''}`,
        );
      } else this.opts.log.warn(`SQL context of ${path.basename(file)}: ${r.reason}`);
      return r;
    });
  }

  /** The operator table of the whole profile (no range, all threads). */
  async operators(profile: vscode.Uri, signal?: AbortSignal): Promise<OperatorsResult> {
    const key = profile.toString();
    const lent = this.open.get(key);
    if (lent) return tableOf(lent, profile);
    const stamp = profile.scheme === 'file' ? await stampOf(profile.fsPath) : '';
    return this.tables.get(
      key,
      stamp,
      () => this.readOperators(profile, signal),
      (r) => r.ok,
    );
  }

  /** Lets an open profile's reader answer for its file while it is open (the profile editor calls this). */
  shareOpenProfile(profile: vscode.Uri, handle: ProfileHandle): vscode.Disposable {
    const key = profile.toString();
    this.open.set(key, handle);
    return new vscode.Disposable(() => {
      if (this.open.get(key) === handle) this.open.delete(key);
    });
  }

  /**
   * The heat of one profile, or of several hosts' profiles of one collection summed: the first profile's SQL
   * context gives the SQL and the join; every profile gives its operators.
   */
  async heat(profiles: readonly vscode.Uri[], signal?: AbortSignal): Promise<HeatResult> {
    if (profiles.length === 0) return { ok: false, reason: 'No profile was given.' };
    const [first] = profiles;
    const ctx = await this.context(first);
    if (!ctx.ok) return { ok: false, reason: ctx.reason };
    const notes: string[] = [];
    const used: vscode.Uri[] = [];
    const hosts: HostOperators[] = [];
    const seenHosts = new Set<number>();
    for (const [i, uri] of profiles.entries()) {
      if (signal?.aborted) return { ok: false, reason: 'Cancelled.', cancelled: true };
      const name = path.posix.basename(uri.path);
      if (i > 0) {
        const other = await this.context(uri);
        if (other.ok && other.companion.program.code !== ctx.companion.program.code) {
          notes.push(`${name} was left out: its pipeline ran other SQL.`);
          continue;
        }
      }
      const ops = await this.operators(uri, signal);
      if (!ops.ok) {
        if (ops.cancelled) return ops;
        if (i === 0) return { ok: false, reason: ops.reason };
        notes.push(`${name} was left out: ${ops.reason}`);
        continue;
      }
      if (!ops.hasOperators) {
        const reason = `${name} has no Feldera operator markers (eval spans): there is no operator CPU to show in the SQL.`;
        if (i === 0) return { ok: false, reason };
        notes.push(reason);
        continue;
      }
      const host = ops.meta.host?.index;
      if (host !== undefined && seenHosts.has(host)) {
        notes.push(`${name} was left out: host ${host} is already counted.`);
        continue;
      }
      if (host !== undefined) seenHosts.add(host);
      used.push(uri);
      hosts.push({
        label: host !== undefined ? `host ${host}` : name,
        rows: ops.table.rows,
        totalCpuUs: ops.table.totalCpuUs,
      });
    }
    const heat = buildSqlHeat(ctx.join, hosts);
    return { ok: true, heat, companion: ctx.companion, join: ctx.join, profiles: used, notes };
  }

  private async readOperators(profile: vscode.Uri, signal?: AbortSignal): Promise<OperatorsResult> {
    const started = Date.now();
    let opened: HandleResult;
    try {
      const source =
        profile.scheme === 'file' ? { path: profile.fsPath } : { bytes: await vscode.workspace.fs.readFile(profile) };
      opened = await openProfileOffThread(source, { workerFile: this.opts.workerFile, signal });
    } catch (e) {
      return { ok: false, reason: `Could not read the profile: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!opened.ok) {
      return { ok: false, reason: opened.error.message, cancelled: opened.error.kind === 'cancelled' };
    }
    try {
      const r = await tableOf(opened.profile, profile);
      if (r.ok) {
        this.opts.log.info(
          `Operators of ${path.posix.basename(profile.path)}: ${r.table.rows.length} in ${Date.now() - started} ms`,
        );
      }
      return r;
    } finally {
      opened.profile.dispose();
    }
  }
}

async function tableOf(handle: ProfileHandle, profile: vscode.Uri): Promise<OperatorsResult> {
  try {
    const table = await handle.operators({});
    return { ok: true, table, meta: handle.meta, hasOperators: handle.feldera.hasOperators };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: `Could not sum the operators of ${path.posix.basename(profile.path)}: ${detail}` };
  }
}

/** Size and modification time of files: a cached answer is reused only while they are unchanged. */
async function stampOf(...files: string[]): Promise<string> {
  const parts = await Promise.all(
    files.map((f) =>
      fsp.stat(f).then(
        (s) => `${s.size}:${s.mtimeMs}`,
        () => '-',
      ),
    ),
  );
  return parts.join('|');
}

/** A small LRU of promises by key, each valid for one stamp; failures are not kept unless `keep` says so. */
class Cache<T> {
  private readonly map = new Map<string, { stamp: string; value: Promise<T> }>();

  get(key: string, stamp: string, load: () => Promise<T>, keep: (v: T) => boolean = () => true): Promise<T> {
    const hit = this.map.get(key);
    if (hit && hit.stamp === stamp) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit.value;
    }
    const value = load();
    this.map.set(key, { stamp, value });
    void value.then(
      (v) => {
        if (!keep(v) && this.map.get(key)?.value === value) this.map.delete(key);
      },
      () => this.map.delete(key),
    );
    while (this.map.size > CACHE_ENTRIES) this.map.delete(this.map.keys().next().value!);
    return value;
  }

  clear(): void {
    this.map.clear();
  }
}
