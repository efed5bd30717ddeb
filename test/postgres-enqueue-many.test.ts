/**
 * enqueueMany on PostgreSQL sends unkeyed tasks as multi-row INSERTs (500 per statement). The ids
 * it returns must still be in input order, keyed tasks in between must keep their idempotency
 * rules, and the whole call stays all or nothing. Runs on PGlite always and on the server when
 * one answers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { fromPGlite } from "../adapters/pglite/index.ts";
import { openPostgres, postgresDialect } from "../adapters/postgres/index.ts";
import type { Driver } from "../src/driver.ts";
import { QueueClient, QueueDatabase } from "../src/index.ts";
import { createTempDatabase, pgSuiteOptions, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

async function check(driver: Driver): Promise<void> {
  const db = await QueueDatabase.open(driver, { dialect: postgresDialect });
  try {
    const client = new QueueClient(db);
    const first = await client.enqueue("k", { i: -1 }, { idempotencyKey: "dup" });
    const tasks = Array.from({ length: 1203 }, (_, i) =>
      i === 600 ? { type: "k", payload: { i }, options: { idempotencyKey: "dup" } } : { type: i % 2 === 0 ? "a" : "b", payload: { i } },
    );
    const ids = await client.enqueueMany(tasks);
    assert.equal(ids.length, tasks.length);
    assert.equal(ids[600], first, "a stored key returns the task that holds it");
    const fresh = ids.filter((_, i) => i !== 600);
    assert.deepEqual([...fresh].sort((x, y) => x - y), fresh, "ids of unkeyed tasks come back in input order");
    assert.equal(new Set(fresh).size, fresh.length);
    for (const i of [0, 1, 499, 500, 501, 599, 601, 999, 1000, 1202]) {
      const t = await client.getTask<{ i: number }>(ids[i]!);
      assert.equal(t?.payload.i, i, `task at input position ${i}`);
      assert.equal(t?.type, i % 2 === 0 ? "a" : "b");
    }
    const count = Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]?.["n"]);
    assert.equal(count, 1 + 1202);
    // All or nothing: a bad task anywhere stores none of the call's tasks.
    await assert.rejects(client.enqueueMany([{ type: "a", payload: { ok: 1 } }, { type: "" }]), { name: "QueueValidationError" });
    assert.equal(Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]?.["n"]), count);
  } finally {
    await db.close();
  }
}

describe("enqueueMany on PGlite: multi-row inserts keep input order and key rules", () => {
  it("1203 tasks, a stored key in the middle", async () => {
    await check(fromPGlite(new PGlite(), { closeHandle: true }));
  });
});

describe("enqueueMany on the PostgreSQL server: multi-row inserts keep input order and key rules", pgSuiteOptions(), () => {
  let tmp: TempDatabase;
  before(async () => {
    await requirePostgres();
    tmp = await createTempDatabase("enqmany");
  });
  after(async () => {
    await tmp?.drop();
  });
  it("1203 tasks, a stored key in the middle", async () => {
    await check(await openPostgres(tmp.url, { max: 4 }));
  });
});
