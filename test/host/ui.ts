// Client of the UI driver (server: ./uiDriverServer.ts) for suites running inside the extension host: look at and
// poke the real workbench page through Playwright. Available only under runHeadless (env FELDERA_UI_DRIVER); in
// other hosts (`npm run test:desktop`) `ui.available()` is false and a test that needs the UI should `this.skip()`.
// Uses node's http rather than fetch so it works in any extension host.
//
// Selectors are Playwright selectors (CSS, `text=…`, `:has-text("…")`) evaluated in the workbench page;
// `frameText` / `frameClick` search the page's frames instead, for webviews (iframes inside iframes).
import * as http from 'http';
import * as path from 'path';

export interface WaitOptions {
  /** How long to wait for the element to appear; default 10 s. */
  timeoutMs?: number;
}

export interface TextOptions extends WaitOptions {
  /** Only elements containing this text. */
  hasText?: string;
}

export interface FrameTextOptions extends TextOptions {
  /**
   * Only frames whose URL, or an enclosing frame's URL, contains this: `extensionId=feldera-community.feldera-vscode`
   * matches the content of this extension's webviews (the outer webview frame's URL names the extension).
   */
  frameUrlContains?: string;
}

function driverUrl(): string | undefined {
  return process.env.FELDERA_UI_DRIVER || undefined;
}

function call<T>(endpoint: string, body: Record<string, unknown>): Promise<T> {
  const base = driverUrl();
  if (!base) {
    return Promise.reject(
      new Error(`ui.${endpoint}: no UI driver (FELDERA_UI_DRIVER is unset): run under runHeadless`),
    );
  }
  const data = JSON.stringify(body);
  const timeoutMs = (typeof body.timeoutMs === 'number' ? body.timeoutMs : 10_000) + 30_000;
  return new Promise<T>((resolve, reject) => {
    const req = http.request(
      `${base}/${endpoint}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            return reject(new Error(`ui.${endpoint}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`));
          }
          if (res.statusCode !== 200) return reject(new Error(`ui.${endpoint}(${describe(body)}): ${parsed.error}`));
          resolve(parsed as T);
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`ui.${endpoint}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

function describe(body: Record<string, unknown>): string {
  return Object.entries(body)
    .filter(([k]) => k !== 'timeoutMs')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

export const ui = {
  /** Whether this run has a UI driver (true under runHeadless). */
  available(): boolean {
    return driverUrl() !== undefined;
  },

  /** Saves a PNG of the page as `<test-artifacts>/<name>.png`; returns its path. */
  async screenshot(name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
    return (await call<{ path: string }>('screenshot', { name, ...opts })).path;
  },

  /** Resizes the browser's viewport; returns the size it had, to restore it. */
  async viewport(size: { width: number; height: number }): Promise<{ width: number; height: number } | null> {
    return (await call<{ before: { width: number; height: number } | null }>('viewport', size)).before;
  },

  /** innerText of the first visible element matching `selector`, waiting for it to appear. */
  async text(selector: string, opts: TextOptions = {}): Promise<string> {
    return (await call<{ text: string }>('text', { selector, ...opts })).text;
  },

  /** innerText of every element matching `selector`, once the first one is visible. */
  async texts(selector: string, opts: TextOptions = {}): Promise<string[]> {
    return (await call<{ texts: string[] }>('text', { selector, all: true, ...opts })).texts;
  },

  /** Waits until an element matching `selector` (containing `text`, if given) is in `state` (default visible). */
  async waitFor(
    selector: string,
    opts: WaitOptions & { text?: string; state?: 'visible' | 'hidden' | 'attached' | 'detached' } = {},
  ): Promise<string> {
    return (await call<{ text: string }>('waitFor', { selector, ...opts })).text;
  },

  /** Clicks the first element matching `selector`, waiting for it to be clickable. */
  async click(
    selector: string,
    opts: TextOptions & { button?: 'left' | 'right' | 'middle'; double?: boolean } = {},
  ): Promise<void> {
    await call('click', { selector, ...opts });
  },

  async hover(selector: string, opts: TextOptions = {}): Promise<void> {
    await call('hover', { selector, ...opts });
  },

  /** Presses a key or chord in the page, Playwright names: `Enter`, `Escape`, `Control+Shift+P`, `ArrowDown`. */
  async press(key: string): Promise<void> {
    await call('press', { key });
  },

  /** Sets the value of the first input matching `selector` at once, as a paste would. */
  async fill(selector: string, text: string, opts: WaitOptions = {}): Promise<void> {
    await call('fill', { selector, text, ...opts });
  },

  /** The current value of the first input matching `selector`. */
  async value(selector: string, opts: WaitOptions = {}): Promise<string> {
    return (await call<{ text: string }>('value', { selector, ...opts })).text;
  },

  /** What the quick input shows now (no waiting): whether it is visible, its text, its input's value, the active row. */
  async quickInput(): Promise<{ visible: boolean; text: string; value: string; focused: string }> {
    return call('quickInput', {});
  },

  /**
   * Picks `label` in the open quick pick as a hand does: types it, waits until the list's active row is that item
   * (the filter applies asynchronously: an Enter before it would take whatever row was active), then presses Enter.
   */
  async pickQuickItem(label: string, opts: WaitOptions = {}): Promise<void> {
    await call('type', { text: label });
    await call('waitFor', { selector: '.quick-input-list .monaco-list-row.focused', text: label, ...opts });
    await call('press', { key: 'Enter' });
  },

  /**
   * Enter in the open input box once it holds `value`, and waits until the box has moved on (hidden, or holding
   * another value: the next step's box). On a loaded machine an Enter can be lost while the box is being set up; the box still showing
   * the same value 3 s later gets Enter again, as a user would press it again (at most 3 times).
   */
  async submitInput(value: string): Promise<void> {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let before = await ui.quickInput();
    for (let end = Date.now() + 10_000; before.value !== value; before = await ui.quickInput()) {
      if (Date.now() > end)
        throw new Error(`ui.submitInput: the input box holds "${before.value}", not the value typed`);
      await sleep(50);
    }
    for (let attempt = 1; ; attempt++) {
      await call('press', { key: 'Enter' });
      for (let end = Date.now() + 3000; Date.now() < end;) {
        const now = await ui.quickInput();
        if (!now.visible || now.value !== before.value) return;
        await sleep(100);
      }
      if (attempt >= 3) throw new Error(`ui.submitInput: the input box kept "${value}" after ${attempt} Enters`);
    }
  },

  /** Types text into whatever has focus (a quick input, say). */
  async type(text: string): Promise<void> {
    await call('type', { text });
  },

  /** innerText of the first element matching `textSelector` in any frame (webviews), waiting for it to appear. */
  async frameText(textSelector: string, opts: FrameTextOptions = {}): Promise<string> {
    return (await call<{ text: string }>('frameText', { textSelector, ...opts })).text;
  },

  async frameTexts(textSelector: string, opts: FrameTextOptions = {}): Promise<string[]> {
    return (await call<{ texts: string[] }>('frameText', { textSelector, all: true, ...opts })).texts;
  },

  async frameClick(selector: string, opts: FrameTextOptions = {}): Promise<void> {
    await call('frameClick', { selector, ...opts });
  },

  /** Sets the value of an input inside a frame (a webview's filter box) at once; it gets an `input` event. */
  async frameFill(selector: string, text: string, opts: FrameTextOptions = {}): Promise<void> {
    await call('frameFill', { selector, text, ...opts });
  },

  /** Moves the mouse over an element inside a frame; `at` is a point from its top left (default: its centre). */
  async frameHover(selector: string, opts: FrameTextOptions & { at?: { x: number; y: number } } = {}): Promise<void> {
    const { at, ...rest } = opts;
    await call('frameHover', { selector, ...rest, ...(at ?? {}) });
  },

  /**
   * Drags the mouse over an element inside a frame (a canvas): press at `from`, `steps` moves to `to`, release.
   * Points are from the element's top left, in CSS px.
   */
  async frameDrag(
    selector: string,
    from: { x: number; y: number },
    to: { x: number; y: number },
    opts: FrameTextOptions & { steps?: number } = {},
  ): Promise<void> {
    await call('frameDrag', { selector, from, to, ...opts });
  },

  /** An attribute of an element inside a frame: its value, '' for a bare one (`disabled`), null when absent. */
  async frameAttr(selector: string, name: string, opts: FrameTextOptions = {}): Promise<string | null> {
    return (await call<{ value: string | null }>('frameAttr', { selector, name, ...opts })).value;
  },

  /** URLs of the page's frames, to find a webview's. */
  async frames(): Promise<{ url: string; name: string }[]> {
    return (await call<{ frames: { url: string; name: string }[] }>('frames', {})).frames;
  },

  /** Where screenshots and other test artifacts go (`<repo>/test-artifacts` unless the runner says otherwise). */
  artifactsDir(): string {
    return process.env.FELDERA_TEST_ARTIFACTS || path.resolve(__dirname, '..', '..', '..', 'test-artifacts');
  },
};
