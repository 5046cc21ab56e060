#!/usr/bin/env node
// `npm test`: every level in order, then one line that sums them all: "N passed, M failed, K skipped".
//   node test/run-all.js            static checks, unit suite, extension-host suite
//   node test/run-all.js unit       static checks are skipped; build + unit suite only
//   node test/run-all.js host       build + extension-host suite only
// Exits non-zero when anything failed, when a level ran no test at all, or when the level is not one of these.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const LEVELS = ['unit', 'host'];
const only = process.argv[2];
if (only !== undefined && !LEVELS.includes(only)) {
  // Running nothing and exiting 0 would look like a green build.
  console.error(`unknown level "${only}": use one of ${LEVELS.join(', ')}, or no level for all of them`);
  process.exit(2);
}
const levels = [];
const totals = { passed: 0, failed: 0, skipped: 0 };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs,
  });
  if (r.error) console.error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r.status === 0 && !r.error;
}

function staticCheck(name, cmd, args) {
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`);
  const ok = run(cmd, args);
  return { name, ok };
}

function addLevel(name, counts) {
  levels.push({ name, ...counts });
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}

function mochaLevel(name, cmd, args, env = {}, timeoutMs) {
  const summary = path.join(os.tmpdir(), `feldera-${name.replace(/\W+/g, '-')}-${process.pid}.json`);
  fs.rmSync(summary, { force: true });
  console.log(`\n── ${name} tests`);
  const ok = run(cmd, args, { env: { MOCHA_SUMMARY_FILE: summary, ...env }, timeoutMs });
  let counts = { passed: 0, failed: 0, skipped: 0 };
  if (fs.existsSync(summary)) {
    counts = JSON.parse(fs.readFileSync(summary, 'utf8'));
    fs.rmSync(summary, { force: true });
    if (counts.skippedTitles && counts.skippedTitles.length) {
      console.log(`${name}: skipped: ${counts.skippedTitles.join('; ')}`);
    }
  } else {
    console.error(`${name}: the runner wrote no results; counted as one failure`);
    counts.failed = 1;
  }
  if (!ok && counts.failed === 0) {
    console.error(`${name}: the runner exited with an error; counted as one failure`);
    counts.failed = 1;
  }
  if (counts.passed + counts.failed === 0) {
    console.error(`${name}: no test ran; counted as one failure`);
    counts.failed = 1;
  }
  addLevel(name, { passed: counts.passed, failed: counts.failed, skipped: counts.skipped });
}

const node = process.execPath;
const bin = (p) => path.join(root, 'node_modules', '.bin', p);

if (!only) {
  const checks = [
    staticCheck('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']),
    staticCheck('lint', bin('eslint'), ['src', 'test']),
    staticCheck('format', bin('prettier'), ['--check', 'src', 'test']),
  ];
  addLevel('static', {
    passed: checks.filter((c) => c.ok).length,
    failed: checks.filter((c) => !c.ok).length,
    skipped: 0,
  });
}

console.log('\n── build: bundle + tests');
// From an empty out/: tsc leaves the compiled copy of a moved or deleted test behind, and it would still run.
fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
const built = run(node, ['esbuild.js']) && run(bin('tsc'), ['-p', 'tsconfig.test.json']);
if (!built) {
  addLevel('build', { passed: 0, failed: 1, skipped: 0 });
} else {
  if (!only || only === 'unit') {
    mochaLevel('unit', node, [
      bin('mocha'),
      '--reporter',
      path.join(root, 'test', 'summary-reporter.js'),
      '--timeout',
      '20000',
      '--exit',
      'out/test/unit/**/*.test.js',
    ]);
  }
  if (!only || only === 'host') {
    const runHeadless = path.join(root, 'out', 'test', 'host', 'runHeadless.js');
    mochaLevel('host', node, [runHeadless], {}, 15 * 60 * 1000);
    // The same real VS Code opened on other workspaces: no folder at all, and two folders.
    for (const layout of ['empty', 'multiroot']) {
      mochaLevel(
        `host (${layout})`,
        node,
        [runHeadless],
        { FELDERA_HOST_TEST_LAYOUT: layout, FELDERA_HOST_TEST_SUITE: `layouts/${layout}` },
        5 * 60 * 1000,
      );
    }
    // The walkthrough in a fresh window: VS Code counts each completion event once per window.
    mochaLevel('host (walkthrough)', node, [runHeadless], { FELDERA_HOST_TEST_SUITE: 'walkthrough' }, 5 * 60 * 1000);
    // What survives a window reload (API keys): the suite runs twice, with a reload in between.
    mochaLevel('host (reload)', node, [runHeadless], { FELDERA_HOST_TEST_SUITE: 'reload' }, 5 * 60 * 1000);
    // The README's main command: the demo URL answers and the extension lists the demo pipelines.
    console.log('\n── demo check: node out/test/demo/demo.js --check');
    const demoOk = run(node, [path.join(root, 'out', 'test', 'demo', 'demo.js'), '--check'], {
      timeoutMs: 5 * 60 * 1000,
    });
    addLevel('demo', { passed: demoOk ? 1 : 0, failed: demoOk ? 0 : 1, skipped: 0 });
  }
}

console.log('\n── summary');
for (const l of levels) console.log(`${l.name}: ${l.passed} passed, ${l.failed} failed, ${l.skipped} skipped`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
