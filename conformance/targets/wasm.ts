/**
 * The WebAssembly adapters in memory, for Node, Deno and Bun (outside a browser neither build
 * has a persistent VFS). The browser runner opens its own OPFS/IndexedDB databases.
 *
 * These openers read the wa-sqlite binary from disk and import the libraries, which is why they
 * live here and not under adapters/ (adapters take an open handle and import no library). The
 * libraries are imported on first use, so a run restricted with DRIVERS loads only what it needs
 * (importing @journeyapps/wa-sqlite also patches `BigInt.prototype.toJSON` process-wide).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type * as WaSqlite from "@journeyapps/wa-sqlite";
import type sqlite3InitModule from "@sqlite.org/sqlite-wasm";
import { fromSqliteWasm, type SqliteWasmLike } from "../../adapters/sqlite-wasm/index.ts";
import { fromWaSqlite } from "../../adapters/wa-sqlite/index.ts";
import type { Driver } from "../../src/driver.ts";
import type { Target } from "./index.ts";

type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>;
let sqliteWasm: Promise<Sqlite3> | undefined;

/** The sqlite-wasm module, initialised once per process (about 40 ms). */
export function loadSqliteWasm(): Promise<Sqlite3> {
  sqliteWasm ??= import("@sqlite.org/sqlite-wasm").then(async ({ default: init }) => {
    const sqlite3 = await init();
    // oo1 prints a console warning for every failing step; the contract fails steps on purpose.
    sqlite3.config.warn = () => {};
    return sqlite3;
  });
  return sqliteWasm;
}

/** A fresh in-memory sqlite-wasm database, with the C API passed in (the usual setup). */
export async function openSqliteWasmMemory(options: { withCapi?: boolean } = {}): Promise<Driver> {
  const sqlite3 = await loadSqliteWasm();
  const namespace: SqliteWasmLike | undefined = options.withCapi === false ? undefined : sqlite3;
  return fromSqliteWasm(new sqlite3.oo1.DB(":memory:", "c"), namespace);
}

/** Which wa-sqlite build: `async` (Asyncify, for asynchronous VFSes) or `sync` (smaller, faster). */
export type WaSqliteBuild = "async" | "sync";

const WA_SQLITE_FILES: Record<WaSqliteBuild, string> = { async: "wa-sqlite-async", sync: "wa-sqlite" };
type WaSqliteApi = ReturnType<typeof WaSqlite.Factory>;
const waSqlite = new Map<WaSqliteBuild, Promise<WaSqliteApi>>();

async function instantiateWaSqlite(build: WaSqliteBuild): Promise<WaSqliteApi> {
  const require = createRequire(import.meta.url);
  const base = `@journeyapps/wa-sqlite/dist/${WA_SQLITE_FILES[build]}`;
  const wasmBinary = await readFile(require.resolve(`${base}.wasm`));
  const { default: factory } = (await import(`${base}.mjs`)) as {
    default: (module: { wasmBinary: Uint8Array }) => Promise<unknown>;
  };
  const { Factory } = await import("@journeyapps/wa-sqlite");
  return Factory(await factory({ wasmBinary }));
}

/**
 * Loads a wa-sqlite build's Emscripten factory once per process and hands it the `.wasm` read
 * from the package folder: outside a browser its loader would otherwise try to fetch() it.
 */
export function loadWaSqlite(build: WaSqliteBuild = "async"): Promise<WaSqliteApi> {
  const cached = waSqlite.get(build);
  if (cached !== undefined) return cached;
  const api = instantiateWaSqlite(build);
  waSqlite.set(build, api);
  return api;
}

/** A fresh in-memory wa-sqlite database (each module instance holds any number of them). */
export async function openWaSqliteMemory(build: WaSqliteBuild = "async"): Promise<Driver> {
  const sqlite3 = await loadWaSqlite(build);
  return fromWaSqlite(sqlite3, await sqlite3.open_v2(":memory:"));
}

/** sqlite-wasm's oo1 API in memory. */
export const SQLITE_WASM_TARGET: Target = { name: "sqlite-wasm", create: () => openSqliteWasmMemory() };

/** wa-sqlite's async (Asyncify) build in memory: the build the browser's async VFSes need. */
export const WA_SQLITE_TARGET: Target = { name: "wa-sqlite", create: () => openWaSqliteMemory("async") };

/**
 * Variants of the same adapters, checked by the Node smoke runner (contract + queue smoke, not
 * the whole property suite): sqlite-wasm given only the `DB` (no `sqlite3` namespace, so the
 * adapter's SQL fallbacks run), and wa-sqlite's synchronous build.
 */
export const WASM_VARIANT_TARGETS: readonly Target[] = [
  { name: "sqlite-wasm (oo1 only)", create: () => openSqliteWasmMemory({ withCapi: false }) },
  { name: "wa-sqlite (sync build)", create: () => openWaSqliteMemory("sync") },
];

/** Both WebAssembly adapters, in memory. */
export const WASM_TARGETS: readonly Target[] = [SQLITE_WASM_TARGET, WA_SQLITE_TARGET];
