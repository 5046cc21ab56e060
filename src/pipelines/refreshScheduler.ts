// Auto-refresh while the view is visible: chained timeouts (never two refreshes at once), stopped while hidden.
// No vscode import: the tree wires visibility in, tests drive it directly.
export class RefreshScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;
  private lastRun = 0;
  private disposed = false;

  constructor(
    private readonly refresh: () => Promise<void>,
    /** Seconds between refreshes; 0 turns auto-refresh off. Read at every scheduling. */
    private readonly intervalSeconds: () => number,
    /** A refresh that threw or rejected: reported here (the next one is still scheduled), never left unhandled. */
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) this.schedule(true);
    else this.clear();
  }

  /** Call after a manual refresh or a settings change so the next automatic one is a full interval away. */
  noteRefreshed(): void {
    this.lastRun = Date.now();
    if (this.visible) this.schedule(false);
  }

  reschedule(): void {
    if (this.visible) this.schedule(false);
  }

  private schedule(becameVisible: boolean): void {
    this.clear();
    const interval = this.intervalSeconds() * 1000;
    if (this.disposed || !(interval > 0)) return;
    const due = becameVisible ? Math.max(0, this.lastRun + interval - Date.now()) : interval;
    this.timer = setTimeout(() => void this.tick().catch((e: unknown) => this.report(e)), due);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (!this.visible || this.disposed) return;
    try {
      await this.refresh();
    } catch (e) {
      this.report(e);
    } finally {
      this.lastRun = Date.now();
      if (this.visible && !this.disposed && this.timer === undefined) this.schedule(false);
    }
  }

  private report(e: unknown): void {
    try {
      this.onError(e);
    } catch {
      // The reporter's own failure must not stop the refreshes.
    }
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }
}
