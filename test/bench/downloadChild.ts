// Child process of the download figures, so that each run's memory is measured alone. Prints one JSON line.
//   node out/test/bench/downloadChild.js engine  <baseUrl> <pipeline> <folder>   the extension's engine, as shipped
//   node out/test/bench/downloadChild.js nocheck <baseUrl> <pipeline> <folder>   the same without the gzip check
//   node out/test/bench/downloadChild.js drain   <baseUrl> <pipeline>            FelderaClient's body, thrown away
//   node out/test/bench/downloadChild.js inflate <file>                          zlib alone: the whole file, 1 MiB out
//   node out/test/bench/downloadChild.js gunzip  <file> <chunkSize>              zlib fed 64 KiB chunks like the check
//   node --expose-gc out/test/bench/downloadChild.js races <count>                heap kept by Promise.race per chunk
import * as fs from 'fs';
import { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { saveStreamAtomically } from '../../src/download/atomicFile';
import { fetchSamplyProfileToFolder } from '../../src/download/samplyFetcher';
import { FelderaClient } from '../../src/feldera/client';
import { MiB, reply, selfMemorySampler } from './common';

export type DownloadMode = 'engine' | 'nocheck' | 'drain' | 'inflate' | 'gunzip' | 'races';

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
  baselineRss: number;
  sampledPeakRss: number;
  hwm: number;
  peakGrowth: number;
}

type Work = { ok: boolean; error?: string; path?: string; bytes: number; headersMs?: number; bodyEndMs?: number };

async function engine(baseUrl: string, pipelineName: string, folder: string, t0: number): Promise<Work> {
  let headersMs: number | undefined;
  let bodyEndMs: number | undefined;
  const r = await fetchSamplyProfileToFolder({
    api: new FelderaClient({ baseUrl }),
    pipeline: pipelineName,
    folder,
    onProgress: (p) => {
      if (p.phase === 'downloading' && headersMs === undefined) headersMs = performance.now() - t0;
      if (p.phase === 'verifying') bodyEndMs = performance.now() - t0;
    },
  });
  return r.ok
    ? { ok: true, path: r.path, bytes: r.bytes, headersMs, bodyEndMs }
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

/** Feeds `data` in 64 KiB chunks (what a socket delivers), each write awaited, as the engine's gzip check does. */
async function gunzipLikeTheCheck(data: Buffer, chunkSize: number): Promise<Work> {
  const z = zlib.createGunzip({ chunkSize });
  z.resume();
  const ended = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  for (let off = 0; off < data.length; off += 64 * 1024) {
    const chunk = data.subarray(off, Math.min(data.length, off + 64 * 1024));
    await new Promise<void>((resolve, reject) => z.write(chunk, (e) => (e ? reject(e) : resolve())));
  }
  z.end();
  await ended;
  return { ok: true, bytes: data.length };
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
 * GzipCheck.write awaits `Promise.race([this.failed, <this chunk's write>])` for every chunk, where `failed` stays
 * pending until the download ends: each race leaves a reaction on it. Measures the heap that `count` such races keep
 * (after a full GC), i.e. what a download of `count` 64 KiB chunks would hold at its end.
 */
const keepAlive: unknown[] = [];

async function races(count: number): Promise<{ retainedBytes: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const pending = new Promise<never>(() => undefined);
  // Alive until the end, like `failed` during a download (a dead promise would take its reactions with it).
  keepAlive.push(pending);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) await Promise.race([pending, new Promise<void>((resolve) => setImmediate(resolve))]);
  gc();
  return { retainedBytes: process.memoryUsage().heapUsed - before };
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2) as [DownloadMode, ...string[]];
  if (mode === 'races') {
    reply(await races(Number(args[0])));
    return;
  }
  // Inputs read from disk are loaded before the baseline: only the work is timed and measured.
  const data = mode === 'inflate' || mode === 'gunzip' ? fs.readFileSync(args[0]) : undefined;
  const mem = selfMemorySampler(50);
  const t0 = performance.now();
  let work: Work;
  switch (mode) {
    case 'engine':
      work = await engine(args[0], args[1], args[2], t0);
      break;
    case 'nocheck':
      work = await noCheck(args[0], args[1], args[2]);
      break;
    case 'drain':
      work = await drain(args[0], args[1]);
      break;
    case 'inflate':
      work = await inflateAll(data as Buffer);
      break;
    case 'gunzip':
      work = await gunzipLikeTheCheck(data as Buffer, Number(args[1]));
      break;
    default:
      throw new Error(`unknown mode ${String(mode)}`);
  }
  const totalMs = performance.now() - t0;
  const m = mem.stop();
  const result: DownloadChildResult = {
    ...work,
    totalMs,
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
