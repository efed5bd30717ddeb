import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { QueueClient, QueueDatabase, QueueScheduler, QueueWorker, systemClock } from "../src/index.ts";

for (const d of DRIVERS) {
  describe(`workers tick schedules on ${d.name}`, () => {
    it("two started workers run an interval schedule's occurrences, each once", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        await new QueueScheduler(db).add({ name: "beat", type: "beat", every: "40ms", startAt: Date.now() });
        const ran: string[] = [];
        const mk = (id: string) =>
          new QueueWorker(db, {
            workerId: id,
            scheduleIntervalMs: 10,
            pollIntervalMs: 1000, // only the scheduler's wake-up makes them claim soon
            heartbeatIntervalMs: 0,
            handlers: { beat: (_p, { task }) => void ran.push(task.idempotencyKey ?? "") },
          });
        const workers = [mk("a"), mk("b")];
        for (const w of workers) w.start();
        const deadline = Date.now() + 5000;
        while (ran.length < 5 && Date.now() < deadline) await systemClock.sleep(10);
        await Promise.all(workers.map((w) => w.stop()));
        assert.ok(ran.length >= 5, `ran ${ran.length}`);
        assert.equal(new Set(ran).size, ran.length, "no occurrence ran twice");
        const stored = await new QueueClient(db).listTasks({ limit: 1000 });
        assert.equal(new Set(stored.map((t) => t.idempotencyKey)).size, stored.length);
      } finally {
        await db.close();
      }
    });

    it("scheduleIntervalMs: 0 ticks nothing", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        await new QueueScheduler(db).add({ name: "beat", type: "beat", every: 10, startAt: Date.now() });
        const w = new QueueWorker(db, { scheduleIntervalMs: 0, pollIntervalMs: 5, heartbeatIntervalMs: 0, handlers: { beat: () => {} } });
        w.start();
        await systemClock.sleep(100);
        await w.stop();
        assert.equal((await new QueueClient(db).stats()).total, 0);
      } finally {
        await db.close();
      }
    });
  });
}
