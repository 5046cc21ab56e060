// Turns a parsed samply profile (Firefox Profiler "processed" format, versions 44..70) into a compact
// model: one function table and one call-node table for all threads, and per thread the weight that
// lands on each call node (all samples, and on-CPU samples only). The parsed JSON can be dropped
// afterwards; summaries for any thread selection are then computed from typed arrays alone.
import { CallNodeTable, type FrozenCallNodes } from './callNodes';
import {
  MAX_PROFILE_VERSION,
  MIN_PROFILE_VERSION,
  type CallerCallee,
  type FlameTree,
  type FunctionDetails,
  type FunctionInfo,
  type FunctionStat,
  type ProfileError,
  type ProfileErrorKind,
  type ProfileMeta,
  type ProfileSummary,
  type SelectionSummary,
  type SummarizeOptions,
  type ThreadInfo,
} from './types';

export class ProfileFormatError extends Error {
  constructor(
    readonly kind: ProfileErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProfileFormatError';
  }

  toProfileError(): ProfileError {
    return { kind: this.kind, message: this.message };
  }
}

type Json = { [key: string]: unknown };
type Column = ArrayLike<unknown>;
type NumColumn = ArrayLike<number | null | undefined>;

const HEX_NAME = /^0x[0-9a-f]+$/i;
const HOST_RE = /\bhost\s+(\d+)\s+of\s+(\d+)\b/i;

/** Per thread: the call nodes its samples hit and their weight (all samples / on-CPU samples). */
interface ThreadWeights {
  nodes: Int32Array;
  all: Float64Array;
  cpu: Float64Array;
  /** Weight of samples with an empty (null) stack. */
  emptyAll: number;
  emptyCpu: number;
}

interface Aggregate {
  key: string;
  threads: number[];
  cpuOnly: boolean;
  samples: number;
  weight: number;
  stackWeight: number;
  /** Weight of samples ending at each call node. */
  nodeSelf: Float64Array;
  /** Weight of each call node's subtree. */
  cum: Float64Array;
  self: Float64Array;
  total: Float64Array;
}

export class ProfileModel {
  private last: Aggregate | undefined;

  /** @internal Built by buildProfileModel. */
  constructor(
    readonly meta: ProfileMeta,
    readonly threads: ThreadInfo[],
    private readonly funcs: FunctionTable,
    private readonly nodes: FrozenCallNodes,
    private readonly weights: ThreadWeights[],
  ) {}

  get functionCount(): number {
    return this.funcs.names.length;
  }

  get callNodeCount(): number {
    return this.nodes.count;
  }

  functionInfo(id: number): FunctionInfo {
    const f = this.funcs;
    const info: FunctionInfo = { id, name: f.display[id] };
    if (f.libs[id] !== undefined) info.lib = f.libs[id];
    if (f.files[id] !== undefined) info.file = f.files[id];
    return info;
  }

  /** The full summary: meta, every thread, and the selection's functions and flame tree. */
  summarize(opts: SummarizeOptions = {}): ProfileSummary {
    return { meta: this.meta, threads: this.threads, selection: this.summarizeSelection(opts) };
  }

  summarizeSelection(opts: SummarizeOptions = {}): SelectionSummary {
    const agg = this.aggregate(opts);
    const topN = Math.max(0, opts.topN ?? 100);
    const used: number[] = [];
    for (let f = 0; f < agg.total.length; f++) if (agg.total[f] !== 0 || agg.self[f] !== 0) used.push(f);
    const byName = (a: number, b: number): number => compareStrings(this.funcs.display[a], this.funcs.display[b]);
    const selfOrder = used.filter((f) => agg.self[f] !== 0);
    selfOrder.sort((a, b) => agg.self[b] - agg.self[a] || byName(a, b));
    const totalOrder = used.slice();
    totalOrder.sort((a, b) => agg.total[b] - agg.total[a] || byName(a, b));
    const stat = (f: number): FunctionStat => ({ ...this.functionInfo(f), self: agg.self[f], total: agg.total[f] });
    const flame = this.flameTree(agg, opts.flameMinFraction ?? 0.001, opts.maxFlameNodes ?? 20000);
    const flameFuncs = Array.from(new Set(flame.func)).sort((a, b) => a - b);
    return {
      threads: agg.threads,
      cpuOnly: agg.cpuOnly,
      samples: agg.samples,
      weight: agg.weight,
      stackWeight: agg.stackWeight,
      functionCount: used.length,
      topSelf: selfOrder.slice(0, topN).map(stat),
      topTotal: totalOrder.slice(0, topN).map(stat),
      flame,
      funcs: flameFuncs.map((f) => this.functionInfo(f)),
    };
  }

  /** Self and total weight of every function (indexed by function id) for a selection. */
  functionWeights(opts: SummarizeOptions = {}): { self: Float64Array; total: Float64Array } {
    const agg = this.aggregate(opts);
    return { self: agg.self.slice(), total: agg.total.slice() };
  }

  /** Every function with a non-zero self or total in the selection, heaviest total first. */
  functionStats(opts: SummarizeOptions = {}): FunctionStat[] {
    return this.summarizeSelection({ ...opts, topN: Number.MAX_SAFE_INTEGER, maxFlameNodes: 0 }).topTotal;
  }

  findFunction(name: string): number | undefined {
    const i = this.funcs.display.indexOf(name);
    return i < 0 ? undefined : i;
  }

  /** Callers and callees of one function in a selection, heaviest first, at most `limit` of each. */
  functionDetails(id: number, opts: SummarizeOptions = {}, limit = 100): FunctionDetails | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.funcs.names.length) return undefined;
    const agg = this.aggregate(opts);
    const { parent, func, recursive, count } = this.nodes;
    const cum = agg.cum;
    const callers = new Map<number, number>();
    const callees = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const w = cum[i];
      if (w === 0) continue;
      const p = parent[i];
      if (func[i] === id && recursive[i] === 0) {
        const key = p < 0 ? -1 : func[p];
        callers.set(key, (callers.get(key) ?? 0) + w);
      }
      if (p >= 0 && func[p] === id && recursive[p] === 0) {
        callees.set(func[i], (callees.get(func[i]) ?? 0) + w);
      }
    }
    const list = (m: Map<number, number>): CallerCallee[] =>
      Array.from(m, ([f, weight]) => ({ ...(f < 0 ? { id: -1, name: '(root)' } : this.functionInfo(f)), weight }))
        .sort((a, b) => b.weight - a.weight || compareStrings(a.name, b.name))
        .slice(0, limit);
    return {
      func: { ...this.functionInfo(id), self: agg.self[id], total: agg.total[id] },
      callers: list(callers),
      callees: list(callees),
    };
  }

  private aggregate(opts: SummarizeOptions): Aggregate {
    const cpuOnly = opts.cpuOnly === true;
    const threads = normalizeThreads(opts.threads, this.threads.length);
    const key = `${cpuOnly ? 1 : 0}:${threads.join(',')}`;
    if (this.last && this.last.key === key) return this.last;

    const { count, parent, func, recursive } = this.nodes;
    const nodeSelf = new Float64Array(count);
    let samples = 0;
    let weight = 0;
    for (const t of threads) {
      const info = this.threads[t];
      const tw = this.weights[t];
      samples += cpuOnly ? info.cpuSamples : info.samples;
      weight += cpuOnly ? info.cpuWeight : info.weight;
      const nodes = tw.nodes;
      const w = cpuOnly ? tw.cpu : tw.all;
      for (let k = 0; k < nodes.length; k++) nodeSelf[nodes[k]] += w[k];
    }
    const cum = nodeSelf.slice();
    for (let i = count - 1; i > 0; i--) {
      const p = parent[i];
      if (p >= 0) cum[p] += cum[i];
    }
    const nf = this.funcs.names.length;
    const self = new Float64Array(nf);
    const total = new Float64Array(nf);
    let stackWeight = 0;
    for (let i = 0; i < count; i++) {
      const c = cum[i];
      if (c === 0) continue;
      const f = func[i];
      self[f] += nodeSelf[i];
      if (recursive[i] === 0) total[f] += c;
      if (parent[i] < 0) stackWeight += c;
    }
    const agg: Aggregate = {
      key,
      threads,
      cpuOnly,
      samples,
      weight,
      stackWeight,
      nodeSelf,
      cum,
      self,
      total,
    };
    this.last = agg;
    return agg;
  }

  private flameTree(agg: Aggregate, minFraction: number, maxNodes: number): FlameTree {
    const { count, parent, func } = this.nodes;
    const cum = agg.cum;
    let minValue = agg.stackWeight * Math.max(0, minFraction);
    let keptCount = 0;
    let droppedAny = false;
    for (let i = 0; i < count; i++) {
      if (cum[i] > 0) {
        if (cum[i] >= minValue) keptCount++;
        else droppedAny = true;
      }
    }
    if (keptCount > maxNodes) {
      // Raise the threshold so that at most maxNodes survive; children are never heavier than parents,
      // so the kept set stays a tree.
      const values: number[] = [];
      for (let i = 0; i < count; i++) if (cum[i] > 0 && cum[i] >= minValue) values.push(cum[i]);
      values.sort((a, b) => b - a);
      minValue = maxNodes > 0 ? values[maxNodes - 1] : Infinity;
      if (maxNodes > 0 && values[maxNodes] === minValue) minValue = nextUp(minValue);
      droppedAny = true;
    }
    // Children lists for the kept nodes (a node is kept only if its parent is).
    const keep = new Uint8Array(count);
    const firstChild = new Int32Array(count).fill(-1);
    const nextSibling = new Int32Array(count).fill(-1);
    const roots: number[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const c = cum[i];
      if (!(c > 0 && c >= minValue)) continue;
      const p = parent[i];
      if (p >= 0) {
        if (!(cum[p] > 0 && cum[p] >= minValue)) continue;
        nextSibling[i] = firstChild[p];
        firstChild[p] = i;
      } else {
        roots.push(i);
      }
      keep[i] = 1;
    }
    const names = this.funcs.display;
    const order = (a: number, b: number): number => cum[b] - cum[a] || compareStrings(names[func[a]], names[func[b]]);
    const out: FlameTree = {
      func: [],
      parent: [],
      value: [],
      self: [],
      minValue: Number.isFinite(minValue) ? minValue : 0,
      pruned: droppedAny,
    };
    // Depth-first preorder with sorted children; an explicit stack of (node, output parent).
    const stack: number[] = [];
    const sortedRoots = roots.sort(order);
    for (let r = sortedRoots.length - 1; r >= 0; r--) stack.push(sortedRoots[r], -1);
    while (stack.length) {
      const outParent = stack.pop() as number;
      const node = stack.pop() as number;
      const idx = out.func.length;
      out.func.push(func[node]);
      out.parent.push(outParent);
      out.value.push(cum[node]);
      out.self.push(agg.nodeSelf[node]);
      const children: number[] = [];
      for (let c = firstChild[node]; c >= 0; c = nextSibling[c]) children.push(c);
      children.sort(order);
      for (let k = children.length - 1; k >= 0; k--) stack.push(children[k], idx);
    }
    return out;
  }
}

/** Validates a parsed profile and builds its model, or says what is wrong with it. */
export function buildProfileModel(
  json: unknown,
): { ok: true; model: ProfileModel } | { ok: false; error: ProfileError } {
  try {
    const steps = buildSteps(json);
    for (;;) {
      const r = steps.next();
      if (r.done) return { ok: true, model: r.value };
    }
  } catch (e) {
    return { ok: false, error: toProfileError(e) };
  }
}

/**
 * Like buildProfileModel, but gives the event loop a turn between threads (at most every `sliceMs`),
 * so a big profile does not hold the extension host for seconds at a time.
 */
export async function buildProfileModelAsync(
  json: unknown,
  opts: { signal?: AbortSignal; sliceMs?: number } = {},
): Promise<{ ok: true; model: ProfileModel } | { ok: false; error: ProfileError }> {
  const sliceMs = opts.sliceMs ?? 40;
  try {
    const steps = buildSteps(json);
    let sliceStart = Date.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return { ok: true, model: r.value };
      if (Date.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (opts.signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'Reading was cancelled.' } };
        sliceStart = Date.now();
      }
    }
  } catch (e) {
    return { ok: false, error: toProfileError(e) };
  }
}

/** Summarises a parsed profile in one call; throws ProfileFormatError when it cannot be read. */
export function summarizeProfile(json: unknown, opts: SummarizeOptions = {}): ProfileSummary {
  const r = buildProfileModel(json);
  if (!r.ok) throw new ProfileFormatError(r.error.kind, r.error.message);
  return r.model.summarize(opts);
}

/** Checks `meta.preprocessedProfileVersion`; returns the version or throws ProfileFormatError. */
export function checkProfileVersion(json: unknown): number {
  if (!isObj(json)) {
    throw new ProfileFormatError('invalid', 'The file is JSON but not a profile: expected an object at the top level.');
  }
  const meta = json.meta;
  if (!isObj(meta)) {
    throw new ProfileFormatError(
      'invalid',
      'The file is JSON but not a samply profile: it has no "meta" object. Open it with samply or profiler.firefox.com.',
    );
  }
  const v = meta.preprocessedProfileVersion;
  if (v === undefined || v === null) {
    throw new ProfileFormatError(
      'unknownVersion',
      'The profile has no meta.preprocessedProfileVersion, so it is not a processed profile as samply writes it ' +
        '(perhaps a raw Gecko profile). Open it with samply or profiler.firefox.com.',
    );
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ProfileFormatError(
      'unknownVersion',
      `The profile's format version (${JSON.stringify(v)}) is not a number this viewer knows.`,
    );
  }
  if (v > MAX_PROFILE_VERSION) {
    throw new ProfileFormatError(
      'tooNew',
      `The profile is format version ${v}, newer than this viewer reads (${MIN_PROFILE_VERSION}–${MAX_PROFILE_VERSION}). ` +
        'Open it with samply, or update the extension.',
    );
  }
  if (v < MIN_PROFILE_VERSION) {
    throw new ProfileFormatError(
      'unknownVersion',
      `The profile is format version ${v}, older than this viewer reads (${MIN_PROFILE_VERSION}–${MAX_PROFILE_VERSION}). ` +
        'Open it with samply.',
    );
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Building

interface FunctionTable {
  names: string[];
  display: string[];
  libs: (string | undefined)[];
  files: (string | undefined)[];
  byKey: Map<string, number>;
}

function addFunc(t: FunctionTable, name: string, lib: string | undefined, file: string | undefined): number {
  const key = `${name}\u0000${lib ?? ''}\u0000${file ?? ''}`;
  let id = t.byKey.get(key);
  if (id === undefined) {
    id = t.names.length;
    t.byKey.set(key, id);
    t.names.push(name);
    t.libs.push(lib);
    t.files.push(file);
    t.display.push(lib !== undefined && HEX_NAME.test(name) ? `${name} [${lib}]` : name);
  }
  return id;
}

/** The tables one thread's stacks resolve through: shared (v60+) or the thread's own. */
interface ThreadTables {
  strings: Column;
  stackTable: Json;
  frameTable: Json;
  funcTable: Json;
  resourceTable: Json | undefined;
}

function* buildSteps(json: unknown): Generator<void, ProfileModel> {
  const version = checkProfileVersion(json);
  const root = json as Json;
  const metaJson = root.meta as Json;
  const shared = isObj(root.shared) ? root.shared : {};
  const libs = Array.isArray(root.libs) ? root.libs : [];
  const threadsJson = root.threads;
  if (!Array.isArray(threadsJson)) fail('The profile has no "threads" list.');
  const sources = isObj(shared.sources) ? shared.sources : undefined;
  const cpuUnit = isObj(metaJson.sampleUnits) ? metaJson.sampleUnits.threadCPUDelta : undefined;
  const cpuDivisor = cpuUnit === 'µs' ? 1000 : cpuUnit === 'ns' ? 1e6 : cpuUnit === 'ms' ? 1 : 0;

  const funcs: FunctionTable = { names: [], display: [], libs: [], files: [], byKey: new Map() };
  const callNodes = new CallNodeTable(countStacks(shared, threadsJson));
  // Shared tables are the same objects for every thread: resolve them once.
  const funcMaps = new Map<object, { global: Int32Array; noLib: Uint8Array }>();
  const frameMaps = new Map<object, Int32Array>();
  const stackMaps = new Map<object, Int32Array>();

  const threads: ThreadInfo[] = [];
  const weights: ThreadWeights[] = [];
  let firstTime = Infinity;
  let lastTime = -Infinity;
  let weightType = '';
  let hasCpuDelta = false;
  // Scratch space for one thread's per-node sums, reused across threads.
  let stamp = new Int32Array(0);
  let accAll = new Float64Array(0);
  let accCpu = new Float64Array(0);
  let touched = new Int32Array(0);

  for (let ti = 0; ti < threadsJson.length; ti++) {
    const t = threadsJson[ti] as unknown;
    if (!isObj(t)) fail(`Thread ${ti} is not an object.`);
    const name = typeof t.name === 'string' ? t.name : `Thread ${ti}`;
    const where = `thread ${ti} ("${name}")`;
    const samples = t.samples;
    if (!isObj(samples)) fail(`In ${where}, "samples" is missing.`);
    const stackCol = column(samples, 'stack', `${where} samples`) as NumColumn;
    const n = tableLength(samples, stackCol, `${where} samples`);
    const weightCol = optColumn(samples, 'weight') as NumColumn | undefined;
    const cpuCol = optColumn(samples, 'threadCPUDelta') as NumColumn | undefined;
    const timeCol = optColumn(samples, 'time') as NumColumn | undefined;
    const deltaCol = timeCol ? undefined : (optColumn(samples, 'timeDeltas') as NumColumn | undefined);
    if (typeof samples.weightType === 'string' && !weightType) weightType = samples.weightType;
    if (cpuCol) hasCpuDelta = true;

    let stackMap: Int32Array = new Int32Array(0);
    if (n > 0) {
      const tables = threadTables(shared, t, where);
      let fm = funcMaps.get(tables.funcTable);
      if (!fm) {
        fm = mapFuncs(tables, sources, libs, funcs, where);
        funcMaps.set(tables.funcTable, fm);
      }
      let frameMap = frameMaps.get(tables.frameTable);
      if (!frameMap) {
        frameMap = mapFrames(tables, fm, libs, funcs, where);
        frameMaps.set(tables.frameTable, frameMap);
      }
      const cached = stackMaps.get(tables.stackTable);
      if (cached) {
        stackMap = cached;
      } else {
        stackMap = mapStacks(tables.stackTable, frameMap, callNodes, where);
        stackMaps.set(tables.stackTable, stackMap);
      }
    }

    const nodeCount = callNodes.count;
    if (stamp.length < nodeCount) {
      const size = Math.max(nodeCount, stamp.length * 2);
      stamp = new Int32Array(size);
      accAll = new Float64Array(size);
      accCpu = new Float64Array(size);
      touched = new Int32Array(size);
    }
    const tick = ti + 1;
    let touchedCount = 0;
    let weight = 0;
    let cpuWeight = 0;
    let cpuSamples = 0;
    let cpuSum = 0;
    let emptyAll = 0;
    let emptyCpu = 0;
    let time = 0;
    const stackCount = stackMap.length;
    for (let i = 0; i < n; i++) {
      const wv = weightCol ? weightCol[i] : 1;
      // Typed columns (see jsonBytes.ts) hold NaN where the JSON had null.
      const w = typeof wv === 'number' && wv === wv ? wv : 1;
      const c = cpuCol ? cpuCol[i] : null;
      // A null delta (often the first sample) is unknown: keep the sample in CPU-only mode.
      const onCpu = c !== 0;
      weight += w;
      if (onCpu) {
        cpuWeight += w;
        cpuSamples++;
      }
      if (typeof c === 'number' && c === c) cpuSum += c;
      if (deltaCol) {
        const d = deltaCol[i];
        if (typeof d === 'number' && d === d) time += d;
        if (i === 0 && time < firstTime) firstTime = time;
      }
      const s = stackCol[i];
      if (s === null || s === undefined || (s as number) < 0 || s !== s) {
        emptyAll += w;
        if (onCpu) emptyCpu += w;
        continue;
      }
      if (!(s < stackCount)) fail(`In ${where}, sample ${i} refers to stack ${shown(s)}, which does not exist.`);
      const cn = stackMap[s];
      if (stamp[cn] !== tick) {
        stamp[cn] = tick;
        touched[touchedCount++] = cn;
        accAll[cn] = 0;
        accCpu[cn] = 0;
      }
      accAll[cn] += w;
      if (onCpu) accCpu[cn] += w;
    }
    if (n > 0) {
      if (timeCol) {
        const a = timeCol[0];
        const b = timeCol[n - 1];
        if (typeof a === 'number' && a < firstTime) firstTime = a;
        if (typeof b === 'number' && b > lastTime) lastTime = b;
      } else if (deltaCol && time > lastTime) {
        lastTime = time;
      }
    }
    const nodes = touched.slice(0, touchedCount).sort();
    const all = new Float64Array(touchedCount);
    const cpu = new Float64Array(touchedCount);
    for (let k = 0; k < touchedCount; k++) {
      all[k] = accAll[nodes[k]];
      cpu[k] = accCpu[nodes[k]];
    }
    weights.push({ nodes, all, cpu, emptyAll, emptyCpu });
    const info: ThreadInfo = {
      index: ti,
      name,
      tid: t.tid === undefined || t.tid === null ? '' : String(t.tid),
      pid: t.pid === undefined || t.pid === null ? '' : String(t.pid),
      processName: typeof t.processName === 'string' ? t.processName : '',
      isMainThread: t.isMainThread === true,
      samples: n,
      weight,
      cpuSamples,
      cpuWeight,
    };
    if (cpuCol && cpuDivisor > 0) info.cpuTimeMs = cpuSum / cpuDivisor;
    threads.push(info);
    yield;
  }

  const oscpu = typeof metaJson.oscpu === 'string' ? metaJson.oscpu : '';
  const hostMatch = HOST_RE.exec(oscpu);
  const start = metaJson.profilingStartTime;
  const end = metaJson.profilingEndTime;
  const meta: ProfileMeta = {
    product: typeof metaJson.product === 'string' ? metaJson.product : '',
    oscpu,
    durationMs:
      typeof start === 'number' && typeof end === 'number' && end >= start
        ? end - start
        : lastTime > firstTime
          ? lastTime - firstTime
          : 0,
    startTime: typeof metaJson.startTime === 'number' ? metaJson.startTime : 0,
    interval: typeof metaJson.interval === 'number' && metaJson.interval > 0 ? metaJson.interval : 1,
    version,
    symbolicated: metaJson.symbolicated === true,
    weightType: weightType || 'samples',
    hasCpuDelta,
  };
  if (hostMatch) meta.host = { index: Number(hostMatch[1]), count: Number(hostMatch[2]) };
  return new ProfileModel(meta, threads, funcs, callNodes.freeze(funcs.names.length), weights);
}

/** An upper bound of the call-node count: all stacks of all stack tables. */
function countStacks(shared: Json, threads: unknown[]): number {
  const len = (t: unknown): number => (isObj(t) && typeof t.length === 'number' ? t.length : 0);
  if (isObj(shared.stackTable)) return len(shared.stackTable);
  let n = 0;
  for (const t of threads) if (isObj(t)) n += len(t.stackTable);
  return n;
}

function threadTables(shared: Json, t: Json, where: string): ThreadTables {
  const pick = (name: string): Json | undefined => {
    const s = shared[name];
    if (isObj(s)) return s;
    const own = t[name];
    return isObj(own) ? own : undefined;
  };
  const strings = Array.isArray(shared.stringArray)
    ? shared.stringArray
    : Array.isArray(t.stringArray)
      ? t.stringArray
      : fail(`In ${where}, there is no stringArray (neither shared nor the thread's own).`);
  const need = (name: string): Json => pick(name) ?? fail(`In ${where}, the ${name} is missing.`);
  return {
    strings,
    stackTable: need('stackTable'),
    frameTable: need('frameTable'),
    funcTable: need('funcTable'),
    resourceTable: pick('resourceTable'),
  };
}

/** Local function index → global function id; `noLib` marks functions without a library resource. */
function mapFuncs(
  tables: ThreadTables,
  sources: Json | undefined,
  libs: unknown[],
  funcs: FunctionTable,
  where: string,
): { global: Int32Array; noLib: Uint8Array } {
  const { funcTable, resourceTable, strings } = tables;
  const nameCol = column(funcTable, 'name', `${where} funcTable`) as NumColumn;
  const n = tableLength(funcTable, nameCol, `${where} funcTable`);
  const resCol = optColumn(funcTable, 'resource') as NumColumn | undefined;
  const fileCol = optColumn(funcTable, 'fileName') as NumColumn | undefined;
  const sourceCol = fileCol ? undefined : (optColumn(funcTable, 'source') as NumColumn | undefined);
  const sourceFileCol = sources ? (optColumn(sources, 'filename') as NumColumn | undefined) : undefined;
  const resNameCol = resourceTable ? (optColumn(resourceTable, 'name') as NumColumn | undefined) : undefined;
  const resLibCol = resourceTable ? (optColumn(resourceTable, 'lib') as NumColumn | undefined) : undefined;
  const resLength = resourceTable ? tableLength(resourceTable, resNameCol ?? resLibCol ?? [], '') : 0;
  const str = (i: unknown): string | undefined => {
    if (typeof i !== 'number') return undefined;
    const s = strings[i];
    return typeof s === 'string' ? s : undefined;
  };
  const resourceLibName: (string | undefined)[] = [];
  for (let r = 0; r < resLength; r++) {
    let lib = resNameCol ? str(resNameCol[r]) : undefined;
    if (lib === undefined && resLibCol) lib = libName(libs, resLibCol[r]);
    resourceLibName.push(lib);
  }
  const global = new Int32Array(n);
  const noLib = new Uint8Array(n);
  for (let f = 0; f < n; f++) {
    const name = str(nameCol[f]) ?? `(function ${f})`;
    const r = resCol ? resCol[f] : undefined;
    const lib = typeof r === 'number' && r >= 0 ? resourceLibName[r] : undefined;
    if (lib === undefined) noLib[f] = 1;
    let file: string | undefined;
    if (fileCol) file = str(fileCol[f]);
    else if (sourceCol && sourceFileCol) {
      const src = sourceCol[f];
      if (typeof src === 'number') file = str(sourceFileCol[src]);
    }
    global[f] = addFunc(funcs, name, lib, file);
  }
  return { global, noLib };
}

/** Frame index → global function id. From v70 the library can sit on the frame instead of the resource. */
function mapFrames(
  tables: ThreadTables,
  fm: { global: Int32Array; noLib: Uint8Array },
  libs: unknown[],
  funcs: FunctionTable,
  where: string,
): Int32Array {
  const { frameTable } = tables;
  const funcCol = column(frameTable, 'func', `${where} frameTable`) as NumColumn;
  const n = tableLength(frameTable, funcCol, `${where} frameTable`);
  const libCol = optColumn(frameTable, 'lib') as NumColumn | undefined;
  const out = new Int32Array(n);
  const funcCount = fm.global.length;
  for (let i = 0; i < n; i++) {
    const f = funcCol[i];
    if (typeof f !== 'number' || !(f >= 0 && f < funcCount)) {
      fail(`In ${where}, frame ${i} refers to function ${shown(f)}, which does not exist.`);
    }
    let g = fm.global[f];
    if (libCol && fm.noLib[f] === 1) {
      const lib = libName(libs, libCol[i]);
      if (lib !== undefined) g = addFunc(funcs, funcs.names[g], lib, funcs.files[g]);
    }
    out[i] = g;
  }
  return out;
}

/** Stack index → call node. Handles `prefix` (null = root) and, from v66, `prefixOffset` (0 = root). */
function mapStacks(stackTable: Json, frameFuncs: Int32Array, callNodes: CallNodeTable, where: string): Int32Array {
  const frameCol = column(stackTable, 'frame', `${where} stackTable`) as NumColumn;
  const n = tableLength(stackTable, frameCol, `${where} stackTable`);
  const offsetCol = optColumn(stackTable, 'prefixOffset') as NumColumn | undefined;
  const prefixCol = offsetCol
    ? undefined
    : (column(stackTable, 'prefix', `${where} stackTable`) as NumColumn | undefined);
  const out = new Int32Array(n);
  const frameCount = frameFuncs.length;
  for (let s = 0; s < n; s++) {
    let p: number;
    if (offsetCol) {
      const o = offsetCol[s];
      p = typeof o === 'number' && o > 0 ? s - o : -1;
    } else {
      const v = (prefixCol as NumColumn)[s];
      p = typeof v === 'number' && v >= 0 ? v : -1;
    }
    if (p >= s) fail(`In ${where}, stack ${s} has parent ${p}; parents must come before their children.`);
    const fr = frameCol[s];
    if (typeof fr !== 'number' || !(fr >= 0 && fr < frameCount)) {
      fail(`In ${where}, stack ${s} refers to frame ${shown(fr)}, which does not exist.`);
    }
    out[s] = callNodes.getOrAdd(p < 0 ? -1 : out[p], frameFuncs[fr]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isColumn(v: unknown): v is Column {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function column(table: Json, name: string, where: string): Column {
  const c = table[name];
  if (isColumn(c)) return c;
  return fail(`In ${where}, the column "${name}" is missing.`);
}

function optColumn(table: Json, name: string): Column | undefined {
  const c = table[name];
  return isColumn(c) ? c : undefined;
}

function tableLength(table: Json, col: Column, where: string): number {
  const n = table.length;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) {
    if (n > col.length) fail(`In ${where}, "length" is ${n} but a column has only ${col.length} entries.`);
    return n;
  }
  return col.length;
}

function libName(libs: unknown[], index: unknown): string | undefined {
  if (typeof index !== 'number' || index < 0) return undefined;
  const lib = libs[index];
  return isObj(lib) && typeof lib.name === 'string' ? lib.name : undefined;
}

/** A column value for a message: NaN in a typed column stands for the JSON's null (see jsonBytes.ts). */
function shown(v: unknown): string {
  return typeof v === 'number' && v !== v ? 'null' : String(v);
}

function fail(message: string): never {
  throw new ProfileFormatError('invalid', `The profile is damaged or not in samply's format: ${lowerFirst(message)}`);
}

function lowerFirst(s: string): string {
  return s.length ? s[0].toLowerCase() + s.slice(1) : s;
}

function toProfileError(e: unknown): ProfileError {
  if (e instanceof ProfileFormatError) return e.toProfileError();
  const detail = e instanceof Error ? e.message : String(e);
  return { kind: 'invalid', message: `The profile could not be read: ${detail}` };
}

function normalizeThreads(threads: number[] | undefined, count: number): number[] {
  if (!threads) return Array.from({ length: count }, (_, i) => i);
  const set = new Set<number>();
  for (const t of threads) if (Number.isInteger(t) && t >= 0 && t < count) set.add(t);
  return Array.from(set).sort((a, b) => a - b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nextUp(x: number): number {
  return x + Math.max(Math.abs(x) * Number.EPSILON, Number.MIN_VALUE);
}
