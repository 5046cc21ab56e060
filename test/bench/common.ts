// What every figure of the benchmark shares: child processes that report one JSON line, peak memory read from
// /proc, medians, and how numbers are printed.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** One row of the results table. */
export interface Figure {
  figure: string;
  measured: string;
  baseline: string;
  /** measured / baseline, when the figure is a ratio. */
  ratio?: number;
  target: string;
  met: boolean;
  /** Printed under the table: how it was measured, and what to read from it. */
  notes: string[];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const mib = (bytes: number, digits = 1) => `${(bytes / MiB).toFixed(digits)} MiB`;
export const mbps = (bytes: number, ms: number) => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
export const ms = (x: number, digits = 0) => `${x.toFixed(digits)} ms`;
export const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
export const list = (xs: number[], f: (x: number) => string) => xs.map(f).join(', ');

/** VmRSS and VmHWM (peak RSS) of a process, in bytes; undefined once it is gone. */
export function procMemory(pid: number | 'self'): { rss: number; hwm: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Watches another process's peak RSS from outside, every `everyMs`, until `stop()`. */
export function watchMemory(pid: number, everyMs = 50): { stop(): { peakRss: number; hwm: number } } {
  let peakRss = 0;
  let hwm = 0;
  const look = () => {
    const m = procMemory(pid);
    if (!m) return;
    peakRss = Math.max(peakRss, m.rss);
    hwm = Math.max(hwm, m.hwm);
  };
  look();
  const timer = setInterval(look, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakRss, hwm };
    },
  };
}

/**
 * Samples this process's RSS every ~50 ms from a baseline taken now; `peakGrowth()` is the larger of the sampled
 * peak and the kernel's VmHWM, minus the baseline (the kernel's figure catches peaks between samples).
 */
export function selfMemorySampler(everyMs = 50) {
  // memoryUsage.rss() only reads the RSS; memoryUsage() also walks the heap (~1 ms, which would show in the figures).
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  return {
    baseline,
    /** The peak growth so far (sampled, and the kernel's VmHWM). */
    peakNow() {
      peak = Math.max(peak, process.memoryUsage.rss());
      return Math.max(peak, procMemory('self')?.hwm ?? peak) - baseline;
    },
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      const hwm = procMemory('self')?.hwm ?? peak;
      return { baseline, sampledPeak: peak, hwm, peakGrowth: Math.max(peak, hwm) - baseline };
    },
  };
}

export interface ChildRun<T> {
  result: T;
  /** From spawn to exit, as seen by the parent. */
  wallMs: number;
}

/**
 * Runs `node out/test/bench/<script>.js args…` and returns the JSON object the child prints as its last stdout line.
 * The child's stderr is passed through (prefixed) so that failures are visible.
 */
export function runNodeChild<T>(
  script: string,
  args: string[],
  opts: { nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ChildRun<T>> {
  const file = path.join(__dirname, `${script}.js`);
  return runChild<T>(process.execPath, [...(opts.nodeArgs ?? []), file, ...args], opts.timeoutMs, opts.env);
}

function runChild<T>(cmd: string, args: string[], timeoutMs = 5 * 60_000, env?: NodeJS.ProcessEnv) {
  return new Promise<ChildRun<T>>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(
          new Error(`${path.basename(args[0] ?? cmd)} exited with ${signal ?? code}: ${err.trim() || out.trim()}`),
        );
        return;
      }
      try {
        resolve({ result: JSON.parse(last) as T, wallMs });
      } catch {
        reject(new Error(`${path.basename(args[0] ?? cmd)} printed no JSON result: ${out.trim()} ${err.trim()}`));
      }
    });
  });
}

/** Prints the result of a child script as its last stdout line and exits (children only). */
export function reply(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

export function machine(): { cpu: string; cores: number; memory: string; node: string; os: string; load: string } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${(os.totalmem() / GiB).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** A folder for files the bench writes and deletes: tmpfs when there is one, so the disk is not what is measured. */
export function scratchDir(prefix: string): { dir: string; tmpfs: boolean } {
  const shm = '/dev/shm';
  let base = os.tmpdir();
  let tmpfs = false;
  try {
    const st = fs.statfsSync(shm);
    if (st.bavail * st.bsize > 3 * GiB) {
      base = shm;
      tmpfs = true;
    }
  } catch {
    // no /dev/shm: the temp folder it is
  }
  return { dir: fs.mkdtempSync(path.join(base, prefix)), tmpfs };
}

/** Cache folder for generated inputs (profiles), kept between runs: regenerating 1 GiB takes ~25 s. */
export function cacheDir(): string {
  const dir = path.join(os.tmpdir(), 'feldera-bench-cache');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function log(message: string): void {
  console.log(`[bench] ${message}`);
}

export const sleep = (msec: number) => new Promise<void>((resolve) => setTimeout(resolve, msec));
