// Child process of the comparison figure, so that each run's peak memory is its own. Prints one JSON line.
//   node out/test/bench/compareChild.js open    <file>         as the profile viewer opens one profile: its worker
//                                                            (openProfileOffThread), then the first summary
//   node out/test/bench/compareChild.js compare <a> <b>       as the comparison editor opens two: the session worker
//                                                            reads both in parallel, then the first comparison
//   node out/test/bench/compareChild.js oneAtATime <a> <b>    the same, one read after the other (what the session
//                                                            does when free memory could not hold two reads)
// Both report the longest time the calling thread (the extension host, in the extension) could not run a 5 ms timer.
import * as path from 'path';
import { openCompareSession } from '../../src/profile/compareOffThread';
import { openProfileOffThread } from '../../src/profile/offThread';
import { reply, selfMemorySampler } from './common';

export interface CompareChildResult {
  totalMs: number;
  peakGrowth: number;
  longestStallMs: number;
  /** compare: when each profile was read (ms from the start); open: when the profile was read. */
  readMs: number[];
  /** compare: functions and tree nodes of the answer; open: functions of the first summary. */
  answer: { functions: number; nodes: number; answerBytes: number };
}

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

const workers = path.join(__dirname, '..', '..', 'src', 'profile');

async function main(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  const mem = selfMemorySampler(50);
  const stall = stallMeter();
  const t0 = performance.now();
  const readMs: number[] = [];
  let answer: CompareChildResult['answer'];
  if (mode === 'open') {
    const r = await openProfileOffThread({ path: a }, { workerFile: path.join(workers, 'profileWorker.js') });
    if (!r.ok) throw new Error(`openProfileOffThread failed: ${JSON.stringify(r.error)}`);
    readMs.push(performance.now() - t0);
    const s = await r.profile.summarizeSelection({ topN: 100 });
    answer = { functions: s.functionCount, nodes: s.flame.func.length, answerBytes: JSON.stringify(s).length };
    r.profile.dispose();
  } else if (mode === 'compare' || mode === 'oneAtATime') {
    const r = await openCompareSession(
      [
        { fileName: path.basename(a), path: a },
        { fileName: path.basename(b), path: b },
      ],
      {
        workerFile: path.join(workers, 'compareWorker.js'),
        parallel: mode === 'oneAtATime' ? 1 : 2,
        onProfileDone: () => readMs.push(performance.now() - t0),
      },
    );
    if (!r.ok) throw new Error(`openCompareSession failed: ${JSON.stringify(r.error)}`);
    const bad = r.session.profiles.find((p) => !p.ok);
    if (bad) throw new Error(`a profile could not be read: ${JSON.stringify(bad)}`);
    const c = await r.session.compare({ a: [0], b: [1], cpuOnly: true });
    answer = { functions: c.functionCount, nodes: c.tree.func.length, answerBytes: JSON.stringify(c).length };
    r.session.dispose();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const totalMs = performance.now() - t0;
  const longestStallMs = stall.stop();
  const m = mem.stop();
  reply({ totalMs, peakGrowth: m.peakGrowth, longestStallMs, readMs, answer } satisfies CompareChildResult);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
