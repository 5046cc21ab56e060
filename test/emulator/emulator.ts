// A small HTTP server that behaves like Feldera's pipeline manager for every endpoint the extension uses.
// It follows /work/shared/feldera/API-NOTES.md (what the server really does), not the spec's prose where they differ.
// Node `http` only, no framework. Every instance is independent (tests run several at once).
import * as crypto from 'crypto';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo, Socket } from 'net';
import { Readable } from 'stream';
import { largeProfileStream, smallProfile } from './profileGenerator';
import {
  circuitProfileBody,
  emptyCircuitProfile,
  emptyDataflowGraph,
  sqlContext,
  type SqlContext,
  type SqlContextSource,
} from './sqlContext';

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface FelderaErrorBody {
  message: string;
  error_code: string;
  details?: unknown;
}

export interface ProgramErrorSpec {
  sql_compilation?: { exit_code: number; messages: Record<string, unknown>[] } | null;
  rust_compilation?: { exit_code: number; stdout: string; stderr: string } | null;
  system_error?: string | null;
}

export interface PipelineSpec {
  name: string;
  /** CombinedStatus: Stopped, Provisioning, ..., Running, Paused, Suspended, Stopping. Default 'Running'. */
  deploymentStatus?: string;
  /** CombinedDesiredStatus; default derived from deploymentStatus. */
  desiredStatus?: string;
  /** ProgramStatus; default 'Success'. */
  programStatus?: string;
  /** runtime_config.hosts; default 1. */
  hosts?: number;
  /** runtime_config.workers; default 8. */
  workers?: number;
  deploymentError?: FelderaErrorBody | null;
  programError?: ProgramErrorSpec;
  description?: string;
  /**
   * The SQL. When unset, the emulator's default program (see sqlContext.ts), whose dataflow graph and circuit profile
   * it serves; a pipeline with its own SQL serves an empty graph and profile (the emulator compiles nothing).
   */
  programCode?: string;
  storageStatus?: string;
  /** Compiled by a compiler too old to keep a dataflow graph: GET …/dataflow_graph answers 404 ProgramInfoMissesDataflow. */
  noDataflowGraph?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query, as sent (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** The raw Authorization header, if any. */
  authorization?: string;
  /** The Feldera-Tenant header, if any. */
  tenant?: string;
  at: number;
}

/** One profile body the emulator sent (or started to send). */
export interface ServedProfile {
  pipeline: string;
  ordinal: number;
  collection: number;
  /** sha256 (hex) of the bytes actually written. */
  sha256: string;
  /** Bytes actually written. */
  length: number;
  /** False when a fault (reset, stall) or the client cut the body short. */
  complete: boolean;
  /** The bytes, when the body was at most `keepBodiesUpTo` bytes (small profiles). */
  body?: Buffer;
  at: number;
}

export interface EmulatorFaults {
  /** The next K requests on /v0 routes answer 503 PipelineInteractionUnreachable. */
  fail503Times?: number;
  /** With fail503Times: send an HTML page instead of a Feldera body. */
  fail503Html?: boolean;
  /** While a collection runs, GET ?latest=true answers 307 + Retry-After (+ Location when given) instead of 204. */
  use307?: boolean | { location?: string };
  /** Profile downloads: close the connection mid-body after N body bytes. */
  resetAfterBytes?: number;
  /** Profile downloads: stop sending after N body bytes and keep the connection open. */
  stallAfterBytes?: number;
  /** Every error answer (4xx/5xx) keeps its status but carries an nginx HTML page instead of a Feldera body. */
  nonJsonErrors?: boolean;
  /** Every /v0 request answers this status (e.g. 502, 504) with an nginx HTML page: a proxy with its upstream down. */
  proxyErrorStatus?: number;
  /** Size of served profiles in compressed bytes; generated while streaming. Overrides the constructor option. */
  profileBytes?: number;
  /** Extra delay before a POST samply_profile answers (on top of postWaitMs). */
  postDelayMs?: number;
  /** Delay before any /v0 request is handled. */
  delayMs?: number;
  /** Every /v0 request answers 401 AuthenticationFailed, whatever the key. */
  unauthorized?: boolean;
  /**
   * The next collection fails with SamplyProfilingFailure (details = the string). By default it fails at once (the
   * POST answers 500); with `atEnd` the POST answers 202 and the failure shows when the collection ends.
   */
  failNextCollection?: string | { details: string; atEnd?: boolean };
  /** GET circuit_json_profile waits this long before answering (a big circuit takes a while to profile). */
  circuitProfileDelayMs?: number;
  /**
   * GET circuit_json_profile waits until `releaseCircuitProfiles()` (after any delay): a test decides when the circuit
   * profile lands, with no race against the clock.
   */
  holdCircuitProfile?: boolean;
  /** GET circuit_json_profile answers 503 PipelineInteractionUnreachable: the pipeline dropped the request. */
  circuitProfileUnreachable?: boolean;
}

export interface EmulatorOptions {
  pipelines?: PipelineSpec[];
  /** `builtin` serves the small built-in program even when Feldera's fixtures are there (see sqlContext.ts). */
  sqlContext?: SqlContextSource;
  /** Authentication is on when non-empty: every /v0 route needs `Authorization: Bearer <one of these>`. */
  apiKeys?: string[];
  version?: string;
  edition?: string;
  /** Size of served profiles in compressed bytes; when unset, small deterministic profiles are served. */
  profileBytes?: number;
  /** How long POST samply_profile waits before answering (Feldera: ~600 ms). */
  postWaitMs?: number;
  /** After the duration, the collection still counts as running this long ("samply still writing"): Retry-After 0. */
  finishingMs?: number;
  /** Multiplies collection durations (0.1 makes a 30 s collection last 3 s). Default 1. */
  timeScale?: number;
  /** POST samply_profile answers 200 instead of 202 (servers older than January 2026). */
  legacy200?: boolean;
  /** Served bodies up to this size are kept in `served[].body`. Default 8 MiB. */
  keepBodiesUpTo?: number;
  /** Serve HTTPS with this certificate and key (PEM), e.g. made by ./testPki.ts; the URL is then `https://`. */
  tls?: { cert: string; key: string };
  /**
   * The emulator's time (default `Date.now`): collections start, count down (Retry-After) and end by it, and
   * requests are stamped with it. A test shares a virtual clock with the code under test to run a collection of
   * minutes in no time; HTTP stays real.
   */
  clock?: () => number;
}

export type PipelineSelector = 'all' | 'status' | 'status_with_connectors';

/** What a test can ask about a host's samply state. */
export interface SamplyStatus {
  collecting: boolean;
  collections: number;
  hasProfile: boolean;
  lastError?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Constants

export const DEFAULT_VERSION = '0.337.0';
export const DEFAULT_EDITION = 'Open source';
/** Statuses in which the pipeline has a running controller (the web console's "interactive" statuses). */
export const INTERACTIVE_STATUSES = ['Running', 'Paused', 'ConcurrentBootstrapping', 'Synchronizing'];
/** Statuses in which no pipeline process exists: samply profiles are gone. */
const NO_PROCESS_STATUSES = ['Stopped', 'Provisioning', 'Stopping', 'Suspended'];
const RUNTIME_STATUSES = [
  'Unavailable',
  'Coordination',
  'Standby',
  'Initializing',
  'AwaitingApproval',
  'Bootstrapping',
  'Replaying',
  'Paused',
  'Running',
  'Suspended',
  'ConcurrentBootstrapping',
  'Synchronizing',
];
const UNAUTHORIZED_BODY = JSON.stringify({ message: 'Unauthorized API key', error_code: 'AuthenticationFailed' });

/** The demo set used by `cli.ts --demo` and `npm run demo`. */
export function demoPipelines(): PipelineSpec[] {
  return [
    { name: 'orders', deploymentStatus: 'Running', workers: 8, description: 'Single-host pipeline, running' },
    {
      name: 'fraud-detection',
      deploymentStatus: 'Running',
      hosts: 3,
      workers: 12,
      description: 'Multihost pipeline (3 hosts), running',
    },
    { name: 'archive', deploymentStatus: 'Stopped', description: 'Stopped pipeline' },
    {
      name: 'broken-sql',
      deploymentStatus: 'Stopped',
      programStatus: 'SqlError',
      description: 'Program fails to compile',
      programCode: 'CREATE TABLE t (id INT);\nCREATE VIEW v AS SELECT idd FROM t;',
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Internal state

interface Collection {
  collection: number;
  start: number;
  /** start + duration: what Retry-After counts down to. */
  nominalEnd: number;
  /** When the collection really ends (nominalEnd + finishing, or at once for an immediate failure). */
  doneAt: number;
  failure?: string;
}

interface HostSamply {
  collections: number;
  running?: Collection;
  last?: { collection: number; error?: string };
}

interface PipelineState {
  spec: PipelineSpec;
  id: string;
  createdAt: string;
  version: number;
  programVersion: number;
  refreshVersion: number;
  programStatusSince: string;
  deploymentStatusSince: string;
  desiredStatusSince: string;
  deploymentId: string | null;
  samply: Map<number, HostSamply>;
}

class HttpAnswered extends Error {}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** RFC 3339 in server-local time with offset, like chrono's `Local::now().to_rfc3339()`. */
export function rfc3339Local(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:` +
    `${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}${sign}${p(Math.floor(a / 60))}:${p(a % 60)}`
  );
}

export function nginxPage(status: number): string {
  const text = `${status} ${http.STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n<hr><center>nginx/1.27.1</center>\r\n</body>\r\n</html>\r\n`;
}

function defaultDesired(status: string): string {
  switch (status) {
    case 'Stopped':
    case 'Stopping':
      return 'Stopped';
    case 'Paused':
      return 'Paused';
    case 'Standby':
      return 'Standby';
    case 'Suspended':
      return 'Suspended';
    default:
      return 'Running';
  }
}

function resourcesStatus(status: string): string {
  if (status === 'Stopped' || status === 'Provisioning' || status === 'Stopping') return status;
  return 'Provisioned';
}

// ---------------------------------------------------------------------------------------------------------------

export class FelderaEmulator {
  readonly requests: RecordedRequest[] = [];
  readonly served: ServedProfile[] = [];
  /** TCP connections accepted (with `tls`: handshakes started, whether or not they ended in a request). */
  connections = 0;
  /** Switch faults on and off at any time. */
  faults: EmulatorFaults = {};

  private readonly opts: EmulatorOptions;
  private readonly state = new Map<string, PipelineState>();
  private server?: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** Circuit-profile requests held by `faults.holdCircuitProfile`. */
  private readonly heldCircuit = new Set<() => void>();
  private readonly streams = new Set<Readable>();
  private stopped = false;

  constructor(opts: EmulatorOptions = {}) {
    this.opts = { ...opts };
    for (const p of opts.pipelines ?? []) this.setPipeline(p);
  }

  get apiKeys(): string[] {
    return this.opts.apiKeys ?? [];
  }

  /** Turns authentication on (non-empty) or off (empty) at runtime. */
  setApiKeys(keys: string[]): void {
    this.opts.apiKeys = [...keys];
  }

  /** Changes a constructor option at runtime (e.g. postWaitMs, legacy200). */
  setOption<K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K]): void {
    this.opts[key] = value;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return Promise.reject(new Error('emulator already started'));
    this.stopped = false;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        if (e instanceof HttpAnswered) return;
        if (!res.headersSent) {
          this.sendJson(res, 500, {
            message: `emulator error: ${String(e)}`,
            error_code: 'EmulatorError',
            details: null,
          });
        } else {
          res.destroy();
        }
      });
    };
    const tls = this.opts.tls;
    const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
    server.keepAliveTimeout = 5000;
    server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(this.url());
      });
    });
  }

  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('emulator not started');
    const host = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${addr.port}`;
  }

  get port(): number {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('emulator not started');
    return addr.port;
  }

  /** Closes the server and every connection (keep-alive, stalled downloads): never hangs. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.stopped = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    this.releaseCircuitProfiles();
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
  }

  // ---- pipelines ----------------------------------------------------------------------------------------------

  /** Creates or fully replaces a pipeline (keeps its id and profiles when it exists). */
  setPipeline(spec: PipelineSpec): void {
    const existing = this.state.get(spec.name);
    if (existing) {
      this.applySpec(existing, { ...spec });
      return;
    }
    const now = this.now();
    const status = spec.deploymentStatus ?? 'Running';
    const st: PipelineState = {
      spec: { ...spec },
      id: crypto.randomUUID(),
      createdAt: iso(now - 3_600_000),
      version: 1,
      programVersion: 1,
      refreshVersion: 1,
      programStatusSince: iso(now - 3_000_000),
      deploymentStatusSince: iso(now - 60_000),
      desiredStatusSince: iso(now - 60_000),
      deploymentId: NO_PROCESS_STATUSES.includes(status) ? null : crypto.randomUUID(),
      samply: new Map(),
    };
    this.state.set(spec.name, st);
  }

  /** Changes some fields of a pipeline; a change to Stopped drops its profiles. */
  updatePipeline(name: string, patch: Partial<Omit<PipelineSpec, 'name'>>): void {
    const st = this.state.get(name);
    if (!st) throw new Error(`no pipeline named ${name}`);
    this.applySpec(st, { ...st.spec, ...patch, name });
  }

  removePipeline(name: string): boolean {
    return this.state.delete(name);
  }

  /** The current specs (copies). */
  pipelines(): PipelineSpec[] {
    return [...this.state.values()].map((s) => ({ ...s.spec }));
  }

  /** The JSON object GET /v0/pipelines/{name}?selector=... would answer, or undefined. */
  pipelineInfo(name: string, selector: PipelineSelector = 'all'): Record<string, unknown> | undefined {
    const st = this.state.get(name);
    return st ? this.selectedInfo(st, selector) : undefined;
  }

  /** Samply state of one host of a pipeline. */
  samplyStatus(name: string, ordinal = 0): SamplyStatus {
    const st = this.state.get(name);
    if (!st) throw new Error(`no pipeline named ${name}`);
    const h = this.host(st, ordinal);
    return {
      collecting: h.running !== undefined,
      collections: h.collections,
      hasProfile: h.last !== undefined && h.last.error === undefined,
      lastError: h.last?.error,
    };
  }

  /** How many circuit-profile requests `faults.holdCircuitProfile` is holding now. */
  get heldCircuitProfiles(): number {
    return this.heldCircuit.size;
  }

  /** Lets the held circuit-profile requests answer, and holds no more. */
  releaseCircuitProfiles(): void {
    this.faults.holdCircuitProfile = false;
    for (const release of this.heldCircuit) release();
    this.heldCircuit.clear();
  }

  /**
   * Ends the collection running on that host now, as samply finishing early would (for tests that need a finished
   * profile without racing a scaled-down clock against the POST's own wait). Does nothing when none runs.
   */
  finishCollection(name: string, ordinal = 0): void {
    const st = this.state.get(name);
    if (!st) throw new Error(`no pipeline named ${name}`);
    const h = this.host(st, ordinal);
    if (!h.running) return;
    const now = this.now();
    h.running.nominalEnd = Math.min(h.running.nominalEnd, now);
    h.running.doneAt = Math.min(h.running.doneAt, now);
    this.settle(h);
  }

  /** The exact bytes a small (default-size) profile of that collection has. */
  static smallProfileBytes(pipeline: string, ordinal: number, collection: number, hosts = 1, workers = 8): Buffer {
    return smallProfile({ pipeline, ordinal, collection, hosts, workers });
  }

  private applySpec(st: PipelineState, next: PipelineSpec): void {
    const now = iso(this.now());
    const prev = st.spec;
    const prevStatus = prev.deploymentStatus ?? 'Running';
    const nextStatus = next.deploymentStatus ?? 'Running';
    if (prevStatus !== nextStatus) {
      st.deploymentStatusSince = now;
      if (NO_PROCESS_STATUSES.includes(nextStatus)) {
        st.samply.clear();
        st.deploymentId = null;
      } else if (st.deploymentId === null) {
        st.deploymentId = crypto.randomUUID();
      }
    }
    if ((prev.desiredStatus ?? defaultDesired(prevStatus)) !== (next.desiredStatus ?? defaultDesired(nextStatus))) {
      st.desiredStatusSince = now;
    }
    if ((prev.programStatus ?? 'Success') !== (next.programStatus ?? 'Success')) st.programStatusSince = now;
    const programChanged = prev.programCode !== next.programCode;
    const configChanged =
      programChanged ||
      prev.hosts !== next.hosts ||
      prev.workers !== next.workers ||
      prev.description !== next.description;
    if (programChanged) st.programVersion++;
    if (configChanged) st.version++;
    st.spec = { ...next };
  }

  private host(st: PipelineState, ordinal: number): HostSamply {
    let h = st.samply.get(ordinal);
    if (!h) {
      h = { collections: 0 };
      st.samply.set(ordinal, h);
    }
    this.settle(h);
    return h;
  }

  /** Finishes a collection whose time is up (lazily, on each look). */
  private settle(h: HostSamply): void {
    const r = h.running;
    if (r && this.now() >= r.doneAt) {
      h.last = { collection: r.collection, error: r.failure };
      h.running = undefined;
    }
  }

  // ---- JSON shapes ----------------------------------------------------------------------------------------------

  private selectedInfo(st: PipelineState, selector: PipelineSelector): Record<string, unknown> {
    const s = st.spec;
    const status = s.deploymentStatus ?? 'Running';
    const desired = s.desiredStatus ?? defaultDesired(status);
    const programStatus = s.programStatus ?? 'Success';
    const hosts = s.hosts ?? 1;
    const workers = s.workers ?? 8;
    const noProcess = status === 'Stopped' || status === 'Provisioning' || status === 'Stopping';
    const runtimeStatus = RUNTIME_STATUSES.includes(status) && !noProcess ? status : null;
    const runtimeDesired = desired === 'Stopped' ? null : desired;
    const resources = resourcesStatus(status);
    const info: Record<string, unknown> = {
      id: st.id,
      name: s.name,
      description: s.description ?? '',
      created_at: st.createdAt,
      version: st.version,
      platform_version: this.opts.version ?? DEFAULT_VERSION,
    };
    if (selector === 'all') {
      info.runtime_config = {
        workers,
        hosts,
        max_rss_mb: null,
        datafusion_memory_mb: null,
        storage: {
          backend: { name: 'default' },
          min_storage_bytes: null,
          min_step_storage_bytes: null,
          compression: 'default',
          cache_mib: null,
        },
        fault_tolerance: { model: 'none', checkpoint_interval_secs: 60 },
        cpu_profiler: true,
        tracing: false,
        tracing_endpoint_jaeger: '',
        min_batch_size_records: 0,
        max_buffering_delay_usecs: 0,
        resources: {
          cpu_cores_min: null,
          cpu_cores_max: null,
          memory_mb_min: null,
          memory_mb_max: null,
          storage_mb_max: null,
          storage_class: null,
          service_account_name: null,
          namespace: null,
        },
        clock_resolution_usecs: 1000000,
        clock_timezone_offset: null,
        pin_cpus: [],
        provisioning_timeout_secs: null,
        max_parallel_connector_init: null,
        init_containers: null,
        checkpoint_during_suspend: true,
        http_workers: null,
        io_workers: null,
        env: {},
        dev_tweaks: {},
        logging: null,
        pipeline_template_configmap: null,
      };
      info.program_code = s.programCode ?? this.sqlContext().sql;
      info.udf_rust = '';
      info.udf_toml = '';
    }
    info.program_config = { profile: 'optimized', cache: true, runtime_version: null, use_platform_compiler: false };
    info.program_version = st.programVersion;
    info.program_status = programStatus;
    info.program_status_since = st.programStatusSince;
    if (selector === 'all') {
      info.program_error = this.programError(s, programStatus);
      info.program_info =
        programStatus === 'Success' || programStatus === 'CompilingRust' || programStatus === 'SqlCompiled'
          ? programInfo()
          : null;
    }
    info.deployment_error = s.deploymentError ?? null;
    info.refresh_version = st.refreshVersion;
    info.storage_status = s.storageStatus ?? (status === 'Stopped' ? 'Cleared' : 'InUse');
    info.deployment_id = st.deploymentId;
    info.deployment_initial = noProcess ? null : 'Running';
    info.deployment_status = status;
    info.deployment_status_since = st.deploymentStatusSince;
    info.deployment_desired_status = desired;
    info.deployment_desired_status_since = st.desiredStatusSince;
    info.deployment_resources_status = resources;
    info.deployment_resources_status_details = null;
    info.deployment_resources_status_since = st.deploymentStatusSince;
    info.deployment_resources_desired_status = desired === 'Stopped' ? 'Stopped' : 'Provisioned';
    info.deployment_resources_desired_status_since = st.desiredStatusSince;
    info.deployment_runtime_status = runtimeStatus;
    info.deployment_runtime_status_details = null;
    info.deployment_runtime_status_since = runtimeStatus === null ? null : st.deploymentStatusSince;
    info.deployment_runtime_desired_status = runtimeDesired;
    info.deployment_runtime_desired_status_since = runtimeDesired === null ? null : st.desiredStatusSince;
    if (selector === 'status_with_connectors') info.connectors = runtimeStatus === null ? null : { num_errors: 0 };
    return info;
  }

  private programError(s: PipelineSpec, programStatus: string): Record<string, unknown> {
    const pe = s.programError ?? {};
    let sql = pe.sql_compilation;
    if (sql === undefined) {
      sql =
        programStatus === 'SqlError'
          ? {
              exit_code: 1,
              messages: [
                {
                  start_line_number: 2,
                  start_column: 27,
                  end_line_number: 2,
                  end_column: 29,
                  warning: false,
                  error_type: 'Not Found',
                  message: "Column 'IDD' not found in any table\nDid you mean 'ID'?",
                  snippet: '    2|CREATE VIEW v AS SELECT idd FROM t;\n                                ^^^\n',
                },
              ],
            }
          : programStatus === 'Pending' || programStatus === 'CompilingSql'
            ? null
            : { exit_code: 0, messages: [] };
    }
    let rust = pe.rust_compilation;
    if (rust === undefined) {
      rust =
        programStatus === 'RustError'
          ? { exit_code: 101, stdout: '', stderr: 'error[E0308]: mismatched types' }
          : programStatus === 'Success'
            ? { exit_code: 0, stdout: '', stderr: '' }
            : null;
    }
    const system =
      pe.system_error !== undefined ? pe.system_error : programStatus === 'SystemError' ? 'compiler crashed' : null;
    return { sql_compilation: sql, rust_compilation: rust, system_error: system };
  }

  private serverConfig(): Record<string, unknown> {
    const version = this.opts.version ?? DEFAULT_VERSION;
    return {
      posthog: '',
      conceptualhq: '',
      product_fruits: '',
      edition: this.opts.edition ?? DEFAULT_EDITION,
      version,
      revision: '5c7931d09fc37e0976143e50a81169dbd98ec0cc',
      runtime_revision: '5c7931d09fc37e0976143e50a81169dbd98ec0cc',
      changelog_url: `https://github.com/feldera/feldera/releases/tag/v${version}`,
      license_validity: null,
      update_info: null,
      unstable_features: null,
      build_info: {
        build_timestamp: '2026-08-21T23:30:48Z',
        build_cpu: 'x86_64',
        build_os: 'linux',
        cargo_dependencies: '',
        cargo_features: 'default',
        cargo_debug: 'false',
        cargo_opt_level: '3',
        cargo_target_triple: 'x86_64-unknown-linux-gnu',
        rustc_version: '1.89.0',
      },
      build_source: 'source',
    };
  }

  // ---- HTTP ------------------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const method = req.method ?? 'GET';
    const rec: RecordedRequest = { method, path: url.pathname, query, at: this.now() };
    if (typeof req.headers.authorization === 'string') rec.authorization = req.headers.authorization;
    const tenant = req.headers['feldera-tenant'];
    if (typeof tenant === 'string') rec.tenant = tenant;
    this.requests.push(rec);
    req.resume(); // no endpoint reads a body

    const segs = url.pathname.split('/').slice(1);
    if (url.pathname === '/healthz') {
      if (method !== 'GET') return this.sendEmpty(res, 405);
      return this.sendJson(res, 200, { status: 'healthy' });
    }
    if (url.pathname === '/config/authentication') {
      if (method !== 'GET') return this.sendEmpty(res, 405);
      return this.sendJson(res, 200, this.apiKeys.length > 0 ? this.authProvider() : {});
    }
    if (segs[0] !== 'v0') return this.sendEmpty(res, 404);

    // ---- /v0: faults, then authentication, then routes.
    const f = this.faults;
    if (f.delayMs) await this.sleep(f.delayMs);
    if (this.stopped) return;
    if (f.proxyErrorStatus) return this.sendHtml(res, f.proxyErrorStatus);
    if (f.fail503Times && f.fail503Times > 0) {
      f.fail503Times--;
      if (f.fail503Html) return this.sendHtml(res, 503);
      return this.sendError(res, 503, {
        message:
          'Error sending HTTP request to pipeline: the pipeline disconnected while it was processing this HTTP request.',
        error_code: 'PipelineInteractionUnreachable',
        details: { pipeline_name: segs[2] ?? '', request: url.pathname, error: 'the pipeline disconnected' },
      });
    }
    if (f.unauthorized || (this.apiKeys.length > 0 && !this.authorized(req.headers.authorization))) {
      return this.sendUnauthorized(res);
    }

    if (segs.length === 2 && segs[1] === 'config') {
      if (method !== 'GET') return this.sendEmpty(res, 405);
      return this.sendJson(res, 200, this.serverConfig());
    }
    if (segs[1] !== 'pipelines') return this.sendEmpty(res, 404);
    if (segs.length === 2) {
      if (method !== 'GET') return this.sendEmpty(res, 405);
      const selector = this.selector(res, query);
      const list = [...this.state.values()]
        .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0))
        .map((st) => this.selectedInfo(st, selector));
      return this.sendJson(res, 200, list);
    }
    let name: string;
    try {
      name = decodeURIComponent(segs[2]);
    } catch {
      return this.sendEmpty(res, 404);
    }
    if (segs.length === 3) {
      if (method !== 'GET') return this.sendEmpty(res, 405);
      const st = this.pipelineOr404(res, name);
      const selector = this.selector(res, query);
      return this.sendJson(res, 200, this.selectedInfo(st, selector));
    }
    if (segs.length === 4 && segs[3] === 'samply_profile') {
      if (method === 'POST') return this.postSamply(res, name, query);
      if (method === 'GET') return this.getSamply(res, name, query);
      return this.sendEmpty(res, 405);
    }
    if (segs.length === 4 && (segs[3] === 'dataflow_graph' || segs[3] === 'circuit_json_profile')) {
      if (method !== 'GET') return this.sendEmpty(res, 405);
      return segs[3] === 'dataflow_graph' ? this.getDataflowGraph(res, name) : this.getCircuitProfile(res, name);
    }
    return this.sendEmpty(res, 404);
  }

  private authProvider(): Record<string, unknown> {
    return { GenericOidc: { issuer: 'http://127.0.0.1/emulated', client_id: 'feldera', extra_oidc_scopes: [] } };
  }

  private authorized(header: string | undefined): boolean {
    if (!header) return false;
    const m = /^Bearer (.+)$/.exec(header);
    return m !== null && this.apiKeys.includes(m[1]);
  }

  private pipelineOr404(res: http.ServerResponse, name: string): PipelineState {
    const st = this.state.get(name);
    if (st) return st;
    this.sendError(res, 404, {
      message: `Unknown pipeline name '${name}'`,
      error_code: 'UnknownPipelineName',
      details: { pipeline_name: name },
    });
    throw new HttpAnswered();
  }

  /** actix answers a query it cannot deserialize with 400 and a plain-text body. */
  private badQuery(res: http.ServerResponse, why: string): never {
    if (this.faults.nonJsonErrors) this.sendHtml(res, 400);
    else this.sendText(res, 400, `Query deserialize error: ${why}`);
    throw new HttpAnswered();
  }

  private selector(res: http.ServerResponse, query: Record<string, string>): PipelineSelector {
    const s = query.selector ?? 'all';
    if (s === 'all' || s === 'status' || s === 'status_with_connectors') return s;
    return this.badQuery(
      res,
      `unknown variant \`${s}\`, expected one of \`all\`, \`status\`, \`status_with_connectors\``,
    );
  }

  private uintParam(res: http.ServerResponse, query: Record<string, string>, key: string, dflt: number): number {
    const v = query[key];
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v)) return this.badQuery(res, 'invalid digit found in string');
    return Number(v);
  }

  private boolParam(res: http.ServerResponse, query: Record<string, string>, key: string): boolean {
    const v = query[key];
    if (v === undefined) return false;
    if (v === 'true' || v === 'false') return v === 'true';
    return this.badQuery(res, 'provided string was not `true` or `false`');
  }

  /** 503 (or 410) when the pipeline cannot take the request; `needsController` for POST. */
  private checkInteractive(res: http.ServerResponse, st: PipelineState, needsController: boolean): void {
    const status = st.spec.deploymentStatus ?? 'Running';
    const name = st.spec.name;
    if (INTERACTIVE_STATUSES.includes(status)) return;
    let body: FelderaErrorBody;
    if (status === 'Stopped' || status === 'Provisioning' || status === 'Stopping') {
      body = {
        message: `Unable to interact with pipeline because the deployment status (${status.toLowerCase()}) indicates it is not (yet) fully provisioned pipeline-id=${st.id} pipeline-name="${name}"`,
        error_code: 'PipelineInteractionNotDeployed',
        details: { pipeline_name: name, status, desired_status: st.spec.desiredStatus ?? defaultDesired(status) },
      };
    } else if (status === 'Unavailable') {
      body = {
        message: `Error sending HTTP request to pipeline: deployment status is currently 'unavailable' -- wait for it to become 'running' or 'paused' again pipeline-name="${name}"`,
        error_code: 'PipelineInteractionUnreachable',
        details: {
          pipeline_name: name,
          request: '/samply_profile',
          error: "deployment status is currently 'unavailable'",
        },
      };
    } else if (status === 'Suspended') {
      body = { message: 'The pipeline is suspended', error_code: 'Suspended', details: null };
    } else {
      if (!needsController) return; // the GET does not need the controller
      body = { message: 'The pipeline is initializing', error_code: 'Initializing', details: null };
    }
    this.sendError(res, 503, body);
    throw new HttpAnswered();
  }

  private ordinal(res: http.ServerResponse, st: PipelineState, query: Record<string, string>): number {
    const ordinal = this.uintParam(res, query, 'ordinal', 0);
    const hosts = Math.max(1, st.spec.hosts ?? 1);
    const valid = Math.max(1, Math.min(hosts, st.spec.workers ?? 8));
    if (ordinal >= valid) {
      this.sendError(res, 400, {
        message: `ordinal ${ordinal} is out of range: pipeline '${st.spec.name}' has ${valid} host(s), valid ordinals are 0..${valid - 1}`,
        error_code: 'InvalidOrdinal',
        details: { pipeline_name: st.spec.name, ordinal, hosts: valid },
      });
      throw new HttpAnswered();
    }
    return ordinal;
  }

  private async postSamply(res: http.ServerResponse, name: string, query: Record<string, string>): Promise<void> {
    const st = this.pipelineOr404(res, name);
    const duration = this.uintParam(res, query, 'duration_secs', 30);
    this.uintParam(res, query, 'ordinal', 0);
    this.checkInteractive(res, st, true);
    const ordinal = this.ordinal(res, st, query);
    const h = this.host(st, ordinal);
    if (h.running) {
      return this.sendError(res, 409, {
        message: 'samply profile collection is already in progress',
        error_code: 'SamplyProfilingInProgress',
        details: null,
      });
    }
    const now = this.now();
    const scale = this.opts.timeScale ?? 1;
    const durationMs = duration * 1000 * scale;
    let failure: string | undefined;
    let failAtEnd = false;
    const fnc = this.faults.failNextCollection;
    if (fnc !== undefined) {
      this.faults.failNextCollection = undefined;
      failure = typeof fnc === 'string' ? fnc : fnc.details;
      failAtEnd = typeof fnc !== 'string' && fnc.atEnd === true;
    }
    h.collections++;
    const c: Collection = {
      collection: h.collections,
      start: now,
      nominalEnd: now + durationMs,
      doneAt: duration === 0 ? now : now + durationMs + (this.opts.finishingMs ?? 0),
      failure,
    };
    if (failure !== undefined && !failAtEnd) c.doneAt = now;
    h.running = c;

    await this.sleep((this.opts.postWaitMs ?? 600) + (this.faults.postDelayMs ?? 0));
    if (this.stopped || res.destroyed) return;
    const h2 = st.samply.get(ordinal);
    if (h2) this.settle(h2);
    if (h2?.running === c) {
      return this.sendEmpty(res, this.opts.legacy200 ? 200 : 202);
    }
    if (h2?.last?.collection === c.collection) {
      if (h2.last.error !== undefined) return this.sendError(res, 500, samplyFailureBody(h2.last.error));
      return this.sendError(res, 500, {
        message: 'samply profiling completed unexpectedly',
        error_code: 'SamplyProfilingUnexpectedCompletion',
        details: null,
      });
    }
    // The pipeline was stopped (profiles dropped) while we waited.
    return this.sendError(res, 503, {
      message:
        'Error sending HTTP request to pipeline: the pipeline disconnected while it was processing this HTTP request.',
      error_code: 'PipelineInteractionUnreachable',
      details: { pipeline_name: name, request: '/samply_profile', error: 'the pipeline disconnected' },
    });
  }

  private getSamply(res: http.ServerResponse, name: string, query: Record<string, string>): void {
    const st = this.pipelineOr404(res, name);
    const latest = this.boolParam(res, query, 'latest');
    this.uintParam(res, query, 'ordinal', 0);
    this.checkInteractive(res, st, false);
    const ordinal = this.ordinal(res, st, query);
    const h = this.host(st, ordinal);
    if (latest && h.running) {
      const retryAfter = Math.max(0, Math.ceil((h.running.nominalEnd - this.now()) / 1000));
      const u307 = this.faults.use307;
      if (u307) {
        const headers: http.OutgoingHttpHeaders = { 'Retry-After': String(retryAfter), 'Content-Length': '0' };
        if (typeof u307 === 'object' && u307.location !== undefined) headers.Location = u307.location;
        res.writeHead(307, headers);
        res.end();
        return;
      }
      res.writeHead(204, { 'Retry-After': String(retryAfter) });
      res.end();
      return;
    }
    if (!h.last) {
      return this.sendError(res, 400, {
        message: 'no samply profile found; trigger a samply profile by making a POST request to `/samply_profile`',
        error_code: 'NoSamplyProfile',
        details: null,
      });
    }
    if (h.last.error !== undefined) return this.sendError(res, 500, samplyFailureBody(h.last.error));
    this.serveProfile(res, st, ordinal, h.last.collection);
  }

  private serveProfile(res: http.ServerResponse, st: PipelineState, ordinal: number, collection: number): void {
    const size = this.faults.profileBytes ?? this.opts.profileBytes;
    const params = {
      pipeline: st.spec.name,
      ordinal,
      collection,
      hosts: Math.max(1, st.spec.hosts ?? 1),
      workers: st.spec.workers ?? 8,
    };
    const source: Readable =
      size === undefined
        ? Readable.from([smallProfile(params)], { objectMode: false })
        : largeProfileStream(params, size);
    this.streams.add(source);
    const keepUpTo = this.opts.keepBodiesUpTo ?? 8 * 1024 * 1024;
    const record: ServedProfile = {
      pipeline: st.spec.name,
      ordinal,
      collection,
      sha256: '',
      length: 0,
      complete: false,
      at: this.now(),
    };
    const hash = crypto.createHash('sha256');
    let kept: Buffer[] | undefined = [];
    let finished = false;
    const finish = (complete: boolean): void => {
      if (finished) return;
      finished = true;
      record.complete = complete;
      record.sha256 = hash.digest('hex');
      if (kept) record.body = Buffer.concat(kept);
      this.served.push(record);
      this.streams.delete(source);
    };
    const resetAt = this.faults.resetAfterBytes;
    const stallAt = this.faults.stallAfterBytes;
    const cutAt = resetAt ?? stallAt;

    res.writeHead(200, {
      'Content-Type': 'application/gzip',
      'Content-Disposition': `attachment; filename="${rfc3339Local(new Date())}-samply_profile.json.gz"`,
    });
    res.flushHeaders();
    res.on('close', () => {
      source.destroy();
      finish(false);
    });

    const cut = (): void => {
      source.destroy();
      finish(false);
      if (resetAt !== undefined) {
        // Let what was written reach the client, then drop the connection.
        const sock = res.socket;
        setTimeout(() => sock?.destroy(), 20);
      }
      // stall: keep the socket open, send nothing more.
    };
    if (cutAt !== undefined && cutAt <= 0) {
      // Nothing of the body: give the headers a moment to leave, then cut.
      this.streams.delete(source);
      source.destroy();
      setTimeout(() => cut(), 20);
      return;
    }
    let cutting = false;
    source.on('data', (chunk: Buffer) => {
      if (cutting) return;
      let c = chunk;
      let hit = false;
      if (cutAt !== undefined && record.length + c.length >= cutAt) {
        c = c.subarray(0, cutAt - record.length);
        hit = true;
      }
      hash.update(c);
      record.length += c.length;
      if (kept) {
        if (record.length <= keepUpTo) kept.push(Buffer.from(c));
        else kept = undefined;
      }
      if (hit) {
        cutting = true;
        source.pause();
        res.write(c, () => cut());
        return;
      }
      if (!res.write(c)) {
        source.pause();
        res.once('drain', () => source.resume());
      }
    });
    source.on('end', () => {
      if (cutting) return; // 'end' can still come after the cut: the body must not end normally
      finish(true);
      res.end();
    });
    source.on('error', () => {
      if (cutting) return;
      finish(false);
      res.destroy();
    });
  }

  // ---- SQL context: dataflow_graph and circuit_json_profile (see sqlContext.ts) -----------------------------------

  /** The default program's SQL, dataflow graph and circuit profile (Feldera's fixtures when present). */
  sqlContext(): SqlContext {
    return sqlContext(this.opts.sqlContext);
  }

  /** 404 ProgramNotCompiled until the SQL compiled; 404 ProgramInfoMissesDataflow for an older compiler's program. */
  private getDataflowGraph(res: http.ServerResponse, name: string): void {
    const st = this.pipelineOr404(res, name);
    const compiled = ['SqlCompiled', 'CompilingRust', 'Success'].includes(st.spec.programStatus ?? 'Success');
    if (!compiled) {
      return this.sendError(res, 404, {
        message: `Pipeline '${name}' has not been compiled yet. Please compile the pipeline first.`,
        error_code: 'ProgramNotCompiled',
        details: { pipeline_name: name },
      });
    }
    if (st.spec.noDataflowGraph) {
      return this.sendError(res, 404, {
        message: `Dataflow graph is missing from pipeline '${name}'. The pipeline may have been compiled before dataflow graphs were introduced.`,
        error_code: 'ProgramInfoMissesDataflow',
        details: { pipeline_name: name },
      });
    }
    this.sendJson(res, 200, st.spec.programCode === undefined ? this.sqlContext().dataflowGraph : emptyDataflowGraph());
  }

  /** Only a running or paused pipeline can build its circuit profile: 503 otherwise (as for POST samply_profile). */
  private async getCircuitProfile(res: http.ServerResponse, name: string): Promise<void> {
    const st = this.pipelineOr404(res, name);
    this.checkInteractive(res, st, true);
    await this.sleep(this.faults.circuitProfileDelayMs ?? 0);
    if (this.faults.holdCircuitProfile && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.heldCircuit.add(resolve);
        // A request the client gave up on is let go (it counts as held no longer).
        res.once('close', () => {
          this.heldCircuit.delete(resolve);
          resolve();
        });
      });
    }
    if (this.stopped || res.destroyed) return;
    this.checkInteractive(res, st, true); // it may have stopped meanwhile
    if (this.faults.circuitProfileUnreachable) {
      return this.sendError(res, 503, {
        message:
          'Error sending HTTP request to pipeline: the pipeline disconnected while it was processing this HTTP request.',
        error_code: 'PipelineInteractionUnreachable',
        details: { pipeline_name: name, request: '/circuit_json_profile', error: 'the pipeline disconnected' },
      });
    }
    const workers = st.spec.workers ?? 8;
    const body =
      st.spec.programCode === undefined ? circuitProfileBody(this.sqlContext(), workers) : emptyCircuitProfile(workers);
    this.sendJson(res, 200, body);
  }

  // ---- low-level answers ------------------------------------------------------------------------------------------

  private now(): number {
    return this.opts.clock ? this.opts.clock() : Date.now();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendText(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendHtml(res: http.ServerResponse, status: number): void {
    const page = nginxPage(status);
    res.writeHead(status, {
      'Content-Type': 'text/html',
      Server: 'nginx/1.27.1',
      'Content-Length': Buffer.byteLength(page),
    });
    res.end(page);
  }

  private sendEmpty(res: http.ServerResponse, status: number): void {
    res.writeHead(status, status === 204 ? {} : { 'Content-Length': '0' });
    res.end();
  }

  /** A Feldera error body, or an nginx page under the nonJsonErrors fault. */
  private sendError(res: http.ServerResponse, status: number, body: FelderaErrorBody): void {
    if (this.faults.nonJsonErrors) return this.sendHtml(res, status);
    this.sendJson(res, status, body);
  }

  private sendUnauthorized(res: http.ServerResponse): void {
    if (this.faults.nonJsonErrors) return this.sendHtml(res, 401);
    this.sendText(res, 401, UNAUTHORIZED_BODY);
  }
}

function samplyFailureBody(details: string): FelderaErrorBody {
  return { message: 'failed to profile the pipeline using samply', error_code: 'SamplyProfilingFailure', details };
}

function programInfo(): Record<string, unknown> {
  const field = (name: string, type: string, nullable: boolean): Record<string, unknown> => ({
    name,
    case_sensitive: false,
    columntype: { type, nullable },
    unused: false,
  });
  return {
    schema: {
      inputs: [
        {
          name: 'orders',
          case_sensitive: false,
          fields: [
            field('id', 'BIGINT', false),
            field('customer', 'VARCHAR', true),
            field('amount', 'DECIMAL', true),
            field('ts', 'TIMESTAMP', true),
          ],
          materialized: false,
          primary_key: ['id'],
          properties: {},
        },
        {
          name: 'customers',
          case_sensitive: false,
          fields: [field('id', 'VARCHAR', false), field('region', 'VARCHAR', true)],
          materialized: false,
          primary_key: ['id'],
          properties: {},
        },
      ],
      outputs: [
        {
          name: 'revenue_by_region',
          case_sensitive: false,
          fields: [field('region', 'VARCHAR', true), field('revenue', 'DECIMAL', true)],
          materialized: true,
          primary_key: null,
          properties: {},
        },
      ],
    },
    udf_stubs: '',
    input_connectors: {},
    output_connectors: {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A tiny HTTP client for tests: no redirects followed, no keep-alive unless an agent is given, raw headers kept.

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Raw header names and values, as received (to check what is absent, e.g. Content-Length). */
  rawHeaders: string[];
  body: Buffer;
}

export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; timeoutMs?: number; agent?: http.Agent } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.timeoutMs !== undefined) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`)));
    }
    req.end();
  });
}
