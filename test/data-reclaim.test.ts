/**
 * Issue 10, defect 5, through the built package: `cleanupStaleLeases` takes back only tasks whose
 * lease ran out or whose worker is stale, and every reclaim path (lease expiry in the claim,
 * stale-worker release at the heartbeat, the maintenance call) follows one rule: fencing token
 * bumped, one `task_logs` row, crash policy and spent attempts applied alike.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import type { EnqueueOptions, QueueWorker, Task } from "../src/index.ts";

const { FakeClock, LeaseLostError, QueueClient, QueueDatabase, QueueMaintenance, QueueWorker: Worker, WorkerHeartbeat } = core;
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

for (const d of DIST_DRIVERS) {
  describe(`reclaim (built package) on ${d.name}`, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });

    /** Enqueues one task and has `workerId` claim it under a lease of `leaseMs`. */
    async function hold(workerId: string, type: string, leaseMs: number, options: EnqueueOptions = {}): Promise<{ worker: QueueWorker; task: Task }> {
      const id = await client.enqueue(type, {}, options);
      const worker = new Worker(db, { workerId, leaseMs, taskLogs: false }).register(type, async () => {});
      const [task] = await worker.claimTasks();
      assert.equal(task?.id, id, `${workerId} claims task ${id}`);
      return { worker, task: task! };
    }

    const logsOf = async (id: number) =>
      (await db.execute("SELECT level, message, details FROM task_logs WHERE task_id = ? ORDER BY log_id", [id])).rows.map((r) => ({
        level: r["level"],
        message: r["message"],
        details: JSON.parse(String(r["details"])) as Record<string, unknown>,
      }));

    it("cleanupStaleLeases never takes a task whose lease is valid and renewed, however long it has run", async () => {
      const hb = new WorkerHeartbeat(db);
      const maint = new QueueMaintenance(db);
      await hb.updateHeartbeat("busy");
      const { worker, task } = await hold("busy", "long", 2 * MIN);
      // The handler runs for 20 minutes; its worker renews the lease and beats all along.
      for (let i = 0; i < 40; i++) {
        await clock.advance(30_000);
        await worker.renewLease(task);
        await hb.updateHeartbeat("busy");
        assert.equal(await maint.cleanupStaleLeases({ timeoutMs: 5 * MIN }), 0, `nothing taken at ${(i + 1) * 30} s`);
      }
      const t = await client.getTask(task.id);
      assert.deepEqual([t?.status, t?.lockedBy, t?.leaseToken], ["processing", "busy", task.leaseToken]);
      await worker.completeTask(task); // it finishes once, as its own worker's result
      assert.equal((await client.getTask(task.id))?.status, "completed");
    });

    it("cleanupStaleLeases takes back expired leases and stale workers' tasks, and fences their holders out", async () => {
      const hb = new WorkerHeartbeat(db);
      const maint = new QueueMaintenance(db);
      await hb.updateHeartbeat("gone");
      await hb.updateHeartbeat("alive");
      const stale = await hold("gone", "a", 60 * MIN); // lease valid for an hour, worker silent
      const expired = await hold("quiet", "b", MIN); // no heartbeats at all: only its lease counts
      const live = await hold("alive", "c", 60 * MIN);
      const unbeating = await hold("quiet", "d", 60 * MIN); // no heartbeat row, lease valid: kept
      await clock.advance(6 * MIN);
      await hb.updateHeartbeat("alive");

      assert.equal(await maint.cleanupStaleLeases({ timeoutMs: 5 * MIN }), 2);
      const now = clock.now();
      const row = async (id: number) => {
        const t = await client.getTask(id);
        return [t?.status, t?.lockedBy, t?.leaseUntil, t?.leaseToken, t?.attempts, t?.errorMessage, t?.updatedAt];
      };
      assert.deepEqual(await row(stale.task.id), [
        "queued", null, null, stale.task.leaseToken + 1, 1, "worker gone went stale (last heartbeat 2026-01-01 00:00:00.000)", now,
      ]);
      assert.deepEqual(await row(expired.task.id), ["queued", null, null, expired.task.leaseToken + 1, 1, "lease expired (held by quiet)", now]);
      assert.equal((await client.getTask(live.task.id))?.status, "processing");
      assert.equal((await client.getTask(unbeating.task.id))?.status, "processing");
      assert.deepEqual(
        (await logsOf(stale.task.id)).map((l) => [l.level, l.details["reason"], l.details["to_status"]]),
        [["WARNING", "stale_worker", "queued"]],
      );
      assert.deepEqual(
        (await logsOf(expired.task.id)).map((l) => [l.level, l.details["reason"], l.details["to_status"]]),
        [["WARNING", "lease_expired", "queued"]],
      );
      await assert.rejects(stale.worker.completeTask(stale.task), LeaseLostError);
      await assert.rejects(expired.worker.failTask(expired.task, new Error("late")), LeaseLostError);
      await live.worker.completeTask(live.task);
      await unbeating.worker.completeTask(unbeating.task);
    });

    it("refuses a bad policy for cleanupStaleLeases with QueueValidationError", async () => {
      const maint = new QueueMaintenance(db);
      for (const policy of [{ a: "explode" }, "fail", [1]]) {
        await assert.rejects(maint.cleanupStaleLeases({ timeoutMs: 1, policy } as never), core.QueueValidationError);
      }
    });

    // The same four tasks, taken back by each path: the outcome must be the same row for row.
    const policy = { f: "fail", x: "dead_letter" } as const;
    const paths: { name: string; reason: string; run: () => Promise<void> }[] = [
      {
        name: "lease expiry in a claim (taskLogs off)",
        reason: "lease_expired",
        run: async () => {
          await clock.advance(2 * MIN); // every lease (1 min) has run out
          const w = new Worker(db, { workerId: "next", crashPolicy: policy, taskLogs: false }).register("other", async () => {});
          assert.deepEqual(await w.claimTasks(), []);
        },
      },
      {
        name: "stale-worker release",
        reason: "stale_worker",
        run: async () => {
          await clock.advance(30_000); // leases still valid, the holder's heartbeat is 30 s old
          assert.equal(await new WorkerHeartbeat(db, { activeThresholdMs: 5_000, staleThresholdMs: 20_000 }).reclaimStaleWorkerTasks({ policy }), 4);
        },
      },
      {
        name: "maintenance cleanup",
        reason: "lease_expired",
        run: async () => {
          await clock.advance(2 * MIN);
          assert.equal(await new QueueMaintenance(db).cleanupStaleLeases({ timeoutMs: 60 * MIN, policy }), 4);
        },
      },
    ];
    for (const path of paths) {
      it(`one reclaim rule: ${path.name}`, async () => {
        await new WorkerHeartbeat(db).updateHeartbeat("H");
        const held = [
          await hold("H", "r", MIN), // retry, attempts left: back to queued
          await hold("H", "r", MIN, { maxAttempts: 1 }), // retry, attempts spent: failed
          await hold("H", "f", MIN), // policy fail
          await hold("H", "x", MIN, { maxAttempts: 1 }), // policy dead_letter, attempts spent too
        ];
        await path.run();
        const now = clock.now();
        const got = [];
        for (const { task } of held) {
          const t = (await client.getTask(task.id))!;
          const logs = await logsOf(task.id);
          got.push({
            status: t.status,
            lockedBy: t.lockedBy,
            finished: t.finishedAt === now,
            tokenBump: t.leaseToken - task.leaseToken,
            attempts: t.attempts,
            spentNote: (t.errorMessage ?? "").endsWith(" and no attempts left"),
            logs: logs.map((l) => [l.level, l.details["to_status"], l.details["reason"], l.details["worker_id"], l.details["attempt"], l.details["lease_token"]]),
          });
        }
        const log = (level: string, to: string) => [[level, to, path.reason, "H", 1, 2]];
        assert.deepEqual(got, [
          { status: "queued", lockedBy: null, finished: false, tokenBump: 1, attempts: 1, spentNote: false, logs: log("WARNING", "queued") },
          { status: "failed", lockedBy: "H", finished: true, tokenBump: 1, attempts: 1, spentNote: true, logs: log("ERROR", "failed") },
          { status: "failed", lockedBy: "H", finished: true, tokenBump: 1, attempts: 1, spentNote: false, logs: log("ERROR", "failed") },
          { status: "dead_letter", lockedBy: "H", finished: true, tokenBump: 1, attempts: 1, spentNote: false, logs: log("ERROR", "dead_letter") },
        ]);
        for (const { worker, task } of held) await assert.rejects(worker.completeTask(task), LeaseLostError);
      });
    }
  });
}
