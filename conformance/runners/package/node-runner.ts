/**
 * Package suite under node:test, for Node 22 (ES module and CommonJS bundles) and Node 20.
 * Every target loads its library on first use, so Node 20 (no `node:sqlite`) runs with
 * `DRIVERS=better-sqlite3` and nothing else is imported.
 */
import { describe, it } from "node:test";
import { fromBetterSqlite3 } from "../../../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../../../adapters/node-sqlite/index.ts";
import type { Harness } from "../../harness.ts";
import type { Target } from "../../targets/index.ts";
import { SQLITE_WASM_TARGET, WA_SQLITE_TARGET } from "../../targets/wasm.ts";
import { definePackageSuite } from "./suite.ts";

const targets: readonly Target[] = [
  {
    name: "better-sqlite3",
    create: async () => {
      const { default: Database } = await import("better-sqlite3");
      return fromBetterSqlite3(new Database(":memory:"));
    },
  },
  {
    name: "node-sqlite",
    create: async () => {
      const { DatabaseSync } = await import("node:sqlite");
      return fromNodeSqlite(new DatabaseSync(":memory:"));
    },
  },
  SQLITE_WASM_TARGET,
  WA_SQLITE_TARGET,
];

const h: Harness = { describe, test: (name, fn) => it(name, fn) };
definePackageSuite(h, targets, (k) => process.env[k]);
