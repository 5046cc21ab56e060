// FROZEN COPY of src/profile/strings.ts as it was before the streaming reader (main 8b35e4a): the property tests' oracle
// for today's path (buffer the text, parse it, build the model). Do not edit; do not import from src.
// A profile's string table, whichever form the parser gave it: a JS array (JSON.parse) or ByteStrings (the byte
// parser's stringArray, decoded on demand). Readers ask for string i and get it, or undefined if there is none.
import { ByteStrings } from './jsonBytes';

export interface StringTable {
  readonly length: number;
  get(i: number): string | undefined;
}

const wrapped = new WeakMap<unknown[], StringTable>();

/** The string table `v` is, or undefined if it is none. The same table (object) for the same `v`. */
export function stringTableOf(v: unknown): StringTable | undefined {
  if (v instanceof ByteStrings) return v;
  if (!Array.isArray(v)) return undefined;
  let t = wrapped.get(v);
  if (!t) {
    const a = v;
    t = {
      length: a.length,
      get: (i) => {
        const s = a[i] as unknown;
        return typeof s === 'string' ? s : undefined;
      },
    };
    wrapped.set(v, t);
  }
  return t;
}
