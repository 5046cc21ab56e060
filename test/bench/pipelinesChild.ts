// Child process of the 10,000-pipelines figure: alternates, in one process, what the extension does when the
// Pipelines view opens on a server (PipelinesModel → FelderaClient.listPipelines, then every pipeline mapped to what
// its tree item shows, as PipelinesTreeProvider does, minus the vscode classes) with a bare node-fetch +
// JSON.parse of the same body. Prints one JSON line.
//   node out/test/bench/pipelinesChild.js <baseUrl> <iterations>
import fetch from 'node-fetch';
import { FelderaClient } from '../../src/feldera/client';
import type { PipelineInfo } from '../../src/feldera/types';
import { PipelinesModel } from '../../src/pipelines/pipelinesModel';
import { pipelineContextValue, pipelineTooltipMarkdown, presentStatus } from '../../src/pipelines/status';
import { reply } from './common';

export interface PipelinesChildResult {
  count: number;
  bodyBytes: number;
  /** Per measured iteration, ms. */
  extension: number[];
  bare: number[];
  /** The extension's parts: the model's refresh (list + config), sorting the names, mapping the items. */
  list: number[];
  sort: number[];
  map: number[];
  /** The map's parts, each timed in a pass of its own over the same pipelines (not part of the arm's time). */
  presentStatus: number[];
  tooltip: number[];
  contextValue: number[];
}

/** What PipelinesTreeProvider.pipelineItem puts on a TreeItem, as plain values. */
interface ItemShape {
  id: string;
  label: string;
  description: string;
  icon: string;
  color?: string;
  contextValue: string;
  accessibility: string;
}

interface Loaded {
  items: ItemShape[];
  infos: PipelineInfo[];
  list: number;
  sort: number;
  map: number;
}

async function extensionLoad(baseUrl: string): Promise<Loaded> {
  const t0 = performance.now();
  const client = new FelderaClient({ baseUrl });
  const model = new PipelinesModel(async () => client);
  model.setServers([{ name: 'bench', url: baseUrl }]);
  await model.refresh(baseUrl);
  const state = model.state(baseUrl);
  if (state.kind !== 'ok') throw new Error(`listing failed: ${JSON.stringify(state)}`);
  const t1 = performance.now();
  // PipelinesTreeProvider.serverChildren
  const names = [...state.pipelines.keys()].sort((a, b) => a.localeCompare(b));
  const t2 = performance.now();
  // PipelinesTreeProvider.pipelineItem, for every child VS Code asks for
  const items = names.map((name): ItemShape => {
    const info = model.pipeline(baseUrl, name) ?? { name };
    const hosts = model.hosts(baseUrl, name);
    const p = presentStatus(info);
    return {
      id: `pipeline:${baseUrl}:${name}`,
      label: name,
      description: p.description + (hosts !== undefined && hosts > 1 ? ` · ${hosts} hosts` : ''),
      icon: p.icon,
      color: p.color,
      // The tooltip is built on hover (PipelinesTreeProvider.resolveTreeItem), not here.
      contextValue: pipelineContextValue(info, hosts),
      accessibility: `${name}, ${p.description}`,
    };
  });
  const t3 = performance.now();
  const infos = names.map((name) => model.pipeline(baseUrl, name) ?? { name });
  return { items, infos, list: t1 - t0, sort: t2 - t1, map: t3 - t2 };
}

/** Times one status.ts function over every pipeline. */
function pass(infos: PipelineInfo[], f: (info: PipelineInfo) => unknown): number {
  const t0 = performance.now();
  let sink = 0;
  for (const info of infos) sink += f(info) === undefined ? 0 : 1;
  if (sink !== infos.length) throw new Error('a status function returned nothing');
  return performance.now() - t0;
}

async function bareLoad(baseUrl: string): Promise<{ pipelines: PipelineInfo[]; bytes: number }> {
  const res = await fetch(`${baseUrl}/v0/pipelines?selector=status`);
  const text = await res.text();
  return { pipelines: JSON.parse(text) as PipelineInfo[], bytes: Buffer.byteLength(text) };
}

async function main(): Promise<void> {
  const [baseUrl, n] = process.argv.slice(2);
  const iterations = Number(n) || 15;
  const warmup = 3;
  const out: PipelinesChildResult = {
    count: 0,
    bodyBytes: 0,
    extension: [],
    bare: [],
    list: [],
    sort: [],
    map: [],
    presentStatus: [],
    tooltip: [],
    contextValue: [],
  };
  for (let i = 0; i < warmup + iterations; i++) {
    // Alternate which goes first, so neither always runs right after the other's garbage.
    const order = i % 2 === 0 ? ['extension', 'bare'] : ['bare', 'extension'];
    for (const arm of order) {
      const t0 = performance.now();
      if (arm === 'extension') {
        const r = await extensionLoad(baseUrl);
        const took = performance.now() - t0;
        out.count = r.items.length;
        if (i >= warmup) {
          out.extension.push(took);
          out.list.push(r.list);
          out.sort.push(r.sort);
          out.map.push(r.map);
          out.presentStatus.push(pass(r.infos, (info) => presentStatus(info)));
          out.tooltip.push(pass(r.infos, (info) => pipelineTooltipMarkdown(info, undefined)));
          out.contextValue.push(pass(r.infos, (info) => pipelineContextValue(info, undefined)));
        }
      } else {
        const r = await bareLoad(baseUrl);
        const took = performance.now() - t0;
        out.bodyBytes = r.bytes;
        if (r.pipelines.length !== out.count && out.count !== 0) throw new Error('the two arms saw different lists');
        if (i >= warmup) out.bare.push(took);
      }
    }
  }
  reply(out);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
