/**
 * The PostgreSQL dialect without a server: same shape as the SQLite dialect (every statement
 * the core can ask for exists), the same schema version, every builder's `?` count matching its
 * parameters, and the drivers' shared codecs (placeholder numbering, stored time text, integers).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { postgresDialect } from "../src/dialect/postgres/index.ts";
import { numberPlaceholders, endsTransaction, opensTransaction } from "../src/dialect/postgres/placeholders.ts";
import { pgInt8, pgNumeric, pgTimeToText } from "../src/dialect/postgres/values.ts";
import { kindOfSqlState } from "../src/dialect/postgres/errors.ts";
import { sqliteDialect } from "../src/dialect/sqlite/index.ts";
import type { Statement } from "../src/driver.ts";
import { claimShapes } from "./helpers/claim-shapes.ts";

const NOW = "2026-01-01 00:00:00.000";
const claim = { workerId: "w", now: NOW, leaseUntil: NOW, types: ["a", "b"], capabilities: '{"region":"eu"}' };
const fence = { id: 1, leaseToken: 2, now: NOW };

/** `?` marks outside quotes, comments and dollar quotes: what the driver numbers. */
const marks = (s: Statement): number => (numberPlaceholders(s.sql).match(/\$\d+/g) ?? []).filter((m) => !/^\$body/.test(m)).length;

describe("PostgreSQL dialect (no server)", () => {
  it("has every statement group and member the SQLite dialect has", () => {
    for (const group of ["transitions", "reads", "observability", "maintenance", "schema", "schedules", "features"] as const) {
      // insertTasks is optional (a server's one-round-trip bulk insert); SQLite does without it.
      const optional = new Set(["insertTasks"]);
      const want = Object.keys(sqliteDialect[group]).filter((k) => !optional.has(k)).sort();
      const got = Object.keys(postgresDialect[group]).filter((k) => !optional.has(k)).sort();
      assert.deepEqual(got, want, `${group}: members differ`);
    }
  });

  it("writes and reads the same schema version as the SQLite dialect", () => {
    assert.equal(postgresDialect.schema.latestVersion, sqliteDialect.schema.latestVersion);
    const versions = postgresDialect.schema.migrations.map((m) => m.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), "migrations in order");
    assert.equal(new Set(versions).size, versions.length, "each version once");
  });

  it("gives every builder as many placeholders as parameters", () => {
    const t = postgresDialect.transitions;
    const o = postgresDialect.observability;
    const r = postgresDialect.reads;
    const policy = { a: "fail", b: "dead_letter" } as const;
    const stmts: Statement[] = [
      t.insertTask({ type: "t", priority: 1, payload: "{}", compatibility: "{}", maxAttempts: 3, runAfter: NOW, idempotencyKey: "k", now: NOW }),
      t.selectIdByIdempotencyKey("k"),
      ...t.claimOrdered("FIFO", claim, 3, true),
      ...t.claimOrdered("PRIORITY", claim, 1, false),
      ...t.claimWeightedRandom(claim, 0.5, true),
      ...claimShapes(t, claim),
      t.renewLease(fence, NOW),
      t.completeTask(fence),
      ...t.completeMany([{ id: 1, leaseToken: 1 }, { id: 2, leaseToken: 3 }], NOW, "w"),
      ...t.completeMany([{ id: 1, leaseToken: 1 }], NOW, null),
      t.releaseTask(fence),
      t.retryTask(fence, NOW, "e"),
      t.finishFailed(fence, "dead_letter", "e"),
      t.reclaimTasks({ now: NOW, scope: { kind: "expired_or_stale", staleBefore: NOW }, policy }),
      ...t.reclaimExpired(NOW, policy),
      t.reclaimStaleWorkerTasks({ now: NOW, staleBefore: NOW, policy: {} }),
      ...t.cancelTask(1, NOW),
      ...t.retryFinishedTask(1, NOW, NOW),
      ...t.purgeCompletedBefore(NOW),
      r.listTasks({ statuses: ["queued", "failed"], type: "t", limit: 5, offset: 0, descending: true }),
      r.countInStatus("queued", "t"),
      r.oldestWaitingSince(NOW),
      o.insertTaskLog({ taskId: 1, at: NOW, level: "INFO", message: "m", details: null }),
      o.insertTaskLogIfChanged({ taskId: 1, at: NOW, level: "INFO", message: "m", details: "{}" }),
      o.selectTaskLogs({ taskId: 1, level: "INFO", limit: 3 }),
      o.deleteTaskLogsBefore(NOW),
      o.upsertWorker("w", "{}", NOW),
      o.touchWorker("w", NOW),
      o.selectWorkers({ since: NOW, before: NOW }),
      o.countWorkers(NOW, NOW),
      o.deleteStaleWorkers(NOW, false),
      o.selectWorkerSummaries("w"),
      o.countFinishedSince(NOW),
      o.retryFiguresSince(NOW),
      o.completedDurationsSince(NOW, "t"),
      o.workerActivitySince(NOW),
    ];
    for (const s of stmts) assert.equal(marks(s), s.params.length, `placeholders vs parameters in: ${s.sql.slice(0, 120)}`);
  });

  it("refuses a file snapshot with a typed error naming pg_dump, and every PRAGMA-style setting", () => {
    assert.throws(() => postgresDialect.maintenance.snapshotInto("/tmp/x.db"), (e: Error & { code?: string }) => e.code === "DATABASE_ERROR" && /pg_dump/.test(e.message));
    assert.match(postgresDialect.schema.settingProblem("journal_mode", "WAL") ?? "", /connection settings to the driver/);
  });
});

describe("PostgreSQL driver codecs", () => {
  it("numbers ? outside quotes, identifiers, comments and dollar quotes", () => {
    assert.equal(numberPlaceholders("SELECT ?, '?', \"a?\", ? -- ?\n, /* ? */ ?"), "SELECT $1, '?', \"a?\", $2 -- ?\n, /* ? */ $3");
    assert.equal(numberPlaceholders("SELECT 'it''s ?', ?"), "SELECT 'it''s ?', $1");
    assert.equal(numberPlaceholders("SELECT $x$ ? $x$, ?, $$?$$"), "SELECT $x$ ? $x$, $1, $$?$$");
    assert.equal(numberPlaceholders("SELECT 1"), "SELECT 1");
  });

  it("recognises the statements that open and end a transaction", () => {
    assert.ok(opensTransaction(postgresDialect.schema.begin.sql));
    assert.ok(endsTransaction(postgresDialect.schema.commit.sql));
    assert.ok(endsTransaction(postgresDialect.schema.rollback.sql));
    assert.ok(!endsTransaction("ROLLBACK TO SAVEPOINT a"));
    assert.ok(!opensTransaction("SELECT 'BEGIN'"));
  });

  it("turns PostgreSQL's time text into the stored UTC form, whatever the zone or precision", () => {
    assert.equal(pgTimeToText("2026-01-01 10:00:00+00"), "2026-01-01 10:00:00.000");
    assert.equal(pgTimeToText("2026-01-01 10:00:00.12+00"), "2026-01-01 10:00:00.120");
    assert.equal(pgTimeToText("2026-01-01 10:00:00.123456+00"), "2026-01-01 10:00:00.123");
    assert.equal(pgTimeToText("2026-01-01 01:30:00.5+02"), "2025-12-31 23:30:00.500");
    assert.equal(pgTimeToText("2026-01-01 10:00:00-05:30"), "2026-01-01 15:30:00.000");
    assert.equal(pgTimeToText("2026-01-01 10:00:00.001"), "2026-01-01 10:00:00.001", "timestamp without zone");
    assert.equal(pgTimeToText("infinity"), "infinity");
  });

  it("reads bigint and numeric as numbers when safe, exactly as bigint beyond 2^53", () => {
    assert.equal(pgInt8("42"), 42);
    assert.equal(pgInt8("9007199254740993"), 9007199254740993n);
    assert.equal(pgNumeric("1.25"), 1.25);
    assert.equal(pgNumeric("12"), 12);
  });

  it("classifies SQLSTATEs", () => {
    assert.equal(kindOfSqlState("23505"), "constraint");
    assert.equal(kindOfSqlState("40P01"), "busy");
    assert.equal(kindOfSqlState("42601"), "sql");
    assert.equal(kindOfSqlState("08006"), "cantopen");
    assert.equal(kindOfSqlState("25006"), "readonly");
  });
});
