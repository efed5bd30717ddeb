import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { DRIVERS } from "./helpers/drivers.ts";
import { defineTasks, QueueClient, QueueDatabase, QueueValidationError, QueueWorker } from "../src/index.ts";

const tasks = defineTasks({
  video_processing: z.object({ video_id: z.string().min(1), format: z.enum(["mp4", "webm"]) }),
  resize: z.object({ width: z.string().transform((s) => Number(s)) }),
});

describe("defineTasks", () => {
  it("keeps the schemas and the types in order", () => {
    assert.deepEqual(tasks.types, ["video_processing", "resize"]);
    assert.equal(tasks.schemas.resize, tasks.schemas["resize"]);
    assert.ok(Object.isFrozen(tasks));
  });

  it("refuses what is not a Standard Schema", () => {
    assert.throws(() => defineTasks({ x: { parse: () => 1 } } as never), QueueValidationError);
    assert.throws(() => defineTasks(null as never), QueueValidationError);
    assert.throws(() => defineTasks({ "": z.string() }), QueueValidationError);
  });
});

for (const d of DRIVERS) {
  describe(`typed task map at run time on ${d.name}`, () => {
    it("the client checks payloads (issues listed), stores the schema's output, and the worker gets it", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db, { tasks });
        await assert.rejects(
          // A value the types refuse too, as a plain JavaScript caller could pass it.
          client.enqueue("video_processing", { video_id: "", format: "avi" } as never),
          (e: unknown) =>
            e instanceof QueueValidationError &&
            /invalid payload for task type "video_processing"/.test(e.message) &&
            e.issues.some((i) => i.startsWith("video_id:")) &&
            e.issues.some((i) => i.startsWith("format:")),
        );
        assert.equal((await client.stats()).total, 0, "nothing stored");
        const id = await client.enqueue("resize", { width: "640" });
        assert.deepEqual((await client.getTask(id))?.payload, { width: 640 });
        // A type outside the map has no schema: accepted as before (the types refuse it).
        await client.enqueue("other" as "resize", { width: "1" });

        const seen: number[] = [];
        const worker = new QueueWorker(db, { tasks, heartbeatIntervalMs: 0 });
        worker.register("resize", (payload) => void seen.push(payload.width));
        assert.equal(await worker.processOnce(5), 1, "only registered types are claimed");
        assert.deepEqual(seen, [640]);
      } finally {
        await db.close();
      }
    });

    it("enqueueMany is all or nothing when one payload is invalid", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db, { tasks });
        await assert.rejects(
          client.enqueueMany([
            { type: "resize", payload: { width: "1" } },
            { type: "video_processing", payload: { video_id: "v" } as never },
          ]),
          /task 1: invalid payload/,
        );
        assert.equal((await client.stats()).total, 0);
      } finally {
        await db.close();
      }
    });
  });
}
