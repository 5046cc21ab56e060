// The memory budget of a profile read: how much the reader may take (the setting `feldera.profiles.memoryBudgetMiB`,
// or a default share of the machine), and how much it has taken: the growth of its JS heap and its typed arrays (which
// live outside the heap, as V8's "external" memory) since the read began — exact in the worker, which does nothing
// else — or, when more, the bytes of the columns and string tables the build holds, which the reader counts itself.
import * as os from 'os';
import * as v8 from 'v8';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/**
 * Half the machine's memory, at most 16 GiB. Half: VS Code, the extension host and the user's other programs keep
 * the rest. At most 16 GiB: on a big shared machine (a remote host the extension runs on through Remote-SSH, say)
 * half of it is not one editor tab's to take; the reader needs about half a profile's JSON size, so 16 GiB still
 * opens ~30 GiB of JSON, far more than an hour's collection on 64 workers. The setting raises or lowers it.
 */
export function defaultMemoryBudget(totalMemory = os.totalmem()): number {
  return Math.max(256 * MiB, Math.min(16 * GiB, Math.floor(totalMemory / 2)));
}

/** The budget in bytes for a setting in MiB: a positive number, or the default for 0, absent or nonsense. */
export function memoryBudgetFromSetting(mib: unknown, totalMemory = os.totalmem()): number {
  return typeof mib === 'number' && Number.isFinite(mib) && mib > 0
    ? Math.floor(mib * MiB)
    : defaultMemoryBudget(totalMemory);
}

/** "640 MiB", "1.5 GiB". */
export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(n >= 10 * GiB ? 0 : 1)} GiB`;
  return `${Math.max(0, Math.round(n / MiB))} MiB`;
}

/** This thread's JS heap plus the memory its ArrayBuffers and Buffers hold (per isolate: a worker counts its own). */
export function isolateMemory(): number {
  const h = v8.getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

/** Memory taken since it was made (never below 0), and the most seen. */
export class MemoryMeter {
  private readonly baseline = isolateMemory();
  private peak_ = 0;

  used(): number {
    const used = Math.max(0, isolateMemory() - this.baseline);
    if (used > this.peak_) this.peak_ = used;
    return used;
  }

  get peak(): number {
    return this.peak_;
  }
}
