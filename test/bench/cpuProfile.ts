// Reading V8 CPU profiles (.cpuprofile, from the inspector or `node --cpu-prof`) to say where a figure's time goes.
import * as fs from 'fs';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function loadProfile(file: string): CpuProfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
}

/** µs of samples taken in each node itself. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  return self;
}

/** Inclusive ms of the nodes that `match`, counting a node only when no ancestor matched too. */
export function inclusive(profile: CpuProfile, match: (n: CpuProfileNode) => boolean): number {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = (id: number): number =>
    (self.get(id) ?? 0) + (byId.get(id)?.children ?? []).reduce((sum, c) => sum + total(c), 0);
  let us = 0;
  const walk = (id: number, inside: boolean): void => {
    const n = byId.get(id);
    if (!n) return;
    const hit = !inside && match(n);
    if (hit) us += total(id);
    for (const c of n.children ?? []) walk(c, inside || hit);
  };
  walk(profile.nodes[0].id, false);
  return us / 1000;
}

/** When (ms into the profile) the first and the last sample under a node that matches were taken. */
export function span(profile: CpuProfile, match: (n: CpuProfileNode) => boolean): [number, number] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const under = (id: number) => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const n = byId.get(x);
      if (n && match(n)) return true;
    }
    return false;
  };
  let t = 0;
  let first = NaN;
  let last = NaN;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (!under(id)) return;
    if (Number.isNaN(first)) first = t / 1000;
    last = t / 1000;
  });
  return [first, last];
}

/**
 * The `n` functions with the most self time, as "name (file) ms", grouping a function's nodes; `label` turns a node's
 * URL into the file shown (undefined: shown as V8/Node).
 */
export function topSelf(profile: CpuProfile, n: number, label: (url: string) => string | undefined): string[] {
  const self = selfTimes(profile);
  const byKey = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (us === 0) continue;
    const file = label(node.callFrame.url);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name} (${file ?? 'V8/Node'})`;
    byKey.set(key, (byKey.get(key) ?? 0) + us);
  }
  return [...byKey]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => `${key} ${(us / 1000).toFixed(0)} ms`);
}
