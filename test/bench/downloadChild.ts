// Child process of the download figures, so that each run's time and memory are measured alone. Prints one JSON line.
//   node out/test/bench/downloadChild.js engine  <baseUrl> <pipeline> <folder> [halfAt]   the extension's fetch
//   node out/test/bench/downloadChild.js nocheck <baseUrl> <pipeline> <folder>   the same without the gzip check
//   node out/test/bench/downloadChild.js drain   <baseUrl> <pipeline>            FelderaClient's body, thrown away
//   node out/test/bench/downloadChild.js plain   <url> <file>                    plain Node: http.get → file + gunzip
//   node out/test/bench/downloadChild.js plainnocheck <url> <file>               plain Node: http.get → file
//   node out/test/bench/downloadChild.js inflate <file>                          zlib alone on the bytes, in memory
//   node out/test/bench/downloadChild.js check   <file>                          the engine's gzip check alone, in memory
//   node out/test/bench/downloadChild.js cancel  <baseUrl> <pipeline> <folder> <bytes>  abort once <bytes> arrived
import * as fs from 'fs';
import { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { saveStreamAtomically } from '../../src/download/atomicFile';
import { GzipCheck } from '../../src/download/gzipCheck';
import { fetchSamplyProfileToFolder } from '../../src/download/samplyFetcher';
import { FelderaClient } from '../../src/feldera/client';
import { MiB, reply, selfMemorySampler } from './common';
import { plainNodeDownload } from './downloadPlain';

export type DownloadMode = 'engine' | 'nocheck' | 'drain' | 'plain' | 'plainnocheck' | 'inflate' | 'check' | 'cancel';

export interface DownloadChildResult {
  ok: boolean;
  error?: string;
  path?: string;
  /** Compressed bytes handled. */
  bytes: number;
  /** From the call to the saved, synced, linked file (or the end of the work). */
  totalMs: number;
  /** From the call to the response headers (the engine's first progress report). */
  headersMs?: number;
  /** From the call to the end of the body (before the gzip check's end, sync and link). */
  bodyEndMs?: number;
  /** Progress reports the engine made. */
  reports?: number;
  /** Peak RSS (sampled) during the first and the second half of the body, when asked for. */
  halfPeaks?: number[];
  /** CPU time of the whole process (every thread: main, thread pool) during the work, user + system. */
  cpuMs: number;
  baselineRss: number;
  sampledPeakRss: number;
  hwm: number;
  peakGrowth: number;
}

type Work = {
  ok: boolean;
  error?: string;
  path?: string;
  bytes: number;
  headersMs?: number;
  bodyEndMs?: number;
  reports?: number;
  halfPeaks?: number[];
};

/**
 * The extension's fetch. With `halfAt` (bytes), RSS is also sampled apart for the first and the second half of the
 * body: memory that grew with the size would show as a higher peak in the second half.
 */
async function engine(baseUrl: string, pipelineName: string, folder: string, t0: number, halfAt = 0): Promise<Work> {
  let headersMs: number | undefined;
  let bodyEndMs: number | undefined;
  let reports = 0;
  let secondHalf = false;
  const halves = [0, 0];
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    halves[secondHalf ? 1 : 0] = Math.max(halves[secondHalf ? 1 : 0], rss);
  }, 50);
  const r = await fetchSamplyProfileToFolder({
    api: new FelderaClient({ baseUrl }),
    pipeline: pipelineName,
    folder,
    onProgress: (p) => {
      reports++;
      if (p.phase === 'downloading' && headersMs === undefined) headersMs = performance.now() - t0;
      if (p.phase === 'downloading' && halfAt > 0 && p.bytes >= halfAt) secondHalf = true;
      if (p.phase === 'verifying') bodyEndMs = performance.now() - t0;
    },
  });
  clearInterval(sampler);
  const halfPeaks = halfAt > 0 ? halves : undefined;
  return r.ok
    ? { ok: true, path: r.path, bytes: r.bytes, headersMs, bodyEndMs, reports, halfPeaks }
    : { ok: false, error: JSON.stringify(r.error), bytes: 0 };
}

/** What fetchSamplyProfileToFolder does for a ready profile, with `validate: 'none'`. */
async function noCheck(baseUrl: string, pipelineName: string, folder: string): Promise<Work> {
  const answer = await new FelderaClient({ baseUrl }).fetchSamplyProfile(pipelineName, { latest: true });
  if (!answer.ok || answer.value.state !== 'ready') return { ok: false, error: JSON.stringify(answer), bytes: 0 };
  const r = await saveStreamAtomically(answer.value.body, folder, `${pipelineName}-nocheck.json.gz`, {
    validate: 'none',
  });
  return r.ok ? { ok: true, path: r.path, bytes: r.bytes } : { ok: false, error: JSON.stringify(r.error), bytes: 0 };
}

async function drain(baseUrl: string, pipelineName: string): Promise<Work> {
  const answer = await new FelderaClient({ baseUrl }).fetchSamplyProfile(pipelineName, { latest: true });
  if (!answer.ok || answer.value.state !== 'ready') return { ok: false, error: JSON.stringify(answer), bytes: 0 };
  let bytes = 0;
  await pipeline(
    answer.value.body,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
  return { ok: true, bytes };
}

async function plain(url: string, out: string, check: boolean): Promise<Work> {
  const { bytes } = await plainNodeDownload(url, out, check);
  return { ok: true, path: out, bytes };
}

/** zlib's inflate at its fastest from Node: all input at once, 1 MiB output buffers, output thrown away. */
async function inflateAll(data: Buffer): Promise<Work> {
  const z = zlib.createGunzip({ chunkSize: MiB });
  z.resume();
  const ended = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  z.end(data);
  await ended;
  return { ok: true, bytes: data.length };
}

/**
 * The engine's gzip check (its worker) alone, fed from memory as the engine feeds it: 1 MiB slices of shared memory,
 * at most four in flight. The bytes are copied into the slices, as the engine copies what it receives.
 */
async function checkAll(data: Buffer): Promise<Work> {
  const slice = MiB;
  const slices = 4;
  const memory = new SharedArrayBuffer(slice * slices);
  let failure: string | undefined;
  const check = new GzipCheck(memory, (e) => (failure = JSON.stringify(e)));
  const free = Array.from({ length: slices }, (_, i) => Buffer.from(memory, i * slice, slice));
  let waiting: (() => void) | undefined;
  for (let off = 0; off < data.length && !failure; off += slice) {
    while (free.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
    const buf = free.pop() as Buffer<SharedArrayBuffer>;
    const n = data.copy(buf, 0, off, Math.min(off + slice, data.length));
    check.feed(buf.subarray(0, n), () => {
      free.push(buf);
      waiting?.();
    });
  }
  const bad = await check.finish();
  return bad || failure
    ? { ok: false, error: failure ?? JSON.stringify(bad), bytes: 0 }
    : { ok: true, bytes: data.length };
}

/**
 * The extension's fetch, aborted (as the Cancel button does) at the first progress report past `afterBytes`: how long
 * from abort() to the result, and how many files are left in the folder.
 */
async function cancel(baseUrl: string, pipelineName: string, folder: string, afterBytes: number) {
  const ac = new AbortController();
  let abortedAt: number | undefined;
  let receivedAtCancel = 0;
  const r = await fetchSamplyProfileToFolder({
    api: new FelderaClient({ baseUrl }),
    pipeline: pipelineName,
    folder,
    signal: ac.signal,
    onProgress: (p) => {
      if (p.phase !== 'downloading' || p.bytes < afterBytes || abortedAt !== undefined) return;
      receivedAtCancel = p.bytes;
      abortedAt = performance.now();
      ac.abort();
    },
  });
  const cancelMs = performance.now() - (abortedAt ?? NaN);
  const leftovers = fs.readdirSync(folder).length;
  const ok = !r.ok && r.error.kind === 'cancelled' && abortedAt !== undefined;
  return { ok, error: ok ? undefined : JSON.stringify(r), cancelMs, leftovers, receivedAtCancel };
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2) as [DownloadMode, ...string[]];
  if (mode === 'cancel') {
    reply(await cancel(args[0], args[1], args[2], Number(args[3])));
    return;
  }
  // Inputs read from disk are loaded before the baseline: only the work is timed and measured.
  const data = mode === 'inflate' || mode === 'check' ? fs.readFileSync(args[0]) : undefined;
  const mem = selfMemorySampler(50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let work: Work;
  switch (mode) {
    case 'engine':
      work = await engine(args[0], args[1], args[2], t0, Number(args[3] ?? 0));
      break;
    case 'nocheck':
      work = await noCheck(args[0], args[1], args[2]);
      break;
    case 'drain':
      work = await drain(args[0], args[1]);
      break;
    case 'plain':
    case 'plainnocheck':
      work = await plain(args[0], args[1], mode === 'plain');
      break;
    case 'inflate':
      work = await inflateAll(data as Buffer);
      break;
    case 'check':
      work = await checkAll(data as Buffer);
      break;
    default:
      throw new Error(`unknown mode ${String(mode)}`);
  }
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const m = mem.stop();
  const result: DownloadChildResult = {
    ...work,
    totalMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    baselineRss: m.baseline,
    sampledPeakRss: m.sampledPeak,
    hwm: m.hwm,
    peakGrowth: m.peakGrowth,
  };
  reply(result);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
