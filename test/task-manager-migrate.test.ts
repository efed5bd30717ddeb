/**
 * JSON Lines export and import through the built package: every column survives a round trip
 * between the two Node drivers, re-running the import adds nothing, ids taken by other tasks
 * are remapped (and a re-run still adds nothing), and a bad file stores nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { tempDir } from "./helpers/drivers.ts";
import { core, FILE_DRIVERS, type QueueDatabase } from "./fixtures/task-manager/helpers.ts";

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

const rows = async (db: QueueDatabase): Promise<Record<string, unknown>[]> =>
  (await db.execute("SELECT * FROM task_queue ORDER BY id")).rows.map((r) => ({ ...r }));

/** A queue holding every status: completed, failed, dead_letter, cancelled, retrying, processing, queued. */
async function varied(db: QueueDatabase): Promise<void> {
  const client = new core.QueueClient(db);
  await client.enqueue("ok", { n: 1, nested: { a: [1, 2] } });
  await client.enqueue("bad", { n: 2 }, { maxAttempts: 1 });
  await client.enqueue("fatal", { n: 3 });
  await client.enqueue("retry", { n: 4 }, { maxAttempts: 3 });
  const worker = new core.QueueWorker(db, {
    handlers: {
      ok: async () => {},
      bad: async () => { throw new Error("disk full"); },
      fatal: async () => { throw new core.NonRetryableError("bad input"); },
      retry: async () => { throw new Error("try again"); },
    },
    concurrency: 4,
    backoff: { baseMs: 3_600_000, jitter: 0 },
  });
  await worker.processOnce(4);
  const cancelled = await client.enqueue("ok", { n: 5 });
  await client.cancel(cancelled);
  await client.enqueue("slow", { n: 6 }, { idempotencyKey: "order-6", priority: 5, compatibility: { region: "eu" } });
  await new core.QueueWorker(db, { handlers: { slow: async () => {} }, leaseMs: 60_000, capabilities: { region: "eu" } }).claimTasks(1);
  await client.enqueue("later", { n: 7 }, { delayMs: 3_600_000, idempotencyKey: "order-7" });
  await client.enqueue("unicode", { text: "zażółć 🚀", big: 2 ** 53 - 1 });
}

for (const [i, source] of FILE_DRIVERS.entries()) {
  const target = FILE_DRIVERS[(i + 1) % FILE_DRIVERS.length]!;
  describe(`export ${source.name} → import ${target.name}`, () => {
    let tmp: ReturnType<typeof tempDir>;
    let from: QueueDatabase;
    let to: QueueDatabase;
    beforeEach(async () => {
      tmp = tempDir("prismq-tm-mig-");
      from = await source.open(join(tmp.dir, "from.db"));
      to = await target.open(join(tmp.dir, "to.db"));
      await varied(from);
    });
    afterEach(async () => {
      await from.close();
      await to.close();
      tmp.cleanup();
    });

    it("preserves every column of every status, and a re-run adds nothing", async () => {
      const lines = await collect(core.exportTasks(from));
      assert.equal(lines.length, 8 + 2);
      assert.ok(lines.every((l) => l.endsWith("\n")));
      assert.deepEqual(JSON.parse(lines.at(-1)!), { kind: "end", count: 8 });
      const statuses = new Set((await rows(from)).map((r) => r["status"]));
      assert.deepEqual([...statuses].sort(), ["cancelled", "completed", "dead_letter", "failed", "processing", "queued"]);
      const first = await core.importTasks(to, lines);
      assert.deepEqual(first, { read: 8, imported: 8, skipped: 0, remapped: 0, complete: true });
      assert.deepEqual(await rows(to), await rows(from));
      const again = await core.importTasks(to, lines.join(""));
      assert.deepEqual(again, { read: 8, imported: 0, skipped: 8, remapped: 0, complete: true });
      assert.deepEqual(await rows(to), await rows(from));
      // The imported queue works: the idempotency key still deduplicates, the retry still runs.
      assert.equal(await new core.QueueClient(to).enqueue("later", {}, { idempotencyKey: "order-7" }), 7);
    });

    it("remaps ids taken by other tasks, and re-running still adds nothing", async () => {
      const client = new core.QueueClient(to);
      for (let n = 0; n < 3; n++) await client.enqueue("existing", { n });
      const lines = await collect(core.exportTasks(from));
      const first = await core.importTasks(to, lines);
      // Task 1 takes the next free id (4), which then pushes task 4 on, and so on: all move.
      assert.deepEqual(first, { read: 8, imported: 8, skipped: 0, remapped: 8, complete: true });
      assert.equal((await rows(to)).length, 11);
      const again = await core.importTasks(to, lines);
      assert.deepEqual([again.imported, again.skipped], [0, 8]);
      assert.equal((await rows(to)).length, 11);
      const logs = await to.execute("SELECT COUNT(*) AS n FROM task_logs WHERE message = ?", [core.IMPORTED_LOG_MESSAGE]);
      assert.equal(Number(logs.rows[0]!["n"]), 8);
    });

    it("a task whose idempotency key is already stored is skipped", async () => {
      await new core.QueueClient(to).enqueue("other", {}, { idempotencyKey: "order-6" });
      const r = await core.importTasks(to, core.exportTasks(from, { statuses: ["queued", "processing"] }));
      assert.deepEqual([r.read, r.imported, r.skipped], [4, 3, 1]);
    });

    it("a bad line, a cut file or a missing header stores nothing and names the problem", async () => {
      const lines = await collect(core.exportTasks(from));
      const bad = [...lines];
      bad[4] = bad[4]!.replace('"status":', '"status":"exploded","was":');
      await assert.rejects(core.importTasks(to, bad), (e: unknown) => core.isQueueError(e, "VALIDATION") && /line 5/.test(String(e)));
      await assert.rejects(core.importTasks(to, [...lines.slice(0, 5), lines.at(-1)!]), /counts 8 tasks but 4 were read/);
      await assert.rejects(core.importTasks(to, lines.slice(1)), /first line must be the export header/);
      await assert.rejects(core.importTasks(to, [lines[0]!, "{not json"]), /line 2: not valid JSON/);
      assert.equal((await rows(to)).length, 0);
      const noEnd = await core.importTasks(to, lines.slice(0, -1));
      assert.deepEqual([noEnd.imported, noEnd.complete], [8, false]);
    });

    it("refuses to export a stored column the format does not carry, rather than drop it", async () => {
      await from.execute("ALTER TABLE task_queue ADD COLUMN tenant TEXT");
      await assert.rejects(collect(core.exportTasks(from)), (e: unknown) => core.isQueueError(e, "VALIDATION") && /tenant/.test(String(e)));
    });

    it("exports only the statuses asked for, paging by id", async () => {
      const lines = await collect(core.exportTasks(from, { statuses: ["queued"], pageSize: 1 }));
      const tasks = lines.slice(1, -1).map((l) => JSON.parse(l));
      assert.ok(tasks.length >= 2 && tasks.every((t) => t.status === "queued"));
      assert.deepEqual(tasks.map((t) => t.id), [...tasks.map((t) => t.id)].sort((a, b) => a - b));
    });
  });
}
