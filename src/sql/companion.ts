// The companion file: the SQL context saved beside a samply profile as `<profile base>.sql.json` (schema in types.ts).
// Building it from what the server answered, writing it (atomically, never over an existing file) and reading it back
// (every problem a one-line reason, never a throw). The companion's path derives from the local profile path only:
// nothing the server sends becomes part of a path.
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import type { CircuitNodeIds, DataflowGraph, PipelineInfo } from '../feldera/types';
import { readMir } from './mir';
import {
  COMPANION_FORMAT,
  COMPANION_SUFFIX,
  COMPANION_VERSION,
  type Companion,
  type MirNode,
  type MissingPart,
  type SqlRange,
} from './types';

/** Largest companion read back: the SQL text and the MIR of a big program are a few MiB. */
export const MAX_COMPANION_BYTES = 64 * 1024 * 1024;

/** `x.json.gz` → `x.sql.json`; any other name gets the suffix appended. */
export function companionPathFor(profilePath: string): string {
  const base = /\.json\.gz$/i.test(profilePath) ? profilePath.slice(0, -'.json.gz'.length) : profilePath;
  return base + COMPANION_SUFFIX;
}

export interface CompanionPieces {
  pipeline: string;
  info: PipelineInfo;
  graph?: DataflowGraph;
  circuit?: CircuitNodeIds;
  missing: MissingPart[];
  profile?: { file: string; bytes: number };
  createdAt?: Date;
}

/** The companion for what was fetched; undefined when the pipeline carried no SQL (nothing worth saving). */
export function buildCompanion(p: CompanionPieces): Companion | undefined {
  const code = p.info.program_code;
  if (typeof code !== 'string') return undefined;
  const program: Companion['program'] = { code };
  if (typeof p.info.program_version === 'number') program.version = p.info.program_version;
  if (typeof p.info.program_status === 'string') program.status = p.info.program_status;
  const companion: Companion = {
    format: COMPANION_FORMAT,
    version: COMPANION_VERSION,
    createdAt: (p.createdAt ?? new Date()).toISOString(),
    pipeline: p.pipeline,
    program,
    mir: p.graph ? readMir(p.graph.mir).nodes : null,
    nodes: p.circuit ? Object.fromEntries(p.circuit.persistentIds) : null,
    missing: p.missing,
  };
  if (p.profile) companion.profile = p.profile;
  if (p.circuit) companion.workers = p.circuit.workers;
  return companion;
}

export type WriteResult = { ok: true; path: string } | { ok: false; reason: string; code?: string };

/**
 * Writes `text` as `dest`, all or nothing: into a hidden temp file beside it, synced, then linked under `dest` — which
 * fails instead of replacing a file already there (atomicFile.ts's approach, but at one exact name: the companion is
 * found by its profile's name, so it cannot move to `-1`). Where links are not supported, the name is claimed with an
 * exclusive create and the temp file renamed onto the claim.
 */
export async function writeFileExclusive(dest: string, text: string): Promise<WriteResult> {
  const folder = path.dirname(dest);
  const temp = path.join(folder, `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.part`);
  try {
    const fh = await fsp.open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fsp.link(temp, dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return exists(dest);
      if (!code || !LINK_UNSUPPORTED.has(code)) throw e;
      try {
        await (await fsp.open(dest, 'wx', 0o644)).close();
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return exists(dest);
        throw e2;
      }
      try {
        await fsp.rename(temp, dest);
      } catch (e3) {
        await fsp.unlink(dest).catch(() => undefined);
        throw e3;
      }
    }
    return { ok: true, path: dest };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, code: err.code, reason: `could not write ${path.basename(dest)}: ${err.code ?? err.message}` };
  } finally {
    await fsp.unlink(temp).catch(() => undefined);
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EINVAL']);

function exists(dest: string): WriteResult {
  return { ok: false, code: 'EEXIST', reason: `${path.basename(dest)} already exists and was left as it is` };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export type LoadProblem =
  | 'missing'
  | 'unreadable'
  | 'too-large'
  | 'malformed'
  | 'newer-version'
  | 'other-profile'
  | 'other-pipeline'
  | 'other-version';

export type LoadResult =
  { ok: true; companion: Companion; path: string } | { ok: false; problem: LoadProblem; reason: string; path: string };

export interface LoadExpectations {
  /** The profile's size: a companion recorded for a profile of another size belongs to another profile. */
  profileBytes?: number;
  pipeline?: string;
  programVersion?: number;
}

/** Reads the companion of `profilePath` (checking its size against the profile's unless `profileBytes` is given). */
export async function loadCompanion(profilePath: string, expect: LoadExpectations = {}): Promise<LoadResult> {
  const file = companionPathFor(profilePath);
  const fail = (problem: LoadProblem, reason: string): LoadResult => ({ ok: false, problem, reason, path: file });
  let text: string;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return fail('unreadable', `${path.basename(file)} is not a file.`);
    if (st.size > MAX_COMPANION_BYTES) {
      return fail('too-large', `${path.basename(file)} is larger than ${MAX_COMPANION_BYTES / (1024 * 1024)} MiB.`);
    }
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return fail('missing', `No SQL context was saved with this profile (${path.basename(file)} not found).`);
    }
    return fail('unreadable', `${path.basename(file)} could not be read (${code ?? String(e)}).`);
  }
  let profileBytes = expect.profileBytes;
  if (profileBytes === undefined) {
    try {
      profileBytes = (await fsp.stat(profilePath)).size;
    } catch {
      profileBytes = undefined;
    }
  }
  const parsed = parseCompanion(text, { ...expect, profileBytes });
  return parsed.ok ? { ...parsed, path: file } : { ...parsed, path: file };
}

/** Validates a companion's text. Extra fields are ignored; malformed MIR entries are dropped. */
export function parseCompanion(
  text: string,
  expect: LoadExpectations = {},
): { ok: true; companion: Companion } | { ok: false; problem: LoadProblem; reason: string } {
  const fail = (problem: LoadProblem, reason: string) => ({ ok: false as const, problem, reason });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail('malformed', 'The SQL context file is damaged (not complete JSON).');
  }
  if (!isObject(v) || v.format !== COMPANION_FORMAT) {
    return fail('malformed', 'The SQL context file is not one this extension wrote.');
  }
  if (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 1) {
    return fail('malformed', 'The SQL context file has no valid version.');
  }
  if (v.version > COMPANION_VERSION) {
    return fail('newer-version', `The SQL context file is version ${v.version}; update the extension to read it.`);
  }
  const program = v.program;
  if (typeof v.pipeline !== 'string' || !isObject(program) || typeof program.code !== 'string') {
    return fail('malformed', 'The SQL context file lacks the pipeline name or its SQL.');
  }
  if (v.mir !== null && !Array.isArray(v.mir)) return fail('malformed', 'The SQL context file has a damaged MIR list.');
  if (v.nodes !== null && !isObject(v.nodes)) {
    return fail('malformed', 'The SQL context file has a damaged operator map.');
  }
  const profile = isObject(v.profile) ? v.profile : undefined;
  if (
    expect.profileBytes !== undefined &&
    profile &&
    typeof profile.bytes === 'number' &&
    profile.bytes !== expect.profileBytes
  ) {
    return fail('other-profile', 'The SQL context file beside this profile was saved with another profile.');
  }
  if (expect.pipeline !== undefined && v.pipeline !== expect.pipeline) {
    return fail('other-pipeline', `The SQL context is of pipeline "${v.pipeline}", not "${expect.pipeline}".`);
  }
  const version = typeof program.version === 'number' ? program.version : undefined;
  if (expect.programVersion !== undefined && version !== expect.programVersion) {
    return fail(
      'other-version',
      `The SQL context is of program version ${version ?? 'unknown'}, not ${expect.programVersion}.`,
    );
  }
  const nodes: Record<string, string> | null = v.nodes === null ? null : {};
  if (nodes !== null) {
    for (const [k, val] of Object.entries(v.nodes as Record<string, unknown>)) {
      if (typeof val === 'string') Object.defineProperty(nodes, k, { value: val, enumerable: true, writable: true });
    }
  }
  const companion: Companion = {
    format: COMPANION_FORMAT,
    version: COMPANION_VERSION,
    createdAt: typeof v.createdAt === 'string' ? v.createdAt : '',
    pipeline: v.pipeline,
    program: { code: program.code },
    mir: v.mir === null ? null : (v.mir as unknown[]).map(toMirNode).filter((n): n is MirNode => n !== undefined),
    nodes,
    missing: Array.isArray(v.missing) ? v.missing.filter(isMissingPart) : [],
  };
  if (version !== undefined) companion.program.version = version;
  if (typeof program.status === 'string') companion.program.status = program.status;
  if (profile && typeof profile.file === 'string' && typeof profile.bytes === 'number') {
    companion.profile = { file: profile.file, bytes: profile.bytes };
  }
  if (typeof v.workers === 'number') companion.workers = v.workers;
  return { ok: true, companion };
}

function toMirNode(v: unknown): MirNode | undefined {
  if (!isObject(v) || typeof v.id !== 'string' || typeof v.operation !== 'string') return undefined;
  const node: MirNode = {
    id: v.id,
    operation: v.operation,
    positions: Array.isArray(v.positions) ? v.positions.filter(isRange) : [],
    inputs: Array.isArray(v.inputs) ? v.inputs.filter((x): x is string => typeof x === 'string') : [],
  };
  if (typeof v.persistentId === 'string') node.persistentId = v.persistentId;
  if (typeof v.table === 'string') node.table = v.table;
  if (typeof v.view === 'string') node.view = v.view;
  if (typeof v.parent === 'string') node.parent = v.parent;
  if (Array.isArray(v.outputs)) node.outputs = v.outputs.filter((x): x is string => typeof x === 'string');
  return node;
}

function isRange(v: unknown): v is SqlRange {
  return (
    isObject(v) &&
    [v.startLine, v.startColumn, v.endLine, v.endColumn].every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

function isMissingPart(v: unknown): v is MissingPart {
  return (
    isObject(v) &&
    (v.part === 'dataflow-graph' || v.part === 'circuit-profile') &&
    typeof v.code === 'string' &&
    typeof v.reason === 'string'
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
