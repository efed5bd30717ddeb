import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import {
  FakeClock,
  isQueueError,
  QueueClient,
  QueueDatabase,
  QueueValidationError,
  toSqlTime,
} from "../src/index.ts";
import {
  type AppLogger,
  consoleLogger,
  LOG_LEVELS,
  QueueLogger,
  silentLogger,
  TaskLogger,
  taskErrorLogInsert,
  taskLogInsert,
  taskRetryLogInsert,
  taskTransitionLogInsert,
} from "../src/observability/task-logger.ts";

const DAY = 86_400_000;

type Call = { method: keyof AppLogger; message: string; fields: Record<string, unknown> | undefined };

function recordingLogger(): AppLogger & { calls: Call[] } {
  const calls: Call[] = [];
  const rec =
    (method: keyof AppLogger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      calls.push({ method, message, fields });
    };
  return { calls, debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
}

for (const d of DRIVERS) {
  describe(`TaskLogger on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let client: QueueClient;
    let logger: TaskLogger;

    beforeEach(async () => {
      clock = new FakeClock();
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
      logger = new TaskLogger(db);
    });
    afterEach(async () => {
      await db.close();
    });

    const rawLogs = async () =>
      (await db.execute("SELECT log_id, task_id, at_utc, level, message, details FROM task_logs ORDER BY log_id")).rows.map((r) => ({ ...r }));

    it("stores a row timestamped by the clock, with details as JSON text, and returns its log_id", async () => {
      const id = await client.enqueue("t");
      const first = await logger.log(id, "INFO", "started", { step: 1, tags: ["a"] });
      await clock.advance(250);
      const second = await logger.log(id, "DEBUG", "no details");
      assert.equal(second, first + 1);
      assert.deepEqual(await rawLogs(), [
        { log_id: first, task_id: id, at_utc: toSqlTime(Date.UTC(2026, 0, 1)), level: "INFO", message: "started", details: '{"step":1,"tags":["a"]}' },
        { log_id: second, task_id: id, at_utc: "2026-01-01 00:00:00.250", level: "DEBUG", message: "no details", details: null },
      ]);
    });

    it("reads one task's logs back as typed TaskLog objects, newest first, filtered by level and limited", async () => {
      const a = await client.enqueue("t");
      const b = await client.enqueue("t");
      const t0 = clock.now();
      const ids: number[] = [];
      for (const [i, level] of LOG_LEVELS.entries()) {
        ids.push(await logger.log(a, level, `m${i}`, { i }));
        await logger.log(b, level, `other ${i}`);
        await clock.advance(10);
      }
      const all = await logger.getTaskLogs(a);
      assert.deepEqual(
        all,
        LOG_LEVELS.map((level, i) => ({ logId: ids[i], taskId: a, at: t0 + 10 * i, level, message: `m${i}`, details: { i } })).reverse(),
      );
      assert.ok(Object.isFrozen(all[0]));
      assert.deepEqual(
        (await logger.getTaskLogs(a, { level: "ERROR" })).map((l) => l.message),
        ["m3"],
      );
      assert.deepEqual((await logger.getTaskLogs(a, { limit: 2 })).map((l) => l.message), ["m4", "m3"]);
      assert.deepEqual(await logger.getTaskLogs(999), []);
    });

    it("returns at most 100 rows by default", async () => {
      const id = await client.enqueue("t");
      await db.executeMany(
        "INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (?, ?, 'INFO', ?)",
        Array.from({ length: 105 }, (_, i) => [id, toSqlTime(clock.now() + i), `m${i}`]),
      );
      const logs = await logger.getTaskLogs(id);
      assert.equal(logs.length, 100);
      assert.equal(logs[0]?.message, "m104");
      assert.equal(logs[99]?.message, "m5");
      assert.equal((await logger.getRecentLogs()).length, 100);
    });

    it("breaks ties within one millisecond by log_id, newest first", async () => {
      const id = await client.enqueue("t");
      const x = await logger.log(id, "INFO", "x");
      const y = await logger.log(id, "INFO", "y");
      assert.deepEqual((await logger.getTaskLogs(id)).map((l) => l.logId), [y, x]);
    });

    it("lists recent logs across tasks newest first, with level filter and limit", async () => {
      const a = await client.enqueue("t");
      const b = await client.enqueue("t");
      await logger.log(a, "INFO", "a1");
      await clock.advance(1);
      await logger.log(b, "WARNING", "b1");
      await clock.advance(1);
      await logger.log(a, "WARNING", "a2");
      await clock.advance(1);
      await logger.log(b, "INFO", "b2");
      assert.deepEqual((await logger.getRecentLogs()).map((l) => [l.taskId, l.message]), [
        [b, "b2"],
        [a, "a2"],
        [b, "b1"],
        [a, "a1"],
      ]);
      assert.deepEqual((await logger.getRecentLogs({ level: "WARNING" })).map((l) => l.message), ["a2", "b1"]);
      assert.deepEqual((await logger.getRecentLogs({ limit: 1, level: "INFO" })).map((l) => l.message), ["b2"]);
    });

    it("deletes logs older than the given days by the clock, keeping one exactly that old", async () => {
      const id = await client.enqueue("t");
      const t0 = clock.now();
      await logger.log(id, "INFO", "day 0");
      clock.set(t0 + 1);
      await logger.log(id, "INFO", "day 0 + 1ms");
      clock.set(t0 + 10 * DAY);
      await logger.log(id, "INFO", "day 10");
      clock.set(t0 + 30 * DAY + 1);
      assert.equal(await logger.deleteOldLogs(), 1, "only the row 30 days and 1 ms old goes");
      assert.deepEqual((await logger.getTaskLogs(id)).map((l) => l.message), ["day 10", "day 0 + 1ms"]);
      assert.equal(await logger.deleteOldLogs(30), 0);
      clock.set(t0 + 15 * DAY);
      assert.equal(await logger.deleteOldLogs(5), 1);
      assert.deepEqual((await logger.getTaskLogs(id)).map((l) => l.message), ["day 10"]);
      assert.equal(await logger.deleteOldLogs(0), 1, "0 days deletes everything before now");
      assert.deepEqual(await rawLogs(), []);
    });

    it("compares second-precision rows (the seeds' datetime('now') form) exactly when deleting", async () => {
      const id = await client.enqueue("t");
      await db.execute("INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (?, '2026-01-01 00:00:00', 'INFO', 'seed')", [id]);
      clock.set(Date.UTC(2026, 0, 2));
      assert.equal(await logger.deleteOldLogs(1), 0, "exactly one day old: kept");
      clock.set(Date.UTC(2026, 0, 2) + 1);
      assert.equal(await logger.deleteOldLogs(1), 1);
    });

    it("decodes rows written by the seeds' SQL: default timestamp, NULL message, non-JSON details", async () => {
      const id = await client.enqueue("t");
      await db.execute("INSERT INTO task_logs (task_id, level, message, details) VALUES (?, 'INFO', NULL, 'not json')", [id]);
      const [log] = await logger.getTaskLogs(id);
      assert.ok(log);
      assert.equal(log.message, null);
      assert.equal(log.details, "not json");
      assert.ok(Number.isFinite(log.at), "SQLite's own default time parses");
    });

    it("refuses bad input with QueueValidationError and stores nothing", async () => {
      const id = await client.enqueue("t");
      const circular: Record<string, unknown> = {};
      circular["self"] = circular;
      const bad: [string, () => Promise<unknown>][] = [
        ["lower-case level", () => logger.log(id, "info" as never, "m")],
        ["unknown level", () => logger.log(id, "TRACE" as never, "m")],
        ["fractional task id", () => logger.log(1.5, "INFO", "m")],
        ["string task id", () => logger.log("1" as never, "INFO", "m")],
        ["NaN task id", () => logger.log(Number.NaN, "INFO", "m")],
        ["zero task id", () => logger.log(0, "INFO", "m")],
        ["non-string message", () => logger.log(id, "INFO", 42 as never)],
        ["array details", () => logger.log(id, "INFO", "m", [1, 2] as never)],
        ["string details", () => logger.log(id, "INFO", "m", "x" as never)],
        ["circular details", () => logger.log(id, "INFO", "m", circular)],
        ["bigint details", () => logger.log(id, "INFO", "m", { n: 1n })],
        ["limit 0", () => logger.getTaskLogs(id, { limit: 0 })],
        ["fractional limit", () => logger.getRecentLogs({ limit: 2.5 })],
        ["bad level filter", () => logger.getRecentLogs({ level: "warn" as never })],
        ["unknown option", () => logger.getTaskLogs(id, { lvl: "INFO" } as never)],
        ["bad task id on read", () => logger.getTaskLogs(-1)],
        ["negative days", () => logger.deleteOldLogs(-1)],
        ["NaN days", () => logger.deleteOldLogs(Number.NaN)],
      ];
      for (const [what, call] of bad) {
        await assert.rejects(call(), QueueValidationError, what);
      }
      assert.deepEqual(await rawLogs(), []);
    });

    it("refuses a log for a task that does not exist (foreign key) with a constraint error", async () => {
      await assert.rejects(logger.log(12345, "INFO", "m"), (e: unknown) => isQueueError(e, "CONSTRAINT"));
    });

    it("drops a task's logs with the task (ON DELETE CASCADE)", async () => {
      const id = await client.enqueue("t");
      await logger.log(id, "INFO", "m");
      await db.execute("DELETE FROM task_queue WHERE id = ?", [id]);
      assert.deepEqual(await rawLogs(), []);
    });
  });

  describe(`QueueLogger on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let client: QueueClient;
    let app: ReturnType<typeof recordingLogger>;
    let logger: QueueLogger;
    let taskLogs: TaskLogger;

    beforeEach(async () => {
      clock = new FakeClock();
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
      app = recordingLogger();
      logger = new QueueLogger(db, { appLogger: app });
      taskLogs = new TaskLogger(db);
    });
    afterEach(async () => {
      await db.close();
    });

    it("writes a row and calls the app logger at the matching level for every level", async () => {
      const id = await client.enqueue("t");
      const expected: Record<string, keyof AppLogger> = {
        DEBUG: "debug",
        INFO: "info",
        WARNING: "warn",
        ERROR: "error",
        CRITICAL: "error",
      };
      const logIds: number[] = [];
      for (const level of LOG_LEVELS) {
        const logId = await logger.logTaskEvent(id, level, `at ${level}`, { k: level });
        assert.ok(logId !== null);
        logIds.push(logId);
      }
      assert.deepEqual(
        app.calls,
        LOG_LEVELS.map((level, i) => ({
          method: expected[level],
          message: `Task ${id}: at ${level}`,
          fields: { taskId: id, logId: logIds[i], details: { k: level } },
        })),
      );
      const rows = (await taskLogs.getTaskLogs(id)).reverse();
      assert.deepEqual(
        rows.map((r) => [r.logId, r.level, r.message, r.details]),
        LOG_LEVELS.map((level, i) => [logIds[i], level, `at ${level}`, { k: level }]),
      );
    });

    it("logs transitions at the seed's levels with from_status/to_status merged into the details", async () => {
      const id = await client.enqueue("t");
      await logger.logTaskTransition(id, "queued", "processing", { worker_id: "w1" });
      await logger.logTaskTransition(id, "processing", "completed");
      await logger.logTaskTransition(id, "processing", "failed");
      await logger.logTaskTransition(id, "processing", "dead_letter");
      const rows = (await taskLogs.getTaskLogs(id)).reverse();
      assert.deepEqual(
        rows.map((r) => [r.level, r.message, r.details]),
        [
          ["DEBUG", "Status transition: queued → processing", { from_status: "queued", to_status: "processing", worker_id: "w1" }],
          ["INFO", "Status transition: processing → completed", { from_status: "processing", to_status: "completed" }],
          ["ERROR", "Status transition: processing → failed", { from_status: "processing", to_status: "failed" }],
          ["ERROR", "Status transition: processing → dead_letter", { from_status: "processing", to_status: "dead_letter" }],
        ],
      );
      assert.deepEqual(app.calls.map((c) => c.method), ["debug", "info", "error", "error"]);
      assert.equal(app.calls[0]?.message, `Task ${id}: Status transition: queued → processing`);
    });

    it("logs an error with its name, message and stack", async () => {
      const id = await client.enqueue("t");
      class RenderError extends Error {
        override name = "RenderError";
      }
      const err = new RenderError("codec missing");
      await logger.logTaskError(id, err, { frame: 12 });
      await logger.logTaskError(id, "plain string thrown");
      const [first, second] = (await taskLogs.getTaskLogs(id)).reverse();
      assert.equal(first?.level, "ERROR");
      assert.equal(first?.message, "Task error: RenderError: codec missing");
      assert.deepEqual(first?.details, { error_type: "RenderError", error_message: "codec missing", stack: err.stack, frame: 12 });
      assert.match(String((first?.details as { stack: string }).stack), /RenderError: codec missing/);
      assert.deepEqual(second?.details, { error_type: "string", error_message: "plain string thrown", stack: null });
      assert.deepEqual(app.calls.map((c) => [c.method, c.message]), [
        ["error", `Task ${id}: Task error: RenderError: codec missing`],
        ["error", `Task ${id}: Task error: string: plain string thrown`],
      ]);
    });

    it("logs a retry as a WARNING with the next run time from epoch ms or a Date", async () => {
      const id = await client.enqueue("t");
      const next = clock.now() + 120_000;
      await logger.logTaskRetry(id, 2, 5, next);
      await logger.logTaskRetry(id, 3, 5, new Date(next + 1), { reason: "timeout" });
      const rows = (await taskLogs.getTaskLogs(id)).reverse();
      assert.deepEqual(
        rows.map((r) => [r.level, r.message, r.details]),
        [
          ["WARNING", "Retry scheduled: attempt 2/5", { attempt: 2, max_attempts: 5, next_run_after: "2026-01-01 00:02:00.000" }],
          ["WARNING", "Retry scheduled: attempt 3/5", { attempt: 3, max_attempts: 5, next_run_after: "2026-01-01 00:02:00.001", reason: "timeout" }],
        ],
      );
      assert.deepEqual(app.calls.map((c) => c.method), ["warn", "warn"]);
    });

    it("reports a failed row write to the app logger, still logs the event, and returns null", async () => {
      const missing = 4242;
      assert.equal(await logger.logTaskEvent(missing, "WARNING", "orphan"), null);
      assert.equal(app.calls.length, 2);
      assert.equal(app.calls[0]?.method, "error");
      assert.match(app.calls[0]?.message ?? "", /^Task 4242: failed to write task log: /);
      assert.ok(isQueueError(app.calls[0]?.fields?.["error"], "CONSTRAINT"));
      assert.deepEqual(app.calls[1], { method: "warn", message: "Task 4242: orphan", fields: { taskId: missing, logId: null, details: null } });
    });

    it("throws QueueValidationError for bad input before logging anywhere", async () => {
      const id = await client.enqueue("t");
      const bad: [string, () => Promise<unknown>][] = [
        ["bad level", () => logger.logTaskEvent(id, "NOTICE" as never, "m")],
        ["bad task id", () => logger.logTaskEvent(2.5, "INFO", "m")],
        ["bad from status", () => logger.logTaskTransition(id, "running" as never, "completed")],
        ["bad to status", () => logger.logTaskTransition(id, "queued", "done" as never)],
        ["array details", () => logger.logTaskTransition(id, "queued", "processing", [1] as never)],
        ["bad task id on error", () => logger.logTaskError(-3, new Error("x"))],
        ["fractional attempt", () => logger.logTaskRetry(id, 1.5, 3, clock.now())],
        ["zero maxAttempts", () => logger.logTaskRetry(id, 1, 0, clock.now())],
        ["invalid date", () => logger.logTaskRetry(id, 1, 3, new Date(Number.NaN))],
        ["non-serialisable details", () => logger.logTaskError(id, new Error("x"), { n: 1n })],
      ];
      for (const [what, call] of bad) {
        await assert.rejects(call(), QueueValidationError, what);
      }
      assert.deepEqual(app.calls, []);
      assert.deepEqual(await taskLogs.getRecentLogs(), []);
      assert.throws(() => new QueueLogger(db, { appLogger: { info() {} } as never }), QueueValidationError);
    });

    it("ignores a throwing app logger: the row is written and its id returned", async () => {
      const id = await client.enqueue("t");
      const boom = (): void => {
        throw new Error("logger down");
      };
      const l = new QueueLogger(db, { appLogger: { debug: boom, info: boom, warn: boom, error: boom } });
      const logId = await l.logTaskEvent(id, "INFO", "still stored");
      assert.equal(typeof logId, "number");
      assert.deepEqual((await taskLogs.getTaskLogs(id)).map((r) => [r.logId, r.message]), [[logId, "still stored"]]);
    });

    it("writes through a given TaskLogger", async () => {
      const id = await client.enqueue("t");
      const seen: unknown[][] = [];
      const spy = new TaskLogger(db);
      const original = spy.log.bind(spy);
      spy.log = (...args) => {
        seen.push(args);
        return original(...args);
      };
      await new QueueLogger(db, { appLogger: silentLogger, taskLogger: spy }).logTaskEvent(id, "INFO", "via spy");
      assert.deepEqual(seen, [[id, "INFO", "via spy", null]]);
    });

    it("builds the same rows as pure statements, to batch with the status change they record", async () => {
      const id = await client.enqueue("t");
      const at = clock.now() + 5;
      const results = await db.batch([
        { sql: "UPDATE task_queue SET status = 'cancelled' WHERE id = ?", params: [id] },
        taskLogInsert(id, "INFO", "hello", { a: 1 }, at),
        taskTransitionLogInsert(id, "queued", "cancelled", { by: "admin" }, at),
        taskErrorLogInsert(id, new TypeError("bad"), null, at),
        taskRetryLogInsert(id, 1, 3, at + 60_000, undefined, at),
      ]);
      assert.deepEqual(
        results.slice(1).map((r) => typeof r.rows[0]?.["log_id"]),
        ["number", "number", "number", "number"],
        "each INSERT returns its log_id",
      );
      const rows = (await taskLogs.getTaskLogs(id)).reverse();
      assert.deepEqual(
        rows.map((r) => [r.at, r.level, r.message]),
        [
          [at, "INFO", "hello"],
          [at, "DEBUG", "Status transition: queued → cancelled"],
          [at, "ERROR", "Task error: TypeError: bad"],
          [at, "WARNING", "Retry scheduled: attempt 1/3"],
        ],
      );
      assert.deepEqual(rows[1]?.details, { from_status: "queued", to_status: "cancelled", by: "admin" });

      // The same entry through QueueLogger gives the same row but its time.
      await clock.advance(10);
      await logger.logTaskTransition(id, "queued", "cancelled", { by: "admin" });
      const [viaLogger] = await taskLogs.getTaskLogs(id, { limit: 1 });
      assert.deepEqual([viaLogger?.level, viaLogger?.message, viaLogger?.details], [rows[1]?.level, rows[1]?.message, rows[1]?.details]);
    });

    it("rolls a batched log row back with the status change it belongs to", async () => {
      const id = await client.enqueue("t");
      await assert.rejects(
        db.batch([
          taskTransitionLogInsert(id, "queued", "cancelled", null, clock.now()),
          { sql: "UPDATE task_queue SET status = NULL WHERE id = ?", params: [id] },
        ]),
        (e: unknown) => isQueueError(e, "CONSTRAINT"),
      );
      assert.deepEqual(await taskLogs.getTaskLogs(id), []);
    });

    it("validates in the statement builders too", () => {
      assert.throws(() => taskLogInsert(1, "LOUD" as never, "m", null, 0), QueueValidationError);
      assert.throws(() => taskLogInsert(1, "INFO", "m", null, Number.NaN), QueueValidationError);
      assert.throws(() => taskTransitionLogInsert(0, "queued", "processing", null, 0), QueueValidationError);
      assert.throws(() => taskRetryLogInsert(1, -1, 3, 0, null, 0), QueueValidationError);
      assert.throws(() => taskErrorLogInsert(1, new Error("x"), [] as never, 0), QueueValidationError);
    });
  });
}

describe("app loggers", () => {
  it("consoleLogger forwards each method to the global console, fields only when given", (t) => {
    const seen: unknown[][] = [];
    for (const m of ["debug", "info", "warn", "error"] as const) {
      t.mock.method(console, m, (...args: unknown[]) => {
        seen.push([m, ...args]);
      });
    }
    consoleLogger.debug("d");
    consoleLogger.info("i", { a: 1 });
    consoleLogger.warn("w");
    consoleLogger.error("e", { b: 2 });
    assert.deepEqual(seen, [["debug", "d"], ["info", "i", { a: 1 }], ["warn", "w"], ["error", "e", { b: 2 }]]);
  });

  it("silentLogger writes nothing", (t) => {
    const spies = (["debug", "info", "warn", "error", "log"] as const).map((m) => t.mock.method(console, m, () => {}));
    silentLogger.debug("d");
    silentLogger.info("i");
    silentLogger.warn("w", { x: 1 });
    silentLogger.error("e");
    assert.deepEqual(spies.map((s) => s.mock.callCount()), [0, 0, 0, 0, 0]);
  });

  it("QueueLogger defaults to consoleLogger", async (t) => {
    const db = await QueueDatabase.open(DRIVERS[0]!.open(), { clock: new FakeClock() });
    try {
      const id = await new QueueClient(db).enqueue("t");
      const warn = t.mock.method(console, "warn", () => {});
      await new QueueLogger(db).logTaskEvent(id, "WARNING", "via console");
      assert.equal(warn.mock.callCount(), 1);
      assert.equal(warn.mock.calls[0]?.arguments[0], `Task ${id}: via console`);
    } finally {
      await db.close();
    }
  });
});

