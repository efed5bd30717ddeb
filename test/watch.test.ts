import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DRIVERS } from "./helpers/drivers.ts";
import { FakeClock, QueueClient, QueueDatabase, QueueWorker, systemClock, TaskNotFoundError, WaitTimeoutError, type Task } from "../src/index.ts";

for (const d of DRIVERS) {
  describe(`watch / waitFor on ${d.name}`, () => {
    it("sees status changes made on another connection and resolves at the final status", async () => {
      const dir = mkdtempSync(join(tmpdir(), "prismq-watch-"));
      const a = await QueueDatabase.open(d.open(join(dir, "q.db")));
      const b = await QueueDatabase.open(d.open(join(dir, "q.db")));
      try {
        const client = new QueueClient(a);
        const id = await client.enqueue("job", { n: 1 });
        const seen: string[] = [];
        const watching = (async () => {
          for await (const t of client.watch(id, { minIntervalMs: 5, maxIntervalMs: 20 })) seen.push(t.status);
        })();
        const waiting = client.waitFor(id, { timeoutMs: 10_000, minIntervalMs: 5 });
        await systemClock.sleep(30);
        // The other "process": its own connection and worker.
        const worker = new QueueWorker(b, { heartbeatIntervalMs: 0 });
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        worker.register("job", () => held);
        const run = worker.processOnce(1);
        await systemClock.sleep(60);
        release();
        await run;
        const final: Task = await waiting;
        await watching;
        assert.equal(final.status, "completed");
        assert.deepEqual(seen, ["queued", "processing", "completed"]);
      } finally {
        await a.close();
        await b.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("times out with WaitTimeoutError, polling with backoff (few reads while nothing changes)", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        const id = await client.enqueue("job");
        const before = db.callCount;
        const started = Date.now();
        await assert.rejects(client.waitFor(id, { timeoutMs: 1000 }), (e: unknown) => {
          return e instanceof WaitTimeoutError && e.taskId === id && e.lastStatus === "queued" && e.code === "WAIT_TIMEOUT";
        });
        assert.ok(Date.now() - started >= 950, "waited out the limit");
        const reads = db.callCount - before;
        // 50, 100, 200, 400 ms … between reads: about 5 in one second (a 10 ms loop would do 100).
        assert.ok(reads >= 3 && reads <= 8, `${reads} reads in 1 s`);
      } finally {
        await db.close();
      }
    });

    it("follows the database's clock, stops on abort, and refuses a missing task", async () => {
      const clock = new FakeClock();
      const db = await QueueDatabase.open(d.open(), { clock });
      try {
        const client = new QueueClient(db);
        const id = await client.enqueue("job");
        await assert.rejects(client.waitFor(999), TaskNotFoundError);
        const ac = new AbortController();
        const p = client.waitFor(id, { signal: ac.signal });
        ac.abort(new Error("enough"));
        await assert.rejects(p, /enough/);
        const timed = assert.rejects(client.waitFor(id, { timeoutMs: 5000 }), WaitTimeoutError);
        // Fake time: nothing happens until the clock moves past the limit.
        for (let i = 0; i < 20; i++) {
          await systemClock.sleep(1);
          await clock.advance(500);
        }
        await timed;
      } finally {
        await db.close();
      }
    });
  });
}
