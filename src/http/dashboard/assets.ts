/**
 * The dashboard's page, stylesheet and script as string constants: no build step for users, no
 * file read at run time, so the bundled package serves them on every runtime. The page has no
 * inline script or style, so the app's CSP can forbid both.
 *
 * @module
 */
export { DASHBOARD_JS } from "./script.ts";
export { DASHBOARD_CSS } from "./style.ts";

/** The dashboard page: a shell the script fills in. */
export const DASHBOARD_HTML: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prismq dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
<script type="module" src="/assets/dashboard.js"></script>
</head>
<body>
<header>
  <h1>prismq</h1>
  <span id="health" class="pill">…</span>
  <span id="access" class="muted"></span>
  <span id="updated" class="muted"></span>
  <form id="login" hidden>
    <label>Token <input id="token" type="password" autocomplete="off" size="28"></label>
    <button type="submit">Sign in</button>
  </form>
  <button id="logout" type="button" hidden>Sign out</button>
</header>
<p id="message" class="message" hidden></p>
<main>
  <section class="cards" id="cards" aria-label="Counts by status"></section>
  <section class="panel wide">
    <h2>Throughput and processing time <span class="muted" id="chart-caption"></span></h2>
    <div id="chart" class="chart"></div>
  </section>
  <section class="panel">
    <h2>By type</h2>
    <table id="types"><thead></thead><tbody></tbody></table>
  </section>
  <section class="panel">
    <h2>Workers</h2>
    <table id="workers"><thead><tr><th>Worker</th><th>State</th><th>Heartbeat</th><th>Processing</th><th>Done 1h</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="panel">
    <h2>Recent failures</h2>
    <table id="failures"><thead><tr><th>Id</th><th>Type</th><th>Error</th><th>Finished</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section class="panel">
    <h2>Dead letter <button id="redrive-all" type="button" class="write" hidden>Redrive all</button></h2>
    <table id="dead"><thead><tr><th>Id</th><th>Type</th><th>Error</th><th>Finished</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section class="panel wide" id="detail" hidden>
    <h2>Task <span id="detail-id"></span>
      <button id="detail-retry" type="button" class="write" hidden>Retry</button>
      <button id="detail-cancel" type="button" class="write" hidden>Cancel</button>
      <button id="detail-close" type="button">Close</button>
    </h2>
    <dl id="detail-fields"></dl>
    <h3>Payload</h3>
    <pre id="detail-payload"></pre>
    <h3>Log</h3>
    <table id="detail-logs"><thead><tr><th>At</th><th>Level</th><th>Message</th><th>Details</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="panel wide">
    <h2>Tasks
      <select id="filter-status" aria-label="Status filter">
        <option value="">all statuses</option>
        <option>queued</option><option>processing</option><option>completed</option>
        <option>failed</option><option>dead_letter</option><option>cancelled</option>
      </select>
    </h2>
    <table id="tasks"><thead><tr><th>Id</th><th>Type</th><th>Status</th><th>Attempts</th><th>Updated</th></tr></thead><tbody></tbody></table>
  </section>
</main>
</body>
</html>
`;
