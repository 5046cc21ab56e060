// Profile summary: readProfileFile on a samply profile of ~200 MiB of JSON (gzipped, as samply writes it) vs
// JSON.parse of the same text, alternating child processes, with each one's peak memory.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeBigProfile } from '../unit/profile/generate';
import { cacheDir, type Figure, list, log, median, mib, ms, runNodeChild } from './common';
import { loadProfile, topSelf } from './cpuProfile';
import type { ProfileChildResult } from './profileChild';

const ROUNDS = Number(process.env.FELDERA_BENCH_ROUNDS) || 3;

async function prepare(): Promise<{ file: string; textBytes?: number; generatedMs?: number }> {
  const generator = fs.readFileSync(require.resolve('../unit/profile/generate'));
  const key = crypto.createHash('sha256').update(generator).digest('hex').slice(0, 12);
  const file = path.join(cacheDir(), `big-profile-200MiB-${key}.json.gz`);
  if (fs.existsSync(file)) return { file };
  log(`generating a ~200 MiB profile with test/unit/profile/generate.ts (once; cached in ${path.dirname(file)})`);
  const part = `${file}.${process.pid}.part`;
  const t0 = performance.now();
  const r = await writeBigProfile(part, { gzip: true });
  fs.renameSync(part, file);
  return { file, textBytes: r.textBytes, generatedMs: performance.now() - t0 };
}

/** One more run under `node --cpu-prof`: the functions with the most self time. */
async function profiledRun(file: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-cpuprof-'));
  try {
    await runNodeChild('profileChild', ['summary', file], {
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
      timeoutMs: 3 * 60_000,
    });
    const profile = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!profile) return ['(node --cpu-prof wrote no profile)'];
    return topSelf(loadProfile(path.join(dir, profile)), 12, (url) => {
      const m = /\/out\/(src\/.*)\.js$/.exec(url);
      if (m) return `${m[1]}.ts`;
      return url.startsWith('node:') ? url : undefined;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function profileSummaryFigure(): Promise<Figure> {
  const input = await prepare();
  const summary: ProfileChildResult[] = [];
  const parse: ProfileChildResult[] = [];
  const old: ProfileChildResult[] = [];
  const arms = [
    { runs: summary, args: ['summary', input.file] },
    { runs: parse, args: ['parse', input.file] },
    { runs: old, args: ['summary', input.file, '--old'] },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(i + round) % arms.length];
      const { result } = await runNodeChild<ProfileChildResult>('profileChild', arm.args, { timeoutMs: 3 * 60_000 });
      arm.runs.push(result);
    }
    log(
      `profile round ${round + 1}/${ROUNDS}: readProfileFile ${ms(summary[round].totalMs)}, ` +
        `JSON.parse ${ms(parse[round].totalMs)}, the reader before issue 17 ${ms(old[round].totalMs)}`,
    );
  }
  const oldTotal = median(old.map((r) => r.totalMs));
  const oldPeak = median(old.map((r) => r.peakGrowth));
  const peak = median(summary.map((r) => r.peakGrowth));
  const total = median(summary.map((r) => r.totalMs));
  const base = median(parse.map((r) => r.totalMs));
  const ratio = total / base;
  const phase = (r: ProfileChildResult, from: string, to?: string) =>
    (to === undefined ? r.totalMs : (r.phases[to] ?? NaN)) - (r.phases[from] ?? NaN);
  const read = median(summary.map((r) => phase(r, 'reading', 'parsing')));
  const parsing = median(summary.map((r) => phase(r, 'parsing', 'summarizing')));
  const building = median(summary.map((r) => phase(r, 'summarizing', 'summarize')));
  const summarizing = median(summary.map((r) => phase(r, 'summarize')));
  const readAndParse = median(parse.map((r) => r.totalMs + (r.phases.readAndGunzip ?? NaN)));
  const textBytes = summary[0].textBytes;
  // How long the extension host's thread is held at once: reading in-process vs as the viewer does (a worker).
  const stalls: Record<'summary' | 'viewer', ProfileChildResult> = {} as never;
  for (const mode of ['summary', 'viewer'] as const) {
    stalls[mode] = (
      await runNodeChild<ProfileChildResult>('profileChild', [mode, input.file, '--stall'], { timeoutMs: 3 * 60_000 })
    ).result;
  }
  log(
    `profile: longest stall of the calling thread in-process ${ms(stalls.summary.longestStallMs ?? NaN)}, ` +
      `viewer (worker) ${ms(stalls.viewer.longestStallMs ?? NaN)}`,
  );
  const top = await profiledRun(input.file);
  return {
    figure: 'profile summary (~200 MiB JSON)',
    measured: `readProfileFile ${ms(total)}, peak +${mib(peak, 0)}`,
    baseline:
      `JSON.parse ${ms(base)}, peak +${mib(median(parse.map((r) => r.peakGrowth)), 0)}; the reader before issue 17 ` +
      `${ms(oldTotal)}, peak +${mib(oldPeak, 0)}`,
    ratio,
    target: '≤ 2× JSON.parse; no step back from the reader before issue 17 (time within 10%, peak ≤)',
    met: ratio <= 2 && total <= oldTotal * 1.1 && peak <= oldPeak,
    notes: [
      `Side by side with the reader before issue 17 (the frozen copy in test/unit/profile/oracle: the whole text in ` +
        `one buffer, parsed, then the model built), in the same rounds: ${list(
          old.map((r) => r.totalMs),
          (x) => ms(x),
        )}, peaks ${list(
          old.map((r) => r.peakGrowth),
          (x) => mib(x, 0),
        )}; CPU time (every thread of the child): now ${ms(median(summary.map((r) => r.cpuMs ?? NaN)))}, before ` +
        `${ms(median(old.map((r) => r.cpuMs ?? NaN)))}. This layout writes the shared string table after the ` +
        'threads, so the streaming reader keeps every thread until the end, as the old one did.',
      `A profile written by test/unit/profile/generate.ts writeBigProfile (${mib(textBytes)} of JSON, ` +
        `${summary[0].threads ?? '?'} threads; ${mib(fs.statSync(input.file).size)} gzipped at level 2 as samply ` +
        'does). Measured: readProfileFile on the .json.gz, from the call to the summary (read + gunzip, ' +
        'parse, model, summary). Baseline: JSON.parse alone of the same text, already in memory. ' +
        `${ROUNDS} alternating rounds, each run in its own child process; medians. Peak = growth of RSS ` +
        "(sampled every 50 ms, and the kernel's VmHWM) over the child's RSS before it starts; the baseline's " +
        'peak includes reading and gunzipping the text.',
      `readProfileFile's phases (medians): reading — gzip inflated in a thread of its own (src/profile/inflate.ts), ` +
        'the JSON parsed as it arrives (src/profile/jsonBytes.ts), each thread read once what it needs has come ' +
        `(src/profile/model.ts; this layout writes the shared strings last, so here they all wait) ${ms(read)}, the ` +
        `end of the parse ${ms(parsing)}, the rest of the model ${ms(building)}, summarize() ${ms(summarizing)}. ` +
        'Against what any reader of a ' +
        `.json.gz must do (the baseline child's read + gunzipSync + toString + JSON.parse, ${ms(readAndParse)}): ` +
        `${(total / readAndParse).toFixed(2)}×. All runs: readProfileFile ${list(
          summary.map((r) => r.totalMs),
          (x) => ms(x),
        )}; JSON.parse ${list(
          parse.map((r) => r.totalMs),
          (x) => ms(x),
        )}; peaks ${list(
          summary.map((r) => r.peakGrowth),
          (x) => mib(x, 0),
        )} vs ${list(
          parse.map((r) => r.peakGrowth),
          (x) => mib(x, 0),
        )}.`,
      `The viewer reads profiles in a worker thread (src/profile/offThread.ts). The longest time the calling thread ` +
        `could not run a 5 ms timer, one more run each: readProfileFile in-process ${ms(stalls.summary.longestStallMs ?? NaN)} ` +
        `(of ${ms(stalls.summary.totalMs)}); as the viewer opens it, worker + first summary ` +
        `${ms(stalls.viewer.longestStallMs ?? NaN)} (of ${ms(stalls.viewer.totalMs)}, peak +${mib(stalls.viewer.peakGrowth, 0)}): ` +
        'that is how long the extension host, and every other extension, would wait.',
      `Most self time in one more run under \`node --cpu-prof\`: ${top.join('; ')}.`,
    ],
  };
}
