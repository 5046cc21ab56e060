// The comparison editor's page: a static skeleton its script (webview/compareMain.ts) fills in. As the profile
// viewer's page (html.ts), nothing loads from the network: the Content-Security-Policy allows only the extension's
// own stylesheets and the one script with this page's nonce.
import vscode = require('vscode');
import { escapeHtml, flameSectionHtml, webviewPage } from './html';

export function compareHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const name = escapeHtml(title);
  const legend = `<span class="legend" aria-label="Colours">
          <span class="swatch grew"></span>grew <span class="swatch shrank"></span>shrank
          <span class="swatch new"></span>new <span class="swatch same"></span>same</span>`;
  return webviewPage(webview, extensionUri, {
    title: name,
    styles: ['viewer.css', 'compare.css'],
    script: 'compare.js',
    body: `<header id="header" class="header">
  <h1 id="title" class="title">${name}</h1>
  <div class="header-actions">
    <button id="back-hosts" type="button" class="secondary" data-testid="back-hosts" hidden>All hosts</button>
    <label class="toggle" title="Leave out samples taken while a thread was off the CPU (threadCPUDelta 0), such as parked workers">
      <input type="checkbox" id="cpu-only" data-testid="cpu-only" disabled> CPU only
    </label>
    <button id="swap" type="button" data-testid="swap" title="Make B the baseline and A the profile" hidden>Swap A/B</button>
  </div>
</header>
<div id="verdict" class="verdict" role="status" aria-live="polite" data-testid="verdict"></div>
<div id="sides" class="sides muted" data-testid="sides"></div>
<ul id="warnings" class="warnings" role="alert" data-testid="warnings" hidden></ul>
<p id="problem" class="problem" role="alert" hidden></p>

<div id="progress" class="progress" role="status" aria-live="polite" data-testid="progress"></div>

<div id="errors" class="error" role="alert" data-testid="errors" hidden>
  <h2 class="error-title" id="errors-title">Cannot compare</h2>
  <ul id="error-list" class="error-list"></ul>
</div>

<main id="compare" class="stack" hidden>
  <section id="operators-section" class="panel" aria-labelledby="operators-heading" hidden>
    <div class="panel-head">
      <h2 id="operators-heading">Operators</h2>
      <span id="ops-info" class="muted"></span>
    </div>
    <div class="table-scroll tall">
      <table id="ops-table" class="fn-table diff-table ops-table" data-testid="compare-operators" aria-labelledby="operators-heading">
        <thead><tr>
          <th scope="col">Operator</th>
          <th scope="col" class="node-col">Node</th>
          <th scope="col" class="num" title="Share of all operators' CPU in A (baseline)">A</th>
          <th scope="col" class="num" title="Share of all operators' CPU in B">B</th>
          <th scope="col" class="num" title="Change of the share, in percentage points">Δ</th>
          <th scope="col" title="How its CPU spreads over the workers in A">Workers in A</th>
          <th scope="col" title="How its CPU spreads over the workers in B">Workers in B</th>
          <th scope="col" class="num" title="The part of its CPU that runs on other workers in B than in A, in points">Moved</th>
          <th scope="col" class="cls-col">Change</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section class="panel" aria-labelledby="functions-heading">
    <div class="panel-head">
      <h2 id="functions-heading">Functions</h2>
      <input id="fn-filter" class="filter" type="search" placeholder="Filter functions by name or library" aria-label="Filter functions by name or library" data-testid="fn-filter">
      <span id="fn-info" class="muted" role="status" aria-live="polite"></span>
    </div>
    <div class="table-scroll tall">
      <table id="fn-table" class="fn-table diff-table" data-testid="compare-functions" aria-labelledby="functions-heading">
        <thead><tr>
          <th scope="col"><button type="button" class="sort" data-sort="name">Function</button></th>
          <th scope="col" class="num" title="Self share in A (baseline)">A self</th>
          <th scope="col" class="num" title="Self share in B">B self</th>
          <th scope="col" class="num"><button type="button" class="sort" data-sort="dSelf" title="Change of the self share, in percentage points">Δ self</button></th>
          <th scope="col" class="num" title="Total share in A (baseline)">A total</th>
          <th scope="col" class="num" title="Total share in B">B total</th>
          <th scope="col" class="num"><button type="button" class="sort" data-sort="dTotal" title="Change of the total share, in percentage points">Δ total</button></th>
          <th scope="col" class="cls-col">Change</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="thresholds" class="hint muted"></p>
  </section>
  ${flameSectionHtml('diff', 'Differential flame graph', { legend })}
</main>

<main id="hosts" class="stack" hidden>
  <section class="panel" aria-labelledby="hosts-heading">
    <div class="panel-head"><h2 id="hosts-heading">Hosts</h2><span id="hosts-info" class="muted"></span></div>
    <div class="table-scroll tall">
      <table id="hosts-table" class="fn-table hosts-table" data-testid="hosts-table" aria-labelledby="hosts-heading">
        <thead><tr>
          <th scope="col" class="host-col">Host</th>
          <th scope="col" class="num">CPU</th>
          <th scope="col" class="num" title="Share of the collection's weight">Share</th>
          <th scope="col" class="num">Samples</th>
          <th scope="col">Busiest threads</th>
          <th scope="col">Top functions (self)</th>
          <th scope="col" class="actions-col"><span class="visually-hidden">Actions</span></th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section id="host-ops-section" class="panel" aria-labelledby="host-ops-heading" hidden>
    <div class="panel-head">
      <h2 id="host-ops-heading">Operators × hosts</h2>
      <span id="host-ops-info" class="muted"></span>
    </div>
    <div class="table-scroll tall">
      <table id="host-ops-table" class="fn-table host-ops-table" data-testid="host-operators" aria-labelledby="host-ops-heading">
        <thead><tr id="host-ops-head"></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  ${flameSectionHtml('merged', 'All hosts, merged')}
</main>`,
  });
}
