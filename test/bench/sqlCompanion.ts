// What fetching a profile's SQL context costs the user: the same fetch (and a short collection) run alternately
// with and without the companion, against the emulator on loopback serving Feldera's real circuit profile and
// dataflow graph (../shared/feldera/fixtures; the built-in program without them). Issue 13's targets: the companion
// adds ≤ 1 s to a fetch, and nothing to a collection whose server answers promptly (it overlaps the recording).
// "With" does what the commands do: the profile is announced once the context is saved beside it, or after the grace
// (CONTEXT_GRACE_MS) with the context left to finish in the background — so a server slow to build its circuit
// profile adds the grace to a fetch, not its own time.
import * as fs from 'fs';
import * as path from 'path';
import { collectSamplyProfileToFolder, fetchSamplyProfileToFolder } from '../../src/download/samplyFetcher';
import type { DownloadResult } from '../../src/download/types';
import { FelderaClient } from '../../src/feldera/client';
import { CONTEXT_GRACE_MS, SqlContextFetch, type CompanionOutcome } from '../../src/sql/companionFetch';
import { FelderaEmulator } from '../emulator/emulator';
import { type Figure, median, ms, scratchDir } from './common';

const ROUNDS = Number(process.env.FELDERA_BENCH_ROUNDS) || 3;
const FETCHES_PER_ROUND = 10;
const COLLECTIONS = 4;
const WORKERS = 16;
/** The slow server's time to build its circuit profile, and how many fetches each way against it. */
const SLOW_CIRCUIT_MS = 10_000;
const SLOW_FETCHES = 5;

/** What one run came to: the time until the profile is announced, and what became of its context. */
interface Timed {
  ms: number;
  /** The context was all there before the profile was saved. */
  readyFirst: boolean;
  /** The context missed the grace (then it is cancelled here, or awaited with `finishLate`). */
  late: boolean;
  outcome?: CompanionOutcome;
}

async function timed(
  withContext: boolean,
  api: FelderaClient,
  pipeline: string,
  run: () => Promise<DownloadResult>,
  finishLate = false,
): Promise<Timed> {
  const t0 = performance.now();
  const context = withContext ? SqlContextFetch.start({ api, pipeline }) : undefined;
  let ready = false;
  void context?.ready.then(() => (ready = true));
  const r = await run();
  if (!r.ok) throw new Error(`profile failed: ${JSON.stringify(r.error)}`);
  const readyFirst = ready;
  const settled = await context?.saveBesideWithin([{ path: r.path, bytes: r.bytes }], CONTEXT_GRACE_MS);
  // Here the command announces the profile.
  const elapsed = performance.now() - t0;
  let outcome: CompanionOutcome | undefined;
  if (settled?.pending) {
    if (!finishLate) context?.abort();
    [outcome] = await settled.later;
  } else outcome = settled?.outcomes[0];
  fs.rmSync(r.path, { force: true });
  if (outcome?.saved) fs.rmSync(outcome.path, { force: true });
  return { ms: elapsed, readyFirst, late: settled?.pending ?? false, outcome };
}

export async function sqlCompanionFigures(): Promise<Figure[]> {
  const scratch = scratchDir('feldera-bench-sql-');
  const folder = path.join(scratch.dir, 'profiles');
  const emu = new FelderaEmulator({
    pipelines: [
      { name: 'fetched', workers: WORKERS },
      { name: 'collected', workers: WORKERS },
    ],
    postWaitMs: 600,
  });
  const api = new FelderaClient({ baseUrl: await emu.start() });
  try {
    // A finished profile to fetch, again and again.
    emu.setOption('timeScale', 0.05);
    const start = await api.startSamplyProfile('fetched', { durationSecs: 20 });
    if (!start.ok) throw new Error('could not start a collection');
    await new Promise((r) => setTimeout(r, 1200));
    emu.setOption('timeScale', 1);
    const fetch = () => fetchSamplyProfileToFolder({ api, pipeline: 'fetched', folder });
    await timed(true, api, 'fetched', fetch); // warm-up
    const plain: number[] = [];
    const withCtx: number[] = [];
    let lateFetches = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < FETCHES_PER_ROUND; i++) {
        plain.push((await timed(false, api, 'fetched', fetch)).ms);
        const w = await timed(true, api, 'fetched', fetch);
        if (w.late) lateFetches++;
        else if (!w.outcome?.saved) throw new Error(`companion not saved: ${JSON.stringify(w.outcome)}`);
        withCtx.push(w.ms);
      }
    }
    const added = median(withCtx) - median(plain);

    // A server that takes SLOW_CIRCUIT_MS to build its circuit profile: the fetch waits the grace, not for it.
    emu.faults.circuitProfileDelayMs = SLOW_CIRCUIT_MS;
    const slowPlain: number[] = [];
    const slowWith: number[] = [];
    let slowLate = 0;
    for (let i = 0; i < SLOW_FETCHES; i++) {
      slowPlain.push((await timed(false, api, 'fetched', fetch)).ms);
      // The last one lets its context finish in the background, to show that it lands.
      const w = await timed(true, api, 'fetched', fetch, i === SLOW_FETCHES - 1);
      if (w.late) slowLate++;
      slowWith.push(w.ms);
      if (i === SLOW_FETCHES - 1 && !(w.late && w.outcome?.saved && w.outcome.missing.length === 0)) {
        throw new Error(`the late context did not land complete: ${JSON.stringify(w.outcome)}`);
      }
    }
    emu.faults.circuitProfileDelayMs = 0;
    const slowAdded = median(slowWith) - median(slowPlain);

    // Short real collections (2 s, no time scaling), alternately with and without.
    const collect = () =>
      collectSamplyProfileToFolder({ api, pipeline: 'collected', folder, durationSecs: 2, minPollMs: 200 });
    const cPlain: number[] = [];
    const cWith: number[] = [];
    let readyFirst = 0;
    for (let i = 0; i < COLLECTIONS; i++) {
      cPlain.push((await timed(false, api, 'collected', collect)).ms);
      const w = await timed(true, api, 'collected', collect);
      cWith.push(w.ms);
      if (w.readyFirst) readyFirst++;
    }
    const cAdded = median(cWith) - median(cPlain);
    const served = emu.sqlContext().source === 'fixtures' ? "Feldera's fixtures" : 'the built-in program';
    return [
      {
        figure: 'SQL context: time added to a fetch',
        measured: `${ms(added)} (median ${ms(median(withCtx))} with, ${ms(median(plain))} without)`,
        baseline: '—',
        target: '≤ 1 s',
        met: added <= 1000,
        notes: [
          `${ROUNDS * FETCHES_PER_ROUND} fetches of a finished profile each way, alternating, by the extension's ` +
            'fetchSamplyProfileToFolder; "with" also runs SqlContextFetch (pipeline, dataflow graph, circuit profile ' +
            `in parallel with the download) and writes the companion beside the profile. The emulator serves ${served} ` +
            `with ${WORKERS} worker profiles and answers at once: a real pipeline takes a while to build its circuit ` +
            'profile: the next figure. "Announced" is when the command shows the saved profile: the companion is ' +
            `written by then unless the context missed the ${CONTEXT_GRACE_MS} ms grace (${lateFetches} of ` +
            `${ROUNDS * FETCHES_PER_ROUND} did here).`,
        ],
      },
      {
        figure: 'SQL context: time added to a fetch, slow circuit profile',
        measured: `${ms(slowAdded)} (median ${ms(median(slowWith))} with, ${ms(median(slowPlain))} without); context finished in the background in ${slowLate}/${SLOW_FETCHES}`,
        baseline: `waiting for the context: +${ms(SLOW_CIRCUIT_MS)}`,
        target: '≤ 1 s',
        met: slowAdded <= 1000 && slowLate === SLOW_FETCHES,
        notes: [
          `${SLOW_FETCHES} fetches each way, alternating, with the emulator taking ${SLOW_CIRCUIT_MS / 1000} s to ` +
            'answer circuit_json_profile (a real pipeline may take up to 120 s). "With" is timed to when the command ' +
            `announces the profile: it waits at most ${CONTEXT_GRACE_MS} ms after the profile is saved, then leaves ` +
            'the context to finish in the background (here cancelled, except the last run, whose companion was ' +
            'checked to land complete). The baseline is what the fetch waited before: the whole circuit profile.',
        ],
      },
      {
        figure: 'SQL context: time added to a collection',
        measured: `${ms(cAdded)} (median ${ms(median(cWith))} with, ${ms(median(cPlain))} without); context ready before the profile in ${readyFirst}/${COLLECTIONS}`,
        baseline: '—',
        target: 'ready first; ≤ +100 ms',
        met: readyFirst === COLLECTIONS && cAdded <= 100,
        notes: [
          `${COLLECTIONS} real 2 s collections each way, alternating (POST answers after 600 ms, as Feldera does). ` +
            '"Ready first": the three answers were all in before the profile download finished, so saving the ' +
            'companion is all that remains after it.',
        ],
      },
    ];
  } finally {
    await emu.stop();
    fs.rmSync(scratch.dir, { recursive: true, force: true });
  }
}
