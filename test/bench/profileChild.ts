// Child process of the profile-summary figure, so that each run's peak memory is its own. Prints one JSON line.
//   node out/test/bench/profileChild.js summary <file.json.gz>   readProfileFile, as the extension opens a profile
//                                                               (as its two halves, to time each: readProfileModel,
//                                                               then model.summarize())
//   node out/test/bench/profileChild.js parse   <file.json.gz>   gunzip + JSON.parse of the same text (the baseline)
import * as fs from 'fs';
import * as zlib from 'zlib';
import { readProfileModel, type ReadPhase } from '../../src/profile';
import { reply, selfMemorySampler } from './common';

export interface ProfileChildResult {
  totalMs: number;
  /** summary: ms from the start to each phase's beginning, and to `summarize` (the model built); parse: read+gunzip. */
  phases: Record<string, number>;
  textBytes: number;
  threads?: number;
  peakGrowth: number;
  baselineRss: number;
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  const mem = selfMemorySampler(50);
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
  const m = mem.stop();
  const result: ProfileChildResult = {
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
