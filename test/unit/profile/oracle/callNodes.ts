// FROZEN COPY of src/profile/callNodes.ts as it was before the streaming reader (main 8b35e4a): the property tests' oracle
// for today's path (buffer the text, parse it, build the model). Do not edit; do not import from src.
// The call-node table: every distinct root→leaf path of functions, shared by all threads.
// A node is (parent node, function); a lookup by (parent, function) — in the parent's list of children,
// or for a parent with many children in a hash table — merges paths so that stacks which differ only in
// frame addresses, and threads that run the same code, land on the same nodes. Parents always get
// smaller ids than their children, which lets summaries propagate weights in one backwards pass.

const EMPTY = -1;

export interface FrozenCallNodes {
  count: number;
  parent: Int32Array;
  func: Int32Array;
  /** 1 when the node's function also appears among its ancestors: its total is counted there already. */
  recursive: Uint8Array;
}

/** A parent with more children than this gets its children indexed in the hash table. */
const LIST_LIMIT = 8;

export class CallNodeTable {
  private parent: Int32Array;
  private func: Int32Array;
  /** Children lists (the roots' list starts at rootFirst). */
  private firstChild: Int32Array;
  private nextSibling: Int32Array;
  private childCount: Int32Array;
  /** 1 when the node's children are in the hash table (it has more than LIST_LIMIT). */
  private indexed: Uint8Array;
  private rootFirst = EMPTY;
  private rootCount = 0;
  private rootIndexed = false;
  count = 0;
  /**
   * Open addressing, 3 ints per slot (parent, func, id), so a probe touches one cache line. Only the
   * children of indexed parents are in it: most parents have a few children, found by walking their
   * list, which (unlike a probe of a big table) mostly hits cache, since a new node's parent is usually
   * a node made or found just before.
   */
  private slots: Int32Array;
  private mask: number;
  private hashed = 0;

  /** `expected`: about how many nodes there will be (the stack count is an upper bound); saves regrowing. */
  constructor(expected = 0) {
    const nodes = Math.min(Math.max(4096, expected), 1 << 22);
    this.parent = new Int32Array(nodes);
    this.func = new Int32Array(nodes);
    this.firstChild = new Int32Array(nodes);
    this.nextSibling = new Int32Array(nodes);
    this.childCount = new Int32Array(nodes);
    this.indexed = new Uint8Array(nodes);
    const size = 8192;
    this.slots = new Int32Array(3 * size).fill(EMPTY);
    this.mask = size - 1;
  }

  getOrAdd(parent: number, func: number): number {
    const isIndexed = parent < 0 ? this.rootIndexed : this.indexed[parent] === 1;
    if (isIndexed) return this.getOrAddHashed(parent, func);
    const fn = this.func;
    const next = this.nextSibling;
    for (let c = parent < 0 ? this.rootFirst : this.firstChild[parent]; c !== EMPTY; c = next[c]) {
      if (fn[c] === func) return c;
    }
    const id = this.add(parent, func);
    const children = parent < 0 ? this.rootCount : this.childCount[parent];
    if (children > LIST_LIMIT) this.index(parent);
    return id;
  }

  /** Trims the columns and works out the recursion flags; no node can be added afterwards. */
  freeze(funcCount: number): FrozenCallNodes {
    const n = this.count;
    const parent = this.parent.slice(0, n);
    const func = this.func.slice(0, n);
    const recursive = recursionFlags(
      parent,
      func,
      funcCount,
      this.rootFirst,
      this.firstChild.subarray(0, n),
      this.nextSibling.subarray(0, n),
    );
    this.slots = new Int32Array(0);
    this.firstChild = this.nextSibling = this.childCount = new Int32Array(0);
    this.indexed = new Uint8Array(0);
    return { count: n, parent, func, recursive };
  }

  /** A new node, linked into its parent's children. */
  private add(parent: number, func: number): number {
    const id = this.count++;
    if (id >= this.parent.length) this.growNodes();
    this.parent[id] = parent;
    this.func[id] = func;
    this.childCount[id] = 0;
    this.indexed[id] = 0;
    this.firstChild[id] = EMPTY;
    if (parent < 0) {
      this.nextSibling[id] = this.rootFirst;
      this.rootFirst = id;
      this.rootCount++;
    } else {
      this.nextSibling[id] = this.firstChild[parent];
      this.firstChild[parent] = id;
      this.childCount[parent]++;
    }
    return id;
  }

  private getOrAddHashed(parent: number, func: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash(parent, func) & mask;
    for (;;) {
      const at = 3 * i;
      const id = slots[at + 2];
      if (id === EMPTY) break;
      if (slots[at] === parent && slots[at + 1] === func) return id;
      i = (i + 1) & mask;
    }
    const id = this.add(parent, func);
    this.insert(parent, func, id);
    return id;
  }

  /** Puts a parent's children into the hash table; from now on they are found there. */
  private index(parent: number): void {
    if (parent < 0) this.rootIndexed = true;
    else this.indexed[parent] = 1;
    for (let c = parent < 0 ? this.rootFirst : this.firstChild[parent]; c !== EMPTY; c = this.nextSibling[c]) {
      this.insert(parent, this.func[c], c);
    }
  }

  private insert(parent: number, func: number, id: number): void {
    if ((this.hashed + 1) * 2 > this.mask) this.rehash();
    const slots = this.slots;
    const mask = this.mask;
    let i = hash(parent, func) & mask;
    while (slots[3 * i + 2] !== EMPTY) i = (i + 1) & mask;
    slots[3 * i] = parent;
    slots[3 * i + 1] = func;
    slots[3 * i + 2] = id;
    this.hashed++;
  }

  private growNodes(): void {
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    const int32 = (n: number) => new Int32Array(n);
    this.parent = grow(this.parent, int32);
    this.func = grow(this.func, int32);
    this.firstChild = grow(this.firstChild, int32);
    this.nextSibling = grow(this.nextSibling, int32);
    this.childCount = grow(this.childCount, int32);
    this.indexed = grow(this.indexed, (n) => new Uint8Array(n));
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const old = this.slots;
    const slots = new Int32Array(3 * size).fill(EMPTY);
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === EMPTY) continue;
      let i = hash(old[at], old[at + 1]) & mask;
      while (slots[3 * i + 2] !== EMPTY) i = (i + 1) & mask;
      slots[3 * i] = old[at];
      slots[3 * i + 1] = old[at + 1];
      slots[3 * i + 2] = old[at + 2];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** One depth-first walk with a count per function on the current path: O(nodes), whatever the depth. */
function recursionFlags(
  parent: Int32Array,
  func: Int32Array,
  funcCount: number,
  rootFirst: number,
  firstChild: Int32Array,
  nextSibling: Int32Array,
): Uint8Array {
  const n = parent.length;
  const recursive = new Uint8Array(n);
  const onPath = new Int32Array(funcCount);
  // Entries >= 0 are nodes to enter; ~node marks leaving it.
  const stack = new Int32Array(n + 1);
  for (let root = rootFirst; root !== EMPTY; root = nextSibling[root]) {
    let sp = 0;
    stack[sp++] = root;
    while (sp > 0) {
      const v = stack[sp - 1];
      if (v >= 0) {
        stack[sp - 1] = ~v;
        const f = func[v];
        if (onPath[f] > 0) recursive[v] = 1;
        onPath[f]++;
        for (let c = firstChild[v]; c !== EMPTY; c = nextSibling[c]) stack[sp++] = c;
      } else {
        sp--;
        onPath[func[~v]]--;
      }
    }
  }
  return recursive;
}

function hash(parent: number, func: number): number {
  let h = Math.imul(parent + 1, 0x9e3779b1) ^ Math.imul(func + 0x632be5ab, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
