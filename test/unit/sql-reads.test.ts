/**
 * Unit tests of the SQLite dialect's reads, observability, maintenance and schema statements:
 * parameter shape without a database, and the contract's column names on an in-memory database
 * (the classes decoding them rely on those names, whatever the engine).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { fromBetterSqlite3 } from "../../adapters/better-sqlite3/index.ts";
import { QueueDatabase, sqliteDialect } from "../../src/index.ts";
import type { Statement } from "../../src/driver.ts";

const { reads, observability: o, maintenance: m, schema } = sqliteDialect;
const NOW = "2026-01-01 00:10:00.000";
// Parameter marks outside string literals (a literal such as '?' is text, not a mark).
const marks = (s: Statement): number => (s.sql.replace(/'(?:[^']|'')*'/g, "").match(/\?/g) ?? []).length;

describe("SQLite read and upkeep builders (pure)", () => {
  it("every builder binds exactly as many parameters as its text has marks", () => {
    const stmts: Statement[] = [
      reads.selectTask(1),
      reads.listTasks({ statuses: ["queued", "failed"], type: "t", limit: 5, offset: 0, descending: true }),
      reads.countByStatus(),
      reads.countInStatus("queued", null),
      reads.countInStatus("queued", "t"),
      reads.countQueuedByType(),
      reads.countActive(),
      reads.anyActive(),
      reads.selectActiveIds(),
      reads.oldestWaitingSince(NOW),
      o.selectTaskLogs({ taskId: 1, level: "INFO", limit: 3 }),
      o.deleteTaskLogsBefore(NOW),
      o.upsertWorker("w", "{}", NOW),
      o.touchWorker("w", NOW),
      o.deleteWorker("w"),
      o.selectWorkers({ since: NOW, before: NOW }),
      o.countWorkers(NOW, NOW),
      o.deleteStaleWorkers(NOW, false),
      o.selectWorkerSummaries("w"),
      o.workerHeartbeats(),
      o.countFinishedSince(NOW),
      o.retryFiguresSince(NOW),
      o.completedDurationsSince(NOW, "t"),
      o.workerActivitySince(NOW),
      m.snapshotInto("/tmp/x.db"),
      schema.writeVersion(3),
    ];
    for (const s of stmts) assert.equal(s.params.length, marks(s), s.sql);
  });

  it("a checkpoint mode outside the list is refused before it reaches the text", () => {
    assert.deepEqual([...m.checkpointModes], ["PASSIVE", "FULL", "RESTART", "TRUNCATE"]);
    assert.throws(() => m.walCheckpoint("PASSIVE); DROP TABLE task_queue; --"), RangeError);
    assert.equal(schema.settingProblem("journal_mode", "WAL"), null);
    assert.match(String(schema.settingProblem("key", "x'; --")), /value refused/);
  });
});

describe("SQLite read builders on an in-memory database", () => {
  it("counts, queued-by-type and the oldest wait come back under the contract's column names", async () => {
    const db = await QueueDatabase.open(fromBetterSqlite3(new Database(":memory:")));
    try {
      const add = (type: string, created: string, runAfter: string, status = "queued") =>
        db.execute(
          "INSERT INTO task_queue (type, status, created_at_utc, updated_at_utc, run_after_utc) VALUES (?, ?, ?, ?, ?)",
          [type, status, created, created, runAfter],
        );
      await add("b", "2026-01-01 00:00:00.000", "2026-01-01 00:05:00.000"); // runnable since 00:05
      await add("a", "2026-01-01 00:02:00.000", "2026-01-01 00:02:00.000"); // runnable since 00:02
      await add("a", "2026-01-01 00:01:00.000", "2026-01-01 00:20:00.000"); // not yet runnable
      await add("a", "2026-01-01 00:00:00.000", "2026-01-01 00:00:00.000", "completed");
      const byStatus = (await db.run(reads.countByStatus())).rows.map((r) => [r["status"], r["n"]]);
      assert.deepEqual(byStatus.sort(), [["completed", 1], ["queued", 3]]);
      assert.deepEqual((await db.run(reads.countQueuedByType())).rows.map((r) => [r["type"], r["n"]]), [["a", 2], ["b", 1]]);
      assert.equal((await db.run(reads.oldestWaitingSince(NOW))).rows[0]?.["since"], "2026-01-01 00:02:00.000");
      assert.equal((await db.run(reads.oldestWaitingSince("2026-01-01 00:01:00.000"))).rows[0]?.["since"], null);
      assert.equal((await db.run(reads.countInStatus("queued", "a"))).rows[0]?.["n"], 2);
      assert.equal((await db.run(reads.anyActive())).rows[0]?.["active"], 1);
      assert.equal(Number((await db.run(schema.hasQueueTable())).rows[0]?.["n"]), 1);
      assert.equal(Number((await db.run(schema.readVersion())).rows[0]?.["user_version"]), schema.latestVersion);
    } finally {
      await db.close();
    }
  });
});
