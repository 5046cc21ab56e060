// The emulator's SQL context: program_code, dataflow_graph and circuit_json_profile of its default program agree with
// each other (every operator's persistent id finds its MIR node, positions fall in the SQL), for both sources.
import * as assert from 'assert';
import { FelderaClient } from '../../../src/feldera/client';
import { buildSqlJoin } from '../../../src/sql/join';
import { readMir } from '../../../src/sql/mir';
import { FelderaEmulator } from '../../emulator/emulator';
import { BUILTIN_OPERATORS, fixtureSqlContext, fixturesDir } from '../../emulator/sqlContext';

for (const source of ['fixtures', 'builtin'] as const) {
  describe(`emulator SQL context (${source})`, function () {
    this.timeout(20000);
    let emu: FelderaEmulator;
    let client: FelderaClient;

    before(async function () {
      if (source === 'fixtures' && !fixtureSqlContext()) {
        console.log(`      skipped: Feldera's fixtures not found (looked in ${fixturesDir()})`);
        this.skip();
      }
      emu = new FelderaEmulator({ pipelines: [{ name: 'p', workers: 3 }], sqlContext: source });
      client = new FelderaClient({ baseUrl: await emu.start() });
    });
    after(() => emu?.stop());

    it('serves the program, its graph and its circuit, consistent with one another', async () => {
      assert.strictEqual(emu.sqlContext().source, source);
      const [p, g, c] = await Promise.all([
        client.getPipeline('p', 'all'),
        client.dataflowGraph('p'),
        client.circuitJsonProfile('p'),
      ]);
      assert.ok(p.ok && g.ok && c.ok);
      const code = p.value.program_code as string;
      const join = buildSqlJoin({ code, mir: readMir(g.value.mir).nodes, nodes: c.value.persistentIds });
      assert.strictEqual(c.value.workers, 3);
      assert.ok(join.stats.operatorsWithPersistentId > 0);
      assert.strictEqual(join.stats.operatorsWithMirNode, join.stats.operatorsWithPersistentId);
      // The fixtures' one outside position is Feldera's own error_view; the built-in program has none.
      assert.strictEqual(join.stats.ignoredPositions, source === 'fixtures' ? 1 : 0);
      if (source === 'fixtures') {
        assert.strictEqual(code.split('\n').length, 35);
        assert.strictEqual(join.stats.operatorsWithPosition, 23);
      } else {
        assert.strictEqual(c.value.persistentIds.size, BUILTIN_OPERATORS.filter(([, , ref]) => ref).length);
        assert.strictEqual(join.operator('nn6').relation, 'revenue_by_region');
        assert.strictEqual(join.operator('nn6').statement?.keyword, 'CREATE MATERIALIZED VIEW');
        assert.strictEqual(join.operator('nn1').relation, 'orders');
        assert.strictEqual(join.operator('nn4').relationRule, 'downstream');
        assert.strictEqual(join.operator('nn8_n0').noPosition, 'no-persistent-id');
      }
    });
  });
}
