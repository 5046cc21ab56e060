// Polling cost: real 60 s collections against the emulator (no time scaling), started and fetched by the
// extension's collectSamplyProfileToFolder. Counts the requests each sends and the time from the moment the profile
// is ready to its first byte arriving.
//
// When the profile becomes ready inside the client's poll cycle decides that delay, so several collections run at
// once, each on its own emulator, whose samply "still writing" phase after the 60 s (Retry-After 0, as on a real
// server) ends at a different point of the client's 1 s poll period: their largest delay is the worst case.
import * as fs from 'fs';
import { collectSamplyProfileToFolder } from '../../src/download/samplyFetcher';
import { FelderaClient } from '../../src/feldera/client';
import { FelderaEmulator } from '../emulator/emulator';
import { type Figure, list, median, ms, scratchDir } from './common';

const DURATION_SECS = 60;
/** How long each emulator's samply keeps "writing" after the duration: spread over one 1 s poll period. */
const FINISHING_MS = [2000, 2200, 2400, 2600, 2800];

interface PollRun {
  finishingMs: number;
  requests: number;
  gets: number;
  /** From the profile becoming ready on the server to the response headers reaching the client. */
  readyToHeadersMs: number;
  /** From the profile becoming ready to the first body byte written by the engine. */
  readyToFirstByteMs: number;
  totalMs: number;
  /** When each request arrived, in s after the POST. */
  schedule: number[];
}

async function oneCollection(finishingMs: number, folder: string): Promise<PollRun> {
  const name = 'bench-poll';
  const emu = new FelderaEmulator({ pipelines: [{ name, deploymentStatus: 'Running' }], finishingMs });
  const url = await emu.start();
  try {
    let headersAt: number | undefined;
    let firstByteAt: number | undefined;
    const started = Date.now();
    const r = await collectSamplyProfileToFolder({
      api: new FelderaClient({ baseUrl: url }),
      pipeline: name,
      durationSecs: DURATION_SECS,
      folder,
      onProgress: (p) => {
        if (p.phase === 'downloading' && headersAt === undefined) headersAt = Date.now();
        if (p.phase === 'downloading' && p.bytes > 0 && firstByteAt === undefined) firstByteAt = Date.now();
      },
    });
    if (!r.ok) throw new Error(`collection failed: ${JSON.stringify(r.error)}`);
    fs.rmSync(r.path, { force: true });
    const post = emu.requests.find((q) => q.method === 'POST');
    if (!post || headersAt === undefined || firstByteAt === undefined) throw new Error('no POST or no first byte');
    // The emulator starts the collection when the POST arrives and ends it duration + finishingMs later.
    const readyAt = post.at + DURATION_SECS * 1000 + finishingMs;
    return {
      finishingMs,
      requests: emu.requests.length,
      gets: emu.requests.filter((q) => q.method === 'GET').length,
      readyToHeadersMs: headersAt - readyAt,
      readyToFirstByteMs: firstByteAt - readyAt,
      totalMs: Date.now() - started,
      schedule: emu.requests.map((q) => (q.at - post.at) / 1000),
    };
  } finally {
    await emu.stop();
  }
}

export async function pollingFigure(): Promise<Figure> {
  const scratch = scratchDir('feldera-bench-poll-');
  let runs: PollRun[];
  try {
    runs = await Promise.all(FINISHING_MS.map((f) => oneCollection(f, scratch.dir)));
  } finally {
    fs.rmSync(scratch.dir, { recursive: true, force: true });
  }
  const maxRequests = Math.max(...runs.map((r) => r.requests));
  const worst = Math.max(...runs.map((r) => r.readyToFirstByteMs));
  return {
    figure: 'polling cost (60 s collection)',
    measured: `${maxRequests} requests; ready → first byte ${ms(worst)} worst, ${ms(
      median(runs.map((r) => r.readyToFirstByteMs)),
    )} median`,
    baseline: '—',
    target: '≤ 61 requests; ≤ 1.1 s',
    met: maxRequests <= 61 && worst <= 1100,
    notes: [
      `${runs.length} real ${DURATION_SECS} s collections at once (emulator timeScale 1), each on its own emulator whose ` +
        `samply keeps writing ${list(FINISHING_MS, (f) => `${(f / 1000).toFixed(1)}`)} s after the duration ` +
        "(Retry-After 0 meanwhile), started and fetched by the extension's collectSamplyProfileToFolder (the POST " +
        'answers after 600 ms, as Feldera does). "Ready" is when the emulator ends the collection ' +
        '(POST arrival + duration + writing time); "first byte" is the engine\'s first progress report with bytes > 0.',
      `Requests per collection (POST + GETs): ${runs.map((r) => r.requests).join(', ')}. Ready → response headers: ${list(
        runs.map((r) => r.readyToHeadersMs),
        (x) => ms(x),
      )}; ready → first byte: ${list(
        runs.map((r) => r.readyToFirstByteMs),
        (x) => ms(x),
      )}. Requests arrived at (s after the POST): ${runs
        .map((r) => `${(r.finishingMs / 1000).toFixed(1)} s writing: ${r.schedule.map((t) => t.toFixed(2)).join(', ')}`)
        .join('; ')}.`,
    ],
  };
}
