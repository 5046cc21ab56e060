// Writes samply profiles in the table layouts of several format versions from the same samples, so
// tests can check that the reader gives one answer whatever the layout. Also writes a big profile
// (~200 MiB of JSON) for the benchmark. Layouts (see ../shared/samply/FORMAT.md):
//   49  per-thread tables, per-thread stringArray, samples.time, stackTable category columns
//   56  per-thread tables, shared.stringArray, samples.timeDeltas (57, Feldera's, is the same)
//   60  tables in `shared` with global stack indexes, funcTable.source → shared.sources
//   66  as 60, with stackTable.prefixOffset instead of prefix
//   70  as 66, with the library on frameTable.lib instead of resourceTable.lib
import * as fs from 'fs';
import { once } from 'events';
import * as zlib from 'zlib';
import { mulberry32 } from '../../emulator/random';

export const LAYOUT_VERSIONS = [49, 56, 57, 60, 66, 70] as const;
export type LayoutVersion = (typeof LAYOUT_VERSIONS)[number];

export interface GenFunc {
  name: string;
  /** Index into GenProfile.libs; none = no library (resource -1). */
  lib?: number;
  file?: string;
}

/** A frame: a function index, or a function at a given address (two frames of one function). */
export type GenFrame = number | { func: number; address: number };

export interface GenSampleColumns {
  /** Index into GenThread.stacks; -1 = an empty (null) stack. */
  stack: Int32Array;
  /** ms relative to meta.startTime. */
  time: Float64Array;
  /** Absent = every weight is 1 (the column is then written as null, which readers treat as 1). */
  weight?: Float64Array;
  /** µs; NaN = null. Absent = no threadCPUDelta column. */
  cpuDelta?: Float64Array;
}

/** A marker; strings (its name, a FelderaMarker's tooltip) go into the layout's string table. */
export interface GenMarker {
  name: string;
  /** Index into the categories: 0 Other, 1 User, then GenProfile.categories. */
  category: number;
  start: number | null;
  end: number | null;
  phase: number;
  /** A FelderaMarker whose `name` field is this text, or any other `data` as it is written. */
  data: { feldera: string } | { raw: unknown };
}

export interface GenThread {
  name: string;
  tid: string;
  pid: string;
  processName: string;
  isMainThread?: boolean;
  /** Distinct stacks, each root → leaf. */
  stacks: GenFrame[][];
  samples: GenSampleColumns | (() => GenSampleColumns);
  markers?: GenMarker[];
}

/** A counter, written as samply does: `count` holds the change since the previous sample. */
export interface GenCounter {
  name: string;
  category: string;
  time: number[];
  /** The value at each time (e.g. RSS in bytes). */
  value: number[];
  /** Which time column to write (default: `time`). */
  timeColumn?: 'time' | 'timeDeltas';
}

export interface GenProfile {
  product: string;
  oscpu: string;
  interval: number;
  startTime: number;
  symbolicated?: boolean;
  libs: string[];
  funcs: GenFunc[];
  threads: GenThread[];
  /** Categories appended to Other and User (Feldera appends its marker categories). */
  categories?: string[];
  markerSchema?: unknown[];
  counters?: GenCounter[];
}

/** The profile's JSON text, in pieces (so a big one can be streamed). */
export function* emitProfile(p: GenProfile, version: LayoutVersion): Generator<string> {
  const sharedTables = version >= 60;
  const sharedStrings = version >= 56;
  const useSources = version >= 60;
  const frameLib = version >= 70;
  const globalStrings = new StringTable();

  const meta = {
    interval: p.interval,
    startTime: p.startTime,
    processType: 0,
    product: p.product,
    oscpu: p.oscpu,
    symbolicated: p.symbolicated ?? false,
    version: 24,
    preprocessedProfileVersion: version,
    categories: [
      { name: 'Other', color: 'grey', subcategories: ['Other'] },
      { name: 'User', color: 'yellow', subcategories: ['Other'] },
      ...(p.categories ?? []).map((name) => ({ name, color: 'blue', subcategories: ['Other'] })),
    ],
    sampleUnits: { time: 'ms', eventDelay: 'ms', threadCPUDelta: 'µs' },
    markerSchema: p.markerSchema ?? [],
    usesOnlyOneStackType: true,
    sourceCodeIsNotOnSearchfox: true,
    pausedRanges: [],
    debug: false,
    extensions: { length: 0, baseURL: [], id: [], name: [] },
  };
  const libs = p.libs.map((name) => ({
    name,
    path: `/usr/lib/${name}`,
    debugName: name,
    debugPath: `/usr/lib/${name}`,
    breakpadId: '0123456789ABCDEF0123456789ABCDEF0',
    codeId: null,
    arch: null,
  }));

  // Shared tables (v60+) cover every thread; per-thread tables only what the thread uses.
  const sharedBuilt = sharedTables
    ? buildTables(p, p.threads, globalStrings, useSources, frameLib, version)
    : undefined;

  yield `{"meta":${JSON.stringify(meta)},"libs":${JSON.stringify(libs)},"threads":[`;
  for (let ti = 0; ti < p.threads.length; ti++) {
    const t = p.threads[ti];
    const strings = sharedStrings ? globalStrings : new StringTable();
    const built = sharedBuilt ?? buildTables(p, [t], strings, false, false, version);
    const stackOf = built.stackOfPath[sharedBuilt ? ti : 0];
    const s = typeof t.samples === 'function' ? t.samples() : t.samples;
    const n = s.stack.length;
    const head = {
      name: t.name,
      processName: t.processName,
      processType: 'default',
      pid: t.pid,
      tid: t.tid,
      isMainThread: t.isMainThread ?? false,
      registerTime: 0,
      unregisterTime: null,
      processStartupTime: 0,
      processShutdownTime: null,
      pausedRanges: [],
      showMarkersInTimeline: false,
      // Before the tables: its strings must be in a thread's own string table when that is written.
      markers: markersTable(t.markers ?? [], strings),
    };
    yield `${ti ? ',' : ''}${JSON.stringify(head).slice(0, -1)}`;
    if (!sharedTables) {
      yield `,"stackTable":${JSON.stringify(built.stackTable)},"frameTable":${JSON.stringify(built.frameTable)}`;
      yield `,"funcTable":${JSON.stringify(built.funcTable)},"resourceTable":${JSON.stringify(built.resourceTable)}`;
      yield `,"nativeSymbols":${JSON.stringify(emptyNativeSymbols())}`;
      if (!sharedStrings) yield `,"stringArray":${JSON.stringify(strings.array)}`;
    }
    yield `,"samples":{"length":${n},"weightType":"samples","stack":[`;
    yield* numbers(Int32Array.from(s.stack, (k) => (k < 0 ? -1 : stackOf[k])));
    if (version < 50) {
      yield '],"time":[';
      yield* numbers(s.time);
    } else {
      yield '],"timeDeltas":[';
      yield* numbers(s.time.map((v, i) => (i === 0 ? v : v - s.time[i - 1])));
    }
    if (s.weight) {
      yield '],"weight":[';
      yield* numbers(s.weight);
      yield ']';
    } else {
      yield '],"weight":null';
    }
    if (s.cpuDelta) {
      yield ',"threadCPUDelta":[';
      yield* numbers(s.cpuDelta);
      yield ']';
    }
    yield '}}';
  }
  yield `],"pages":[],"profilerOverhead":[],"counters":${JSON.stringify((p.counters ?? []).map(counterJson))}`;
  if (sharedStrings || sharedTables) {
    const shared: Record<string, unknown> = {};
    if (sharedBuilt) {
      shared.stackTable = sharedBuilt.stackTable;
      shared.frameTable = sharedBuilt.frameTable;
      shared.funcTable = sharedBuilt.funcTable;
      shared.resourceTable = sharedBuilt.resourceTable;
      shared.nativeSymbols = emptyNativeSymbols();
      shared.sources = sharedBuilt.sources;
    }
    shared.stringArray = globalStrings.array;
    yield `,"shared":${JSON.stringify(shared)}`;
  }
  yield '}';
}

export function generateProfileText(p: GenProfile, version: LayoutVersion): string {
  return Array.from(emitProfile(p, version)).join('');
}

export function generateProfile(p: GenProfile, version: LayoutVersion): unknown {
  return JSON.parse(generateProfileText(p, version));
}

function markersTable(markers: GenMarker[], strings: StringTable): Record<string, unknown> {
  return {
    length: markers.length,
    category: markers.map((m) => m.category),
    data: markers.map((m) =>
      'feldera' in m.data ? { type: 'FelderaMarker', name: strings.get(m.data.feldera) } : m.data.raw,
    ),
    endTime: markers.map((m) => m.end),
    name: markers.map((m) => strings.get(m.name)),
    phase: markers.map((m) => m.phase),
    startTime: markers.map((m) => m.start),
  };
}

function counterJson(c: GenCounter): Record<string, unknown> {
  const count = c.value.map((v, i) => (i === 0 ? v : v - c.value[i - 1]));
  const samples: Record<string, unknown> = { length: c.time.length, count, number: c.time.map(() => 0) };
  if (c.timeColumn === 'timeDeltas') samples.timeDeltas = c.time.map((t, i) => (i === 0 ? t : t - c.time[i - 1]));
  else samples.time = c.time;
  return { category: c.category, name: c.name, description: c.name, mainThreadIndex: 0, pid: '100', samples };
}

/** A numeric column in pieces; -1 in an Int32Array and NaN in a Float64Array are written as null. */
function* numbers(values: Int32Array | Float64Array): Generator<string> {
  const CHUNK = 65536;
  const nulls = values instanceof Int32Array ? /-1/g : /NaN/g;
  for (let start = 0; start < values.length; start += CHUNK) {
    const text = values.subarray(start, Math.min(values.length, start + CHUNK)).join(',');
    yield (start ? ',' : '') + text.replace(nulls, 'null');
  }
}

class StringTable {
  readonly array: string[] = [];
  private readonly index = new Map<string, number>();
  get(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.array.length;
      this.array.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

function emptyNativeSymbols() {
  return { length: 0, address: [], functionSize: [], libIndex: [], name: [] };
}

interface BuiltTables {
  stackTable: Record<string, unknown>;
  frameTable: Record<string, unknown>;
  funcTable: Record<string, unknown>;
  resourceTable: Record<string, unknown>;
  sources?: Record<string, unknown>;
  /** Per given thread: its GenThread.stacks index → stack index in these tables. */
  stackOfPath: number[][];
}

/** The stack, frame, func and resource tables for some threads, deduplicated like samply does. */
function buildTables(
  p: GenProfile,
  threads: GenThread[],
  strings: StringTable,
  useSources: boolean,
  frameLib: boolean,
  version: number,
): BuiltTables {
  const resourceOfLib = new Map<number, number>();
  const resourceTable = {
    length: 0,
    lib: [] as number[],
    name: [] as number[],
    host: [] as null[],
    type: [] as number[],
  };
  const sources = { length: 0, id: [] as null[], filename: [] as number[] };
  const sourceOfFile = new Map<string, number>();
  const funcTable = {
    length: 0,
    name: [] as number[],
    isJS: [] as boolean[],
    relevantForJS: [] as boolean[],
    resource: [] as number[],
    lineNumber: [] as null[],
    columnNumber: [] as null[],
    fileName: [] as (number | null)[],
    source: [] as (number | null)[],
  };
  const localFunc = new Map<number, number>();
  const frameTable = {
    length: 0,
    address: [] as number[],
    inlineDepth: [] as number[],
    category: [] as number[],
    subcategory: [] as number[],
    func: [] as number[],
    nativeSymbol: [] as null[],
    innerWindowID: [] as number[],
    line: [] as null[],
    column: [] as null[],
    lib: [] as number[],
    implementation: [] as null[],
  };
  const frameOf = new Map<string, number>();
  const stackTable = { length: 0, prefix: [] as (number | null)[], frame: [] as number[], category: [] as number[] };
  const stackOf = new Map<string, number>();

  const funcIndex = (g: number): number => {
    let f = localFunc.get(g);
    if (f !== undefined) return f;
    const spec = p.funcs[g];
    let resource = -1;
    if (spec.lib !== undefined) {
      let r = resourceOfLib.get(spec.lib);
      if (r === undefined) {
        r = resourceTable.length++;
        resourceOfLib.set(spec.lib, r);
        resourceTable.lib.push(spec.lib);
        resourceTable.name.push(strings.get(p.libs[spec.lib]));
        resourceTable.host.push(null);
        resourceTable.type.push(1);
      }
      resource = r;
    }
    f = funcTable.length++;
    localFunc.set(g, f);
    funcTable.name.push(strings.get(spec.name));
    funcTable.isJS.push(false);
    funcTable.relevantForJS.push(false);
    funcTable.resource.push(resource);
    funcTable.lineNumber.push(null);
    funcTable.columnNumber.push(null);
    if (spec.file === undefined) {
      funcTable.fileName.push(null);
      funcTable.source.push(null);
    } else {
      funcTable.fileName.push(strings.get(spec.file));
      let src = sourceOfFile.get(spec.file);
      if (src === undefined) {
        src = sources.length++;
        sourceOfFile.set(spec.file, src);
        sources.id.push(null);
        sources.filename.push(strings.get(spec.file));
      }
      funcTable.source.push(src);
    }
    return f;
  };
  const frameIndex = (fr: GenFrame): number => {
    const g = typeof fr === 'number' ? fr : fr.func;
    const address = typeof fr === 'number' ? 0x1000 + g * 16 : fr.address;
    const key = `${g}:${address}`;
    let i = frameOf.get(key);
    if (i !== undefined) return i;
    i = frameTable.length++;
    frameOf.set(key, i);
    frameTable.address.push(address);
    frameTable.inlineDepth.push(0);
    frameTable.category.push(1);
    frameTable.subcategory.push(0);
    frameTable.func.push(funcIndex(g));
    frameTable.nativeSymbol.push(null);
    frameTable.innerWindowID.push(0);
    frameTable.line.push(null);
    frameTable.column.push(null);
    frameTable.lib.push(p.funcs[g].lib ?? -1);
    frameTable.implementation.push(null);
    return i;
  };
  const stackOfPath = threads.map((t) =>
    t.stacks.map((path) => {
      let prefix = -1;
      for (const fr of path) {
        const frame = frameIndex(fr);
        const key = `${prefix}:${frame}`;
        let s = stackOf.get(key);
        if (s === undefined) {
          s = stackTable.length++;
          stackOf.set(key, s);
          stackTable.prefix.push(prefix < 0 ? null : prefix);
          stackTable.frame.push(frame);
          stackTable.category.push(1);
        }
        prefix = s;
      }
      if (prefix < 0) throw new Error('a generated stack needs at least one frame');
      return prefix;
    }),
  );

  const outStack: Record<string, unknown> = { length: stackTable.length, frame: stackTable.frame };
  if (version >= 66) outStack.prefixOffset = stackTable.prefix.map((q, i) => (q === null ? 0 : i - q));
  else outStack.prefix = stackTable.prefix;
  if (version < 53) {
    outStack.category = stackTable.category;
    outStack.subcategory = stackTable.category.map(() => 0);
  }
  const outFrame: Record<string, unknown> = { ...frameTable };
  if (!frameLib) delete outFrame.lib;
  if (version >= 54) delete outFrame.implementation;
  const outFunc: Record<string, unknown> = { ...funcTable };
  if (useSources) delete outFunc.fileName;
  else delete outFunc.source;
  const outResource: Record<string, unknown> = { ...resourceTable };
  if (frameLib) delete outResource.lib;
  return {
    stackTable: outStack,
    frameTable: outFrame,
    funcTable: outFunc,
    resourceTable: outResource,
    sources: useSources ? sources : undefined,
    stackOfPath,
  };
}

// ---------------------------------------------------------------------------------------------------
// Known-answer data for the tests. Expected values are worked out by hand in layouts.test.ts.

export const F = {
  main: 0,
  run: 1,
  work: 2,
  hexApp: 3,
  futexWait: 4,
  hexNoLib: 5,
  recurse: 6,
  park: 7,
} as const;

export function sampleProfile(oscpu = 'Linux 6.8 (host 1 of 4)'): GenProfile {
  const { main, run, work, hexApp, futexWait, hexNoLib, recurse, park } = F;
  const cols = (rows: [number, number, number | null, number][]): GenSampleColumns => ({
    stack: Int32Array.from(rows, (r) => r[0]),
    weight: Float64Array.from(rows, (r) => r[1]),
    cpuDelta: Float64Array.from(rows, (r) => (r[2] === null ? NaN : r[2])),
    time: Float64Array.from(rows, (r) => r[3]),
  });
  return {
    product: 'pipeline-manager',
    oscpu,
    interval: 1,
    startTime: 1700000000000,
    symbolicated: true,
    libs: ['app', 'libc.so.6'],
    funcs: [
      { name: 'main', lib: 0 },
      { name: 'run', lib: 0 },
      { name: 'work', lib: 0, file: 'src/work.rs' },
      { name: '0x1a2b', lib: 0 },
      { name: 'futex_wait', lib: 1 },
      { name: '0x99' },
      { name: 'recurse', lib: 0 },
      { name: 'park', lib: 1 },
    ],
    threads: [
      {
        name: 'main',
        tid: '100',
        pid: '100',
        processName: 'pipeline',
        isMainThread: true,
        stacks: [
          [main, run, work],
          [main, run, hexApp],
          [main, run, { func: work, address: 0x2222 }],
          [main, recurse, recurse, work],
          [main],
        ],
        // [stack, weight, cpuDelta µs, time ms]
        samples: cols([
          [0, 1, 1000, 0],
          [0, 1, 1000, 1],
          [1, 1, 1000, 2],
          [2, 1, 1000, 3],
          [3, 1, 1000, 4],
          [4, 2, 0, 5],
          [-1, 1, 500, 7],
        ]),
      },
      {
        name: 'worker-1',
        tid: '101',
        pid: '100',
        processName: 'pipeline',
        stacks: [[main, park, futexWait], [main, run, work], [hexNoLib]],
        samples: cols([
          [0, 5, 0, 0],
          [1, 1, 2000, 1],
          [0, 3, 0, 9],
          [1, 1, 1000, 10],
          [2, 1, null, 11],
        ]),
      },
      {
        name: 'worker-2',
        tid: '102',
        pid: '100',
        processName: 'pipeline',
        stacks: [
          [main, park, futexWait],
          [main, run, hexApp],
        ],
        samples: cols([
          [0, 4, 0, 0],
          [1, 2, 3000, 2],
        ]),
      },
    ],
  };
}

/** Feldera's marker categories as this test profile appends them: Operator = 2, Step = 3, Transaction = 4, Exchange = 5. */
export const FELDERA_CATEGORIES = ['Operator', 'Step', 'Transaction', 'Exchange'];
const OPERATOR = 2;
const STEP = 3;
const TRANSACTION = 4;
const EXCHANGE = 5;

const evalMarker = (text: string, start: number, end: number): GenMarker => ({
  name: 'eval',
  category: OPERATOR,
  start,
  end,
  phase: 1,
  data: { feldera: text },
});

/**
 * sampleProfile() as a Feldera pipeline would have it: the workers named `dbsp-worker-0/1`, eval spans around some of
 * their samples (a nested circuit among them, tooltips with μ, µ and u), Step and Transaction spans and one marker of
 * each kind a reader must skip on the main thread, an RSS counter and another counter. Expected values are worked out
 * by hand in markers.test.ts.
 */
export function felderaSampleProfile(counterTime: 'time' | 'timeDeltas' = 'time'): GenProfile {
  const p = sampleProfile();
  const [main, w0, w1] = p.threads;
  w0.name = 'dbsp-worker-0';
  w1.name = 'dbsp-worker-1';
  // Listed as Feldera logs them, when they end: the nested circuit after its operator.
  w0.markers = [
    evalMarker('Map Index 1 nn1 used 900μs real time, 800μs CPU time', 0.5, 1.5),
    { name: 'send', category: EXCHANGE, start: 3, end: 3.1, phase: 1, data: { feldera: 'send to 1 worker' } },
    evalMarker('Sum nn2 used 2000μs real time, 1000μs CPU time', 8.5, 10.1),
    evalMarker('Z^-1 (output) nn3_n1 used 500μs real time, 400μs CPU time', 10.8, 11.4),
    evalMarker('Subcircuit nn3 used 1800μs real time, 1500μs CPU time', 10.2, 12),
  ];
  w1.markers = [
    evalMarker('Map Index 1 nn1 used 1000μs real time, 1000μs CPU time', 1.5, 2.5),
    evalMarker('Sum nn2 used 3µs real time, 2µs CPU time', 5, 5.003),
    evalMarker('Sum nn2 used 4us real time, 3us CPU time', 6, 6.004),
  ];
  const bad = (m: Partial<GenMarker>): GenMarker => ({
    name: 'step',
    category: STEP,
    start: 1,
    end: 2,
    phase: 1,
    data: { feldera: 'step 9' },
    ...m,
  });
  main.markers = [
    { name: 'input', category: STEP, start: 0, end: 0.4, phase: 1, data: { feldera: 'supply input before step 1' } },
    { name: 'step', category: STEP, start: 0.4, end: 6, phase: 1, data: { feldera: 'step 1' } },
    {
      name: 'commit',
      category: TRANSACTION,
      start: 0.4,
      end: 11,
      phase: 1,
      data: { feldera: 'transaction 7 committed 42 records' },
    },
    // One of each kind the reader skips.
    bad({ phase: 0, end: 1 }),
    bad({ phase: 2 }),
    bad({ data: { raw: null } }),
    bad({ data: { raw: { type: 'Text', name: 3 } } }),
    bad({ start: null }),
    bad({ start: 5, end: 4 }),
    bad({ name: 'eval', category: OPERATOR, data: { feldera: 'Map nn1 used lots of time' } }),
    bad({ data: { raw: { type: 'FelderaMarker', name: 99999 } } }),
  ];
  p.categories = FELDERA_CATEGORIES;
  p.markerSchema = [
    { name: 'FelderaMarker', display: ['marker-chart'], fields: [{ key: 'name', format: 'unique-string' }] },
  ];
  p.counters = [
    { name: 'RSS', category: 'Memory', time: [0, 4, 8, 12], value: [100, 300, 250, 400], timeColumn: counterTime },
    { name: 'malloc', category: 'Memory', time: [0, 1], value: [5, 6], timeColumn: counterTime },
  ];
  return p;
}

// ---------------------------------------------------------------------------------------------------
// A big profile for the benchmark.

export interface BigProfileOptions {
  /** Approximate size of the JSON text (default 200 MiB). */
  targetBytes?: number;
  version?: LayoutVersion;
  gzip?: boolean;
  threads?: number;
  seed?: number;
}

/**
 * Writes a realistic big profile: many threads (most of them parked, like Feldera's workers), a few
 * thousand functions half of them unsymbolicated, a few thousand distinct stacks per thread, and as
 * many samples as it takes to reach `targetBytes` of JSON.
 */
export async function writeBigProfile(
  file: string,
  opts: BigProfileOptions = {},
): Promise<{ textBytes: number; fileBytes: number; samples: number; threads: number }> {
  const target = opts.targetBytes ?? 200 * 1024 * 1024;
  const threadCount = opts.threads ?? 48;
  const rand = mulberry32(opts.seed ?? 42);
  const libs = ['pipeline', 'libc.so.6', 'libstdc++.so.6', 'ld-linux-x86-64.so.2'];
  const funcs: GenFunc[] = [];
  for (let i = 0; i < 4000; i++) {
    const lib = i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : i % 13 === 0 ? 3 : 0;
    funcs.push(
      i % 2 === 0
        ? { name: `0x${(0x10000 + i * 0x37).toString(16)}`, lib }
        : { name: `dbsp::operator::op_${i}::eval`, lib, file: `crates/dbsp/src/op_${i % 97}.rs` },
    );
  }
  // A fixed random call graph so threads share subtrees, as real code does.
  const calleesOf = funcs.map(() => Array.from({ length: 4 }, () => Math.floor(rand() * funcs.length)));
  const parked: GenFrame[] = [0, 3, 7, 14];
  const bytesPerSample = 14;
  const totalSamples = Math.max(threadCount, Math.floor(target / bytesPerSample));
  const perThread = Math.floor(totalSamples / threadCount);
  const threads: GenThread[] = [];
  for (let t = 0; t < threadCount; t++) {
    const stacks: GenFrame[][] = [parked];
    const pool = 1500 + Math.floor(rand() * 1500);
    for (let k = 0; k < pool; k++) {
      const depth = 8 + Math.floor(rand() * 40);
      const path: GenFrame[] = [0];
      let f = 1 + (t % 5);
      for (let d = 0; d < depth; d++) {
        path.push(f);
        f = calleesOf[f][Math.floor(rand() * 4)];
      }
      stacks.push(path);
    }
    const seed = Math.floor(rand() * 2 ** 31);
    const busy = t % 4 === 0;
    threads.push({
      name: t === 0 ? 'pipeline' : busy ? `dbsp-worker-${t}` : `tokio-runtime-worker`,
      tid: String(1000 + t),
      pid: '1000',
      processName: 'pipeline',
      isMainThread: t === 0,
      stacks,
      samples: () => {
        const r = mulberry32(seed);
        const stack = new Int32Array(perThread);
        const time = new Float64Array(perThread);
        const weight = new Float64Array(perThread);
        const cpuDelta = new Float64Array(perThread);
        let now = 0;
        for (let i = 0; i < perThread; i++) {
          const off = !busy && r() < 0.7;
          stack[i] = off ? 0 : 1 + Math.floor(r() * pool);
          weight[i] = off ? 1 + Math.floor(r() * 20) : 1;
          cpuDelta[i] = off ? 0 : 500 + Math.floor(r() * 600);
          now += 1;
          time[i] = now;
        }
        return { stack, time, weight, cpuDelta };
      },
    });
  }
  const profile: GenProfile = {
    product: 'pipeline',
    oscpu: 'Ubuntu 24.04 (host 0 of 2)',
    interval: 1,
    startTime: 1700000000000,
    libs,
    funcs,
    threads,
  };
  const out = fs.createWriteStream(file);
  const gzip = opts.gzip ? zlib.createGzip({ level: 2 }) : undefined;
  const sink: NodeJS.WritableStream = gzip ?? out;
  if (gzip) gzip.pipe(out);
  let textBytes = 0;
  for (const chunk of emitProfile(profile, opts.version ?? 57)) {
    textBytes += Buffer.byteLength(chunk);
    if (!sink.write(chunk)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
  }
  sink.end();
  await once(out, 'close');
  return { textBytes, fileBytes: fs.statSync(file).size, samples: perThread * threadCount, threads: threadCount };
}
