// `npm run bench`: every speed, memory and size target of the extension, measured side by side in one run (the
// machine is shared and noisy, so each figure is a ratio to a baseline measured alternately with it, or a value
// taken in a child process of its own). Prints one line per figure and writes BENCHMARKS.md at the repo root.
//
//   FELDERA_BENCH_ONLY=download,pipelines,polling,size,activation,profile,profilehuge,sql,sqlheat,compare   run some figures (BENCHMARKS.md untouched…)
//   FELDERA_BENCH_MERGE=1                 …unless this is set: then their rows and sections replace those in BENCHMARKS.md
//   FELDERA_BENCH_ROUNDS=3                                                 rounds of the alternating figures
//   FELDERA_BENCH_ACTIVATION_RUNS=5                                        fresh VS Code instances for activation
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { activationFigure } from './activation';
import { compareFigures } from './compare';
import { type Figure, log, machine, ROOT } from './common';
import { downloadFigures } from './download';
import { pipelinesFigure } from './pipelines';
import { pollingFigure } from './polling';
import { felderaProfileFigures } from './profileFeldera';
import { hugeProfileFigures } from './profileHuge';
import { profileSummaryFigure } from './profileSummary';
import { sizeFigures } from './size';
import { sqlCompanionFigures } from './sqlCompanion';
import { sqlHeatFigures } from './sqlHeat';

const PARTS = [
  'download',
  'pipelines',
  'polling',
  'size',
  'activation',
  'profile',
  'profilehuge',
  'sql',
  'sqlheat',
  'compare',
] as const;
type Part = (typeof PARTS)[number];

const only = process.env.FELDERA_BENCH_ONLY?.split(',').map((s) => s.trim()) as Part[] | undefined;
const unknown = only?.filter((p) => !PARTS.includes(p));
if (unknown?.length) throw new Error(`FELDERA_BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; known: ${PARTS}`);
const wanted = (part: Part) => !only || only.includes(part);
const ACTIVATION_RUNS = Number(process.env.FELDERA_BENCH_ACTIVATION_RUNS) || 5;

/** A figure that could not be measured still gets its row, with the reason. */
async function attempt(name: string, target: string, work: () => Promise<Figure[]>): Promise<Figure[]> {
  const started = Date.now();
  try {
    const figures = await work();
    log(`${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return figures;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`[bench] ${name} failed: ${message}`);
    return [
      { figure: name, measured: 'not measured', baseline: '—', target, met: false, notes: [`Failed: ${message}`] },
    ];
  }
}

function rebuildForDevelopment(): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
    child.on('close', () => resolve());
    child.on('error', () => resolve());
  });
}

function line(f: Figure): string {
  const ratio = f.ratio === undefined ? '' : ` = ${f.ratio.toFixed(2)}×`;
  const baseline = f.baseline === '—' ? '' : ` vs ${f.baseline}`;
  return `${f.met ? 'MET   ' : 'MISSED'} ${f.figure}: ${f.measured}${baseline}${ratio} (target ${f.target})`;
}

function markdown(figures: Figure[], info: ReturnType<typeof machine>, started: Date, seconds: number): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = figures.map(
    (f) =>
      `| ${cell(f.figure)} | ${cell(f.measured)} | ${cell(f.baseline)} | ${
        f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`
      } | ${cell(f.target)} | ${f.met ? 'yes' : '**no**'} |`,
  );
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (test/bench/bench.ts) on ${started.toISOString()}; the run took ` +
      `${Math.round(seconds)} s. Do not edit by hand: run the bench again.`,
    '',
    `- Machine: ${info.cpu}, ${info.cores} cores, ${info.memory}, ${info.os}; load average at the start ${info.load} ` +
      `(shared with other work: hence ratios to baselines measured alternately in the same run).`,
    `- Node ${info.node}.`,
    '',
    '| figure | measured | baseline | ratio | target | met? |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## How each figure is measured',
    '',
    ...figures.flatMap((f) => [`### ${f.figure}`, '', ...f.notes.map((n) => `- ${n}`), '']),
  ].join('\n');
}

/**
 * BENCHMARKS.md with these figures' rows and sections replaced (or added), and a line saying which parts were
 * measured again, when, and under what load: the other figures stay as the last full run measured them.
 */
function merged(
  old: string,
  figures: Figure[],
  info: ReturnType<typeof machine>,
  started: Date,
  parts: Part[],
): string {
  const fresh = markdown(figures, info, started, 0).split('\n');
  const rowOf = (lines: string[], name: string) =>
    lines.findIndex((l) => l.startsWith(`| ${name.replace(/\|/g, '\\|')} |`));
  const lines = old.split('\n');
  for (const f of figures) {
    const row = fresh[rowOf(fresh, f.figure)];
    const at = rowOf(lines, f.figure);
    if (at >= 0) lines[at] = row;
    else {
      let last = lines.length - 1;
      while (last >= 0 && !lines[last].startsWith('| ')) last--;
      lines.splice(last + 1, 0, row);
    }
    const section = fresh.slice(fresh.indexOf(`### ${f.figure}`));
    const end = section.findIndex((l, i) => i > 0 && l.startsWith('### '));
    const block = end < 0 ? section : section.slice(0, end);
    const from = lines.indexOf(`### ${f.figure}`);
    if (from < 0) lines.push(...(lines[lines.length - 1] === '' ? [] : ['']), ...block);
    else {
      let to = lines.findIndex((l, i) => i > from && l.startsWith('### '));
      if (to < 0) to = lines.length;
      lines.splice(from, to - from, ...block);
    }
  }
  const note =
    `- Re-measured on ${started.toISOString()} with FELDERA_BENCH_ONLY=${parts.join(',')}: ` +
    `${figures.map((f) => f.figure).join('; ')} (load average at the start ${info.load}).`;
  const earlier = lines.findIndex((l) => l.startsWith(`- Re-measured on `) && l.includes(`=${parts.join(',')}:`));
  if (earlier >= 0) lines[earlier] = note;
  else lines.splice(lines.findIndex((l) => l.startsWith('- Node ')) + 1, 0, note);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = Date.now();
  const info = machine();
  log(`${info.cpu}, ${info.cores} cores, ${info.memory}, Node ${info.node}, load ${info.load}`);
  let productionBuild = false;
  const none = Promise.resolve<Figure[]>([]);
  let download: Figure[] = [];
  let pipelines: Figure[] = [];
  let polling: Figure[] = [];
  let size: Figure[] = [];
  let activation: Figure[] = [];
  let profile: Figure[] = [];
  let sql: Figure[] = [];
  let sqlHeat: Figure[] = [];
  let compare: Figure[] = [];
  try {
    // Throughput runs alone.
    if (wanted('download'))
      download = await attempt('download', '≤ 1.25× plain Node; ≤ 1.15× max(curl, zlib); ≤ 64 MiB', downloadFigures);

    // The 60 s collections mostly wait: the pipelines ratio and the size run meanwhile, in child processes, and
    // are done long before the last seconds of the collections, where the ready → first byte delay is taken.
    const pollingDone = wanted('polling')
      ? attempt('polling cost', '≤ 61 requests; ≤ 1.1 s', async () => [await pollingFigure()])
      : none;
    if (wanted('pipelines'))
      pipelines = await attempt('10,000 pipelines', '≤ 1.5×', async () => [await pipelinesFigure()]);
    if (wanted('size')) {
      productionBuild = true;
      size = await attempt('size', '≤ 150 KB; ≤ 200 KB', sizeFigures);
    }
    polling = await pollingDone;

    // Activation starts VS Code and chromium: heavy enough to delay the collections' timers, so it runs after them.
    if (wanted('activation')) {
      const bundle = productionBuild
        ? 'the production build (minified, as in the .vsix)'
        : 'dist/extension.js as found (`npm run bench` builds it for development)';
      // The profiled run wants the development build's names: rebuild it now rather than at the end.
      const toDevelopment = async () => {
        if (!productionBuild) return;
        await rebuildForDevelopment();
        productionBuild = false;
      };
      activation = await attempt('activation', '≤ 30 ms', async () => [
        await activationFigure(ACTIVATION_RUNS, bundle, toDevelopment),
      ]);
    }

    if (wanted('profile')) {
      profile = [
        ...(await attempt('profile summary', '≤ 2×', async () => [await profileSummaryFigure()])),
        ...(await attempt('Feldera profile', '≤ 1.5×; ≤ 150 ms', felderaProfileFigures)),
      ];
    }

    if (wanted('profilehuge')) {
      profile.push(...(await attempt('Feldera profile 1.5 GiB', '≤ 3× inflate; ≤ 1 s', hugeProfileFigures)));
    }

    if (wanted('sql')) sql = await attempt('SQL context', '≤ 1 s; ≤ +100 ms', sqlCompanionFigures);
    if (wanted('sqlheat')) sqlHeat = await attempt('CPU in SQL', '≤ 200 ms', sqlHeatFigures);
    if (wanted('compare')) compare = await attempt('compare two profiles', '≤ 1.3×; ≤ 1.5×; ≤ 50 ms', compareFigures);
  } finally {
    if (productionBuild) {
      log('rebuilding dist/ for development (node esbuild.js)');
      await rebuildForDevelopment();
    }
  }
  const figures = [
    ...download,
    ...pipelines,
    ...polling,
    ...size,
    ...activation,
    ...profile,
    ...sql,
    ...sqlHeat,
    ...compare,
  ];

  const seconds = (Date.now() - t0) / 1000;
  console.log('');
  for (const f of figures) console.log(line(f));
  // A partial run writes no BENCHMARKS.md: its notes go to the console instead.
  if (only) for (const f of figures) console.log(`\n${f.figure}:\n${f.notes.map((n) => `  - ${n}`).join('\n')}`);
  const file = path.join(ROOT, 'BENCHMARKS.md');
  if (!only) {
    fs.writeFileSync(file, markdown(figures, info, started, seconds));
    console.log(`\nwrote ${path.relative(process.cwd(), file) || file} (${Math.round(seconds)} s)`);
  } else if (process.env.FELDERA_BENCH_MERGE === '1' && fs.existsSync(file)) {
    fs.writeFileSync(file, merged(fs.readFileSync(file, 'utf8'), figures, info, started, only));
    console.log(`\nmerged ${figures.length} figure(s) into ${path.relative(process.cwd(), file) || file}`);
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
