/**
 * Schema 11, through the built package: SQLite keeps no index of its own for `processing` rows
 * (`ix_task_processing_lease` cost a WAL page on every claim + completion), and every query that
 * needs them (the lease sweep, stale-worker reclaim and cleanup, `anyActive`, the seeds' view
 * `v_worker_status`) finds them type by type on `ix_task_type_status`: the plans read no
 * processing row through a scan of the table, and the answers are the ones the old index gave.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import type { Driver, ExecResult, SqlValue, Statement } from "../src/index.ts";

const { QueueClient, QueueDatabase, sqliteDialect, SQLITE_SCHEMA_VERSION } = core;
const NOW = "2026-01-01 00:10:00.000";
const EARLIER = "2026-01-01 00:05:00.000";
const LATER = "2026-01-01 00:15:00.000";

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/** The EXPLAIN QUERY PLAN of `stmt`, each line with the lines above it. */
async function plan(driver: Driver, stmt: Statement): Promise<{ detail: string; above: string[] }[]> {
  const rows = (await driver.execute({ sql: `EXPLAIN QUERY PLAN ${stmt.sql}`, params: stmt.params })).rows as unknown as PlanRow[];
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return rows.map((r) => {
    const above: string[] = [];
    for (let p = byId.get(Number(r.parent)); p !== undefined; p = byId.get(Number(p.parent))) above.push(p.detail);
    return { detail: r.detail, above };
  });
}

/**
 * Fails if the plan reads task_queue by a scan, except the first-type probe of the type walk (a
 * scalar `ORDER BY type LIMIT 1` that stops at its first entry), and requires the per-type seek.
 */
async function assertTypeWalk(driver: Driver, stmt: Statement, what: string): Promise<void> {
  const lines = await plan(driver, stmt);
  const text = lines.map((l) => l.detail).join("\n");
  assert.ok(lines.some((l) => /^SEARCH p USING (COVERING )?INDEX ix_task_type_status \(type=\? AND status=\?\)/.test(l.detail)), `${what}: no per-type seek\n${text}`);
  for (const l of lines) {
    if (!/^SCAN (task_queue|p)\b/.test(l.detail)) continue;
    const probe = l.detail === "SCAN task_queue USING COVERING INDEX ix_task_type_status" && l.above.some((a) => a.startsWith("SCALAR SUBQUERY"));
    assert.ok(probe, `${what}: scans the table\n${text}`);
  }
}

for (const d of DIST_DRIVERS) {
  describe(`processing rows without their own index (built package) on ${d.name}`, () => {
    let dir: string;
    let driver: Driver;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "prismq-processing-"));
      driver = d.open(join(dir, "q.db"));
      db = await QueueDatabase.open(driver);
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const x = (sql: string, params: SqlValue[] = []): Promise<ExecResult> => driver.execute({ sql, params });
    /** Puts task `id` in processing, held by `worker` until `leaseUntil`. */
    const hold = (id: number, worker: string, leaseUntil: string): Promise<unknown> =>
      driver.execute({
        sql: `UPDATE task_queue SET status = 'processing', locked_by = ?, lease_until_utc = ?, lease_token = lease_token + 1, attempts = attempts + 1 WHERE id = ?`,
        params: [worker, leaseUntil, id],
      });
    const worker = (id: string, heartbeat: string): Promise<unknown> =>
      driver.execute({ sql: `INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, '{}', ?)`, params: [id, heartbeat] });

    it("schema 11 has no ix_task_processing_lease", async () => {
      assert.equal(await db.schemaVersion(), SQLITE_SCHEMA_VERSION);
      assert.ok(SQLITE_SCHEMA_VERSION >= 11);
      const names = (await x("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'task_queue' ORDER BY name")).rows.map((r) => r["name"]);
      assert.ok(!names.includes("ix_task_processing_lease"), names.join(", "));
      assert.ok(names.includes("ix_task_type_status"));
    });

    it("the sweep, stale reclaim, stale-worker cleanup, anyActive and v_worker_status seek each type's processing rows", async () => {
      // Three types behind a history of finished rows, so a scan would show in the plan's choice.
      for (const type of ["a", "b", "c"]) await client.enqueueMany(Array.from({ length: 300 }, () => ({ type })));
      await x("UPDATE task_queue SET status = 'completed', finished_at_utc = '2026-01-01 00:00:00.000' WHERE id % 10 <> 0");
      await x("ANALYZE");
      const t = sqliteDialect.transitions;
      const o = sqliteDialect.observability;
      const statements: [string, Statement][] = [
        ["the lease sweep", t.reclaimExpired(NOW)[0]!],
        ["stale reclaim", t.reclaimTasks({ now: NOW, scope: { kind: "stale", staleBefore: NOW } })],
        ["expired or stale reclaim", t.reclaimTasks({ now: NOW, scope: { kind: "expired_or_stale", staleBefore: NOW } })],
        ["stale-worker cleanup", o.deleteStaleWorkers(NOW, false)],
        ["anyActive", sqliteDialect.reads.anyActive()],
        ["v_worker_status", { sql: "SELECT * FROM v_worker_status", params: [] }],
      ];
      for (const [what, stmt] of statements) await assertTypeWalk(driver, stmt, what);
    });

    it("they take and count exactly the processing rows the old index found", async () => {
      const ids: number[] = [];
      for (const type of ["a", "b", "c", "d"]) for (let i = 0; i < 3; i++) ids.push(await client.enqueue(type, { i }));
      await worker("fresh", NOW);
      await worker("stale", EARLIER);
      await worker("idle-stale", EARLIER);
      // a: expired leases of the fresh worker; b: live leases of the stale worker; c: live, fresh; d: queued.
      for (const id of ids.slice(0, 3)) await hold(id, "fresh", EARLIER);
      for (const id of ids.slice(3, 6)) await hold(id, "stale", LATER);
      for (const id of ids.slice(6, 9)) await hold(id, "fresh", LATER);

      const status = async () =>
        (await x("SELECT worker_id, active_tasks FROM v_worker_status")).rows.map((r) => [r["worker_id"], Number(r["active_tasks"])]);
      assert.deepEqual(await status(), [["fresh", 6], ["idle-stale", 0], ["stale", 3]]);
      assert.equal(Number((await driver.execute(sqliteDialect.reads.anyActive())).rows[0]!["active"]), 1);

      // Cleanup without force deletes only the stale worker that holds nothing.
      await driver.execute(sqliteDialect.observability.deleteStaleWorkers(NOW, false));
      assert.deepEqual((await status()).map(([w]) => w), ["fresh", "stale"]);

      const swept = await driver.execute(sqliteDialect.transitions.reclaimExpired(NOW)[0]!);
      assert.equal(swept.changes, 3);
      const reclaimedStale = await driver.execute(sqliteDialect.transitions.reclaimTasks({ now: NOW, scope: { kind: "stale", staleBefore: NOW } }));
      assert.equal(reclaimedStale.changes, 3);
      const rows = (await x("SELECT id, status, lease_token FROM task_queue ORDER BY id")).rows;
      assert.deepEqual(
        rows.map((r) => r["status"]),
        [...Array(6).fill("queued"), ...Array(3).fill("processing"), ...Array(3).fill("queued")],
      );
      assert.deepEqual(rows.map((r) => Number(r["lease_token"])), [...Array(6).fill(2), ...Array(3).fill(1), ...Array(3).fill(0)]);
      assert.deepEqual(await status(), [["fresh", 3], ["stale", 0]]);

      // Nothing queued: the processing rows alone make the queue active; then nothing does.
      await x("UPDATE task_queue SET status = 'completed' WHERE status = 'queued'");
      assert.equal(Number((await driver.execute(sqliteDialect.reads.anyActive())).rows[0]!["active"]), 1);
      await x("UPDATE task_queue SET status = 'completed' WHERE status = 'processing'");
      assert.equal(Number((await driver.execute(sqliteDialect.reads.anyActive())).rows[0]!["active"]), 0);
    });

    it("a schema 10 file loses the index and gets the new view on open, its rows unchanged", async () => {
      const id = await client.enqueue("a", {});
      await worker("w", NOW);
      await hold(id, "w", LATER);
      // Back to schema 10 as the previous release left it.
      await x("CREATE INDEX ix_task_processing_lease ON task_queue (lease_until_utc) WHERE status = 'processing'");
      await x("DROP VIEW v_worker_status");
      await x(
        `CREATE VIEW v_worker_status AS SELECT w.worker_id, w.capabilities, w.heartbeat_utc, COUNT(t.id) AS active_tasks,
          ROUND((JULIANDAY('now') - JULIANDAY(w.heartbeat_utc)) * 86400) AS seconds_since_heartbeat
          FROM workers w LEFT JOIN task_queue t ON t.locked_by = w.worker_id AND t.status = 'processing'
          GROUP BY w.worker_id, w.capabilities, w.heartbeat_utc`,
      );
      await x("PRAGMA user_version = 10");
      await db.close();
      driver = d.open(join(dir, "q.db"));
      db = await QueueDatabase.open(driver);
      assert.equal(await db.schemaVersion(), SQLITE_SCHEMA_VERSION);
      assert.equal((await x("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'ix_task_processing_lease'")).rows[0]!["n"], 0);
      const view = await x("SELECT worker_id, active_tasks FROM v_worker_status");
      assert.deepEqual(view.rows.map((r) => [r["worker_id"], Number(r["active_tasks"])]), [["w", 1]]);
      assert.equal((await x("SELECT status FROM task_queue WHERE id = ?", [id])).rows[0]!["status"], "processing");
    });
  });
}
