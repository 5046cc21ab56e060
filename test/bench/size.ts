// Size: the production bundle (`node esbuild.js --production`) and the .vsix `vsce package` makes of it, with the
// files the .vsix holds. Leaves dist/ as a production build: the caller rebuilds it for development when done.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type Figure, kb, ROOT } from './common';

/** Async on purpose: the polling figure runs in this process meanwhile and its timers must not wait. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

interface ZipEntry {
  name: string;
  size: number;
  compressed: number;
}

/** The entries of a zip's central directory (enough for a .vsix: no zip64). */
function zipEntries(file: string): ZipEntry[] {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_558); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count && buf.readUInt32LE(at) === 0x02014b50; n++) {
    const nameLength = buf.readUInt16LE(at + 28);
    entries.push({
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
      compressed: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
    });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

export async function sizeFigures(): Promise<Figure[]> {
  await run(process.execPath, ['esbuild.js', '--production']);
  const bundle = fs.statSync(path.join(ROOT, 'dist', 'extension.js')).size;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-bench-vsix-'));
  const vsix = path.join(dir, 'feldera-vscode.vsix');
  let vsixBytes: number;
  let entries: ZipEntry[];
  let packagingProblem: string | undefined;
  try {
    // vsce runs the vscode:prepublish script (the same production build) first.
    const vsce = path.join(ROOT, 'node_modules', '.bin', 'vsce');
    const args = ['package', '--no-dependencies', '--out', vsix];
    try {
      await run(vsce, args);
    } catch (e) {
      // vsce refuses relative README links it cannot make absolute (no GitHub repository): size it anyway.
      const message = e instanceof Error ? e.message : String(e);
      if (!/baseContentUrl|baseImagesUrl/.test(message)) throw e;
      packagingProblem =
        message
          .split('\n')
          .find((l) => /ERROR/.test(l))
          ?.trim() ?? message;
      const base = 'https://example.invalid/';
      await run(vsce, [...args, '--baseContentUrl', base, '--baseImagesUrl', base]);
    }
    vsixBytes = fs.statSync(vsix).size;
    entries = zipEntries(vsix);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const files = entries
    .filter((e) => e.name.startsWith('extension/'))
    .map((e) => `${e.name.slice('extension/'.length)} ${kb(e.size)} (${kb(e.compressed)} zipped)`);
  const maps = entries.filter((e) => e.name.endsWith('.map'));
  return [
    {
      figure: 'size: dist/extension.js',
      measured: kb(bundle),
      baseline: '—',
      target: '≤ 150 KB',
      met: bundle <= 150_000,
      notes: ['`node esbuild.js --production` (minified, no source map); KB = 1000 bytes.'],
    },
    {
      figure: 'size: .vsix',
      measured: kb(vsixBytes),
      baseline: '—',
      target: '≤ 200 KB',
      met: vsixBytes <= 200_000,
      notes: [
        `\`vsce package --no-dependencies\` of the tree as it is. It holds: ${files.join('; ')}.` +
          (maps.length
            ? ` It ships ${maps.map((m) => m.name.slice('extension/'.length)).join(', ')} (${kb(
                maps.reduce((sum, m) => sum + m.compressed, 0),
              )} zipped): source maps left in dist/ by a development build, which .vscodeignore's ` +
              '`dist/**/*.map` does not keep out because its `!dist/**` re-includes them.'
            : '') +
          (packagingProblem
            ? ` \`npm run package\` fails as the tree is: "${packagingProblem}"; measured with --baseContentUrl ` +
              'and --baseImagesUrl set to a placeholder.'
            : ''),
      ],
    },
  ];
}
