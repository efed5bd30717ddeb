/**
 * The queue's properties, each checked against the model on a target's driver. Every property
 * takes the worker operations as a parameter ({@link QueueOps}), so the self-test can run the
 * same code on deliberately broken workers and see it fail.
 *
 * @module
 */
import fc from "fast-check";
import { QueueClient } from "../../src/client.ts";
import { FakeClock, systemClock } from "../../src/clock.ts";
import { QueueDatabase } from "../../src/database.ts";
import type { Task } from "../../src/task.ts";
import type { QueueWorker } from "../../src/worker.ts";
import { show } from "../assert.ts";
import type { Harness } from "../harness.ts";
import { REAL_OPS } from "../queue/ops.ts";
import type { Target } from "../targets/index.ts";
import {
  Checker,
  checkProperty,
  type ConformanceOptions,
  defaultReplayHint,
  PropertyFailure,
  type PropertyContext,
  Violation,
} from "./check.ts";
import {
  advanceArb,
  cancelArb,
  claimArb,
  enqueueArb,
  holderArb,
  type QueueCommand,
  retryArb,
  staleArb,
  statsArb,
} from "./commands.ts";
import { type BackoffSpec, type Category, formulaBackoff, type OrderedStrategy, QueueModel } from "./model.ts";
import type { QueueReal } from "./real.ts";
import { SCHEDULE_PROPERTY, scheduleExactlyOnceProperty, scheduleMissedPolicyProperty } from "./schedule-properties.ts";
import { FEATURE_PROPERTY, pauseProperty, rateLimitProperty, uniquenessProperty } from "./feature-properties.ts";

/** Property names, as the test names and as the self-test refers to them. */
export const PROPERTY = {
  noDuplicateExecution: "no duplicate execution: one live lease per task, stale holders refused",
  leaseExpiry: "lease expiry: an expired lease is claimable again, its attempt counted, the last one ends failed",
  backoff: "backoff: a failed task waits exactly the formula's delay (jitter 0) and is not claimable before",
  backoffJitter: "backoff: with jitter j the delay lies in [nominal×(1−j), nominal]",
  ordering: "strategy ordering: FIFO, LIFO and PRIORITY claim exactly what the model puts first",
  weightedRandom: "strategy ordering: WEIGHTED_RANDOM draws match the weights 1/max(priority,1) (chi-square)",
  nothingLost: "nothing lost: one status per task, counts add up, idempotent enqueue adds no row",
  concurrencyOneConnection: "real concurrency: workers sharing one connection run every task exactly once",
  concurrencySharedStore: "real concurrency: workers on separate connections to one store run every task exactly once",
  scheduleExactlyOnce: SCHEDULE_PROPERTY.exactlyOnce,
  scheduleMissedPolicy: SCHEDULE_PROPERTY.missedPolicy,
  rateLimit: FEATURE_PROPERTY.rateLimit,
  pause: FEATURE_PROPERTY.pause,
  uniqueness: FEATURE_PROPERTY.uniqueness,
} as const;
/** One of the property names. */
export type PropertyName = (typeof PROPERTY)[keyof typeof PROPERTY];

/** A property of the queue. */
export interface QueueProperty {
  readonly name: PropertyName;
  /** What a failure of it is about (its failures start with `[category]`). */
  readonly category: Category;
  /** Whether the target can run it (e.g. needs `openShared`). */
  readonly appliesTo: (target: Target) => boolean;
  /** Throws a {@link PropertyFailure} if the property does not hold. */
  run(ctx: PropertyContext): Promise<void>;
}

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const DEFAULT_MAX_COMMANDS = 50;

// ------------------------------------------------------------------ model runs

interface RunConfig {
  /** The fake clock starts this far into a second-aligned time, so it sits at non-whole seconds. */
  readonly startOffsetMs: number;
  readonly workers: readonly { readonly strategy: OrderedStrategy; readonly leaseMs: number }[];
  readonly backoff: BackoffSpec;
}

const leaseArb = fc.constantFrom(1000, 2500, 5000);
const strategyArb = fc.constantFrom<OrderedStrategy>("FIFO", "LIFO", "PRIORITY");
const backoffArb: fc.Arbitrary<BackoffSpec> = fc
  .record({ baseMs: fc.constantFrom(500, 1000, 2000), factor: fc.constantFrom(1, 2, 3), maxMs: fc.constantFrom(1500, 4000, 60_000) })
  .map((b) => ({ ...b, maxMs: Math.max(b.maxMs, b.baseMs) }));

/** Three workers, each with its own strategy and lease; `everyStrategy` makes them one of each. */
function configArb(everyStrategy: boolean): fc.Arbitrary<RunConfig> {
  const strategies = everyStrategy
    ? fc.shuffledSubarray<OrderedStrategy>(["FIFO", "LIFO", "PRIORITY"], { minLength: 3, maxLength: 3 })
    : fc.array(strategyArb, { minLength: 3, maxLength: 3 });
  return fc.record({
    startOffsetMs: fc.integer({ min: 0, max: 1999 }),
    workers: fc
      .tuple(strategies, fc.array(leaseArb, { minLength: 3, maxLength: 3 }))
      .map(([s, l]) => s.map((strategy, i) => ({ strategy, leaseMs: l[i]! }))),
    backoff: backoffArb,
  });
}

async function runModel(ctx: PropertyContext, enforce: Category, config: RunConfig, cmds: Iterable<QueueCommand>): Promise<void> {
  const clock = new FakeClock(START + config.startOffsetMs);
  const db = await QueueDatabase.open(await ctx.target.create(), { clock, dialect: ctx.target.dialect });
  try {
    const workers = config.workers.map((w, i) =>
      ctx.ops.createWorker(db, {
        workerId: `w${i}`,
        strategy: w.strategy,
        leaseMs: w.leaseMs,
        backoff: { ...config.backoff, jitter: 0 },
        random: () => 0.5,
      }),
    );
    const model = new QueueModel(
      clock.now(),
      config.workers.map((w, i) => ({ id: `w${i}`, ...w })),
      config.backoff,
      ctx.target.timeOrder ?? "text",
    );
    const real: QueueReal = { db, clock, client: new QueueClient(db), workers, holders: [], check: new Checker([enforce]) };
    await fc.asyncModelRun(() => ({ model, real }), cmds);
  } finally {
    await db.close();
  }
}

function modelProperty(
  name: PropertyName,
  category: Category,
  arbs: readonly fc.Arbitrary<QueueCommand>[],
  everyStrategy = false,
): QueueProperty {
  return {
    name,
    category,
    appliesTo: () => true,
    run: (ctx) =>
      checkProperty(
        ctx,
        name,
        fc.asyncProperty(
          configArb(everyStrategy),
          fc.commands([...arbs], {
            maxCommands: ctx.options.maxCommands ?? DEFAULT_MAX_COMMANDS,
            size: "max",
            ...(ctx.options.replayPath !== undefined ? { replayPath: ctx.options.replayPath } : {}),
          }),
          (config, cmds) => runModel(ctx, category, config, cmds),
        ),
      ),
  };
}

const common = [
  enqueueArb(),
  enqueueArb(),
  claimArb,
  claimArb,
  advanceArb,
  holderArb("complete"),
  holderArb("fail"),
  holderArb("renew"),
  statsArb,
];

// --------------------------------------------------------------- other checks

function violation(ctx: PropertyContext, name: PropertyName, v: Violation): PropertyFailure {
  const replay = { target: ctx.target.name, property: name, seed: 0, path: null, replayPath: null };
  const subject = ctx.ops.name === "QueueWorker" ? "" : ` (ops: ${ctx.ops.name})`;
  return new PropertyFailure(
    `[${ctx.target.name}] property "${name}"${subject} failed [${v.category}]\n${v.message}\n` +
      `(deterministic: ${(ctx.options.replayHint ?? defaultReplayHint)(replay).replace(/CONFORMANCE_SEED=0 ?/, "")})`,
    replay,
    v.category,
    v,
  );
}

/** Backoff with jitter: every delay within bounds, and the task unclaimable until it ends. */
function jitterProperty(): QueueProperty {
  const name = PROPERTY.backoffJitter;
  const unit = fc.oneof(fc.constantFrom(0, 0.5, 0.999999), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }));
  const arb = fc.record({
    startOffsetMs: fc.integer({ min: 0, max: 1999 }),
    baseMs: fc.integer({ min: 1, max: 5000 }),
    factor: fc.constantFrom(1, 1.5, 2, 3),
    maxMs: fc.integer({ min: 1, max: 20_000 }),
    jitter: fc.oneof(fc.constantFrom(0, 0.1, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    draws: fc.array(unit, { minLength: 3, maxLength: 3 }),
    maxAttempts: fc.integer({ min: 2, max: 4 }),
  });
  return {
    name,
    category: "backoff",
    appliesTo: () => true,
    run: (ctx) =>
      checkProperty(
        ctx,
        name,
        fc.asyncProperty(arb, async (c) => {
          const b = { baseMs: c.baseMs, factor: c.factor, maxMs: Math.max(c.maxMs, c.baseMs), jitter: c.jitter };
          const clock = new FakeClock(START + c.startOffsetMs);
          const db = await QueueDatabase.open(await ctx.target.create(), { clock, dialect: ctx.target.dialect });
          try {
            const client = new QueueClient(db);
            let draw = 0;
            const worker = ctx.ops.createWorker(db, {
              workerId: "w",
              leaseMs: 600_000,
              backoff: b,
              random: () => c.draws[draw++ % c.draws.length]!,
            });
            const check = new Checker(["backoff"]);
            const id = await client.enqueue("t", {}, { maxAttempts: c.maxAttempts });
            for (let attempt = 1; attempt <= c.maxAttempts; attempt++) {
              check.step = `claim of attempt ${attempt}`;
              const [task] = await worker.claimTasks(1);
              check.expect("backoff", task?.id === id, () => `the task is runnable at ${new Date(clock.now()).toISOString()} but the claim returned ${task === undefined ? "nothing" : `#${task.id}`}`);
              check.step = `fail of attempt ${attempt}`;
              const status = await worker.failTask(task!, new Error("boom"));
              const last = attempt === c.maxAttempts;
              check.expect("backoff", status === (last ? "failed" : "queued"), () => `failTask returned ${status} at attempt ${attempt}/${c.maxAttempts}`);
              if (last) break;
              const stored = (await client.getTask(id))!;
              const delay = stored.runAfter - clock.now();
              const nominal = formulaBackoff(attempt, b);
              const low = nominal * (1 - b.jitter);
              // Stored times are whole milliseconds, so the bounds hold up to rounding (±0.5 ms).
              check.expect(
                "backoff",
                delay >= low - 0.5 && delay <= nominal + 0.5,
                () => `after attempt ${attempt} the delay is ${delay}ms, outside [nominal×(1−j), nominal] = [${low}, ${nominal}] (${show(b)})`,
              );
              if (delay >= 1) {
                clock.set(stored.runAfter - 1);
                check.step = `claim 1ms before the backoff ends (attempt ${attempt})`;
                const early = await worker.claimTasks(1);
                check.expect("backoff", early.length === 0, () => `the task was claimed 1ms before its backoff ended`);
              }
              clock.set(stored.runAfter);
            }
          } finally {
            await db.close();
          }
        }),
      ),
  };
}

/** A seeded uniform source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * WEIGHTED_RANDOM: N single-task claims over a fixed pool at a fixed seed; each claimed task's
 * lease (2 ms) runs out before the next claim, whose reclaim puts it back, so every draw sees the
 * whole pool. The counts must fit the weights `1/max(priority, 1)` (chi-square, p = 0.001).
 */
function weightedProperty(): QueueProperty {
  const name = PROPERTY.weightedRandom;
  const priorities = [0, 1, 2, 4, 4, 10];
  const draws = 1500;
  const critical = 20.515; // chi-square, 5 degrees of freedom, p = 0.001
  return {
    name,
    category: "strategy-ordering",
    appliesTo: () => true,
    async run(ctx) {
      const clock = new FakeClock(START + 123);
      const db = await QueueDatabase.open(await ctx.target.create(), { clock, dialect: ctx.target.dialect });
      try {
        const client = new QueueClient(db);
        const ids: number[] = [];
        for (const p of priorities) ids.push(await client.enqueue("t", {}, { priority: p, maxAttempts: 1_000_000 }));
        const worker = ctx.ops.createWorker(db, {
          workerId: "wr",
          strategy: "WEIGHTED_RANDOM",
          leaseMs: 2,
          random: seeded(20260101),
          taskLogs: false,
        });
        const counts = new Map(ids.map((id) => [id, 0]));
        for (let i = 0; i < draws; i++) {
          const got = await worker.claimTasks(1);
          if (got.length !== 1 || !counts.has(got[0]!.id)) {
            throw violation(ctx, name, new Violation("strategy-ordering", `draw ${i} returned ${got.length} tasks (${got.map((t) => `#${t.id}`)}) from a pool of ${ids.length}`));
          }
          counts.set(got[0]!.id, counts.get(got[0]!.id)! + 1);
          clock.set(clock.now() + 2);
        }
        const weights = priorities.map((p) => 1 / Math.max(p, 1));
        const total = weights.reduce((a, b) => a + b, 0);
        let chi2 = 0;
        const rows: string[] = [];
        ids.forEach((id, i) => {
          const expected = (draws * weights[i]!) / total;
          const observed = counts.get(id)!;
          chi2 += (observed - expected) ** 2 / expected;
          rows.push(`p${priorities[i]}: ${observed} (expected ${expected.toFixed(1)})`);
        });
        if (!(chi2 <= critical)) {
          throw violation(ctx, name, new Violation("strategy-ordering", `χ² = ${chi2.toFixed(2)} > ${critical} (5 df, p = 0.001) over ${draws} draws: ${rows.join(", ")}`));
        }
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * Real concurrency: `workers` workers (`perWorker` handlers each, every other one prefetching
 * batches of 4 × perWorker, the system clock, a 5 ms poll, leases far longer than the work)
 * drain `tasks` tasks; every task must run exactly once and end completed.
 */
async function drainExactlyOnce(ctx: PropertyContext, name: PropertyName, dbs: readonly QueueDatabase[]): Promise<void> {
  const c = ctx.options.concurrency ?? {};
  const nTasks = c.tasks ?? 60;
  const nWorkers = c.workers ?? 4;
  const perWorker = c.perWorker ?? 3;
  const strategies = ["PRIORITY", "FIFO", "LIFO", "WEIGHTED_RANDOM"] as const;
  const client = new QueueClient(dbs[0]!);
  const ids = await client.enqueueMany(
    Array.from({ length: nTasks }, (_, i) => ({ type: "job", payload: { i }, options: { priority: i % 3 } })),
  );
  const executions: number[] = [];
  const workers: QueueWorker[] = Array.from({ length: nWorkers }, (_, i) =>
    ctx.ops.createWorker(dbs[i % dbs.length]!, {
      workerId: `cw${i}`,
      strategy: strategies[i % strategies.length]!,
      concurrency: perWorker,
      // Every other worker prefetches (claims more than it can run and groups its writes).
      ...(i % 2 === 1 ? { batchSize: perWorker * 4 } : {}),
      pollIntervalMs: 5,
      leaseMs: 60_000,
      heartbeatIntervalMs: 0,
      handlers: {
        job: async (_payload: unknown, { task }: { task: Task }) => {
          executions.push(task.id);
          await systemClock.sleep(1 + (task.id % 3));
        },
      },
    }),
  );
  const deadline = Date.now() + 30_000;
  try {
    for (const w of workers) w.start();
    while ((await client.getActiveCount()) > 0) {
      if (Date.now() > deadline) break;
      await systemClock.sleep(10);
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  const runs = new Map<number, number>();
  for (const id of executions) runs.set(id, (runs.get(id) ?? 0) + 1);
  const twice = [...runs].filter(([, n]) => n > 1).map(([id, n]) => `#${id}×${n}`);
  const never = ids.filter((id) => !runs.has(id)).map((id) => `#${id}`);
  const stats = await client.stats();
  const where = `${nWorkers} workers × ${perWorker} on ${dbs.length === 1 ? "one connection" : `${dbs.length} connections`}`;
  if (twice.length > 0) {
    throw violation(ctx, name, new Violation("exactly-once", `${twice.length} of ${nTasks} tasks ran more than once (${where}): ${twice.slice(0, 12).join(", ")}${twice.length > 12 ? ", …" : ""}`));
  }
  if (never.length > 0 || stats.completed !== nTasks) {
    throw violation(ctx, name, new Violation("exactly-once", `not every task ran and completed (${where}): never ran ${never.slice(0, 12).join(", ") || "none"}; stats ${show(stats)}`));
  }
}

function concurrencyOneConnection(): QueueProperty {
  const name = PROPERTY.concurrencyOneConnection;
  return {
    name,
    category: "exactly-once",
    appliesTo: () => true,
    async run(ctx) {
      const db = await QueueDatabase.open(await ctx.target.create(), { dialect: ctx.target.dialect });
      try {
        await drainExactlyOnce(ctx, name, [db]);
      } finally {
        await db.close();
      }
    },
  };
}

function concurrencySharedStore(): QueueProperty {
  const name = PROPERTY.concurrencySharedStore;
  return {
    name,
    category: "exactly-once",
    appliesTo: (t) => t.openShared !== undefined,
    async run(ctx) {
      const open = ctx.target.openShared!.bind(ctx.target);
      const store = `prismq-conformance-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const n = ctx.options.concurrency?.workers ?? 4;
      const dbs: QueueDatabase[] = [];
      try {
        // One at a time: the schema migration is a transaction that spans awaits.
        for (let i = 0; i < n; i++) dbs.push(await QueueDatabase.open(await open(store), { dialect: ctx.target.dialect }));
        await drainExactlyOnce(ctx, name, dbs);
      } finally {
        for (const db of dbs) await db.close();
      }
    },
  };
}

// ----------------------------------------------------------------- the list

/** Every queue property, in the order they are registered. */
export const QUEUE_PROPERTIES: readonly QueueProperty[] = [
  modelProperty(PROPERTY.noDuplicateExecution, "no-duplicate-execution", [
    ...common,
    staleArb("complete"),
    staleArb("complete"),
    staleArb("fail"),
    staleArb("renew"),
    advanceArb,
    cancelArb,
  ]),
  modelProperty(PROPERTY.leaseExpiry, "lease-expiry", [
    ...common,
    claimArb,
    advanceArb,
    advanceArb,
    holderArb("renew"),
    staleArb("renew"),
    staleArb("complete"),
    retryArb,
  ]),
  modelProperty(PROPERTY.backoff, "backoff", [...common, holderArb("fail"), holderArb("fail"), advanceArb, claimArb, retryArb]),
  jitterProperty(),
  modelProperty(PROPERTY.ordering, "strategy-ordering", [...common, enqueueArb(), enqueueArb(), claimArb, advanceArb], true),
  weightedProperty(),
  modelProperty(PROPERTY.nothingLost, "nothing-lost", [
    ...common,
    enqueueArb(2),
    cancelArb,
    cancelArb,
    retryArb,
    retryArb,
    statsArb,
    staleArb("complete"),
  ]),
  concurrencyOneConnection(),
  concurrencySharedStore(),
  scheduleExactlyOnceProperty(),
  scheduleMissedPolicyProperty(),
  rateLimitProperty(),
  pauseProperty(),
  uniquenessProperty(),
];

/** The property with this name. */
export function propertyNamed(name: PropertyName): QueueProperty {
  const p = QUEUE_PROPERTIES.find((q) => q.name === name);
  if (p === undefined) throw new Error(`no property named "${name}"`);
  return p;
}

/** Registers every queue property that applies to `target` as its own test. */
export function defineQueueProperties(h: Harness, target: Target, options: ConformanceOptions = {}): void {
  h.describe(`queue properties: ${target.name}`, () => {
    for (const p of QUEUE_PROPERTIES) {
      if (!p.appliesTo(target)) continue;
      h.test(p.name, () => p.run({ target, ops: REAL_OPS, options }));
    }
  });
}
