/**
 * Schema 10, through the built package: a worker's claim walks each of its task types on a
 * type-led index, so it never walks past the queued backlog of types it does not handle (before,
 * every SQLite claim walked the type-blind `ix_task_status_prio_time`: ~5 ms per claim behind
 * 20,000 queued tasks of another type; PostgreSQL's `ix_task_queued_prio` likewise). For every
 * strategy, with one type and with two, on both SQLite drivers, PGlite and a PostgreSQL server:
 * the tasks taken are exactly the first ones in the strategy's order across the worker's types
 * (the per-type walks are merged correctly). On SQLite the plan of the claim the worker actually
 * sends is checked too: it reads no type-blind index (PostgreSQL's planner picks by table
 * statistics, so its plans on these small tables say nothing).
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import { importDist } from "./helpers/dist.ts";
import { createTempDatabase, pgSuiteOptions } from "./helpers/postgres.ts";
import type { Driver, QueueDialect, Statement, Task } from "../src/index.ts";

const { FakeClock, QueueClient, QueueDatabase, QueueWorker } = core;
const pg = await importDist<typeof import("../adapters/postgres/index.ts")>("postgres.js");
const lite = await importDist<typeof import("../adapters/pglite/index.ts")>("pglite.js");
const T0 = Date.UTC(2026, 0, 1);
const isClaim = (s: Statement): boolean => /^UPDATE task_queue SET status = 'processing'|^WITH picked AS /.test(s.sql);

type Strategy = "FIFO" | "LIFO" | "PRIORITY" | "WEIGHTED_RANDOM";

/** An engine to run the claims on: a fresh database per test. */
interface Backend {
  readonly name: string;
  /** SQLite: the claim's EXPLAIN QUERY PLAN is checked. */
  readonly sqlitePlans: boolean;
  readonly suite: { skip: string | false };
  open(): Promise<{ driver: Driver; dialect?: QueueDialect; dispose(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  ...DIST_DRIVERS.map((d): Backend => ({ name: d.name, sqlitePlans: true, suite: { skip: false }, open: async () => ({ driver: d.open(), dispose: async () => {} }) })),
  { name: "pglite", sqlitePlans: false, suite: { skip: false }, open: async () => ({ driver: lite.fromPGlite(new PGlite()), dialect: lite.postgresDialect, dispose: async () => {} }) },
  {
    name: "postgres",
    sqlitePlans: false,
    suite: pgSuiteOptions(),
    open: async () => {
      const tmp = await createTempDatabase("claim_by_type");
      return { driver: await pg.openPostgres(tmp.url, { max: 2 }), dialect: pg.postgresDialect, dispose: () => tmp.drop() };
    },
  },
];

for (const d of BACKENDS) {
  describe(`claims by type (built package) on ${d.name}`, d.suite, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;
    let base: Driver;
    let claims: Statement[];
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      claims = [];
      const opened = await d.open();
      base = opened.driver;
      dispose = opened.dispose;
      // Delegates method by method: a driver may be a class instance (its methods are not own properties).
      const listen = base.listen?.bind(base);
      const recording: Driver = {
        name: base.name,
        capabilities: base.capabilities,
        execute: (stmt) => base.execute(stmt),
        batch: (stmts) => {
          claims.push(...stmts.filter(isClaim));
          return base.batch(stmts);
        },
        close: () => base.close(),
        ...(listen === undefined ? {} : { listen }),
      };
      db = await QueueDatabase.open(recording, opened.dialect === undefined ? { clock } : { clock, dialect: opened.dialect });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
      await dispose();
    });

    /** 200 tasks of a type nobody here handles, first in every order, then 12 of `t` and `u`. */
    async function fill(): Promise<{ id: number; type: string; priority: number; at: number }[]> {
      await client.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ type: "other", payload: { i }, options: { priority: 1 } })));
      const mine: { id: number; type: string; priority: number; at: number }[] = [];
      for (let i = 0; i < 12; i++) {
        await clock.advance(1000); // distinct run_after times, so FIFO and LIFO orders are total
        const type = i % 3 === 0 ? "u" : "t";
        const priority = [50, 20, 80, 20][i % 4]!;
        const id = await client.enqueue(type, { i }, { priority });
        mine.push({ id, type, priority, at: clock.now() });
      }
      return mine;
    }

    const expected = (s: Strategy, rows: { id: number; type: string; priority: number; at: number }[], types: string[], n: number): number[] => {
      const of = rows.filter((r) => types.includes(r.type));
      if (s === "FIFO") of.sort((a, b) => a.at - b.at || a.id - b.id);
      if (s === "LIFO") of.sort((a, b) => b.at - a.at || b.id - a.id);
      if (s === "PRIORITY") of.sort((a, b) => a.priority - b.priority || a.at - b.at || a.id - b.id);
      return of.slice(0, n).map((r) => r.id);
    };

    const planOf = async (stmt: Statement): Promise<string[]> =>
      (await base.execute({ sql: `EXPLAIN QUERY PLAN ${stmt.sql}`, params: stmt.params })).rows.map((r) => String(r["detail"]));

    for (const strategy of ["FIFO", "LIFO", "PRIORITY", "WEIGHTED_RANDOM"] as const) {
      for (const types of [["t"], ["t", "u"]]) {
        it(`${strategy}, worker of ${types.join(" and ")}: the first tasks of its types in order${d.sqlitePlans ? ", on a type-led index" : ""}`, async () => {
          const rows = await fill();
          const worker = new QueueWorker(db, { workerId: "w", strategy, heartbeatIntervalMs: 0, taskLogs: false });
          for (const type of types) worker.register(type, () => {});
          const n = strategy === "WEIGHTED_RANDOM" ? 1 : 3;
          const got: Task[] = await worker.claimTasks(n);
          assert.equal(got.length, n);
          assert.ok(got.every((t) => types.includes(t.type)), `claimed ${got.map((t) => t.type).join(",")}`);
          if (strategy !== "WEIGHTED_RANDOM") assert.deepEqual(got.map((t) => t.id), expected(strategy, rows, types, n));
          if (!d.sqlitePlans) return;
          const plan = await planOf(claims.at(-1)!);
          const reads = plan.filter((line) => /\btask_queue\b/.test(line) && !/INTEGER PRIMARY KEY/.test(line));
          assert.ok(reads.length > 0, plan.join("\n"));
          for (const line of reads) {
            assert.match(line, /ix_task_type_(status|queued_time) \(type=\?/, `a walk that is not led by the type:\n${plan.join("\n")}`);
          }
        });
      }
    }

    for (const strategy of ["FIFO", "LIFO", "PRIORITY"] as const) {
      it(`${strategy}, a claim with no registered type takes the first tasks of every type in order`, async () => {
        const rows = await fill();
        const worker = new QueueWorker(db, { workerId: "any", strategy, heartbeatIntervalMs: 0, taskLogs: false });
        const got = (await worker.claimTasks(4)).map((t) => t.id);
        // The 200 `other` tasks (priority 1, enqueued first at T0) lead FIFO and PRIORITY; LIFO takes the newest.
        if (strategy === "LIFO") assert.deepEqual(got, expected("LIFO", rows, ["t", "u"], 4));
        else assert.deepEqual(got, [1, 2, 3, 4]);
      });
    }

    it("a claim behind a larger backlog of other types takes the same tasks, and still reads no other type", async () => {
      await client.enqueueMany(Array.from({ length: 5000 }, (_, i) => ({ type: "other", payload: { i }, options: { priority: 1 } })));
      const id = await client.enqueue("t", {}, { priority: 100 });
      const worker = new QueueWorker(db, { workerId: "w", heartbeatIntervalMs: 0, taskLogs: false }).register("t", () => {});
      assert.deepEqual((await worker.claimTasks(1)).map((t) => t.id), [id]);
      const counts = await db.execute("SELECT type, status, COUNT(*) AS n FROM task_queue GROUP BY type, status ORDER BY type");
      assert.deepEqual(counts.rows.map((r) => `${String(r["type"])} ${String(r["status"])} ${String(r["n"])}`), ["other queued 5000", "t processing 1"]);
      if (!d.sqlitePlans) return;
      // The counts by type and status still read only the (type, status, …) index.
      const plan = (await base.execute({ sql: "EXPLAIN QUERY PLAN SELECT type, status, COUNT(*) FROM task_queue GROUP BY type, status", params: [] })).rows;
      assert.match(plan.map((r) => String(r["detail"])).join("\n"), /COVERING INDEX ix_task_type_status/);
    });
  });
}
