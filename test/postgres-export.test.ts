/**
 * `exportTasks` reads a PostgreSQL queue too (its column check and status filter go through the
 * dialect), so a queue can move back from PostgreSQL to a SQLite file: every task, status,
 * attempt count and key identical after. Runs on PGlite (no server needed).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { PGlite } from "@electric-sql/pglite";
import { fromNodeSqlite } from "../adapters/node-sqlite/index.ts";
import { fromPGlite } from "../adapters/pglite/index.ts";
import { postgresDialect } from "../adapters/postgres/index.ts";
import { exportTasks, importTasks, QueueClient, QueueDatabase, QueueWorker } from "../src/index.ts";

const TASK_FIELDS = ["id", "type", "status", "attempts", "maxAttempts", "priority", "idempotencyKey", "payload", "errorMessage"] as const;

describe("exportTasks on PostgreSQL (PGlite) and back into SQLite", () => {
  it("tasks, statuses, attempts and keys identical; a status filter selects as on SQLite", async () => {
    const pg = await QueueDatabase.open(fromPGlite(new PGlite(), { closeHandle: true }), { dialect: postgresDialect });
    const lite = await QueueDatabase.open(fromNodeSqlite(new DatabaseSync(":memory:")));
    try {
      const client = new QueueClient(pg);
      await client.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ type: i % 3 === 0 ? "a" : "b", payload: { i }, options: { priority: i % 5, maxAttempts: 1 } })));
      await client.enqueue("a", { keyed: true }, { idempotencyKey: "k-1" });
      const worker = new QueueWorker(pg, { heartbeatIntervalMs: 0, handlers: { a: async () => {}, b: async () => { throw new Error("no"); } } });
      for (let n = 0; n < 12; n++) await worker.processOnce(1);
      const lines: string[] = [];
      for await (const line of exportTasks(pg)) lines.push(line);
      assert.equal(JSON.parse(lines[0]!).kind, "header");
      assert.equal(JSON.parse(lines.at(-1)!).count, 31);
      const failedOnly: string[] = [];
      for await (const line of exportTasks(pg, { statuses: ["failed"] })) failedOnly.push(line);
      const failedCount = Number((await pg.execute("SELECT COUNT(*) AS n FROM task_queue WHERE status = 'failed'")).rows[0]?.["n"]);
      assert.ok(failedCount > 0);
      assert.equal(JSON.parse(failedOnly.at(-1)!).count, failedCount);
      const none: string[] = [];
      for await (const line of exportTasks(pg, { statuses: [] })) none.push(line);
      assert.equal(JSON.parse(none.at(-1)!).count, 0);

      await importTasks(lite, lines);
      const read = async (db: QueueDatabase) => {
        const tasks = await new QueueClient(db).listTasks({ limit: 1000 });
        return tasks.map((t) => Object.fromEntries(TASK_FIELDS.map((k) => [k, (t as unknown as Record<string, unknown>)[k]])));
      };
      assert.deepEqual(await read(lite), await read(pg));
    } finally {
      await pg.close();
      await lite.close();
    }
  });
});
