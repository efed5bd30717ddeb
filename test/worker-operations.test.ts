/**
 * Issue 11: every database call of QueueWorker goes through one WorkerOperations object,
 * injected through the constructor's internal third argument (how the conformance suite's
 * broken variants get their behaviour, with no subclass detection). A recording wrapper around
 * the real operations shows which calls the worker makes, and that a set of operations without
 * batch statements turns group commit and prefetch off.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { FakeClock } from "../src/clock.ts";
import { QueueClient } from "../src/client.ts";
import { QueueDatabase } from "../src/database.ts";
import { QueueWorker } from "../src/worker.ts";
import { type OperationsFactory, dialectWorkerOperations, type WorkerOperations } from "../src/worker/operations.ts";

/** The real operations, recording each call's name; `batch: false` leaves the batch statements out. */
function recording(calls: string[], batch: boolean): OperationsFactory {
  return (ctx) => {
    const real = dialectWorkerOperations(ctx);
    const ops: WorkerOperations = {
      claim: (limit, now) => (calls.push(`claim ${limit}`), real.claim(limit, now)),
      renew: (task, now, until) => (calls.push("renew"), real.renew(task, now, until)),
      record: (task, outcome, now) => (calls.push(`record ${outcome.status}`), real.record(task, outcome, now)),
      status: (id) => (calls.push("status"), real.status(id)),
      batch: batch
        ? {
            claim: (limit, now) => (calls.push(`batch.claim ${limit}`), real.batch!.claim(limit, now)),
            record: (task, outcome, now) => (calls.push(`batch.record ${outcome.status}`), real.batch!.record(task, outcome, now)),
            completeMany: (tasks, now) => (calls.push(`batch.completeMany ${tasks.length}`), real.batch!.completeMany(tasks, now)),
            release: (task, now) => (calls.push("batch.release"), real.batch!.release(task, now)),
          }
        : undefined,
    };
    return ops;
  };
}

for (const d of DRIVERS) {
  describe(`QueueWorker's injected operations on ${d.name}`, () => {
    it("claimTasks, renewLease, completeTask, failTask and processOnce go through the operations object", async () => {
      const db = await QueueDatabase.open(d.open(), { clock: new FakeClock(Date.UTC(2026, 0, 1)) });
      try {
        const client = new QueueClient(db);
        await client.enqueue("t", {}, { maxAttempts: 3 });
        await client.enqueue("t", {}, { maxAttempts: 3 });
        await client.enqueue("t", {});
        const calls: string[] = [];
        const worker = new QueueWorker(db, { heartbeatIntervalMs: 0, handlers: { t: () => {} } }, recording(calls, true));
        const [a, b] = await worker.claimTasks(2);
        await worker.renewLease(a!);
        await worker.completeTask(a!);
        assert.equal(await worker.failTask(b!, new Error("boom")), "queued");
        assert.equal(await worker.processOnce(1), 1);
        assert.deepEqual(calls, ["claim 2", "renew", "record completed", "record queued", "claim 1", "record completed"]);
        assert.equal((await client.stats()).completed, 2);
      } finally {
        await db.close();
      }
    });

    it("the loop groups writes through the batch statements when there are some", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        await client.enqueueMany(Array.from({ length: 20 }, () => ({ type: "t", payload: {} })));
        const calls: string[] = [];
        const worker = new QueueWorker(db, { concurrency: 2, batchSize: 10, pollIntervalMs: 5, heartbeatIntervalMs: 0, handlers: { t: () => {} } }, recording(calls, true));
        worker.start();
        while ((await client.stats()).completed < 20) await new Promise((r) => setTimeout(r, 5));
        await worker.stop();
        assert.ok(calls.includes("batch.claim 10"), calls.join(", "));
        assert.ok(calls.some((c) => c.startsWith("batch.completeMany")), calls.join(", "));
        assert.ok(!calls.some((c) => c.startsWith("claim ") || c.startsWith("record ")), `no call outside a batch: ${calls.join(", ")}`);
      } finally {
        await db.close();
      }
    });

    it("without batch statements every outcome is written on its own and nothing is prefetched", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        await client.enqueueMany(Array.from({ length: 12 }, () => ({ type: "t", payload: {} })));
        const calls: string[] = [];
        const worker = new QueueWorker(db, { concurrency: 2, batchSize: 10, pollIntervalMs: 5, heartbeatIntervalMs: 0, handlers: { t: () => {} } }, recording(calls, false));
        worker.start();
        while ((await client.stats()).completed < 12) await new Promise((r) => setTimeout(r, 5));
        await worker.stop();
        assert.equal(calls.filter((c) => c === "record completed").length, 12, calls.join(", "));
        const claims = calls.filter((c) => c.startsWith("claim ")).map((c) => Number(c.slice(6)));
        assert.ok(claims.every((n) => n <= 2), `claims never exceed the free slots without prefetch: ${claims.join(", ")}`);
        assert.ok(!calls.some((c) => c.startsWith("batch.")));
        assert.equal(worker.stats.released, 0);
      } finally {
        await db.close();
      }
    });
  });
}
