// 10,000 pipelines: list + map to tree items vs a bare fetch + JSON.parse of the same body. The body comes from the
// emulator (10,000 pipelines in every status) and is then served as fixed bytes, so that neither arm pays for the
// emulator building it.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { FelderaEmulator, type PipelineSpec, rawRequest } from '../emulator/emulator';
import { type Figure, kb, list, median, ms, runNodeChild } from './common';
import type { PipelinesChildResult } from './pipelinesChild';

const COUNT = 10_000;
const ITERATIONS = 15;

function specs(): PipelineSpec[] {
  const statuses = ['Running', 'Running', 'Running', 'Paused', 'Stopped', 'Provisioning', 'Unavailable', 'Suspended'];
  return Array.from({ length: COUNT }, (_, i): PipelineSpec => {
    const spec: PipelineSpec = {
      name: `pipeline-${String(i).padStart(5, '0')}`,
      deploymentStatus: statuses[i % statuses.length],
      description: `Pipeline number ${i}: joins orders with customers (${i % 3 === 0 ? 'nightly' : 'live'})`,
    };
    if (i % 50 === 1) spec.programStatus = 'SqlError';
    if (i % 50 === 2) {
      spec.deploymentStatus = 'Stopped';
      spec.programStatus = 'CompilingRust';
    }
    if (i % 97 === 3) {
      spec.deploymentStatus = 'Stopped';
      spec.deploymentError = { message: 'The pipeline ran out of memory', error_code: 'PipelineOutOfMemory' };
    }
    return spec;
  });
}

async function captureBodies(): Promise<Record<string, Buffer>> {
  const emu = new FelderaEmulator({ pipelines: specs() });
  const url = await emu.start();
  try {
    const list = await rawRequest(`${url}/v0/pipelines?selector=status`);
    const config = await rawRequest(`${url}/v0/config`);
    if (list.status !== 200 || config.status !== 200) throw new Error('the emulator did not answer the listing');
    return { '/v0/pipelines': list.body, '/v0/config': config.body };
  } finally {
    await emu.stop();
  }
}

function serve(bodies: Record<string, Buffer>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = bodies[(req.url ?? '').split('?')[0]];
    req.resume();
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}

export async function pipelinesFigure(): Promise<Figure> {
  const server = await serve(await captureBodies());
  let r: PipelinesChildResult;
  try {
    r = (await runNodeChild<PipelinesChildResult>('pipelinesChild', [server.url, String(ITERATIONS)])).result;
  } finally {
    await server.close();
  }
  if (r.count !== COUNT) throw new Error(`the extension arm mapped ${r.count} pipelines, not ${COUNT}`);
  const ext = median(r.extension);
  const bare = median(r.bare);
  const ratio = ext / bare;
  const lazy = median(r.extension.map((x, i) => x - r.tooltip[i]));
  return {
    figure: '10,000 pipelines',
    measured: `list + map ${ms(ext, 1)}`,
    baseline: `fetch + JSON.parse ${ms(bare, 1)}`,
    ratio,
    target: '≤ 1.5×',
    met: ratio <= 1.5,
    notes: [
      `The emulator's selector=status listing of ${COUNT} pipelines in every status (${kb(r.bodyBytes)}), served ` +
        'as fixed bytes on loopback. Extension arm: a new PipelinesModel + FelderaClient refreshes the server ' +
        '(GET /v0/pipelines?selector=status, plus /v0/config the first time, as when the view opens), then every ' +
        'pipeline is mapped as PipelinesTreeProvider does (names sorted with localeCompare; presentStatus, ' +
        'tooltip markdown, contextValue), minus the vscode classes. Bare arm: node-fetch + res.text() + ' +
        `JSON.parse. ${ITERATIONS} alternating iterations in one child process after 3 warm-up ones; medians.`,
      `Extension arm, medians: model refresh ${ms(median(r.list), 1)}, sort ${ms(median(r.sort), 1)}, map ${ms(
        median(r.map),
        1,
      )}; the map's parts, each timed alone over the same ${COUNT} pipelines: presentStatus ${ms(
        median(r.presentStatus),
        1,
      )}, pipelineTooltipMarkdown ${ms(median(r.tooltip), 1)}, pipelineContextValue ${ms(
        median(r.contextValue),
        1,
      )}. Building tooltips on hover (TreeDataProvider.resolveTreeItem) instead would bring the arm to about ` +
        `${ms(lazy, 1)} = ${(lazy / bare).toFixed(2)}× (arm time − tooltip pass, per iteration). All iterations (ms): extension ${list(r.extension, (x) => x.toFixed(0))}; bare ${list(
          r.bare,
          (x) => x.toFixed(0),
        )}.`,
    ],
  };
}
