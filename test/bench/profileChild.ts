// Child process of the profile-summary figure, so that each run's peak memory is its own. Prints one JSON line.
//   node out/test/bench/profileChild.js summary <file.json.gz>   readProfileFile, as the extension opens a profile
//                                                               (as its two halves, to time each: readProfileModel,
//                                                               then model.summarize())
//   node out/test/bench/profileChild.js parse   <file.json.gz>   gunzip + JSON.parse of the same text (the baseline)
//   node out/test/bench/profileChild.js viewer  <file.json.gz>   as the viewer opens it: in a worker thread
//                                                               (openProfileOffThread), then the first summary
// With `--stall` after the file, the longest time the calling thread could not run a 5 ms timer is reported too.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { readProfileModel, type ReadPhase } from '../../src/profile';
import { openProfileOffThread } from '../../src/profile/offThread';
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
}

async function main(): Promise<void> {
  const [mode, file, flag] = process.argv.slice(2);
  const mem = selfMemorySampler(50);
  const stall = flag === '--stall' ? stallMeter() : undefined;
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let textBytes = 0;
  let threads: number | undefined;
  let totalMs: number;
  if (mode === 'summary') {
    // readProfileFile(file) is exactly readProfileModel(file) followed by model.summarize().
    const r = await readProfileModel(file, {
      onPhase: (phase: ReadPhase, detail) => {
        phases[phase] = performance.now() - t0;
        if (detail.textBytes !== undefined) textBytes = detail.textBytes;
      },
    });
    if (!r.ok) throw new Error(`readProfileModel failed: ${JSON.stringify(r.error)}`);
    phases.summarize = performance.now() - t0;
    threads = r.model.summarize().threads.length;
    totalMs = performance.now() - t0;
  } else if (mode === 'viewer') {
    const r = await openProfileOffThread(
      { path: file },
      { workerFile: path.join(__dirname, '..', '..', 'src', 'profile', 'profileWorker.js') },
    );
    if (!r.ok) throw new Error(`openProfileOffThread failed: ${JSON.stringify(r.error)}`);
    threads = (await r.profile.summarizeSelection({ topN: 100 })).threads.length;
    totalMs = performance.now() - t0;
    r.profile.dispose();
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
  };
  reply(result);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
