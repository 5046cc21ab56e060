// Bundles the extension (and the profile viewer's webview script) with esbuild.
//   node esbuild.js              development build with source maps
//   node esbuild.js --production minified, no source maps (used by `npm run package`)
//   node esbuild.js --watch      rebuilds on change; prints the lines VS Code's esbuild problem matcher reads
const esbuild = require('esbuild');
const fs = require('fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints "[watch] build started/finished" and errors in the format of the connor4312.esbuild-problem-matchers. */
const problemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: watch ? 'silent' : 'warning',
  plugins: watch ? [problemMatcherPlugin] : [],
  legalComments: 'none',
};

const targets = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['vscode'],
    // node-fetch v2 only needs a URL class from whatwg-url; Node has one (see src/shims/whatwgUrl.ts).
    alias: { 'whatwg-url': './src/shims/whatwgUrl.ts' },
    // When the bundle started loading, so activate() can report its activation time (the benchmark reads it).
    // The footer marks when the bundle finished loading: what VS Code does between that and activate() (building
    // the extension context) is not the extension's time.
    banner: { js: 'globalThis.__felderaBundleLoadStart = performance.now();' },
    footer: { js: 'globalThis.__felderaBundleLoadEnd = performance.now();' },
  },
  {
    // The profile viewer reads and aggregates profiles in this worker thread (src/profile/offThread.ts).
    ...common,
    entryPoints: ['src/profile/profileWorker.ts'],
    outfile: 'dist/profileWorker.js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
  },
  {
    // Comparisons read their profiles in parallel worker threads (src/profile/compareOffThread.ts).
    ...common,
    entryPoints: ['src/profile/compareWorker.ts'],
    outfile: 'dist/compareWorker.js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
  },
];

// The profile viewer's webview script, if present, is bundled for the browser.
if (fs.existsSync('src/viewer/webview/main.ts')) {
  targets.push({
    ...common,
    entryPoints: ['src/viewer/webview/main.ts'],
    outfile: 'dist/webview/viewer.js',
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  });
  // The comparison editor's webview script.
  targets.push({
    ...common,
    entryPoints: ['src/viewer/webview/compareMain.ts'],
    outfile: 'dist/webview/compare.js',
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  });
}

async function main() {
  // A production build ships no source maps: drop any left by a development build.
  if (production) fs.rmSync('dist', { recursive: true, force: true });
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  let failed = false;
  for (const ctx of contexts) {
    const result = await ctx.rebuild().catch((e) => ({ errors: e.errors ?? [e] }));
    if (result.errors && result.errors.length) failed = true;
    await ctx.dispose();
  }
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
