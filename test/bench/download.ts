// Download speed and memory (issue 15): the extension's fetch as shipped (FelderaClient + fetchSamplyProfileToFolder,
// to the final file name) against plain Node doing the same work (http.get → file + gunzip, Node's defaults), plain
// Node without the check, `curl -o` and zlib alone, on two 1 GiB gzip bodies served on loopback; each run in a child
// process of its own, alternating, medians. Also: memory at 100 MiB and 1 GiB, how fast a cancel ends a download,
// and one measurement through the real command in the real extension host.
//
// The bodies are generated once and cached, and served from the file (served live, the generator would be part of
// what is measured): the emulator's samply-like profile, and a stored-deflate gzip (inflating it is almost free, so
// the check costs little and the rest of the engine shows).
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { largeProfileStream } from '../emulator/profileGenerator';
import type { DownloadHostRecord } from '../host/suite/downloadSpeed.test';
import { cacheDir, type Figure, GiB, list, log, median, mib, MiB, ms, ROOT, runNodeChild, scratchDir } from './common';
import { loadProfile, topSelf } from './cpuProfile';
import type { DownloadChildResult } from './downloadChild';

const ROUNDS = Number(process.env.FELDERA_BENCH_ROUNDS) || 3;
/** "No growth from 100 MiB to 1 GiB": the 1 GiB peak may exceed the 100 MiB one by at most this (GC noise). */
const GROWTH_TOLERANCE = 2 * MiB;
const SAME_WORK_TARGET = 1.25;
const LIMIT_TARGET = 1.15;
const CANCEL_TARGET_MS = 1000;
const HOST_MIB = 1024;
const HOST_ROUNDS = 2;

interface Prepared {
  file: string;
  bytes: number;
  /** How fast the file was generated now (undefined when it came from the cache). */
  generatedMiBps?: number;
}

/** The emulator's large profile of `bytes`, generated once and kept in the bench cache (it is deterministic). */
export async function prepareProfile(bytes: number): Promise<Prepared> {
  const generator = fs.readFileSync(require.resolve('../emulator/profileGenerator'));
  const key = crypto.createHash('sha256').update(generator).digest('hex').slice(0, 12);
  const file = path.join(cacheDir(), `emulator-profile-${bytes}-${key}.json.gz`);
  if (fs.existsSync(file)) return { file, bytes: fs.statSync(file).size };
  log(`generating a ${mib(bytes, 0)} profile with the emulator's generator (once; cached in ${path.dirname(file)})`);
  const part = `${file}.${process.pid}.part`;
  const t0 = performance.now();
  await pipeline(
    largeProfileStream({ pipeline: 'bench', ordinal: 0, collection: 1, hosts: 1, workers: 8 }, bytes),
    fs.createWriteStream(part),
  );
  const took = performance.now() - t0;
  fs.renameSync(part, file);
  const size = fs.statSync(file).size;
  return { file, bytes: size, generatedMiBps: size / MiB / (took / 1000) };
}

/**
 * A gzip of `bytes` made of stored (uncompressed) deflate blocks of random bytes, generated once and cached: valid
 * gzip whose inflating is a copy and a CRC, so the check costs little.
 */
async function prepareStoredGzip(bytes: number): Promise<Prepared> {
  const file = path.join(cacheDir(), `stored-deflate-${bytes}-v1.gz`);
  if (fs.existsSync(file)) return { file, bytes: fs.statSync(file).size };
  log(`writing a ${mib(bytes, 0)} stored-deflate gzip (once; cached in ${path.dirname(file)})`);
  const part = `${file}.${process.pid}.part`;
  const fd = fs.openSync(part, 'w');
  try {
    const block = crypto.randomBytes(65_535);
    fs.writeSync(fd, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]));
    let remaining = bytes - 18;
    let crc = 0;
    let size = 0;
    for (let n = 0; remaining > 0; n++) {
      const len = Math.min(65_535, Math.max(1, remaining - 5));
      const last = remaining - 5 - len <= 0;
      const data = block.subarray(0, len);
      if (len >= 4) data.writeUInt32LE(n >>> 0, 0);
      const head = Buffer.from([last ? 1 : 0, len & 0xff, len >> 8, ~len & 0xff, (~len >> 8) & 0xff]);
      crc = zlib.crc32(data, crc);
      size = (size + len) >>> 0;
      fs.writeSync(fd, head);
      fs.writeSync(fd, data);
      remaining -= len + 5;
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(size, 4);
    fs.writeSync(fd, trailer);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(part, file);
  return { file, bytes: fs.statSync(file).size };
}

/** GET /v0/pipelines/<name>/samply_profile streams `files[name]` chunked (no Content-Length), like Feldera. */
function startProfileServer(files: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const m = /^\/v0\/pipelines\/([^/]+)\/samply_profile(\?|$)/.exec(req.url ?? '');
    const file = m ? files[decodeURIComponent(m[1])] : undefined;
    req.resume();
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"message":"not found","error_code":"UnknownPipelineName","details":null}');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/gzip',
      'Content-Disposition': 'attachment; filename="2026-01-01T00:00:00.000+00:00-samply_profile.json.gz"',
    });
    pipeline(fs.createReadStream(file, { highWaterMark: MiB }), res).catch(() => res.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

type Runner = 'engine' | 'plain' | 'plainnocheck' | 'curl' | 'inflate' | 'check' | 'drain' | 'nocheck';

interface Run {
  bytes: number;
  totalMs: number;
  cpuMs?: number;
  bodyEndMs?: number;
  reports?: number;
  halfPeaks?: number[];
  peakGrowth?: number;
  baselineRss?: number;
  peakRss?: number;
}

/**
 * `curl -o`: time_total from curl itself (like the engine's figure, it leaves out process start-up); its CPU time
 * (user + system) from bash's `time`.
 */
function runCurl(url: string, out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const script =
      'TIMEFORMAT="%U %S"; time curl -sS --fail -H "Accept-Encoding: identity" -o "$2" ' +
      '-w "%{time_total} %{size_download}" "$1"';
    const child = spawn('bash', ['-c', script, 'bench', url, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}: ${stderr}`));
      const [secs, size] = stdout.trim().split(/\s+/).map(Number);
      const [user, system] = (stderr.trim().split('\n').pop() ?? '').split(/\s+/).map(Number);
      resolve({ bytes: size, totalMs: secs * 1000, cpuMs: (user + system) * 1000 });
    });
  });
}

async function runOne(who: Runner, url: string, name: string, file: string, folder: string): Promise<Run> {
  const profileUrl = `${url}/v0/pipelines/${name}/samply_profile?latest=true`;
  const out = path.join(folder, `${who}-${name}.json.gz`);
  if (who === 'curl') {
    try {
      return await runCurl(profileUrl, out);
    } finally {
      fs.rmSync(out, { force: true });
    }
  }
  const args: Record<Exclude<Runner, 'curl'>, string[]> = {
    engine: ['engine', url, name, folder, String(Math.floor(fs.statSync(file).size / 2))],
    nocheck: ['nocheck', url, name, folder],
    drain: ['drain', url, name],
    plain: ['plain', profileUrl, out],
    plainnocheck: ['plainnocheck', profileUrl, out],
    inflate: ['inflate', file],
    check: ['check', file],
  };
  const { result } = await runNodeChild<DownloadChildResult>('downloadChild', args[who]);
  if (result.path) fs.rmSync(result.path, { force: true });
  if (!result.ok) throw new Error(`${who} failed: ${result.error}`);
  return result;
}

const each = <T>(xs: T[], f: (x: T) => string) => xs.map(f).join(', ');

/** Runs every runner once per round, in an order that rotates (and reverses every other round). */
async function rounds(
  runners: Runner[],
  count: number,
  go: (who: Runner) => Promise<Run>,
  onRound?: (round: number, runs: Partial<Record<Runner, Run>>) => void,
): Promise<Record<Runner, Run[]>> {
  const out = {} as Record<Runner, Run[]>;
  for (const r of runners) out[r] = [];
  for (let round = 0; round < count; round++) {
    const order = runners.map((_, i) => runners[(i + round) % runners.length]);
    if (round % 2 === 1) order.reverse();
    const these: Partial<Record<Runner, Run>> = {};
    for (const who of order) out[who].push((these[who] = await go(who)));
    onRound?.(round, these);
  }
  return out;
}

/** One more engine run under `node --cpu-prof`: the main thread's functions with the most self time. */
async function profiledRun(url: string, name: string, folder: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-cpuprof-'));
  try {
    const { result } = await runNodeChild<DownloadChildResult>('downloadChild', ['engine', url, name, folder], {
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
    });
    if (result.path) fs.rmSync(result.path, { force: true });
    const profile = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!profile) return '(node --cpu-prof wrote no profile)';
    const top = topSelf(loadProfile(path.join(dir, profile)), 8, (u) => {
      const m = /\/out\/(src\/.*)\.js$/.exec(u);
      if (m) return `${m[1]}.ts`;
      return u.startsWith('node:') ? u : undefined;
    });
    return `${top.join('; ')} (of ${ms(result.totalMs)}, CPU ${ms(result.cpuMs)} in all threads)`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface CancelRun {
  ok: boolean;
  error?: string;
  cancelMs: number;
  leftovers: number;
  receivedAtCancel: number;
}

/** Cancels downloads of `name` once `afterBytes` have arrived: how long until the result, and what is left. */
async function cancels(url: string, name: string, folder: string, afterBytes: number): Promise<CancelRun[]> {
  const out: CancelRun[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const dir = fs.mkdtempSync(path.join(folder, 'cancel-'));
    const { result } = await runNodeChild<CancelRun>('downloadChild', ['cancel', url, name, dir, String(afterBytes)]);
    fs.rmSync(dir, { recursive: true, force: true });
    if (!result.ok) throw new Error(`cancel run failed: ${result.error}`);
    out.push(result);
  }
  return out;
}

/** Runs the host suite's download test alone in a real VS Code with a 1 GiB body; its record, or why not. */
function hostRun(): Promise<DownloadHostRecord | string> {
  const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-download-host-'));
  return new Promise<DownloadHostRecord | string>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'out', 'test', 'host', 'runHeadless.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        FELDERA_HOST_TEST_GREP: 'bench: download in the extension host',
        FELDERA_TEST_ARTIFACTS: artifacts,
        MOCHA_SUMMARY_FILE: path.join(artifacts, 'summary.json'),
        FELDERA_HOST_TEST_TIMEOUT_MS: String(10 * 60_000),
        FELDERA_BENCH_DOWNLOAD_HOST_MIB: String(HOST_MIB),
        FELDERA_BENCH_DOWNLOAD_HOST_ROUNDS: String(HOST_ROUNDS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (e) => resolve(String(e)));
    child.on('close', (code) => {
      const file = path.join(artifacts, 'download-host.json');
      const record = fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DownloadHostRecord)
        : `exit ${code}: ${output.trim().split('\n').slice(-4).join(' | ')}`;
      fs.rmSync(artifacts, { recursive: true, force: true });
      resolve(code === 0 ? record : typeof record === 'string' ? record : `exit ${code}`);
    });
  });
}

/**
 * What each change to the engine gave, measured one at a time while it was made (issue 15; 1 GiB bodies, medians of
 * 3 alternating rounds in child processes on the shared 2-core machine, load average 7-16). Kept as a record: the
 * figures above are measured anew on every run.
 */
const CHANGES = [
  'Before (one chunk at a time: each 64 KiB chunk waited for its file write and its inflate before the next was ' +
    'read): stored-deflate 5.8 s = 178 MiB/s vs plain Node 3.7 s (1.57×); samply-like 6.8-12 s.',
  'Slices of 1 MiB written at their offset and fed to the check without waiting for the ones before (several in ' +
    'flight, body paused at 8 MiB held): stored-deflate 1.7 s (0.39× plain Node), but peak RSS growth up to 90 MiB: ' +
    'a fresh 1 MiB buffer per slice is garbage V8 collects late.',
  'Four reused 1 MiB slice buffers instead: same speed (stored 1.7-2.0 s, 0.42× plain Node; samply-like 0.87× plain ' +
    'Node), growth 45-55 MiB, the rest being what Node itself leaves (socket chunks, zlib output: plain Node 40-74 MiB).',
  "No extra stream between node-fetch's body and the engine (guardBody's PassThrough removed as a trial): no " +
    'measurable change (body read alone 0.39 vs 0.41 s CPU per GiB), so client.ts keeps it.',
  'zlib output buffers of 1 MiB instead of 256 KiB, or 4 MiB slices: no change in CPU time (4.2-4.6 s per GiB of ' +
    'samply-like gzip, of which zlib alone takes 3.1 s).',
  'Two slice buffers instead of four, or zlib output buffers of 64 or 16 KiB: no change in peak memory beyond the ' +
    'run-to-run noise (42-57 MiB); 16 KiB costs about 1 s more CPU per GiB. Kept: four slices, 256 KiB.',
  "A 'data' listener on the check's output instead of resume() (no extra tick per output buffer), alone or with 1 " +
    'MiB output buffers: no measurable change (CPU 4.2-4.5 s per GiB either way; 1 MiB buffers peak higher, up to ' +
    '70 MiB). Not kept.',
  "Node's http directly instead of node-fetch, measured as a body read and dropped (1 GiB, 4 alternating rounds): " +
    '0.38-0.52 s CPU with http.get, 0.43-0.69 s through FelderaClient (node-fetch and the guard stream): at most ' +
    'about 0.1 s of the 4.3 s of CPU an engine run takes on the samply-like body. Not needed to reach the targets: ' +
    'node-fetch stays the only HTTP client, and the key and redirect rules stay in client.ts alone.',
  'At the end, the engine before and after these changes side by side (alternating, load average 6-8): ' +
    'stored-deflate before 2.6 s (CPU 2.0-2.4 s), after 2.0 s (CPU 1.4-1.6 s), plain Node 4.5 s; samply-like (the ' +
    "body of the emulator's earlier generator) before 5.7 s (CPU 5.0-5.6 s), after 4.8 s (CPU 4.2-4.4 s), plain " +
    'Node 7.9 s, zlib alone 3.7 s. The engine before was also far more sensitive to load: at load 9-15 it took 5.8 s ' +
    'on the stored-deflate body, 1.57× plain Node.',
  'Issue 15, target 2 (the samply-like gzip near zlib alone). Where the time went: the check was always the ' +
    'bottleneck (it waited for input less than 0.1 s of a 5-7 s run), the main thread used 1.0-1.2 s of CPU and ' +
    "the thread pool 3.7 s. Node's async zlib takes every 256 KiB of output back through the main thread (and a " +
    'fresh buffer for it) before it goes on, so the check competed with receiving and writing. Tried first, the ' +
    "check in a worker thread of its own with Node's zlib stream, fed slices in memory shared with it (no copy): " +
    'no faster (4.5-5.3 s vs 4.5-4.8 s in the main thread, alternating, load 3-6, at top priority), more CPU ' +
    '(5.0-5.3 s vs 4.6-4.8 s) and peak RSS growth 84-90 MiB: over the 64 MiB bound. Not kept.',
  "The check in the worker inflating synchronously (zlib's handle as zlib.*Sync uses it, one reused 256 KiB " +
    'output buffer; the zlib stream only where a Node lacks those internals): alternating at load 1.9-2.0, ' +
    '3.14, 3.14, 3.65, 4.56 s vs before 4.32, 4.40, 4.50, 4.44 s, zlib alone 3.11-3.26 s: 0.99-1.17× the limit ' +
    '(before 1.35-1.45×); CPU unchanged (4.5-4.7 s), peak RSS growth 51-55 MiB (before 43-46 MiB; the worker ' +
    'thread is about 10 MiB); again at load 3.3-4.7: 3.20, 3.15, 3.15 s vs 4.10, 4.10, 4.16 s (1.00-1.03× vs ' +
    '1.30-1.36×). At load 5-9 (other work on both cores) both took 4.3-8 s, the worker no better and in some ' +
    'rounds worse: with the second core taken, overlapping cannot help. Kept. More slice buffers for it (8 MiB ' +
    "instead of 4): no measurable change. A 1 MiB cap on the worker's young generation: no change in memory.",
  'The same worker fed copies of the slices (postMessage of ordinary buffers; transferring them instead is not ' +
    'safe while their file write is in flight): 3.51, 3.42, 3.56 s (1.08-1.17× the limit) in the rounds above, CPU ' +
    '+0.2 s, and peak RSS growth 91-92 MiB: a fresh 1 MiB buffer per slice in the worker, collected late. Shared ' +
    'memory is faster and flat. Not kept.',
];

export async function downloadFigures(): Promise<Figure[]> {
  const loadBefore = os.loadavg();
  const stored = await prepareStoredGzip(GiB);
  const samply = await prepareProfile(GiB);
  const small = await prepareProfile(100 * MiB);
  const server = await startProfileServer({ stored: stored.file, samply: samply.file, small: small.file });
  const scratch = scratchDir('feldera-bench-dl-');
  const storedRunners: Runner[] = ['engine', 'plain', 'plainnocheck', 'curl', 'drain', 'nocheck'];
  const samplyRunners: Runner[] = ['engine', 'plain', 'plainnocheck', 'curl', 'inflate', 'check'];
  const st = {} as Record<Runner, Run[]>;
  const sa = {} as Record<Runner, Run[]>;
  let smallEngine: Run[];
  let cancelRuns: CancelRun[];
  let profileStored: string;
  let profileSamply: string;
  try {
    // Warm-up (page cache, lazy code paths), not counted.
    await runOne('curl', server.url, 'small', small.file, scratch.dir);
    await runOne('engine', server.url, 'small', small.file, scratch.dir);
    for (let round = 0; round < ROUNDS; round++) {
      const a = await rounds(storedRunners, 1, (who) => runOne(who, server.url, 'stored', stored.file, scratch.dir));
      const b = await rounds(samplyRunners, 1, (who) => runOne(who, server.url, 'samply', samply.file, scratch.dir));
      for (const r of storedRunners) (st[r] ??= []).push(a[r][0]);
      for (const r of samplyRunners) (sa[r] ??= []).push(b[r][0]);
      log(
        `download round ${round + 1}/${ROUNDS}: stored-deflate engine ${ms(a.engine[0].totalMs)}, plain Node ` +
          `${ms(a.plain[0].totalMs)}; samply-like engine ${ms(b.engine[0].totalMs)}, plain Node ` +
          `${ms(b.plain[0].totalMs)}, zlib alone ${ms(b.inflate[0].totalMs)}, the engine's check alone ` +
          `${ms(b.check[0].totalMs)}, curl ${ms(b.curl[0].totalMs)}`,
      );
    }
    smallEngine = (await rounds(['engine'], ROUNDS, (who) => runOne(who, server.url, 'small', small.file, scratch.dir)))
      .engine;
    cancelRuns = await cancels(server.url, 'stored', scratch.dir, 256 * MiB);
    profileStored = await profiledRun(server.url, 'stored', scratch.dir);
    profileSamply = await profiledRun(server.url, 'samply', scratch.dir);
  } finally {
    await server.close();
    fs.rmSync(scratch.dir, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg();
  for (const [runs, expected] of [
    [st, stored.bytes],
    [sa, samply.bytes],
    [{ engine: smallEngine }, small.bytes],
  ] as const) {
    for (const r of Object.values(runs).flat()) {
      if (r.bytes !== expected) throw new Error(`a download got ${r.bytes} bytes of ${expected}`);
    }
  }

  log('download in the extension host (the real command in a real VS Code, 1 GiB)');
  const host = await hostRun();

  const t = (runs: Run[]) => median(runs.map((r) => r.totalMs));
  const rate = (bytes: number, msec: number) => `${(bytes / MiB / (msec / 1000)).toFixed(0)} MiB/s`;
  const times = (runs: Run[]) => each(runs, (r) => `${(r.totalMs / 1000).toFixed(2)} s`);
  const cpu = (runs: Run[]) => `${(median(runs.map((r) => r.cpuMs ?? NaN)) / 1000).toFixed(2)} s`;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const machine =
    `Load average ${load(loadBefore)} before these runs and ${load(loadAfter)} after them, on ${os.cpus().length} ` +
    'cores shared with other work: a time depends on the load, a ratio of times taken alternately much less.';

  const sameWork = (name: string, body: Prepared, runs: Record<Runner, Run[]>, extra: string[]): Figure => {
    const ratio = t(runs.engine) / t(runs.plain);
    return {
      figure: `download, ${name} (1 GiB)`,
      measured: `${rate(body.bytes, t(runs.engine))} (${(t(runs.engine) / 1000).toFixed(2)} s)`,
      baseline:
        `plain Node, same work ${rate(body.bytes, t(runs.plain))}; plain Node without the check ` +
        `${rate(body.bytes, t(runs.plainnocheck))}; curl -o ${rate(body.bytes, t(runs.curl))}`,
      ratio,
      target: `≤ ${SAME_WORK_TARGET}× plain Node's time`,
      met: ratio <= SAME_WORK_TARGET,
      notes: [
        `${ROUNDS} alternating rounds on the same ${mib(body.bytes)} chunked gzip, each run in a child process of ` +
          "its own; medians; ratio = engine's time / plain Node's. Engine: FelderaClient + " +
          'fetchSamplyProfileToFolder as shipped, from the call to the synced file under its final name (written ' +
          `to ${scratch.tmpfs ? 'tmpfs (/dev/shm), so the disk is not measured' : 'the temp folder'}). Plain ` +
          'Node, same work: `http.get` piped to a file and at the same time through `zlib.createGunzip()` into a ' +
          'sink, done when both end (Node defaults; test/bench/downloadPlain.ts). curl: its own time_total.',
        `Times: engine ${times(runs.engine)}; plain Node ${times(runs.plain)}; plain Node without the check ` +
          `${times(runs.plainnocheck)}; curl -o ${times(runs.curl)}. CPU time of the whole process (main thread ` +
          `and thread pool): engine ${cpu(runs.engine)}, plain Node ${cpu(runs.plain)}, plain Node without the ` +
          `check ${cpu(runs.plainnocheck)}, curl ${cpu(runs.curl)}. The engine made ${median(runs.engine.map((r) => r.reports ?? NaN))} ` +
          `progress reports; its body ended at ${(median(runs.engine.map((r) => r.bodyEndMs ?? NaN)) / 1000).toFixed(
            2,
          )} s.`,
        ...extra,
        machine,
      ],
    };
  };

  const storedFigure = sameWork('stored-deflate gzip', stored, st, [
    `Where the time goes: FelderaClient's body read and thrown away ${rate(stored.bytes, t(st.drain))} (CPU ` +
      `${cpu(st.drain)}); the engine without the gzip check ${rate(stored.bytes, t(st.nocheck))} (CPU ` +
      `${cpu(st.nocheck)}). Main thread under \`node --cpu-prof\`, one more engine run: ${profileStored}.`,
  ]);
  const samplyFigure = sameWork('samply-like gzip', samply, sa, [
    `The emulator's samply-like profile (JSON, gzip Huffman-only as large profiles are made by the generator); zlib ` +
      `alone inflates it in memory at ${rate(samply.bytes, t(sa.inflate))} (${times(sa.inflate)}; CPU ` +
      `${cpu(sa.inflate)}). Main thread under \`node --cpu-prof\`, one more engine run: ${profileSamply}.`,
  ]);

  // zlib's time: the faster of Node's zlib stream and the engine's own check alone, both fed from memory.
  const zlibMs = Math.min(t(sa.inflate), t(sa.check));
  const limitMs = Math.max(t(sa.curl), zlibMs);
  const limitRatio = t(sa.engine) / limitMs;
  const perRound = sa.engine.map(
    (r, i) => r.totalMs / Math.max(sa.curl[i].totalMs, Math.min(sa.inflate[i].totalMs, sa.check[i].totalMs)),
  );
  const cpuOf = (runs: Run[]) => median(runs.map((r) => r.cpuMs ?? NaN));
  const oneCore = (cpuOf(sa.inflate) + cpuOf(sa.curl)) / cpuOf(sa.inflate);
  const limit: Figure = {
    figure: 'download vs the physical limit, samply-like gzip (1 GiB)',
    measured: `${(t(sa.engine) / 1000).toFixed(2)} s`,
    baseline:
      `max(curl -o ${(t(sa.curl) / 1000).toFixed(2)} s, zlib inflating the same bytes in memory ` +
      `${(zlibMs / 1000).toFixed(2)} s: the faster of Node's zlib stream ${(t(sa.inflate) / 1000).toFixed(2)} s ` +
      `and the engine's check alone ${(t(sa.check) / 1000).toFixed(2)} s)`,
    ratio: limitRatio,
    target: `≤ ${LIMIT_TARGET}×`,
    met: limitRatio <= LIMIT_TARGET,
    notes: [
      'The network, the disk and the check must overlap, not add up: the engine against the slower of receiving ' +
        "the bytes (curl -o) and inflating them in memory, whichever way is faster: zlib alone (Node's zlib stream, " +
        "all input at once, 1 MiB output buffers) or the engine's own check alone (below). Same runs as the row " +
        `above; round by round: ${list(perRound, (x) => x.toFixed(2))}×.`,
      "The engine's own gzip check alone, fed the same bytes from memory as the engine feeds it (1 MiB slices " +
        "shared with the check's worker thread, which inflates them synchronously into one reused buffer): " +
        `${times(sa.check)} (CPU ${cpu(sa.check)}); the engine against it: ${list(
          sa.engine.map((r, i) => r.totalMs / sa.check[i].totalMs),
          (x) => x.toFixed(2),
        )}× round by round.`,
      `CPU time (user + system, all threads): engine ${cpu(sa.engine)}; zlib alone ${cpu(sa.inflate)}; plain Node ` +
        `without the check (receiving and writing only) ${cpu(sa.plainnocheck)}; curl -o ${cpu(sa.curl)}. The ` +
        "engine's CPU is about zlib's plus receiving and writing: the work itself, with nothing waiting on " +
        'anything else. The check inflates in a worker thread of its own, so its time comes near zlib alone ' +
        'where receiving and writing run on the second core meanwhile; on this shared 2-core machine that core is ' +
        `free only some of the time, and the ratio follows the load. On one core, even a client that received and ` +
        `wrote as cheaply as curl would need (zlib + curl -o CPU) / zlib CPU = ${oneCore.toFixed(2)}× zlib's time: ` +
        `≤ ${LIMIT_TARGET}× needs a second core.`,
      machine,
    ],
  };

  const growthSmall = median(smallEngine.map((r) => r.peakGrowth ?? NaN));
  const growthBig = median(sa.engine.map((r) => r.peakGrowth ?? NaN));
  const memoryMet = growthSmall <= 64 * MiB && growthBig <= 64 * MiB && growthBig - growthSmall <= GROWTH_TOLERANCE;
  const memory: Figure = {
    figure: 'memory during download',
    measured: `peak RSS growth ${mib(growthSmall)} at 100 MiB, ${mib(growthBig)} at 1 GiB (${
      growthBig >= growthSmall ? '+' : '−'
    }${mib(Math.abs(growthBig - growthSmall), 2)})`,
    baseline: `RSS before: ${mib(median(sa.engine.map((r) => r.baselineRss ?? NaN)))}`,
    target: `≤ 64 MiB, and no growth 100 MiB → 1 GiB (≤ ${mib(GROWTH_TOLERANCE, 0)} more, GC noise)`,
    met: memoryMet,
    notes: [
      'Peak RSS growth = max(RSS sampled every 50 ms, kernel VmHWM) − RSS just before the download, in the child ' +
        'process that does only the download; 100 MiB and 1 GiB compared on the same kind of body (samply-like). ' +
        `Engine at 100 MiB: ${each(smallEngine, (r) =>
          mib(r.peakGrowth ?? NaN),
        )}; at 1 GiB: samply-like ${each(sa.engine, (r) => mib(r.peakGrowth ?? NaN))}, stored-deflate ${each(
          st.engine,
          (r) => mib(r.peakGrowth ?? NaN),
        )}. For comparison at 1 GiB: plain Node doing the same work ${each(sa.plain, (r) =>
          mib(r.peakGrowth ?? NaN),
        )} (samply-like); FelderaClient's body alone ${each(st.drain, (r) => mib(r.peakGrowth ?? NaN))}.`,
      'Within each 1 GiB run, peak RSS (sampled) in the second half of the body minus the first half: ' +
        `${each([...sa.engine, ...st.engine], (r) =>
          r.halfPeaks
            ? `${r.halfPeaks[1] >= r.halfPeaks[0] ? '+' : '−'}${mib(Math.abs(r.halfPeaks[1] - r.halfPeaks[0]))}`
            : '?',
        )} (samply-like, then stored-deflate): what a leak would make grow.`,
      "The engine holds at most four 1 MiB slices (reused, in memory shared with the gzip check's worker thread) " +
        'that are received but not yet both written and checked; the worker thread costs about 10 MiB (its own V8 ' +
        'heap; it inflates into one reused 256 KiB buffer); the rest of the growth is what Node leaves for the ' +
        'garbage collector whatever reads the body (64 KiB socket chunks), which V8 frees late.',
    ],
  };

  const cancelMax = Math.max(...cancelRuns.map((r) => r.cancelMs));
  const cancel: Figure = {
    figure: 'cancel during a download',
    measured: `result ${ms(cancelMax)} after the abort (worst of ${cancelRuns.length})`,
    baseline: '—',
    target: `≤ ${CANCEL_TARGET_MS} ms, nothing left in the folder`,
    met: cancelMax <= CANCEL_TARGET_MS && cancelRuns.every((r) => r.leftovers === 0),
    notes: [
      'fetchSamplyProfileToFolder of the 1 GiB stored-deflate gzip, in a child process, aborted (AbortSignal, as ' +
        'the Cancel button does) at the first progress report past 256 MiB; time from abort() to the cancelled ' +
        `result, then what is left in the folder. Runs: ${each(cancelRuns, (r) => ms(r.cancelMs, 1))} after ` +
        `${each(cancelRuns, (r) => mib(r.receivedAtCancel, 0))}; files left: ${each(cancelRuns, (r) =>
          String(r.leftovers),
        )}.`,
    ],
  };

  const hostFigure: Figure =
    typeof host === 'string'
      ? {
          figure: 'download in the extension host (1 GiB)',
          measured: 'not measured',
          baseline: '—',
          target: 'recorded (no target: one run in a real VS Code)',
          met: false,
          notes: [`The host run failed: ${host}`],
        }
      : {
          figure: 'download in the extension host (1 GiB)',
          measured: `${rate(host.bytes, median(host.commandMs))} (${(median(host.commandMs) / 1000).toFixed(2)} s)`,
          baseline: `plain Node, same work, same process: ${rate(host.bytes, median(host.plainMs))}`,
          ratio: median(host.commandMs) / median(host.plainMs),
          target: 'recorded (no target: one run in a real VS Code)',
          met: true,
          notes: [
            `VS Code ${host.vscodeVersion} (code-server + headless chromium), test/host/suite/downloadSpeed.test.ts ` +
              `alone: "Feldera: Fetch Samply Profile" run through executeCommand against a Feldera stand-in in a ` +
              `process of its own (test/bench/downloadServer.ts: the emulator, with the profile served from a ` +
              `file), ${mib(host.bytes)} samply-like gzip, saved into the workspace's .feldera/profiles (on disk, ` +
              'not tmpfs) with the progress notification and status bar as a user sees them; then plain Node doing ' +
              `the same work inside the same extension host. Rounds alternate. Command ${list(host.commandMs, (x) =>
                ms(x),
              )}; plain Node ${list(host.plainMs, (x) => ms(x))}; plain Node with its file synced before it ` +
              `is closed (as the extension syncs before it names the file) ${list(host.plainSyncMs ?? [], (x) =>
                ms(x),
              )}. Load average at the start ${load(host.load)}.`,
          ],
        };

  const log1 = [`How the engine got here, one change at a time: ${CHANGES.map((c, i) => `(${i + 1}) ${c}`).join(' ')}`];
  storedFigure.notes.push(...log1);
  return [storedFigure, samplyFigure, limit, memory, cancel, hostFigure];
}
