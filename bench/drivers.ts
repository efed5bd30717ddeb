/**
 * The file-backed drivers of the runtime the benchmark runs in, each opened twice on demand: as a
 * queue {@link Driver} and as the bare library handle the raw-SQLite ceiling is measured on.
 * WASM drivers are left out: they keep a database in memory outside a browser, and a
 * memory-vs-file comparison would say nothing about the queue.
 */
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "../src/driver.ts";
import { DEFAULT_PRAGMAS } from "../src/dialect/sqlite/migrations.ts";

/** The runtime this process is. */
export const RUNTIME: "node" | "deno" | "bun" =
  "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

/** Runtime name and version, for reports. */
export function runtimeVersion(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

/** The slice of better-sqlite3, node:sqlite and bun:sqlite that the raw measurements use. */
export interface RawStatement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
export interface RawDb {
  exec(sql: string): void;
  prepare(sql: string): RawStatement;
  close(): void;
}

/** One benchmarked driver. */
export interface BenchDriver {
  readonly name: string;
  /** Library version, for reports. */
  readonly version: string;
  /** A queue driver on `path`. */
  openDriver(path: string): Promise<Driver>;
  /** The bare library handle on `path`, with the queue's PRAGMAs applied. */
  openRaw(path: string): Promise<RawDb>;
}

const require = createRequire(import.meta.url);

function withPragmas(db: RawDb): RawDb {
  for (const [k, v] of Object.entries(DEFAULT_PRAGMAS)) db.exec(`PRAGMA ${k} = ${v}`);
  return db;
}

const betterSqlite3: BenchDriver = {
  name: "better-sqlite3",
  version: (require("better-sqlite3/package.json") as { version: string }).version,
  // As `openQueueDatabase` opens it (what a user who sets nothing gets): on Node that includes
  // the background WAL checkpoints of runtime/node/checkpointer.ts.
  async openDriver(path) {
    const { openDriver } = await import("../runtime/node/open.ts");
    return openDriver({ path, driver: "better-sqlite3" });
  },
  async openRaw(path) {
    const { default: Database } = await import("better-sqlite3");
    return withPragmas(new Database(path) as unknown as RawDb);
  },
};

const nodeSqlite: BenchDriver = {
  name: "node:sqlite",
  version: "builtin",
  async openDriver(path) {
    const { openDriver } = await import("../runtime/node/open.ts");
    return openDriver({ path, driver: "node-sqlite" });
  },
  async openRaw(path) {
    const { DatabaseSync } = await import("node:sqlite");
    return withPragmas(new DatabaseSync(path) as unknown as RawDb);
  },
};

const bunSqlite: BenchDriver = {
  name: "bun:sqlite",
  version: "builtin",
  async openDriver(path) {
    const { Database } = await import(/* bun only */ "bun:sqlite" as string);
    const { fromBunSqlite } = await import("../adapters/bun-sqlite/index.ts");
    return fromBunSqlite(new Database(path, { create: true }));
  },
  async openRaw(path) {
    const { Database } = await import("bun:sqlite" as string);
    const db = new Database(path, { create: true });
    return withPragmas({
      exec: (sql: string) => void db.exec(sql),
      prepare: (sql: string) => db.prepare(sql),
      close: () => db.close(),
    });
  },
};

/** Drivers of this runtime, better-sqlite3 first (the reference the goals are stated against). */
export function runtimeDrivers(): BenchDriver[] {
  if (RUNTIME === "bun") return [betterSqlite3, bunSqlite];
  return [betterSqlite3, nodeSqlite];
}

/** A fresh folder for one measurement's files, and how to remove it. */
export function scratchDir(): { dir: string; file(name: string): string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), "prismq-bench-"));
  return { dir, file: (name) => join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
