/** The adapters that run on Node. */
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { fromBetterSqlite3 } from "../../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../../adapters/node-sqlite/index.ts";
import type { Target } from "./index.ts";

export const NODE_TARGETS: readonly Target[] = [
  { name: "better-sqlite3", create: async () => fromBetterSqlite3(new Database(":memory:")) },
  { name: "node-sqlite", create: async () => fromNodeSqlite(new DatabaseSync(":memory:")) },
];
