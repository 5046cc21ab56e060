// Generates samply profiles the way a Feldera pipeline serves them: gzip of one JSON object in the Firefox Profiler
// *processed* format, preprocessedProfileVersion 57 (samply 0.13.2, Feldera's fork). See /work/shared/samply/FORMAT.md.
//
// Two flavours, both deterministic:
// - `smallProfile()`: a complete Feldera profile of a few hundred KiB: the pipeline's DBSP workers (`dbsp-worker-N`)
//   evaluating the operators of a real circuit (./felderaWork.ts), with an `eval` marker per evaluation, Step,
//   Transaction, Checkpoint and Exchange markers and the RSS counter exactly as Feldera writes them
//   (../shared/samply/FELDERA-MARKERS.md), and samples that agree with the spans. Its bytes depend only on
//   (pipeline, ordinal, collection, hosts, workers), so tests can compare what they downloaded with what was served;
//   `smallProfileTruth()` gives what it holds (per operator and worker: CPU, real time, evaluations; which samples
//   fall in which spans).
// - `largeProfileStream()`: a profile of roughly `targetBytes` *compressed* bytes, generated while streaming with flat
//   memory (never the whole document in memory). By default the bulk is many sample rows plus unsymbolicated-looking
//   hex strings made from an AES-CTR keystream, so it does not compress to nothing; with `{ markers: true }` it is a
//   Feldera profile as above, with as many steps as the size asks for (the benches' profiles with millions of eval
//   markers). Either way valid gzip of valid JSON.
import * as crypto from 'crypto';
import { Readable } from 'stream';
import * as zlib from 'zlib';
import {
  evalTooltip,
  felderaCircuit,
  LEAVES,
  markerMs,
  PARKED,
  SCHEDULER,
  workerTrack,
  workPlan,
  type CircuitOp,
  type WorkPlan,
  type WorkerTrack,
} from './felderaWork';
import { mulberry32 } from './random';

/** samply writes its `.json.gz` with compression level 2. */
export const GZIP_LEVEL = 2;
export const PREPROCESSED_PROFILE_VERSION = 57;

export interface ProfileParams {
  /** Pipeline name: becomes `meta.product`. */
  pipeline: string;
  /** Host ordinal (0-based). Default 0. */
  ordinal?: number;
  /** Number of hosts; when > 1, `meta.oscpu` is `"host {ordinal} of {hosts}"`. Default 1. */
  hosts?: number;
  /** Collection number on that host (1 for the first POST). Default 1. */
  collection?: number;
  /**
   * DBSP workers of the pipeline (runtime_config.workers, over all hosts): each host's profile shows its share of
   * them, `dbsp-worker-N` numbered across hosts, at most 64. Default 4.
   */
  workers?: number;
  /**
   * Node id → factor: those operators' evaluations cost that many times their usual (the same circuit before and
   * after a change; see workPlan). Default none: every operator as the pipeline's seed makes it.
   */
  operatorScale?: Readonly<Record<string, number>>;
}

/** Options of the large, streamed profile. */
export interface LargeProfileOptions {
  /** A Feldera profile with eval/step markers and the RSS counter (see the file head), not sample rows and padding. */
  markers?: boolean;
  /** What `targetBytes` measures: the gzip (default) or the JSON text. */
  sizeOf?: 'gzip' | 'json';
}

/** The OS/CPU string of a single-host profile. */
export const SINGLE_HOST_OSCPU = 'Ubuntu 24.04';

export function oscpuFor(ordinal: number, hosts: number): string {
  return hosts > 1 ? `host ${ordinal} of ${hosts}` : SINGLE_HOST_OSCPU;
}

interface Normalized {
  pipeline: string;
  ordinal: number;
  hosts: number;
  collection: number;
  /** This host's workers, and the global number of the first. */
  workers: number;
  firstWorker: number;
  /** operatorScale's entries, sorted, so equal params make equal keys (the small profiles are cached by them). */
  scaled: [string, number][];
}

function normalize(p: ProfileParams): Normalized {
  const hosts = Math.max(1, p.hosts ?? 1);
  const ordinal = p.ordinal ?? 0;
  const perHost = Math.max(1, Math.min(64, Math.ceil((p.workers ?? 4) / hosts)));
  return {
    pipeline: p.pipeline,
    ordinal,
    hosts,
    collection: p.collection ?? 1,
    workers: perHost,
    firstWorker: ordinal * perHost,
    scaled: Object.entries(p.operatorScale ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  };
}

/** 32 bytes that identify one collection: everything random in the profile derives from them. */
export function profileSeed(p: ProfileParams): Buffer {
  const n = normalize(p);
  return crypto.createHash('sha256').update(`feldera-emulator\0${n.pipeline}\0${n.ordinal}\0${n.collection}`).digest();
}

/** Deterministic pseudo-random bytes from AES-128-CTR over zeros: fast (native) and flat in memory. */
class KeyStream {
  private readonly cipher: crypto.Cipher;
  private zeros = Buffer.alloc(0);
  constructor(seed: Buffer, tag: number) {
    const iv = Buffer.from(seed.subarray(16, 32));
    iv.writeUInt32BE(tag >>> 0, 0);
    this.cipher = crypto.createCipheriv('aes-128-ctr', seed.subarray(0, 16), iv);
  }
  next(n: number): Buffer {
    if (this.zeros.length < n) this.zeros = Buffer.alloc(n);
    return this.cipher.update(this.zeros.subarray(0, n));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The function catalogue: what a DBSP pipeline's stacks look like.

interface LibDef {
  name: string;
  path: string;
}
const LIBS: LibDef[] = [
  { name: 'pipeline', path: '/home/ubuntu/.feldera/compiler/rust-compilation/target/release/pipeline' },
  { name: 'libc.so.6', path: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  { name: '[kernel.kallsyms]', path: '[kernel.kallsyms]' },
];

interface FuncDef {
  name: string;
  lib: number;
  file?: string;
  line?: number;
}
const BASE_FUNCS: FuncDef[] = [
  /* 0 */ { name: '__libc_start_main', lib: 1 },
  /* 1 */ { name: 'pipeline::main', lib: 0, file: 'src/main.rs', line: 42 },
  /* 2 */ {
    name: 'std::sys::pal::unix::thread::Thread::new::thread_start',
    lib: 0,
    file: 'library/std/src/sys/pal/unix/thread.rs',
    line: 105,
  },
  /* 3 */ {
    name: 'dbsp::circuit::runtime::Runtime::run::{{closure}}',
    lib: 0,
    file: 'crates/dbsp/src/circuit/runtime.rs',
    line: 411,
  },
  /* 4 */ {
    name: 'dbsp::circuit::circuit_builder::CircuitHandle::step',
    lib: 0,
    file: 'crates/dbsp/src/circuit/circuit_builder.rs',
    line: 5120,
  },
  /* 5 */ {
    name: 'dbsp::operator::dynamic::join::JoinTrace::eval',
    lib: 0,
    file: 'crates/dbsp/src/operator/dynamic/join.rs',
    line: 1288,
  },
  /* 6 */ {
    name: 'dbsp::trace::spine_async::Spine::insert',
    lib: 0,
    file: 'crates/dbsp/src/trace/spine_async.rs',
    line: 903,
  },
  /* 7 */ {
    name: 'dbsp::operator::dynamic::aggregate::Aggregate::eval',
    lib: 0,
    file: 'crates/dbsp/src/operator/dynamic/aggregate.rs',
    line: 640,
  },
  /* 8 */ {
    name: 'feldera_adapters::controller::ControllerInner::step',
    lib: 0,
    file: 'crates/adapters/src/controller.rs',
    line: 2210,
  },
  /* 9 */ {
    name: 'core::ptr::drop_in_place<dbsp::trace::ord::vec::wset_batch::VecWSet>',
    lib: 0,
    file: 'library/core/src/ptr/mod.rs',
    line: 524,
  },
  /* 10 */ { name: '__memmove_avx_unaligned_erms', lib: 1 },
  /* 11 */ { name: 'syscall', lib: 1 },
  /* 12 */ { name: 'futex_wait', lib: 2 },
  /* 13 */ { name: 'std::thread::park', lib: 0, file: 'library/std/src/thread/mod.rs', line: 1130 },
  /* 14 */ { name: '0x1f2e3d', lib: 0 },
  /* 15 */ { name: 'crossbeam_channel::channel::Receiver<T>::recv', lib: 0, file: 'src/channel.rs', line: 815 },
  /* 16 */ { name: 'feldera_sqllib::string::concat_s_s', lib: 0, file: 'crates/sqllib/src/string.rs', line: 77 },
  /* 17 */ {
    name: 'dbsp::operator::dynamic::input::InputUpsert::eval',
    lib: 0,
    file: 'crates/dbsp/src/operator/dynamic/input_upsert.rs',
    line: 350,
  },
];

/** Indexes into FUNCS of the frames worker stacks share. */
const F_THREAD_START = 2;
const F_RUNTIME = 3;
const F_STEP = 4;
const F_SPINE_INSERT = 6;
const F_MEMMOVE = 10;
const F_SYSCALL = 11;
const F_FUTEX = 12;
const F_PARK = 13;

/** Root-to-leaf paths of func indices; `idle` paths carry no CPU time (parked threads). */
const MAIN_PATHS: { path: number[]; idle: boolean }[] = [
  { path: [0, 1, 8, 15, 11, 12], idle: true },
  { path: [0, 1, 8, 17], idle: false },
  { path: [0, 1, 8, 17, 10], idle: false },
  { path: [0, 1, 8, 14], idle: false },
];
const WORKER_PATHS: { path: number[]; idle: boolean }[] = [
  { path: [2, 3, 4, 5, 6], idle: false },
  { path: [2, 3, 4, 5, 10], idle: false },
  { path: [2, 3, 4, 7], idle: false },
  { path: [2, 3, 4, 7, 16], idle: false },
  { path: [2, 3, 4, 9], idle: false },
  { path: [2, 3, 4, 14], idle: false },
  { path: [2, 3, 13, 11, 12], idle: true },
];

class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  idx(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

function hexOf(s: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += crypto.createHash('sha256').update(`${s}#${i}`).digest('hex');
  return out.slice(0, len);
}

interface Tables {
  stackTable: { length: number; prefix: (number | null)[]; frame: number[] };
  frameTable: Record<string, unknown>;
  funcTable: Record<string, unknown>;
  resourceTable: Record<string, unknown>;
  nativeSymbols: Record<string, unknown>;
  /** Stack index of the leaf of each path, same order as the paths. */
  leaves: number[];
}

/** Builds one thread's tables: one func and one frame per catalogue entry, a stack trie for the given paths. */
function buildTables(paths: number[][], st: StringTable, funcs: FuncDef[] = BASE_FUNCS): Tables {
  const resIdx = LIBS.map((lib) => st.idx(lib.name));
  const funcName: number[] = [];
  const fileName: (number | null)[] = [];
  for (const f of funcs) {
    funcName.push(st.idx(f.name));
    fileName.push(f.file === undefined ? null : st.idx(f.file));
  }
  const n = funcs.length;
  const isKernel = (f: FuncDef): boolean => f.lib === 2;
  const isHex = (f: FuncDef): boolean => /^0x[0-9a-f]+$/.test(f.name);
  const address = funcs.map((f, i) => (isHex(f) ? parseInt(f.name, 16) : 0x10000 + i * 0x1a40));
  // nativeSymbols: one per symbolicated func.
  const symIndex: (number | null)[] = [];
  const ns = {
    address: [] as number[],
    functionSize: [] as (number | null)[],
    libIndex: [] as number[],
    name: [] as number[],
  };
  funcs.forEach((f, i) => {
    if (isHex(f)) {
      symIndex.push(null);
      return;
    }
    symIndex.push(ns.address.length);
    ns.address.push(address[i]);
    ns.functionSize.push(0x200 + i * 16);
    ns.libIndex.push(f.lib);
    ns.name.push(funcName[i]);
  });
  const prefix: (number | null)[] = [];
  const frame: number[] = [];
  const trie = new Map<string, number>();
  const leaves: number[] = [];
  for (const path of paths) {
    let parent: number | null = null;
    for (const fn of path) {
      const key = `${parent ?? -1}/${fn}`;
      let s = trie.get(key);
      if (s === undefined) {
        s = prefix.length;
        prefix.push(parent);
        frame.push(fn);
        trie.set(key, s);
      }
      parent = s;
    }
    leaves.push(parent ?? 0);
  }
  return {
    stackTable: { length: prefix.length, prefix, frame },
    frameTable: {
      length: n,
      address: funcs.map((f, i) => (isKernel(f) ? -1 : address[i] + 0x2b)),
      inlineDepth: funcs.map(() => 0),
      category: funcs.map((f) => (isKernel(f) ? 2 : 1)),
      subcategory: funcs.map(() => 0),
      func: funcs.map((_f, i) => i),
      nativeSymbol: symIndex,
      innerWindowID: funcs.map(() => 0),
      line: funcs.map((f) => f.line ?? null),
      column: funcs.map(() => null),
    },
    funcTable: {
      length: n,
      name: funcName,
      isJS: funcs.map(() => false),
      relevantForJS: funcs.map(() => false),
      resource: funcs.map((f) => f.lib),
      fileName,
      lineNumber: funcs.map(() => null),
      columnNumber: funcs.map(() => null),
    },
    resourceTable: {
      length: LIBS.length,
      lib: LIBS.map((_l, i) => i),
      name: resIdx,
      host: LIBS.map(() => null),
      type: LIBS.map(() => 1),
    },
    nativeSymbols: { length: ns.address.length, ...ns },
    leaves,
  };
}

function emptyMarkers(): Record<string, unknown> {
  return { length: 0, category: [], data: [], startTime: [], endTime: [], name: [], phase: [] };
}

interface SkeletonOptions {
  /** Samples per thread for the in-memory profile. */
  samplesPerThread: number;
  /** When true, the main thread's samples are left as a placeholder for streaming. */
  streamedMainSamples: boolean;
}

const SAMPLES_PLACEHOLDER = '\u0000SAMPLES\u0000';
const STRINGS_PLACEHOLDER = '\u0000STRINGS\u0000';

interface Skeleton {
  profile: Record<string, unknown>;
  strings: StringTable;
  mainLeaves: number[];
  mainIdle: boolean[];
}

function buildSkeleton(p: Normalized, opts: SkeletonOptions): Skeleton {
  const seed = profileSeed(p);
  const rnd = mulberry32(seed.readUInt32LE(0));
  const st = new StringTable();
  const startTime = 1767225600000 + (seed.readUInt32LE(4) % 86_400_000); // a day in 2026, fixed per seed
  const pid = 1000 + (seed.readUInt16LE(8) % 30000);
  const interval = 1;

  const threads: Record<string, unknown>[] = [];
  const threadDefs: { name: string; paths: { path: number[]; idle: boolean }[]; main: boolean }[] = [
    { name: p.pipeline, paths: MAIN_PATHS, main: true },
  ];
  for (let w = 0; w < p.workers; w++) threadDefs.push({ name: `dbsp-worker-${w}`, paths: WORKER_PATHS, main: false });

  let mainLeaves: number[] = [];
  let mainIdle: boolean[] = [];
  threadDefs.forEach((def, ti) => {
    const tables = buildTables(
      def.paths.map((x) => x.path),
      st,
    );
    let samples: unknown;
    if (def.main && opts.streamedMainSamples) {
      samples = SAMPLES_PLACEHOLDER;
      mainLeaves = tables.leaves;
      mainIdle = def.paths.map((x) => x.idle);
    } else {
      const stack: (number | null)[] = [];
      const timeDeltas: number[] = [];
      const weight: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < opts.samplesPerThread; i++) {
        const k = Math.floor(rnd() * def.paths.length);
        const idle = def.paths[k].idle;
        const w = idle ? 1 + Math.floor(rnd() * 4) : 1;
        stack.push(tables.leaves[k]);
        weight.push(w);
        timeDeltas.push(
          i === 0 ? Math.round(rnd() * 1000) / 1000 : Math.round((w * interval + (rnd() - 0.5) * 0.02) * 1000) / 1000,
        );
        cpu.push(idle ? 0 : 900 + Math.floor(rnd() * 100));
      }
      samples = { length: stack.length, weightType: 'samples', stack, timeDeltas, weight, threadCPUDelta: cpu };
    }
    const markers = emptyMarkers();
    const { leaves: _leaves, ...tableColumns } = tables;
    threads.push({
      processType: 'default',
      processStartupTime: 0,
      processShutdownTime: null,
      registerTime: 0,
      unregisterTime: null,
      pausedRanges: [],
      showMarkersInTimeline: def.main,
      name: def.name,
      isMainThread: def.main,
      processName: p.pipeline,
      pid: String(pid),
      tid: def.main ? String(pid) : String(pid + 1 + ti),
      samples,
      markers,
      ...tableColumns,
    });
  });

  const libs = LIBS.map((l) => {
    const h = hexOf(l.name, 40);
    return {
      name: l.name,
      path: l.path,
      debugName: l.name,
      debugPath: l.path,
      breakpadId: `${h.slice(0, 32).toUpperCase()}0`,
      codeId: h,
      arch: 'x86_64',
    };
  });

  const meta = {
    version: 24,
    preprocessedProfileVersion: PREPROCESSED_PROFILE_VERSION,
    interval,
    startTime,
    startTimeAsClockMonotonicNanosecondsSinceBoot: 1_000_000_000 * (3600 + (seed.readUInt16LE(10) % 3600)),
    processType: 0,
    product: p.pipeline,
    oscpu: oscpuFor(p.ordinal, p.hosts),
    stackwalk: 0,
    debug: false,
    symbolicated: true,
    usesOnlyOneStackType: true,
    sourceCodeIsNotOnSearchfox: true,
    categories: [
      { name: 'Other', color: 'grey', subcategories: ['Other'] },
      { name: 'User', color: 'yellow', subcategories: ['Other'] },
      { name: 'Kernel', color: 'orange', subcategories: ['Other'] },
    ],
    sampleUnits: { time: 'ms', eventDelay: 'ms', threadCPUDelta: 'µs' },
    markerSchema: [],
    extensions: { baseURL: [], id: [], length: 0, name: [] },
    pausedRanges: [],
    initialVisibleThreads: threads.map((_t, i) => i),
    initialSelectedThreads: [1 < threads.length ? 1 : 0],
  };

  const profile: Record<string, unknown> = {
    meta,
    libs,
    pages: [],
    profilerOverhead: [],
    counters: [],
    threads,
    shared: { stringArray: opts.streamedMainSamples ? STRINGS_PLACEHOLDER : st.strings },
  };
  return { profile, strings: st, mainLeaves, mainIdle };
}

// ---------------------------------------------------------------------------------------------------------------
// Feldera profiles: the pipeline's workers evaluating its circuit, with Feldera's markers and the RSS counter
// (../shared/samply/FELDERA-MARKERS.md), and samples that agree with them.

/** The categories samply's Linux code adds, then Feldera's own, appended in this order (all are used). */
const FELDERA_CATEGORIES = [
  { name: 'Other', color: 'grey', subcategories: ['Other'] },
  { name: 'User', color: 'yellow', subcategories: ['Other'] },
  { name: 'Kernel', color: 'orange', subcategories: ['Other'] },
  { name: 'Operator', color: 'blue', subcategories: ['Other'] },
  { name: 'Step', color: 'green', subcategories: ['Other'] },
  { name: 'Transaction', color: 'purple', subcategories: ['Other'] },
  { name: 'Checkpoint', color: 'red', subcategories: ['Other'] },
  { name: 'Exchange', color: 'lightblue', subcategories: ['Other'] },
];
const CAT_OPERATOR = 3;
const CAT_STEP = 4;
const CAT_TRANSACTION = 5;
const CAT_CHECKPOINT = 6;
const CAT_EXCHANGE = 7;

const FELDERA_MARKER_SCHEMA = {
  name: 'FelderaMarker',
  display: ['marker-chart', 'marker-table'],
  chartLabel: '{marker.data.name}',
  tooltipLabel: '{marker.data.name}',
  tableLabel: '{marker.data.name}',
  fields: [{ key: 'name', label: 'Name', format: 'unique-string' }],
};

/** Steps in the small profile: about a second of a real circuit's work. */
const SMALL_STEPS = 4;
/**
 * Operator costs in the large profiles, against the small one's: shorter steps, so that markers outweigh samples as
 * in a real long collection (≥ 2 million eval markers in 200 MiB of JSON over 16 workers).
 */
const LARGE_COST_SCALE = 0.3;
/** RSS is sampled every 100 ms. */
const RSS_PERIOD_MS = 100;

/** The stack frames of a circuit's operators: the shared functions, then per operator its kind's eval and closure. */
interface Catalogue {
  funcs: FuncDef[];
  /** Per operator (circuit.all index): its worker stack without a leaf, root first. */
  opPath: number[][];
}

/** `MapIndexedZSet` → `dbsp::operator::map_indexed_z_set::MapIndexedZSet::eval`; names with spaces or signs too. */
function kindFunction(name: string): string {
  const words = name
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  const ident = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('') || 'Operator';
  const module = ident.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return `dbsp::operator::${module}::${ident}::eval`;
}

function catalogue(ops: CircuitOp[], all: CircuitOp[]): Catalogue {
  const funcs = BASE_FUNCS.slice();
  const byName = new Map<string, number>();
  const func = (def: FuncDef): number => {
    const key = `${def.name}\0${def.file ?? ''}`;
    let i = byName.get(key);
    if (i === undefined) {
      i = funcs.length;
      funcs.push(def);
      byName.set(key, i);
    }
    return i;
  };
  const opPath = new Array<number[]>(all.length);
  const index = new Map(all.map((op, i) => [op, i]));
  const walk = (list: CircuitOp[], prefix: number[]) => {
    for (const op of list) {
      const path = [...prefix, func({ name: kindFunction(op.name), lib: 0, file: 'crates/dbsp/src/operator/mod.rs' })];
      if (op.location) {
        const [file, line] = op.location.split(':');
        path.push(func({ name: `pipeline::${op.nodeId}::{{closure}}`, lib: 0, file, line: Number(line) || undefined }));
      }
      opPath[index.get(op)!] = path;
      if (op.children) walk(op.children, path.slice(0, prefix.length + 1));
    }
  };
  walk(ops, [F_THREAD_START, F_RUNTIME, F_STEP]);
  return { funcs, opPath };
}

/** Worker stacks: parked, in the scheduler, and for each operator LEAVES variants (own code, memmove, trace insert). */
function workerPaths(cat: Catalogue): { paths: number[][]; parked: number; scheduler: number; opBase: number } {
  const paths: number[][] = [
    [F_THREAD_START, F_RUNTIME, F_PARK, F_SYSCALL, F_FUTEX],
    [F_THREAD_START, F_RUNTIME, F_STEP],
  ];
  for (const p of cat.opPath) paths.push(p, [...p, F_MEMMOVE], [...p, F_SPINE_INSERT]);
  return { paths, parked: 0, scheduler: 1, opBase: 2 };
}

/** Tooltip string indexes, assigned in the order tooltips are met; met twice, a tooltip keeps its first index. */
class TooltipIndex {
  private readonly seen = new Map<string, number>();
  private next: number;
  constructor(
    private readonly base: number,
    /** Which tooltips are looked up (the others always get a new index): all, or only those of small figures. */
    private readonly dedupe: (realUs: number, cpuUs: number) => boolean,
  ) {
    this.next = base;
  }
  /** First pass (the string table): the index, and whether it is new (then the string is written). */
  assign(text: string, realUs: number, cpuUs: number): { index: number; fresh: boolean } {
    if (this.dedupe(realUs, cpuUs)) {
      const known = this.seen.get(text);
      if (known !== undefined) return { index: known, fresh: false };
      this.seen.set(text, this.next);
    }
    return { index: this.next++, fresh: true };
  }
  /** Second pass (the markers), in the same order: the same indexes again. */
  replayFrom(): (text: string, realUs: number, cpuUs: number) => number {
    let next = this.base;
    return (text, realUs, cpuUs) => {
      if (this.dedupe(realUs, cpuUs)) {
        const i = this.seen.get(text)!;
        if (i === next) next++;
        return i;
      }
      return next++;
    };
  }
}

/** What a Feldera profile holds, for the tests: exactly what its markers and samples say. */
export interface ProfileTruth {
  /** Where the node ids come from: ../shared's circuit profile, or the built-in circuit. */
  circuit: 'fixture' | 'builtin';
  durationMs: number;
  /** Thread index of each worker. */
  workers: { thread: number; worker: number }[];
  /** Per node id: name, evaluations, CPU and real µs (from the tooltips), and the same per worker number. */
  operators: Record<
    string,
    {
      name: string;
      evals: number;
      cpuUs: number;
      realUs: number;
      perWorker: Record<number, { evals: number; cpuUs: number; realUs: number }>;
    }
  >;
  /** Per worker thread index, per sample: node ids of the operators whose eval spans hold it, outermost first. */
  sampleOperators: Record<number, string[][]>;
  markers: { evals: number; step: number; transaction: number; checkpoint: number; exchange: number; total: number };
  memory: { samples: number; peak: { time: number; bytes: number } };
}

/**
 * A Feldera profile's JSON text, streamed: meta and libs, the string table (fixed strings, then every tooltip, met
 * while generating each worker's spans), the main thread and the workers (generated again, in the same order, so the
 * tooltip indexes match), then the RSS counter. Memory stays that of one worker's spans.
 */
function* felderaProfileText(p: Normalized, steps: number, large: boolean, truth?: ProfileTruth): Generator<Buffer> {
  const seed = profileSeed(p);
  const scale = large ? LARGE_COST_SCALE : 1;
  const plan = workPlan(
    p.pipeline,
    p.workers,
    p.firstWorker,
    steps,
    seed.readUInt32LE(12),
    scale,
    Object.fromEntries(p.scaled),
  );
  const { circuit } = plan;
  const rnd = mulberry32(seed.readUInt32LE(0));
  const st = new StringTable();
  const startTime = 1767225600000 + (seed.readUInt32LE(4) % 86_400_000);
  const pid = 1000 + (seed.readUInt16LE(8) % 30000);
  const cat = catalogue(circuit.ops, circuit.all);
  const wp = workerPaths(cat);
  const workerTables = buildTables(wp.paths, st, cat.funcs);
  const mainTables = buildTables(
    MAIN_PATHS.map((x) => x.path),
    st,
  );
  const name = {
    eval: st.idx('eval'),
    send: st.idx('send'),
    step: st.idx('step'),
    input: st.idx('input'),
    commit: st.idx('commit'),
    blocking: st.idx('blocking'),
  };
  const main = mainMarkers(plan, st, rnd, name);
  const sendLabel = st.idx('send to 1 worker');
  // The small profile interns every tooltip, as a string table does; the large ones those of small figures only
  // (the others are nearly all distinct), to keep the generator's memory flat.
  const tips = new TooltipIndex(st.strings.length, large ? (r, c) => r < 32 && c < 32 : () => true);

  const meta = felderaMeta(p, startTime, seed);
  const libs = libsJson();
  const out = new ChunkBuffer();
  yield* out.add(`{"meta":${JSON.stringify(meta)},"libs":${JSON.stringify(libs)},"shared":{"stringArray":`);
  yield* out.add(JSON.stringify(st.strings).slice(0, -1));
  // Pass 1: every tooltip into the string table.
  for (let w = 0; w < plan.workers; w++) {
    const track = workerTrack(plan, w);
    const s = track.spans;
    for (let k = 0; k < s.count; k++) {
      const text = evalTooltip(circuit.all[s.op[k]], s.realUs[k], s.cpuUs[k]);
      const { fresh } = tips.assign(text, s.realUs[k], s.cpuUs[k]);
      if (fresh) yield* out.add(`,${JSON.stringify(text)}`);
    }
  }
  yield* out.add(']},"threads":[');
  const head = (thread: number, threadName: string, isMain: boolean) =>
    JSON.stringify({
      processType: 'default',
      processStartupTime: 0,
      processShutdownTime: null,
      registerTime: 0,
      unregisterTime: null,
      pausedRanges: [],
      showMarkersInTimeline: true,
      name: threadName,
      isMainThread: isMain,
      processName: p.pipeline,
      pid: String(pid),
      tid: isMain ? String(pid) : String(pid + 1 + thread),
    }).slice(0, -1);
  const { leaves: mainLeaves, ...mainColumns } = mainTables;
  yield* out.add(head(0, p.pipeline, true));
  yield* out.add(`,"samples":${JSON.stringify(mainSamples(plan, mainLeaves, rnd))}`);
  yield* out.add(`,"markers":${JSON.stringify(main.markers)}`);
  for (const [k, v] of Object.entries(mainColumns)) yield* out.add(`,${JSON.stringify(k)}:${JSON.stringify(v)}`);
  yield* out.add('}');
  const { leaves: workerLeaves, ...workerColumns } = workerTables;
  const tableText = Object.entries(workerColumns)
    .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join('');
  // Pass 2: the workers, their tooltips indexed as in pass 1.
  const index = tips.replayFrom();
  for (let w = 0; w < plan.workers; w++) {
    const track = workerTrack(plan, w);
    const thread = 1 + w;
    yield* out.add(`,${head(thread, `dbsp-worker-${track.worker}`, false)}`);
    yield* workerSamplesText(out, track, wp, workerLeaves);
    yield* workerMarkersText(out, track, circuit.all, index, name, sendLabel);
    yield* out.add(`${tableText}}`);
    if (truth) addTruth(truth, plan, track, thread);
  }
  const rss = rssCounter(plan, rnd, pid);
  yield* out.add(`],"pages":[],"profilerOverhead":[],"counters":[${JSON.stringify(rss.counter)}]}`);
  yield* out.flush();
  if (truth) {
    truth.durationMs = plan.durationUs / 1000;
    truth.markers.step = main.counts.step;
    truth.markers.transaction = main.counts.transaction;
    truth.markers.checkpoint = main.counts.checkpoint;
    truth.markers.total = truth.markers.evals + truth.markers.exchange + main.markers.length;
    truth.memory = { samples: rss.samples, peak: rss.peak };
  }
}

function felderaMeta(p: Normalized, startTime: number, seed: Buffer): Record<string, unknown> {
  return {
    version: 24,
    preprocessedProfileVersion: PREPROCESSED_PROFILE_VERSION,
    interval: 1,
    startTime,
    startTimeAsClockMonotonicNanosecondsSinceBoot: 1_000_000_000 * (3600 + (seed.readUInt16LE(10) % 3600)),
    processType: 0,
    product: p.pipeline,
    oscpu: oscpuFor(p.ordinal, p.hosts),
    stackwalk: 0,
    debug: false,
    symbolicated: true,
    usesOnlyOneStackType: true,
    sourceCodeIsNotOnSearchfox: true,
    categories: FELDERA_CATEGORIES,
    sampleUnits: { time: 'ms', eventDelay: 'ms', threadCPUDelta: 'µs' },
    markerSchema: [FELDERA_MARKER_SCHEMA],
    extensions: { baseURL: [], id: [], length: 0, name: [] },
    pausedRanges: [],
    initialVisibleThreads: Array.from({ length: 1 + p.workers }, (_, i) => i),
    initialSelectedThreads: [1],
  };
}

function libsJson(): Record<string, unknown>[] {
  return LIBS.map((l) => {
    const h = hexOf(l.name, 40);
    return {
      name: l.name,
      path: l.path,
      debugName: l.name,
      debugPath: l.path,
      breakpadId: `${h.slice(0, 32).toUpperCase()}0`,
      codeId: h,
      arch: 'x86_64',
    };
  });
}

/** The controller's spans on the main thread: input and step for every step, a transaction every 3, one checkpoint. */
function mainMarkers(
  plan: WorkPlan,
  st: StringTable,
  rnd: () => number,
  name: Record<'step' | 'input' | 'commit' | 'blocking', number>,
): {
  markers: { length: number } & Record<string, unknown>;
  counts: { step: number; transaction: number; checkpoint: number };
} {
  const m = {
    category: [] as number[],
    data: [] as unknown[],
    startTime: [] as number[],
    endTime: [] as number[],
    name: [] as number[],
    phase: [] as number[],
  };
  const add = (category: number, nameIdx: number, startUs: number, endUs: number, label: string) => {
    m.category.push(category);
    m.data.push({ type: 'FelderaMarker', name: st.idx(label) });
    m.startTime.push(markerMs(startUs));
    m.endTime.push(markerMs(endUs));
    m.name.push(nameIdx);
    m.phase.push(1);
  };
  const counts = { step: 0, transaction: 0, checkpoint: 0 };
  let tid = 1 + Math.floor(rnd() * 1000);
  for (let k = 0; k < plan.steps; k++) {
    const start = plan.firstStepUs + k * plan.stepPeriodUs;
    add(CAT_STEP, name.input, start - 600, start - 20, `supply input before step ${k + 1}`);
    add(CAT_STEP, name.step, start, start + Math.round(plan.stepPeriodUs * 0.9), `step ${k + 1}`);
    counts.step += 2;
    if (k % 3 === 2 || k === plan.steps - 1) {
      const first = Math.max(0, k - 2);
      const records = 1000 + Math.floor(rnd() * 100000);
      add(
        CAT_TRANSACTION,
        name.commit,
        plan.firstStepUs + first * plan.stepPeriodUs,
        start + plan.stepPeriodUs - 100,
        `transaction ${tid++} committed ${records} records`,
      );
      counts.transaction++;
    }
  }
  const ck = plan.firstStepUs + Math.floor(plan.steps / 2) * plan.stepPeriodUs + 1000;
  add(CAT_CHECKPOINT, name.blocking, ck, ck + Math.round(plan.stepPeriodUs / 3), 'Wrote 1.2 GiB checkpoint');
  counts.checkpoint++;
  return { markers: { length: m.name.length, ...m }, counts };
}

/** The main thread samples at whole ms: the controller's stacks, parked runs merged. */
function mainSamples(plan: WorkPlan, leaves: number[], rnd: () => number): Record<string, unknown> {
  const stack: number[] = [];
  const timeDeltas: number[] = [];
  const weight: number[] = [];
  const cpu: number[] = [];
  const totalMs = Math.ceil(plan.durationUs / 1000);
  let last = 0;
  for (let ms = 0; ms < totalMs;) {
    const k = Math.floor(rnd() * MAIN_PATHS.length);
    const idle = MAIN_PATHS[k].idle;
    const w = idle ? Math.min(totalMs - ms, 1 + Math.floor(rnd() * 6)) : 1;
    stack.push(leaves[k]);
    weight.push(w);
    timeDeltas.push(ms - last);
    cpu.push(idle ? 0 : 900 + Math.floor(rnd() * 100));
    last = ms;
    ms += w;
  }
  return { length: stack.length, weightType: 'samples', stack, timeDeltas, weight, threadCPUDelta: cpu };
}

function* workerSamplesText(
  out: ChunkBuffer,
  track: WorkerTrack,
  wp: ReturnType<typeof workerPaths>,
  leaves: number[],
): Generator<Buffer> {
  const s = track.samples;
  const stackOf = (i: number): number => {
    const o = s.op[i];
    if (o === PARKED) return leaves[wp.parked];
    if (o === SCHEDULER) return leaves[wp.scheduler];
    return leaves[wp.opBase + o * LEAVES + s.leaf[i]];
  };
  yield* out.add(`,"samples":{"length":${s.count},"weightType":"samples"`);
  yield* column(out, 'stack', s.count, stackOf);
  yield* column(out, 'timeDeltas', s.count, (i) => (i === 0 ? s.timeMs[0] : s.timeMs[i] - s.timeMs[i - 1]));
  yield* column(out, 'weight', s.count, (i) => s.weight[i]);
  yield* column(out, 'threadCPUDelta', s.count, (i) => s.cpuDelta[i]);
  yield* out.add('}');
}

function* workerMarkersText(
  out: ChunkBuffer,
  track: WorkerTrack,
  ops: CircuitOp[],
  index: (text: string, realUs: number, cpuUs: number) => number,
  name: { eval: number; send: number },
  sendLabel: number,
): Generator<Buffer> {
  const s = track.spans;
  const n = s.count + track.sends.length;
  // Tooltip indexes in span order, as pass 1 met them.
  const tip = new Int32Array(s.count);
  for (let k = 0; k < s.count; k++)
    tip[k] = index(evalTooltip(ops[s.op[k]], s.realUs[k], s.cpuUs[k]), s.realUs[k], s.cpuUs[k]);
  const isEval = (i: number) => i < s.count;
  yield* out.add(`,"markers":{"length":${n}`);
  yield* column(out, 'category', n, (i) => (isEval(i) ? CAT_OPERATOR : CAT_EXCHANGE));
  yield* column(out, 'data', n, (i) => `{"type":"FelderaMarker","name":${isEval(i) ? tip[i] : sendLabel}}`);
  yield* column(out, 'startTime', n, (i) => markerMs(isEval(i) ? s.startUs[i] : track.sends[i - s.count]));
  yield* column(out, 'endTime', n, (i) => markerMs(isEval(i) ? s.endUs[i] : track.sends[i - s.count] + 3));
  yield* column(out, 'name', n, (i) => (isEval(i) ? name.eval : name.send));
  yield* column(out, 'phase', n, () => 1);
  yield* out.add('}');
}

/** `,"key":[v0,v1,…]` in pieces. */
function* column(out: ChunkBuffer, key: string, n: number, value: (i: number) => number | string): Generator<Buffer> {
  yield* out.add(`,"${key}":[`);
  for (let from = 0; from < n; from += ROWS_PER_CHUNK) {
    let text = '';
    const to = Math.min(n, from + ROWS_PER_CHUNK);
    for (let i = from; i < to; i++) text += i === 0 ? String(value(i)) : `,${value(i)}`;
    yield* out.add(text);
  }
  yield* out.add(']');
}

/** RSS every 100 ms: growing with the steps, dropping after the checkpoint. `count` holds the changes. */
function rssCounter(
  plan: WorkPlan,
  rnd: () => number,
  pid: number,
): { counter: Record<string, unknown>; samples: number; peak: { time: number; bytes: number } } {
  const n = Math.max(1, Math.ceil(plan.durationUs / 1000 / RSS_PERIOD_MS));
  const time: number[] = [];
  const count: number[] = [];
  let bytes = 0;
  let peak = { time: 0, bytes: 0 };
  for (let i = 0; i < n; i++) {
    const next =
      i === 0
        ? 512 * 1024 * 1024 + Math.floor(rnd() * 1024 * 1024)
        : i === Math.floor(n * 0.6)
          ? bytes - Math.floor(bytes / 5)
          : bytes + Math.floor((rnd() - 0.3) * 8 * 1024 * 1024);
    count.push(next - bytes);
    bytes = next;
    time.push(i * RSS_PERIOD_MS);
    if (bytes > peak.bytes) peak = { time: i * RSS_PERIOD_MS, bytes };
  }
  return {
    counter: {
      name: 'RSS',
      category: 'Memory',
      description: 'RSS in bytes',
      pid: String(pid),
      mainThreadIndex: 0,
      samples: { time, number: time.map(() => 0), count, length: n },
    },
    samples: n,
    peak,
  };
}

function addTruth(truth: ProfileTruth, plan: WorkPlan, track: WorkerTrack, thread: number, withSamples = true): void {
  const { circuit } = plan;
  truth.workers.push({ thread, worker: track.worker });
  const s = track.spans;
  for (let k = 0; k < s.count; k++) {
    const op = circuit.all[s.op[k]];
    const o = (truth.operators[op.nodeId] ??= { name: op.name, evals: 0, cpuUs: 0, realUs: 0, perWorker: {} });
    const w = (o.perWorker[track.worker] ??= { evals: 0, cpuUs: 0, realUs: 0 });
    o.evals++;
    o.cpuUs += s.cpuUs[k];
    o.realUs += s.realUs[k];
    w.evals++;
    w.cpuUs += s.cpuUs[k];
    w.realUs += s.realUs[k];
  }
  truth.markers.evals += s.count;
  truth.markers.exchange += track.sends.length;
  if (!withSamples) return;
  // The chain of operators holding each sample: the innermost one's nested circuits, outermost first.
  const parent = new Map<CircuitOp, CircuitOp>();
  for (const op of circuit.all) for (const c of op.children ?? []) parent.set(c, op);
  const chain = (o: number): string[] => {
    const ids: string[] = [];
    for (let op: CircuitOp | undefined = circuit.all[o]; op; op = parent.get(op)) ids.unshift(op.nodeId);
    return ids;
  };
  truth.sampleOperators[thread] = Array.from(track.samples.op, (o) => (o >= 0 ? chain(o) : []));
}

function emptyTruth(): ProfileTruth {
  return {
    circuit: felderaCircuit().source,
    durationMs: 0,
    workers: [],
    operators: {},
    sampleOperators: {},
    markers: { evals: 0, step: 0, transaction: 0, checkpoint: 0, exchange: 0, total: 0 },
    memory: { samples: 0, peak: { time: 0, bytes: 0 } },
  };
}

/** The last few small profiles' text: tests and the demo serve the same ones again and again. */
const smallTexts = new Map<string, string>();

/** The JSON text of the small profile. */
function smallProfileText(params: ProfileParams, truth?: ProfileTruth): string {
  const p = normalize(params);
  const key = JSON.stringify(p);
  const known = truth ? undefined : smallTexts.get(key);
  if (known !== undefined) return known;
  const text = Buffer.concat([...felderaProfileText(p, SMALL_STEPS, false, truth)]).toString('utf8');
  smallTexts.set(key, text);
  if (smallTexts.size > 8) smallTexts.delete(smallTexts.keys().next().value as string);
  return text;
}

/** The JSON object of the small profile (what `smallProfile()` gzips). */
export function smallProfileObject(params: ProfileParams): Record<string, unknown> {
  return JSON.parse(smallProfileText(params)) as Record<string, unknown>;
}

/** What the small profile of these params holds (see ProfileTruth). */
export function smallProfileTruth(params: ProfileParams): ProfileTruth {
  const truth = emptyTruth();
  smallProfileText(params, truth);
  return truth;
}

/** A complete small profile, gzip'ed: same bytes for the same params. */
export function smallProfile(params: ProfileParams): Buffer {
  return zlib.gzipSync(Buffer.from(smallProfileText(params), 'utf8'), { level: GZIP_LEVEL });
}

// ---------------------------------------------------------------------------------------------------------------
// Large, streamed profiles.

const ROWS_PER_CHUNK = 16384;
const PAD_CHARS = 192;
const PADS_PER_CHUNK = 512;
/** Share of the compressed target given to sample rows; the rest is hex strings (stringArray). */
const SAMPLES_SHARE = 0.2;
/** Sample rows are slow to generate in JS: at most this many (an 8-minute profile at 1 ms). */
const MAX_SAMPLE_ROWS = 500_000;

/** One column of `samples` as JSON text chunks (without brackets), generated from its own keystream. */
function* columnText(
  seed: Buffer,
  column: 'stack' | 'timeDeltas' | 'weight' | 'threadCPUDelta',
  rows: number,
  leaves: number[],
  idle: boolean[],
): Generator<string> {
  // stack and threadCPUDelta share one keystream (tag 1) so that idle stacks get CPU delta 0.
  const ks = new KeyStream(seed, 1);
  for (let done = 0; done < rows;) {
    const n = Math.min(ROWS_PER_CHUNK, rows - done);
    const bytes = ks.next(n * 2);
    let s = '';
    for (let i = 0; i < n; i++) {
      const v = bytes.readUInt16LE(i * 2);
      const k = v % leaves.length;
      let x: number;
      if (column === 'stack') x = leaves[k];
      else if (column === 'threadCPUDelta') x = idle[k] ? 0 : 500 + (v >>> 7);
      else x = 1;
      s += done + i === 0 ? String(x) : `,${x}`;
    }
    done += n;
    yield s;
  }
}

function* paddingText(seed: Buffer, count: number): Generator<string> {
  // Mangled-looking symbol names from a keystream: base64url has no JSON escapes and compresses only to ~3/4.
  const ks = new KeyStream(seed, 2);
  for (let done = 0; done < count;) {
    const n = Math.min(PADS_PER_CHUNK, count - done);
    const b64 = ks.next((n * PAD_CHARS * 3) / 4).toString('base64url');
    let s = '';
    for (let i = 0; i < n; i++) s += `,"_ZN${b64.slice(i * PAD_CHARS, (i + 1) * PAD_CHARS)}E"`;
    done += n;
    yield s;
  }
}

/**
 * samply's gzip level 2 for profiles up to 8 MiB; above that Huffman-only (still real compression, ~3/4 on the
 * padding) because deflate's match search is too slow for hundreds of MiB in a test.
 */
export function gzipOptionsFor(targetBytes: number): zlib.ZlibOptions {
  return targetBytes > 8 * 1024 * 1024
    ? { level: GZIP_LEVEL, strategy: zlib.constants.Z_HUFFMAN_ONLY }
    : { level: GZIP_LEVEL };
}

interface Calibration {
  rowCost: number;
  padCost: number;
}
const calibrations = new Map<string, Calibration>();

/** Compressed bytes per sample row and per padding string, measured once on a fixed seed (deterministic). */
function calibrate(gzipOpts: zlib.ZlibOptions, leaves: number[], idle: boolean[]): Calibration {
  const key = `${gzipOpts.strategy ?? 0}/${leaves.join(',')}/${idle.join(',')}`;
  const known = calibrations.get(key);
  if (known) return known;
  const seed = crypto.createHash('sha256').update('calibration').digest();
  const rows = 32768;
  let text = '';
  for (const col of ['stack', 'timeDeltas', 'weight', 'threadCPUDelta'] as const) {
    text += `,"${col}":[` + [...columnText(seed, col, rows, leaves, idle)].join('') + ']';
  }
  const rowCost = zlib.gzipSync(Buffer.from(text), gzipOpts).length / rows;
  const pads = 2048;
  const padText = [...paddingText(seed, pads)].join('');
  const padCost = zlib.gzipSync(Buffer.from(padText), gzipOpts).length / pads;
  const c = { rowCost, padCost };
  calibrations.set(key, c);
  return c;
}

export interface LargeProfilePlan {
  sampleRows: number;
  paddingStrings: number;
  /** With markers: the number of circuit steps (each worker evaluates every operator once per step). */
  steps?: number;
  /** Estimated size (compressed, unless planned by JSON size). */
  estimatedBytes: number;
}

function planLarge(skeletonCost: number, targetBytes: number, leaves: number[], idle: boolean[]): LargeProfilePlan {
  const { rowCost, padCost } = calibrate(gzipOptionsFor(targetBytes), leaves, idle);
  const budget = Math.max(0, targetBytes - skeletonCost);
  const sampleRows = Math.max(16, Math.min(MAX_SAMPLE_ROWS, Math.floor((SAMPLES_SHARE * budget) / rowCost)));
  const paddingStrings = Math.max(0, Math.round((budget - sampleRows * rowCost) / padCost));
  return {
    sampleRows,
    paddingStrings,
    estimatedBytes: Math.round(skeletonCost + sampleRows * rowCost + paddingStrings * padCost),
  };
}

function* largeProfileText(
  p: Normalized,
  targetBytes: number,
  plan?: (pl: LargeProfilePlan) => void,
): Generator<Buffer> {
  const sk = buildSkeleton(p, { samplesPerThread: 200, streamedMainSamples: true });
  const json = JSON.stringify(sk.profile);
  const sPh = JSON.stringify(SAMPLES_PLACEHOLDER);
  const tPh = JSON.stringify(STRINGS_PLACEHOLDER);
  const a = json.indexOf(sPh);
  const b = json.indexOf(tPh);
  if (a < 0 || b < a) throw new Error('profile skeleton: placeholders not found');
  const head = json.slice(0, a);
  const middle = json.slice(a + sPh.length, b);
  const tail = json.slice(b + tPh.length);
  const realStrings = JSON.stringify(sk.strings.strings).slice(0, -1); // '["a","b"' without the closing bracket
  const skeletonCost = zlib.gzipSync(
    Buffer.from(head + middle + realStrings + tail),
    gzipOptionsFor(targetBytes),
  ).length;
  const pl = planLarge(skeletonCost, targetBytes, sk.mainLeaves, sk.mainIdle);
  plan?.(pl);
  const seed = profileSeed(p);
  const out = new ChunkBuffer();
  yield* out.add(head + `{"length":${pl.sampleRows},"weightType":"samples"`);
  for (const col of ['stack', 'timeDeltas', 'weight', 'threadCPUDelta'] as const) {
    yield* out.add(`,"${col}":[`);
    for (const t of columnText(seed, col, pl.sampleRows, sk.mainLeaves, sk.mainIdle)) yield* out.add(t);
    yield* out.add(']');
  }
  yield* out.add('}' + middle + realStrings);
  for (const t of paddingText(seed, pl.paddingStrings)) yield* out.add(t);
  yield* out.add(']' + tail);
  yield* out.flush();
}

/** Groups small strings into ~64 KiB Buffers. */
class ChunkBuffer {
  private parts: string[] = [];
  private size = 0;
  *add(s: string): Generator<Buffer> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 65536) yield* this.flush();
  }
  *flush(): Generator<Buffer> {
    if (this.size === 0) return;
    const b = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    yield b;
  }
}

/**
 * Compressed (or JSON) bytes of a Feldera profile: a fixed part plus so much per step, fitted through two sizes
 * measured once per shape. Steps cost a little more as numbers and string indexes grow, so the fit is made again
 * near a sixteenth of the size asked for, which keeps the estimate within a few percent.
 */
const stepCosts = new Map<string, { base: number; perStep: number }>();

function felderaPlan(p: Normalized, targetBytes: number, sizeOf: 'gzip' | 'json'): LargeProfilePlan {
  const gzipOpts = gzipOptionsFor(sizeOf === 'gzip' ? targetBytes : targetBytes / 5);
  const size = (steps: number): number => {
    const text = Buffer.concat([...felderaProfileText(p, steps, true)]);
    return sizeOf === 'json' ? text.length : zlib.gzipSync(text, gzipOpts).length;
  };
  const fit = (a: number): { base: number; perStep: number } => {
    const key = `${p.pipeline}/${p.workers}/${p.firstWorker}/${sizeOf}/${gzipOpts.strategy ?? 0}/${a}`;
    let cost = stepCosts.get(key);
    if (!cost) {
      const [x, y] = [size(a), size(3 * a)];
      const perStep = Math.max(1, (y - x) / (2 * a));
      cost = { base: Math.max(0, x - a * perStep), perStep };
      stepCosts.set(key, cost);
    }
    return cost;
  };
  const stepsFor = (c: { base: number; perStep: number }) =>
    Math.max(1, Math.round((targetBytes - c.base) / c.perStep));
  let cost = fit(2);
  let steps = stepsFor(cost);
  if (steps > 48) {
    // Round to a power of two, so that nearby sizes share the measurement.
    cost = fit(2 ** Math.round(Math.log2(steps / 16)));
    steps = stepsFor(cost);
  }
  return { sampleRows: 0, paddingStrings: 0, steps, estimatedBytes: Math.round(cost.base + steps * cost.perStep) };
}

function largeText(params: ProfileParams, targetBytes: number, opts: LargeProfileOptions): Generator<Buffer> {
  const p = normalize(params);
  if (!opts.markers) return largeProfileText(p, targetBytes);
  return felderaProfileText(p, felderaPlan(p, targetBytes, opts.sizeOf ?? 'gzip').steps ?? 1, true);
}

/**
 * What a large Feldera profile (`{ markers: true }`) of that size holds per operator and worker, worked out from the
 * same plan without writing the profile (for tests that read one too big to keep): its truth without
 * `sampleOperators`, step, transaction and memory figures.
 */
export function largeProfileTruth(
  params: ProfileParams,
  targetBytes: number,
  opts: LargeProfileOptions = {},
): ProfileTruth {
  const p = normalize(params);
  const steps = felderaPlan(p, targetBytes, opts.sizeOf ?? 'gzip').steps ?? 1;
  const seed = profileSeed(p);
  const plan = workPlan(p.pipeline, p.workers, p.firstWorker, steps, seed.readUInt32LE(12), LARGE_COST_SCALE);
  const truth = emptyTruth();
  for (let w = 0; w < plan.workers; w++) addTruth(truth, plan, workerTrack(plan, w), 1 + w, false);
  truth.durationMs = plan.durationUs / 1000;
  return truth;
}

/**
 * The plan a large profile of that size would use: row and string counts, or with markers the number of steps, and
 * the estimated size (compressed, or JSON with `sizeOf: 'json'`).
 */
export function largeProfilePlan(
  params: ProfileParams,
  targetBytes: number,
  opts: LargeProfileOptions = {},
): LargeProfilePlan {
  if (opts.markers) return felderaPlan(normalize(params), targetBytes, opts.sizeOf ?? 'gzip');
  let result: LargeProfilePlan | undefined;
  const it = largeProfileText(normalize(params), targetBytes, (pl) => (result = pl));
  it.next();
  it.return(undefined);
  if (!result) throw new Error('no plan');
  return result;
}

/**
 * The uncompressed JSON text of a large profile, as a stream of Buffers (flat memory). Pulled on demand, so it
 * follows the consumer's backpressure.
 */
export function largeProfileJsonStream(
  params: ProfileParams,
  targetBytes: number,
  opts: LargeProfileOptions = {},
): Readable {
  return Readable.from(largeText(params, targetBytes, opts), { objectMode: false, highWaterMark: 65536 });
}

/**
 * A gzip'ed profile of about `targetBytes` compressed bytes, generated while it is read (flat memory, with
 * backpressure). Deterministic for the same params, size and options.
 */
export function largeProfileStream(
  params: ProfileParams,
  targetBytes: number,
  opts: LargeProfileOptions = {},
): Readable {
  const src = largeProfileJsonStream(params, targetBytes, opts);
  const gz = zlib.createGzip(gzipOptionsFor(opts.sizeOf === 'json' ? targetBytes / 5 : targetBytes));
  src.on('error', (e) => gz.destroy(e));
  gz.on('close', () => src.destroy());
  return src.pipe(gz);
}
