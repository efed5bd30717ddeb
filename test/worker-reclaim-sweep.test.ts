/**
 * Issue 12: the expired-lease sweep no longer runs in every claim, through the built package.
 * A claim that took all it asked for skips it until a second (or the lease, if shorter) has
 * passed since the last sweep; the first claim and any claim after a short one still sweep. The
 * tests count the sweep's statement in the batches the worker sends, and check that a busy worker
 * still takes back an expired task within that second and an idle one at once.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import type { Driver, Statement } from "../src/index.ts";

const { FakeClock, QueueClient, QueueDatabase, QueueWorker } = core;
const T0 = Date.UTC(2026, 0, 1);
const isSweep = (s: Statement): boolean => /lease expired/.test(s.sql) && /lease_until_utc <= \?/.test(s.sql);

for (const d of DIST_DRIVERS) {
  describe(`expired-lease sweep (built package) on ${d.name}`, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;
    let sweeps: number;
    let failNextBatch: boolean;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      sweeps = 0;
      failNextBatch = false;
      const base = d.open();
      const counting: Driver = {
        ...base,
        batch: (stmts) => {
          if (failNextBatch) {
            failNextBatch = false;
            return Promise.reject(new Error("injected failure of one batch"));
          }
          sweeps += stmts.filter(isSweep).length;
          return base.batch(stmts);
        },
        execute: (stmt) => {
          if (isSweep(stmt)) sweeps++;
          return base.execute(stmt);
        },
      };
      db = await QueueDatabase.open(counting, { clock });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });

    const statusOf = async (id: number) => (await client.getTask(id))?.status;

    it("a full claim skips the sweep for a second; the first claim and the one a second later sweep", async () => {
      await client.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ type: "t", payload: { i } })));
      const worker = new QueueWorker(db, { workerId: "w", taskLogs: false }).register("t", async () => {});
      assert.equal((await worker.claimTasks(1)).length, 1);
      assert.equal(sweeps, 1, "the first claim sweeps");
      await clock.advance(999);
      assert.equal((await worker.claimTasks(1)).length, 1);
      assert.equal(sweeps, 1, "a claim 999 ms after a sweep, after a full claim, does not");
      await clock.advance(1);
      assert.equal((await worker.claimTasks(1)).length, 1);
      assert.equal(sweeps, 2, "a claim a second after the last sweep does");
    });

    it("a busy worker takes back a task whose lease ran out within a second of the expiry", async () => {
      const [held] = await client.enqueueMany([{ type: "t", payload: { held: true } }]);
      const holder = new QueueWorker(db, { workerId: "holder", leaseMs: 500, taskLogs: false }).register("t", async () => {});
      assert.equal((await holder.claimTasks(1))[0]?.id, held);
      await client.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ type: "t", payload: { i } })));
      const busy = new QueueWorker(db, { workerId: "busy", taskLogs: false }).register("t", async () => {});
      assert.equal((await busy.claimTasks(1)).length, 1); // sweeps (its first claim): nothing expired yet
      await clock.advance(600); // the holder's lease ran out 100 ms ago
      assert.equal((await busy.claimTasks(1)).length, 1);
      assert.equal(await statusOf(held!), "processing", "within the second the expired task may still wait");
      await clock.advance(400);
      // Swept back to queued and, being first in line, claimed again in the same batch.
      assert.equal((await busy.claimTasks(1))[0]?.id, held, "a second after the last sweep it is taken back");
      const again = (await client.getTask(held!))!;
      assert.deepEqual([again.status, again.lockedBy, again.attempts], ["processing", "busy", 2], "the expired run counted as an attempt");
    });

    it("a claim whose batch failed counts as short: the next claim sweeps, even within the second", async () => {
      await client.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ type: "t", payload: { i } })));
      const worker = new QueueWorker(db, { workerId: "w", taskLogs: false }).register("t", async () => {});
      assert.equal((await worker.claimTasks(1)).length, 1);
      assert.equal(sweeps, 1, "the first claim sweeps");
      await clock.advance(1000);
      failNextBatch = true;
      await assert.rejects(worker.claimTasks(1), /injected failure/);
      assert.equal(sweeps, 1, "the failed batch (with its sweep) was never run");
      assert.equal((await worker.claimTasks(1)).length, 1);
      assert.equal(sweeps, 2, "the claim after the failed one sweeps");
    });

    it("after a claim that came back short, the next claim sweeps at once and can take the expired task", async () => {
      const [held] = await client.enqueueMany([{ type: "t", payload: {} }]);
      const holder = new QueueWorker(db, { workerId: "holder", leaseMs: 500, taskLogs: false }).register("t", async () => {});
      assert.equal((await holder.claimTasks(1))[0]?.id, held);
      const idle = new QueueWorker(db, { workerId: "idle", taskLogs: false }).register("t", async () => {});
      assert.equal((await idle.claimTasks(1)).length, 0, "nothing to claim: a short claim");
      await clock.advance(501);
      const [got] = await idle.claimTasks(1);
      assert.equal(got?.id, held, "swept and claimed in the same batch, 1 ms after the lease ran out");
      assert.equal(got?.lockedBy, "idle");
      assert.equal(sweeps, 3, "the holder's claim, and both of the idle worker's");
    });
  });
}
