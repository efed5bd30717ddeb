/**
 * Unit tests of the SQLite dialect's transition builders: each is pure (text and parameter shape
 * checked without a database), and each is run on an in-memory database migrated to the queue
 * schema, where the log row it writes is read back. The one log helper (`transitionLogWhere`)
 * is exercised through every set-based transition.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { fromBetterSqlite3 } from "../../adapters/better-sqlite3/index.ts";
import { QueueDatabase, sqliteDialect } from "../../src/index.ts";
import { transitionLogWhere } from "../../src/dialect/sqlite/log.ts";
import { transitionLevel, transitionMessage } from "../../src/dialect/transition.ts";
import type { Statement } from "../../src/driver.ts";
import { claimShapes } from "../helpers/claim-shapes.ts";

const t = sqliteDialect.transitions;
const NOW = "2026-01-01 00:00:00.000";
// Parameter marks outside string literals (a literal such as '?' is text, not a mark).
const marks = (s: Statement): number => (s.sql.replace(/'(?:[^']|'')*'/g, "").match(/\?/g) ?? []).length;

async function freshDb(): Promise<QueueDatabase> {
  return QueueDatabase.open(fromBetterSqlite3(new Database(":memory:")));
}

async function insert(db: QueueDatabase, type = "t", maxAttempts = 3): Promise<number> {
  const r = await db.run(
    t.insertTask({ type, priority: 100, payload: "{}", compatibility: "{}", maxAttempts, runAfter: NOW, idempotencyKey: null, now: NOW }),
  );
  return Number(r.lastInsertRowid);
}

const logs = async (db: QueueDatabase, id: number) =>
  (await db.execute("SELECT level, message, details FROM task_logs WHERE task_id = ? ORDER BY log_id", [id])).rows.map((r) => ({
    level: r["level"],
    message: r["message"],
    details: JSON.parse(String(r["details"])) as Record<string, unknown>,
  }));

describe("SQLite transition builders (pure)", () => {
  it("every builder binds exactly as many parameters as its text has marks", () => {
    const claim = { workerId: "w", now: NOW, leaseUntil: NOW, types: ["a", "b"], capabilities: "{}" };
    const fence = { id: 1, leaseToken: 2, now: NOW };
    const stmts: Statement[] = [
      t.insertTask({ type: "a", priority: 1, payload: "{}", compatibility: "{}", maxAttempts: 1, runAfter: NOW, idempotencyKey: "k", now: NOW }),
      t.selectIdByIdempotencyKey("k"),
      ...t.claimOrdered("FIFO", claim, 1, true),
      ...t.claimOrdered("PRIORITY", claim, 7, true),
      ...t.claimWeightedRandom(claim, 0.5, true),
      ...claimShapes(t, claim),
      t.renewLease(fence, NOW),
      t.completeTask(fence),
      ...t.completeMany([{ id: 1, leaseToken: 2 }], NOW, "w"),
      t.releaseTask(fence),
      t.retryTask(fence, NOW, "e"),
      t.finishFailed(fence, "dead_letter", "e"),
      t.reclaimTasks({ now: NOW, scope: { kind: "expired_or_stale", staleBefore: NOW }, policy: { x: "fail", y: "dead_letter" } }),
      ...t.reclaimExpired(NOW),
      t.reclaimStaleWorkerTasks({ now: NOW, staleBefore: NOW, policy: {} }),
      ...t.cancelTask(1, NOW),
      ...t.retryFinishedTask(1, NOW, NOW),
      ...t.purgeCompletedBefore(NOW),
    ];
    for (const s of stmts) assert.equal(s.params.length, marks(s), s.sql);
  });

  it("a claim with its log is [log, claim]: the claim is last and leases with RETURNING", () => {
    // FIFO/LIFO first make their index if it is missing (migrations 7 and 10 leave it to the first such claim).
    const [ensure, log, claim] = t.claimOrdered("FIFO", { workerId: "w", now: NOW, leaseUntil: NOW, types: [], capabilities: "{}" }, 3, true);
    assert.match(ensure!.sql, /^CREATE INDEX IF NOT EXISTS ix_task_type_queued_time ON task_queue \(type, /);
    assert.match(log!.sql, /^INSERT INTO task_logs/);
    assert.match(claim!.sql, /^UPDATE task_queue SET status = 'processing'.* RETURNING \*$/);
    assert.match(claim!.sql, /LIMIT 3\)/, "the limit is written into the text");
    assert.throws(() => t.claimOrdered("FIFO", { workerId: "w", now: NOW, leaseUntil: NOW, types: [], capabilities: "{}" }, 0), RangeError);
  });

  it("operator transitions are [log, update] with the same WHERE", () => {
    for (const [log, update] of [t.cancelTask(5, NOW), t.retryFinishedTask(5, NOW, NOW)]) {
      const where = (s: Statement) => s.sql.slice(s.sql.lastIndexOf(" WHERE "));
      assert.equal(where(log!), where(update!));
      assert.match(log!.sql, /^INSERT INTO task_logs/);
      assert.match(update!.sql, /^UPDATE task_queue/);
    }
  });

  it("the one message and level: `Status transition: X → Y`, ERROR into failed/dead_letter, INFO into completed", () => {
    assert.equal(transitionMessage("queued", "processing"), "Status transition: queued → processing");
    assert.deepEqual(["failed", "dead_letter", "completed", "queued", "cancelled"].map(transitionLevel), ["ERROR", "ERROR", "INFO", "DEBUG", "DEBUG"]);
    const s = transitionLogWhere({ from: "a'b", to: "c", where: "id = ?", whereParams: [1], now: NOW });
    assert.match(s.sql, /'Status transition: a''b → c'/, "a quote in a status is escaped, not spliced");
    assert.deepEqual(s.params, [NOW, 1]);
  });
});

describe("SQLite transition builders on an in-memory database", () => {
  it("claim then completeMany write one row each, through the one log helper", async () => {
    const db = await freshDb();
    try {
      const id = await insert(db);
      const rs = await db.batch(t.claimOrdered("FIFO", { workerId: "w", now: NOW, leaseUntil: "2026-01-01 00:01:00.000", types: [], capabilities: "{}" }, 1, true));
      const row = rs.at(-1)!.rows[0]!;
      assert.equal(row["id"], id);
      const done = await db.batch(t.completeMany([{ id, leaseToken: Number(row["lease_token"]) }], NOW, "w"));
      assert.deepEqual(done.at(-1)!.rows.map((r) => r["id"]), [id]);
      assert.deepEqual(await logs(db, id), [
        { level: "DEBUG", message: "Status transition: queued → processing", details: { from_status: "queued", to_status: "processing", worker_id: "w", attempt: 1, lease_token: 1 } },
        { level: "INFO", message: "Status transition: processing → completed", details: { from_status: "processing", to_status: "completed", worker_id: "w", attempt: 1, lease_token: 1 } },
      ]);
    } finally {
      await db.close();
    }
  });

  it("cancel and retry log only rows they change", async () => {
    const db = await freshDb();
    try {
      const id = await insert(db);
      assert.equal((await db.batch(t.retryFinishedTask(id, NOW, NOW))).at(-1)!.changes, 0, "a queued task is not retried");
      assert.equal((await db.batch(t.cancelTask(id, NOW))).at(-1)!.changes, 1);
      assert.equal((await db.batch(t.cancelTask(id, NOW))).at(-1)!.changes, 0);
      assert.deepEqual((await logs(db, id)).map((l) => l.message), ["Status transition: queued → cancelled"]);
    } finally {
      await db.close();
    }
  });

  it("purge deletes completed tasks before the cut-off with their logs", async () => {
    const db = await freshDb();
    try {
      const id = await insert(db);
      await db.execute("UPDATE task_queue SET status = 'completed', finished_at_utc = ? WHERE id = ?", ["2025-12-31 00:00:00.000", id]);
      await db.run(sqliteDialect.observability.insertTaskLog({ taskId: id, at: NOW, level: "INFO", message: "m", details: null }));
      const rs = await db.batch(t.purgeCompletedBefore(NOW));
      assert.deepEqual(rs.map((r) => r.changes), [1, 1]);
    } finally {
      await db.close();
    }
  });
});
