// The part of playwright-core's API the host-test runner uses, typed here so that the root project type-checks
// without the harness (test/harness) installed; the module itself is loaded at run time from the harness.

export interface PwLocator {
  first(): PwLocator;
  nth(index: number): PwLocator;
  filter(options: { hasText?: string | RegExp }): PwLocator;
  count(): Promise<number>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  click(options?: { timeout?: number; button?: 'left' | 'right' | 'middle'; clickCount?: number }): Promise<void>;
  hover(options?: { timeout?: number; position?: { x: number; y: number } }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  isVisible(): Promise<boolean>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  /** The element's box in the page's viewport (CSS px), null when it is not visible. */
  boundingBox(options?: { timeout?: number }): Promise<{ x: number; y: number; width: number; height: number } | null>;
}

export interface PwFrame {
  url(): string;
  name(): string;
  locator(selector: string): PwLocator;
  childFrames(): PwFrame[];
  parentFrame(): PwFrame | null;
}

export interface PwJSHandle {
  jsonValue(): Promise<unknown>;
}

export interface PwConsoleMessage {
  type(): string;
  text(): string;
  args(): PwJSHandle[];
}

export interface PwPage extends PwFrame {
  frames(): PwFrame[];
  mainFrame(): PwFrame;
  goto(
    url: string,
    options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'commit' },
  ): Promise<unknown>;
  reload(options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'commit' }): Promise<unknown>;
  exposeFunction(name: string, callback: (...args: never[]) => unknown): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean; timeout?: number }): Promise<Buffer>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  viewportSize(): { width: number; height: number } | null;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  mouse: {
    move(x: number, y: number, options?: { steps?: number }): Promise<void>;
    down(): Promise<void>;
    up(): Promise<void>;
  };
  on(event: 'console', listener: (message: PwConsoleMessage) => void): void;
  on(event: 'pageerror', listener: (error: Error) => void): void;
  on(event: 'crash' | 'close', listener: () => void): void;
}

export interface PwBrowser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<PwPage>;
  close(): Promise<void>;
}

export interface PwChromium {
  launch(options: {
    executablePath: string;
    headless: boolean;
    args: string[];
    timeout?: number;
    handleSIGINT?: boolean;
    handleSIGTERM?: boolean;
    handleSIGHUP?: boolean;
  }): Promise<PwBrowser>;
}
