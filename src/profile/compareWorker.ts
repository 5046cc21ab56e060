// Worker-thread entry for comparisons (bundled as dist/compareWorker.js), in two roles:
// - "session": started by the extension host (./compareOffThread.ts) with the profiles to compare. It starts one
//   "side" worker per profile (two at a time, so the reads overlap on their own threads, or one at a time when free
//   memory could not hold two), keeps their extracts, computes comparisons and host views on request, and sends only
//   the answers.
// - "side": reads one profile (the same reader as the profile viewer), sends its extract (transferred, not copied) and
//   ends, freeing the model.
// Stopping the session worker stops its sides with it: that is how a comparison is cancelled or closed.
import { promises as fsp } from 'fs';
import * as os from 'os';
import { Worker, parentPort, workerData } from 'worker_threads';
import {
  readsAtOnce,
  nextReadAfter,
  canBeCpuOnly,
  compareFunctions,
  compareSides,
  extractProfile,
  extractTransferList,
  hostsView,
  sideOf,
  type ComparisonResult,
  type ProfileExtract,
} from './compare';
import { parseProfileFileName } from './compareFiles';
import type {
  CompareSource,
  CompareWorkerInput,
  ProfileStatus,
  SessionMessage,
  SessionQuery,
  SideMessage,
  SideSpec,
} from './compareProtocol';
import { readProfileModel, readProfileModelFromBytes, type ReadOptions } from './reader';
import type { ProfileError } from './types';

// ---------------------------------------------------------------------------------------------------
// Side: one profile

async function side(input: Extract<CompareWorkerInput, { role: 'side' }>): Promise<void> {
  const send = (m: SideMessage, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(m, transfer);
  const opts: ReadOptions = {
    maxTextBytes: input.maxTextBytes,
    onProgress: (bytesRead, totalBytes) => send({ type: 'progress', bytesRead, totalBytes }),
    onPhase: (phase, detail) => send({ type: 'phase', phase, textBytes: detail.textBytes }),
  };
  const src = input.source;
  const r = 'path' in src ? await readProfileModel(src.path, opts) : await readProfileModelFromBytes(src.bytes, opts);
  if (!r.ok) {
    send({ type: 'failed', error: r.error });
    return;
  }
  const extract = extractProfile(r.model, src.fileName);
  send({ type: 'extract', extract }, extractTransferList(extract));
}

// ---------------------------------------------------------------------------------------------------
// Session: the profiles of one comparison editor

type Slot = { ok: true; extract: ProfileExtract } | { ok: false; error: ProfileError };

async function session(input: Extract<CompareWorkerInput, { role: 'session' }>): Promise<void> {
  const send = (m: SessionMessage) => parentPort?.postMessage(m);
  const slots: Slot[] = new Array(input.sources.length);
  const n = input.sources.length;
  const parallel =
    input.parallel === undefined || input.parallel === 'auto'
      ? readsAtOnce(await Promise.all(input.sources.map(textSize)), os.freemem())
      : Math.max(1, input.parallel);
  // A read starts only once every read under way has read this share of its file (see nextReadAfter).
  const startAfter = Math.min(1, Math.max(0, input.startAfter ?? nextReadAfter(os.availableParallelism())));
  const done = new Array<number>(n).fill(0);
  const running = new Set<number>();
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const mayStart = () => [...running].every((k) => done[k] >= startAfter);
  let next = 0;
  const readNext = async (): Promise<void> => {
    while (next < n) {
      while (!mayStart()) await new Promise<void>((r) => (wake = r));
      if (next >= n) return;
      const k = next++;
      running.add(k);
      send({ type: 'started', profile: k });
      slots[k] = await readSide(input.sources[k], input.maxTextBytes, (m) => {
        if (m.type === 'progress') {
          done[k] = m.totalBytes > 0 ? m.bytesRead / m.totalBytes : 0;
          poke();
          send({ type: 'progress', profile: k, bytesRead: m.bytesRead, totalBytes: m.totalBytes });
        } else if (m.type === 'phase') send({ type: 'phase', profile: k, phase: m.phase, textBytes: m.textBytes });
      });
      running.delete(k);
      poke();
      send({ type: 'profileDone', profile: k, status: status(input.sources[k], slots[k]) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, readNext));

  let last: { key: string; result: ComparisonResult } | undefined;
  const extracts = (which: number[]): ProfileExtract[] =>
    which.map((k) => {
      const s = slots[k];
      if (!s) throw new Error(`There is no profile ${k} in this comparison.`);
      if (!s.ok) throw new Error(`${input.sources[k].fileName} could not be read: ${s.error.message}`);
      return s.extract;
    });
  const comparison = (spec: SideSpec): ComparisonResult => {
    const key = JSON.stringify([spec.a, spec.b, spec.cpuOnly]);
    if (last?.key === key) return last.result;
    const a = extracts(spec.a);
    const b = extracts(spec.b);
    // CPU-only needs threadCPUDelta on both sides; otherwise both compare all samples.
    const cpuOnly = spec.cpuOnly && canBeCpuOnly([...a, ...b]);
    const result = compareSides(sideOf(a, cpuOnly, label(a)), sideOf(b, cpuOnly, label(b)), { cpuOnly });
    last = { key, result };
    return result;
  };
  const answer = (q: SessionQuery): SessionMessage => {
    try {
      if (q.method === 'compare') return { type: 'answer', id: q.id, value: comparison(q).comparison };
      if (q.method === 'functions')
        return { type: 'answer', id: q.id, value: compareFunctions(comparison(q).allFunctions, q.query) };
      const list = extracts(q.profiles);
      const cpuOnly = q.cpuOnly && canBeCpuOnly(list);
      return {
        type: 'answer',
        id: q.id,
        value: hostsView(
          q.profiles.map((profile, k) => ({
            profile,
            extract: list[k],
            hostIndex: parseProfileFileName(input.sources[profile].fileName)?.host,
          })),
          cpuOnly,
        ),
      };
    } catch (e) {
      return { type: 'answer', id: q.id, error: e instanceof Error ? e.message : String(e) };
    }
  };
  parentPort?.on('message', (q: SessionQuery) => send(answer(q)));
  send({ type: 'ready', profiles: input.sources.map((s, k) => status(s, slots[k])) });
}

/** The decompressed size of a profile, from the gzip trailer (or the size of a plain JSON file); 0 if unknown. */
async function textSize(source: CompareSource): Promise<number> {
  const gzipSize = (tail: Uint8Array) => tail[0] | (tail[1] << 8) | (tail[2] << 16) | (tail[3] * 2 ** 24);
  const isGzip = (head: Uint8Array) => head[0] === 0x1f && head[1] === 0x8b;
  if ('bytes' in source) {
    const b = source.bytes;
    return b.length >= 18 && isGzip(b) ? gzipSize(b.subarray(b.length - 4)) : b.length;
  }
  try {
    const fh = await fsp.open(source.path, 'r');
    try {
      const { size } = await fh.stat();
      const head = new Uint8Array(2);
      const tail = new Uint8Array(4);
      await fh.read(head, 0, 2, 0);
      if (size < 18 || !isGzip(head)) return size;
      await fh.read(tail, 0, 4, size - 4);
      return gzipSize(tail);
    } finally {
      await fh.close();
    }
  } catch {
    return 0;
  }
}

/** "Host 1", "Hosts 0, 2" for profiles of a collection; else the file name(s). */
function label(list: ProfileExtract[]): string {
  const hosts = list.map((e) => e.meta.host?.index ?? parseProfileFileName(e.fileName)?.host);
  if (hosts.every((h) => h !== undefined)) return `${hosts.length === 1 ? 'Host' : 'Hosts'} ${hosts.join(', ')}`;
  return list.map((e) => e.fileName).join(' + ');
}

function status(source: CompareSource, slot: Slot): ProfileStatus {
  if (!slot.ok) return { fileName: source.fileName, ok: false, error: slot.error };
  const e = slot.extract;
  return {
    fileName: source.fileName,
    ok: true,
    meta: e.meta,
    threadCount: e.threads.length,
    hasCpuDelta: e.cpu !== undefined,
  };
}

/** Reads one profile in its own worker; never throws. */
function readSide(
  source: CompareSource,
  maxTextBytes: number | undefined,
  onMessage: (m: SideMessage) => void,
): Promise<Slot> {
  return new Promise<Slot>((resolve) => {
    let settled = false;
    const done = (s: Slot) => {
      if (settled) return;
      settled = true;
      resolve(s);
    };
    let worker: Worker;
    try {
      worker = new Worker(__filename, {
        workerData: { role: 'side', source, maxTextBytes } satisfies CompareWorkerInput,
      });
    } catch (e) {
      done({ ok: false, error: { kind: 'io', message: `The profile reader could not start: ${String(e)}` } });
      return;
    }
    worker.on('message', (m: SideMessage) => {
      if (m.type === 'extract') done({ ok: true, extract: m.extract });
      else if (m.type === 'failed') done({ ok: false, error: m.error });
      else onMessage(m);
    });
    worker.on('error', (e) => done({ ok: false, error: readerError(e) }));
    worker.on('exit', (code) =>
      done({
        ok: false,
        error: { kind: 'io', message: `The profile reader stopped unexpectedly (exit code ${code}).` },
      }),
    );
  });
}

function readerError(e: unknown): ProfileError {
  if ((e as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      kind: 'tooLarge',
      message: 'The profile is too large to compare here (the reader ran out of memory). Open it with samply instead.',
    };
  }
  return { kind: 'io', message: `The profile reader failed: ${e instanceof Error ? e.message : String(e)}` };
}

const input = workerData as CompareWorkerInput;
const run = input.role === 'side' ? side(input) : session(input);
void run.catch((e: unknown) => {
  const error: ProfileError = {
    kind: 'io',
    message: `Comparing failed: ${e instanceof Error ? e.message : String(e)}`,
  };
  if (input.role === 'side') parentPort?.postMessage({ type: 'failed', error } satisfies SideMessage);
  else throw e;
});
