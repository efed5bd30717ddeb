/**
 * The claim's pause and rate-limit filter, through the built package. It used to read
 * `queue_controls` with `qc.type IN ('', task_queue.type)`: an IN list naming a column of the
 * outer row, which SQLite builds into a temporary B-tree for every candidate row. Now the
 * whole-queue row is probed by a subquery that does not depend on the row (run once per
 * statement) and the type's row by a correlated primary-key probe. These tests fail on the old
 * form: its plan has no uncorrelated probe of `queue_controls`, and its program opens one more
 * temporary table. Pauses and limits themselves are covered by test/features-client.test.ts;
 * the last test here checks the two rows the filter reads, whole queue and type, still block.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import type { ClaimParams, Driver, Statement } from "../src/index.ts";

const { QueueClient, QueueDatabase, QueueWorker, sqliteDialect } = core;

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

const PARAMS: ClaimParams = { workerId: "w", now: "2026-01-01 00:00:00.000", leaseUntil: "2026-01-01 00:05:00.000", types: ["t"], capabilities: "{}" };

/** The claim statement of each shape a worker uses (the last statement of each list). */
function claims(): [string, Statement][] {
  const t = sqliteDialect.transitions;
  const last = (s: Statement[]): Statement => s[s.length - 1]!;
  return [
    ["PRIORITY, one type", last(t.claimOrdered("PRIORITY", PARAMS, 1))],
    ["PRIORITY, two types", last(t.claimOrdered("PRIORITY", { ...PARAMS, types: ["a", "b"] }, 4))],
    ["PRIORITY, any type", last(t.claimOrdered("PRIORITY", { ...PARAMS, types: [] }, 1))],
    ["FIFO, one type", last(t.claimOrdered("FIFO", PARAMS, 1))],
    ["WEIGHTED_RANDOM, one type", last(t.claimWeightedRandom(PARAMS, 0.5))],
  ];
}

for (const d of DIST_DRIVERS) {
  describe(`the claim's controls filter (built package) on ${d.name}`, () => {
    let dir: string;
    let driver: Driver;
    let db: InstanceType<typeof QueueDatabase>;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "prismq-controls-filter-"));
      driver = d.open(join(dir, "q.db"));
      db = await QueueDatabase.open(driver);
      // FIFO's claim names the index its first claim makes.
      await driver.execute(sqliteDialect.transitions.claimOrdered("FIFO", PARAMS, 1)[0]!);
    });
    afterEach(async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("probes the whole-queue row once per statement and the type's row by its key", async () => {
      for (const [what, stmt] of claims()) {
        const rows = (await driver.execute({ sql: `EXPLAIN QUERY PLAN ${stmt.sql}`, params: stmt.params })).rows as unknown as PlanRow[];
        const byId = new Map(rows.map((r) => [Number(r.id), r]));
        const text = rows.map((r) => r.detail).join("\n");
        const probes = rows.filter((r) => /^SEARCH qc USING (COVERING )?INDEX sqlite_autoindex_queue_controls_1 \(type=\?\)/.test(r.detail));
        const parents = probes.map((r) => byId.get(Number(r.parent))?.detail ?? "");
        assert.ok(parents.some((p) => p.startsWith("SCALAR SUBQUERY")), `${what}: no uncorrelated probe of queue_controls\n${text}`);
        assert.ok(parents.some((p) => p.startsWith("CORRELATED SCALAR SUBQUERY")), `${what}: no probe of the type's row\n${text}`);
        assert.ok(!/SCAN qc/.test(text), `${what}: scans queue_controls\n${text}`);
      }
    });

    it("a one-type claim opens one temporary table (the ids it updates), none per candidate row", async () => {
      const [, stmt] = claims()[0]!;
      const ops = (await driver.execute({ sql: `EXPLAIN ${stmt.sql}`, params: stmt.params })).rows;
      assert.equal(ops.filter((r) => r["opcode"] === "OpenEphemeral").length, 1);
    });

    it("a paused queue, a paused type and a rate-limited type still hold their tasks back", async () => {
      const client = new QueueClient(db);
      const worker = new QueueWorker(db, { workerId: "w", handlers: { a: () => {}, b: () => {} } });
      await client.enqueue("a", {});
      await client.enqueue("b", {});
      await client.pause();
      assert.deepEqual(await worker.claimTasks(2), []);
      await client.resume();
      await client.pause("a");
      assert.deepEqual((await worker.claimTasks(2)).map((t) => t.type), ["b"]);
      await client.resume("a");
      await client.setRateLimit("a", { max: 1, intervalMs: 60_000 });
      await client.enqueue("a", {});
      // Two of type a queued; the limited type is claimed by its own statement (a worker learns
      // of a new limit from the claim before), one start per window.
      const taken: string[] = [];
      for (let i = 0; i < 3; i++) taken.push(...(await worker.claimTasks(2)).map((t) => t.type));
      assert.deepEqual(taken, ["a"]);
    });
  });
}
