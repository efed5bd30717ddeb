/**
 * Issue 10, defect 13, through the built package: a file made by the Python PrismQ queue (the
 * seeds' DDL, `user_version` 0, times from `isoformat()`, tasks in the Python engine's `leased`
 * status) is migrated so that every stored time is in the library's form and every task is
 * claimed, by the one reclaim rule where it was leased, at the time it was meant to run.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "./helpers/drivers.ts";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";

const { FakeClock, QueueDatabase, QueueWorker, SQLITE_SCHEMA_VERSION } = core;

/** The seeds' tables as the Python queue creates them: no `lease_token`, SQLite-clock defaults. */
const PYTHON_DDL = [
  `CREATE TABLE task_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 100,
    payload TEXT NOT NULL DEFAULT '{}',
    compatibility TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_after_utc DATETIME NOT NULL DEFAULT (datetime('now')),
    lease_until_utc DATETIME,
    reserved_at_utc DATETIME,
    processing_started_utc DATETIME,
    finished_at_utc DATETIME,
    locked_by TEXT,
    error_message TEXT,
    idempotency_key TEXT,
    created_at_utc DATETIME NOT NULL DEFAULT (datetime('now')),
    updated_at_utc DATETIME NOT NULL DEFAULT (datetime('now')),
    region TEXT GENERATED ALWAYS AS (json_extract(compatibility, '$.region')) VIRTUAL,
    format TEXT GENERATED ALWAYS AS (json_extract(payload, '$.format')) VIRTUAL
  )`,
  `CREATE TABLE workers (worker_id TEXT PRIMARY KEY, capabilities TEXT NOT NULL DEFAULT '{}', heartbeat_utc DATETIME NOT NULL DEFAULT (datetime('now')))`,
  `CREATE TABLE task_logs (log_id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL REFERENCES task_queue(id) ON DELETE CASCADE,
    at_utc DATETIME NOT NULL DEFAULT (datetime('now')), level TEXT NOT NULL, message TEXT, details TEXT)`,
  `CREATE INDEX ix_task_status_prio_time ON task_queue (status, priority, run_after_utc, id)`,
  `CREATE UNIQUE INDEX uq_task_idempotency ON task_queue (idempotency_key) WHERE idempotency_key IS NOT NULL`,
];

const at = (iso: string) => Date.parse(iso);
const NOW = at("2026-01-01T09:00:00.000Z");
const CREATED = "2026-01-01T07:00:00.123456+00:00";

/** The Python-made tasks: run_after_utc as the Python side wrote it, and when each must run. */
const TASKS: { name: string; status: string; runAfter: string; lease?: string | null; due: string }[] = [
  { name: "offset", status: "queued", runAfter: "2026-01-01T08:00:00+00:00", due: "2026-01-01T09:00:00Z" },
  { name: "naive-micro", status: "queued", runAfter: "2026-01-01T08:59:59.999999", due: "2026-01-01T09:00:00Z" },
  { name: "plus-two", status: "queued", runAfter: "2026-01-01T10:30:00+02:00", due: "2026-01-01T09:00:00Z" },
  { name: "space-micro-offset", status: "queued", runAfter: "2026-01-01 08:30:00.500000+00:00", due: "2026-01-01T09:00:00Z" },
  { name: "zulu-later", status: "queued", runAfter: "2026-01-01T09:30:00Z", due: "2026-01-01T09:30:00Z" },
  { name: "tomorrow-local", status: "queued", runAfter: "2026-01-02T01:00:00+02:00", due: "2026-01-01T23:00:00Z" },
  { name: "leased-expired", status: "leased", runAfter: "2026-01-01T07:00:00+00:00", lease: "2026-01-01T08:55:00+00:00", due: "2026-01-01T09:00:00Z" },
  { name: "leased-live", status: "leased", runAfter: "2026-01-01T07:00:00+00:00", lease: "2026-01-01T09:10:00.000000+00:00", due: "2026-01-01T09:10:00Z" },
  { name: "leased-no-lease", status: "leased", runAfter: "2026-01-01T07:00:00+00:00", lease: null, due: "2026-01-01T09:00:00Z" },
  { name: "processing-no-lease", status: "processing", runAfter: "2026-01-01T07:00:00", lease: null, due: "2026-01-01T09:00:00Z" },
];

const LIBRARY_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})?$/;

for (const d of DIST_DRIVERS) {
  describe(`adopting a Python-made file (built package) on ${d.name}`, () => {
    let tmp: ReturnType<typeof tempDir>;
    let path: string;

    beforeEach(async () => {
      tmp = tempDir("prismq-python-");
      path = join(tmp.dir, "python.db");
      const raw = d.open(path);
      for (const sql of PYTHON_DDL) await raw.execute({ sql, params: [] });
      for (const t of TASKS) {
        const leased = t.status !== "queued";
        await raw.execute({
          sql:
            `INSERT INTO task_queue (type, status, attempts, run_after_utc, lease_until_utc, reserved_at_utc, processing_started_utc,` +
            ` locked_by, created_at_utc, updated_at_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          params: [t.name, t.status, leased ? 1 : 0, t.runAfter, t.lease ?? null, leased ? CREATED : null, leased ? "2026-01-01T08:00:00Z" : null,
            leased ? "py-worker" : null, CREATED, CREATED],
        });
      }
      await raw.execute({
        sql: `INSERT INTO task_queue (type, status, attempts, run_after_utc, processing_started_utc, finished_at_utc, created_at_utc, updated_at_utc)` +
          ` VALUES ('done', 'completed', 1, '2025-12-31T22:00:00+00:00', '2025-12-31T22:00:01.5+00:00', '2025-12-31 22:00:02.250000Z', ?, ?)`,
        params: [CREATED, CREATED],
      });
      await raw.execute({ sql: `INSERT INTO workers (worker_id, heartbeat_utc) VALUES ('py-worker', '2026-01-01T08:59:00.000001+00:00')`, params: [] });
      await raw.execute({ sql: `INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (1, '2026-01-01T07:00:00.654321Z', 'INFO', 'enqueued')`, params: [] });
      await raw.close();
    });
    afterEach(() => tmp.cleanup());

    /** Opens the Python file with the built package (which migrates it), runs `fn`, closes. */
    async function adopted(fn: (db: InstanceType<typeof QueueDatabase>, clock: InstanceType<typeof FakeClock>) => Promise<void>): Promise<void> {
      const clock = new FakeClock(NOW);
      const db = await QueueDatabase.open(d.open(path), { clock });
      try {
        assert.equal(await db.schemaVersion(), SQLITE_SCHEMA_VERSION);
        await fn(db, clock);
      } finally {
        await db.close();
      }
    }
    const one = async (db: InstanceType<typeof QueueDatabase>, sql: string) => (await db.execute(sql)).rows[0]!;

    it("rewrites every stored time of task_queue, workers and task_logs to the library's UTC form", async () => {
      await adopted(async (db) => {
        // Every time column of the three tables is in the library's form.
        const columns: Record<string, string[]> = {
          task_queue: ["run_after_utc", "lease_until_utc", "reserved_at_utc", "processing_started_utc", "finished_at_utc", "created_at_utc", "updated_at_utc"],
          workers: ["heartbeat_utc"],
          task_logs: ["at_utc"],
        };
        for (const [table, cols] of Object.entries(columns)) {
          for (const row of (await db.execute(`SELECT ${cols.join(", ")} FROM ${table}`)).rows) {
            for (const c of cols) if (row[c] !== null) assert.match(String(row[c]), LIBRARY_TIME, `${table}.${c} = ${String(row[c])}`);
          }
        }
        assert.deepEqual({ ...(await one(db, "SELECT run_after_utc, created_at_utc FROM task_queue WHERE type = 'plus-two'")) }, {
          run_after_utc: "2026-01-01 08:30:00.000", created_at_utc: "2026-01-01 07:00:00.123",
        });
        assert.deepEqual({ ...(await one(db, "SELECT run_after_utc, processing_started_utc, finished_at_utc, status FROM task_queue WHERE type = 'done'")) }, {
          run_after_utc: "2025-12-31 22:00:00.000", processing_started_utc: "2025-12-31 22:00:01.500",
          finished_at_utc: "2025-12-31 22:00:02.250", status: "completed",
        });
        assert.equal((await one(db, "SELECT heartbeat_utc FROM workers"))["heartbeat_utc"], "2026-01-01 08:59:00.000");
        assert.equal((await one(db, "SELECT at_utc FROM task_logs WHERE message = 'enqueued'"))["at_utc"], "2026-01-01 07:00:00.654");
      });
    });

    it("maps the Python engine's leased status to processing with a lease the next claim can reclaim", async () => {
      await adopted(async (db) => {
        assert.deepEqual(
          (await db.execute("SELECT type, status, lease_until_utc, locked_by FROM task_queue WHERE type LIKE '%lease%' ORDER BY id")).rows.map((r) => ({ ...r })),
          [
            { type: "leased-expired", status: "processing", lease_until_utc: "2026-01-01 08:55:00.000", locked_by: "py-worker" },
            { type: "leased-live", status: "processing", lease_until_utc: "2026-01-01 09:10:00.000", locked_by: "py-worker" },
            { type: "leased-no-lease", status: "processing", lease_until_utc: "1970-01-01 00:00:00.000", locked_by: "py-worker" },
            { type: "processing-no-lease", status: "processing", lease_until_utc: "1970-01-01 00:00:00.000", locked_by: "py-worker" },
          ],
        );
        assert.equal((await one(db, "SELECT COUNT(*) AS n FROM task_queue WHERE status = 'leased'"))["n"], 0);
      });
    });

    it("claims every adopted task exactly when it is due, leased ones by the one reclaim rule", async () => {
      await adopted(async (db, clock) => {
        // Not a millisecond before its time, and not later.
        const worker = new QueueWorker(db, { workerId: "js", leaseMs: 24 * 3_600_000, taskLogs: false });
        for (const t of TASKS) worker.register(t.name, async () => {});
        const claimedAt = new Map<string, number>();
        const dues = [...new Set(TASKS.map((t) => at(t.due)))].sort((a, b) => a - b);
        for (const due of dues) {
          if (due > NOW) {
            clock.set(due - 1);
            assert.deepEqual((await worker.claimTasks(100)).map((t) => t.type), [], `nothing due at ${new Date(due - 1).toISOString()}`);
          }
          clock.set(due);
          for (const t of await worker.claimTasks(100)) claimedAt.set(t.type, due);
        }
        assert.deepEqual(
          Object.fromEntries(TASKS.map((t) => [t.name, claimedAt.has(t.name) ? new Date(claimedAt.get(t.name)!).toISOString() : null])),
          Object.fromEntries(TASKS.map((t) => [t.name, new Date(at(t.due)).toISOString()])),
        );

        // An adopted lease was taken back by the one reclaim rule: token bumped, attempt counted, logged.
        const leased = await one(db, "SELECT id, attempts, lease_token, locked_by FROM task_queue WHERE type = 'leased-expired'");
        assert.deepEqual([leased["attempts"], leased["lease_token"], leased["locked_by"]], [2, 2, "js"]);
        const logs = (await db.execute("SELECT level, message, json_extract(details, '$.reason') AS reason FROM task_logs WHERE task_id = ? ORDER BY log_id", [leased["id"]!])).rows;
        assert.deepEqual(logs.map((r) => [r["level"], r["reason"]]), [["INFO", "adopted"], ["WARNING", "lease_expired"]]);
      });
    });
  });
}
