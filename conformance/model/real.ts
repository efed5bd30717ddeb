/**
 * The system under test of a model run, and the comparison of its whole state with the model
 * after every command.
 *
 * @module
 */
import type { QueueClient } from "../../src/client.ts";
import type { FakeClock } from "../../src/clock.ts";
import type { QueueDatabase } from "../../src/database.ts";
import { type Task, TASK_STATUSES } from "../../src/task.ts";
import type { QueueWorker } from "../../src/worker.ts";
import { show } from "../assert.ts";
import type { Checker } from "./check.ts";
import { type Category, describeTask, type ModelTask, type QueueModel } from "./model.ts";

/** The real queue of a model run. `holders[i]` is the task object behind `model.holders[i]`. */
export interface QueueReal {
  readonly db: QueueDatabase;
  readonly clock: FakeClock;
  readonly client: QueueClient;
  readonly workers: readonly QueueWorker[];
  readonly holders: Task[];
  readonly check: Checker;
}

/** The fields compared with the model. */
export const FIELDS = [
  "status",
  "priority",
  "runAfter",
  "attempts",
  "maxAttempts",
  "leaseToken",
  "leaseUntil",
  "lockedBy",
  "idempotencyKey",
] as const satisfies readonly (keyof ModelTask & keyof Task)[];
/** One of {@link FIELDS}. */
export type Field = (typeof FIELDS)[number];

/** Which category a mismatch of a field of a task touched by the command belongs to. */
export type Blame = (field: Field) => Category;
/** Every field blamed on one category. */
export const blame =
  (c: Category): Blame =>
  () =>
    c;

const TIME_FIELDS: ReadonlySet<Field> = new Set(["runAfter", "leaseUntil"]);

/**
 * Compares every task in the database with the model. A mismatch on a task the command touched
 * is blamed as `blames` says; on any other task it is `nothing-lost` (something changed a task
 * it had no business changing). Then the database-wide invariants. If a non-enforced check
 * failed during the command, the model is re-read from the database afterwards.
 */
export async function verify(m: QueueModel, r: QueueReal, blames: ReadonlyMap<number, Blame> = new Map()): Promise<void> {
  const rows = await r.client.listTasks({ limit: 100_000 });
  const seen = new Set<number>();
  for (const t of rows) {
    seen.add(t.id);
    const mt = m.tasks.get(t.id);
    if (!r.check.expect("nothing-lost", mt !== undefined, () => `task #${t.id} is in the database but was never enqueued`)) continue;
    const who = blames.get(t.id) ?? blame("nothing-lost");
    for (const f of FIELDS) {
      const want = mt![f];
      const got = t[f];
      if (want === got) continue;
      const fmt = (v: unknown): string => (TIME_FIELDS.has(f) && typeof v === "number" ? m.time(v) : show(v));
      r.check.expect(who(f), false, () => `task #${t.id}: ${f} is ${fmt(got)}, the model says ${fmt(want)} (model: ${describeTask(mt!)})`);
    }
    r.check.expect("nothing-lost", (TASK_STATUSES as readonly string[]).includes(t.status), () => `task #${t.id} has unknown status ${show(t.status)}`);
    r.check.expect("nothing-lost", t.attempts <= t.maxAttempts, () => `task #${t.id} ran ${t.attempts} times, more than its max_attempts ${t.maxAttempts}`);
    r.check.expect(
      "no-duplicate-execution",
      (t.status === "processing") === (t.leaseUntil !== null),
      () => `task #${t.id} is ${t.status} with lease_until ${m.time(t.leaseUntil)} (a lease exactly while processing)`,
    );
  }
  for (const id of m.tasks.keys()) {
    r.check.expect("nothing-lost", seen.has(id), () => `task #${id} vanished from the database (model: ${describeTask(m.tasks.get(id)!)})`);
  }
  for (const id of m.tasks.keys()) {
    if (m.liveLeaseCount(id) > 1) throw new Error(`model bug: task #${id} has ${m.liveLeaseCount(id)} live leases`);
  }
  if (r.check.diverged) await resync(m, r, rows);
}

/** Makes the model agree with the database again after a tolerated (non-enforced) divergence. */
async function resync(m: QueueModel, r: QueueReal, rows: readonly Task[]): Promise<void> {
  // Read as the driver returns it (the stored text on SQLite, normalised text elsewhere), so the
  // same query runs on every engine.
  const precision = await r.db.execute("SELECT id, run_after_utc FROM task_queue");
  const coarse = new Map(precision.rows.map((row) => [Number(row["id"]), String(row["run_after_utc"]).length <= 19]));
  const ids = new Set(rows.map((t) => t.id));
  for (const id of [...m.tasks.keys()]) if (!ids.has(id)) m.tasks.delete(id);
  m.keys.clear();
  for (const t of rows) {
    const prev = m.tasks.get(t.id);
    m.tasks.set(t.id, {
      id: t.id,
      status: t.status,
      priority: t.priority,
      runAfter: t.runAfter,
      coarse: coarse.get(t.id) ?? false,
      attempts: t.attempts,
      maxAttempts: t.maxAttempts,
      leaseToken: t.leaseToken,
      leaseUntil: t.leaseUntil,
      lockedBy: t.lockedBy,
      idempotencyKey: t.idempotencyKey,
      backingOff: prev?.backingOff ?? false,
    });
    if (t.idempotencyKey !== null) m.keys.set(t.idempotencyKey, t.id);
  }
  r.check.diverged = false;
}
