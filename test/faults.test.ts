/**
 * Bad input and faults at the file level: each gets a clear typed error and nothing already
 * stored is lost. A read-only folder means nothing to root, so that case runs in a child
 * process as `nobody` when the tests run as root.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DRIVERS, tempDir } from "./helpers/drivers.ts";
import { QueueClient, QueueDatabase, QueueDatabaseError, isQueueError } from "../src/index.ts";
import { openQueueDatabase } from "../runtime/node/index.ts";

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Runs a snippet that opens `path` and enqueues, as a non-root user; returns its JSON report. */
function tryWriteAsUnprivileged(path: string, driver: string): { ok: boolean; name?: string; code?: string; kind?: string; message?: string } {
  const script = `
    import { openQueueDatabase } from ${JSON.stringify(new URL("../runtime/node/index.ts", import.meta.url).href)};
    import { QueueClient } from ${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)};
    try {
      const db = await openQueueDatabase({ path: ${JSON.stringify(path)}, driver: ${JSON.stringify(driver)} });
      await new QueueClient(db).enqueue("t", {});
      await db.close();
      console.log(JSON.stringify({ ok: true }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, name: e?.constructor?.name, code: e?.code, kind: e?.kind, message: e?.message }));
    }`;
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script], {
    encoding: "utf8",
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  assert.ok(line.startsWith("{"), `child said: ${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as never;
}

for (const driver of ["better-sqlite3", "node-sqlite"] as const) {
  describe(`file faults with ${driver}`, () => {
    it("a read-only folder: a new file cannot be created, typed error", () => {
      const { dir, cleanup } = tempDir();
      try {
        chmodSync(dir, 0o555);
        const r = tryWriteAsUnprivileged(join(dir, "q.db"), driver);
        assert.equal(r.ok, false);
        assert.equal(r.name, "QueueDatabaseError", r.message);
        assert.ok(r.kind === "cantopen" || r.kind === "readonly", `kind ${r.kind}: ${r.message}`);
      } finally {
        chmodSync(dir, 0o755);
        cleanup();
      }
    });

    it("a database in a read-only folder: writes refused with a typed error, nothing lost", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "q.db");
      try {
        const db = await openQueueDatabase({ path, driver });
        const ids = await new QueueClient(db).enqueueMany([{ type: "keep" }, { type: "keep" }]);
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        await db.close();
        chmodSync(path, 0o444);
        chmodSync(dir, 0o555);
        const before = readFileSync(path);
        const r = tryWriteAsUnprivileged(path, driver);
        assert.equal(r.ok, false);
        assert.ok(r.name === "QueueDatabaseError" || r.name === "QueueBusyError", `${r.name}: ${r.message}`);
        assert.ok(["readonly", "cantopen"].includes(String(r.kind)), `kind ${r.kind}: ${r.message}`);
        assert.deepEqual(readFileSync(path), before, "the file is byte for byte unchanged");
        chmodSync(dir, 0o755);
        chmodSync(path, 0o644);
        const again = await openQueueDatabase({ path, driver });
        assert.deepEqual((await new QueueClient(again).listTasks()).map((t) => t.id), ids);
        await again.close();
      } finally {
        chmodSync(dir, 0o755);
        cleanup();
      }
    });

    it("a corrupt database: a typed error, never a raw one, and the rest of the file untouched", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "q.db");
      try {
        const db = await openQueueDatabase({ path, driver });
        await new QueueClient(db).enqueueMany(Array.from({ length: 500 }, (_, i) => ({ type: "t", payload: { i, pad: "x".repeat(200) } })));
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        await db.close();
        const size = statSync(path).size;
        copyFileSync(path, join(dir, "pristine.db"));
        // Overwrite two pages in the middle of the file with garbage.
        const fd = openSync(path, "r+");
        writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
        closeSync(fd);
        let failure: unknown;
        try {
          const broken = await openQueueDatabase({ path, driver });
          try {
            await new QueueClient(broken).listTasks({ limit: 100_000 });
            await broken.execute("PRAGMA integrity_check");
            const check = await broken.execute("PRAGMA quick_check");
            assert.notEqual(check.rows[0]?.["quick_check"], "ok", "the damage is visible");
          } finally {
            await broken.close();
          }
        } catch (e) {
          failure = e;
        }
        if (failure !== undefined) {
          assert.ok(isQueueError(failure), `raw error escaped: ${String(failure)}`);
          assert.ok(failure instanceof QueueDatabaseError && ["corrupt", "notadb"].includes(failure.kind), String(failure));
        }
        // The intact copy still opens and holds every task.
        const ok = await openQueueDatabase({ path: join(dir, "pristine.db"), driver });
        assert.equal((await new QueueClient(ok).stats()).total, 500);
        await ok.close();
      } finally {
        cleanup();
      }
    });
  });
}

describe("faults the core sees through any driver", () => {
  for (const d of DRIVERS) {
    it(`${d.name}: a write refused by a read-only connection is a typed 'readonly' error`, async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "q.db");
      try {
        const db = await QueueDatabase.open(d.open(path));
        await new QueueClient(db).enqueue("keep", {});
        await db.close();
        const Database = (await import("better-sqlite3")).default;
        const { DatabaseSync } = await import("node:sqlite");
        const { fromBetterSqlite3 } = await import("../adapters/better-sqlite3/index.ts");
        const { fromNodeSqlite } = await import("../adapters/node-sqlite/index.ts");
        const ro = d.name === "better-sqlite3"
          ? fromBetterSqlite3(new Database(path, { readonly: true }))
          : fromNodeSqlite(new DatabaseSync(path, { readOnly: true }));
        const rdb = new QueueDatabase(ro, { pragmas: false });
        await assert.rejects(new QueueClient(rdb).enqueue("t", {}), (e: unknown) => e instanceof QueueDatabaseError && e.kind === "readonly");
        assert.equal((await new QueueClient(rdb).stats()).total, 1, "reads still work; nothing lost");
        await rdb.close();
      } finally {
        cleanup();
      }
    });
  }
});
