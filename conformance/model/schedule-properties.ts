/**
 * Schedules as conformance properties: several `QueueScheduler`s (on separate connections to one
 * store where the target has them, else on one connection) tick interleaved, at random moments
 * of a fake clock, over one database. A model computes, without croner, which occurrences each
 * tick must fire (every-k-seconds cron and fixed intervals have arithmetic occurrences), and the
 * stored tasks must be exactly those: each due occurrence enqueued once, missed ones by policy.
 *
 * @module
 */
import fc from "fast-check";
import { QueueClient } from "../../src/client.ts";
import { FakeClock } from "../../src/clock.ts";
import { QueueDatabase } from "../../src/database.ts";
import { occurrenceKey, QueueScheduler, type ScheduleTickResult } from "../../src/schedules/scheduler.ts";
import { show } from "../assert.ts";
import { checkProperty, type PropertyContext, Violation } from "./check.ts";

/** Property names (registered in properties.ts's `PROPERTY`). */
export const SCHEDULE_PROPERTY = {
  exactlyOnce: "schedules: schedulers ticking interleaved on one store enqueue each due occurrence exactly once",
  missedPolicy: "schedules: missed occurrences follow the policy (skip: only the latest; catch_up: the latest N)",
} as const;

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const SCHEDULERS = 3;

interface SpecBase {
  readonly missed: "skip" | "catch_up";
  readonly limit: number;
}
type Spec = SpecBase & ({ readonly kind: "interval"; readonly ms: number; readonly startIn: number } | { readonly kind: "cron"; readonly everyS: number });
interface Step {
  /** Clock moves forward this much before the ticks. */
  readonly advance: number;
  /** Schedulers that tick at this time. */
  readonly tickers: readonly number[];
  /** Ticks run at once (Promise.all) rather than one after another. */
  readonly together: boolean;
}
interface Run {
  readonly offset: number;
  readonly specs: readonly Spec[];
  readonly steps: readonly Step[];
}

function specArb(policies: readonly ("skip" | "catch_up")[], limits: fc.Arbitrary<number>): fc.Arbitrary<Spec> {
  const base = fc.record({ missed: fc.constantFrom(...policies), limit: limits });
  return fc.oneof(
    fc.tuple(base, fc.constantFrom(700, 1000, 2500, 5000), fc.integer({ min: 0, max: 5000 })).map(([b, ms, startIn]) => ({ ...b, kind: "interval" as const, ms, startIn })),
    fc.tuple(base, fc.constantFrom(1, 2, 5, 10, 15, 30)).map(([b, everyS]) => ({ ...b, kind: "cron" as const, everyS })),
  );
}

function runArb(policies: readonly ("skip" | "catch_up")[], limits: fc.Arbitrary<number>, maxAdvance: number): fc.Arbitrary<Run> {
  return fc.record({
    offset: fc.integer({ min: 0, max: 1999 }),
    specs: fc.array(specArb(policies, limits), { minLength: 1, maxLength: 3 }),
    steps: fc.array(
      fc.record({
        advance: fc.oneof(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: maxAdvance })),
        tickers: fc.uniqueArray(fc.integer({ min: 0, max: SCHEDULERS - 1 }), { minLength: 1, maxLength: SCHEDULERS }),
        together: fc.boolean(),
      }),
      { minLength: 1, maxLength: 20 },
    ),
  });
}

/** The model of one schedule: its next occurrence and the occurrences after a time. */
class ModelSchedule {
  next: number;
  readonly fired: number[] = [];
  readonly name: string;
  readonly spec: Spec;
  constructor(name: string, spec: Spec, addedAt: number) {
    this.name = name;
    this.spec = spec;
    this.next = spec.kind === "interval" ? addedAt + spec.startIn : this.after(addedAt);
  }
  /** The first occurrence strictly after `t` (from `next` for intervals). */
  after(t: number): number {
    if (this.spec.kind === "cron") {
      const p = this.spec.everyS * 1000; // */k seconds with k dividing 60: multiples of k s since the epoch
      return Math.floor(t / p) * p + p;
    }
    return this.next + (Math.floor((t - this.next) / this.spec.ms) + 1) * this.spec.ms;
  }
  tick(now: number): void {
    if (this.next > now) return;
    const due: number[] = [];
    for (let o = this.next; o <= now; ) {
      due.push(o);
      o = this.spec.kind === "cron" ? o + this.spec.everyS * 1000 : o + this.spec.ms;
    }
    const keep = this.spec.missed === "skip" ? 1 : this.spec.limit;
    this.fired.push(...due.slice(-keep));
    this.next = this.after(now);
  }
}

async function runSchedules(ctx: PropertyContext, r: Run): Promise<void> {
  const clock = new FakeClock(START + r.offset);
  const dbs: QueueDatabase[] = [];
  const open = ctx.target.openShared?.bind(ctx.target);
  const store = `prismq-schedules-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    if (open !== undefined) for (let i = 0; i < SCHEDULERS; i++) dbs.push(await QueueDatabase.open(await open(store), { clock, dialect: ctx.target.dialect }));
    else dbs.push(await QueueDatabase.open(await ctx.target.create(), { clock, dialect: ctx.target.dialect }));
    const schedulers = Array.from({ length: SCHEDULERS }, (_, i) => new QueueScheduler(dbs[i % dbs.length]!));
    const models = r.specs.map((spec, i) => new ModelSchedule(`s${i}`, spec, clock.now()));
    for (const m of models) {
      const s = m.spec;
      await schedulers[0]!.add({
        name: m.name,
        type: `type-${m.name}`,
        missed: s.missed,
        catchUpLimit: s.limit,
        ...(s.kind === "interval" ? { every: s.ms, startAt: clock.now() + s.startIn } : { cron: `*/${s.everyS} * * * * *` }),
      });
    }
    let reported = 0;
    for (const [i, step] of r.steps.entries()) {
      clock.set(clock.now() + step.advance);
      const now = clock.now();
      const results: ScheduleTickResult[] = step.together
        ? await Promise.all(step.tickers.map((k) => schedulers[k]!.tick()))
        : await step.tickers.reduce<Promise<ScheduleTickResult[]>>(async (acc, k) => [...(await acc), await schedulers[k]!.tick()], Promise.resolve([]));
      for (const m of models) m.tick(now);
      reported += results.reduce((n, x) => n + x.enqueued, 0);
      for (const m of models) {
        const stored = await schedulers[0]!.get(m.name);
        if (stored?.nextRunAt !== m.next) {
          throw new Violation(
            "exactly-once",
            `after step ${i} (${show(step)}, clock ${new Date(now).toISOString()}), ${m.name} (${show(m.spec)}) has next run ${stored === null ? "none" : new Date(stored.nextRunAt).toISOString()}, the model ${new Date(m.next).toISOString()}`,
          );
        }
      }
    }
    const tasks = await new QueueClient(dbs[0]!).listTasks({ limit: 100_000 });
    const actual = tasks.map((t) => `${t.type}|${t.idempotencyKey}`).sort();
    const expected = models.flatMap((m) => m.fired.map((o) => `type-${m.name}|${occurrenceKey(m.name, o)}`)).sort();
    if (actual.join("\n") !== expected.join("\n")) {
      const extra = actual.filter((k) => !expected.includes(k));
      const missing = expected.filter((k) => !actual.includes(k));
      throw new Violation("exactly-once", `stored tasks differ from the model: unexpected ${show(extra.slice(0, 6))}, missing ${show(missing.slice(0, 6))} (${actual.length} stored, ${expected.length} expected)`);
    }
    if (reported !== tasks.length) {
      throw new Violation("exactly-once", `ticks reported ${reported} tasks enqueued, ${tasks.length} are stored (an occurrence counted by two schedulers)`);
    }
  } finally {
    for (const db of dbs) await db.close();
  }
}

type ScheduleName = (typeof SCHEDULE_PROPERTY)[keyof typeof SCHEDULE_PROPERTY];

/** A schedule property: runs at most 30 times (each run opens its own database). */
function scheduleProperty<N extends ScheduleName>(name: N, arb: fc.Arbitrary<Run>) {
  return {
    name,
    category: "exactly-once" as const,
    appliesTo: () => true,
    run: (ctx: PropertyContext) =>
      checkProperty(
        { ...ctx, options: { ...ctx.options, numRuns: Math.min(ctx.options.numRuns ?? 100, 30) } },
        name,
        fc.asyncProperty(arb, (r) => runSchedules(ctx, r)),
      ),
  };
}

/** Every due occurrence once: catch_up with a limit no step can exceed, so nothing may be dropped. */
export function scheduleExactlyOnceProperty(): ReturnType<typeof scheduleProperty<ScheduleName>> {
  return scheduleProperty(SCHEDULE_PROPERTY.exactlyOnce, runArb(["catch_up"], fc.constant(1000), 4000));
}

/** Long gaps between ticks with skip and small catch-up limits: the policy decides what is enqueued. */
export function scheduleMissedPolicyProperty(): ReturnType<typeof scheduleProperty<ScheduleName>> {
  return scheduleProperty(SCHEDULE_PROPERTY.missedPolicy, runArb(["skip", "catch_up"], fc.integer({ min: 1, max: 4 }), 40_000));
}
