/** The adapters that run on Node: the native ones on files' engines, and both WebAssembly builds in memory. */
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { fromBetterSqlite3 } from "../../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../../adapters/node-sqlite/index.ts";
import type { Target } from "./index.ts";
import { SQLITE_WASM_TARGET, WA_SQLITE_TARGET } from "./wasm.ts";

export const NODE_TARGETS: readonly Target[] = [
  { name: "better-sqlite3", create: () => Promise.resolve(fromBetterSqlite3(new Database(":memory:"))) },
  { name: "node-sqlite", create: () => Promise.resolve(fromNodeSqlite(new DatabaseSync(":memory:"))) },
  SQLITE_WASM_TARGET,
  WA_SQLITE_TARGET,
];
