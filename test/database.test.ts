import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DRIVERS, tempDir } from "./helpers/drivers.ts";
import {
  defaultDbPath,
  fromSqlTime,
  isQueueError,
  QueueBusyError,
  QueueClient,
  QueueClosedError,
  QueueDatabase,
  QueueDatabaseError,
  QueueSchemaError,
  QueueWorker,
  SQLITE_SCHEMA_VERSION,
  systemClock,
  toSqlTime,
} from "../src/index.ts";
import { SQLITE_MIGRATIONS } from "../src/dialect/sqlite/migrations.ts";
import { openDriver, openQueueDatabase } from "../runtime/node/index.ts";

describe("timestamps and paths (pure)", () => {
  it("stores UTC millisecond text that round-trips and sorts with SQLite's datetime('now')", () => {
    const t = Date.UTC(2026, 10, 23, 9, 5, 7, 42);
    assert.equal(toSqlTime(t), "2026-11-23 09:05:07.042");
    assert.equal(fromSqlTime("2026-11-23 09:05:07.042"), t);
    assert.equal(fromSqlTime("2026-11-23 09:05:07"), t - 42, "second-precision text from datetime('now')");
    assert.ok(toSqlTime(t) > "2026-11-23 09:05:07" && toSqlTime(t) < "2026-11-23 09:05:08");
  });
  it("defaultDbPath follows seed 002", () => {
    assert.equal(defaultDbPath({ PRISMQ_QUEUE_DB_PATH: "/x/q.db" }, "linux"), "/x/q.db");
    assert.equal(defaultDbPath({}, "win32"), "C:\\Data\\PrismQ\\queue\\queue.db");
    assert.equal(defaultDbPath({}, "linux"), "/tmp/prismq/queue/queue.db");
    assert.equal(defaultDbPath({ PRISMQ_QUEUE_DB_PATH: "" }, "darwin"), "/tmp/prismq/queue/queue.db");
  });
});

// Node 22 has no `await using`; handles opened in a test are closed after it.
const open: QueueDatabase[] = [];
function track(db: QueueDatabase): QueueDatabase {
  open.push(db);
  return db;
}
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

for (const d of DRIVERS) {
  describe(`QueueDatabase on ${d.name}`, () => {
    it("creates the seeds' tables, indexes and views and records the schema version", async () => {
      const db = track(await QueueDatabase.open(d.open()));
      const names = (await db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")).rows.map(
        (r) => `${r["type"]}:${r["name"]}`,
      );
      for (const want of [
        "table:task_queue",
        "table:workers",
        "table:task_logs",
        "index:ix_task_status_prio_time",
        "index:ix_task_type_status",
        "index:ix_task_region",
        "index:ix_task_format",
        "index:uq_task_idempotency",
        "view:v_queue_status_summary",
        "view:v_queue_type_summary",
        "view:v_worker_status",
        "view:v_task_performance",
        "view:v_recent_failures",
      ]) {
        assert.ok(names.includes(want), `${want} in ${names.join(", ")}`);
      }
      const cols = (await db.execute("SELECT name FROM pragma_table_xinfo('task_queue')")).rows.map((r) => r["name"]);
      for (const c of ["id", "type", "priority", "payload", "compatibility", "status", "attempts", "max_attempts", "run_after_utc",
        "locked_by", "lease_until_utc", "reserved_at_utc", "processing_started_utc", "finished_at_utc", "created_at_utc",
        "error_message", "idempotency_key", "region", "format", "lease_token"]) {
        assert.ok(cols.includes(c), `column ${c}`);
      }
      assert.equal(await db.schemaVersion(), SQLITE_SCHEMA_VERSION);
      const def = await db.execute("INSERT INTO task_queue (type) VALUES ('x') RETURNING priority, status, max_attempts, created_at_utc");
      assert.equal(def.rows[0]?.["priority"], 100);
      assert.equal(def.rows[0]?.["status"], "queued");
      assert.match(String(def.rows[0]?.["created_at_utc"]), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    });

    it("applies the seed 002 PRAGMAs to a file database", async () => {
      const { dir, cleanup } = tempDir();
      try {
        const db = track(await QueueDatabase.open(d.open(join(dir, "q.db"))));
        const p = async (name: string) => (await db.execute(`PRAGMA ${name}`)).rows[0]?.[name];
        assert.equal(p && (await p("journal_mode")), "wal");
        assert.equal(await p("synchronous"), 1);
        assert.equal(await p("busy_timeout") ?? (await db.execute("PRAGMA busy_timeout")).rows[0]?.["timeout"], 5000);
        assert.equal(await p("foreign_keys"), 1);
        assert.equal(await p("temp_store"), 2);
        assert.equal(await p("cache_size"), -20000);
        assert.equal(await p("page_size"), 4096);
      } finally {
        cleanup();
      }
    });

    it("migrates an older file forward and keeps its rows", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "old.db");
      try {
        // A version-1 file, as the first release (or the Python queue's schema) left it.
        const raw = d.open(path);
        for (const s of SQLITE_MIGRATIONS[0]!.statements) await raw.execute({ sql: s, params: [] });
        await raw.execute({ sql: "PRAGMA user_version = 1", params: [] });
        await raw.execute({ sql: "INSERT INTO task_queue (type, payload, priority) VALUES ('old', '{}', 7)", params: [] });
        await raw.close();

        const db = track(await QueueDatabase.open(d.open(path)));
        assert.equal(await db.schemaVersion(), SQLITE_SCHEMA_VERSION);
        const row = (await db.execute("SELECT type, priority, lease_token FROM task_queue")).rows[0];
        assert.deepEqual({ ...row }, { type: "old", priority: 7, lease_token: 0 });
        const w = new QueueWorker(db, { workerId: "w" });
        w.register("old", async () => {});
        assert.equal(await w.processOnce(), 1, "the migrated task is claimable");
      } finally {
        cleanup();
      }
    });

    it("adopts a Python-made file at user_version 0", async () => {
      const db0 = track(new QueueDatabase(d.open(), { pragmas: false }));
      // The seed's own DDL leaves user_version at 0.
      await db0.execute(
        "CREATE TABLE task_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 100, payload TEXT NOT NULL, compatibility TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL DEFAULT 5, run_after_utc DATETIME NOT NULL DEFAULT (datetime('now')), lease_until_utc DATETIME, reserved_at_utc DATETIME, processing_started_utc DATETIME, finished_at_utc DATETIME, locked_by TEXT, error_message TEXT, idempotency_key TEXT, created_at_utc DATETIME NOT NULL DEFAULT (datetime('now')), updated_at_utc DATETIME NOT NULL DEFAULT (datetime('now')), region TEXT GENERATED ALWAYS AS (json_extract(compatibility, '$.region')) VIRTUAL, format TEXT GENERATED ALWAYS AS (json_extract(payload, '$.format')) VIRTUAL)",
      );
      await db0.execute("INSERT INTO task_queue (type, payload) VALUES ('py', '{\"format\":\"mp4\"}')");
      await db0.initializeSchema();
      assert.equal(await db0.schemaVersion(), SQLITE_SCHEMA_VERSION);
      const t = await new QueueClient(db0).getTask(1);
      assert.equal(t?.type, "py");
      assert.equal(t?.format, "mp4");
      assert.ok(t!.runAfter > 0, "second-precision datetime('now') parses");
    });

    it("refuses a database of a newer schema version and leaves it untouched", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "new.db");
      try {
        const first = await QueueDatabase.open(d.open(path));
        await new QueueClient(first).enqueue("keep", { v: 1 });
        await first.execute("PRAGMA user_version = 99");
        await first.close();
        await assert.rejects(QueueDatabase.open(d.open(path)), (e: unknown) =>
          e instanceof QueueSchemaError && /newer/.test(e.message) && isQueueError(e, "SCHEMA_ERROR"),
        );
        const raw = d.open(path);
        const v = await raw.execute({ sql: "PRAGMA user_version", params: [] });
        assert.equal(v.rows[0]?.["user_version"], 99);
        const n = await raw.execute({ sql: "SELECT COUNT(*) AS n FROM task_queue", params: [] });
        assert.equal(n.rows[0]?.["n"], 1);
        await raw.close();
      } finally {
        cleanup();
      }
    });

    it("initializeSchema is idempotent", async () => {
      const db = track(await QueueDatabase.open(d.open()));
      await new QueueClient(db).enqueue("t", {});
      await db.initializeSchema();
      await db.initializeSchema();
      assert.equal((await new QueueClient(db).stats()).total, 1);
    });

    it("execute, executeMany (all or nothing) and lastInsertRowid", async () => {
      const db = track(await QueueDatabase.open(d.open()));
      const r = await db.execute("INSERT INTO task_queue (type, payload, priority) VALUES (?, ?, ?)", ["a", "{}", 50]);
      assert.equal(r.changes, 1);
      assert.equal(Number(r.lastInsertRowid), 1);
      assert.equal(await db.executeMany("INSERT INTO task_queue (type, payload) VALUES (?, ?)", [["b", "{}"], ["c", "{}"]]), 2);
      await assert.rejects(
        db.executeMany("INSERT INTO task_queue (type, payload) VALUES (?, ?)", [["d", "{}"], [null, "{}"]]),
        { code: "CONSTRAINT" },
      );
      const n = await db.execute("SELECT COUNT(*) AS n FROM task_queue");
      assert.equal(n.rows[0]?.["n"], 3, "the good row of the failed batch was rolled back");
    });

    it("transaction commits, rolls back on a throw, and returns the user's own error", async () => {
      const db = track(await QueueDatabase.open(d.open()));
      const id = await db.transaction(async (tx) => {
        const r = await tx.execute("INSERT INTO task_queue (type, payload) VALUES (?, ?)", ["a", "{}"]);
        return Number(r.lastInsertRowid);
      });
      assert.equal(id, 1);
      class Mine extends Error {}
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.execute("INSERT INTO task_queue (type, payload) VALUES (?, ?)", ["b", "{}"]);
          throw new Mine("changed my mind");
        }),
        Mine,
      );
      const n = await db.execute("SELECT COUNT(*) AS n FROM task_queue");
      assert.equal(n.rows[0]?.["n"], 1);
    });

    it("transaction keeps every other call on the database out until it ends", async () => {
      const db = track(await QueueDatabase.open(d.open()));
      const client = new QueueClient(db);
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const tx = db.transaction(async (t) => {
        await t.execute("INSERT INTO task_queue (type, payload) VALUES ('in-tx', '{}')");
        order.push("tx-insert");
        await held;
        order.push("tx-end");
      });
      await new Promise((r) => setTimeout(r, 5));
      const outside = client.enqueue("outside", {}).then(() => order.push("outside"));
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(order, ["tx-insert"], "the enqueue waited");
      release();
      await Promise.all([tx, outside]);
      assert.deepEqual(order, ["tx-insert", "tx-end", "outside"]);
    });

    it("never lets a raw driver error reach the user", async () => {
      const db = track(await QueueDatabase.open(d.open()));
      await assert.rejects(db.execute("SELEC nonsense"), (e: unknown) =>
        e instanceof QueueDatabaseError && e.kind === "sql" && e.cause !== undefined,
      );
      await assert.rejects(db.execute("INSERT INTO task_queue (type, payload) VALUES (NULL, '{}')"), (e: unknown) =>
        isQueueError(e, "CONSTRAINT") && /NOT NULL/i.test((e as Error).message),
      );
      await assert.rejects(db.transaction((tx) => tx.execute("SELECT * FROM nope")), QueueDatabaseError);
    });

    it("is closed once: close is idempotent and later calls reject with QueueClosedError", async () => {
      const db = await QueueDatabase.open(d.open());
      await db.close();
      await db.close();
      await assert.rejects(db.execute("SELECT 1"), QueueClosedError);
      await assert.rejects(new QueueClient(db).enqueue("t", {}), QueueClosedError);
      await assert.rejects(db.transaction(async () => 1), QueueClosedError);
      const driver = d.open();
      await driver.close();
      await driver.close();
      await assert.rejects(driver.execute({ sql: "SELECT 1", params: [] }), QueueClosedError);
    });

    it("turns a lock held past the busy timeout and the retries into QueueBusyError", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "busy.db");
      try {
        const holder = track(await QueueDatabase.open(d.open(path)));
        const other = track(await QueueDatabase.open(d.open(path), { pragmas: { busy_timeout: 20 }, busyRetries: 2, busyRetryBaseMs: 1 }));
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        const tx = holder.transaction(async (t) => {
          await t.execute("INSERT INTO task_queue (type, payload) VALUES ('h', '{}')");
          await held;
        });
        await new Promise((r) => setTimeout(r, 5));
        const callsBefore = other.callCount;
        await assert.rejects(new QueueClient(other).enqueue("t", {}), (e: unknown) =>
          e instanceof QueueBusyError && /2 retries/.test(e.message),
        );
        assert.equal(other.busyRetryCount, 2);
        assert.equal(other.callCount - callsBefore, 1, "one call, however many retries");
        release();
        await tx;
        assert.equal(typeof (await new QueueClient(other).enqueue("t", {})), "number", "works once the lock is gone");
      } finally {
        cleanup();
      }
    });

    it("uses the injected clock for every timestamp it writes", async () => {
      const clock = { now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 6), sleep: systemClock.sleep };
      const db = track(await QueueDatabase.open(d.open(), { clock }));
      const id = await new QueueClient(db).enqueue("t", {});
      const row = (await db.execute("SELECT created_at_utc, updated_at_utc, run_after_utc FROM task_queue WHERE id = ?", [id])).rows[0];
      assert.deepEqual({ ...row }, {
        created_at_utc: "2030-01-02 03:04:05.006",
        updated_at_utc: "2030-01-02 03:04:05.006",
        run_after_utc: "2030-01-02 03:04:05", // runnable now: SQLite's second form (toSqlRunAfter)
      });
    });
  });
}

describe("opening by path on Node", () => {
  it("creates the folder, opens with the chosen driver, and honours PRISMQ_QUEUE_DB_PATH", async () => {
    const { dir, cleanup } = tempDir();
    const saved = process.env["PRISMQ_QUEUE_DB_PATH"];
    try {
      for (const name of ["better-sqlite3", "node-sqlite"] as const) {
        const path = join(dir, name, "deep", "queue.db");
        const db = track(await openQueueDatabase({ path, driver: name }));
        assert.equal(db.driver.name, name);
        assert.ok(existsSync(path));
      }
      process.env["PRISMQ_QUEUE_DB_PATH"] = join(dir, "env", "q.db");
      const driver = await openDriver();
      assert.equal(driver.capabilities.sharedStorage, true);
      await driver.close();
      assert.ok(existsSync(join(dir, "env", "q.db")));
    } finally {
      if (saved === undefined) delete process.env["PRISMQ_QUEUE_DB_PATH"];
      else process.env["PRISMQ_QUEUE_DB_PATH"] = saved;
      cleanup();
    }
  });

  it("a folder that cannot be created and a file that is not a database get typed errors", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { writeFileSync } = await import("node:fs");
      const blocker = join(dir, "file");
      writeFileSync(blocker, "x");
      await assert.rejects(openQueueDatabase({ path: join(blocker, "sub", "q.db") }), (e: unknown) =>
        e instanceof QueueDatabaseError && e.kind === "cantopen",
      );
      const junk = join(dir, "junk.db");
      writeFileSync(junk, "this is not a SQLite database, just some text that is long enough ".repeat(100));
      for (const driver of ["better-sqlite3", "node-sqlite"] as const) {
        await assert.rejects(openQueueDatabase({ path: junk, driver }), (e: unknown) =>
          e instanceof QueueDatabaseError && e.kind === "notadb",
        );
      }
    } finally {
      cleanup();
    }
  });
});
