// A Feldera stand-in for download measurements, run as a process of its own (as a real server is): the emulator
// answers every API call, except that the profile of one pipeline is served from a file, chunked and without
// Content-Length as Feldera sends it. Served live, the emulator's profile generator would be part of what is
// measured, not only the client.
//   node out/test/bench/downloadServer.js <profile.json.gz> [pipeline]
// Prints one JSON line {"url": "http://127.0.0.1:PORT"}; runs until its stdin closes or it gets SIGTERM.
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { pipeline } from 'stream/promises';
import { FelderaEmulator } from '../emulator/emulator';

const MiB = 1024 * 1024;

export interface DownloadServerInfo {
  url: string;
}

/** Serves `file` (chunked) as the ready profile of `name`; forwards everything else to `api`. */
function front(file: string, name: string, api: string): http.Server {
  const profilePath = `/v0/pipelines/${encodeURIComponent(name)}/samply_profile`;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    if (req.method === 'GET' && url.pathname === profilePath) {
      req.resume();
      res.writeHead(200, {
        'Content-Type': 'application/gzip',
        'Content-Disposition': 'attachment; filename="2026-01-01T00:00:00.000+00:00-samply_profile.json.gz"',
      });
      pipeline(fs.createReadStream(file, { highWaterMark: MiB }), res).catch(() => res.destroy());
      return;
    }
    const forward = http.request(`${api}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      pipeline(answer, res).catch(() => res.destroy());
    });
    forward.on('error', () => res.destroy());
    pipeline(req, forward).catch(() => forward.destroy());
  });
}

async function main(): Promise<void> {
  const [file, name = 'bench'] = process.argv.slice(2);
  if (!file || !fs.existsSync(file)) throw new Error(`usage: downloadServer.js <profile.json.gz> [pipeline]`);
  const emulator = new FelderaEmulator({ pipelines: [{ name, deploymentStatus: 'Running' }] });
  const api = await emulator.start();
  const server = front(file, name, api);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const info: DownloadServerInfo = { url: `http://127.0.0.1:${port}` };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const stop = () => {
    server.closeAllConnections();
    server.close();
    void emulator.stop().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  void main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
