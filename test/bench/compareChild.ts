// Child process of the comparison figure, so that each run's peak memory is its own. Prints one JSON line.
//   node out/test/bench/compareChild.js open    <file>         as the profile viewer opens one profile: its worker
//                                                            (openProfileOffThread), then the first summary
//   node out/test/bench/compareChild.js compare <a> <b>       as the comparison editor opens two: the session worker
//                                                            reads both in parallel, then the first comparison
//   node out/test/bench/compareChild.js oneAtATime <a> <b>    the same, one read after the other (what the session
//                                                            does when free memory could not hold two reads)
//   node out/test/bench/compareChild.js allAtOnce <a> <b>     the same, both reads started at once whatever the
//                                                            cores (what the session does with 4 cores or more)
// Both report the longest time the calling thread (the extension host, in the extension) could not run a 5 ms timer.
import * as fs from 'fs';
import * as path from 'path';
import { openCompareSession } from '../../src/profile/compareOffThread';
import { openProfileOffThread } from '../../src/profile/offThread';
import { reply, selfMemorySampler } from './common';

/** CPU time (user + system, ms) of this process's main thread so far, from /proc (Linux); NaN elsewhere. */
function mainThreadCpuMs(): number {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS = 100;

export interface CompareChildResult {
  totalMs: number;
  peakGrowth: number;
  longestStallMs: number;
  /** CPU time the main thread itself used meanwhile (10 ms resolution): what the work, not the machine's load, cost it. */
  mainThreadCpuMs: number;
  /** CPU time of the whole process meanwhile, every thread (user + system). */
  processCpuMs: number;
  /** compare: when each profile was read (ms from the start); open: when the profile was read. */
  readMs: number[];
  /** compare: functions and tree nodes of the answer; open: functions of the first summary. */
  answer: { functions: number; nodes: number; operators: number; answerBytes: number };
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
  const cpu0 = mainThreadCpuMs();
  const allCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const readMs: number[] = [];
  let answer: CompareChildResult['answer'];
  if (mode === 'open') {
    const r = await openProfileOffThread({ path: a }, { workerFile: path.join(workers, 'profileWorker.js') });
    if (!r.ok) throw new Error(`openProfileOffThread failed: ${JSON.stringify(r.error)}`);
    readMs.push(performance.now() - t0);
    const s = await r.profile.summarizeSelection({ topN: 100 });
    answer = {
      functions: s.functionCount,
      nodes: s.flame.func.length,
      operators: 0,
      answerBytes: JSON.stringify(s).length,
    };
    r.profile.dispose();
  } else if (mode === 'compare' || mode === 'oneAtATime' || mode === 'allAtOnce') {
    const r = await openCompareSession(
      [
        { fileName: path.basename(a), path: a },
        { fileName: path.basename(b), path: b },
      ],
      {
        workerFile: path.join(workers, 'compareWorker.js'),
        parallel: mode === 'oneAtATime' ? 1 : 2,
        // compare: as the session decides by itself (by the cores of this machine).
        startAfter: mode === 'allAtOnce' ? 0 : undefined,
        onProfileDone: () => readMs.push(performance.now() - t0),
      },
    );
    if (!r.ok) throw new Error(`openCompareSession failed: ${JSON.stringify(r.error)}`);
    const bad = r.session.profiles.find((p) => !p.ok);
    if (bad) throw new Error(`a profile could not be read: ${JSON.stringify(bad)}`);
    const c = await r.session.compare({ a: [0], b: [1], cpuOnly: true });
    answer = {
      functions: c.functionCount,
      nodes: c.tree.func.length,
      operators: c.operators?.length ?? 0,
      answerBytes: JSON.stringify(c).length,
    };
    r.session.dispose();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const totalMs = performance.now() - t0;
  const mainThreadCpu = mainThreadCpuMs() - cpu0;
  const allCpu = process.cpuUsage(allCpu0);
  const longestStallMs = stall.stop();
  const m = mem.stop();
  reply({
    totalMs,
    peakGrowth: m.peakGrowth,
    longestStallMs,
    mainThreadCpuMs: mainThreadCpu,
    processCpuMs: (allCpu.user + allCpu.system) / 1000,
    readMs,
    answer,
  } satisfies CompareChildResult);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
