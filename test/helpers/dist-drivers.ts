/**
 * The built package's core and its two Node drivers, for regression tests that must run against
 * what users get (`dist/`, or `PRISMQ_DIST_DIR`). Same selection rules as `./drivers.ts`
 * (`DRIVERS=better-sqlite3,node-sqlite`).
 */
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import type { Driver } from "../../src/driver.ts";
import { importDist } from "./dist.ts";

/** The built core (`index.js`), typed as its source. */
export const core = await importDist<typeof import("../../src/index.ts")>("index.js");
const bs = await importDist<typeof import("../../adapters/better-sqlite3/index.ts")>("better-sqlite3.js");
const ns = await importDist<typeof import("../../adapters/node-sqlite/index.ts")>("node-sqlite.js");

/** A built driver adapter over one Node SQLite binding. */
export interface DistDriver {
  readonly name: string;
  /** Opens `path` (a file), or an in-memory database when omitted. */
  open(path?: string): Driver;
}

const ALL: readonly DistDriver[] = [
  { name: "better-sqlite3", open: (path) => bs.fromBetterSqlite3(new Database(path ?? ":memory:", { timeout: 5000 })) },
  { name: "node-sqlite", open: (path) => ns.fromNodeSqlite(new DatabaseSync(path ?? ":memory:")) },
];

const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim()).filter(Boolean);

/** The built drivers selected for this run. */
export const DIST_DRIVERS: readonly DistDriver[] = wanted === undefined ? ALL : ALL.filter((d) => wanted.includes(d.name));
