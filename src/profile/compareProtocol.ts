// Messages of a comparison session: the extension host ↔ the session worker (./compareWorker.ts, role "session"),
// and the session ↔ one reader per profile (the same script, role "side"). Plain data only (structured clone, typed
// arrays transferred).
import type { Comparison, FunctionChange, FunctionQuery, HostsView, ProfileExtract } from './compare';
import type { ReadPhase } from './reader';
import type { ProfileError, ProfileMeta } from './types';

/** A profile to read: a file on this machine, or its bytes (a virtual file system). */
export type CompareSource = { fileName: string; path: string } | { fileName: string; bytes: Uint8Array };

export type CompareWorkerInput =
  | {
      role: 'session';
      sources: CompareSource[];
      maxTextBytes?: number;
      /** How many profiles are read at once; 'auto' (default): two, or one when free memory could not hold two. */
      parallel?: number | 'auto';
      /** A read starts once every read under way has read this share of its file; default by cores (nextReadAfter). */
      startAfter?: number;
    }
  | { role: 'side'; source: CompareSource; maxTextBytes?: number };

/** Side → session. */
export type SideMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'phase'; phase: ReadPhase; textBytes?: number }
  | { type: 'extract'; extract: ProfileExtract }
  | { type: 'failed'; error: ProfileError };

/** How one profile of the session ended up. */
export type ProfileStatus =
  | { fileName: string; ok: true; meta: ProfileMeta; threadCount: number; hasCpuDelta: boolean }
  | { fileName: string; ok: false; error: ProfileError };

/** Which profiles make each side (several: merged, e.g. the other hosts), and in which mode. */
export interface SideSpec {
  a: number[];
  b: number[];
  cpuOnly: boolean;
}

export type SessionQueryBody =
  | ({ method: 'compare' } & SideSpec)
  | ({ method: 'functions'; query: FunctionQuery } & SideSpec)
  | { method: 'hosts'; profiles: number[]; cpuOnly: boolean };

export type SessionQuery = SessionQueryBody & { id: number };

/** Session → host. */
export type SessionMessage =
  /** The reader of that profile has been started (two at a time, usually: the next starts when one is done). */
  | { type: 'started'; profile: number }
  | { type: 'progress'; profile: number; bytesRead: number; totalBytes: number }
  | { type: 'phase'; profile: number; phase: ReadPhase; textBytes?: number }
  | { type: 'profileDone'; profile: number; status: ProfileStatus }
  | { type: 'ready'; profiles: ProfileStatus[] }
  | { type: 'answer'; id: number; value?: Comparison | FunctionChange[] | HostsView; error?: string };
