// node-fetch v2 imports `whatwg-url` only for a URL class; Node's own URL is the same thing. Aliasing it here keeps
// `tr46`'s 260 KB of Unicode tables out of the bundle.
export const URL = globalThis.URL;
