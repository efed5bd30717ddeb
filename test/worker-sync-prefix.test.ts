/**
 * The task runner sets up lease renewal only for a handler that returned a promise, and only
 * after the handler's synchronous part has run (src/worker/task-runner.ts). Renewals still count
 * from the handler's start: a handler that works synchronously past a renewal period before its
 * first `await` has its lease renewed at once, not a whole period later (when it could have run
 * out). Through the built package; fails if the first renewal counts from the end of the
 * synchronous part.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";

const { FakeClock, QueueClient, QueueDatabase, QueueWorker } = core;
const T0 = Date.UTC(2026, 0, 1);

for (const d of DIST_DRIVERS) {
  describe(`lease renewal after a synchronous prefix (built package) on ${d.name}`, () => {
    it("a handler busy 2.5 s before its first await, lease 3 s, renewal every 1 s: renewed before it awaits anything else", async () => {
      const clock = new FakeClock(T0);
      const db = await QueueDatabase.open(d.open(), { clock });
      try {
        const client = new QueueClient(db);
        const id = await client.enqueue("t", {});
        let leaseAfterPrefix: number | null = null;
        const worker = new QueueWorker(db, {
          leaseMs: 3000,
          renewIntervalMs: 1000,
          heartbeatIntervalMs: 0,
          taskLogs: false,
          handlers: {
            t: async () => {
              clock.set(clock.now() + 2500); // 2.5 s of synchronous work
              // Let the renewal loop (started when the handler returned its promise) run.
              for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 5));
              leaseAfterPrefix = (await client.getTask(id))!.leaseUntil;
            },
          },
        });
        assert.equal(await worker.processOnce(1), 1);
        assert.ok(leaseAfterPrefix !== null);
        // Claimed at T0 with a 3 s lease; a renewal at T0 + 2.5 s extends it to T0 + 5.5 s.
        assert.equal(leaseAfterPrefix, T0 + 2500 + 3000, `lease until ${new Date(leaseAfterPrefix!).toISOString()}`);
        assert.equal((await client.getTask(id))!.status, "completed");
      } finally {
        await db.close();
      }
    });
  });
}
