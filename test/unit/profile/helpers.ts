// Shared by the profile tests: where the fixtures live, and a canonical form of a summary that does
// not depend on function ids (which follow table order, so differ between layouts).
import * as fs from 'fs';
import * as path from 'path';
import type { Context } from 'mocha';
import type { FlameTree, FunctionInfo, ProfileSummary } from '../../../src/profile';

/** Compiled tests run from out/test/unit/profile. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const FIXTURES = path.resolve(REPO_ROOT, '../shared/samply/fixtures');
const SKIP_MESSAGE = 'skipped: ../shared/samply/fixtures not found';

/** The fixture's path, or skips the test with a clear message when the fixtures are not there. */
export function fixture(ctx: Context, name: string): string {
  const file = path.join(FIXTURES, name);
  if (!fs.existsSync(file)) {
    if (ctx.test) ctx.test.title += ` (${SKIP_MESSAGE})`;
    console.log(`      ${SKIP_MESSAGE}: ${file}`);
    ctx.skip();
  }
  return file;
}

export interface CanonicalNode {
  name: string;
  value: number;
  self: number;
  children: CanonicalNode[];
}

export function flameByName(flame: FlameTree, funcs: FunctionInfo[]): CanonicalNode[] {
  const names = new Map(funcs.map((f) => [f.id, f.name]));
  const nodes: CanonicalNode[] = flame.func.map((f, i) => ({
    name: names.get(f) ?? `?${f}`,
    value: flame.value[i],
    self: flame.self[i],
    children: [],
  }));
  const roots: CanonicalNode[] = [];
  flame.parent.forEach((p, i) => (p < 0 ? roots : nodes[p].children).push(nodes[i]));
  return roots;
}

/** The summary with names instead of ids, and the version left out. */
export function canonical(s: ProfileSummary): unknown {
  const stat = (f: { name: string; lib?: string; file?: string; self: number; total: number }) => ({
    name: f.name,
    lib: f.lib,
    file: f.file,
    self: f.self,
    total: f.total,
  });
  const { version: _version, ...meta } = s.meta;
  return {
    meta,
    threads: s.threads,
    selection: {
      threads: s.selection.threads,
      cpuOnly: s.selection.cpuOnly,
      samples: s.selection.samples,
      weight: s.selection.weight,
      stackWeight: s.selection.stackWeight,
      functionCount: s.selection.functionCount,
      topSelf: s.selection.topSelf.map(stat),
      topTotal: s.selection.topTotal.map(stat),
      flame: flameByName(s.selection.flame, s.selection.funcs),
    },
  };
}
