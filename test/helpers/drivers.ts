/**
 * The drivers every integration test runs on. `DRIVERS=better-sqlite3,node-sqlite` selects; a
 * driver whose runtime is missing fails the run instead of being skipped.
 */
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBetterSqlite3 } from "../../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../../adapters/node-sqlite/index.ts";
import type { Driver } from "../../src/driver.ts";

export interface DriverFactory {
  readonly name: string;
  /** Opens a driver on `path` (a file) or an in-memory database when omitted. */
  open(path?: string): Driver;
}

export const ALL_DRIVERS: readonly DriverFactory[] = [
  { name: "better-sqlite3", open: (path) => fromBetterSqlite3(new Database(path ?? ":memory:", { timeout: 5000 })) },
  { name: "node-sqlite", open: (path) => fromNodeSqlite(new DatabaseSync(path ?? ":memory:")) },
];

const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim()).filter(Boolean);
if (wanted !== undefined) {
  for (const w of wanted) {
    if (!ALL_DRIVERS.some((d) => d.name === w)) throw new Error(`DRIVERS names unknown driver "${w}"`);
  }
}

/** The drivers selected for this run. */
export const DRIVERS: readonly DriverFactory[] =
  wanted === undefined ? ALL_DRIVERS : ALL_DRIVERS.filter((d) => wanted.includes(d.name));

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = "prismq-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
