// What a Feldera pipeline's DBSP workers do while samply records, generated deterministically, for the emulator's
// profiles (./profileGenerator.ts): the circuit's operators (node ids and names from the real circuit profile in
// ../shared/feldera/fixtures when it is there, else a small built-in circuit), one `eval` span per evaluation of an
// operator per step on each worker (a nested circuit's span around its operators' spans, evaluated until its
// fixpoint), and the samples a 1 ms sampler takes meanwhile: a sample inside an operator's span carries that
// operator's functions, one between spans the scheduler's, one between steps a parked thread's (merged, as samply
// merges idle samples). Everything the markers and samples say is known here exactly: the tests' truth.
//
// Times: the worker's clock runs in whole µs; spans start and end 0.3 µs past a whole µs, and samples are taken on
// whole ms, so no sample ever sits on a span's boundary (attribution is exact even after the reader sums timeDeltas).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { mulberry32 } from './random';

/** The circuit profile of a real 16-worker pipeline (Feldera's own test data, see PROFILE-TO-SQL.md). */
export const CIRCUIT_FIXTURE = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'feldera',
  'fixtures',
  'circuit_profile-16workers.json.gz',
);

export interface CircuitOp {
  /** DBSP global node id, as the eval tooltip prints it (`nn18`, `nn106_n52`). */
  nodeId: string;
  /** Operator name (the graph label without its ` @ location`); may contain spaces. */
  name: string;
  /** The source location of the label, when it has one (becomes the operator's closure in the stacks). */
  location?: string;
  /** A nested circuit's operators (a recursive view): evaluated inside its span, until the fixpoint. */
  children?: CircuitOp[];
}

export interface Circuit {
  /** Where the node ids come from. */
  source: 'fixture' | 'builtin';
  /** Top-level operators in evaluation order. */
  ops: CircuitOp[];
  /** Every operator, parents before their children: an operator's index here is its id in a WorkerTrack. */
  all: CircuitOp[];
}

let cached: Circuit | undefined;

/**
 * The fixture's circuit when ../shared is there; else (a clone without ../shared) a small built-in circuit of the same
 * shape, so the demo and the tests still have operators, a nested circuit and names with spaces.
 */
export function felderaCircuit(): Circuit {
  if (!cached) {
    let ops: CircuitOp[] | undefined;
    try {
      ops = circuitFromProfile(JSON.parse(zlib.gunzipSync(fs.readFileSync(CIRCUIT_FIXTURE)).toString('utf8')));
    } catch {
      ops = undefined;
    }
    cached = ops && ops.length > 0 ? withAll('fixture', ops) : withAll('builtin', BUILTIN);
  }
  return cached;
}

function withAll(source: Circuit['source'], ops: CircuitOp[]): Circuit {
  const all: CircuitOp[] = [];
  const walk = (list: CircuitOp[]) => {
    for (const op of list) {
      all.push(op);
      if (op.children) walk(op.children);
    }
  };
  walk(ops);
  return { source, ops, all };
}

/**
 * The operators of a circuit profile's `graph.nodes`: `Simple` nodes are operators; a `Cluster` whose id ends in a
 * region (`_r0`, `_r0_1`) only groups nodes; any other `Cluster` (`nn106`) is a nested circuit, itself an operator of
 * its parent.
 */
export function circuitFromProfile(profile: unknown): CircuitOp[] {
  const graph = (profile as { graph?: { nodes?: unknown } }).graph;
  const root = graph?.nodes as { nodes?: unknown[] } | undefined;
  if (!root || !Array.isArray(root.nodes)) return [];
  const parse = (nodes: unknown[]): CircuitOp[] => {
    const out: CircuitOp[] = [];
    for (const n of nodes) {
      const simple = (n as { Simple?: { id: string; label: string } }).Simple;
      const cluster = (n as { Cluster?: { id: string; label: string; nodes: unknown[] } }).Cluster;
      if (simple) out.push(operator(simple.id, simple.label));
      else if (cluster && /_r\d+(_\d+)*$/.test(cluster.id)) out.push(...parse(cluster.nodes ?? []));
      // A nested circuit's label is empty in the graph; the name its eval marker carries is our guess.
      else if (cluster) out.push({ nodeId: cluster.id, name: 'Subcircuit', children: parse(cluster.nodes ?? []) });
    }
    return out;
  };
  return parse(root.nodes);
}

function operator(nodeId: string, label: string): CircuitOp {
  const at = label.indexOf(' @ ');
  return at < 0 ? { nodeId, name: label } : { nodeId, name: label.slice(0, at), location: label.slice(at + 3) };
}

/** Used when ../shared/feldera/fixtures is not there. */
const BUILTIN: CircuitOp[] = [
  { nodeId: 'nn1', name: 'Input', location: 's/lib.rs:40:12' },
  { nodeId: 'nn2', name: 'InputUpsert' },
  { nodeId: 'nn3', name: 'MapIndexedZSet', location: 's/lib.rs:61:30' },
  { nodeId: 'nn4', name: 'Z1 (trace)' },
  { nodeId: 'nn5', name: 'JoinTrace', location: 's/o/d/join.rs:693:21' },
  { nodeId: 'nn6', name: 'AggregateIncremental' },
  { nodeId: 'nn7', name: 'merge shards', location: 's/o/d/c/shard.rs:100:30' },
  {
    nodeId: 'nn8',
    name: 'Subcircuit',
    children: [
      { nodeId: 'nn8_n0', name: 'Z^-1 (output)' },
      { nodeId: 'nn8_n1', name: 'delta0' },
      { nodeId: 'nn8_n2', name: 'JoinTrace', location: 's/o/d/join.rs:707:21' },
      { nodeId: 'nn8_n3', name: 'DistinctIncremental' },
      { nodeId: 'nn8_n4', name: 'Z^-1' },
    ],
  },
  { nodeId: 'nn9', name: 'Sum' },
  { nodeId: 'nn10', name: 'AccumulateTraceAppend' },
  { nodeId: 'nn11', name: 'Output' },
];

// ---------------------------------------------------------------------------------------------------------------
// Costs

/** Operators that do the heavy lifting in a real pipeline (joins, aggregates, traces). */
const HEAVY = /Join|Aggregate|Distinct|Accumulat|merge|Upsert|Z1 \(trace\)|Subcircuit/;

function seedOf(...parts: (string | number)[]): number {
  return crypto.createHash('sha256').update(parts.join('\0')).digest().readUInt32LE(0);
}

export interface WorkPlan {
  circuit: Circuit;
  /** Base cost of one evaluation per operator (µs), before each worker's factor and each evaluation's jitter. */
  cost: Float64Array;
  /** Per operator and worker (`op * workers + w`): that worker's factor. One operator runs much hotter on one worker. */
  factor: Float64Array;
  workers: number;
  /** First global worker number of this host. */
  firstWorker: number;
  steps: number;
  /** µs from the profile's start to the first step, and between step starts. */
  firstStepUs: number;
  stepPeriodUs: number;
  /** The profile's length (µs): the last step's period ends there. */
  durationUs: number;
  seed: number;
}

/**
 * How a pipeline's workers will spend `steps` steps: fixed per pipeline (the same operators are heavy each time).
 * `costScale` scales every operator's cost: below 1, shorter steps with fewer samples per evaluation.
 * `operatorScale` (node id → factor) scales chosen operators' cost on top: the same pipeline after a change that made
 * them cheaper or dearer (the skewed operator and every random draw stay those of the unscaled plan).
 */
export function workPlan(
  pipeline: string,
  workers: number,
  firstWorker: number,
  steps: number,
  collectionSeed: number,
  costScale = 1,
  operatorScale: Readonly<Record<string, number>> = {},
): WorkPlan {
  const circuit = felderaCircuit();
  const ops = circuit.all.length;
  const rnd = mulberry32(seedOf('costs', pipeline));
  const cost = new Float64Array(ops);
  circuit.all.forEach((op, i) => {
    const heavy = HEAVY.test(op.name);
    cost[i] = op.children ? 2 : (heavy ? 150 + rnd() * 1800 : 2 + rnd() * 25) * costScale;
  });
  const factor = new Float64Array(ops * workers);
  // The skewed operator: the heaviest one, three times as costly on one worker.
  let hot = 0;
  for (let i = 1; i < ops; i++) if (cost[i] > cost[hot]) hot = i;
  for (let i = 0; i < ops; i++) {
    for (let w = 0; w < workers; w++) factor[i * workers + w] = 0.85 + 0.3 * rnd();
  }
  factor[hot * workers + (hot % workers)] *= 3;
  circuit.all.forEach((op, i) => {
    const k = operatorScale[op.nodeId];
    if (k !== undefined && Number.isFinite(k) && k > 0) cost[i] *= k;
  });
  // A step: every operator once, a nested circuit 1.5 times on average, plus slack for the slowest worker.
  let work = 0;
  const walk = (list: CircuitOp[], times: number) => {
    for (const op of list) {
      const i = circuit.all.indexOf(op);
      work += cost[i] * times;
      if (op.children) walk(op.children, times * 1.5);
    }
  };
  walk(circuit.ops, 1);
  const stepPeriodUs = Math.round(work * 1.6 + 4000);
  const firstStepUs = 3000;
  return {
    circuit,
    cost,
    factor,
    workers,
    firstWorker,
    steps,
    firstStepUs,
    stepPeriodUs,
    durationUs: firstStepUs + steps * stepPeriodUs,
    seed: collectionSeed,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One worker's spans and samples

/** A sample's stack on a worker: parked, in the scheduler, or in an operator's evaluation (with a leaf variant). */
export const PARKED = -2;
export const SCHEDULER = -1;
/** Leaf variants of an operator's stack: its own code, memmove, a trace insert. */
export const LEAVES = 3;

export interface WorkerTrack {
  worker: number;
  /** Eval spans in the order Feldera logs them: when they end (a nested circuit after its operators). */
  spans: {
    count: number;
    /** Index into circuit.all. */
    op: Int32Array;
    /** Whole µs; the span is [startUs + 0.3, endUs + 0.3) µs. */
    startUs: Float64Array;
    endUs: Float64Array;
    realUs: Int32Array;
    cpuUs: Int32Array;
  };
  /** Exchange spans (one `send` per step, after the step's work): [startUs + 0.3, startUs + 3.3) µs. */
  sends: number[];
  /** Samples at whole ms; parked runs merged into one sample whose weight is their count. */
  samples: {
    count: number;
    timeMs: Int32Array;
    weight: Int32Array;
    /** PARKED, SCHEDULER, or the index (into circuit.all) of the innermost operator whose span holds the sample. */
    op: Int32Array;
    /** 0..LEAVES-1, for an operator's sample. */
    leaf: Uint8Array;
    /** µs of CPU since the previous sample (0 when parked). */
    cpuDelta: Int32Array;
  };
}

/** Span time (µs, whole) → marker time (ms): 0.3 µs past it, written with at most 4 decimals. */
export function markerMs(us: number): number {
  return (us * 10 + 3) / 1e4;
}

/** Worker `w` (0-based on this host) over the whole plan. Deterministic for the plan, the worker and the seed. */
export function workerTrack(plan: WorkPlan, w: number): WorkerTrack {
  const { circuit, cost, factor, workers } = plan;
  const rnd = mulberry32(seedOf('worker', plan.seed, plan.firstWorker + w));
  const cap = 1024;
  const spans = {
    count: 0,
    op: new Int32Array(cap),
    startUs: new Float64Array(cap),
    endUs: new Float64Array(cap),
    realUs: new Int32Array(cap),
    cpuUs: new Int32Array(cap),
  };
  const push = (op: number, start: number, end: number, cpu: number) => {
    if (spans.count === spans.op.length) {
      for (const k of ['op', 'startUs', 'endUs', 'realUs', 'cpuUs'] as const) {
        const a = spans[k];
        const b = new (a.constructor as new (n: number) => typeof a)(a.length * 2);
        b.set(a);
        (spans as Record<string, unknown>)[k] = b;
      }
    }
    const k = spans.count++;
    spans.op[k] = op;
    spans.startUs[k] = start;
    spans.endUs[k] = end;
    spans.realUs[k] = end - start;
    spans.cpuUs[k] = cpu;
  };
  const index = new Map(circuit.all.map((op, i) => [op, i]));
  /** Evaluates a list of operators from time t; returns [end time, CPU used]. */
  const run = (list: CircuitOp[], t: number): [number, number] => {
    let cpuSum = 0;
    for (const op of list) {
      const i = index.get(op)!;
      const start = t;
      let cpu: number;
      if (op.children) {
        t += 2;
        cpu = 2;
        const iterations = 1 + Math.floor(rnd() * 2);
        for (let it = 0; it < iterations; it++) {
          const [end, used] = run(op.children, t);
          t = end;
          cpu += used;
        }
        t += 2;
        cpu += 1;
      } else {
        const real = Math.max(1, Math.round(cost[i] * factor[i * workers + w] * (0.7 + 0.6 * rnd())));
        cpu = Math.max(0, Math.min(real, Math.round(real * (0.8 + 0.2 * rnd()))));
        t += real;
      }
      push(i, start, t, cpu);
      cpuSum += cpu;
      t += 1 + Math.floor(rnd() * 3);
    }
    return [t, cpuSum];
  };
  const sends: number[] = [];
  /** [start, end) of each step's work on this worker, for the samples between spans. */
  const busy: number[] = [];
  let t = 0;
  for (let step = 0; step < plan.steps; step++) {
    const begin = Math.max(t, plan.firstStepUs + step * plan.stepPeriodUs + Math.floor(rnd() * 200));
    const [end] = run(circuit.ops, begin);
    sends.push(end);
    t = end + 4;
    busy.push(begin, t);
  }
  return { worker: plan.firstWorker + w, spans: trimSpans(spans), sends, samples: sampleTrack(plan, spans, busy, rnd) };
}

function trimSpans<T extends { count: number }>(s: T): T {
  const out: Record<string, unknown> = { count: s.count };
  for (const [k, v] of Object.entries(s))
    if (ArrayBuffer.isView(v)) out[k] = (v as unknown as Int32Array).slice(0, s.count);
  return out as T;
}

/** The samples at whole ms: the innermost span holding each (spans listed by end; children end first). */
function sampleTrack(
  plan: WorkPlan,
  spans: WorkerTrack['spans'],
  busy: number[],
  rnd: () => number,
): WorkerTrack['samples'] {
  const totalMs = Math.ceil(plan.durationUs / 1000);
  const owner = new Int32Array(totalMs).fill(PARKED);
  for (let b = 0; b < busy.length; b += 2) {
    for (let ms = Math.ceil((busy[b] + 0.3) / 1000); ms * 1000 < busy[b + 1] + 0.3 && ms < totalMs; ms++) {
      owner[ms] = SCHEDULER;
    }
  }
  // Outer spans first (they end last), so that an inner span's samples end up with the inner operator.
  const order = Array.from({ length: spans.count }, (_, k) => k).sort(
    (a, b) => spans.startUs[a] - spans.startUs[b] || spans.endUs[b] - spans.endUs[a],
  );
  for (const k of order) {
    const from = Math.ceil((spans.startUs[k] + 0.3) / 1000);
    for (let ms = from; ms * 1000 < spans.endUs[k] + 0.3 && ms < totalMs; ms++) owner[ms] = spans.op[k];
  }
  const timeMs: number[] = [];
  const weight: number[] = [];
  const op: number[] = [];
  const leaf: number[] = [];
  const cpuDelta: number[] = [];
  for (let ms = 0; ms < totalMs;) {
    const o = owner[ms];
    let w = 1;
    if (o === PARKED) while (w < 8 && ms + w < totalMs && owner[ms + w] === PARKED) w++;
    timeMs.push(ms);
    weight.push(w);
    op.push(o);
    leaf.push(o >= 0 ? Math.floor(rnd() * LEAVES) : 0);
    cpuDelta.push(o === PARKED ? 0 : 900 + Math.floor(rnd() * 100));
    ms += w;
  }
  return {
    count: timeMs.length,
    timeMs: Int32Array.from(timeMs),
    weight: Int32Array.from(weight),
    op: Int32Array.from(op),
    leaf: Uint8Array.from(leaf),
    cpuDelta: Int32Array.from(cpuDelta),
  };
}

/** The eval tooltip exactly as Feldera writes it. */
export function evalTooltip(op: CircuitOp, realUs: number, cpuUs: number): string {
  return `${op.name} ${op.nodeId} used ${realUs}μs real time, ${cpuUs}μs CPU time`;
}
