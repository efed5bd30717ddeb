/**
 * The adapters that run on Bun: its built-in `bun:sqlite`, and both WebAssembly builds in memory.
 * Imported only by the Bun runner (`bun:sqlite` exists nowhere else).
 */
import { Database } from "bun:sqlite";
import { fromBunSqlite } from "../../adapters/bun-sqlite/index.ts";
import type { Target } from "./index.ts";
import { SQLITE_WASM_TARGET, WA_SQLITE_TARGET } from "./wasm.ts";

export const BUN_TARGETS: readonly Target[] = [
  { name: "bun-sqlite", create: () => Promise.resolve(fromBunSqlite(new Database(":memory:"))) },
  SQLITE_WASM_TARGET,
  WA_SQLITE_TARGET,
];
