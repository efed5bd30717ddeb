/**
 * Type tests of the typed task map, checked by `tsc -p tsconfig.json` (never run): each
 * `@ts-expect-error` line must be a compile error (tsc reports an unused directive otherwise),
 * and every other line must compile. The untyped API is checked to compile as before.
 */
import * as z from "zod";
import { defineTasks, type QueueDatabase, QueueClient, QueueWorker, type TaskContext } from "../../src/index.ts";

declare const db: QueueDatabase;
declare function expectType<T>(value: T): void;

const tasks = defineTasks({
  video_processing: z.object({ video_id: z.string(), format: z.enum(["mp4", "webm"]) }),
  email: z.object({ to: z.string(), cc: z.array(z.string()).optional() }),
  // input differs from output: enqueue takes text, the handler gets a number
  resize: z.object({ width: z.string().transform((s) => Number(s)) }),
});

export async function typedClient(): Promise<void> {
  const client = new QueueClient(db, { tasks });
  await client.enqueue("video_processing", { video_id: "abc", format: "mp4" });
  await client.enqueue("email", { to: "a@example.com" }, { priority: 1, maxAttempts: 3 });
  await client.enqueue("resize", { width: "640" });
  // @ts-expect-error an unknown task type
  await client.enqueue("video_procesing", { video_id: "abc", format: "mp4" });
  // @ts-expect-error a wrong payload: format is not one of the enum's values
  await client.enqueue("video_processing", { video_id: "abc", format: "avi" });
  // @ts-expect-error a wrong payload: video_id missing
  await client.enqueue("video_processing", { format: "mp4" });
  // @ts-expect-error the payload is required in a typed map
  await client.enqueue("email");
  // @ts-expect-error the schema's input is text, not the output's number
  await client.enqueue("resize", { width: 640 });
  // @ts-expect-error options are still checked
  await client.enqueue("email", { to: "x" }, { priority: "high" });
  await client.enqueueMany([
    { type: "email", payload: { to: "a" } },
    { type: "video_processing", payload: { video_id: "v", format: "webm" } },
  ]);
  await client.enqueueMany([
    // @ts-expect-error a payload of another type
    { type: "email", payload: { video_id: "v", format: "webm" } },
  ]);
}

export function typedWorker(): void {
  const worker = new QueueWorker(db, { tasks, concurrency: 2 });
  worker.register("video_processing", async (payload, ctx) => {
    expectType<string>(payload.video_id);
    expectType<"mp4" | "webm">(payload.format);
    expectType<TaskContext<{ video_id: string; format: "mp4" | "webm" }>>(ctx);
    // @ts-expect-error no such field in the schema
    payload.title;
  });
  worker.register("resize", (payload) => {
    expectType<number>(payload.width); // the schema's output
  });
  // @ts-expect-error an unknown task type
  worker.register("emial", () => {});
  // @ts-expect-error a handler for another payload
  worker.register("email", (payload: { video_id: string }) => payload.video_id);
}

export async function untypedStillWorks(): Promise<void> {
  const client = new QueueClient(db);
  await client.enqueue("anything");
  await client.enqueue("anything", { free: ["form"] }, { delayMs: 5 });
  await client.enqueueMany([{ type: "x" }, { type: "y", payload: 1 }]);
  const worker = new QueueWorker(db);
  worker.register<{ a: number }>("x", (payload) => payload.a + 1);
  worker.register("y", (payload: { b: string }) => payload.b);
  worker.register("z", (payload) => {
    expectType<unknown>(payload);
  });
  // the old `schemas` option keeps the untyped API
  const checked = new QueueClient(db, { schemas: { email: z.object({ to: z.string() }) } });
  await checked.enqueue("email", { whatever: true });
  // @ts-expect-error still a string type
  await client.enqueue(42);
}
