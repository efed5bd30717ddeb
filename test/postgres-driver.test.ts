/**
 * The `postgres` driver on the real server, beyond the conformance contract: the pool is
 * bounded, concurrent openers migrate once, a user transaction stays on one connection and is
 * all or nothing, LISTEN hears every enqueue (the schema's NOTIFY trigger), read-only opens
 * refuse writes, maintenance runs (ANALYZE/VACUUM, the documented no-ops), options are checked.
 * Each test works in its own schema of one temporary database.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { openPostgres, PostgresConnectionError, postgresDialect } from "../adapters/postgres/index.ts";
import { QueueClient, QueueDatabase, QueueMaintenance, QueueValidationError } from "../src/index.ts";
import { createTempDatabase, pgSuiteOptions, queryDatabase, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

describe("postgres driver on the server", pgSuiteOptions(), () => {
  let tmp: TempDatabase;
  let n = 0;
  const schema = (): string => `d${++n}`;
  before(async () => {
    requirePostgres();
    tmp = await createTempDatabase("pgcore_driver");
  });
  after(async () => {
    await tmp?.drop();
  });

  it("never holds more connections than max, and queues the calls beyond it", async () => {
    const app = `prismq_pool_${Date.now()}`;
    const driver = await openPostgres(tmp.url, { max: 2, applicationName: app });
    try {
      let peak = 0;
      const watch = setInterval(() => {
        void queryDatabase<{ n: number }>(tmp.url, "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [app])
          .then((r) => (peak = Math.max(peak, r[0]!.n)))
          .catch(() => {});
      }, 40);
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 6 }, () => driver.execute({ sql: "SELECT pg_sleep(0.2)", params: [] })));
      const took = Date.now() - t0;
      clearInterval(watch);
      assert.ok(took >= 550, `6 sleeps of 200 ms on 2 connections take 3 rounds (took ${took} ms)`);
      assert.ok(peak >= 1 && peak <= 2, `at most 2 connections were open (peak ${peak})`);
    } finally {
      await driver.close();
    }
  });

  it("concurrent openers of a new schema migrate it once, to the latest version", async () => {
    const s = schema();
    await queryDatabase(tmp.url, `CREATE SCHEMA ${s}`);
    const dbs = await Promise.all(
      Array.from({ length: 4 }, async () => QueueDatabase.open(await openPostgres(tmp.url, { schema: s, max: 2 }), { dialect: postgresDialect })),
    );
    try {
      const versions = await queryDatabase<{ version: number }>(tmp.url, `SELECT version FROM ${s}.prismq_schema_version ORDER BY version`);
      assert.deepEqual(versions.map((v) => v.version), postgresDialect.schema.migrations.map((m) => m.version));
      for (const db of dbs) assert.equal(await db.schemaVersion(), postgresDialect.schema.latestVersion);
    } finally {
      for (const db of dbs) await db.close();
    }
  });

  it("runs a user transaction on one connection, all or nothing, while other calls wait", async () => {
    const db = await QueueDatabase.open(await openPostgres(tmp.url, { schema: schema(), max: 4 }), { dialect: postgresDialect });
    try {
      const client = new QueueClient(db);
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.execute("INSERT INTO task_queue (type) VALUES (?)", ["inside"]);
          const seen = await tx.execute("SELECT COUNT(*) AS n FROM task_queue WHERE type = ?", ["inside"]);
          assert.equal(seen.rows[0]?.["n"], 1, "the transaction sees its own insert (same connection)");
          throw new Error("roll it back");
        }),
        /roll it back/,
      );
      assert.equal((await client.stats()).total, 0, "rolled back");
      const id = await db.transaction(async (tx) => {
        const r = await tx.execute("INSERT INTO task_queue (type, run_after_utc, created_at_utc, updated_at_utc) VALUES (?, now(), now(), now()) RETURNING id", ["kept"]);
        return Number(r.rows[0]?.["id"]);
      });
      assert.equal((await client.getTask(id))?.type, "kept");
      // The pinned connection went back to the pool: plain calls and batches run again.
      assert.equal((await client.stats()).total, 1);
    } finally {
      await db.close();
    }
  });

  it("hears an enqueue through LISTEN: one notification per task type inserted", async () => {
    const db = await QueueDatabase.open(await openPostgres(tmp.url, { schema: schema() }), { dialect: postgresDialect });
    try {
      const heard: string[] = [];
      const unlisten = await db.driver.listen!("prismq_tasks", (payload) => heard.push(payload));
      const client = new QueueClient(db);
      await client.enqueue("alpha", {});
      await client.enqueueMany([
        { type: "beta", payload: {} },
        { type: "beta", payload: {} },
        { type: "gamma", payload: {} },
      ]);
      const deadline = Date.now() + 3000;
      while (heard.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await unlisten();
      assert.deepEqual([...heard].sort(), ["alpha", "beta", "gamma"]);
    } finally {
      await db.close();
    }
  });

  it("a read-only open reads the queue and refuses writes", async () => {
    const s = schema();
    const rw = await QueueDatabase.open(await openPostgres(tmp.url, { schema: s }), { dialect: postgresDialect });
    await new QueueClient(rw).enqueue("t", { a: 1 });
    await rw.close();
    const ro = await QueueDatabase.open(await openPostgres(tmp.url, { schema: s, readOnly: true }), { dialect: postgresDialect, readOnly: true });
    try {
      const client = new QueueClient(ro);
      assert.equal((await client.stats()).queued, 1);
      await assert.rejects(client.enqueue("t", {}), (e: unknown) => (e as { kind?: string }).kind === "readonly");
    } finally {
      await ro.close();
    }
  });

  it("maintenance: ANALYZE, VACUUM, optimize, the documented no-ops, purge", async () => {
    const db = await QueueDatabase.open(await openPostgres(tmp.url, { schema: schema() }), { dialect: postgresDialect });
    try {
      const m = new QueueMaintenance(db);
      await new QueueClient(db).enqueue("t", {});
      await m.analyze();
      await m.vacuum();
      const opt = await m.optimize({ full: true });
      assert.deepEqual(opt.operations, ["analyze", "optimize", "vacuum"]);
      assert.deepEqual(await m.integrityCheck(), ["ok"]);
      assert.deepEqual(await m.checkpoint("TRUNCATE"), { busy: false, logFrames: -1, checkpointedFrames: -1 });
      assert.deepEqual(await m.checkPragmas(), [], "no SQLite settings are expected of a PostgreSQL database");
      assert.equal(await m.databasePath(), null, "no file");
      assert.equal(await m.purgeCompleted({ olderThanMs: 0 }), 0);
    } finally {
      await db.close();
    }
  });

  it("checks its options and names the server it cannot reach", async () => {
    await assert.rejects(openPostgres(tmp.url, { max: 0 }), QueueValidationError);
    await assert.rejects(openPostgres(tmp.url, { schema: "bad-name" }), QueueValidationError);
    const wrongDb = tmp.url.replace(/\/[^/]*$/, "/prismq_no_such_database");
    await assert.rejects(
      QueueDatabase.open(await openPostgres(wrongDb), { dialect: postgresDialect }),
      (e: unknown) => e instanceof PostgresConnectionError && /prismq_no_such_database/.test((e as Error).message),
    );
  });
});
