/**
 * A plain in-memory model of the queue: a map of task states and a clock. It is written from
 * the queue's documented behaviour (strategies.ts, backoff.ts, clock.ts, the worker and client
 * docs), not from its SQL, so a mistake in the SQL shows up as a disagreement with the model.
 *
 * @module
 */
import type { TaskStatus } from "../../src/task.ts";

/**
 * What a disagreement with the model is about. Each property test enforces one of these; a
 * failure message starts with `[category]`.
 */
export const CATEGORIES = [
  "no-duplicate-execution",
  "lease-expiry",
  "backoff",
  "strategy-ordering",
  "nothing-lost",
  "exactly-once",
  "rate-limit",
  "pause",
  "uniqueness",
] as const;
/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** The strategies with a total order (WEIGHTED_RANDOM is checked statistically instead). */
export type OrderedStrategy = "FIFO" | "LIFO" | "PRIORITY";

/** One task as the model sees it. */
export interface ModelTask {
  readonly id: number;
  status: TaskStatus;
  readonly priority: number;
  /** Not claimable before this time (epoch ms). */
  runAfter: number;
  /**
   * True when the stored time has second precision: a task made runnable "now" stores the start
   * of the current second (`toSqlRunAfter`), and such a time sorts before any millisecond
   * time of the same second.
   */
  coarse: boolean;
  attempts: number;
  readonly maxAttempts: number;
  leaseToken: number;
  leaseUntil: number | null;
  lockedBy: string | null;
  readonly idempotencyKey: string | null;
  /** Model-only: queued again by a failure, waiting out its backoff (for blame in messages). */
  backingOff: boolean;
}

/**
 * The longest a worker whose claims keep coming back full goes between two sweeps of expired
 * leases (the spec of `RECLAIM_SWEEP_MS` in src/worker/operations.ts, stated here on its own).
 */
export const SWEEP_MS = 1000;

/** A worker as the model sees it. */
export interface ModelWorker {
  readonly id: string;
  readonly strategy: OrderedStrategy;
  readonly leaseMs: number;
}

/**
 * A claim a worker received: which task, under which fencing token, at which attempt. Workers
 * keep every claim they ever got, so a command can replay a stale holder's write.
 */
export interface Holder {
  readonly worker: number;
  readonly id: number;
  readonly token: number;
  readonly attempts: number;
  readonly maxAttempts: number;
}

/** Backoff settings of a model run (jitter is 0 there, so delays are exact). */
export interface BackoffSpec {
  readonly baseMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** When an enqueued task becomes runnable. */
export type Timing =
  | { readonly kind: "now" }
  | { readonly kind: "delay"; readonly ms: number }
  /** Delayed to exactly the next whole second (stored as `…:SS.000`). */
  | { readonly kind: "nextSecond" }
  | { readonly kind: "at"; readonly offsetMs: number };

/** The start of the second `ms` falls in. */
export function startOfSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** The documented backoff: `min(maxMs, baseMs × factor^(attempt − 1))` after the attempt-th run. */
export function formulaBackoff(attempt: number, b: BackoffSpec): number {
  let delay = b.baseMs;
  for (let i = 1; i < attempt; i++) delay *= b.factor;
  return Math.min(b.maxMs, delay);
}

/** Compares run_after as stored: by time, and within the same millisecond a second-precision time first. */
function byRunAfter(a: ModelTask, b: ModelTask): number {
  return a.runAfter - b.runAfter || (a.coarse === b.coarse ? 0 : a.coarse ? -1 : 1);
}

/** Compares run_after as instants (an engine with a time type: a second-precision time is just that instant). */
function byInstant(a: ModelTask, b: ModelTask): number {
  return a.runAfter - b.runAfter;
}

/** The claim order of each strategy (first claimed first); `id` breaks every tie. */
export const STRATEGY_ORDER: Readonly<Record<OrderedStrategy, (a: ModelTask, b: ModelTask) => number>> = {
  FIFO: (a, b) => byRunAfter(a, b) || a.id - b.id,
  LIFO: (a, b) => byRunAfter(b, a) || b.id - a.id,
  PRIORITY: (a, b) => a.priority - b.priority || byRunAfter(a, b) || a.id - b.id,
};

/** {@link STRATEGY_ORDER} on an engine that compares stored times as instants (PostgreSQL's `timestamptz`). */
export const INSTANT_STRATEGY_ORDER: Readonly<Record<OrderedStrategy, (a: ModelTask, b: ModelTask) => number>> = {
  FIFO: (a, b) => byInstant(a, b) || a.id - b.id,
  LIFO: (a, b) => byInstant(b, a) || b.id - a.id,
  PRIORITY: (a, b) => a.priority - b.priority || byInstant(a, b) || a.id - b.id,
};

const iso = (ms: number | null): string => (ms === null ? "null" : new Date(ms).toISOString().slice(11, 23));

/** A one-line description of a task, for messages. */
export function describeTask(t: ModelTask): string {
  const lease = t.status === "processing" ? ` lease#${t.leaseToken} ${t.lockedBy ?? "?"} until ${iso(t.leaseUntil)}` : "";
  return (
    `#${t.id} ${t.status} p${t.priority} runAfter ${iso(t.runAfter)}${t.coarse ? "(s)" : ""}` +
    ` attempts ${t.attempts}/${t.maxAttempts}${lease}`
  );
}

/** The model: tasks, the clock, the workers and every claim they hold or held. */
export class QueueModel {
  now: number;
  readonly tasks = new Map<number, ModelTask>();
  readonly keys = new Map<string, number>();
  readonly holders: Holder[] = [];
  readonly workers: readonly ModelWorker[];
  readonly backoff: BackoffSpec;
  /** How the engine orders equal instants of different stored precision (see `Target.timeOrder`). */
  readonly timeOrder: "text" | "instant";

  /** Per worker: when its claims last swept expired leases, and whether its last claim came back short. */
  readonly #sweptAt: number[];
  readonly #lastShort: boolean[];

  constructor(now: number, workers: readonly ModelWorker[], backoff: BackoffSpec, timeOrder: "text" | "instant" = "text") {
    this.now = now;
    this.workers = workers;
    this.backoff = backoff;
    this.timeOrder = timeOrder;
    this.#sweptAt = workers.map(() => -Infinity);
    this.#lastShort = workers.map(() => true);
  }

  /**
   * Whether worker `w`'s claim now sweeps expired leases first (then call {@link reclaim}): its
   * first claim, every claim after one that came back short, and otherwise one at least
   * {@link SWEEP_MS} (or its lease, if shorter) after its last sweep, or after the clock went back.
   */
  sweeps(w: number): boolean {
    const every = Math.min(SWEEP_MS, this.workers[w]!.leaseMs);
    const due = this.#lastShort[w]! || this.now - this.#sweptAt[w]! >= every || this.now < this.#sweptAt[w]!;
    if (due) this.#sweptAt[w] = this.now;
    return due;
  }

  /** Records how many tasks worker `w`'s claim of `limit` took (fewer: the next claim sweeps). */
  claimed(w: number, took: number, limit: number): void {
    this.#lastShort[w] = took < limit;
  }

  /** Formats a time of this run for messages (time of day, ms). */
  time(ms: number | null): string {
    return iso(ms);
  }

  /** When a task enqueued now with this timing becomes runnable. */
  runAfterTime(timing: Timing): number {
    switch (timing.kind) {
      case "now":
        return this.now;
      case "delay":
        return this.now + timing.ms;
      case "nextSecond":
        return startOfSecond(this.now) + 1000;
      case "at":
        return this.now + timing.offsetMs;
    }
  }

  /** The stored run_after of a task enqueued now with this timing. */
  runAfterFor(timing: Timing): { runAfter: number; coarse: boolean } {
    const at = this.runAfterTime(timing);
    return at <= this.now ? { runAfter: startOfSecond(at), coarse: true } : { runAfter: at, coarse: false };
  }

  /** Adds a task the queue assigned `id` to. */
  add(id: number, priority: number, timing: Timing, maxAttempts: number, key: string | null): ModelTask {
    const task: ModelTask = {
      id,
      status: "queued",
      priority,
      ...this.runAfterFor(timing),
      attempts: 0,
      maxAttempts,
      leaseToken: 0,
      leaseUntil: null,
      lockedBy: null,
      idempotencyKey: key,
      backingOff: false,
    };
    this.tasks.set(id, task);
    if (key !== null) this.keys.set(key, id);
    return task;
  }

  /**
   * What a claim that sweeps (see {@link sweeps}) does first: a task whose lease ran out goes back to `queued` (its attempt
   * stays counted), or ends `failed` if that was its last attempt; either way its fencing token
   * is bumped, as by every reclaim.
   */
  reclaim(): { failed: number[]; requeued: number[] } {
    const failed: number[] = [];
    const requeued: number[] = [];
    for (const t of this.tasks.values()) {
      if (t.status !== "processing" || t.leaseUntil === null || t.leaseUntil > this.now) continue;
      t.leaseUntil = null;
      t.leaseToken++;
      if (t.attempts >= t.maxAttempts) {
        t.status = "failed";
        failed.push(t.id);
      } else {
        t.status = "queued";
        t.lockedBy = null;
        requeued.push(t.id);
      }
    }
    return { failed, requeued };
  }

  /** Tasks a claim may take now (call after {@link reclaim}). */
  runnable(): ModelTask[] {
    return [...this.tasks.values()].filter((t) => t.status === "queued" && t.runAfter <= this.now);
  }

  /** `tasks` in the strategy's claim order. */
  ordered(strategy: OrderedStrategy, tasks: readonly ModelTask[]): ModelTask[] {
    return [...tasks].sort((this.timeOrder === "instant" ? INSTANT_STRATEGY_ORDER : STRATEGY_ORDER)[strategy]);
  }

  /** Leases these tasks to worker `w`. */
  claim(w: number, ids: readonly number[]): void {
    const worker = this.workers[w]!;
    for (const id of ids) {
      const t = this.tasks.get(id)!;
      t.status = "processing";
      t.attempts++;
      t.leaseToken++;
      t.leaseUntil = this.now + worker.leaseMs;
      t.lockedBy = worker.id;
      t.backingOff = false;
    }
  }

  /** True if this claim's holder still holds the lease: same token, still processing, not expired. */
  isLive(h: Holder): boolean {
    const t = this.tasks.get(h.id);
    return t !== undefined && t.status === "processing" && t.leaseToken === h.token && t.leaseUntil !== null && t.leaseUntil > this.now;
  }

  /** Indices into {@link holders} of the claims still held. */
  liveHolders(): number[] {
    return this.holders.flatMap((h, i) => (this.isLive(h) ? [i] : []));
  }

  /** Indices into {@link holders} of the claims no longer held (most recent last). */
  staleHolders(): number[] {
    return this.holders.flatMap((h, i) => (this.isLive(h) ? [] : [i]));
  }

  /** At most one held claim per task (the model's own invariant). */
  liveLeaseCount(id: number): number {
    return this.holders.filter((h) => h.id === id && this.isLive(h)).length;
  }

  /** Task ids in id order. */
  ids(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }

  /** Count of tasks per status. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of this.tasks.values()) out[t.status] = (out[t.status] ?? 0) + 1;
    return out;
  }
}
