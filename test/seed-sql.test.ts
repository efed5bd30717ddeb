/**
 * Every SQL snippet of seed 004 (Quick Start Guide) and seed 000 (Integration Guide), run
 * unchanged against our schema on every driver, each asserting what the seed says it does.
 *
 * The snippets are kept below exactly as the seeds write them (whitespace, comments and all);
 * the Python parameter tuples become arrays. The setup around them (rows with explicit
 * timestamps such as `datetime('now', '-8 days')`) is the tests' own SQL. Snippets that use
 * `datetime('now')` run on SQLite's real clock, as they do in the seeds.
 *
 * @module
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { isQueueError, QueueClient, QueueDatabase, QueueWorker, type SqlValue } from "../src/index.ts";

// ---------------------------------------------------------------------------------------------
// Seed 004 "Quick Start Guide", verbatim.
// ---------------------------------------------------------------------------------------------

/** 004 › Basic Usage › Enqueue a Task */
const QS_ENQUEUE = `
        INSERT INTO task_queue (type, payload, priority)
        VALUES (?, ?, ?)
    `;
/** 004 › Basic Usage › Enqueue a Task › Run It */
const QS_ENQUEUE_RUN_IT = "INSERT INTO task_queue (type, payload, priority) VALUES (?, ?, ?)";
/** 004 › Basic Usage › Query Tasks */
const QS_QUERY_QUEUED = `
    SELECT * FROM task_queue
    WHERE status = 'queued'
    ORDER BY priority ASC
`;
/** 004 › Basic Usage › Query Tasks › Run It */
const QS_QUERY_RUN_IT = "SELECT * FROM task_queue";
/** 004 › Basic Usage › Claim a Task (Worker): find next task */
const QS_CLAIM_SELECT = `
        SELECT * FROM task_queue
        WHERE status = 'queued'
          AND run_after_utc <= datetime('now')
        ORDER BY priority ASC, run_after_utc ASC
        LIMIT 1
    `;
/** 004 › Basic Usage › Claim a Task (Worker): claim task */
const QS_CLAIM_UPDATE = `
            UPDATE task_queue
            SET status = 'processing',
                locked_by = ?,
                lease_until_utc = datetime('now', '+5 minutes'),
                reserved_at_utc = datetime('now')
            WHERE id = ?
        `;
/** 004 › Basic Usage › Complete a Task */
const QS_COMPLETE = `
    UPDATE task_queue
    SET status = 'completed',
        finished_at_utc = datetime('now')
    WHERE id = ?
`;
/** 004 › Common Operations › Check Queue Status */
const QS_STATUS_COUNTS = `
    SELECT status, COUNT(*) as count
    FROM task_queue
    GROUP BY status
`;
/** 004 › Common Operations › View Recent Tasks */
const QS_RECENT = `
    SELECT * FROM task_queue
    ORDER BY created_at_utc DESC
    LIMIT 10
`;
/** 004 › Common Operations › Delete Completed Tasks */
const QS_DELETE_OLD_COMPLETED = `
    DELETE FROM task_queue
    WHERE status = 'completed'
      AND finished_at_utc < datetime('now', '-7 days')
`;
/** 004 › Common Operations › Retry Failed Task */
const QS_RETRY_FAILED = `
    UPDATE task_queue
    SET status = 'queued',
        locked_by = NULL,
        lease_until_utc = NULL,
        run_after_utc = datetime('now'),
        error_message = NULL
    WHERE id = ?
`;
/** 004 › Sample Scripts › producer.py */
const QS_PRODUCER_INSERT = `
            INSERT INTO task_queue (type, payload, priority)
            VALUES (?, ?, ?)
        `;
/** 004 › Sample Scripts › consumer.py: try to claim a task */
const QS_CONSUMER_SELECT = `
            SELECT * FROM task_queue
            WHERE status = 'queued'
            ORDER BY priority ASC
            LIMIT 1
        `;
/** 004 › Sample Scripts › consumer.py: claim task */
const QS_CONSUMER_CLAIM = `
                UPDATE task_queue
                SET status = 'processing',
                    locked_by = ?,
                    lease_until_utc = datetime('now', '+5 minutes')
                WHERE id = ?
            `;
/** 004 › Sample Scripts › consumer.py: complete task */
const QS_CONSUMER_COMPLETE = `
            UPDATE task_queue
            SET status = 'completed',
                finished_at_utc = datetime('now')
            WHERE id = ?
        `;
/** 004 › Quick Reference Card › Essential Commands */
const QR_ENQUEUE = "INSERT INTO task_queue (type, payload) VALUES (?, ?)";
const QR_QUERY = "SELECT * FROM task_queue WHERE status = 'queued'";
const QR_CLAIM_SELECT = "SELECT * FROM task_queue WHERE status = 'queued' LIMIT 1";
const QR_CLAIM_UPDATE = "UPDATE task_queue SET status = 'processing' WHERE id = ?";
const QR_COMPLETE = "UPDATE task_queue SET status = 'completed' WHERE id = ?";
/** 004 › Quick Reference Card › Useful Queries (each with its comment line) */
const UQ_COUNT_BY_STATUS = `-- Count tasks by status
SELECT status, COUNT(*) FROM task_queue GROUP BY status;`;
const UQ_RECENT_FAILED = `-- Recent failed tasks
SELECT * FROM task_queue WHERE status = 'failed' ORDER BY finished_at_utc DESC LIMIT 10;`;
const UQ_BY_PRIORITY = `-- Tasks by priority
SELECT priority, COUNT(*) FROM task_queue GROUP BY priority ORDER BY priority;`;
const UQ_AVG_PROCESSING = `-- Average processing time
SELECT AVG(JULIANDAY(finished_at_utc) - JULIANDAY(processing_started_utc)) * 86400 AS avg_seconds
FROM task_queue WHERE status = 'completed';`;
// Two lines of this one end in a space in the seed; the array keeps them visible.
const UQ_STUCK = [
  "-- Stuck tasks (processing >10 minutes)",
  "SELECT * FROM task_queue ",
  "WHERE status = 'processing' ",
  "  AND processing_started_utc < datetime('now', '-10 minutes');",
].join("\n");

// ---------------------------------------------------------------------------------------------
// Seed 000 "Integration Guide", verbatim.
// ---------------------------------------------------------------------------------------------

/** 000 › Use Case 1 › enqueue_video_processing (also Use Case 2 › enqueue_user_action) */
const IG_ENQUEUE_WITH_MAX_ATTEMPTS = `
            INSERT INTO task_queue (type, payload, priority, max_attempts)
            VALUES (?, ?, ?, ?)
        `;
/** 000 › Use Case 1 › Worker Implementation: claim next task (priority-based) */
const IG_VIDEO_CLAIM_SELECT = `
            SELECT * FROM task_queue
            WHERE status = 'queued'
              AND type = 'video_processing'
              AND run_after_utc <= datetime('now')
            ORDER BY priority ASC, run_after_utc ASC
            LIMIT 1
        `;
/** 000 › Use Case 1 › Worker Implementation: claim with lease */
const IG_VIDEO_CLAIM_UPDATE = `
                UPDATE task_queue
                SET status = 'processing',
                    locked_by = ?,
                    lease_until_utc = datetime('now', '+10 minutes'),
                    processing_started_utc = datetime('now')
                WHERE id = ?
            `;
/** 000 › Use Case 1 › Worker Implementation: mark completed */
const IG_COMPLETE = `
                UPDATE task_queue
                SET status = 'completed',
                    finished_at_utc = datetime('now')
                WHERE id = ?
            `;
/** 000 › Use Case 1 › Worker Implementation: retry with exponential backoff */
const IG_RETRY_BACKOFF = `
                    UPDATE task_queue
                    SET status = 'queued',
                        attempts = attempts + 1,
                        locked_by = NULL,
                        lease_until_utc = NULL,
                        run_after_utc = datetime('now', ? || ' minutes'),
                        error_message = ?
                    WHERE id = ?
                `;
/** 000 › Use Case 1 › Worker Implementation: max attempts reached */
const IG_FAIL = `
                    UPDATE task_queue
                    SET status = 'failed',
                        finished_at_utc = datetime('now'),
                        error_message = ?
                    WHERE id = ?
                `;
/** 000 › Use Case 2 › Worker (LIFO order) */
const IG_LIFO_SELECT = `
    SELECT * FROM task_queue
    WHERE status = 'queued'
      AND type = 'user_action'
    ORDER BY run_after_utc DESC, id DESC  -- LIFO (newest first)
    LIMIT 1
`;
/** 000 › Use Case 3 › enqueue_scheduled_task */
const IG_SCHEDULED_INSERT = `
                INSERT INTO task_queue (type, payload, priority, run_after_utc, idempotency_key)
                VALUES (?, ?, ?, ?, ?)
            `;
/** 000 › Use Case 4 › Worker with weighted random selection */
const IG_WEIGHTED_RANDOM_SELECT = `
    SELECT * FROM task_queue
    WHERE status = 'queued'
      AND type = ?
    ORDER BY RANDOM()  -- Weighted random (future: add priority weights)
    LIMIT 1
`;
/** 000 › Migration Strategy › Step 4 › get_queue_metrics (the seed's `SELECT ` ends in a space) */
const IG_QUEUE_METRICS = [
  "",
  "        SELECT ",
  "            status,",
  "            COUNT(*) as count,",
  "            AVG(JULIANDAY(finished_at_utc) - JULIANDAY(processing_started_utc)) * 86400 as avg_duration_sec",
  "        FROM task_queue",
  "        WHERE created_at_utc > datetime('now', '-1 hour')",
  "        GROUP BY status",
  "    ",
].join("\n");
/** 000 › Migration Strategy › Step 4 › check_queue_health */
const IG_STUCK_COUNT = `
        SELECT COUNT(*) as stuck_count
        FROM task_queue
        WHERE status = 'processing'
          AND processing_started_utc < datetime('now', '-10 minutes')
    `;
/** 000 › Production Deployment › Monitoring Setup › update_metrics (Prometheus) */
const IG_PROMETHEUS_COUNTS = `
        SELECT status, COUNT(*) as count
        FROM task_queue
        GROUP BY status
    `;
/** 000 › Best Practices › 1. Idempotency */
const IG_IDEMPOTENT_INSERT = `
            INSERT INTO task_queue (type, payload, idempotency_key)
            VALUES (?, ?, ?)
        `;
/** 000 › Best Practices › 3. Monitoring and Alerts › check_failure_rate (`SELECT ` ends in a space) */
const IG_FAILURE_RATE = [
  "",
  "        SELECT ",
  "            COUNT(*) FILTER (WHERE status = 'failed') * 100.0 / COUNT(*) as failure_rate",
  "        FROM task_queue",
  "        WHERE created_at_utc > datetime('now', '-1 hour')",
  "    ",
].join("\n");

// ---------------------------------------------------------------------------------------------
// Setup helpers (the tests' own SQL, not the seeds').
// ---------------------------------------------------------------------------------------------

type Row = Record<string, SqlValue>;
/** A raw SQL expression for a setup column, e.g. a time relative to SQLite's now. */
type Cell = SqlValue | { readonly expr: string };

/** `datetime('now', modifier)`: SQLite's clock, seconds precision, like the seeds write. */
const at = (modifier: string): Cell => ({ expr: `datetime('now', '${modifier}')` });

function isExpr(v: Cell): v is { readonly expr: string } {
  return typeof v === "object" && v !== null && "expr" in v;
}

/** Inserts one row for setup and returns its id. `type` defaults to "job". */
async function add(db: QueueDatabase, cols: Readonly<Record<string, Cell>> = {}): Promise<number> {
  const all: Record<string, Cell> = { type: "job", ...cols };
  const names = Object.keys(all);
  const params: SqlValue[] = [];
  const values = names.map((n) => {
    const v = all[n]!;
    if (isExpr(v)) return v.expr;
    params.push(v);
    return "?";
  });
  const r = await db.execute(
    `INSERT INTO task_queue (${names.join(", ")}) VALUES (${values.join(", ")}) RETURNING id`,
    params,
  );
  return Number(r.rows[0]!["id"]);
}

/** The row as a plain object (node:sqlite returns null-prototype rows). */
async function get(db: QueueDatabase, id: number): Promise<Row> {
  const r = await db.execute("SELECT * FROM task_queue WHERE id = ?", [id]);
  assert.equal(r.rows.length, 1, `task ${id} exists`);
  return { ...r.rows[0]! };
}

/** Seconds from SQLite's now to the row's `column` (negative: in the past). */
async function secondsFromNow(db: QueueDatabase, id: number, column: string): Promise<number> {
  const r = await db.execute(
    `SELECT (julianday(${column}) - julianday('now')) * 86400 AS s FROM task_queue WHERE id = ?`,
    [id],
  );
  const s = r.rows[0]?.["s"];
  assert.equal(typeof s, "number", `${column} of task ${id} is a time`);
  return s as number;
}

const ids = (rows: readonly Readonly<Row>[]): number[] => rows.map((r) => Number(r["id"]));
const plain = (rows: readonly Readonly<Row>[]): Row[] => rows.map((r) => ({ ...r }));

/** The seeds' status rows as `{ status: count }`. */
function byStatus(rows: readonly Readonly<Row>[], countColumn: string): Record<string, SqlValue> {
  return Object.fromEntries(rows.map((r) => [String(r["status"]), r[countColumn]!]));
}

/** Python's `str(datetime)` for a naive UTC datetime without microseconds: `YYYY-MM-DD HH:MM:SS`. */
function pyDatetime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace("T", " ");
}

/** Columns every seed snippet reads or writes; `SELECT *` must return them all. */
const SEED_COLUMNS = [
  "id", "type", "priority", "payload", "compatibility", "status", "attempts", "max_attempts",
  "run_after_utc", "lease_until_utc", "reserved_at_utc", "processing_started_utc", "finished_at_utc",
  "locked_by", "error_message", "idempotency_key", "created_at_utc", "updated_at_utc", "region", "format",
];

// ---------------------------------------------------------------------------------------------

for (const d of DRIVERS) {
  describe(`seed SQL on ${d.name}`, () => {
    let db: QueueDatabase;

    beforeEach(async () => {
      db = await QueueDatabase.open(d.open());
    });
    afterEach(async () => {
      await db.close();
    });

    describe("004 Quick Start Guide", () => {
      // 004 Quick Start › Basic Usage › Enqueue a Task
      it("Enqueue a Task: the INSERT in a transaction stores a queued task and returns its id", async () => {
        const taskId = await db.transaction(async (conn) => {
          const cursor = await conn.execute(QS_ENQUEUE, ["video_processing", '{"video_id": "abc123"}', 50]);
          assert.equal(cursor.changes, 1);
          return Number(cursor.lastInsertRowid);
        });
        assert.equal(taskId, 1);
        const row = await get(db, taskId);
        assert.equal(row["type"], "video_processing");
        assert.equal(row["payload"], '{"video_id": "abc123"}');
        assert.equal(row["priority"], 50);
        assert.equal(row["status"], "queued");
        assert.equal(row["attempts"], 0);
        assert.equal(row["max_attempts"], 5);
        assert.equal(row["locked_by"], null);
        // Defaults fill the times the INSERT leaves out, at SQLite's now.
        assert.ok(Math.abs(await secondsFromNow(db, taskId, "run_after_utc")) < 5);
        assert.ok(Math.abs(await secondsFromNow(db, taskId, "created_at_utc")) < 5);
        const second = await db.transaction(async (conn) =>
          Number((await conn.execute(QS_ENQUEUE, ["video_processing", '{"video_id": "def456"}', 50])).lastInsertRowid),
        );
        assert.equal(second, 2);
      });

      // 004 Quick Start › Basic Usage › Enqueue a Task › Run It
      it("Enqueue a Task (Run It): the one-line INSERT stores the task with its priority", async () => {
        const id = await db.transaction(async (conn) => {
          const cursor = await conn.execute(QS_ENQUEUE_RUN_IT, ["test", "{}", 100]);
          return Number(cursor.lastInsertRowid);
        });
        const row = await get(db, id);
        assert.deepEqual([row["type"], row["payload"], row["priority"], row["status"]], ["test", "{}", 100, "queued"]);
      });

      // 004 Quick Start › Basic Usage › Query Tasks (and its Run It)
      it("Query Tasks: lists only queued tasks, highest priority (lowest number) first; Run It lists all", async () => {
        const low = await add(db, { priority: 100 });
        const high = await add(db, { priority: 10 });
        const mid = await add(db, { priority: 50 });
        const busy = await add(db, { priority: 1, status: "processing" });
        const queued = (await db.execute(QS_QUERY_QUEUED)).rows;
        assert.deepEqual(ids(queued), [high, mid, low]);
        assert.deepEqual(queued.map((r) => r["status"]), ["queued", "queued", "queued"]);
        // Task.from_dict(dict(row)) needs every column of the seed's schema.
        for (const c of SEED_COLUMNS) assert.ok(c in queued[0]!, `SELECT * returns ${c}`);
        const all = (await db.execute(QS_QUERY_RUN_IT)).rows;
        assert.deepEqual(ids(all).sort((a, b) => a - b), [low, high, mid, busy]);
      });

      // 004 Quick Start › Basic Usage › Claim a Task (Worker)
      it("Claim a Task: the SELECT picks the runnable task by priority then run_after; the UPDATE leases it", async () => {
        await add(db, { priority: 100, run_after_utc: at("-1 hour") });
        const later = await add(db, { priority: 50, run_after_utc: at("-1 minutes") });
        const earlier = await add(db, { priority: 50, run_after_utc: at("-2 minutes") });
        await add(db, { priority: 10, run_after_utc: at("+1 hour") }); // not runnable yet
        await add(db, { priority: 1, status: "processing", run_after_utc: at("-1 hour") }); // not queued
        const workerId = "worker-01";

        const claim = () =>
          db.transaction(async (conn) => {
            const row = (await conn.execute(QS_CLAIM_SELECT)).rows[0];
            if (row === undefined) return null;
            const u = await conn.execute(QS_CLAIM_UPDATE, [workerId, row["id"]!]);
            assert.equal(u.changes, 1);
            return Number(row["id"]);
          });

        assert.equal(await claim(), earlier);
        const t = await get(db, earlier);
        assert.equal(t["status"], "processing");
        assert.equal(t["locked_by"], "worker-01");
        assert.ok(Math.abs(await secondsFromNow(db, earlier, "reserved_at_utc")) < 5);
        const lease = await db.execute(
          "SELECT lease_until_utc = datetime(reserved_at_utc, '+5 minutes') AS ok FROM task_queue WHERE id = ?",
          [earlier],
        );
        assert.equal(lease.rows[0]!["ok"], 1, "lease runs 5 minutes from the claim");
        // The claimed task is no longer offered; the next one is.
        assert.equal(await claim(), later);
      });

      // 004 Quick Start › Basic Usage › Claim a Task (Worker), when nothing is runnable
      it("Claim a Task: the SELECT finds nothing when no queued task is due", async () => {
        await add(db, { run_after_utc: at("+10 minutes") });
        await add(db, { status: "processing", run_after_utc: at("-1 hour") });
        await add(db, { status: "completed", run_after_utc: at("-1 hour") });
        assert.deepEqual((await db.execute(QS_CLAIM_SELECT)).rows, []);
      });

      // 004 Quick Start › Basic Usage › Complete a Task
      it("Complete a Task: marks that task completed with finished_at now, and no other", async () => {
        const a = await add(db, { status: "processing", locked_by: "worker-01" });
        const b = await add(db, { status: "processing", locked_by: "worker-02" });
        const r = await db.execute(QS_COMPLETE, [a]);
        assert.equal(r.changes, 1);
        const row = await get(db, a);
        assert.equal(row["status"], "completed");
        assert.ok(Math.abs(await secondsFromNow(db, a, "finished_at_utc")) < 5);
        const other = await get(db, b);
        assert.equal(other["status"], "processing");
        assert.equal(other["finished_at_utc"], null);
      });

      // 004 Quick Start › Common Operations › Check Queue Status
      it("Check Queue Status: counts by status under the column `count`", async () => {
        for (let i = 0; i < 3; i++) await add(db, { status: "queued" });
        for (let i = 0; i < 2; i++) await add(db, { status: "processing" });
        for (let i = 0; i < 4; i++) await add(db, { status: "completed" });
        await add(db, { status: "failed" });
        const rows = (await db.execute(QS_STATUS_COUNTS)).rows;
        assert.deepEqual(byStatus(rows, "count"), { queued: 3, processing: 2, completed: 4, failed: 1 });
      });

      // 004 Quick Start › Common Operations › View Recent Tasks
      it("View Recent Tasks: the 10 newest tasks by created_at, newest first", async () => {
        const byAge = new Map<number, number>(); // minutes ago -> id
        for (const minutes of [7, 1, 12, 3, 9, 5, 11, 2, 8, 4, 10, 6]) {
          byAge.set(minutes, await add(db, { created_at_utc: at(`-${minutes} minutes`) }));
        }
        const rows = (await db.execute(QS_RECENT)).rows;
        assert.deepEqual(ids(rows), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => byAge.get(m)));
      });

      // 004 Quick Start › Common Operations › Delete Completed Tasks
      it("Delete Completed Tasks: deletes only completed tasks finished more than 7 days ago", async () => {
        const old1 = await add(db, { status: "completed", finished_at_utc: at("-8 days") });
        const old2 = await add(db, { status: "completed", finished_at_utc: at("-30 days") });
        const recent = await add(db, { status: "completed", finished_at_utc: at("-6 days") });
        const oldFailed = await add(db, { status: "failed", finished_at_utc: at("-30 days") });
        const oldQueued = await add(db, { status: "queued", created_at_utc: at("-30 days") });
        const running = await add(db, { status: "processing", processing_started_utc: at("-9 days") });
        // Log rows of a deleted task go with it (foreign keys are on; ON DELETE CASCADE).
        await db.execute("INSERT INTO task_logs (task_id, level, message) VALUES (?, 'INFO', 'done'), (?, 'INFO', 'kept')", [old1, recent]);
        const cursor = await db.execute(QS_DELETE_OLD_COMPLETED);
        assert.equal(cursor.changes, 2, "deleted_count = cursor.rowcount");
        const logs = (await db.execute("SELECT task_id FROM task_logs")).rows.map((r) => Number(r["task_id"]));
        assert.deepEqual(logs, [recent]);
        const left = ids((await db.execute("SELECT id FROM task_queue ORDER BY id")).rows);
        assert.deepEqual(left, [recent, oldFailed, oldQueued, running]);
        assert.ok(!left.includes(old1) && !left.includes(old2));
      });

      // 004 Quick Start › Common Operations › Retry Failed Task
      it("Retry Failed Task: requeues the task, clears lock, lease and error, and makes it due now", async () => {
        const failed = await add(db, {
          status: "failed",
          locked_by: "worker-01",
          lease_until_utc: at("-1 hour"),
          run_after_utc: at("-2 hours"),
          error_message: "boom",
          attempts: 5,
          finished_at_utc: at("-1 hour"),
        });
        const other = await add(db, { status: "failed", error_message: "other", run_after_utc: at("-2 hours") });
        const r = await db.execute(QS_RETRY_FAILED, [failed]);
        assert.equal(r.changes, 1);
        const row = await get(db, failed);
        assert.equal(row["status"], "queued");
        assert.equal(row["locked_by"], null);
        assert.equal(row["lease_until_utc"], null);
        assert.equal(row["error_message"], null);
        assert.ok(Math.abs(await secondsFromNow(db, failed, "run_after_utc")) < 5);
        assert.equal((await get(db, other))["status"], "failed", "only the given task is reset");
        // And the Quick Start's claim finds it again.
        assert.deepEqual(ids((await db.execute(QS_CLAIM_SELECT)).rows), [failed]);
      });

      // 004 Quick Start › Sample Scripts › producer.py
      it("producer.py: each INSERT in its own transaction enqueues the next job with its JSON payload", async () => {
        const ids: number[] = [];
        for (let taskNum = 1; taskNum <= 3; taskNum++) {
          ids.push(
            await db.transaction(async (conn) => {
              const cursor = await conn.execute(QS_PRODUCER_INSERT, ["job", `{"id": ${taskNum}}`, 100]);
              return Number(cursor.lastInsertRowid);
            }),
          );
        }
        assert.deepEqual(ids, [1, 2, 3]);
        const rows = (await db.execute("SELECT id, type, priority, status, json_extract(payload, '$.id') AS n FROM task_queue ORDER BY id")).rows;
        assert.deepEqual(plain(rows), [
          { id: 1, type: "job", priority: 100, status: "queued", n: 1 },
          { id: 2, type: "job", priority: 100, status: "queued", n: 2 },
          { id: 3, type: "job", priority: 100, status: "queued", n: 3 },
        ]);
      });

      // 004 Quick Start › Sample Scripts › consumer.py
      it("consumer.py: claims by priority with a 5-minute lease, completes, and finds nothing when drained", async () => {
        const normal = await add(db, { priority: 100 });
        const urgent = await add(db, { priority: 5 });
        const workerId = "worker-01";
        const loop = async (): Promise<number | null> => {
          const task = await db.transaction(async (conn) => {
            const row = (await conn.execute(QS_CONSUMER_SELECT)).rows[0];
            if (row === undefined) return null;
            assert.equal((await conn.execute(QS_CONSUMER_CLAIM, [workerId, row["id"]!])).changes, 1);
            return Number(row["id"]);
          });
          if (task === null) return null;
          const claimed = await get(db, task);
          assert.equal(claimed["status"], "processing");
          assert.equal(claimed["locked_by"], "worker-01");
          const lease = await secondsFromNow(db, task, "lease_until_utc");
          assert.ok(lease > 295 && lease < 300.01, `lease ${lease}s ≈ 5 minutes`);
          assert.equal((await db.execute(QS_CONSUMER_COMPLETE, [task])).changes, 1);
          return task;
        };
        assert.equal(await loop(), urgent);
        assert.equal(await loop(), normal);
        assert.equal(await loop(), null);
        const rows = (await db.execute("SELECT status, finished_at_utc IS NOT NULL AS done FROM task_queue")).rows;
        assert.deepEqual(plain(rows), [
          { status: "completed", done: 1 },
          { status: "completed", done: 1 },
        ]);
      });

      // 004 Quick Start › Quick Reference Card › Essential Commands
      it("Quick Reference Card: enqueue, query, claim and complete", async () => {
        await db.transaction(async (conn) => {
          await conn.execute(QR_ENQUEUE, ["job", "{}"]);
        });
        const queued = (await db.execute(QR_QUERY)).rows;
        assert.equal(queued.length, 1);
        assert.deepEqual([queued[0]!["type"], queued[0]!["payload"], queued[0]!["priority"]], ["job", "{}", 100]);
        const claimedId = await db.transaction(async (conn) => {
          const row = (await conn.execute(QR_CLAIM_SELECT)).rows[0];
          assert.ok(row);
          assert.equal((await conn.execute(QR_CLAIM_UPDATE, [row["id"]!])).changes, 1);
          return Number(row["id"]);
        });
        assert.equal((await get(db, claimedId))["status"], "processing");
        assert.deepEqual((await db.execute(QR_CLAIM_SELECT)).rows, [], "nothing else to claim");
        assert.equal((await db.execute(QR_COMPLETE, [claimedId])).changes, 1);
        assert.equal((await get(db, claimedId))["status"], "completed");
        assert.deepEqual((await db.execute(QR_QUERY)).rows, []);
      });

      // 004 Quick Start › Quick Reference Card › Useful Queries › Count tasks by status
      it("Useful Queries: count tasks by status", async () => {
        await add(db, { status: "queued" });
        await add(db, { status: "queued" });
        await add(db, { status: "failed" });
        const rows = (await db.execute(UQ_COUNT_BY_STATUS)).rows;
        assert.deepEqual(byStatus(rows, "COUNT(*)"), { queued: 2, failed: 1 });
      });

      // 004 Quick Start › Quick Reference Card › Useful Queries › Recent failed tasks
      it("Useful Queries: the 10 most recently finished failed tasks, newest first", async () => {
        const byAge = new Map<number, number>();
        for (const minutes of [4, 11, 1, 8, 6, 2, 12, 9, 3, 7, 10, 5]) {
          byAge.set(minutes, await add(db, { status: "failed", finished_at_utc: at(`-${minutes} minutes`) }));
        }
        await add(db, { status: "completed", finished_at_utc: at("-10 seconds") });
        await add(db, { status: "dead_letter", finished_at_utc: at("-10 seconds") });
        const rows = (await db.execute(UQ_RECENT_FAILED)).rows;
        assert.deepEqual(ids(rows), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => byAge.get(m)));
      });

      // 004 Quick Start › Quick Reference Card › Useful Queries › Tasks by priority
      it("Useful Queries: tasks by priority, in priority order", async () => {
        for (const p of [100, 10, 100, 200, 10, 100]) await add(db, { priority: p });
        const rows = (await db.execute(UQ_BY_PRIORITY)).rows;
        assert.deepEqual(plain(rows), [
          { priority: 10, "COUNT(*)": 2 },
          { priority: 100, "COUNT(*)": 3 },
          { priority: 200, "COUNT(*)": 1 },
        ]);
      });

      // 004 Quick Start › Quick Reference Card › Useful Queries › Average processing time
      it("Useful Queries: average processing time of completed tasks, in seconds", async () => {
        await add(db, { status: "completed", processing_started_utc: at("-130 seconds"), finished_at_utc: at("-100 seconds") });
        await add(db, { status: "completed", processing_started_utc: at("-190 seconds"), finished_at_utc: at("-100 seconds") });
        await add(db, { status: "failed", processing_started_utc: at("-2000 seconds"), finished_at_utc: at("-100 seconds") });
        const avg = (await db.execute(UQ_AVG_PROCESSING)).rows[0]!["avg_seconds"];
        assert.equal(typeof avg, "number");
        assert.ok(Math.abs((avg as number) - 60) < 0.01, `avg_seconds ${String(avg)} ≈ 60`);
      });

      // 004 Quick Start › Quick Reference Card › Useful Queries › Stuck tasks (processing >10 minutes)
      it("Useful Queries: stuck tasks are processing tasks started more than 10 minutes ago, and only those", async () => {
        const stuck = await add(db, { status: "processing", processing_started_utc: at("-15 minutes") });
        const veryStuck = await add(db, { status: "processing", processing_started_utc: at("-2 days") });
        await add(db, { status: "processing", processing_started_utc: at("-5 minutes") });
        await add(db, { status: "queued", processing_started_utc: at("-20 minutes") });
        await add(db, { status: "completed", processing_started_utc: at("-1 hour") });
        await add(db, { status: "processing" }); // never started: NULL is not "< 10 minutes ago"
        const rows = (await db.execute(UQ_STUCK)).rows;
        assert.deepEqual(ids(rows).sort((a, b) => a - b), [stuck, veryStuck]);
      });
    });

    describe("000 Integration Guide", () => {
      // 000 Integration › Use Case 1: Background Data Processing › enqueue_video_processing
      it("Use Case 1: enqueue_video_processing stores the JSON payload, priority and 5 attempts", async () => {
        const enqueueVideoProcessing = (videoId: string, priority = 100) => {
          const payload = { video_id: videoId, format: "mp4", quality: "1080p" };
          return db.transaction(async (conn) => {
            const cursor = await conn.execute(IG_ENQUEUE_WITH_MAX_ATTEMPTS, [
              "video_processing",
              JSON.stringify(payload),
              priority,
              5,
            ]);
            return Number(cursor.lastInsertRowid);
          });
        };
        const userInitiated = await enqueueVideoProcessing("abc123", 50);
        const scheduled = await enqueueVideoProcessing("def456", 200);
        assert.deepEqual([userInitiated, scheduled], [1, 2]);
        const rows = (
          await db.execute("SELECT id, type, priority, max_attempts, status, payload, format FROM task_queue ORDER BY id")
        ).rows;
        assert.deepEqual(
          rows.map((r) => [r["priority"], r["max_attempts"], r["status"], JSON.parse(String(r["payload"]))]),
          [
            [50, 5, "queued", { video_id: "abc123", format: "mp4", quality: "1080p" }],
            [200, 5, "queued", { video_id: "def456", format: "mp4", quality: "1080p" }],
          ],
        );
        // The schema's generated column reads payload.format.
        assert.deepEqual(rows.map((r) => r["format"]), ["mp4", "mp4"]);
      });

      // 000 Integration › Use Case 1 › Worker Implementation › claim next task / claim with lease
      it("Use Case 1 worker: claims the due video task by priority with a 10-minute lease", async () => {
        const lowPrio = await add(db, { type: "video_processing", priority: 200, run_after_utc: at("-1 hour") });
        const highPrio = await add(db, { type: "video_processing", priority: 50, run_after_utc: at("-1 minutes") });
        await add(db, { type: "other", priority: 1, run_after_utc: at("-1 hour") });
        await add(db, { type: "video_processing", priority: 10, run_after_utc: at("+5 minutes") });
        await add(db, { type: "video_processing", priority: 1, status: "processing", run_after_utc: at("-1 hour") });
        const workerId = "worker-video-01";
        const claim = () =>
          db.transaction(async (conn) => {
            const row = (await conn.execute(IG_VIDEO_CLAIM_SELECT)).rows[0];
            if (row === undefined) return null;
            assert.equal((await conn.execute(IG_VIDEO_CLAIM_UPDATE, [workerId, row["id"]!])).changes, 1);
            return Number(row["id"]);
          });
        assert.equal(await claim(), highPrio);
        const t = await get(db, highPrio);
        assert.equal(t["status"], "processing");
        assert.equal(t["locked_by"], "worker-video-01");
        assert.ok(Math.abs(await secondsFromNow(db, highPrio, "processing_started_utc")) < 5);
        const lease = await db.execute(
          "SELECT lease_until_utc = datetime(processing_started_utc, '+10 minutes') AS ok FROM task_queue WHERE id = ?",
          [highPrio],
        );
        assert.equal(lease.rows[0]!["ok"], 1, "lease runs 10 minutes from processing start");
        assert.equal(await claim(), lowPrio);
        assert.equal(await claim(), null, "the other type, the future task and the processing one stay");
      });

      // 000 Integration › Use Case 1 › Worker Implementation › mark completed
      it("Use Case 1 worker: marks the processed task completed", async () => {
        const id = await add(db, { type: "video_processing", status: "processing", locked_by: "worker-video-01" });
        const other = await add(db, { type: "video_processing", status: "processing" });
        assert.equal((await db.execute(IG_COMPLETE, [id])).changes, 1);
        const row = await get(db, id);
        assert.equal(row["status"], "completed");
        assert.ok(Math.abs(await secondsFromNow(db, id, "finished_at_utc")) < 5);
        assert.equal((await get(db, other))["status"], "processing");
      });

      // 000 Integration › Use Case 1 › Worker Implementation › retry with exponential backoff
      it("Use Case 1 worker: the retry UPDATE requeues with attempts + 1 and run_after now + 2^attempts minutes", async () => {
        const id = await add(db, {
          type: "video_processing",
          status: "processing",
          locked_by: "worker-video-01",
          lease_until_utc: at("+10 minutes"),
          attempts: 0,
          max_attempts: 5,
        });
        for (const expectedMinutes of [1, 2, 4]) {
          const task = await get(db, id);
          const attempts = Number(task["attempts"]);
          assert.ok(attempts + 1 < Number(task["max_attempts"]));
          const backoffMinutes = 2 ** attempts;
          assert.equal(backoffMinutes, expectedMinutes);
          const r = await db.execute(IG_RETRY_BACKOFF, [backoffMinutes, "Error: network down", id]);
          assert.equal(r.changes, 1);
          const row = await get(db, id);
          assert.equal(row["status"], "queued");
          assert.equal(row["attempts"], attempts + 1);
          assert.equal(row["locked_by"], null);
          assert.equal(row["lease_until_utc"], null);
          assert.equal(row["error_message"], "Error: network down");
          const wait = await secondsFromNow(db, id, "run_after_utc");
          assert.ok(
            wait > backoffMinutes * 60 - 5 && wait < backoffMinutes * 60 + 0.01,
            `run_after ${wait}s ≈ ${backoffMinutes} minutes`,
          );
          // Requeued but backing off: the claim does not see it yet.
          assert.deepEqual((await db.execute(IG_VIDEO_CLAIM_SELECT)).rows, []);
          // Set up the next round as the worker loop would: claimed again, then failed again.
          await db.execute("UPDATE task_queue SET status = 'processing', locked_by = 'worker-video-01' WHERE id = ?", [id]);
        }
      });

      // 000 Integration › Use Case 1 › Worker Implementation › max attempts reached
      it("Use Case 1 worker: the fail UPDATE ends the task failed with its error", async () => {
        const id = await add(db, { type: "video_processing", status: "processing", attempts: 4, max_attempts: 5 });
        assert.equal((await db.execute(IG_FAIL, ["Error: corrupt file", id])).changes, 1);
        const row = await get(db, id);
        assert.equal(row["status"], "failed");
        assert.equal(row["error_message"], "Error: corrupt file");
        assert.ok(Math.abs(await secondsFromNow(db, id, "finished_at_utc")) < 5);
      });

      // 000 Integration › Use Case 2: User-Initiated Actions (LIFO)
      it("Use Case 2: enqueue_user_action stores priority 10 / 1 attempt; the LIFO query returns newest first", async () => {
        const enqueueUserAction = (userId: string, action: string) => {
          const payload = { user_id: userId, action, timestamp: new Date().toISOString() };
          return db.transaction(async (conn) => {
            const cursor = await conn.execute(IG_ENQUEUE_WITH_MAX_ATTEMPTS, ["user_action", JSON.stringify(payload), 10, 1]);
            return Number(cursor.lastInsertRowid);
          });
        };
        const first = await enqueueUserAction("u1", "refresh");
        const second = await enqueueUserAction("u1", "refresh");
        const third = await enqueueUserAction("u2", "refresh");
        await add(db, { type: "other_action" }); // newer, but another type
        const t = await get(db, third);
        assert.deepEqual([t["priority"], t["max_attempts"]], [10, 1]);
        assert.equal(JSON.parse(String(t["payload"])).user_id, "u2");

        const next = async () => ids((await db.execute(IG_LIFO_SELECT)).rows)[0] ?? null;
        assert.equal(await next(), third);
        await db.execute("UPDATE task_queue SET status = 'processing' WHERE id = ?", [third]);
        assert.equal(await next(), second);
        await db.execute("UPDATE task_queue SET status = 'completed' WHERE id = ?", [second]);
        assert.equal(await next(), first);
      });

      // 000 Integration › Use Case 3: Scheduled Tasks (Priority) › enqueue_scheduled_task
      it("Use Case 3: the scheduled INSERT stores run_after and a duplicate idempotency key raises a constraint error", async () => {
        const PRIORITY_CRITICAL = 10;
        const enqueueScheduledTask = async (taskName: string, priority: number, runAfter: string) => {
          const idempotencyKey = `scheduled:${taskName}:${runAfter.replace(" ", "T")}`;
          try {
            return await db.transaction(async (conn) => {
              const cursor = await conn.execute(IG_SCHEDULED_INSERT, [
                "scheduled_task",
                JSON.stringify({ task: taskName }),
                priority,
                runAfter,
                idempotencyKey,
              ]);
              return Number(cursor.lastInsertRowid);
            });
          } catch (err) {
            if (isQueueError(err, "CONSTRAINT")) return null; // sqlite3.IntegrityError
            throw err;
          }
        };
        const inOneHour = pyDatetime(Date.now() + 3600_000);
        const id = await enqueueScheduledTask("daily_backup", PRIORITY_CRITICAL, inOneHour);
        assert.equal(id, 1);
        const row = await get(db, 1);
        assert.equal(row["run_after_utc"], inOneHour);
        assert.equal(row["idempotency_key"], `scheduled:daily_backup:${inOneHour.replace(" ", "T")}`);
        assert.equal(row["priority"], 10);

        // The duplicate itself is refused with a constraint error...
        await assert.rejects(
          db.transaction((conn) =>
            conn.execute(IG_SCHEDULED_INSERT, [
              "scheduled_task",
              JSON.stringify({ task: "daily_backup" }),
              PRIORITY_CRITICAL,
              inOneHour,
              `scheduled:daily_backup:${inOneHour.replace(" ", "T")}`,
            ]),
          ),
          (err: unknown) => isQueueError(err, "CONSTRAINT") && (err as { code: string }).code === "CONSTRAINT",
        );
        // ...which the seed's function turns into None.
        assert.equal(await enqueueScheduledTask("daily_backup", PRIORITY_CRITICAL, inOneHour), null);
        // Another time is another key.
        const tomorrow = pyDatetime(Date.now() + 25 * 3600_000);
        assert.equal(await enqueueScheduledTask("daily_backup", PRIORITY_CRITICAL, tomorrow), 2);
        assert.equal((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]!["n"], 2);
        // Scheduled for later: not claimable now.
        assert.deepEqual((await db.execute(QS_CLAIM_SELECT)).rows, []);
      });

      // 000 Integration › Use Case 4: Load Balancing (Weighted Random)
      it("Use Case 4: the random SELECT returns only queued tasks of the given type, and not always the same", async () => {
        const eligible = [await add(db, { type: "load_balanced_task" }), await add(db, { type: "load_balanced_task", priority: 1 }), await add(db, { type: "load_balanced_task", priority: 500 })];
        await add(db, { type: "load_balanced_task", status: "processing" });
        await add(db, { type: "other_task" });
        const seen = new Set<number>();
        for (let i = 0; i < 60; i++) {
          const rows = (await db.execute(IG_WEIGHTED_RANDOM_SELECT, ["load_balanced_task"])).rows;
          assert.equal(rows.length, 1);
          const id = Number(rows[0]!["id"]);
          assert.ok(eligible.includes(id), `picked ${id}`);
          seen.add(id);
        }
        assert.ok(seen.size > 1, "RANDOM() spreads the picks");
      });

      // 000 Integration › Migration Strategy › Step 4: Monitor and Validate › get_queue_metrics
      it("Step 4 get_queue_metrics: last hour's counts and average duration by status", async () => {
        await add(db, { status: "completed", created_at_utc: at("-30 minutes"), processing_started_utc: at("-20 minutes"), finished_at_utc: at("-1190 seconds") });
        await add(db, { status: "completed", created_at_utc: at("-30 minutes"), processing_started_utc: at("-20 minutes"), finished_at_utc: at("-1180 seconds") });
        await add(db, { status: "failed", created_at_utc: at("-10 minutes"), processing_started_utc: at("-5 minutes"), finished_at_utc: at("-296 seconds") });
        await add(db, { status: "queued", created_at_utc: at("-1 minutes") });
        // Older than an hour: left out.
        await add(db, { status: "completed", created_at_utc: at("-2 hours"), processing_started_utc: at("-2 hours"), finished_at_utc: at("-1 hour") });
        await add(db, { status: "failed", created_at_utc: at("-61 minutes") });
        const rows = (await db.execute(IG_QUEUE_METRICS)).rows;
        const m = Object.fromEntries(rows.map((r) => [String(r["status"]), r]));
        assert.deepEqual(Object.keys(m).sort(), ["completed", "failed", "queued"]);
        assert.equal(m["completed"]!["count"], 2);
        assert.ok(Math.abs(Number(m["completed"]!["avg_duration_sec"]) - 15) < 0.01);
        assert.equal(m["failed"]!["count"], 1);
        assert.ok(Math.abs(Number(m["failed"]!["avg_duration_sec"]) - 4) < 0.01);
        assert.equal(m["queued"]!["count"], 1);
        assert.equal(m["queued"]!["avg_duration_sec"], null);
      });

      // 000 Integration › Migration Strategy › Step 4: Monitor and Validate › check_queue_health
      it("Step 4 check_queue_health: stuck_count counts only processing tasks started over 10 minutes ago", async () => {
        const health = async () => (await db.execute(IG_STUCK_COUNT)).rows[0]!["stuck_count"];
        assert.equal(await health(), 0);
        await add(db, { status: "processing", processing_started_utc: at("-11 minutes") });
        await add(db, { status: "processing", processing_started_utc: at("-3 hours") });
        await add(db, { status: "processing", processing_started_utc: at("-9 minutes") });
        await add(db, { status: "completed", processing_started_utc: at("-3 hours") });
        await add(db, { status: "queued", processing_started_utc: at("-3 hours") });
        assert.equal(await health(), 2);
      });

      // 000 Integration › Production Deployment › Monitoring Setup › update_metrics (Prometheus)
      it("Monitoring Setup update_metrics: GROUP BY status feeds the queue_size and processing gauges", async () => {
        for (let i = 0; i < 5; i++) await add(db, { status: "queued" });
        for (let i = 0; i < 2; i++) await add(db, { status: "processing" });
        await add(db, { status: "completed" });
        await add(db, { status: "cancelled" });
        const gauges: Record<string, SqlValue> = {};
        for (const row of (await db.execute(IG_PROMETHEUS_COUNTS)).rows) {
          if (row["status"] === "queued") gauges["queue_size"] = row["count"]!;
          else if (row["status"] === "processing") gauges["queue_processing"] = row["count"]!;
        }
        assert.deepEqual(gauges, { queue_size: 5, queue_processing: 2 });
        assert.deepEqual(byStatus((await db.execute(IG_PROMETHEUS_COUNTS)).rows, "count"), {
          queued: 5,
          processing: 2,
          completed: 1,
          cancelled: 1,
        });
      });

      // 000 Integration › Best Practices › 1. Idempotency
      it("Best Practices 1: a duplicate idempotency key raises inside the transaction, which still commits", async () => {
        const taskType = "video_processing";
        const idempotencyKey = `${taskType}:abc123`;
        const caught: unknown[] = [];
        const enqueueOnce = (payload: string) =>
          db.transaction(async (conn) => {
            try {
              await conn.execute(IG_IDEMPOTENT_INSERT, [taskType, payload, idempotencyKey]);
            } catch (err) {
              caught.push(err); // sqlite3.IntegrityError: duplicate, task already exists
            }
          });
        await enqueueOnce('{"n": 1}');
        assert.deepEqual(caught, []);
        await enqueueOnce('{"n": 2}');
        assert.equal(caught.length, 1);
        assert.ok(isQueueError(caught[0], "CONSTRAINT"), `got ${String(caught[0])}`);
        assert.equal((caught[0] as { code: string }).code, "CONSTRAINT");
        const rows = (await db.execute("SELECT type, payload, idempotency_key FROM task_queue")).rows;
        assert.deepEqual(plain(rows), [{ type: taskType, payload: '{"n": 1}', idempotency_key: idempotencyKey }]);
        // Tasks without a key never collide.
        await db.execute(IG_IDEMPOTENT_INSERT, [taskType, "{}", null]);
        await db.execute(IG_IDEMPOTENT_INSERT, [taskType, "{}", null]);
        assert.equal((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]!["n"], 3);
      });

      // 000 Integration › Best Practices › 3. Monitoring and Alerts › check_failure_rate
      it("Best Practices 3: COUNT(*) FILTER gives the last hour's failure rate in percent", async () => {
        assert.equal((await db.execute(IG_FAILURE_RATE)).rows[0]!["failure_rate"], null, "no tasks: NULL, not an error");
        await add(db, { status: "failed", created_at_utc: at("-10 minutes") });
        await add(db, { status: "completed", created_at_utc: at("-10 minutes") });
        await add(db, { status: "completed", created_at_utc: at("-20 minutes") });
        await add(db, { status: "queued", created_at_utc: at("-30 minutes") });
        await add(db, { status: "failed", created_at_utc: at("-2 hours") }); // outside the hour
        await add(db, { status: "failed", created_at_utc: at("-3 hours") });
        const rate = (await db.execute(IG_FAILURE_RATE)).rows[0]!["failure_rate"];
        assert.equal(rate, 25);
        assert.ok((rate as number) > 5.0, "the seed's alert threshold fires");
      });
    });

    describe("seed SQL and the library together", () => {
      // 004 Quick Start › Enqueue a Task, then processed by our QueueWorker
      it("a task inserted with the seed's INSERT is claimed and completed by QueueWorker", async () => {
        const id = await db.transaction(async (conn) =>
          Number((await conn.execute(QS_ENQUEUE, ["video_processing", '{"video_id": "abc123"}', 50])).lastInsertRowid),
        );
        const seen: unknown[] = [];
        const worker = new QueueWorker(db, { workerId: "w" });
        worker.register("video_processing", async (payload) => {
          seen.push(payload);
        });
        assert.equal(await worker.processOnce(), 1);
        assert.deepEqual(seen, [{ video_id: "abc123" }]);
        const row = await get(db, id);
        assert.deepEqual([row["status"], row["locked_by"], row["attempts"]], ["completed", "w", 1]);
        assert.deepEqual(byStatus((await db.execute(QS_STATUS_COUNTS)).rows, "count"), { completed: 1 });
      });

      // 004 Quick Start › Claim a Task / Complete a Task, on a task from our QueueClient
      it("a task enqueued by QueueClient is found by the seed's claim SELECT, claimed and completed", async () => {
        const client = new QueueClient(db);
        const id = await client.enqueue("video_processing", { video_id: "xyz" }, { priority: 50 });
        await client.enqueue("video_processing", {}, { priority: 60 });
        const claimed = await db.transaction(async (conn) => {
          const row = (await conn.execute(QS_CLAIM_SELECT)).rows[0];
          assert.ok(row, "the client's task is due");
          assert.equal((await conn.execute(QS_CLAIM_UPDATE, ["worker-01", row["id"]!])).changes, 1);
          return Number(row["id"]);
        });
        assert.equal(claimed, id);
        const task = await client.getTask(id);
        assert.equal(task?.status, "processing");
        assert.equal(task?.lockedBy, "worker-01");
        assert.deepEqual(task?.payload, { video_id: "xyz" });
        assert.ok(task !== null && Math.abs(task.leaseUntil! - (Date.now() + 5 * 60_000)) < 5000);
        await db.execute(QS_COMPLETE, [id]);
        const stats = await client.stats();
        assert.deepEqual([stats.completed, stats.queued, stats.processing], [1, 1, 0]);
      });

      // 004 Quick Start › Enqueue a Task, then Claim a Task straight away
      // A run-now task is stored at the start of its second (toSqlRunAfter), so the seeds'
      // second-precision datetime('now') sees it in the same second.
      it(
        "a task enqueued just now (seed INSERT or QueueClient) is due for the seed's claim SELECT at once",
        async () => {
          await db.execute(QS_ENQUEUE_RUN_IT, ["test", "{}", 100]);
          await new QueueClient(db).enqueue("test", {});
          const due = (await db.execute("SELECT COUNT(*) AS n FROM task_queue WHERE run_after_utc <= datetime('now')")).rows;
          assert.equal(due[0]!["n"], 2);
          assert.equal((await db.execute(QS_CLAIM_SELECT)).rows.length, 1);
        },
      );
    });
  });
}
