/**
 * The Driver contract every adapter must meet: values round-trip, `changes` and RETURNING are
 * reported, a batch is all or nothing and nothing slips into it, errors are typed, close is final.
 */
import { isQueueError, QueueClosedError, QueueConstraintError, QueueDatabaseError } from "../../src/errors.ts";
import type { Harness } from "../harness.ts";
import type { Target } from "../targets/index.ts";

function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
  const e = JSON.stringify(expected, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

async function rejectsWith(p: Promise<unknown>, check: (e: unknown) => boolean, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!check(err)) throw new Error(`${what}: wrong error ${String(err)}`);
    return;
  }
  throw new Error(`${what}: expected a rejection`);
}

/** Registers the driver-contract cases for `target`. */
export function defineDriverContract(h: Harness, target: Target): void {
  h.describe(`driver contract: ${target.name}`, () => {
    const withDriver = (fn: (d: Awaited<ReturnType<Target["create"]>>) => Promise<void>) => async () => {
      const d = await target.create();
      try {
        await fn(d);
      } finally {
        await d.close();
      }
    };

    h.test("declares its shape", withDriver(async (d) => {
      eq(typeof d.name, "string", "name");
      eq(typeof d.capabilities.sharedStorage, "boolean", "capabilities.sharedStorage");
      eq(d.capabilities.sharedStorage, target.persistent ?? false, target.persistent ? "persistent storage is shared" : "an in-memory database is not shared");
    }));

    h.test("round-trips text, numbers, blobs and null", withDriver(async (d) => {
      await d.execute({ sql: "CREATE TABLE v (t TEXT, i INTEGER, r REAL, b BLOB, n TEXT)", params: [] });
      const blob = new Uint8Array([0, 1, 2, 250, 255]);
      await d.execute({ sql: "INSERT INTO v VALUES (?, ?, ?, ?, ?)", params: ["héllo ✓ 日本", 2 ** 40, 1.5, blob, null] });
      await d.execute({ sql: "INSERT INTO v VALUES (?, ?, ?, ?, ?)", params: ["", -1, 0, new Uint8Array(0), null] });
      const { rows } = await d.execute({ sql: "SELECT * FROM v ORDER BY rowid", params: [] });
      eq(rows[0]?.["t"], "héllo ✓ 日本", "unicode text");
      eq(rows[0]?.["i"], 2 ** 40, "integer");
      eq(rows[0]?.["r"], 1.5, "real");
      eq([...(rows[0]?.["b"] as Uint8Array)], [...blob], "blob");
      eq(rows[0]?.["n"], null, "null");
      eq(rows[1]?.["t"], "", "empty text");
      eq((rows[1]?.["b"] as Uint8Array | null)?.length ?? 0, 0, "empty blob");
      const big = await d.execute({ sql: "SELECT ? AS v", params: [9007199254740993n] });
      eq(big.rows[0]?.["v"], 9007199254740993n, "an integer beyond 2^53 comes back exact, as a bigint");
      const small = await d.execute({ sql: "SELECT ? AS v", params: [42n] });
      eq(small.rows[0]?.["v"], 42, "an integer that fits comes back as a number");
    }));

    h.test("reports changes, RETURNING rows and lastInsertRowid", withDriver(async (d) => {
      await d.execute({ sql: "CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER)", params: [] });
      const ins = await d.execute({ sql: "INSERT INTO c (v) VALUES (1), (2), (3)", params: [] });
      eq(ins.changes, 3, "insert changes");
      eq(Number(ins.lastInsertRowid), 3, "lastInsertRowid");
      const upd = await d.execute({ sql: "UPDATE c SET v = v * 10 WHERE v >= 2 RETURNING id, v", params: [] });
      eq(upd.changes, 2, "RETURNING changes");
      eq(upd.rows.map((r) => Number(r["v"])).sort((a, b) => a - b), [20, 30], "RETURNING rows");
      const sel = await d.execute({ sql: "SELECT COUNT(*) AS n FROM c", params: [] });
      eq(sel.changes, 0, "a SELECT changes nothing");
      eq(sel.rows[0]?.["n"], 3, "select");
    }));

    h.test("batch is all or nothing: a failure in statement k leaves no trace of 1…k-1", withDriver(async (d) => {
      await d.execute({ sql: "CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT NOT NULL)", params: [] });
      const ok = await d.batch([
        { sql: "INSERT INTO b (v) VALUES (?)", params: ["a"] },
        { sql: "INSERT INTO b (v) VALUES (?) RETURNING id", params: ["b"] },
      ]);
      eq(ok.length, 2, "results in order");
      eq(ok[1]?.rows[0]?.["id"], 2, "RETURNING inside a batch");
      await rejectsWith(
        d.batch([
          { sql: "INSERT INTO b (v) VALUES (?)", params: ["c"] },
          { sql: "UPDATE b SET v = 'z'", params: [] },
          { sql: "INSERT INTO b (v) VALUES (?)", params: [null] },
        ]),
        (e) => e instanceof QueueConstraintError,
        "failing batch",
      );
      const { rows } = await d.execute({ sql: "SELECT v FROM b ORDER BY id", params: [] });
      eq(rows.map((r) => r["v"]), ["a", "b"], "rolled back");
      const again = await d.batch([{ sql: "INSERT INTO b (v) VALUES ('d')", params: [] }]);
      eq(again[0]?.changes, 1, "usable after a failed batch");
    }));

    h.test("calls fired while a batch runs are neither inside it nor see half of it", withDriver(async (d) => {
      await d.execute({ sql: "CREATE TABLE iso (id INTEGER PRIMARY KEY, v INTEGER)", params: [] });
      const stmts = Array.from({ length: 50 }, (_, i) => ({ sql: "INSERT INTO iso (v) VALUES (?)", params: [i] }));
      const batch = d.batch(stmts);
      const peek = d.execute({ sql: "SELECT COUNT(*) AS n FROM iso", params: [] });
      const [, seen] = await Promise.all([batch, peek]);
      const n = Number(seen.rows[0]?.["n"]);
      if (n !== 0 && n !== 50) throw new Error(`saw half a batch: ${n} rows`);
    }));

    h.test("maps engine errors to typed errors with the native error as cause", withDriver(async (d) => {
      await rejectsWith(d.execute({ sql: "SELEKT 1", params: [] }), (e) =>
        e instanceof QueueDatabaseError && e.kind === "sql" && e.cause !== undefined, "syntax error");
      await d.execute({ sql: "CREATE TABLE u (k TEXT UNIQUE)", params: [] });
      await d.execute({ sql: "INSERT INTO u VALUES ('x')", params: [] });
      await rejectsWith(d.execute({ sql: "INSERT INTO u VALUES ('x')", params: [] }), (e) =>
        isQueueError(e, "CONSTRAINT") && (e as QueueDatabaseError).engineCode?.startsWith("SQLITE_CONSTRAINT") === true, "unique");
    }));

    h.test("close is idempotent and later calls reject with QueueClosedError", async () => {
      const d = await target.create();
      await d.close();
      await d.close();
      await rejectsWith(d.execute({ sql: "SELECT 1", params: [] }), (e) => e instanceof QueueClosedError, "execute");
      await rejectsWith(d.batch([{ sql: "SELECT 1", params: [] }]), (e) => e instanceof QueueClosedError, "batch");
    });
  });
}
