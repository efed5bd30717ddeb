/**
 * The PostgreSQL entry points as users get them: `@prismq/queue/postgres` and
 * `@prismq/queue/pglite` from the built package (`PRISMQ_DIST_DIR`, see helpers/dist.ts), with
 * the core from the built `index`: enqueue → a running worker → completed on the real server and
 * on PGlite; errors thrown by the adapters are `instanceof` the core's classes across entry
 * points, in ESM and in CommonJS (one shared copy of each class); the dialect both entries
 * export is one object.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { PGlite } from "@electric-sql/pglite";
import { distPath, importDist } from "./helpers/dist.ts";
import { createTempDatabase, pgSuiteOptions, queryDatabase, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

type Core = typeof import("../src/index.ts");
type Pg = typeof import("../adapters/postgres/index.ts");
type Lite = typeof import("../adapters/pglite/index.ts");

const core = await importDist<Core>("index.js");
const pg = await importDist<Pg>("postgres.js");
const lite = await importDist<Lite>("pglite.js");

/** Enqueues `n` tasks and lets a started worker drain them; returns the stats after. */
async function drain(db: InstanceType<Core["QueueDatabase"]>, n: number): Promise<Awaited<ReturnType<InstanceType<Core["QueueClient"]>["stats"]>>> {
  const client = new core.QueueClient(db);
  const seen: number[] = [];
  const worker = new core.QueueWorker(db, {
    workerId: "dist-worker",
    concurrency: 3,
    pollIntervalMs: 10,
    handlers: { job: (payload: unknown) => void seen.push((payload as { i: number }).i) },
  });
  await client.enqueueMany(Array.from({ length: n }, (_, i) => ({ type: "job", payload: { i } })));
  worker.start();
  const deadline = Date.now() + 20_000;
  while ((await client.getActiveCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await worker.stop();
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), "every task ran exactly once");
  return client.stats();
}

describe("@prismq/queue/pglite from the built package", () => {
  it("enqueue → worker → completed, with the dialect the postgres entry exports", async () => {
    assert.equal(lite.postgresDialect, pg.postgresDialect, "one dialect object across the two entries");
    const db = await core.QueueDatabase.open(lite.fromPGlite(new PGlite()), { dialect: lite.postgresDialect });
    try {
      const stats = await drain(db, 12);
      assert.equal(stats.completed, 12);
      assert.equal(await db.schemaVersion(), lite.postgresDialect.schema.latestVersion);
      // No file to snapshot: a typed error of the core's class, naming pg_dump.
      await assert.rejects(
        async () => db.run(db.dialect.maintenance.snapshotInto("/tmp/never.db")),
        (e: unknown) => e instanceof core.QueueDatabaseError && /pg_dump/.test((e as Error).message),
      );
      await assert.rejects(db.execute("INSERT INTO task_queue (type, priority) VALUES (NULL, 1)"), (e: unknown) => e instanceof core.QueueConstraintError);
    } finally {
      await db.close();
    }
  });
});

describe("@prismq/queue/postgres from the built package", pgSuiteOptions(), () => {
  let tmp: TempDatabase | undefined;
  before(async () => {
    requirePostgres();
    tmp = await createTempDatabase("pgcore_dist");
  });
  after(async () => {
    await tmp?.drop();
  });

  it("enqueue → worker → completed on the server; a newer schema is refused", async () => {
    const db = await core.QueueDatabase.open(await pg.openPostgres(tmp!.url, { max: 4 }), { dialect: pg.postgresDialect });
    try {
      const stats = await drain(db, 30);
      assert.equal(stats.completed, 30);
      assert.equal(stats.total, 30);
    } finally {
      await db.close();
    }
    await queryDatabase(tmp!.url, "INSERT INTO prismq_schema_version (version) VALUES (999)");
    await assert.rejects(
      core.QueueDatabase.open(await pg.openPostgres(tmp!.url), { dialect: pg.postgresDialect }),
      (e: unknown) => e instanceof core.QueueSchemaError && /newer than this library supports/.test((e as Error).message),
    );
  });

  it("an unreachable server fails fast with a typed error of the core's classes (ESM and CommonJS)", async () => {
    const t0 = Date.now();
    let caught: unknown;
    try {
      await core.QueueDatabase.open(await pg.openPostgres("postgres://postgres@127.0.0.1:1/postgres", { connectTimeoutMs: 1000 }), {
        dialect: pg.postgresDialect,
      });
    } catch (err) {
      caught = err;
    }
    assert.ok(Date.now() - t0 < 5000, `failed within the connect timeout (took ${Date.now() - t0} ms)`);
    assert.ok(caught instanceof pg.PostgresConnectionError, `PostgresConnectionError, got ${String(caught)}`);
    assert.ok(caught instanceof core.QueueDatabaseError && caught instanceof core.QueueError, "instanceof across entry points");
    assert.equal((caught as InstanceType<Core["QueueDatabaseError"]>).kind, "cantopen");
    assert.match((caught as Error).message, /127\.0\.0\.1:1.*unreachable/);
    assert.doesNotMatch((caught as Error).message, /^ECONNREFUSED/);

    const require = createRequire(import.meta.url);
    const cjsCore = require(distPath("index.cjs")) as Core;
    const cjsPg = require(distPath("postgres.cjs")) as Pg;
    const driver = await cjsPg.openPostgres("postgres://postgres@127.0.0.1:1/postgres", { connectTimeoutMs: 1000 });
    await assert.rejects(
      driver.execute({ sql: "SELECT 1", params: [] }),
      (e: unknown) => e instanceof cjsCore.QueueDatabaseError && e instanceof cjsCore.QueueError && e instanceof cjsPg.PostgresConnectionError,
    );
    await driver.close();
  });
});
