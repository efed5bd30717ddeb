/**
 * WAL checkpoints off the event loop (Node only).
 *
 * In WAL mode SQLite copies the log back into the database file (a checkpoint) inside the commit
 * that crosses `wal_autocheckpoint` pages: the writer stops for the copy and two `fsync`s. For a
 * worker that commits one small transaction per task this is a large share of its time. Measured
 * with better-sqlite3, 20,000 tasks drained by the default worker on the 2-core test machine:
 * COMMIT 74–78 µs per task on average with the default autocheckpoint of 1,000 pages, 39–42 µs
 * with the checkpoints run by a second connection on another thread; in alternating runs the
 * drain went from 143–167 to 109–115 µs per task.
 *
 * So a writing connection opened by {@link openDriver} starts, after its first
 * {@link START_AFTER_WRITES} write calls (a one-shot CLI command never gets there), a worker
 * thread with its own connection to the file that runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * {@link DEFAULT_CHECKPOINT_INTERVAL_MS}. PASSIVE never blocks the writer or waits for readers.
 * The writer's own autocheckpoint stays on, raised to {@link AUTOCHECKPOINT_FACTOR} × its value,
 * as a safety net: if the thread stops or falls behind, the log is still bounded, and as the
 * thread has already copied most pages that checkpoint is short. If the thread cannot start (its
 * library does not load there) or fails, the writer's setting is restored and SQLite checkpoints
 * as before: the feature is a speed-up, never needed for correctness (a checkpoint interrupted by
 * a crash is recovered by SQLite).
 *
 * The thread opens the file with the very library the writer uses: better-sqlite3 from the same
 * module path, or the built-in `node:sqlite`. Two different copies of SQLite in one process do not
 * see each other's POSIX locks, and one closing the file drops the other's (sqlite.org,
 * "How To Corrupt An SQLite Database File", 2.2.1): measured here, a better-sqlite3 writer with a
 * `node:sqlite` checkpointer reported "database disk image is malformed" within seconds.
 *
 * A user who set `wal_autocheckpoint` to 0 checkpoints by themselves, and is left alone.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import type { Driver, ExecResult, Statement } from "../../src/driver.ts";

/** Write calls on a connection before its checkpoint thread starts. */
export const START_AFTER_WRITES = 100;
/** How often the thread checkpoints. A PASSIVE checkpoint of an already copied log is a no-op. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 100;
/** The writer's own autocheckpoint while the thread runs: this many times its setting. */
export const AUTOCHECKPOINT_FACTOR = 10;

/** What a connection's checkpoint thread is doing; see {@link backgroundCheckpointStatus}. */
export interface BackgroundCheckpointStatus {
  /**
   * `idle`: not started yet (fewer write calls so far); `starting`; `running`; `off`: not used
   * (the user disabled autocheckpoints, or the thread could not start or failed: see `error`);
   * `stopped`: the connection closed.
   */
  readonly state: "idle" | "starting" | "running" | "off" | "stopped";
  /** Checkpoints the thread ran (reported when it stops, and every 64 runs). */
  readonly checkpoints: number;
  /** Why the thread is off, when it failed. */
  readonly error?: string | undefined;
}

const statuses = new WeakMap<Driver, () => BackgroundCheckpointStatus>();

/**
 * The checkpoint thread of a driver opened by {@link openDriver}, or `undefined` for a driver
 * that has none (read-only, in-memory, PostgreSQL, Deno, Bun, or `backgroundCheckpoints: false`).
 */
export function backgroundCheckpointStatus(driver: Driver): BackgroundCheckpointStatus | undefined {
  return statuses.get(driver)?.();
}

/**
 * The SQLite library of the writer, which the thread must load too: `"node:sqlite"`, or the
 * absolute path of the better-sqlite3 module the writer's handle came from.
 */
export type CheckpointLibrary = "node:sqlite" | { readonly betterSqlite3: string };

// The thread's code, run as CommonJS (`eval`), so that no separate file has to be located at
// run time. node:sqlite prints an ExperimentalWarning when loaded on Node 22 (the writer's
// process already printed it, if the user did not silence it): the thread's own
// `process.emitWarning` is silenced first, or every worker would print it a second time.
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
process.emitWarning = () => {};
let db;
try {
  if (workerData.lib === "node:sqlite") {
    const { DatabaseSync } = require("node:sqlite");
    db = new DatabaseSync(workerData.path);
  } else {
    const Database = require(workerData.lib);
    db = new Database(workerData.path, { fileMustExist: true });
  }
} catch (err) {
  parentPort.postMessage({ error: "cannot open the checkpoint connection: " + (err && err.message || String(err)) });
  process.exit(0);
}
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let runs = 0;
let failures = 0;
const timer = setInterval(() => {
  try {
    checkpoint.get();
    failures = 0;
    if (++runs % 64 === 0) parentPort.postMessage({ runs });
  } catch (err) {
    // SQLITE_BUSY: another checkpoint (another process's thread) holds the lock; try next time.
    if (/busy|locked/i.test(String(err && err.message))) return;
    if (++failures >= 3) {
      clearInterval(timer);
      try { db.close(); } catch {}
      parentPort.postMessage({ error: String(err && err.message || err), runs });
      process.exit(0);
    }
  }
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.postMessage({ runs, stopped: true });
  process.exit(0);
});
`;

interface ThreadLike {
  on(event: "message", fn: (m: { error?: string; runs?: number; stopped?: boolean }) => void): unknown;
  on(event: "error", fn: (err: Error) => void): unknown;
  on(event: "exit", fn: (code: number) => void): unknown;
  postMessage(m: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
}

/** Options of {@link withBackgroundCheckpoints}. */
export interface BackgroundCheckpointOptions {
  /** Time between the thread's checkpoints. @default DEFAULT_CHECKPOINT_INTERVAL_MS */
  readonly intervalMs?: number | undefined;
  /** Write calls before the thread starts. @default START_AFTER_WRITES */
  readonly startAfterWrites?: number | undefined;
}

const PRAGMA_READ: Statement = Object.freeze({ sql: "PRAGMA wal_autocheckpoint", params: Object.freeze([]) });
const setAutocheckpoint = (pages: number): Statement => ({ sql: `PRAGMA wal_autocheckpoint = ${Math.trunc(pages)}`, params: [] });

/** True for a statement that may write: anything but a SELECT or a PRAGMA read. */
function mayWrite(stmt: Statement): boolean {
  const head = stmt.sql.trimStart().slice(0, 6).toUpperCase();
  return head !== "SELECT" && head !== "PRAGMA";
}

/**
 * Wraps a writable SQLite file driver so that its WAL checkpoints run on a worker thread (see the
 * module comment). Calls pass straight through; closing the driver stops the thread first.
 */
export function withBackgroundCheckpoints(
  inner: Driver,
  path: string,
  library: CheckpointLibrary,
  options: BackgroundCheckpointOptions = {},
): Driver {
  const lib = library === "node:sqlite" ? library : library.betterSqlite3;
  const intervalMs = options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  const startAfter = options.startAfterWrites ?? START_AFTER_WRITES;
  let writes = 0;
  let state: BackgroundCheckpointStatus["state"] = "idle";
  let checkpoints = 0;
  let error: string | undefined;
  let thread: ThreadLike | undefined;
  let exited: Promise<void> | undefined;
  let saved: number | undefined;
  let closed = false;

  const turnOff = async (why: string | undefined): Promise<void> => {
    if (state === "off" || state === "stopped") return;
    state = closed ? "stopped" : "off";
    error = why;
    thread = undefined;
    // Back to SQLite's own checkpoints at the user's setting.
    if (saved !== undefined && !closed) await inner.execute(setAutocheckpoint(saved)).catch(() => {});
  };

  const start = async (): Promise<void> => {
    state = "starting";
    try {
      const value = Number(Object.values((await inner.execute(PRAGMA_READ)).rows[0] ?? {})[0]);
      if (!(value > 0)) {
        state = "off"; // autocheckpoints disabled by the user: they checkpoint themselves
        return;
      }
      if (closed) return;
      const t: ThreadLike = new Worker(THREAD_SOURCE, { eval: true, workerData: { path, lib, intervalMs } });
      thread = t;
      exited = new Promise<void>((resolve) => t.on("exit", () => resolve()));
      t.on("message", (m) => {
        if (typeof m.runs === "number") checkpoints = m.runs;
        if (m.error !== undefined) void turnOff(m.error);
      });
      t.on("error", (err) => void turnOff(err.message));
      t.on("exit", () => {
        if (!closed && (state === "starting" || state === "running")) void turnOff("checkpoint thread exited");
      });
      // Never keeps the process alive; after the listeners, as adding one refs the port again.
      t.unref();
      // The cap applies at once, not when the thread reports in: a busy writer may not return to
      // the event loop for a while, and the thread checkpoints from its first interval on.
      saved = value;
      await inner.execute(setAutocheckpoint(value * AUTOCHECKPOINT_FACTOR));
      if (state === "starting") state = "running";
    } catch (err) {
      await turnOff((err as Error).message);
    }
  };

  const note = (): void => {
    if (state === "idle" && ++writes >= startAfter) void start();
  };

  const driver: Driver = Object.freeze({
    name: inner.name,
    capabilities: inner.capabilities,
    execute(stmt: Statement): Promise<ExecResult> {
      if (state === "idle" && mayWrite(stmt)) note();
      return inner.execute(stmt);
    },
    batch(stmts: readonly Statement[]): Promise<readonly ExecResult[]> {
      if (state === "idle") note();
      return inner.batch(stmts);
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        const t = thread;
        if (t !== undefined) {
          t.postMessage("stop");
          // A thread busy in a long checkpoint is ended after a grace period; SQLite recovers
          // an interrupted checkpoint at the next open.
          const timer = setTimeout(() => void t.terminate(), 2000);
          await exited;
          clearTimeout(timer);
        }
        state = "stopped";
      }
      return inner.close();
    },
  });
  statuses.set(driver, () => ({ state, checkpoints, ...(error !== undefined ? { error } : {}) }));
  return driver;
}
