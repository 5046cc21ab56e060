// The UI driver's server side: a small HTTP server on loopback, started by runHeadless, through which the suites
// running inside the extension host look at and poke the real workbench page with Playwright (client: ./ui.ts).
// Every endpoint is `POST /<name>` with a JSON body and answers JSON: 200 with the result, or 500 `{ error }`.
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { PwFrame, PwLocator, PwPage } from './playwright';

export interface UiDriverServer {
  url: string;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;
type Handler = (body: Body) => Promise<unknown>;

const DEFAULT_TIMEOUT_MS = 10_000;

function str(body: Body, key: string, required = true): string {
  const value = body[key];
  if (typeof value === 'string' && value !== '') return value;
  if (required) throw new Error(`"${key}" (a non-empty string) is required`);
  return '';
}

function timeoutOf(body: Body): number {
  const value = body.timeoutMs;
  return typeof value === 'number' && value >= 0 ? value : DEFAULT_TIMEOUT_MS;
}

/** The element(s) matching `selector`, narrowed to those containing `text` when given. */
function match(frame: PwFrame, selector: string, text: string): PwLocator {
  const locator = frame.locator(selector);
  return text ? locator.filter({ hasText: text }) : locator;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether the frame or one of its ancestors has `urlPart` in its URL: a webview's content is in an inner
 * `fake.html` frame, while its outer `index.html` frame's URL names the extension (`extensionId=publisher.name`).
 */
function inFrameWhoseUrlContains(frame: PwFrame, urlPart: string): boolean {
  for (let f: PwFrame | null = frame; f; f = f.parentFrame()) {
    if (f.url().includes(urlPart)) return true;
  }
  return false;
}

/**
 * Polls every frame of the page (webviews are iframes inside iframes) whose URL contains `urlPart` for an element
 * matching `selector` (and `text`), until one is found or `timeoutMs` has passed.
 */
async function findInFrames(
  page: PwPage,
  urlPart: string,
  selector: string,
  text: string,
  timeoutMs: number,
): Promise<{ frame: PwFrame; locator: PwLocator }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (urlPart && !inFrameWhoseUrlContains(frame, urlPart)) continue;
      const locator = match(frame, selector, text);
      try {
        if ((await locator.count()) > 0) return { frame, locator };
      } catch {
        // The frame went away while we looked (webviews are recreated): try the next one.
      }
    }
    if (Date.now() >= deadline) {
      const where = urlPart ? `frames whose URL contains "${urlPart}"` : 'any frame';
      throw new Error(`no element matching "${selector}"${text ? ` with text "${text}"` : ''} in ${where}`);
    }
    await sleep(200);
  }
}

/** `pageRef.page` is the workbench page once the browser has opened it; calls before that fail. */
export function startUiDriver(pageRef: { page?: PwPage }, artifactsDir: string): Promise<UiDriverServer> {
  const pageOf = (): PwPage => {
    if (!pageRef.page) throw new Error('the workbench page is not open yet');
    return pageRef.page;
  };
  /** The request's element in a webview frame: `selector` (or `textSelector`), `hasText`, `frameUrlContains`. */
  const inFrames = (body: Body, selectorKey = 'selector') =>
    findInFrames(
      pageOf(),
      str(body, 'frameUrlContains', false),
      str(body, selectorKey),
      str(body, 'hasText', false),
      timeoutOf(body),
    );

  const handlers: Record<string, Handler> = {
    async screenshot(body) {
      const name = str(body, 'name').replace(/[^\w.-]+/g, '_');
      fs.mkdirSync(artifactsDir, { recursive: true });
      const file = path.join(artifactsDir, name.endsWith('.png') ? name : `${name}.png`);
      await pageOf().screenshot({ path: file, fullPage: body.fullPage === true, timeout: timeoutOf(body) });
      return { path: file };
    },
    /** Resizes the browser's viewport (a taller window for a screenshot); answers the size it had before. */
    async viewport(body) {
      const page = pageOf();
      const before = page.viewportSize();
      if (typeof body.width !== 'number' || typeof body.height !== 'number')
        throw new Error('width and height are required');
      await page.setViewportSize({ width: body.width, height: body.height });
      return { before };
    },
    async text(body) {
      const locator = match(pageOf(), str(body, 'selector'), str(body, 'hasText', false));
      await locator.first().waitFor({ state: 'visible', timeout: timeoutOf(body) });
      if (body.all === true) return { texts: await locator.allInnerTexts() };
      return { text: await locator.first().innerText({ timeout: timeoutOf(body) }) };
    },
    async waitFor(body) {
      const state =
        typeof body.state === 'string' ? (body.state as 'visible' | 'hidden' | 'attached' | 'detached') : 'visible';
      const locator = match(pageOf(), str(body, 'selector'), str(body, 'text', false)).first();
      await locator.waitFor({ state, timeout: timeoutOf(body) });
      return { text: state === 'visible' ? await locator.innerText({ timeout: timeoutOf(body) }) : '' };
    },
    async click(body) {
      const locator = match(pageOf(), str(body, 'selector'), str(body, 'hasText', false)).first();
      const button = body.button === 'right' || body.button === 'middle' ? body.button : 'left';
      await locator.click({ timeout: timeoutOf(body), button, clickCount: body.double === true ? 2 : 1 });
      return { ok: true };
    },
    async hover(body) {
      await match(pageOf(), str(body, 'selector'), str(body, 'hasText', false))
        .first()
        .hover({ timeout: timeoutOf(body) });
      return { ok: true };
    },
    /** What the quick input shows right now, without waiting: visible or not, its text and its input's value. */
    async quickInput() {
      const widget = pageOf().locator('.quick-input-widget').first();
      const visible = (await widget.count()) > 0 && (await widget.isVisible());
      if (!visible) return { visible, text: '', value: '', focused: '' };
      const focusedRow = pageOf().locator('.quick-input-list .monaco-list-row.focused').first();
      return {
        visible,
        text: await widget.innerText({ timeout: 2000 }),
        value: await pageOf().locator('.quick-input-widget input').first().inputValue({ timeout: 2000 }),
        focused: (await focusedRow.count()) > 0 ? await focusedRow.innerText({ timeout: 2000 }) : '',
      };
    },
    async press(body) {
      await pageOf().keyboard.press(str(body, 'key'));
      return { ok: true };
    },
    async type(body) {
      await pageOf().keyboard.type(str(body, 'text'));
      return { ok: true };
    },
    async value(body) {
      return {
        text: await match(pageOf(), str(body, 'selector'), '')
          .first()
          .inputValue({ timeout: timeoutOf(body) }),
      };
    },
    /** Sets an input's whole value at once (typing key by key races inputs that complete as you type). */
    async fill(body) {
      await match(pageOf(), str(body, 'selector'), '')
        .first()
        .fill(str(body, 'text'), { timeout: timeoutOf(body) });
      return { ok: true };
    },
    async frameText(body) {
      const { frame, locator } = await inFrames(body, 'textSelector');
      if (body.all === true) {
        // Rows are read as a user sees them (a table row's cells come tab-separated only once it is laid out): wait
        // until the first one is shown, not merely in the page (a webview just opened may not be displayed yet).
        await locator.first().waitFor({ state: 'visible', timeout: timeoutOf(body) });
        return { texts: await locator.allInnerTexts(), frameUrl: frame.url() };
      }
      return { text: await locator.first().innerText({ timeout: timeoutOf(body) }), frameUrl: frame.url() };
    },
    async frameClick(body) {
      const { frame, locator } = await inFrames(body);
      await locator.first().click({ timeout: timeoutOf(body) });
      return { ok: true, frameUrl: frame.url() };
    },
    /** Sets an input's value inside a frame at once (fires `input`, as typing would). */
    async frameFill(body) {
      const { frame, locator } = await inFrames(body);
      await locator.first().fill(str(body, 'text'), { timeout: timeoutOf(body) });
      return { ok: true, frameUrl: frame.url() };
    },
    /** Moves the mouse over an element inside a frame, at `x`,`y` from its top left when given (a canvas). */
    async frameHover(body) {
      const { frame, locator } = await inFrames(body);
      const position = typeof body.x === 'number' && typeof body.y === 'number' ? { x: body.x, y: body.y } : undefined;
      await locator.first().hover({ timeout: timeoutOf(body), position });
      return { ok: true, frameUrl: frame.url() };
    },
    /**
     * Drags with the mouse over an element inside a frame: presses at `from`, moves to `to` in `steps` pointer moves,
     * releases (points from the element's top left, CSS px), as a hand would.
     */
    async frameDrag(body) {
      const { frame, locator } = await inFrames(body);
      const point = (key: string) => {
        const p = body[key] as { x?: unknown; y?: unknown } | undefined;
        if (typeof p?.x !== 'number' || typeof p?.y !== 'number') throw new Error(`"${key}" ({ x, y }) is required`);
        return { x: p.x, y: p.y };
      };
      const from = point('from');
      const to = point('to');
      const box = await locator.first().boundingBox({ timeout: timeoutOf(body) });
      if (!box) throw new Error(`"${str(body, 'selector')}" is not visible`);
      const { mouse } = pageOf();
      await mouse.move(box.x + from.x, box.y + from.y);
      await mouse.down();
      await mouse.move(box.x + to.x, box.y + to.y, { steps: typeof body.steps === 'number' ? body.steps : 12 });
      await mouse.up();
      return { ok: true, frameUrl: frame.url() };
    },
    /** An attribute of the first matching element inside a frame (null when it has none). */
    async frameAttr(body) {
      const { frame, locator } = await inFrames(body);
      return {
        value: await locator.first().getAttribute(str(body, 'name'), { timeout: timeoutOf(body) }),
        frameUrl: frame.url(),
      };
    },
    async frames() {
      return {
        frames: pageOf()
          .frames()
          .map((f) => ({ url: f.url(), name: f.name() })),
      };
    },
  };

  const server = http.createServer((req, res) => {
    const reply = (status: number, value: unknown) => {
      const data = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
      res.end(data);
    };
    const name = (req.url ?? '').replace(/^\//, '').replace(/\?.*$/, '');
    if (req.method === 'GET' && name === 'health') return reply(200, { ok: true });
    const handler = Object.prototype.hasOwnProperty.call(handlers, name) ? handlers[name] : undefined;
    if (req.method !== 'POST' || !handler) return reply(404, { error: `unknown endpoint ${req.method} /${name}` });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Body;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text ? (JSON.parse(text) as Body) : {};
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      handler(body).then(
        (result) => reply(200, result),
        (err: unknown) => reply(500, { error: err instanceof Error ? err.message.split('\n')[0] : String(err) }),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
