/**
 * HTTP load figure: enqueue and get over the HTTP API on loopback (`@hono/node-server`, Node's
 * fetch with keep-alive), at concurrency 1 and 8, beside the same calls in process. Bounded in
 * count and in time per scenario; binds 127.0.0.1 only.
 *
 *   node bench/http.bench.ts [--quick] [--requests N] [--seconds S] [--json]
 *
 * `measureHttp()` returns the rows for bench/run.ts's table.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { openQueueDatabase } from "../runtime/node/index.ts";
import { QueueClient } from "../src/client.ts";
import { createQueueApp } from "../src/http/index.ts";
import { scratchDir } from "./drivers.ts";
import { quantile, type ResultRow } from "./stats.ts";

/** Limits of one run. */
export interface HttpBenchOptions {
  /** Requests per scenario at most. */
  readonly requests: number;
  /** Seconds per scenario at most. */
  readonly seconds: number;
}

const TOKEN = "bench-token-0123456789abcdef";

/** Runs `op` `count` times from `concurrency` loops, stopping early at `deadline`; latencies in µs. */
async function drive(count: number, concurrency: number, seconds: number, op: (i: number) => Promise<void>): Promise<{ rate: number; lat: number[] }> {
  const lat: number[] = [];
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      await op(i);
      lat.push((performance.now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const secs = (performance.now() - start) / 1000;
  return { rate: lat.length / secs, lat: lat.sort((a, b) => a - b) };
}

function row(scenario: string, r: { rate: number; lat: number[] }, note?: string): ResultRow {
  return {
    scenario,
    driver: "auto",
    opsPerSec: r.rate,
    spread: null,
    runs: r.lat.length,
    p50Us: quantile(r.lat, 0.5),
    p95Us: quantile(r.lat, 0.95),
    p99Us: quantile(r.lat, 0.99),
    note,
  };
}

/** Measures enqueue and get over HTTP and in process on a fresh file database. */
export async function measureHttp(o: HttpBenchOptions): Promise<ResultRow[]> {
  const scratch = scratchDir();
  const db = await openQueueDatabase({ path: scratch.file("http.db") });
  const app = createQueueApp(db, { tokens: [TOKEN] });
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => server.once("listening", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
  const client = new QueueClient(db);
  const rows: ResultRow[] = [];
  try {
    const ids: number[] = [];
    const enqueueHttp = async (i: number) => {
      const res = await fetch(`${base}/api/v1/tasks`, { method: "POST", headers, body: JSON.stringify({ type: "bench", payload: { i } }) });
      if (res.status !== 201) throw new Error(`enqueue: HTTP ${res.status}`);
      ids.push(((await res.json()) as { id: number }).id);
    };
    const getHttp = async (i: number) => {
      const res = await fetch(`${base}/api/v1/tasks/${ids[i % ids.length]}`, { headers });
      if (res.status !== 200) throw new Error(`get: HTTP ${res.status}`);
      await res.arrayBuffer();
    };
    // Warm-up: connections, JIT, statement caches.
    await drive(Math.min(200, o.requests), 4, 5, enqueueHttp);
    for (const c of [1, 8]) {
      rows.push(row(`http enqueue c=${c}`, await drive(o.requests, c, o.seconds, enqueueHttp), "POST /api/v1/tasks, loopback, keep-alive"));
      rows.push(row(`http get c=${c}`, await drive(o.requests, c, o.seconds, getHttp), "GET /api/v1/tasks/{id}"));
    }
    rows.push(row("in-process enqueue c=1", await drive(o.requests, 1, o.seconds, async (i) => { await client.enqueue("bench", { i }); }), "QueueClient.enqueue"));
    rows.push(row("in-process get c=1", await drive(o.requests, 1, o.seconds, async (i) => { await client.getTask(ids[i % ids.length]!); }), "QueueClient.getTask"));
  } finally {
    await new Promise((r) => server.close(r));
    await db.close();
    scratch.dispose();
  }
  return rows;
}

/** The rows as a Markdown table. */
export function httpTable(rows: readonly ResultRow[]): string {
  const f = (n: number | null | undefined, d = 0) => (n === null || n === undefined || Number.isNaN(n) ? "" : n.toFixed(d));
  const lines = ["| scenario | requests/s | p50 µs | p95 µs | p99 µs | n |", "|---|---:|---:|---:|---:|---:|"];
  for (const r of rows) lines.push(`| ${r.scenario} | ${f(r.opsPerSec)} | ${f(r.p50Us)} | ${f(r.p95Us)} | ${f(r.p99Us)} | ${r.runs} |`);
  return lines.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      requests: { type: "string" },
      seconds: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const requests = Number(values.requests ?? (values.quick ? 500 : 5000));
  const seconds = Number(values.seconds ?? (values.quick ? 5 : 20));
  if (!Number.isInteger(requests) || requests < 1 || !(seconds > 0)) {
    console.error("usage: node bench/http.bench.ts [--quick] [--requests N] [--seconds S] [--json]");
    process.exit(2);
  }
  const rows = await measureHttp({ requests, seconds });
  console.log(values.json ? JSON.stringify(rows, null, 2) : httpTable(rows));
}
