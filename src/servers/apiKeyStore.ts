// API keys in SecretStorage, one entry per server origin. FELDERA_API_KEY is used (never stored) for the
// FELDERA_HOST server while no key is saved for it.
import vscode = require('vscode');

const PREFIX = 'feldera.apiKey:';

export class ApiKeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the origin whose key changed, in this window or another one. */
  readonly onDidChange = this.changed.event;
  /** Keys seen in this session, so the log can redact them even if one slips into a message. */
  private readonly seen = new Set<string>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly envKey?: { origin: string; key: string },
  ) {
    if (envKey) this.seen.add(envKey.key);
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith(PREFIX)) this.changed.fire(e.key.slice(PREFIX.length));
    });
  }

  async get(origin: string): Promise<string | undefined> {
    const stored = await this.secrets.get(PREFIX + origin);
    const key = stored ?? (this.envKey?.origin === origin ? this.envKey.key : undefined);
    if (key) this.seen.add(key);
    return key;
  }

  /** True when the key comes from the environment rather than SecretStorage. */
  async isFromEnvironment(origin: string): Promise<boolean> {
    return !(await this.secrets.get(PREFIX + origin)) && this.envKey?.origin === origin;
  }

  async hasStored(origin: string): Promise<boolean> {
    return (await this.secrets.get(PREFIX + origin)) !== undefined;
  }

  async set(origin: string, key: string): Promise<void> {
    this.seen.add(key);
    await this.secrets.store(PREFIX + origin, key);
  }

  async delete(origin: string): Promise<void> {
    await this.secrets.delete(PREFIX + origin);
  }

  knownKeys(): Iterable<string> {
    return this.seen;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
