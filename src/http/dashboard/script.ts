/** The dashboard's script (an ES module; no inline script anywhere, so the CSP can forbid it). */
export const DASHBOARD_JS: string = `// prismq dashboard. Every value from the server goes in through textContent, never as HTML.
const STATUSES = ["queued", "processing", "completed", "failed", "dead_letter", "cancelled"];
const TOKEN_KEY = "prismq.token";
const REFRESH_MS = Math.max(500, Number(new URLSearchParams(location.search).get("refresh")) || 2000);
const $ = (id) => document.getElementById(id);
let access = "none";
let detailId = null;
let busy = false;

const hashToken = new URLSearchParams(location.hash.slice(1)).get("token");
if (hashToken) {
  sessionStorage.setItem(TOKEN_KEY, hashToken);
  history.replaceState(null, "", location.pathname + location.search);
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || "HTTP " + status);
    this.status = status;
    this.code = body && body.error ? body.error.code : "HTTP";
  }
}

async function api(path, init) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  if (init && init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch("/api/v1" + path, {
    method: init && init.method ? init.method : "GET",
    headers,
    body: init && init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

function el(tag, props, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined) continue;
    if (k === "text") node.textContent = v === null || v === undefined ? "" : String(v);
    else if (k === "class") node.className = v;
    else if (k === "style") for (const [p, val] of Object.entries(v)) node.style.setProperty(p, val);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children || []) node.append(c);
  return node;
}

function age(ms) {
  if (ms === null || ms === undefined) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
  if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
}
const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "–");
const statusBadge = (s) => el("span", { class: "status", text: s, style: { "--c": "var(--" + s + ")" } });

function showMessage(text) {
  const m = $("message");
  m.textContent = text || "";
  m.hidden = !text;
}

function setRows(tableId, rows) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(...rows);
}

function actionButton(label, fn) {
  return el("button", { type: "button", class: "write", text: label, hidden: access !== "write" ? "" : undefined, onclick: async (e) => {
    e.stopPropagation();
    try { await fn(); showMessage(""); } catch (err) { showMessage(label + " failed: " + err.message); }
    await refresh();
  } });
}

function renderCards(stats) {
  const cards = STATUSES.map((s) => el("div", { class: "card", "data-count": s, style: { "--c": "var(--" + s + ")" } }, [
    el("div", { class: "n", text: stats.byStatus[s] }),
    el("div", { class: "l", text: s.replace("_", " ") }),
  ]));
  cards.push(el("div", { class: "card", "data-count": "total" }, [el("div", { class: "n", text: stats.total }), el("div", { class: "l", text: "total" })]));
  cards.push(el("div", { class: "card", "data-count": "depth" }, [el("div", { class: "n", text: stats.depth }), el("div", { class: "l", text: "depth" })]));
  cards.push(el("div", { class: "card", "data-count": "oldest" }, [el("div", { class: "n", text: age(stats.oldestQueuedAgeMs) }), el("div", { class: "l", text: "oldest waiting" })]));
  $("cards").replaceChildren(...cards);
  const head = $("types").tHead;
  head.replaceChildren(el("tr", {}, [el("th", { text: "Type" }), ...STATUSES.map((s) => el("th", { class: "num", text: s.replace("_", " ") }))]));
  setRows("types", Object.entries(stats.byType).map(([type, counts]) =>
    el("tr", { "data-type": type }, [el("td", { text: type }), ...STATUSES.map((s) => el("td", { class: "num", text: counts[s] || 0 }))])));
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

function renderChart(tl) {
  const W = 800, H = 180, L = 34, R = 44, T = 8, B = 20;
  const n = tl.buckets.length;
  const maxCount = Math.max(1, ...tl.buckets.map((b) => b.completed + b.failed));
  const maxMs = Math.max(1, ...tl.buckets.map((b) => b.p95Ms || 0));
  const bw = (W - L - R) / n;
  const root = svg("svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "none", role: "img", "aria-label": "tasks finished per bucket and processing time" });
  root.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  const y = (v) => H - B - (v / maxCount) * (H - T - B);
  const yMs = (v) => H - B - (v / maxMs) * (H - T - B);
  const p95 = [], p50 = [];
  tl.buckets.forEach((b, i) => {
    const x = L + i * bw + 1;
    const ok = svg("rect", { class: "ok", x, y: y(b.completed), width: Math.max(1, bw - 2), height: H - B - y(b.completed) });
    const ko = svg("rect", { class: "ko", x, y: y(b.completed + b.failed), width: Math.max(1, bw - 2), height: y(b.completed) - y(b.completed + b.failed) });
    const tip = svg("title");
    tip.textContent = new Date(b.start).toLocaleTimeString() + ": " + b.completed + " completed, " + b.failed + " failed, p50 " + (b.p50Ms ?? "–") + " ms, p95 " + (b.p95Ms ?? "–") + " ms";
    ok.append(tip);
    root.append(ok, ko);
    if (b.p95Ms !== null) {
      p95.push((x + bw / 2) + "," + yMs(b.p95Ms));
      root.append(svg("circle", { class: "dot", cx: x + bw / 2, cy: yMs(b.p95Ms), r: 3 }));
    }
    if (b.p50Ms !== null) p50.push((x + bw / 2) + "," + yMs(b.p50Ms));
  });
  if (p95.length > 1) root.append(svg("polyline", { class: "p95", points: p95.join(" ") }));
  if (p50.length > 1) root.append(svg("polyline", { class: "p50", points: p50.join(" ") }));
  const label = (x, yy, text, anchor) => { const t = svg("text", { x, y: yy, "text-anchor": anchor }); t.textContent = text; return t; };
  root.append(label(L - 4, T + 8, String(maxCount), "end"), label(L - 4, H - B, "0", "end"));
  root.append(label(W - R + 4, T + 8, maxMs + " ms", "start"));
  root.append(label(L, H - 4, new Date(tl.buckets[0].start).toLocaleTimeString(), "start"));
  root.append(label(W - R, H - 4, new Date(tl.buckets[n - 1].start + tl.bucketMs).toLocaleTimeString(), "end"));
  const legend = el("div", { class: "legend" }, [
    el("span", {}, [el("i", { style: { "--c": "var(--completed)" } }), "completed"]),
    el("span", {}, [el("i", { style: { "--c": "var(--dead_letter)" } }), "failed"]),
    el("span", {}, [el("i", { style: { "--c": "var(--processing)" } }), "p95 processing"]),
    el("span", {}, [el("i", { style: { "--c": "var(--queued)" } }), "p50 processing"]),
  ]);
  $("chart").replaceChildren(root, legend);
  $("chart-caption").textContent = "last " + Math.round((tl.bucketMs * n) / 60000) + " min, " + Math.round(tl.bucketMs / 1000) + " s buckets";
}

function renderWorkers(workers) {
  setRows("workers", workers.map((w) => el("tr", { "data-worker": w.workerId }, [
    el("td", { text: w.workerId }),
    el("td", { class: "state-" + w.state, text: w.state }),
    el("td", { text: age(w.heartbeatAgeMs) + " ago" }),
    el("td", { class: "num", text: w.processingTasks }),
    el("td", { class: "num", text: w.completedLastHour }),
  ])));
}

function failureRows(tasks) {
  return tasks.map((t) => el("tr", { class: "link", "data-task": t.id, onclick: () => openDetail(t.id) }, [
    el("td", { text: t.id }),
    el("td", { text: t.type }),
    el("td", { class: "err", text: t.errorMessage }),
    el("td", { text: time(t.finishedAt) }),
    el("td", {}, [actionButton(t.status === "dead_letter" ? "Redrive" : "Retry", () => api("/tasks/" + t.id + "/retry", { method: "POST" }))]),
  ]));
}

function renderTasks(tasks) {
  setRows("tasks", tasks.map((t) => el("tr", { class: "link", "data-task": t.id, onclick: () => openDetail(t.id) }, [
    el("td", { text: t.id }),
    el("td", { text: t.type }),
    el("td", {}, [statusBadge(t.status)]),
    el("td", { class: "num", text: t.attempts + "/" + t.maxAttempts }),
    el("td", { text: time(t.updatedAt) }),
  ])));
}

async function openDetail(id) {
  detailId = id;
  $("detail").hidden = false;
  await renderDetail();
  $("detail").scrollIntoView({ block: "nearest" });
}

async function renderDetail() {
  if (detailId === null) return;
  const [t, logs] = await Promise.all([api("/tasks/" + detailId), api("/tasks/" + detailId + "/logs")]);
  $("detail-id").textContent = "#" + t.id;
  const fields = [["type", t.type], ["status", t.status], ["attempts", t.attempts + " of " + t.maxAttempts], ["priority", t.priority],
    ["created", new Date(t.createdAt).toLocaleString()], ["updated", new Date(t.updatedAt).toLocaleString()],
    ["worker", t.lockedBy || "–"], ["error", t.errorMessage || "–"], ["idempotency key", t.idempotencyKey || "–"],
    ["last run", t.lastRun ? t.lastRun.message + " at " + new Date(t.lastRun.at).toLocaleTimeString() : "–"]];
  $("detail-fields").replaceChildren(...fields.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { "data-field": k, text: v })]));
  $("detail-payload").textContent = JSON.stringify(t.payload, null, 2);
  setRows("detail-logs", logs.logs.map((l) => el("tr", {}, [
    el("td", { text: time(l.at) }), el("td", { text: l.level }), el("td", { text: l.message }),
    el("td", { text: l.details === null ? "" : JSON.stringify(l.details) }),
  ])));
  const canRetry = t.status === "failed" || t.status === "dead_letter";
  const canCancel = t.status === "queued" || t.status === "processing";
  $("detail-retry").hidden = access !== "write" || !canRetry;
  $("detail-cancel").hidden = access !== "write" || !canCancel;
}

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const who = await api("/whoami");
    access = who.access;
    $("login").hidden = !(who.authRequired && access === "none");
    $("logout").hidden = !(who.authRequired && access !== "none");
    $("access").textContent = who.authRequired ? (access === "none" ? "not signed in" : access + " access") : "open (loopback)";
    for (const b of document.querySelectorAll("button.write")) b.hidden = access !== "write";
    if (access === "none") { showMessage("Sign in with a read or write token to see the queue."); return; }
    const filter = $("filter-status").value;
    const [stats, tl, workers, failed, dead, tasks, health] = await Promise.all([
      api("/stats"), api("/timeline?minutes=30&buckets=30"), api("/workers"),
      api("/tasks?status=failed&sort=updatedAt&order=desc&limit=10"),
      api("/tasks?status=dead_letter&sort=updatedAt&order=desc&limit=25"),
      api("/tasks?order=desc&limit=25" + (filter ? "&status=" + encodeURIComponent(filter) : "")),
      api("/health").catch((e) => ({ ok: false, error: e.message })),
    ]);
    renderCards(stats);
    renderChart(tl);
    renderWorkers(workers.workers);
    setRows("failures", failureRows(failed.tasks));
    setRows("dead", failureRows(dead.tasks));
    $("redrive-all").hidden = access !== "write" || dead.tasks.length === 0;
    renderTasks(tasks.tasks);
    const h = $("health");
    h.textContent = health.ok ? "healthy" + (health.wal ? " · WAL" : "") : "unhealthy";
    h.className = "pill " + (health.ok ? "ok" : "bad");
    await renderDetail().catch(() => {});
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    if ($("message").textContent.startsWith("Sign in") || $("message").textContent.startsWith("Cannot")) showMessage("");
  } catch (err) {
    if (err.status === 401) { sessionStorage.removeItem(TOKEN_KEY); }
    showMessage("Cannot load the queue: " + err.message);
  } finally {
    busy = false;
  }
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  refresh();
});
$("logout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
$("filter-status").addEventListener("change", refresh);
$("detail-close").addEventListener("click", () => { detailId = null; $("detail").hidden = true; });
$("detail-retry").addEventListener("click", async () => {
  try { await api("/tasks/" + detailId + "/retry", { method: "POST" }); } catch (err) { showMessage("Retry failed: " + err.message); }
  refresh();
});
$("detail-cancel").addEventListener("click", async () => {
  try { await api("/tasks/" + detailId + "/cancel", { method: "POST" }); } catch (err) { showMessage("Cancel failed: " + err.message); }
  refresh();
});
$("redrive-all").addEventListener("click", async () => {
  try { await api("/tasks/retry", { method: "POST", body: { status: ["dead_letter"] } }); } catch (err) { showMessage("Redrive failed: " + err.message); }
  refresh();
});

refresh();
setInterval(refresh, REFRESH_MS);
`;
