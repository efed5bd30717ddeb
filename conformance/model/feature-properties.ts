/**
 * Pauses, rate limits and uniqueness windows (issue 17 items 4 and 5) as conformance properties:
 * several `QueueWorker`s (on separate connections to one store where the target has them, else
 * on one connection) claim interleaved, at random moments of a fake clock, while pauses come and
 * go; and random enqueues with key modes meet claims, completions, cancels and clock moves.
 *
 * - rate limit: the starts of a rate-limited type, in time order, never put more than `max` in
 *   one window (a window opens at the first start at or after the previous one's end and lasts
 *   `intervalMs`), however the workers interleave; and once the clock moves on, every task runs.
 * - pause: no task of a paused type, and no task while the queue is paused, is ever claimed.
 * - uniqueness: with `active`, a key is never held by two queued/processing tasks and an enqueue
 *   returns the holder's id exactly while one exists; with `window`, an enqueue stores a new task
 *   exactly when the last one with the key is at least the window old; with `replace`, a key has
 *   at most one queued task and a queued holder keeps its id.
 *
 * @module
 */
import fc from "fast-check";
import { QueueClient } from "../../src/client.ts";
import { FakeClock } from "../../src/clock.ts";
import { QueueDatabase } from "../../src/database.ts";
import type { Task } from "../../src/task.ts";
import type { QueueWorker } from "../../src/worker.ts";
import { show } from "../assert.ts";
import { checkProperty, type PropertyContext, Violation } from "./check.ts";
import type { Category } from "./model.ts";

/** Property names (registered in properties.ts's `PROPERTY`). */
export const FEATURE_PROPERTY = {
  rateLimit: "rate limits: workers interleaving on one store never start more than max tasks of a type per window (fake clock)",
  pause: "pause: no task of a paused type, or of a paused queue, is claimed by any worker",
  uniqueness: "uniqueness windows: key modes active, window and replace hold exactly as stated",
} as const;

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const WORKERS = 3;

type Step =
  | { readonly kind: "claim"; readonly workers: readonly number[]; readonly limit: number; readonly together: boolean }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "pause" | "resume"; readonly type: "p" | null };

interface ControlRun {
  readonly offset: number;
  readonly max: number;
  readonly intervalMs: number;
  readonly tasks: { readonly lim: number; readonly free: number; readonly p: number };
  readonly steps: readonly Step[];
}

function controlRunArb(withPauses: boolean): fc.Arbitrary<ControlRun> {
  const claim = fc.record({
    kind: fc.constant("claim" as const),
    workers: fc.uniqueArray(fc.integer({ min: 0, max: WORKERS - 1 }), { minLength: 1, maxLength: WORKERS }),
    limit: fc.integer({ min: 1, max: 4 }),
    together: fc.boolean(),
  });
  const advance = fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 1500 }) });
  const pause = fc.record({ kind: fc.constantFrom("pause" as const, "resume" as const), type: fc.constantFrom("p" as const, null) });
  const step: fc.Arbitrary<Step> = withPauses ? fc.oneof(claim, claim, advance, pause) : fc.oneof(claim, claim, advance);
  return fc.record({
    offset: fc.integer({ min: 0, max: 999 }),
    max: fc.integer({ min: 1, max: 3 }),
    intervalMs: fc.constantFrom(100, 250, 1000),
    tasks: fc.record({ lim: fc.integer({ min: 0, max: 12 }), free: fc.integer({ min: 0, max: 6 }), p: fc.integer({ min: 0, max: 6 }) }),
    steps: fc.array(step, { minLength: 1, maxLength: 25 }),
  });
}

/** Opens `n` databases on one store (separate connections where the target can), on `clock`. */
async function openStore(ctx: PropertyContext, clock: FakeClock, n: number, prefix: string): Promise<QueueDatabase[]> {
  const dbs: QueueDatabase[] = [];
  const open = ctx.target.openShared?.bind(ctx.target);
  const store = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  if (open !== undefined) for (let i = 0; i < n; i++) dbs.push(await QueueDatabase.open(await open(store), { clock, dialect: ctx.target.dialect }));
  else dbs.push(await QueueDatabase.open(await ctx.target.create(), { clock, dialect: ctx.target.dialect }));
  return dbs;
}

/** Greedy fixed windows over sorted start times: the first window that holds more than `max`, or null. */
function overfullWindow(starts: readonly number[], max: number, intervalMs: number): { from: number; count: number } | null {
  let i = 0;
  while (i < starts.length) {
    const from = starts[i]!;
    let j = i;
    while (j < starts.length && starts[j]! < from + intervalMs) j++;
    if (j - i > max) return { from, count: j - i };
    i = j;
  }
  return null;
}

async function runControls(ctx: PropertyContext, r: ControlRun, enforce: Category): Promise<void> {
  const clock = new FakeClock(START + r.offset);
  const dbs = await openStore(ctx, clock, WORKERS, "prismq-controls");
  try {
    const client = new QueueClient(dbs[0]!);
    await client.setRateLimit("lim", { max: r.max, intervalMs: r.intervalMs });
    const inputs = [
      ...Array.from({ length: r.tasks.lim }, () => ({ type: "lim" })),
      ...Array.from({ length: r.tasks.free }, () => ({ type: "free" })),
      ...Array.from({ length: r.tasks.p }, () => ({ type: "p" })),
    ];
    if (inputs.length > 0) await client.enqueueMany(inputs);
    const workers: QueueWorker[] = Array.from({ length: WORKERS }, (_, i) =>
      ctx.ops.createWorker(dbs[i % dbs.length]!, {
        workerId: `w${i}`,
        heartbeatIntervalMs: 0,
        leaseMs: 600_000,
        handlers: { lim: () => {}, free: () => {}, p: () => {} },
      }),
    );
    const starts: number[] = [];
    const paused = new Set<string>();
    let queuePaused = false;
    const claimBy = async (w: number, limit: number, step: string): Promise<Task[]> => {
      const tasks = await workers[w]!.claimTasks(limit);
      const now = clock.now();
      if (tasks.length > limit) throw new Violation(enforce, `${step}: worker w${w} claimed ${tasks.length} tasks with limit ${limit}`);
      for (const t of tasks) {
        if (queuePaused || paused.has(t.type)) {
          throw new Violation("pause", `${step}: worker w${w} claimed task ${t.id} of type ${t.type} while ${queuePaused ? "the queue" : "its type"} was paused`);
        }
        if (t.type === "lim") starts.push(now);
      }
      for (const t of tasks) await workers[w]!.completeTask(t);
      return tasks;
    };
    for (const [i, step] of r.steps.entries()) {
      const where = `step ${i} ${show(step)} at +${clock.now() - START - r.offset} ms`;
      if (step.kind === "advance") clock.set(clock.now() + step.ms);
      else if (step.kind === "claim") {
        if (step.together) await Promise.all(step.workers.map((w) => claimBy(w, step.limit, where)));
        else for (const w of step.workers) await claimBy(w, step.limit, where);
      } else {
        await (step.kind === "pause" ? client.pause(step.type ?? undefined) : client.resume(step.type ?? undefined));
        if (step.type === null) queuePaused = step.kind === "pause";
        else if (step.kind === "pause") paused.add(step.type);
        else paused.delete(step.type);
      }
    }
    // Everything resumed and the clock moving on: every task runs, still within the limit.
    await client.resume();
    await client.resume("p");
    queuePaused = false;
    paused.clear();
    for (let round = 0; round < r.tasks.lim + 4 && (await client.getActiveCount()) > 0; round++) {
      for (let w = 0; w < WORKERS; w++) await claimBy(w, 4, `drain round ${round}`);
      clock.set(clock.now() + r.intervalMs);
    }
    const left = await client.getActiveCount();
    if (left > 0) throw new Violation(enforce, `${left} task(s) never claimed after every pause ended and the clock moved on`);
    const over = overfullWindow(starts, r.max, r.intervalMs);
    if (over !== null) {
      throw new Violation(
        "rate-limit",
        `${over.count} starts of "lim" in the window opening at +${over.from - START - r.offset} ms (max ${r.max} per ${r.intervalMs} ms); starts at ${show(starts.map((s) => s - START - r.offset))}`,
      );
    }
  } finally {
    for (const db of dbs) await db.close();
  }
}

// ------------------------------------------------------------------ uniqueness

type Mode = "active" | "window" | "replace";
type UStep =
  | { readonly kind: "enqueue"; readonly key: number }
  | { readonly kind: "claim"; readonly finish: "complete" | "keep" }
  | { readonly kind: "cancel"; readonly key: number }
  | { readonly kind: "advance"; readonly ms: number };
interface URun {
  readonly mode: Mode;
  readonly windowMs: number;
  readonly steps: readonly UStep[];
}

const uRunArb: fc.Arbitrary<URun> = fc.record({
  mode: fc.constantFrom<Mode>("active", "window", "replace"),
  windowMs: fc.constantFrom(50, 300, 1000),
  steps: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant("enqueue" as const), key: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant("enqueue" as const), key: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant("claim" as const), finish: fc.constantFrom("complete" as const, "keep" as const) }),
      fc.record({ kind: fc.constant("cancel" as const), key: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 1200 }) }),
    ),
    { minLength: 1, maxLength: 30 },
  ),
});

async function runUniqueness(ctx: PropertyContext, r: URun): Promise<void> {
  const clock = new FakeClock(START);
  const [db] = await openStore(ctx, clock, 1, "prismq-unique");
  try {
    const client = new QueueClient(db!);
    const worker = ctx.ops.createWorker(db!, { heartbeatIntervalMs: 0, leaseMs: 600_000, handlers: { t: () => {} } });
    const lastCreated = new Map<string, { id: number; at: number }>();
    const activeWith = async (key: string) =>
      (await client.listTasks({ status: ["queued", "processing"], limit: 1000 })).filter((t) => t.idempotencyKey === key || (t.payload as { key?: string }).key === key);
    for (const [i, step] of r.steps.entries()) {
      const where = `step ${i} ${show(step)} (mode ${r.mode}, window ${r.windowMs} ms)`;
      if (step.kind === "advance") clock.set(clock.now() + step.ms);
      else if (step.kind === "claim") {
        const [t] = await worker.claimTasks(1);
        if (t !== undefined && step.finish === "complete") await worker.completeTask(t);
      } else if (step.kind === "cancel") {
        for (const t of await activeWith(`k${step.key}`)) await client.cancel(t.id);
      } else {
        const key = `k${step.key}`;
        const before = await activeWith(key);
        const holder = (await client.listTasks({ limit: 1000 })).find((t) => t.idempotencyKey === key) ?? null;
        const id = await client.enqueue("t", { key, i }, r.mode === "window" ? { idempotencyKey: key, keyMode: "window", keyWindowMs: r.windowMs } : { idempotencyKey: key, keyMode: r.mode });
        const now = clock.now();
        if (r.mode === "window") {
          const last = lastCreated.get(key);
          const held = last !== undefined && now < last.at + r.windowMs;
          if (held ? id !== last.id : id === last?.id) {
            throw new Violation("uniqueness", `${where}: enqueue returned ${id}; the key's last task is ${show(last)} at +${now - START} ms`);
          }
          if (!held) lastCreated.set(key, { id, at: now });
        } else if (r.mode === "active") {
          const holding = before.find((t) => t.idempotencyKey === key);
          if (holding !== undefined ? id !== holding.id : id === holder?.id) {
            throw new Violation("uniqueness", `${where}: enqueue returned ${id} while the active holder is ${holding?.id ?? "none"}`);
          }
        } else {
          const queued = before.find((t) => t.idempotencyKey === key && t.status === "queued");
          if (queued !== undefined && id !== queued.id) throw new Violation("uniqueness", `${where}: replace gave ${id}, the queued holder was ${queued.id}`);
          if (queued !== undefined && (await client.getTask(id))?.payload === null) throw new Violation("uniqueness", `${where}: replaced task lost its payload`);
        }
        const after = await activeWith(key);
        const limit = r.mode === "replace" ? after.filter((t) => t.status === "queued") : r.mode === "active" ? after : [];
        if (limit.length > 1) throw new Violation("uniqueness", `${where}: ${limit.length} ${r.mode === "replace" ? "queued" : "active"} tasks with key ${key}: ${show(limit.map((t) => t.id))}`);
      }
    }
  } finally {
    await db!.close();
  }
}

type FeatureName = (typeof FEATURE_PROPERTY)[keyof typeof FEATURE_PROPERTY];

function featureProperty<T>(name: FeatureName, category: Category, arb: fc.Arbitrary<T>, run: (ctx: PropertyContext, r: T) => Promise<void>) {
  return {
    name,
    category,
    appliesTo: () => true,
    run: (ctx: PropertyContext) =>
      checkProperty({ ...ctx, options: { ...ctx.options, numRuns: Math.min(ctx.options.numRuns ?? 100, 30) } }, name, fc.asyncProperty(arb, (r) => run(ctx, r))),
  };
}

/** Rate limits hold per window however workers interleave; nothing is starved. */
export function rateLimitProperty(): ReturnType<typeof featureProperty<ControlRun>> {
  return featureProperty(FEATURE_PROPERTY.rateLimit, "rate-limit", controlRunArb(false), (ctx, r) => runControls(ctx, r, "rate-limit"));
}

/** Pauses of a type and of the queue hold for every worker, with a rate limit in force too. */
export function pauseProperty(): ReturnType<typeof featureProperty<ControlRun>> {
  return featureProperty(FEATURE_PROPERTY.pause, "pause", controlRunArb(true), (ctx, r) => runControls(ctx, r, "pause"));
}

/** Key modes hold as stated. */
export function uniquenessProperty(): ReturnType<typeof featureProperty<URun>> {
  return featureProperty(FEATURE_PROPERTY.uniqueness, "uniqueness", uRunArb, runUniqueness);
}
