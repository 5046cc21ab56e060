// The call-node table: every distinct root→leaf path of functions, shared by all threads.
// A node is (parent node, function); a hash table merges paths so that stacks which differ only in
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

export class CallNodeTable {
  private parent: Int32Array;
  private func: Int32Array;
  count = 0;
  /** Open addressing, 3 ints per slot (parent, func, id), so a probe touches one cache line. */
  private slots: Int32Array;
  private mask: number;

  /** `expected`: about how many nodes there will be (the stack count is an upper bound); saves rehashing. */
  constructor(expected = 0) {
    const nodes = Math.min(Math.max(4096, expected), 1 << 22);
    let size = 8192;
    while (size < nodes * 2) size *= 2;
    this.parent = new Int32Array(nodes);
    this.func = new Int32Array(nodes);
    this.slots = new Int32Array(3 * size).fill(EMPTY);
    this.mask = size - 1;
  }

  getOrAdd(parent: number, func: number): number {
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
    const id = this.count++;
    if (id >= this.parent.length) this.growNodes();
    this.parent[id] = parent;
    this.func[id] = func;
    const at = 3 * i;
    slots[at] = parent;
    slots[at + 1] = func;
    slots[at + 2] = id;
    if (this.count * 2 > mask) this.rehash();
    return id;
  }

  /** Trims the columns and works out the recursion flags; no node can be added afterwards. */
  freeze(funcCount: number): FrozenCallNodes {
    const n = this.count;
    const parent = this.parent.slice(0, n);
    const func = this.func.slice(0, n);
    this.slots = new Int32Array(0);
    return { count: n, parent, func, recursive: recursionFlags(parent, func, funcCount) };
  }

  private growNodes(): void {
    const size = this.parent.length * 2;
    const parent = new Int32Array(size);
    parent.set(this.parent);
    const func = new Int32Array(size);
    func.set(this.func);
    this.parent = parent;
    this.func = func;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const slots = new Int32Array(3 * size).fill(EMPTY);
    for (let id = 0; id < this.count; id++) {
      const p = this.parent[id];
      const f = this.func[id];
      let i = hash(p, f) & mask;
      while (slots[3 * i + 2] !== EMPTY) i = (i + 1) & mask;
      slots[3 * i] = p;
      slots[3 * i + 1] = f;
      slots[3 * i + 2] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** One depth-first walk with a count per function on the current path: O(nodes), whatever the depth. */
function recursionFlags(parent: Int32Array, func: Int32Array, funcCount: number): Uint8Array {
  const n = parent.length;
  const recursive = new Uint8Array(n);
  const firstChild = new Int32Array(n).fill(-1);
  const nextSibling = new Int32Array(n).fill(-1);
  for (let i = n - 1; i >= 0; i--) {
    const p = parent[i];
    if (p >= 0) {
      nextSibling[i] = firstChild[p];
      firstChild[p] = i;
    }
  }
  const onPath = new Int32Array(funcCount);
  // Entries >= 0 are nodes to enter; ~node marks leaving it.
  const stack = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (parent[root] >= 0) continue;
    let sp = 0;
    stack[sp++] = root;
    while (sp > 0) {
      const v = stack[sp - 1];
      if (v >= 0) {
        stack[sp - 1] = ~v;
        const f = func[v];
        if (onPath[f] > 0) recursive[v] = 1;
        onPath[f]++;
        for (let c = firstChild[v]; c >= 0; c = nextSibling[c]) stack[sp++] = c;
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
