// Generates samply profiles the way a Feldera pipeline serves them: gzip of one JSON object in the Firefox Profiler
// *processed* format, preprocessedProfileVersion 57 (samply 0.13.2, Feldera's fork). See /work/shared/samply/FORMAT.md.
//
// Two flavours, both deterministic:
// - `smallProfile()`: a complete, realistic profile of a few KiB, built in memory. Its bytes depend only on
//   (pipeline, ordinal, collection, hosts), so tests can compare what they downloaded with what was served.
// - `largeProfileStream()`: a profile of roughly `targetBytes` *compressed* bytes, generated while streaming with flat
//   memory (never the whole document in memory). The bulk is many sample rows plus unsymbolicated-looking hex strings
//   made from an AES-CTR keystream, so it does not compress to nothing; the result is still valid gzip of valid JSON.
import * as crypto from 'crypto';
import { Readable } from 'stream';
import * as zlib from 'zlib';

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
  /** Worker threads of the pipeline: the profile shows up to 4 of them. Default 4. */
  workers?: number;
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
  workers: number;
}

function normalize(p: ProfileParams): Normalized {
  return {
    pipeline: p.pipeline,
    ordinal: p.ordinal ?? 0,
    hosts: Math.max(1, p.hosts ?? 1),
    collection: p.collection ?? 1,
    workers: Math.max(1, Math.min(4, p.workers ?? 4)),
  };
}

/** 32 bytes that identify one collection: everything random in the profile derives from them. */
export function profileSeed(p: ProfileParams): Buffer {
  const n = normalize(p);
  return crypto.createHash('sha256').update(`feldera-emulator\0${n.pipeline}\0${n.ordinal}\0${n.collection}`).digest();
}

/** Small deterministic PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
const FUNCS: FuncDef[] = [
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
function buildTables(paths: number[][], st: StringTable): Tables {
  const resIdx = LIBS.map((lib) => st.idx(lib.name));
  const funcName: number[] = [];
  const fileName: (number | null)[] = [];
  for (const f of FUNCS) {
    funcName.push(st.idx(f.name));
    fileName.push(f.file === undefined ? null : st.idx(f.file));
  }
  const n = FUNCS.length;
  const isKernel = (f: FuncDef): boolean => f.lib === 2;
  const isHex = (f: FuncDef): boolean => /^0x[0-9a-f]+$/.test(f.name);
  const address = FUNCS.map((f, i) => (isHex(f) ? parseInt(f.name, 16) : 0x10000 + i * 0x1a40));
  // nativeSymbols: one per symbolicated func.
  const symIndex: (number | null)[] = [];
  const ns = {
    address: [] as number[],
    functionSize: [] as (number | null)[],
    libIndex: [] as number[],
    name: [] as number[],
  };
  FUNCS.forEach((f, i) => {
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
      address: FUNCS.map((f, i) => (isKernel(f) ? -1 : address[i] + 0x2b)),
      inlineDepth: FUNCS.map(() => 0),
      category: FUNCS.map((f) => (isKernel(f) ? 2 : 1)),
      subcategory: FUNCS.map(() => 0),
      func: FUNCS.map((_f, i) => i),
      nativeSymbol: symIndex,
      innerWindowID: FUNCS.map(() => 0),
      line: FUNCS.map((f) => f.line ?? null),
      column: FUNCS.map(() => null),
    },
    funcTable: {
      length: n,
      name: funcName,
      isJS: FUNCS.map(() => false),
      relevantForJS: FUNCS.map(() => false),
      resource: FUNCS.map((f) => f.lib),
      fileName,
      lineNumber: FUNCS.map(() => null),
      columnNumber: FUNCS.map(() => null),
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

  const stepName = st.idx('FelderaStep');
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
    let markers = emptyMarkers();
    if (def.main) {
      const m = {
        category: [] as number[],
        data: [] as unknown[],
        startTime: [] as number[],
        endTime: [] as number[],
        name: [] as number[],
        phase: [] as number[],
      };
      let t = 5;
      for (let step = 1; step <= 8; step++) {
        const len = Math.round((10 + rnd() * 40) * 1000) / 1000;
        m.category.push(0);
        m.data.push({ type: 'FelderaStep', step, records: Math.floor(rnd() * 100000) });
        m.startTime.push(t);
        m.endTime.push(Math.round((t + len) * 1000) / 1000);
        m.name.push(stepName);
        m.phase.push(1);
        t = Math.round((t + len + 5) * 1000) / 1000;
      }
      markers = { length: m.name.length, ...m };
    }
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
    markerSchema: [
      {
        name: 'FelderaStep',
        display: ['marker-chart', 'marker-table', 'timeline-overview'],
        chartLabel: 'step {marker.data.step}',
        tooltipLabel: 'step {marker.data.step}',
        tableLabel: 'step {marker.data.step}: {marker.data.records} records',
        description: 'One step of the DBSP circuit',
        fields: [
          { key: 'step', label: 'Step', format: 'integer' },
          { key: 'records', label: 'Records', format: 'integer' },
        ],
      },
    ],
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

/** The JSON object of the small profile (what `smallProfile()` gzips). */
export function smallProfileObject(params: ProfileParams): Record<string, unknown> {
  return buildSkeleton(normalize(params), { samplesPerThread: 200, streamedMainSamples: false }).profile;
}

/** A complete small profile, gzip'ed: same bytes for the same (pipeline, ordinal, collection, hosts). */
export function smallProfile(params: ProfileParams): Buffer {
  return zlib.gzipSync(Buffer.from(JSON.stringify(smallProfileObject(params)), 'utf8'), { level: GZIP_LEVEL });
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
  /** Estimated compressed size. */
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

/** The plan (row and string counts, estimated compressed size) a large profile of that size would use. */
export function largeProfilePlan(params: ProfileParams, targetBytes: number): LargeProfilePlan {
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
export function largeProfileJsonStream(params: ProfileParams, targetBytes: number): Readable {
  return Readable.from(largeProfileText(normalize(params), targetBytes), { objectMode: false, highWaterMark: 65536 });
}

/**
 * A gzip'ed profile of about `targetBytes` compressed bytes, generated while it is read (flat memory, with
 * backpressure). Deterministic for the same params and size.
 */
export function largeProfileStream(params: ProfileParams, targetBytes: number): Readable {
  const src = largeProfileJsonStream(params, targetBytes);
  const gz = zlib.createGzip(gzipOptionsFor(targetBytes));
  src.on('error', (e) => gz.destroy(e));
  gz.on('close', () => src.destroy());
  return src.pipe(gz);
}
