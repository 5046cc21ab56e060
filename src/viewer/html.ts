// The webview's page: a static skeleton the script fills in. Nothing loads from the network: the
// Content-Security-Policy allows only the extension's own stylesheet and the one script with this
// page's nonce.
import { randomBytes } from 'crypto';
import vscode = require('vscode');

export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function viewerHtml(webview: vscode.Webview, extensionUri: vscode.Uri, fileName: string): string {
  const name = escapeHtml(fileName);
  return webviewPage(webview, extensionUri, {
    title: `Samply Profile: ${name}`,
    styles: ['viewer.css'],
    script: 'viewer.js',
    body: `<header id="header" class="header">
  <h1 id="title" class="title">${name}</h1>
  <div id="meta" class="meta" data-testid="profile-meta"></div>
  <div class="header-actions">
    <label class="toggle" title="Leave out samples taken while the thread was off the CPU (threadCPUDelta 0), such as parked worker threads">
      <input type="checkbox" id="cpu-only" data-testid="cpu-only" disabled> CPU only
    </label>
    <button id="header-compare" class="secondary" type="button" data-testid="compare-with" title="Compare this profile with another profile of the pipeline">Compare with…</button>
    <button id="header-hosts" class="secondary" type="button" data-testid="all-hosts" title="The hosts of this multihost collection side by side" hidden>All hosts</button>
    <button id="header-open-samply" class="secondary" type="button" title="Open this file in the Firefox Profiler via samply">Open with samply</button>
  </div>
</header>

<div id="progress" class="progress" role="status" aria-live="polite" data-testid="progress">
  <div id="progress-text">Reading…</div>
  <progress id="progress-bar" max="1"></progress>
</div>

<div id="error" class="error" role="alert" data-testid="error" hidden>
  <h2 class="error-title">This profile cannot be shown</h2>
  <p id="error-message" class="error-message"></p>
  <p class="error-kind">Reason: <code id="error-kind"></code></p>
  <button id="open-samply" type="button" data-testid="open-with-samply">Open with samply</button>
</div>

<section id="timeline-section" class="panel timeline-section" aria-labelledby="timeline-heading" data-testid="timeline-section" hidden>
  <div class="panel-head">
    <h2 id="timeline-heading">Timeline</h2>
    <span id="timeline-info" class="muted"></span>
    <span id="markers-note" class="muted markers-note" data-testid="markers-note" hidden></span>
  </div>
  <div id="timeline-container" class="timeline-container">
    <canvas id="timeline" class="timeline" data-testid="timeline" tabindex="0" role="application"
      aria-roledescription="timeline" aria-describedby="timeline-hint"
      aria-label="Timeline: when each selected thread was busy, the pipeline's steps, transactions and checkpoints, and its memory."></canvas>
    <div id="timeline-tooltip" class="tooltip" role="tooltip" data-testid="timeline-tooltip" hidden></div>
  </div>
  <div id="timeline-status" class="visually-hidden" role="status" aria-live="polite"></div>
  <p id="timeline-hint" class="hint muted">Drag across the timeline to show only that time range. Keyboard: ←/→ move the cursor (PageUp/PageDown further, Home/End to the ends), Shift+←/→ extend a range from it, Enter shows that range, Escape clears it.</p>
</section>

<main id="main" class="main" hidden>
  <aside id="threads-panel" class="panel threads-panel" aria-label="Threads">
    <div class="panel-head">
      <h2 id="threads-heading">Threads</h2>
      <span id="thread-count" class="muted"></span>
    </div>
    <input id="thread-filter" class="filter" type="search" placeholder="Filter threads by name or tid" aria-label="Filter threads by name or tid" data-testid="thread-filter">
    <div class="button-row">
      <button id="threads-all" type="button" class="secondary" title="Select every thread">All</button>
      <button id="threads-shown" type="button" class="secondary" title="Select the threads the filter shows">Shown</button>
      <button id="threads-busiest" type="button" class="secondary" title="Select only the heaviest thread">Busiest</button>
    </div>
    <div id="thread-list" class="thread-list" role="listbox" aria-multiselectable="true" aria-labelledby="threads-heading" data-testid="thread-list" tabindex="-1"></div>
    <p class="hint muted">Click a thread to show it alone; Ctrl/⌘-click or Space to add or remove it.</p>
  </aside>

  <section id="content" class="content" aria-label="Summary">
    <div class="selection-bar">
      <div id="selection-info" class="selection-info" role="status" aria-live="polite" data-testid="selection-info"></div>
      <div class="chips">
        <button id="range-chip" class="chip" type="button" data-testid="range-chip" hidden></button>
        <button id="operator-chip" class="chip" type="button" data-testid="operator-chip" hidden></button>
      </div>
    </div>

    <section id="operators-section" class="panel operators-section" aria-labelledby="operators-heading" data-testid="operators-section" hidden>
      <div class="panel-head operators-toolbar">
        <h2 id="operators-heading">Operators</h2>
        <span id="operator-count" class="muted" role="status" aria-live="polite"></span>
        <input id="operator-filter" class="filter" type="search" placeholder="Filter operators by name or node id" aria-label="Filter operators by name or node id" data-testid="operator-filter">
      </div>
      <div class="table-scroll">
        <table id="operators" class="fn-table op-table" data-testid="operators" aria-labelledby="operators-heading" aria-describedby="operators-hint">
          <thead><tr>
            <th scope="col" data-sort="name"><button type="button" class="sort">Operator</button></th>
            <th scope="col" class="node" data-sort="nodeId"><button type="button" class="sort">Node</button></th>
            <th scope="col" class="sql-col relation" title="The table or view of the SQL it comes from" hidden>View/table</th>
            <th scope="col" class="sql-col lines" title="Where it is in the pipeline's SQL: click to open the SQL at those lines" hidden>SQL</th>
            <th scope="col" class="num" data-sort="cpu" title="CPU time of its evaluations (from Feldera's markers), nested operators included"><button type="button" class="sort">CPU</button></th>
            <th scope="col" class="num" data-sort="real" title="Real (wall-clock) time of its evaluations"><button type="button" class="sort">Real</button></th>
            <th scope="col" class="num" data-sort="evals" title="Number of evaluations"><button type="button" class="sort">Evals</button></th>
            <th scope="col" class="num" data-sort="share" title="Its own CPU (without nested operators) of all operators' CPU"><button type="button" class="sort">Share</button></th>
            <th scope="col" class="num" title="CPU on the worker that ran it least">Min</th>
            <th scope="col" class="num" title="CPU on the median worker">Median</th>
            <th scope="col" class="num" data-sort="maxWorker" title="CPU on the worker that ran it most"><button type="button" class="sort">Max</button></th>
            <th scope="col" class="num" data-sort="skew" title="Max ÷ Median: how unevenly the workers share it"><button type="button" class="sort">Skew</button></th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="operators-hint" class="hint muted">Min, Median, Max: the operator's CPU per worker. Click a column heading (or Enter on it) to sort; ↑/↓ move between operators, Enter or a click shows the functions it ran.<span id="operators-sql-hint" hidden> Its SQL lines (a click, or Shift+Enter) open the SQL there.</span></p>
      <p id="sql-note" class="hint muted sql-note" role="status" data-testid="sql-note" hidden></p>
      <div id="operator-details" class="operator-details" data-testid="operator-details" hidden>
        <h3 id="operator-details-heading"></h3>
        <div class="table-scroll short">
          <table id="operator-workers" class="fn-table" data-testid="operator-workers" aria-labelledby="operator-details-heading">
            <thead><tr><th scope="col">Worker</th><th scope="col" class="num">CPU</th><th scope="col" class="num">Self CPU</th><th scope="col" class="num">Real</th><th scope="col" class="num">Evals</th><th scope="col" class="bar-col"><span class="visually-hidden">Share of the operator's CPU</span></th></tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </div>
    </section>
    <section id="bysql-section" class="panel bysql-section" aria-labelledby="bysql-heading" data-testid="bysql-section" hidden>
      <div class="panel-head bysql-toolbar">
        <h2 id="bysql-heading">By SQL</h2>
        <span id="bysql-count" class="muted" role="status" aria-live="polite" data-testid="bysql-count"></span>
        <div id="bysql-grouping" class="segmented" role="radiogroup" aria-label="Group the operators' CPU by">
          <label><input type="radio" name="bysql-grouping" value="relation" checked> View/table</label>
          <label><input type="radio" name="bysql-grouping" value="statement"> Statement</label>
          <label><input type="radio" name="bysql-grouping" value="range"> Lines</label>
        </div>
      </div>
      <div class="table-scroll">
        <table id="bysql" class="fn-table op-table bysql-table" data-testid="bysql" aria-labelledby="bysql-heading" aria-describedby="bysql-hint">
          <thead><tr>
            <th scope="col">SQL</th>
            <th scope="col" class="lines">Lines</th>
            <th scope="col" class="num" title="Self CPU of its operators (each evaluation counted once: the rows add up to all operators' CPU)">CPU</th>
            <th scope="col" class="num" title="Its CPU of all operators' CPU in the selection">Share</th>
            <th scope="col" class="num">Operators</th>
            <th scope="col" class="num" title="Evaluations of its operators">Evals</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="bysql-notes" class="hint muted" data-testid="bysql-notes" hidden></p>
      <p id="bysql-hint" class="hint muted">The operators' own CPU in the selected threads and time range, summed by the SQL they come from; "no SQL position" holds the operators the compiler added. ↑/↓ move between rows, Enter or a click opens the SQL at those lines.</p>
    </section>
    <div class="tables">
      <section class="panel" aria-labelledby="top-self-heading">
        <h2 id="top-self-heading">Top functions by self</h2>
        <div class="table-scroll">
          <table id="top-self" class="fn-table" data-testid="top-self" aria-labelledby="top-self-heading">
            <thead><tr><th scope="col">Function</th><th scope="col" class="num">Self</th><th scope="col" class="num">Self %</th><th scope="col" class="num">Total %</th></tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
      <section class="panel" aria-labelledby="top-total-heading">
        <h2 id="top-total-heading">Top functions by total</h2>
        <div class="table-scroll">
          <table id="top-total" class="fn-table" data-testid="top-total" aria-labelledby="top-total-heading">
            <thead><tr><th scope="col">Function</th><th scope="col" class="num">Total</th><th scope="col" class="num">Total %</th><th scope="col" class="num">Self %</th></tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
      <section id="func-details" class="panel details" aria-labelledby="details-heading" data-testid="function-details">
        <h2 id="details-heading">Callers and callees</h2>
        <p id="details-empty" class="muted">Select a function (click, or Enter in a table or the flame graph) to see who calls it and whom it calls.</p>
        <div id="details-body" hidden>
          <div id="details-name" class="details-name" data-testid="details-name"></div>
          <div id="details-stats" class="muted"></div>
          <div class="relations">
            <div>
              <h3 id="callers-heading">Callers</h3>
              <div class="table-scroll short">
                <table id="callers" class="fn-table" data-testid="callers" aria-labelledby="callers-heading">
                  <thead><tr><th scope="col">Function</th><th scope="col" class="num">Weight</th><th scope="col" class="num">%</th></tr></thead>
                  <tbody></tbody>
                </table>
              </div>
            </div>
            <div>
              <h3 id="callees-heading">Callees</h3>
              <div class="table-scroll short">
                <table id="callees" class="fn-table" data-testid="callees" aria-labelledby="callees-heading">
                  <thead><tr><th scope="col">Function</th><th scope="col" class="num">Weight</th><th scope="col" class="num">%</th></tr></thead>
                  <tbody></tbody>
                </table>
              </div>
            </div>
          </div>
        </div>
      </section>
    </div>

    ${flameSectionHtml('flame', 'Flame graph', { sectionId: 'flame-section', tooltipClass: 'tooltip flame-tooltip' })}
  </section>
</main>`,
  });
}

/**
 * A webview page of this extension: its stylesheets from media/, its one script from dist/webview/ with a fresh nonce,
 * and a Content-Security-Policy that allows nothing else (`title` and `body` are HTML, already escaped).
 */
export function webviewPage(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { title: string; styles: string[]; script: string; body: string },
): string {
  const nonce = randomBytes(18).toString('base64url');
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  const styles = page.styles.map((f) => `<link rel="stylesheet" href="${asset('media', f)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
<title>${page.title}</title>
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${asset('dist', 'webview', page.script)}"></script>
</body>
</html>`;
}

/** A flame graph's section (toolbar with search and zoom reset, breadcrumb, canvas, tooltip), its ids prefixed `id-`. */
export function flameSectionHtml(
  id: string,
  heading: string,
  opts: { legend?: string; sectionId?: string; tooltipClass?: string } = {},
): string {
  const sectionId = opts.sectionId ? ` id="${opts.sectionId}"` : '';
  return `
    <section${sectionId} class="panel flame-section" aria-labelledby="${id}-heading">
      <div class="panel-head flame-toolbar">
        <h2 id="${id}-heading">${heading}</h2>${opts.legend ? `\n        ${opts.legend}` : ''}
        <input id="${id}-search" class="filter" type="search" placeholder="Highlight functions matching…" aria-label="Highlight functions in the flame graph" data-testid="${id}-search">
        <span id="${id}-search-info" class="muted" role="status" aria-live="polite"></span>
        <button id="${id}-reset" type="button" class="secondary" disabled>Reset zoom</button>
      </div>
      <nav id="${id}-breadcrumb" class="breadcrumb" aria-label="Zoomed into"></nav>
      <div id="${id}-container" class="flame-container">
        <canvas id="${id}-graph" class="flame-graph" data-testid="${id}-graph" tabindex="0" role="img"
          aria-roledescription="flame graph" aria-label="Flame graph. Arrow keys move between functions, Enter zooms in, Escape resets the zoom."></canvas>
        <div id="${id}-tooltip" class="${opts.tooltipClass ?? 'flame-tooltip'}" role="tooltip" hidden></div>
      </div>
      <div id="${id}-status" class="visually-hidden" role="status" aria-live="polite"></div>
      <p id="${id}-note" class="hint muted"></p>
    </section>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
