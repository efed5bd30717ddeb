/**
 * Dedicated Worker entry of the browser runner: runs the conformance suite, the queue smoke test
 * and an OPFS persistence check for the WebAssembly adapters with persistent OPFS storage:
 *
 * - sqlite-wasm with the `opfs-sahpool` VFS (`installOpfsSAHPoolVfs()`, `OpfsSAHPoolDb`);
 * - @journeyapps/wa-sqlite's synchronous build with `OPFSCoopSyncVFS`.
 *
 * Every `create()` opens a fresh, uniquely named OPFS file and removes it again on close. A tiny
 * harness collects describe/test, runs the tests one after another and posts each result (and
 * finally all of them) to the page. With `PHASE=reopen` (run.ts, after restarting the browser on
 * the same profile) it only reads back the task the persistence check wrote. Options come from the worker URL's query
 * (`CONFORMANCE_RUNS`, `CONFORMANCE_SEED`, …, `DRIVERS`), as the page passes its own query on.
 *
 * Bundled by run.ts with esbuild; the `.wasm` files are copied next to the bundle, where both
 * libraries look for them (`new URL("….wasm", import.meta.url)`).
 */
import * as SQLite from "@journeyapps/wa-sqlite";
import waSqliteSyncFactory from "@journeyapps/wa-sqlite/dist/wa-sqlite.mjs";
import { OPFSCoopSyncVFS } from "@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js";
import sqlite3InitModule from "@sqlite.org/sqlite-wasm";
import { fromSqliteWasm } from "../../../adapters/sqlite-wasm/index.ts";
import { fromWaSqlite } from "../../../adapters/wa-sqlite/index.ts";
import { QueueClient } from "../../../src/client.ts";
import { QueueDatabase } from "../../../src/database.ts";
import type { Driver } from "../../../src/driver.ts";
import { defineQueueSmoke } from "../../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, type Harness, type Target } from "../../index.ts";

/** The part of the worker global scope used here (the root tsconfig types files with DOM, not WebWorker). */
const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  location: { search: string };
};

/** One test's outcome, as posted to the page. */
export interface TestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

/** Messages from this worker to the page. */
export type WorkerMessage =
  | { readonly type: "log"; readonly text: string }
  | { readonly type: "result"; readonly result: TestResult; readonly index: number; readonly total: number }
  | { readonly type: "done"; readonly results: readonly TestResult[]; readonly wallMs: number }
  | { readonly type: "fatal"; readonly error: string };

const post = (m: WorkerMessage): void => scope.postMessage(m);
const describeError = (e: unknown): string => {
  if (e instanceof Error) {
    let s = e.stack !== undefined && e.stack.includes(e.message) ? e.stack : `${e.name}: ${e.message}\n${e.stack ?? ""}`;
    if (e.cause !== undefined) s += `\ncause: ${describeError(e.cause)}`;
    return s;
  }
  return String(e);
};

// ---------------------------------------------------------------------------------------------
// Harness: describe() runs its body at once and prefixes names; test() only records.
// ---------------------------------------------------------------------------------------------

const tests: { name: string; fn: () => Promise<void> }[] = [];
const suites: string[] = [];
const h: Harness = {
  describe(name, fn) {
    suites.push(name);
    try {
      fn();
    } finally {
      suites.pop();
    }
  },
  test(name, fn) {
    tests.push({ name: [...suites, name].join(" › "), fn });
  },
};

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

const runId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let counter = 0;
const uniqueName = (prefix: string): string => `${prefix}-${runId}-${++counter}.db`;

/**
 * The driver, with `after` run once it has closed (to remove its OPFS file). The adapters return
 * frozen objects, so this is a new object delegating every other member (getters stay live).
 */
function onClose(driver: Driver, after: () => Promise<void>): Driver {
  let closing: Promise<void> | undefined;
  const wrapper: Record<PropertyKey, unknown> = {};
  for (let o: object | null = driver; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) {
      if (key === "constructor" || key === "close" || key in wrapper) continue;
      Object.defineProperty(wrapper, key, {
        enumerable: true,
        get: () => {
          const v = Reflect.get(driver, key, driver) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(driver) : v;
        },
      });
    }
  }
  Object.defineProperty(wrapper, "close", {
    enumerable: true,
    value: (): Promise<void> => (closing ??= driver.close().then(after)),
  });
  return Object.freeze(wrapper) as unknown as Driver;
}

type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>;
type SahPool = Awaited<ReturnType<Sqlite3["installOpfsSAHPoolVfs"]>>;
let sahPool: Promise<{ sqlite3: Sqlite3; pool: SahPool }> | undefined;

function loadSahPool(): Promise<{ sqlite3: Sqlite3; pool: SahPool }> {
  sahPool ??= (async () => {
    const sqlite3 = await sqlite3InitModule();
    // oo1 warns on the console for every failing step; the contract fails steps on purpose.
    sqlite3.config.warn = () => {};
    // A pool file per open database and per journal; freed again as each test's file is removed.
    const pool = await sqlite3.installOpfsSAHPoolVfs({ name: "opfs-sahpool", initialCapacity: 16 });
    return { sqlite3, pool };
  })();
  return sahPool;
}

async function openSahPool(name: string): Promise<Driver> {
  const { sqlite3, pool } = await loadSahPool();
  if (pool.getCapacity() - pool.getFileCount() < 4) await pool.addCapacity(8);
  return fromSqliteWasm(new pool.OpfsSAHPoolDb(name), sqlite3);
}

const SAHPOOL_TARGET: Target = {
  name: "sqlite-wasm (opfs-sahpool)",
  persistent: true,
  async create() {
    const name = `/${uniqueName("sahpool")}`;
    const driver = await openSahPool(name);
    const { pool } = await loadSahPool();
    return onClose(driver, async () => {
      pool.unlink(name);
      pool.unlink(`${name}-journal`);
    });
  },
};

type WaApi = ReturnType<typeof SQLite.Factory>;
let coopSync: Promise<WaApi> | undefined;
const COOP_VFS = "prismq-opfs-coop-sync";

function loadCoopSync(): Promise<WaApi> {
  coopSync ??= (async () => {
    const module = await waSqliteSyncFactory();
    const sqlite3 = SQLite.Factory(module);
    const vfs = await OPFSCoopSyncVFS.create(COOP_VFS, module);
    sqlite3.vfs_register(vfs as unknown as Parameters<WaApi["vfs_register"]>[0], false);
    return sqlite3;
  })();
  return coopSync;
}

async function openCoopSync(name: string): Promise<Driver> {
  const sqlite3 = await loadCoopSync();
  const db = await sqlite3.open_v2(name, SQLite.SQLITE_OPEN_CREATE | SQLite.SQLITE_OPEN_READWRITE, COOP_VFS);
  return fromWaSqlite(sqlite3, db, { sharedStorage: true });
}

async function removeOpfsFile(name: string): Promise<void> {
  const root = await navigator.storage.getDirectory();
  for (const suffix of ["", "-journal", "-wal"]) {
    try {
      await root.removeEntry(`${name}${suffix}`);
    } catch {
      // Not there (no journal), or still held: the fresh profile is thrown away after the run.
    }
  }
}

const COOP_SYNC_TARGET: Target = {
  name: "wa-sqlite (OPFSCoopSyncVFS)",
  persistent: true,
  async create() {
    const name = uniqueName("coopsync");
    return onClose(await openCoopSync(`/${name}`), () => removeOpfsFile(name));
  },
};

/** Each target with the opener of a named persistent file (kept after close). */
const TARGETS: readonly { target: Target; open(name: string): Promise<Driver> }[] = [
  { target: SAHPOOL_TARGET, open: openSahPool },
  { target: COOP_SYNC_TARGET, open: openCoopSync },
];

// ---------------------------------------------------------------------------------------------
// Persistence: write a task, close, reopen the same OPFS file, read it back.
// ---------------------------------------------------------------------------------------------

async function opfsFiles(): Promise<string[]> {
  const root = (await navigator.storage.getDirectory()) as unknown as {
    entries(): AsyncIterable<[string, { kind: string }]>;
  };
  const names: string[] = [];
  for await (const [name, handle] of root.entries()) names.push(`${name}${handle.kind === "directory" ? "/" : ""}`);
  return names.sort();
}

const PERSISTED_PAYLOAD = { text: "héllo ✓ 日本", n: 42, at: new Date(0).toISOString() };
const persistFile = (target: Target): string => `/persist-${target.name.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}.db`;

/** Reads the task back from `file` and checks it is the one written (first task of the file). */
async function readPersisted(open: (name: string) => Promise<Driver>, file: string, id: number): Promise<void> {
  const db = await QueueDatabase.open(await open(file));
  try {
    const task = await new QueueClient(db).getTask(id);
    const got = JSON.stringify({ type: task?.type, status: task?.status, payload: task?.payload });
    const want = JSON.stringify({ type: "persisted", status: "queued", payload: PERSISTED_PAYLOAD });
    if (got !== want) throw new Error(`read back ${got} from ${file}, expected ${want}`);
  } finally {
    await db.close();
  }
}

/**
 * Same worker: write a task to a named OPFS file, close, reopen, read it back (the file is kept,
 * so run.ts can restart the browser on the same profile and check it once more: `PHASE=reopen`).
 */
function definePersistence(target: Target, open: (name: string) => Promise<Driver>, phase: string): void {
  h.describe(`OPFS persistence: ${target.name}`, () => {
    const file = persistFile(target);
    if (phase === "reopen") {
      h.test("the task written before the browser restarted reads back", async () => {
        await readPersisted(open, file, 1);
        post({ type: "log", text: `after restart: read task 1 back from OPFS ${file} via ${target.name}` });
      });
      return;
    }
    h.test("a task written, closed and reopened from the same OPFS file reads back", async () => {
      const db = await QueueDatabase.open(await open(file));
      let id: number;
      try {
        id = await new QueueClient(db).enqueue("persisted", PERSISTED_PAYLOAD, { priority: 7 });
      } finally {
        await db.close();
      }
      if (id !== 1) throw new Error(`expected task 1 in a fresh ${file}, got ${id} (stale profile?)`);
      await readPersisted(open, file, id);
      post({ type: "log", text: `persisted task ${id} in OPFS ${file} via ${target.name}; OPFS root: ${(await opfsFiles()).join(", ")}` });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const params = new URLSearchParams(scope.location.search);
  const options = {
    ...conformanceOptionsFrom((k) => params.get(k)),
    replayHint: (r: { target: string; property: string; seed: number; path: string | null; replayPath: string | null }) =>
      `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
      `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""} DRIVERS='${r.target}'` +
      ` node --disable-warning=ExperimentalWarning conformance/runners/browser/run.ts`,
  };
  const wanted = params.get("DRIVERS")?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const selected = TARGETS.filter((t) => wanted === undefined || wanted.length === 0 || wanted.includes(t.target.name));
  if (selected.length === 0) throw new Error(`DRIVERS=${params.get("DRIVERS")} matches no browser target`);
  post({ type: "log", text: `targets: ${selected.map((t) => t.target.name).join(", ")}; runs ${options.numRuns}, seed ${options.seed ?? "random"}` });

  const phase = params.get("PHASE") ?? "run";
  for (const { target, open } of selected) {
    definePersistence(target, open, phase);
    if (phase === "reopen") continue;
    defineConformance(h, target, options);
    defineQueueSmoke(h, target);
  }

  const started = performance.now();
  const results: TestResult[] = [];
  for (const [index, t] of tests.entries()) {
    const t0 = performance.now();
    let result: TestResult;
    try {
      await t.fn();
      result = { name: t.name, ok: true, durationMs: performance.now() - t0 };
    } catch (e) {
      result = { name: t.name, ok: false, error: describeError(e), durationMs: performance.now() - t0 };
    }
    results.push(result);
    post({ type: "result", result, index, total: tests.length });
  }
  post({ type: "log", text: `OPFS root after the run: ${(await opfsFiles()).join(", ")}` });
  post({ type: "done", results, wallMs: performance.now() - started });
}

main().catch((e: unknown) => post({ type: "fatal", error: describeError(e) }));
