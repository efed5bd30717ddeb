/** The drivers the benchmarks compare, each on a fresh file database with the seed PRAGMAs. */
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBetterSqlite3 } from "../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../adapters/node-sqlite/index.ts";
import { QueueDatabase } from "../src/index.ts";

export interface BenchDb {
  readonly name: string;
  readonly db: QueueDatabase;
  readonly path: string;
  dispose(): Promise<void>;
}

export const BENCH_DRIVERS = ["better-sqlite3", "node-sqlite"] as const;

/** Opens `name` on a new file in a temp folder. */
export async function openBenchDb(name: (typeof BENCH_DRIVERS)[number]): Promise<BenchDb> {
  const dir = mkdtempSync(join(tmpdir(), "prismq-bench-"));
  const path = join(dir, "bench.db");
  const driver = name === "better-sqlite3" ? fromBetterSqlite3(new Database(path)) : fromNodeSqlite(new DatabaseSync(path));
  const db = await QueueDatabase.open(driver);
  return {
    name,
    db,
    path,
    async dispose() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
