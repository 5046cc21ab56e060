// The tree's model over its lifetime, against the emulator and a server that never answers (real sockets on
// loopback): each server on its own, a bound on every refresh, the version kept fresh, removed servers forgotten,
// and dispose() leaving no request behind.
import assert from 'assert';
import * as net from 'net';
import { FelderaClient } from '../../../src/feldera/client';
import { DEFAULT_VERSION_EVERY, PipelinesModel, type ModelChange } from '../../../src/pipelines/pipelinesModel';
import { FelderaEmulator } from '../../emulator/emulator';

/** Accepts connections and never answers; counts them and sees them closed. */
class HungServer {
  readonly sockets = new Set<net.Socket>();
  accepted = 0;
  closed = 0;
  private readonly server = net.createServer((s) => {
    this.accepted++;
    this.sockets.add(s);
    s.on('close', () => {
      this.closed++;
      this.sockets.delete(s);
    });
    s.resume();
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PipelinesModel lifetime (emulator and a hung server)', () => {
  let emu: FelderaEmulator;
  let hung: HungServer;
  let url: string;
  let hungUrl: string;
  let model: PipelinesModel;
  let changes: ModelChange[];
  const unexpected: unknown[] = [];

  /** The client as the extension builds it, but with the default (long) timeouts: the model must bound them. */
  const make = (opts: ConstructorParameters<typeof PipelinesModel>[1] = {}) => {
    model = new PipelinesModel(async (s) => new FelderaClient({ baseUrl: s.url }), {
      onUnexpectedError: (e) => unexpected.push(e),
      ...opts,
    });
    changes = [];
    model.onDidChange((c) => changes.push(c));
    return model;
  };

  beforeEach(async () => {
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'orders', deploymentStatus: 'Running' },
        { name: 'fraud', hosts: 3 },
      ],
    });
    url = await emu.start();
    hung = new HungServer();
    hungUrl = await hung.start();
    unexpected.length = 0;
  });
  afterEach(async () => {
    model.dispose();
    await emu.stop();
    await hung.stop();
    assert.deepStrictEqual(unexpected, [], 'a refresh failed unexpectedly');
  });

  it('loads each server on its own: the healthy one is listed while the hung one is still waiting', async () => {
    make({ refreshTimeoutMs: 60_000 });
    model.setServers([
      { name: 'hung', url: hungUrl },
      { name: 'local', url },
    ]);
    const all = model.refresh();
    await model.refresh(url);
    assert.strictEqual(model.state(url).kind, 'ok');
    assert.strictEqual(model.state(hungUrl).kind, 'idle');
    assert.ok(model.isLoading(hungUrl), 'the hung server is no longer loading');
    assert.ok(!model.isLoading(url));
    assert.deepStrictEqual(changes, [{ serverUrl: url, server: true, pipelines: [] }], 'the first load is a change');
    model.setServers([{ name: 'local', url }]);
    await all;
  });

  it('bounds a refresh of a server that never answers: it ends as a timeout error, reported as a change', async () => {
    make({ refreshTimeoutMs: 300 });
    model.setServers([{ name: 'hung', url: hungUrl }]);
    await model.refresh();
    const s = model.state(hungUrl);
    assert.strictEqual(s.kind, 'error');
    assert.deepStrictEqual(s.kind === 'error' && s.error, { kind: 'timeout', message: 'no answer within 0.3 s' });
    assert.deepStrictEqual(changes, [{ serverUrl: hungUrl, server: true, pipelines: [] }]);
    await until('the hung request to be closed', () => hung.accepted > 0 && hung.closed === hung.accepted);
  });

  it(`reads the version again every ${DEFAULT_VERSION_EVERY} listings, and when the server comes back after an error`, async () => {
    make();
    model.setServers([{ name: 'local', url }]);
    await model.refresh();
    const first = model.serverVersion(url)?.version;
    assert.ok(first);
    emu.setOption('version', '9.9.9');
    changes.length = 0;
    const configs = () => emu.requests.filter((r) => r.path === '/v0/config').length;
    for (let i = 1; i < DEFAULT_VERSION_EVERY; i++) await model.refresh();
    assert.strictEqual(configs(), 1, 'read the version more often than every N listings');
    assert.strictEqual(model.serverVersion(url)?.version, first);
    await model.refresh();
    assert.strictEqual(configs(), 2);
    assert.strictEqual(model.serverVersion(url)?.version, '9.9.9');
    assert.deepStrictEqual(
      changes,
      [{ serverUrl: url, server: true, pipelines: [] }],
      'a new version redraws the server',
    );

    // Down and back up (an upgrade, usually): read at once on return.
    emu.faults.unauthorized = true;
    await model.refresh();
    assert.strictEqual(model.state(url).kind, 'error');
    emu.faults.unauthorized = false;
    emu.setOption('version', '10.0.0');
    await model.refresh();
    assert.strictEqual(model.serverVersion(url)?.version, '10.0.0');
  });

  it('forgets a removed server: state, version and host counts, and aborts its refresh', async () => {
    make({ refreshTimeoutMs: 60_000 });
    model.setServers([
      { name: 'local', url },
      { name: 'hung', url: hungUrl },
    ]);
    await model.refresh(url);
    assert.deepStrictEqual(await model.loadHosts(url, 'fraud'), { ok: true, hosts: 3 });
    const pending = model.refresh(hungUrl);
    await until('the hung server to be asked', () => hung.accepted === 1);

    model.setServers([]);
    await pending;
    await until('the hung request to be closed', () => hung.closed === 1);
    for (const u of [url, hungUrl]) {
      assert.strictEqual(model.state(u).kind, 'idle');
      assert.strictEqual(model.serverVersion(u), undefined);
      assert.ok(!model.isLoading(u));
    }
    assert.strictEqual(model.hosts(url, 'fraud'), undefined, 'the host count outlived its server');

    // Added again: loads afresh, version included.
    const configs = emu.requests.filter((r) => r.path === '/v0/config').length;
    model.setServers([{ name: 'local', url }]);
    await model.refresh();
    assert.strictEqual(emu.requests.filter((r) => r.path === '/v0/config').length, configs + 1);
    assert.strictEqual(model.state(hungUrl).kind, 'idle', 'the aborted refresh left a state behind');
  });

  it('dispose() aborts every request, and nothing is requested or reported after it', async () => {
    make({ refreshTimeoutMs: 60_000 });
    model.setServers([
      { name: 'local', url },
      { name: 'hung', url: hungUrl },
    ]);
    await model.refresh(url);
    const pending = model.refresh(hungUrl);
    const hosts = model.loadHosts(hungUrl, 'p');
    await until('both hung requests to be open', () => hung.accepted === 2);
    changes.length = 0;
    model.dispose();
    await pending;
    assert.deepStrictEqual(await hosts, { ok: false, error: { kind: 'cancelled' } });
    await until('the hung requests to be closed', () => hung.closed === 2);
    const at = emu.requests.length;
    await model.refresh();
    await model.ensureLoaded(url);
    assert.strictEqual(emu.requests.length, at, 'a request after dispose');
    assert.deepStrictEqual(changes, [], 'a change reported after dispose');
  });

  it('reports a host count only when it changes what the tree shows (more than one host)', async () => {
    make();
    model.setServers([{ name: 'local', url }]);
    await model.refresh();
    changes.length = 0;
    assert.deepStrictEqual(await model.loadHosts(url, 'orders'), { ok: true, hosts: 1 });
    assert.deepStrictEqual(changes, [], 'a single-host pipeline looks the same: no redraw');
    assert.deepStrictEqual(await model.loadHosts(url, 'fraud'), { ok: true, hosts: 3 });
    assert.deepStrictEqual(changes, [{ serverUrl: url, server: false, pipelines: ['fraud'] }]);
  });
});
