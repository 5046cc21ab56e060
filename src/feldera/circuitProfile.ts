// Reads the one thing the extension needs from a circuit profile (GET …/circuit_json_profile): which DBSP node carries
// which `persistent_id`. The document can be large (one metadata object per node per worker, plus the graph), so it is
// scanned as bytes arrive and everything else is dropped on the way: memory stays proportional to the node map, never
// to the body. See ../../../shared/feldera/PROFILE-TO-SQL.md ("circuit profile: graph and worker_profiles").
//
// The scanner checks bracket structure and string/literal syntax loosely (enough to tell keys from values and to
// reject a truncated or non-JSON body); it is not a JSON validator.

/** What is kept of a circuit profile. */
export interface CircuitNodeIds {
  /** DBSP global node id (`nn18`, `nn106_n52`) → `persistent_id` (e.g. `b583…d4.shard`), as the server wrote it. */
  persistentIds: Map<string, string>;
  /** Number of `worker_profiles` entries. */
  workers: number;
  /** Node ids whose persistent id differed between workers (the first one seen is kept). */
  conflicts: number;
  /** Node ids or persistent ids left out because they were too long to be real (a misbehaving server). */
  skipped: number;
}

export class CircuitProfileError extends Error {
  constructor(
    message: string,
    readonly reason: 'too-large' | 'malformed',
  ) {
    super(message);
    this.name = 'CircuitProfileError';
  }
}

/** Longest node id / persistent id kept (real ones are < 300 characters). */
const MAX_ID_CHARS = 4096;
/** Most nodes kept: a real circuit has thousands. */
const MAX_NODES = 2_000_000;
const MAX_DEPTH = 10_000;
/** The key of an object whose key text was not decoded (not needed, or too long to keep). */
const SKIPPED_KEY = '\u0000skipped';

const enum Role {
  Skip,
  Root,
  Workers,
  Worker,
  Metadata,
  Node,
  Entries,
  Entry,
}

interface Frame {
  obj: boolean;
  role: Role;
  /** Objects: the current key (only decoded where the role needs it); undefined while expecting one. */
  key: string | undefined;
  /** Objects: true between `{`/`,` and the key. */
  expectKey: boolean;
  /** Arrays: index of the current element. */
  index: number;
  /** Node frames: the node id. */
  nodeId?: string;
  /** Entry frames: the property and its value. */
  prop?: string;
  value?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Incremental extractor: `write` each chunk, then `end()` for the result. Throws CircuitProfileError when the body
 * passes `maxBytes` or is not a JSON object.
 */
export class CircuitNodeIdExtractor {
  private readonly stack: Frame[] = [];
  private readonly result: CircuitNodeIds = { persistentIds: new Map(), workers: 0, conflicts: 0, skipped: 0 };
  private bytes = 0;
  private sawRoot = false;
  private finished = false;
  /** Inside a string: its bytes so far when they are wanted (else undefined), and whether the last was `\`. */
  private inString = false;
  private stringWanted = false;
  private stringParts: Buffer[] = [];
  private stringLength = 0;
  private escaped = false;
  private stringHasEscape = false;
  /** Inside a number or true/false/null. */
  private inLiteral = false;

  constructor(private readonly maxBytes: number) {}

  write(chunk: Buffer): void {
    if (this.finished) throw new CircuitProfileError('the circuit profile has data after its end', 'malformed');
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      throw new CircuitProfileError(
        `the circuit profile is larger than ${Math.round(this.maxBytes / (1024 * 1024))} MiB`,
        'too-large',
      );
    }
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.inString) {
        i = this.scanString(chunk, i);
        continue;
      }
      const c = chunk[i];
      if (this.inLiteral) {
        if (isLiteralByte(c)) {
          i++;
          continue;
        }
        this.inLiteral = false;
      }
      switch (c) {
        case 0x20:
        case 0x09:
        case 0x0a:
        case 0x0d:
          break;
        case 0x7b: // {
          this.open(true);
          break;
        case 0x5b: // [
          this.open(false);
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.close(c === 0x7d);
          break;
        case 0x3a: {
          // :
          const top = this.top();
          if (!top?.obj || top.expectKey || top.key === undefined) this.malformed();
          break;
        }
        case 0x2c: {
          // ,
          const top = this.top();
          if (!top) this.malformed();
          if (top.obj) {
            top.expectKey = true;
            top.key = undefined;
          } else top.index++;
          break;
        }
        case QUOTE:
          this.startString();
          break;
        default:
          if (!isLiteralByte(c) || this.stack.length === 0) this.malformed();
          this.inLiteral = true;
      }
      i++;
    }
  }

  end(): CircuitNodeIds {
    if (this.inString || this.stack.length > 0 || !this.sawRoot) {
      throw new CircuitProfileError('the circuit profile ended early (incomplete JSON)', 'malformed');
    }
    this.finished = true;
    return this.result;
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  private malformed(): never {
    throw new CircuitProfileError('the circuit profile is not valid JSON', 'malformed');
  }

  private open(obj: boolean): void {
    const parent = this.top();
    if (!parent) {
      if (this.sawRoot || !obj) {
        throw new CircuitProfileError('the circuit profile is not a JSON object', 'malformed');
      }
      this.sawRoot = true;
      this.stack.push({ obj, role: Role.Root, key: undefined, expectKey: true, index: 0 });
      return;
    }
    if (parent.obj && parent.expectKey) this.malformed();
    if (this.stack.length >= MAX_DEPTH) this.malformed();
    const frame: Frame = { obj, role: Role.Skip, key: undefined, expectKey: obj, index: 0 };
    const key = parent.key;
    switch (parent.role) {
      case Role.Root:
        if (!obj && key === 'worker_profiles') frame.role = Role.Workers;
        break;
      case Role.Workers:
        if (obj) {
          frame.role = Role.Worker;
          this.result.workers++;
        }
        break;
      case Role.Worker:
        if (obj && key === 'metadata') frame.role = Role.Metadata;
        break;
      case Role.Metadata:
        if (obj && key !== undefined && key !== SKIPPED_KEY) {
          frame.role = Role.Node;
          frame.nodeId = key;
        }
        break;
      case Role.Node:
        if (!obj && key === 'entries') frame.role = Role.Entries;
        break;
      case Role.Entries:
        if (!obj) frame.role = Role.Entry;
        break;
    }
    this.stack.push(frame);
  }

  private close(obj: boolean): void {
    const frame = this.stack.pop();
    if (!frame || frame.obj !== obj) this.malformed();
    if (frame.role === Role.Entry && frame.prop === 'persistent_id' && frame.value !== undefined) {
      const nodeId = this.stack[this.stack.length - 2]?.nodeId;
      if (nodeId !== undefined) this.record(nodeId, frame.value);
    }
  }

  private record(nodeId: string, persistentId: string): void {
    const map = this.result.persistentIds;
    const existing = map.get(nodeId);
    if (existing !== undefined) {
      if (existing !== persistentId) this.result.conflicts++;
      return;
    }
    if (map.size >= MAX_NODES) {
      this.result.skipped++;
      return;
    }
    map.set(nodeId, persistentId);
  }

  /** Whether the string starting now is a key or value the extractor needs. */
  private wanted(): boolean {
    const top = this.top();
    if (!top) return false;
    if (top.obj) {
      if (!top.expectKey) return false;
      return top.role === Role.Root || top.role === Role.Worker || top.role === Role.Metadata || top.role === Role.Node;
    }
    return top.role === Role.Entry && top.index <= 1;
  }

  private startString(): void {
    const top = this.top();
    if (!top) this.malformed();
    this.inString = true;
    this.stringWanted = this.wanted();
    this.stringParts = [];
    this.stringLength = 0;
    this.escaped = false;
    this.stringHasEscape = false;
  }

  /** Scans string bytes from `i`; returns where it stopped (after the closing quote, or the chunk's end). */
  private scanString(chunk: Buffer, i: number): number {
    const start = i;
    const n = chunk.length;
    let escaped = this.escaped;
    while (i < n) {
      const c = chunk[i];
      if (escaped) escaped = false;
      else if (c === BACKSLASH) {
        escaped = true;
        this.stringHasEscape = true;
      } else if (c === QUOTE) break;
      i++;
    }
    this.escaped = escaped;
    if (this.stringWanted && i > start) {
      this.stringLength += i - start;
      // Past the limit the bytes are no longer kept: the string is left out when it ends.
      if (this.stringLength <= MAX_ID_CHARS * 4) this.stringParts.push(Buffer.from(chunk.subarray(start, i)));
    }
    if (i >= n) return n;
    this.inString = false;
    this.endString();
    return i + 1;
  }

  private endString(): void {
    const top = this.top()!;
    let text: string | undefined;
    if (this.stringWanted) {
      if (this.stringLength > MAX_ID_CHARS * 4) this.result.skipped++;
      else {
        const raw = Buffer.concat(this.stringParts).toString('utf8');
        if (this.stringHasEscape) {
          try {
            text = JSON.parse(`"${raw}"`) as string;
          } catch {
            this.malformed();
          }
        } else text = raw;
        if (text.length > MAX_ID_CHARS) {
          this.result.skipped++;
          text = undefined;
        }
      }
    }
    this.stringParts = [];
    if (top.obj) {
      if (top.expectKey) {
        // A key that is not needed still marks the object as "key seen" (its text stays unknown).
        top.key = text ?? SKIPPED_KEY;
        top.expectKey = false;
      }
      return;
    }
    if (top.role === Role.Entry) {
      if (top.index === 0) top.prop = text;
      else if (top.index === 1) top.value = text;
    }
  }
}

function isLiteralByte(c: number): boolean {
  // digits, minus, plus, dot, e/E and the letters of true/false/null
  return (
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2b ||
    c === 0x2e ||
    c === 0x45 ||
    c === 0x65 ||
    c === 0x74 ||
    c === 0x72 ||
    c === 0x75 ||
    c === 0x66 ||
    c === 0x61 ||
    c === 0x6c ||
    c === 0x73 ||
    c === 0x6e
  );
}

/** Extracts the node → persistent-id map from a whole body at once (tests, small answers). */
export function extractCircuitNodeIds(body: Buffer | string, maxBytes = Number.MAX_SAFE_INTEGER): CircuitNodeIds {
  const x = new CircuitNodeIdExtractor(maxBytes);
  x.write(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return x.end();
}
