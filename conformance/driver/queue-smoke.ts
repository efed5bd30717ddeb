/**
 * End-to-end smoke test of the queue over one adapter: open (PRAGMAs + migrations), enqueue,
 * claim and run through a worker, and read the outcome back. The driver contract checks the
 * adapter in isolation; this checks that the core's real statements and batches run on it.
 */
import { QueueClient } from "../../src/client.ts";
import { QueueDatabase } from "../../src/database.ts";
import { QueueWorker } from "../../src/worker.ts";
import type { Harness } from "../harness.ts";
import type { Target } from "../targets/index.ts";

function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** Registers the queue smoke cases for `target`. */
export function defineQueueSmoke(h: Harness, target: Target): void {
  h.describe(`queue smoke: ${target.name}`, () => {
    const withQueue = (fn: (db: QueueDatabase) => Promise<void>) => async () => {
      const db = await QueueDatabase.open(await target.create(), { dialect: target.dialect });
      try {
        await fn(db);
      } finally {
        await db.close();
      }
    };

    h.test("QueueDatabase.open → enqueue → processOnce → completed", withQueue(async (db) => {
      const client = new QueueClient(db);
      const id = await client.enqueue("smoke", { n: 1, text: "héllo ✓" }, { priority: 5 });
      const seen: unknown[] = [];
      const worker = new QueueWorker(db, { workerId: "smoke-worker" });
      worker.register("smoke", (payload) => {
        seen.push(payload);
        return Promise.resolve();
      });
      eq(await worker.processOnce(), 1, "tasks processed");
      eq(seen, [{ n: 1, text: "héllo ✓" }], "payload the handler saw");
      const task = await client.getTask(id);
      eq(task?.status, "completed", "status");
      eq(task?.attempts, 1, "attempts");
      eq(await worker.processOnce(), 0, "nothing left to claim");
    }));

    h.test("a handler that throws on its last attempt leaves the task failed", withQueue(async (db) => {
      const client = new QueueClient(db);
      const [a, b] = await client.enqueueMany([
        { type: "boom", payload: { i: 1 }, options: { maxAttempts: 1 } },
        { type: "boom", payload: { i: 2 }, options: { maxAttempts: 1 } },
      ]);
      const worker = new QueueWorker(db, { concurrency: 2 });
      worker.register("boom", () => Promise.reject(new Error("boom")));
      eq(await worker.processOnce(), 2, "tasks processed");
      eq((await client.getTask(a!))?.status, "failed", "first task");
      eq((await client.getTask(b!))?.status, "failed", "second task");
      eq(worker.stats.failed, 2, "worker stats");
    }));
  });
}
