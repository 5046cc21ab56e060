// The tree's model against the emulator over real HTTP: what it fetches, when, and what it reports as changed.
import assert from 'assert';
import { FelderaClient } from '../../../src/feldera/client';
import { PipelinesModel, type ModelChange } from '../../../src/pipelines/pipelinesModel';
import { FelderaEmulator } from '../../emulator/emulator';

describe('PipelinesModel (against the emulator)', () => {
  let emu: FelderaEmulator;
  let url: string;
  let model: PipelinesModel;
  let changes: ModelChange[];

  beforeEach(async () => {
    emu = new FelderaEmulator({
      pipelines: [
        { name: 'orders', deploymentStatus: 'Running' },
        { name: 'fraud', deploymentStatus: 'Running', hosts: 3, workers: 8 },
        { name: 'archive', deploymentStatus: 'Stopped', desiredStatus: 'Stopped' },
      ],
    });
    url = await emu.start();
    model = new PipelinesModel(async (s) => new FelderaClient({ baseUrl: s.url, retry: { deadlineMs: 500 } }));
    model.setServers([{ name: 'local', url }]);
    changes = [];
    model.onDidChange((c) => changes.push(c));
  });
  afterEach(() => emu.stop());

  it('lists pipelines with selector=status only (never program code) and reads the server version once', async () => {
    await model.refresh();
    await model.refresh();
    const state = model.state(url);
    assert.strictEqual(state.kind, 'ok');
    assert.deepStrictEqual([...(state.kind === 'ok' ? state.pipelines.keys() : [])].sort(), [
      'archive',
      'fraud',
      'orders',
    ]);
    const lists = emu.requests.filter((r) => r.path === '/v0/pipelines');
    assert.strictEqual(lists.length, 2);
    assert.ok(lists.every((r) => r.query.selector === 'status'));
    assert.strictEqual(emu.requests.filter((r) => r.path === '/v0/config').length, 1);
    assert.ok(model.serverVersion(url)?.version);
    const info = model.pipeline(url, 'fraud');
    assert.strictEqual(info?.runtime_config, undefined, 'status selector carries no runtime_config');
    assert.strictEqual(info?.program_code, undefined);
  });

  it('merges a refresh asked for while one runs: one request', async () => {
    emu.faults.delayMs = 200;
    await Promise.all([model.refresh(), model.refresh(), model.refresh(url)]);
    assert.strictEqual(emu.requests.filter((r) => r.path === '/v0/pipelines').length, 1);
  });

  it('reports only the pipelines whose status changed', async () => {
    await model.refresh();
    changes.length = 0;
    await model.refresh();
    assert.deepStrictEqual(changes, [], 'nothing changed, no event');
    emu.updatePipeline('archive', { deploymentStatus: 'Running', desiredStatus: 'Running' });
    await model.refresh();
    assert.deepStrictEqual(changes, [{ serverUrl: url, server: false, pipelines: ['archive'] }]);
    emu.removePipeline('orders');
    await model.refresh();
    assert.strictEqual((changes as ModelChange[])[1]?.server, true, 'a removed pipeline changes the server item');
  });

  it('fetches host counts only when asked, with selector=all, and caches them per pipeline version', async () => {
    await model.refresh();
    assert.strictEqual(model.hosts(url, 'fraud'), undefined);
    assert.strictEqual(emu.requests.filter((r) => r.path === '/v0/pipelines/fraud').length, 0);
    const r = await model.loadHosts(url, 'fraud');
    assert.deepStrictEqual(r, { ok: true, hosts: 3 });
    await model.loadHosts(url, 'fraud');
    const gets = emu.requests.filter((x) => x.path === '/v0/pipelines/fraud');
    assert.strictEqual(gets.length, 1, 'second call uses the cache');
    assert.strictEqual(gets[0].query.selector, 'all');
    emu.updatePipeline('fraud', { hosts: 2 });
    await model.refresh();
    assert.strictEqual(model.hosts(url, 'fraud'), undefined, 'a new pipeline version invalidates the cached count');
    assert.deepStrictEqual(await model.loadHosts(url, 'fraud'), { ok: true, hosts: 2 });
  });

  it('keeps an unreachable server as an error state instead of throwing', async () => {
    await emu.stop();
    await model.refresh();
    const s = model.state(url);
    assert.strictEqual(s.kind, 'error');
    assert.strictEqual(s.kind === 'error' && s.error.kind, 'network');
  });
});
