/**
 * The model-based commands. Each runs one queue operation on the real queue and on the model,
 * checks the outcome, then compares the whole database with the model (see `verify`). Their
 * `toString` is what a counterexample prints, so it reads as the operation.
 *
 * @module
 */
import fc from "fast-check";
import { LeaseLostError } from "../../src/errors.ts";
import type { Task } from "../../src/task.ts";
import { show } from "../assert.ts";
import {
  type Category,
  describeTask,
  formulaBackoff,
  type QueueModel,
  startOfSecond,
  type Timing,
} from "./model.ts";
import { type Blame, blame, type QueueReal, verify } from "./real.ts";

/** A command of a model run. */
export type QueueCommand = fc.AsyncCommand<QueueModel, QueueReal>;

/** The single task type of model runs. */
export const TASK_TYPE = "t";

const pickFromEnd = (list: readonly number[], pick: number): number => list[list.length - 1 - (pick % list.length)]!;

function timingText(t: Timing): string {
  switch (t.kind) {
    case "now":
      return "now";
    case "delay":
      return `delay ${t.ms}ms`;
    case "nextSecond":
      return "delay to the next whole second";
    case "at":
      return `runAfter now${t.offsetMs >= 0 ? "+" : ""}${t.offsetMs}ms`;
  }
}

/** `client.enqueue` with a priority, a timing, max attempts and maybe an idempotency key. */
export class EnqueueCommand implements QueueCommand {
  readonly priority: number;
  readonly timing: Timing;
  readonly maxAttempts: number;
  readonly key: string | null;
  constructor(priority: number, timing: Timing, maxAttempts: number, key: string | null) {
    this.priority = priority;
    this.timing = timing;
    this.maxAttempts = maxAttempts;
    this.key = key;
  }
  check(): boolean {
    return true;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    r.check.step = this.toString();
    const opts: Record<string, unknown> = { priority: this.priority, maxAttempts: this.maxAttempts };
    if (this.timing.kind === "delay" || this.timing.kind === "nextSecond") opts["delayMs"] = m.runAfterTime(this.timing) - m.now;
    if (this.timing.kind === "at") opts["runAfter"] = m.now + this.timing.offsetMs;
    if (this.key !== null) opts["idempotencyKey"] = this.key;
    const id = await r.client.enqueue(TASK_TYPE, { n: m.tasks.size }, opts);
    const existing = this.key === null ? undefined : m.keys.get(this.key);
    if (existing !== undefined) {
      r.check.expect("nothing-lost", id === existing, () => `enqueue with the known key ${show(this.key)} returned #${id}, not the key's task #${existing}`);
    } else if (r.check.expect("nothing-lost", Number.isSafeInteger(id) && !m.tasks.has(id), () => `a new enqueue returned id ${id}, which is not a fresh id`)) {
      m.add(id, this.priority, this.timing, this.maxAttempts, this.key);
    }
    await verify(m, r, new Map([[id, blame("nothing-lost")]]));
  }
  toString(): string {
    const key = this.key === null ? "" : `, key ${show(this.key)}`;
    return `enqueue(p${this.priority}, ${timingText(this.timing)}, max ${this.maxAttempts}${key})`;
  }
}

/** `worker.claimTasks(limit)` by one of the run's workers. */
export class ClaimCommand implements QueueCommand {
  readonly worker: number;
  readonly limit: number;
  constructor(worker: number, limit: number) {
    this.worker = worker;
    this.limit = limit;
  }
  check(): boolean {
    return true;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    r.check.step = this.toString();
    const wi = this.worker % m.workers.length;
    const w = m.workers[wi]!;
    const { failed, requeued } = m.sweeps(wi) ? m.reclaim() : { failed: [], requeued: [] };
    const runnable = m.ordered(w.strategy, m.runnable());
    const expected = runnable.slice(0, this.limit).map((t) => t.id);
    m.claimed(wi, expected.length, this.limit);
    const got: Task[] = await r.workers[wi]!.claimTasks(this.limit);
    const gotIds = got.map((t) => t.id);

    // No duplicate execution: only claimable tasks, each once, never one whose lease is live.
    r.check.expect("no-duplicate-execution", new Set(gotIds).size === gotIds.length, () => `one claim returned a task twice: [${gotIds}]`);
    r.check.expect("no-duplicate-execution", got.length <= this.limit, () => `claim(limit ${this.limit}) returned ${got.length} tasks`);
    // Why a task is in one list and not the other: it was not claimable for a reason that is
    // another property's business, or else the order is wrong.
    const whyDiffers = new Map<number, Category>();
    for (const t of got) {
      const mt = m.tasks.get(t.id);
      if (mt === undefined) {
        r.check.expect("nothing-lost", false, () => `claim returned #${t.id}, which was never enqueued`);
        whyDiffers.set(t.id, "nothing-lost");
        continue;
      }
      const what = (): string => `claim by ${w.id} at ${m.time(m.now)} returned ${describeTask(mt)}`;
      let c: Category | null = null;
      if (mt.status === "processing") {
        c = "no-duplicate-execution";
        r.check.expect(c, false, () => `${what()}: its lease is live`);
      } else if (failed.includes(t.id)) {
        c = "lease-expiry";
        r.check.expect(c, false, () => `${what()}: its lease expired on its last attempt, so it should have ended failed`);
      } else if (mt.status !== "queued") {
        c = "no-duplicate-execution";
        r.check.expect(c, false, () => `${what()}: it is already ${mt.status}`);
      } else if (mt.runAfter > m.now) {
        c = mt.backingOff ? "backoff" : "strategy-ordering";
        r.check.expect(c, false, () => `${what()}: it is not runnable before ${m.time(mt.runAfter)}${mt.backingOff ? " (retry backoff)" : ""}`);
      }
      if (c !== null) whyDiffers.set(t.id, c);
    }
    // A task the model requeued in this claim's reclaim but the claim did not take: the reclaim differs.
    for (const id of expected) if (!gotIds.includes(id) && requeued.includes(id)) whyDiffers.set(id, "lease-expiry");
    // Strategy ordering: exactly the tasks the model puts first, in that order.
    const sameList = gotIds.length === expected.length && gotIds.every((id, i) => id === expected[i]);
    const blamedElsewhere = [...whyDiffers.values()].find((c) => c !== "strategy-ordering");
    r.check.expect(
      sameList ? "strategy-ordering" : (blamedElsewhere ?? "strategy-ordering"),
      sameList,
      () =>
        `${w.strategy} claim(limit ${this.limit}) by ${w.id} returned [${gotIds.map((i) => `#${i}`)}], the model's order gives ` +
        `[${expected.map((i) => `#${i}`)}]; runnable in ${w.strategy} order: ${runnable.map(describeTask).join("; ") || "none"}`,
    );
    // The returned objects describe the new lease.
    for (const t of got) {
      const mt = m.tasks.get(t.id);
      if (mt === undefined || !expected.includes(t.id)) continue;
      r.check.expect("lease-expiry", t.attempts === mt.attempts + 1, () => `claimed #${t.id} has attempts ${t.attempts}, the model says ${mt.attempts + 1} (every claim counts one attempt)`);
      r.check.expect("no-duplicate-execution", t.leaseToken === mt.leaseToken + 1, () => `claimed #${t.id} has lease token ${t.leaseToken}, expected ${mt.leaseToken + 1} (bumped on every claim)`);
      r.check.expect("no-duplicate-execution", t.leaseUntil === m.now + w.leaseMs, () => `claimed #${t.id} has lease until ${m.time(t.leaseUntil)}, expected now + ${w.leaseMs}ms = ${m.time(m.now + w.leaseMs)}`);
      r.check.expect("no-duplicate-execution", t.lockedBy === w.id && t.status === "processing", () => `claimed #${t.id} is ${t.status} locked by ${show(t.lockedBy)}, expected processing by ${w.id}`);
    }

    m.claim(wi, expected);
    for (const t of got) {
      r.holders.push(t);
      m.holders.push({ worker: wi, id: t.id, token: t.leaseToken, attempts: t.attempts, maxAttempts: t.maxAttempts });
    }
    const blames = new Map<number, Blame>();
    const claimed: Blame = (f) => (f === "attempts" ? "lease-expiry" : "no-duplicate-execution");
    for (const id of [...failed, ...requeued]) blames.set(id, blame("lease-expiry"));
    for (const id of expected) blames.set(id, claimed);
    const listBlame = blame(blamedElsewhere ?? "strategy-ordering");
    for (const id of gotIds) if (!expected.includes(id)) blames.set(id, whyDiffers.has(id) ? blame(whyDiffers.get(id)!) : listBlame);
    for (const id of expected) if (!gotIds.includes(id)) blames.set(id, whyDiffers.has(id) ? blame(whyDiffers.get(id)!) : listBlame);
    await verify(m, r, blames);
  }
  toString(): string {
    return `claim(w${this.worker}, limit ${this.limit})`;
  }
}

type HolderOp = "complete" | "fail" | "renew";

async function holderWrite(m: QueueModel, r: QueueReal, idx: number, op: HolderOp): Promise<{ refused: boolean; result: unknown }> {
  const task = r.holders[idx]!;
  const worker = r.workers[m.holders[idx]!.worker]!;
  try {
    const result =
      op === "complete" ? await worker.completeTask(task) : op === "fail" ? await worker.failTask(task, new Error("boom")) : await worker.renewLease(task);
    return { refused: false, result };
  } catch (err) {
    if (err instanceof LeaseLostError) return { refused: true, result: err };
    throw err;
  }
}

/** The current lease holder completes, fails or renews its task. */
export class HolderCommand implements QueueCommand {
  readonly op: HolderOp;
  readonly pick: number;
  constructor(op: HolderOp, pick: number) {
    this.op = op;
    this.pick = pick;
  }
  check(m: Readonly<QueueModel>): boolean {
    return m.liveHolders().length > 0;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    const idx = pickFromEnd(m.liveHolders(), this.pick);
    const h = m.holders[idx]!;
    const w = m.workers[h.worker]!;
    const t = m.tasks.get(h.id)!;
    r.check.step = `${this.toString()} = ${w.id} ${this.op}s #${h.id} (lease #${h.token}, attempt ${h.attempts}/${h.maxAttempts})`;
    const { refused, result } = await holderWrite(m, r, idx, this.op);
    r.check.expect("no-duplicate-execution", !refused, () => `the current holder's ${this.op} was refused with LeaseLostError (model: ${describeTask(t)}, now ${m.time(m.now)})`);
    if (refused) {
      // Tolerated (not enforced here): nothing changed, so neither does the model.
      await verify(m, r, new Map([[h.id, blame("no-duplicate-execution")]]));
      return;
    }
    let who: Blame = blame("no-duplicate-execution");
    if (this.op === "complete") {
      t.status = "completed";
      t.leaseUntil = null;
    } else if (this.op === "renew") {
      r.check.expect("no-duplicate-execution", result === m.now + w.leaseMs, () => `renew returned ${show(result)}, expected now + ${w.leaseMs}ms`);
      t.leaseUntil = m.now + w.leaseMs;
    } else {
      who = blame("backoff");
      t.leaseUntil = null;
      let expected: "queued" | "failed";
      if (h.attempts < h.maxAttempts) {
        expected = "queued";
        const delay = formulaBackoff(h.attempts, m.backoff);
        t.status = "queued";
        t.runAfter = m.now + delay;
        t.coarse = false;
        t.lockedBy = null;
        t.backingOff = true;
        const b = m.backoff;
        const stored = await r.client.getTask(h.id);
        r.check.expect(
          "backoff",
          stored?.runAfter === t.runAfter,
          () =>
            `after failed attempt ${h.attempts}, run_after is now + ${(stored?.runAfter ?? Number.NaN) - m.now}ms; ` +
            `min(maxMs ${b.maxMs}, baseMs ${b.baseMs} × factor ${b.factor}^${h.attempts - 1}) = ${delay}ms`,
        );
      } else {
        expected = "failed";
        t.status = "failed";
      }
      r.check.expect("backoff", result === expected, () => `failTask at attempt ${h.attempts}/${h.maxAttempts} returned ${show(result)}, expected ${expected}`);
    }
    await verify(m, r, new Map([[h.id, who]]));
  }
  toString(): string {
    return `holder.${this.op}(${this.pick})`;
  }
}

/** A holder whose lease is gone (expired, taken over, finished, cancelled) replays a write. */
export class StaleWriteCommand implements QueueCommand {
  readonly op: HolderOp;
  readonly pick: number;
  constructor(op: HolderOp, pick: number) {
    this.op = op;
    this.pick = pick;
  }
  check(m: Readonly<QueueModel>): boolean {
    return m.staleHolders().length > 0;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    const idx = pickFromEnd(m.staleHolders(), this.pick);
    const h = m.holders[idx]!;
    const w = m.workers[h.worker]!;
    const t = m.tasks.get(h.id)!;
    r.check.step = `${this.toString()} = ${w.id} ${this.op}s #${h.id} with its old lease #${h.token}`;
    const { refused } = await holderWrite(m, r, idx, this.op);
    r.check.expect(
      "no-duplicate-execution",
      refused,
      () => `a stale holder's ${this.op} was accepted: ${w.id} held lease #${h.token}, but the task is ${describeTask(t)} at ${m.time(m.now)}`,
    );
    await verify(m, r, new Map([[h.id, blame("no-duplicate-execution")]]));
  }
  toString(): string {
    return `stale.${this.op}(${this.pick})`;
  }
}

/** Moves the fake clock forward. */
export class AdvanceCommand implements QueueCommand {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  check(): boolean {
    return true;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    m.now += this.ms;
    r.clock.set(r.clock.now() + this.ms);
  }
  toString(): string {
    return `advance(${this.ms}ms)`;
  }
}

/** `client.cancel(id)`. */
export class CancelCommand implements QueueCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check(m: Readonly<QueueModel>): boolean {
    return m.tasks.size > 0;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    const ids = m.ids();
    const id = ids[this.pick % ids.length]!;
    const t = m.tasks.get(id)!;
    r.check.step = `${this.toString()} = cancel #${id} (${t.status})`;
    const expected = t.status === "queued" || t.status === "processing";
    const got = await r.client.cancel(id);
    r.check.expect("nothing-lost", got === expected, () => `cancel of a ${t.status} task returned ${got}, expected ${expected}`);
    if (expected) {
      t.status = "cancelled";
      t.leaseUntil = null;
      t.backingOff = false;
    }
    await verify(m, r, new Map([[id, blame("nothing-lost")]]));
  }
  toString(): string {
    return `cancel(${this.pick})`;
  }
}

/** `client.retry(id)` of a failed task (or, with `anyTask`, of any task). */
export class RetryCommand implements QueueCommand {
  readonly pick: number;
  readonly anyTask: boolean;
  constructor(pick: number, anyTask: boolean) {
    this.pick = pick;
    this.anyTask = anyTask;
  }
  #candidates(m: Readonly<QueueModel>): number[] {
    return m.ids().filter((id) => this.anyTask || m.tasks.get(id)!.status === "failed" || m.tasks.get(id)!.status === "dead_letter");
  }
  check(m: Readonly<QueueModel>): boolean {
    return this.#candidates(m).length > 0;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    const ids = this.#candidates(m);
    const id = ids[this.pick % ids.length]!;
    const t = m.tasks.get(id)!;
    r.check.step = `${this.toString()} = retry #${id} (${t.status})`;
    const expected = t.status === "failed" || t.status === "dead_letter";
    const got = await r.client.retry(id);
    r.check.expect("nothing-lost", got === expected, () => `retry of a ${t.status} task returned ${got}, expected ${expected}`);
    if (expected) {
      t.status = "queued";
      t.attempts = 0;
      t.runAfter = startOfSecond(m.now);
      t.coarse = true;
      t.lockedBy = null;
      t.leaseUntil = null;
      t.backingOff = false;
    }
    await verify(m, r, new Map([[id, blame("nothing-lost")]]));
  }
  toString(): string {
    return `retry(${this.pick}${this.anyTask ? ", any" : ""})`;
  }
}

/** `client.stats()`: one status per task, counts add up to the model's. */
export class StatsCommand implements QueueCommand {
  check(): boolean {
    return true;
  }
  async run(m: QueueModel, r: QueueReal): Promise<void> {
    r.check.step = this.toString();
    const s = await r.client.stats();
    const want = m.counts();
    for (const status of Object.keys(s)) {
      if (status === "total") continue;
      const got = (s as unknown as Record<string, number>)[status] ?? 0;
      r.check.expect("nothing-lost", got === (want[status] ?? 0), () => `stats().${status} is ${got}, the model has ${want[status] ?? 0}`);
    }
    r.check.expect("nothing-lost", s.total === m.tasks.size, () => `stats().total is ${s.total}, the model has ${m.tasks.size} tasks`);
    const sum = Object.entries(s).reduce((n, [k, v]) => (k === "total" ? n : n + (v as number)), 0);
    r.check.expect("nothing-lost", sum === s.total, () => `stats() counts add up to ${sum}, but total is ${s.total}`);
    await verify(m, r);
  }
  toString(): string {
    return "stats()";
  }
}

// ---------------------------------------------------------------- arbitraries

/** Small pools so that ties and repeated keys happen. */
export const PRIORITIES = [1, 2, 3] as const;
export const KEYS = ["k0", "k1", "k2"] as const;

export const timingArb: fc.Arbitrary<Timing> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Timing>({ kind: "now" }) },
  { weight: 2, arbitrary: fc.constantFrom(1, 400, 999, 1000, 1500, 3000).map((ms): Timing => ({ kind: "delay", ms })) },
  { weight: 1, arbitrary: fc.constantFrom(-2500, -1000, -1, 0, 600, 2000).map((offsetMs): Timing => ({ kind: "at", offsetMs })) },
  { weight: 1, arbitrary: fc.constant<Timing>({ kind: "nextSecond" }) },
);

export const enqueueArb = (keyFreq = 3): fc.Arbitrary<QueueCommand> =>
  fc
    .tuple(fc.constantFrom(...PRIORITIES), timingArb, fc.integer({ min: 1, max: 4 }), fc.option(fc.constantFrom(...KEYS), { freq: keyFreq }))
    .map(([p, t, max, key]) => new EnqueueCommand(p, t, max, key));
export const claimArb: fc.Arbitrary<QueueCommand> = fc
  .tuple(fc.nat({ max: 2 }), fc.constantFrom(1, 1, 2, 3))
  .map(([w, limit]) => new ClaimCommand(w, limit));
export const holderArb = (op: HolderOp): fc.Arbitrary<QueueCommand> => fc.nat({ max: 7 }).map((p) => new HolderCommand(op, p));
export const staleArb = (op: HolderOp): fc.Arbitrary<QueueCommand> => fc.nat({ max: 7 }).map((p) => new StaleWriteCommand(op, p));
/** Small steps (ties within a second, sub-second offsets) and large ones (past leases and backoffs). */
export const advanceArb: fc.Arbitrary<QueueCommand> = fc
  .constantFrom(1, 10, 250, 500, 999, 1000, 1500, 2500, 4000, 10_000, 60_000)
  .map((ms) => new AdvanceCommand(ms));
export const cancelArb: fc.Arbitrary<QueueCommand> = fc.nat({ max: 15 }).map((p) => new CancelCommand(p));
export const retryArb: fc.Arbitrary<QueueCommand> = fc
  .tuple(fc.nat({ max: 15 }), fc.boolean())
  .map(([p, any]) => new RetryCommand(p, any));
export const statsArb: fc.Arbitrary<QueueCommand> = fc.constant(new StatsCommand());
