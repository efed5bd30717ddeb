/**
 * Checks the built package as a user gets it: every export path loads as ESM and as CommonJS,
 * the core bundle is runtime-neutral, and the bin has its shebang.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const problems: string[] = [];
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, unknown> };
const require = createRequire(import.meta.url);
const expected: Record<string, string[]> = {
  ".": ["QueueDatabase", "QueueClient", "QueueWorker", "QueueBusyError", "QueueSchemaError", "QueueDatabaseError", "FakeClock", "isQueueError",
    "TaskLogger", "QueueLogger", "QueueMetrics", "WorkerHeartbeat", "QueueMonitoring", "QueueBackup", "QueueMaintenance"],
  "./better-sqlite3": ["fromBetterSqlite3"],
  "./node-sqlite": ["fromNodeSqlite"],
  "./node": ["openDriver", "openQueueDatabase", "createQueueBackup", "createQueueMaintenance"],
  "./config": ["parseWorkerConfig", "configFormatOf"],
  "./bun-sqlite": ["fromBunSqlite"],
  "./sqlite-wasm": ["fromSqliteWasm"],
  "./wa-sqlite": ["fromWaSqlite"],
};

for (const [path, names] of Object.entries(expected)) {
  const entry = pkg.exports[path] as { import: { default: string }; require: { default: string } } | undefined;
  if (entry === undefined) {
    problems.push(`exports has no "${path}"`);
    continue;
  }
  const esm = (await import(pathToFileURL(resolve(entry.import.default)).href)) as Record<string, unknown>;
  const cjs = require(resolve(entry.require.default)) as Record<string, unknown>;
  for (const name of names) {
    if (esm[name] === undefined) problems.push(`${entry.import.default} lacks ${name}`);
    if (cjs[name] === undefined) problems.push(`${entry.require.default} lacks ${name}`);
  }
}

for (const file of ["dist/index.js", "dist/index.cjs"]) {
  const code = readFileSync(file, "utf8");
  for (const bad of ["node:", "bun:", "process.", "Buffer", "better-sqlite3"]) {
    if (code.includes(bad)) problems.push(`${file} mentions "${bad}": the core bundle must be runtime-neutral`);
  }
}
if (!readFileSync("dist/cli.js", "utf8").startsWith("#!/usr/bin/env node")) problems.push("dist/cli.js has no shebang");

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`check-dist: ${Object.keys(expected).length} export paths load as ESM and CJS; core bundle runtime-neutral`);
