// Generated profiles whose differences are known exactly, for the comparison's tests (unit and host) and the demo
// of the README picture. Sample counts are chosen so that every share is a round number.
//
// Baseline A (1,000 on-CPU samples on "dbsp-worker-0", 1,000 parked samples on "dbsp-worker-1"):
//   main > run > work      100    main > run > old   200    main > steady   300    main > run (self)   400
// Profile B, twice as long (2,000 on-CPU + 2,000 parked):
//   main > run > work      400    main > run > fresh 200    main > steady   600    main > run (self)   800
// So, on-CPU: `work` doubles (10% → 20% self, +10 points), `old` disappears (20% → gone, −20), `fresh` is new
// (+10), `steady`, `run` and `main` keep their shares. Counting parked samples too, every share is half of that.
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

/** The baseline's JSON text (v57 layout unless said otherwise). */
export function pairA(product = 'orders', version: 57 | 49 | 70 = 57): string {
  return generateProfileText(pairProfile(A_ROWS, product), version);
}

export function pairB(product = 'orders', version: 57 | 49 | 70 = 57): string {
  return generateProfileText(pairProfile(B_ROWS, product), version);
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
};

export function hostProfile(host: number, product = 'skewed'): string {
  const rows: Rows =
    host === 1
      ? [...A_ROWS.map(([path, c]): [Name[], number] => [path, 2 * c]), [['main', 'run', 'fresh'], 1000]]
      : A_ROWS;
  return generateProfileText(pairProfile(rows, product, `Ubuntu 24.04 (host ${host} of 3)`), 57);
}
