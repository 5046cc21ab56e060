// Child process of the profile-summary figure, so that each run's peak memory is its own. Prints one JSON line.
//   node out/test/bench/profileChild.js summary <file.json.gz>   readProfileFile, as the extension opens a profile
//                                                               (as its two halves, to time each: readProfileModel,
//                                                               then model.summarize()); `--old`: the reader before
//                                                               issue 17
//   node out/test/bench/profileChild.js parse   <file.json.gz>   gunzip + JSON.parse of the same text (the baseline)
//   node out/test/bench/profileChild.js viewer  <file.json.gz>   as the viewer opens it: in a worker thread
//                                                               (openProfileOffThread), then the first summary
//   node out/test/bench/profileChild.js feldera <file.json.gz>  a Feldera profile as the viewer first shows it, in-process:
//                                                               readProfileModel, the operator table and the summary
//   node out/test/bench/profileChild.js feldera-viewer <file>   the same through the worker (openProfileOffThread), then
//                                                               time-range, operator and thread changes, each answered
//                                                               in full
//   node out/test/bench/profileChild.js inflate <file.json.gz>  zlib alone: the file inflated and thrown away (the floor
//                                                               of any reader of a .json.gz)
// With `--stall` after the file, the longest time the calling thread could not run a 5 ms timer is reported too
// (always, for feldera-viewer). With `--old` after the file, feldera-viewer opens it with the reader before issue 17.
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { readProfileModel, type ReadPhase } from '../../src/profile';
import { openProfileOffThread } from '../../src/profile/offThread';
import { readProfileModel as oldReadProfileModel } from '../unit/profile/oracle/reader';
import { reply, selfMemorySampler } from './common';

/** Measures the longest gap between ticks of a 5 ms timer: how long the thread was held at once. */
function stallMeter(): { stop(): number } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last);
    },
  };
}

export interface ProfileChildResult {
  totalMs: number;
  /** summary: ms from the start to each phase's beginning, and to `summarize` (the model built); parse: read+gunzip. */
  phases: Record<string, number>;
  textBytes: number;
  threads?: number;
  peakGrowth: number;
  baselineRss: number;
  /** With --stall: the calling thread's longest stall, ms. */
  longestStallMs?: number;
  /** feldera modes: eval markers, operators and workers read; feldera-viewer: each change's answer time, ms. */
  evals?: number;
  operators?: number;
  workers?: number;
  rangeMs?: number[];
  operatorMs?: number[];
  /** feldera-viewer: each thread-selection change's answer time, ms. */
  threadMs?: number[];
  /** CPU time of the whole process (every thread) until the first view / the end of the inflate, ms. */
  cpuMs?: number;
  /** feldera-viewer: progress reports received while reading, and the last one. */
  progressReports?: number;
  lastProgress?: [number, number];
  /** Peak RSS growth until the first view (the worker's read; the changes come after). */
  firstViewPeak?: number;
  /** feldera-viewer --old: the old reader's error, when it could not open the profile. */
  error?: { kind: string; message: string };
}

/** The first view of a Feldera profile: the operator table (sorted by CPU) and the summary of all threads. */
const FIRST_VIEW = { operators: { limit: 200 }, summary: { topN: 100 } };
/** Changes timed in the viewer: ranges over parts of the profile, and the heaviest operators. */
const CHANGES = 9;

async function main(): Promise<void> {
  const [mode, file, flag] = process.argv.slice(2);
  const mem = selfMemorySampler(50);
  const stall = flag === '--stall' || mode === 'feldera-viewer' ? stallMeter() : undefined;
  const extra: Partial<ProfileChildResult> = {};
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let textBytes = 0;
  let threads: number | undefined;
  let totalMs: number;
  if (mode === 'summary') {
    // readProfileFile(file) is exactly readProfileModel(file) followed by model.summarize(). `--old`: the reader before
    // issue 17 (the frozen copy in test/unit/profile/oracle), for "no step back".
    const read = flag === '--old' ? oldReadProfileModel : readProfileModel;
    const r = await read(file, {
      onPhase: (phase: ReadPhase, detail) => {
        phases[phase] = performance.now() - t0;
        if (detail.textBytes !== undefined) textBytes = detail.textBytes;
      },
    });
    if (!r.ok) throw new Error(`readProfileModel failed: ${JSON.stringify(r.error)}`);
    phases.summarize = performance.now() - t0;
    threads = r.model.summarize().threads.length;
    totalMs = performance.now() - t0;
    const cpu = process.cpuUsage();
    extra.cpuMs = (cpu.user + cpu.system) / 1000;
  } else if (mode === 'viewer') {
    const r = await openProfileOffThread(
      { path: file },
      { workerFile: path.join(__dirname, '..', '..', 'src', 'profile', 'profileWorker.js') },
    );
    if (!r.ok) throw new Error(`openProfileOffThread failed: ${JSON.stringify(r.error)}`);
    threads = (await r.profile.summarizeSelection({ topN: 100 })).threads.length;
    totalMs = performance.now() - t0;
    r.profile.dispose();
  } else if (mode === 'feldera') {
    const r = await readProfileModel(file, {
      onPhase: (phase: ReadPhase, detail) => {
        phases[phase] = performance.now() - t0;
        if (detail.textBytes !== undefined) textBytes = detail.textBytes;
      },
    });
    if (!r.ok) throw new Error(`readProfileModel failed: ${JSON.stringify(r.error)}`);
    phases.firstView = performance.now() - t0;
    const table = r.model.operatorTable(FIRST_VIEW.operators);
    threads = r.model.summarizeSelection(FIRST_VIEW.summary).threads.length;
    totalMs = performance.now() - t0;
    Object.assign(extra, {
      evals: r.model.feldera.evals,
      operators: table.operatorCount,
      workers: r.model.feldera.workers.length,
    });
  } else if (mode === 'feldera-viewer') {
    // `--old`: the reader before issue 17 (test/bench/oldProfileWorker.ts), for "no step back".
    const workerFile =
      flag === '--old'
        ? path.join(__dirname, 'oldProfileWorker.js')
        : path.join(__dirname, '..', '..', 'src', 'profile', 'profileWorker.js');
    let progressReports = 0;
    let lastProgress: [number, number] | undefined;
    const r = await openProfileOffThread(
      { path: file },
      {
        workerFile,
        onProgress: (done, total) => {
          progressReports++;
          lastProgress = [done, total];
        },
        onPhase: (phase, detail) => {
          phases[phase] = performance.now() - t0;
          if (detail.textBytes !== undefined) textBytes = detail.textBytes;
        },
      },
    );
    if (!r.ok) {
      if (flag !== '--old') throw new Error(`openProfileOffThread failed: ${JSON.stringify(r.error)}`);
      // The old reader's refusal is a result too (e.g. a profile longer than a string).
      reply({ totalMs: performance.now() - t0, phases, textBytes, peakGrowth: mem.stop().peakGrowth, error: r.error });
      return;
    }
    const h = r.profile;
    const [table] = await Promise.all([h.operators(FIRST_VIEW.operators), h.summarizeSelection(FIRST_VIEW.summary)]);
    totalMs = performance.now() - t0;
    const cpu = process.cpuUsage();
    Object.assign(extra, {
      cpuMs: (cpu.user + cpu.system) / 1000,
      progressReports,
      lastProgress,
      firstViewPeak: mem.peakNow(),
    });
    threads = h.threads.length;
    // A change is what the viewer asks for at once when the user drags a range or picks an operator: the summary
    // (functions, flame graph), the thread list and the operator table or the operator's workers.
    const { start, end } = h.meta.timeRange;
    const rangeMs: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const a = start + ((end - start) * i) / (CHANGES + 1);
      const range = { start: a, end: a + ((end - start) * (1 + (i % 4))) / 8 };
      const q = performance.now();
      await Promise.all([
        h.summarizeSelection({ ...FIRST_VIEW.summary, range }),
        h.threadStats({ range }),
        h.operators({ ...FIRST_VIEW.operators, range }),
      ]);
      rangeMs.push(performance.now() - q);
    }
    const operatorMs: number[] = [];
    for (const row of table.rows.slice(0, CHANGES)) {
      const q = performance.now();
      await Promise.all([
        h.summarizeSelection({ ...FIRST_VIEW.summary, operator: row.nodeId }),
        h.threadStats({ operator: row.nodeId }),
        h.operatorDetails(row.nodeId, {}),
      ]);
      operatorMs.push(performance.now() - q);
    }
    // A thread change: the workers shown change (one, a few, all of them, back to every thread).
    const workers = h.feldera.workers.map((w) => w.thread);
    const selections = [workers.slice(0, 1), workers.slice(0, 8), workers, workers.slice(-4), undefined];
    const threadMs: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const sel = selections[i % selections.length];
      const q = performance.now();
      await Promise.all([
        h.summarizeSelection({ ...FIRST_VIEW.summary, threads: sel }),
        h.operators({ ...FIRST_VIEW.operators, threads: sel }),
        h.timeline({ threads: sel ?? h.threads.map((t) => t.index), buckets: 800 }),
      ]);
      threadMs.push(performance.now() - q);
    }
    Object.assign(extra, {
      evals: h.feldera.evals,
      operators: table.operatorCount,
      workers: h.feldera.workers.length,
      rangeMs,
      operatorMs,
      threadMs,
    });
    h.dispose();
  } else if (mode === 'inflate') {
    let n = 0;
    await pipeline(
      fs.createReadStream(file, { highWaterMark: 1024 * 1024 }),
      zlib.createGunzip({ chunkSize: 1024 * 1024 }),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          n += chunk.length;
          cb();
        },
      }),
    );
    totalMs = performance.now() - t0;
    textBytes = n;
    const cpu = process.cpuUsage();
    extra.cpuMs = (cpu.user + cpu.system) / 1000;
  } else if (mode === 'parse') {
    const text = zlib.gunzipSync(fs.readFileSync(file), { chunkSize: 1024 * 1024 }).toString('utf8');
    textBytes = text.length;
    const t1 = performance.now();
    const json = JSON.parse(text) as { threads?: unknown[] };
    totalMs = performance.now() - t1;
    phases.readAndGunzip = t1 - t0;
    threads = json.threads?.length;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const longestStallMs = stall?.stop();
  const m = mem.stop();
  const result: ProfileChildResult = {
    longestStallMs,
    totalMs,
    phases,
    textBytes,
    threads,
    peakGrowth: m.peakGrowth,
    baselineRss: m.baseline,
    ...extra,
  };
  reply(result);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
