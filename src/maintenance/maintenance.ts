/**
 * `QueueMaintenance`: the routine care of a queue database: WAL checkpoints, planner statistics,
 * VACUUM, integrity checks, reclaiming leases of crashed workers, purging old completed tasks,
 * size statistics and a PRAGMA health check.
 *
 * @example
 * ```ts
 * import { createQueueMaintenance } from "@prismq/queue/node";
 * const maint = createQueueMaintenance(db);
 * await maint.checkpoint("PASSIVE");
 * await maint.cleanupStaleLeases({ timeoutMs: 5 * 60_000 });
 * const stats = await maint.getDatabaseStats();   // stats.totalSizeMb, stats.walSizeMb …
 * ```
 *
 * @module
 */
import { toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { MaintenanceStatements } from "../dialect/dialect.ts";
import type { ConnectionSetting } from "../dialect/sqlite/maintenance.ts";
import type { Statement } from "../driver.ts";
import { isQueueError, QueueValidationError } from "../errors.ts";
import { CRASH_POLICIES, type CrashPolicy } from "../observability/heartbeat.ts";
import { readStatusCounts } from "../observability/queue-figures.ts";
import type { BackupFileSystem } from "./backup-types.ts";
import {
  CHECKPOINT_MODES,
  type CheckpointMode,
  type CheckpointResult,
  type QueueMaintenanceOptions,
  type CleanupStaleLeasesOptions,
  type PurgeCompletedOptions,
  type OptimizeOptions,
  type OptimizeOperation,
  type OptimizeResult,
  type DatabaseStats,
} from "./maintenance-types.ts";

export {
  CHECKPOINT_MODES,
  type CheckpointMode,
  type CheckpointResult,
  type QueueMaintenanceOptions,
  type CleanupStaleLeasesOptions,
  type PurgeCompletedOptions,
  type OptimizeOptions,
  type OptimizeOperation,
  type OptimizeResult,
  type DatabaseStats,
} from "./maintenance-types.ts";

const SYNCHRONOUS: Record<string, number> = { OFF: 0, NORMAL: 1, FULL: 2, EXTRA: 3 };
const BOOLEAN: Record<string, number> = { ON: 1, TRUE: 1, YES: 1, "1": 1, OFF: 0, FALSE: 0, NO: 0, "0": 0 };
const MB = 1024 * 1024;

function nonNegative(value: unknown, name: string, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new QueueValidationError(`invalid ${where} options`, [`${name}: expected a finite number >= 0, got ${String(value)}`]);
  }
  return value;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function checkPolicy(policy: unknown): Readonly<Record<string, CrashPolicy>> {
  if (policy === undefined) return {};
  const issues: string[] = [];
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
    issues.push("policy: expected an object of task type → crash policy");
  } else {
    for (const [type, p] of Object.entries(policy)) {
      if (!(CRASH_POLICIES as readonly unknown[]).includes(p)) {
        issues.push(`policy.${type}: expected one of ${CRASH_POLICIES.join(", ")}, got ${JSON.stringify(p)}`);
      }
    }
  }
  if (issues.length > 0) throw new QueueValidationError("invalid cleanupStaleLeases options", issues);
  return { ...(policy as Record<string, CrashPolicy>) };
}

/**
 * Maintenance of one queue database. Every method is safe while workers run, except
 * {@link vacuum} (and `optimize({ full: true })`), which holds the write lock until it ends.
 *
 * @example
 * ```ts
 * const maint = new QueueMaintenance(db, { fs: nodeBackupFileSystem });
 * const { busy, logFrames, checkpointedFrames } = await maint.checkpoint(QueueMaintenance.CHECKPOINT_PASSIVE);
 * if ((await maint.integrityCheck())[0] !== "ok") alert();
 * ```
 */
export class QueueMaintenance {
  /** Seed 002 spelling of `"PASSIVE"` (see {@link CHECKPOINT_MODES}). */
  static readonly CHECKPOINT_PASSIVE = "PASSIVE";
  /** Seed 002 spelling of `"FULL"`. */
  static readonly CHECKPOINT_FULL = "FULL";
  /** Seed 002 spelling of `"RESTART"`. */
  static readonly CHECKPOINT_RESTART = "RESTART";
  /** Seed 002 spelling of `"TRUNCATE"`. */
  static readonly CHECKPOINT_TRUNCATE = "TRUNCATE";

  readonly #db: QueueDatabase;
  readonly #sql: MaintenanceStatements;
  readonly #pragmas: Readonly<Record<string, string | number>>;
  readonly #path: string | undefined;
  readonly #fs: Pick<BackupFileSystem, "size"> | undefined;

  /** Maintenance of `db`; nothing runs until a method is called. */
  constructor(db: QueueDatabase, options: QueueMaintenanceOptions = {}) {
    const issues: string[] = [];
    if (typeof db !== "object" || db === null) issues.push("db: expected a QueueDatabase");
    if (options.pragmas !== undefined && (typeof options.pragmas !== "object" || options.pragmas === null)) {
      issues.push("pragmas: expected an object of PRAGMA values");
    }
    if (options.path !== undefined && (typeof options.path !== "string" || options.path === "")) {
      issues.push("path: expected a non-empty string");
    }
    if (options.fs !== undefined && typeof options.fs?.size !== "function") issues.push("fs: expected { size(path) }");
    if (issues.length > 0) throw new QueueValidationError("invalid QueueMaintenance options", issues);
    this.#db = db;
    this.#sql = db.dialect.maintenance;
    this.#pragmas = { ...db.dialect.schema.defaultSettings, ...options.pragmas };
    this.#path = options.path;
    this.#fs = options.fs;
  }

  /**
   * Copies WAL frames back into the database file, so the WAL stops growing and readers need not
   * search it. Workers checkpoint automatically (`wal_autocheckpoint`); an explicit `TRUNCATE`
   * after a burst gives the disk space back. Not in WAL mode, both frame counts are -1.
   */
  async checkpoint(mode: CheckpointMode = "PASSIVE"): Promise<CheckpointResult> {
    if (!(CHECKPOINT_MODES as readonly unknown[]).includes(mode)) {
      throw new QueueValidationError("invalid checkpoint mode", [
        `mode: expected one of ${CHECKPOINT_MODES.join(", ")}, got ${JSON.stringify(mode)}`,
      ]);
    }
    const row = (await this.#db.run(this.#sql.walCheckpoint(mode))).rows[0] ?? {};
    return Object.freeze({
      busy: Number(row["busy"]) !== 0,
      logFrames: Number(row["log"]),
      checkpointedFrames: Number(row["checkpointed"]),
    });
  }

  /**
   * Refreshes the query planner's statistics (`ANALYZE`). Fast on a queue-sized database, takes
   * no write lock for long, and helps the planner once the table has grown or shrunk a lot.
   */
  async analyze(): Promise<void> {
    await this.#db.run(this.#sql.analyze());
  }

  /**
   * Rebuilds the file without its free pages (`VACUUM`). Slow, needs up to twice the file's
   * size in free disk, and blocks every writer (workers included) until it ends: run it in a
   * quiet period. Row ids are kept (the queue's ids are an INTEGER PRIMARY KEY).
   */
  async vacuum(): Promise<void> {
    await this.#db.run(this.#sql.vacuum());
  }

  /**
   * Runs `PRAGMA integrity_check` and returns its lines: exactly `["ok"]` when the database is
   * sound. A file too damaged for the check to run yields the engine's error message instead.
   */
  async integrityCheck(): Promise<string[]> {
    try {
      return (await this.#db.run(this.#sql.integrityCheck())).rows.map((r) => String(Object.values(r)[0]));
    } catch (err) {
      if (isQueueError(err, "DATABASE_ERROR") && "kind" in err && (err.kind === "corrupt" || err.kind === "notadb")) {
        return [err.message];
      }
      throw err;
    }
  }

  /**
   * Takes back tasks whose holder has gone: every `processing` task whose lease has run out, or
   * whose worker's last heartbeat is more than `timeoutMs` old. A task whose lease is valid and
   * renewed by a live worker is never taken, however long it has been running; a worker that
   * does not send heartbeats (no `workers` row) loses its tasks only when their lease runs out.
   * Each task taken follows the rule every reclaim follows (see `reclaimTasks`): its fencing
   * token is bumped (a holder still alive after all can no longer complete it), it goes back to
   * `queued`, or ends `failed` when its attempts are spent, or as its type's `policy` says, and a
   * `task_logs` row records it, all in one statement. Returns how many tasks were taken back.
   */
  async cleanupStaleLeases(options: CleanupStaleLeasesOptions): Promise<number> {
    const timeoutMs = nonNegative(options?.timeoutMs, "timeoutMs", "cleanupStaleLeases");
    const policy = checkPolicy(options?.policy);
    const nowMs = this.#db.clock.now();
    const staleBefore = toSqlTime(nowMs - timeoutMs);
    const stmt = this.#db.dialect.transitions.reclaimTasks({ now: toSqlTime(nowMs), scope: { kind: "expired_or_stale", staleBefore }, policy });
    return (await this.#db.run(stmt)).changes;
  }

  /**
   * Sizes and row counts, for dashboards and for deciding when to VACUUM or checkpoint: a large
   * `freelistCount` means VACUUM would shrink the file; a large WAL means checkpoints cannot keep up.
   */
  async getDatabaseStats(): Promise<DatabaseStats> {
    const one = async (stmt: Statement): Promise<unknown> => {
      const row = (await this.#db.run(stmt)).rows[0];
      return row === undefined ? undefined : Object.values(row)[0];
    };
    const sql = this.#sql;
    const pageCount = Number(await one(sql.storageFigure("page_count")));
    const pageSize = Number(await one(sql.storageFigure("page_size")));
    const freelistCount = Number(await one(sql.storageFigure("freelist_count")));
    const journalMode = String(await one(sql.storageFigure("journal_mode")));
    const schemaVersion = Number(await one(sql.storageFigure("user_version")));
    const counts = await readStatusCounts(this.#db);
    const byStatus = counts.byStatus;
    const taskCount = counts.total;
    const logCount = Number(await one(sql.countRows("task_logs")));
    const workerCount = Number(await one(sql.countRows("workers")));
    const path = await this.databasePath();
    let walSizeBytes: number | null = null;
    if (path !== null && this.#fs !== undefined) walSizeBytes = (await this.#fs.size(`${path}-wal`)) ?? 0;
    const totalSizeBytes = pageCount * pageSize;
    return Object.freeze({
      path,
      journalMode,
      schemaVersion,
      pageCount,
      pageSize,
      freelistCount,
      totalSizeBytes,
      totalSizeMb: round2(totalSizeBytes / MB),
      walSizeBytes,
      walSizeMb: walSizeBytes === null ? null : round2(walSizeBytes / MB),
      tasksByStatus: Object.freeze(byStatus) as DatabaseStats["tasksByStatus"],
      taskCount,
      logCount,
      workerCount,
    });
  }

  /**
   * `ANALYZE` and `PRAGMA optimize` (cheap, keeps query plans good); with `full`, also VACUUM
   * (see {@link vacuum} for its cost). Returns the steps it ran and their durations.
   */
  async optimize(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    const full = options?.full ?? false;
    if (typeof full !== "boolean") {
      throw new QueueValidationError("invalid optimize options", [`full: expected a boolean, got ${String(full)}`]);
    }
    const clock = this.#db.clock;
    const start = clock.now();
    const timed = async (stmt: Statement): Promise<number> => {
      const t0 = clock.now();
      await this.#db.run(stmt);
      return clock.now() - t0;
    };
    const analyze = await timed(this.#sql.analyze());
    const optimize = await timed(this.#sql.optimize());
    const vacuum = full ? await timed(this.#sql.vacuum()) : null;
    return Object.freeze({
      operations: Object.freeze<OptimizeOperation[]>(full ? ["analyze", "optimize", "vacuum"] : ["analyze", "optimize"]),
      durationsMs: Object.freeze({ analyze, optimize, vacuum }),
      totalMs: clock.now() - start,
    });
  }

  /**
   * Deletes `completed` tasks that finished more than `olderThanMs` ago, with their logs, in one
   * all-or-nothing batch. Logs are deleted explicitly rather than left to `ON DELETE CASCADE`, so
   * this also works on a connection opened with `foreign_keys` off. Failed and dead-lettered
   * tasks are kept for inspection. Returns how many tasks were deleted.
   */
  async purgeCompleted(options: PurgeCompletedOptions): Promise<number> {
    const olderThanMs = nonNegative(options?.olderThanMs, "olderThanMs", "purgeCompleted");
    const before = toSqlTime(this.#db.clock.now() - olderThanMs);
    const results = await this.#db.batch(this.#db.dialect.transitions.purgeCompletedBefore(before));
    return results.at(-1)?.changes ?? 0;
  }

  /**
   * Health check of the settings that matter for a queue: `journal_mode`, `busy_timeout`,
   * `synchronous` and `foreign_keys` of this connection, against the configured values (seed 002
   * defaults: WAL, 5000, NORMAL, ON). Returns one warning per difference, `[]` when all match.
   * An in-memory database cannot use WAL, so `memory` is expected there.
   */
  async checkPragmas(): Promise<string[]> {
    const warnings: string[] = [];
    const read = async (name: ConnectionSetting): Promise<unknown> => {
      const row = (await this.#db.run(this.#sql.connectionSetting(name))).rows[0];
      return row === undefined ? undefined : Object.values(row)[0];
    };
    const want = this.#pragmas;
    const memory = (await this.databasePath()) === null;

    if (want["journal_mode"] !== undefined) {
      const actual = String(await read("journal_mode")).toLowerCase();
      const expected = memory ? "memory" : String(want["journal_mode"]).toLowerCase();
      if (actual !== expected) warnings.push(`journal_mode is "${actual}", expected "${expected}"`);
    }
    if (want["busy_timeout"] !== undefined) {
      const actual = Number(await read("busy_timeout"));
      const expected = Number(want["busy_timeout"]);
      if (actual !== expected) warnings.push(`busy_timeout is ${actual} ms, expected ${expected} ms`);
    }
    const levelCheck = async (name: "synchronous" | "foreign_keys", names: Record<string, number>, show: (n: number) => string): Promise<void> => {
      const raw = want[name];
      if (raw === undefined) return;
      const text = String(raw).toUpperCase();
      const expected = typeof raw === "number" ? raw : /^\d+$/.test(text) ? Number(text) : names[text];
      const actual = Number(await read(name));
      if (expected === undefined) {
        warnings.push(`${name}: configured value ${JSON.stringify(raw)} is not recognised`);
      } else if (actual !== expected) {
        warnings.push(`${name} is ${show(actual)}, expected ${show(expected)}`);
      }
    };
    const syncName = (n: number): string => Object.keys(SYNCHRONOUS).find((k) => SYNCHRONOUS[k] === n) ?? String(n);
    await levelCheck("synchronous", SYNCHRONOUS, (n) => `${syncName(n)} (${n})`);
    await levelCheck("foreign_keys", BOOLEAN, (n) => (n === 1 ? "ON" : n === 0 ? "OFF" : String(n)));
    return warnings;
  }

  /** The main database file, from the options or `PRAGMA database_list`; `null` in memory. */
  async databasePath(): Promise<string | null> {
    if (this.#path !== undefined) return this.#path;
    const rows = (await this.#db.run(this.#sql.databaseList())).rows;
    const file = rows.find((r) => r["name"] === "main")?.["file"];
    return typeof file === "string" && file !== "" ? file : null;
  }
}
