// Generated profiles whose differences are known exactly, for the comparison's tests (unit and host) and the demo
// of the README picture. Sample counts are chosen so that every share is a round number.
//
// Baseline A (1,000 on-CPU samples on "dbsp-worker-0", 1,000 parked samples on "dbsp-worker-1"):
//   main > run > work      100    main > run > old   200    main > steady   300    main > run (self)   400
// Profile B, twice as long (2,000 on-CPU + 2,000 parked):
//   main > run > work      400    main > run > fresh 200    main > steady   600    main > run (self)   800
// So, on-CPU: `work` doubles (10% → 20% self, +10 points), `old` disappears (20% → gone, −20), `fresh` is new
// (+10), `steady`, `run` and `main` keep their shares. Counting parked samples too, every share is half of that.
//
// Both carry Feldera `eval` markers (FELDERA-MARKERS.md: `FelderaMarker` data, the tooltip naming operator, node id,
// real and CPU µs), one evaluation = 1,000 µs of CPU:
//   A: Join nn10 ×2 on worker 0, Aggregate nn11 ×1 on worker 0, Map nn12 ×1 on worker 1            (4,000 µs)
//   B: Join nn10 ×6 on worker 0, Aggregate nn11 ×2 on worker 1 (moved), Distinct nn13 ×2 on worker 1 (10,000 µs)
// So Map is gone (25% → −25 points), Distinct is new (+20), Join grew (50% → 60%), Aggregate shrank (25% → 20%) and
// moved entirely from worker 0 to worker 1.
import { generateProfileText, type GenProfile, type GenSampleColumns, type GenThread } from './generate';

export const PAIR_FUNCS = ['main', 'run', 'work', 'old', 'fresh', 'steady', 'park', 'futex_wait'] as const;
type Name = (typeof PAIR_FUNCS)[number];
const id = (n: Name) => PAIR_FUNCS.indexOf(n);

/** [path, sample count] on the busy thread. */
type Rows = [Name[], number][];

const A_ROWS: Rows = [
  [['main', 'run', 'work'], 100],
  [['main', 'run', 'old'], 200],
  [['main', 'steady'], 300],
  [['main', 'run'], 400],
];
const B_ROWS: Rows = [
  [['main', 'run', 'work'], 400],
  [['main', 'run', 'fresh'], 200],
  [['main', 'steady'], 600],
  [['main', 'run'], 800],
];

/** What a comparison of A and B must find, on-CPU: shares in percent. */
export const PAIR_TRUTH = {
  /** name → [A self, A total, B self, B total] in %. */
  functions: {
    main: [0, 100, 0, 100],
    run: [40, 70, 40, 70],
    work: [10, 10, 20, 20],
    old: [20, 20, 0, 0],
    fresh: [0, 0, 10, 10],
    steady: [30, 30, 30, 30],
  } as Record<string, [number, number, number, number]>,
  classes: { main: 'same', run: 'same', work: 'grew', old: 'gone', fresh: 'new', steady: 'same' } as Record<
    string,
    string
  >,
  /** The verdict's changes, biggest first (ties by total change, then name). */
  top: [
    ['old', -20],
    ['fresh', 10],
    ['work', 10],
  ] as [string, number][],
  samples: { a: 1000, b: 2000 },
};

function busyThread(rows: Rows, name: string, tid: string): GenThread {
  const total = rows.reduce((n, [, c]) => n + c, 0);
  const stack = new Int32Array(total);
  const time = new Float64Array(total);
  const cpuDelta = new Float64Array(total);
  let i = 0;
  // Interleaved, as samples of one thread are, so that no time range holds one path only.
  const left = rows.map(([, c]) => c);
  while (i < total) {
    for (let k = 0; k < rows.length; k++) {
      if (left[k] === 0) continue;
      left[k]--;
      stack[i] = k;
      time[i] = i;
      cpuDelta[i] = 1000;
      i++;
    }
  }
  return {
    name,
    tid,
    pid: '100',
    processName: 'pipeline',
    stacks: rows.map(([path]) => path.map(id)),
    samples: { stack, time, cpuDelta },
  };
}

function parkedThread(count: number, tid: string): GenThread {
  const samples: GenSampleColumns = {
    stack: new Int32Array(count),
    time: Float64Array.from({ length: count }, (_, i) => i),
    cpuDelta: new Float64Array(count),
  };
  return {
    name: 'dbsp-worker-1',
    tid,
    pid: '100',
    processName: 'pipeline',
    stacks: [[id('main'), id('park'), id('futex_wait')]],
    samples,
  };
}

function pairProfile(rows: Rows, product: string, oscpu = 'Ubuntu 24.04'): GenProfile {
  const busy = rows.reduce((n, [, c]) => n + c, 0);
  return {
    product,
    oscpu,
    interval: 1,
    startTime: 1767225600000,
    symbolicated: true,
    libs: ['pipeline', 'libc.so.6'],
    funcs: PAIR_FUNCS.map((name) => ({ name, lib: name === 'futex_wait' || name === 'park' ? 1 : 0 })),
    threads: [busyThread(rows, 'dbsp-worker-0', '101'), parkedThread(busy, '102')],
  };
}

/** One operator's evaluations on one worker thread. */
type Evals = { op: string; nodeId: string; worker: number; count: number };

const A_OPS: Evals[] = [
  { op: 'Join', nodeId: 'nn10', worker: 0, count: 2 },
  { op: 'Aggregate', nodeId: 'nn11', worker: 0, count: 1 },
  { op: 'Map', nodeId: 'nn12', worker: 1, count: 1 },
];
const B_OPS: Evals[] = [
  { op: 'Join', nodeId: 'nn10', worker: 0, count: 6 },
  { op: 'Aggregate', nodeId: 'nn11', worker: 1, count: 2 },
  { op: 'Distinct', nodeId: 'nn13', worker: 1, count: 2 },
];

/** What comparing A's and B's operators must find: shares in %, class, where the CPU ran. */
export const OPERATOR_TRUTH = {
  /** In order of the size of the change. */
  rows: [
    { nodeId: 'nn12', name: 'Map', a: 25, b: 0, cls: 'gone', aWorkers: ['worker 1'], bWorkers: [] as string[] },
    { nodeId: 'nn13', name: 'Distinct', a: 0, b: 20, cls: 'new', aWorkers: [] as string[], bWorkers: ['worker 1'] },
    { nodeId: 'nn10', name: 'Join', a: 50, b: 60, cls: 'grew', aWorkers: ['worker 0'], bWorkers: ['worker 0'] },
    { nodeId: 'nn11', name: 'Aggregate', a: 25, b: 20, cls: 'shrank', aWorkers: ['worker 0'], bWorkers: ['worker 1'] },
  ],
  /** Aggregate's CPU moved entirely to another worker. */
  moved: { nn11: 100, nn10: 0 } as Record<string, number>,
  totalCpuUs: { a: 4000, b: 10000 },
};

const EVAL_CPU_US = 1000;

/**
 * Adds Feldera `eval` markers to a generated profile's text, as Feldera writes them: an `Operator` category appended
 * to meta.categories, the FelderaMarker schema, and per worker thread an interval marker per evaluation whose data
 * names the tooltip string. Strings go where the layout keeps them (shared, or the thread's own).
 */
function withOperators(text: string, evals: Evals[]): string {
  const p = JSON.parse(text) as {
    meta: { categories: unknown[]; markerSchema: unknown[] };
    shared?: { stringArray?: string[] };
    threads: { name: string; stringArray?: string[]; markers: Record<string, unknown[] | number> }[];
  };
  const category = p.meta.categories.length;
  p.meta.categories.push({ name: 'Operator', color: 'blue', subcategories: ['Other'] });
  p.meta.markerSchema.push({
    name: 'FelderaMarker',
    display: ['marker-chart', 'marker-table'],
    chartLabel: '{marker.data.name}',
    tooltipLabel: '{marker.data.name}',
    tableLabel: '{marker.data.name}',
    fields: [{ key: 'name', label: 'Name', format: 'unique-string' }],
  });
  for (const t of p.threads) {
    const mine = evals.filter((e) => t.name === `dbsp-worker-${e.worker}`);
    if (!mine.length) continue;
    const strings = p.shared?.stringArray ?? t.stringArray;
    if (!strings) throw new Error(`no string table for ${t.name}`);
    const idx = (str: string) => {
      const i = strings.indexOf(str);
      return i >= 0 ? i : strings.push(str) - 1;
    };
    const m = { name: [] as number[], category: [] as number[], startTime: [] as number[], endTime: [] as number[] };
    const phase: number[] = [];
    const data: unknown[] = [];
    let at = 10;
    for (const e of mine) {
      for (let k = 0; k < e.count; k++) {
        m.name.push(idx('eval'));
        m.category.push(category);
        m.startTime.push(at);
        m.endTime.push(at + 1);
        phase.push(1);
        const tip = `${e.op} ${e.nodeId} used ${EVAL_CPU_US}μs real time, ${EVAL_CPU_US}μs CPU time`;
        data.push({ type: 'FelderaMarker', name: idx(tip) });
        at += 2;
      }
    }
    t.markers = { length: phase.length, ...m, phase, data };
  }
  return JSON.stringify(p);
}

/** The baseline's JSON text (v57 layout unless said otherwise), with its operators. */
export function pairA(product = 'orders', version: 57 | 49 | 70 = 57): string {
  return withOperators(generateProfileText(pairProfile(A_ROWS, product), version), A_OPS);
}

export function pairB(product = 'orders', version: 57 | 49 | 70 = 57): string {
  return withOperators(generateProfileText(pairProfile(B_ROWS, product), version), B_OPS);
}

/** The same profiles without Feldera markers (plain samply). */
export function plainA(product = 'orders'): string {
  return generateProfileText(pairProfile(A_ROWS, product), 57);
}

/**
 * Three hosts of one collection: on-CPU samples per host 1,000 / 3,000 / 1,000, so host 1 has 60% of the collection's
 * CPU. Hosts 0 and 2 run A's paths; host 1 runs them twice over plus `fresh` 1,000 times, so against the other hosts
 * `fresh` is new on host 1 with a third of its samples.
 */
export const HOSTS_TRUTH = {
  cpuSamples: [1000, 3000, 1000],
  share: [0.2, 0.6, 0.2],
  /** Host 1 against the rest: `fresh`'s change in points. */
  freshOnHost1: 100 / 3,
  /** Operators per host: Join runs three times as much on host 1 (60% of its CPU: it stands out), Map evenly. */
  operators: [
    { nodeId: 'nn10', name: 'Join', cpuUs: [1000, 3000, 1000], skew: 3, busiest: 1 },
    { nodeId: 'nn12', name: 'Map', cpuUs: [1000, 1000, 1000], skew: 1, busiest: 0 },
  ],
};

export function hostProfile(host: number, product = 'skewed'): string {
  const rows: Rows =
    host === 1
      ? [...A_ROWS.map(([path, c]): [Name[], number] => [path, 2 * c]), [['main', 'run', 'fresh'], 1000]]
      : A_ROWS;
  const ops: Evals[] = [
    { op: 'Join', nodeId: 'nn10', worker: 0, count: host === 1 ? 3 : 1 },
    { op: 'Map', nodeId: 'nn12', worker: 1, count: 1 },
  ];
  return withOperators(generateProfileText(pairProfile(rows, product, `Ubuntu 24.04 (host ${host} of 3)`), 57), ops);
}
