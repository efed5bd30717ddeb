/**
 * `QueueClient`: the producer's side. Enqueue, inspect, cancel and retry tasks.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { isTaskTime, toSqlRunAfter, toSqlTime } from "./clock.ts";
import type { QueueDatabase } from "./database.ts";
import type { Statement } from "./driver.ts";
import type { InsertTask } from "./dialect/types.ts";
import { QueueDatabaseError, QueueValidationError, TaskNotFoundError } from "./errors.ts";
import {
  EnqueueOptionsSchema,
  type EnqueueOptions,
  ListOptionsSchema,
  type ListOptions,
  parseOptions,
} from "./options.ts";
import { readStatusCounts } from "./observability/queue-figures.ts";
import { checkKeyOptions, keyedInsert } from "./controls/uniqueness.ts";
import { clearRateLimit, type QueueControl, type RateLimit, readControls, setPaused, setRateLimit } from "./controls/index.ts";
import { type PurgeOptions, purgeTasks, type RedriveOptions, redriveTasks } from "./retention/index.ts";
import { rowToTask, type Task, TASK_STATUSES, type TaskStatus } from "./task.ts";
import type { ClientEnqueueInput, EnqueueArgs, TaskMap, TaskSchemas } from "./tasks.ts";
import { waitForTask, watchTask, type WatchOptions } from "./watch.ts";

const NO_OPTIONS: EnqueueOptions = Object.freeze({});

/** Options of {@link QueueClient}; `S` is inferred from `tasks`. */
export interface QueueClientOptions<S extends TaskSchemas = TaskSchemas> {
  /**
   * The task map from `defineTasks`: types `enqueue`/`enqueueMany` at compile time and checks
   * each payload against its type's schema at run time, like `schemas`.
   */
  readonly tasks?: TaskMap<S> | undefined;
  /**
   * Payload schemas by task type (zod, valibot, or anything implementing Standard Schema). An
   * enqueue of that type stores the schema's output, or is refused with nothing stored.
   */
  readonly schemas?: TaskSchemas | undefined;
}

/** One task for {@link QueueClient.enqueueMany}. */
export interface EnqueueInput {
  /** Task type, which selects the handler. */
  readonly type: string;
  /** JSON the handler receives. @default {} */
  readonly payload?: unknown;
  /** How and when the task runs. */
  readonly options?: EnqueueOptions | undefined;
}

/** Task counts by status, plus the total. */
export type QueueStats = Readonly<Record<TaskStatus, number>> & { readonly total: number };

/** Options of {@link QueueClient.waitUntilEmpty}. */
export interface WaitOptions {
  /** Give up after this long (clock time). @default no limit */
  readonly timeoutMs?: number | undefined;
  /** Time between checks. @default 100 */
  readonly pollIntervalMs?: number | undefined;
  /** Aborting it stops the wait early. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * True if `text` has a lone UTF-16 surrogate (U+D800–U+DFFF without its pair). SQLite stores text
 * as UTF-8, where such a code unit has no encoding: drivers write U+FFFD instead, so two keys
 * differing only there would collide and a type would come back changed. (With the `u` flag a
 * well-formed pair is one code point, so `\p{Cs}` matches only a lone half.)
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}
const LONE_SURROGATE = /\p{Cs}/u;

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_PRIORITY = 100;

function showTime(t: number | Date): string {
  if (typeof t === "number") return String(t);
  const ms = t.getTime();
  return Number.isNaN(ms) ? "Invalid Date" : t.toISOString();
}

function serialise(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? {});
  } catch (err) {
    throw new QueueValidationError(`${what} is not JSON-serialisable`, [(err as Error).message], { cause: err });
  }
  if (text === undefined) throw new QueueValidationError(`${what} is not JSON-serialisable`);
  return text;
}

/**
 * Enqueues and manages tasks.
 *
 * @example
 * ```ts
 * const client = new QueueClient(db);
 * const id = await client.enqueue("video_processing", { video_id: "abc" }, { priority: 50 });
 * ```
 */
export class QueueClient<S extends TaskSchemas = TaskSchemas> {
  readonly #db: QueueDatabase;
  readonly #schemas: Readonly<Record<string, StandardSchemaV1>>;

  /** A client on an open {@link QueueDatabase}. */
  constructor(db: QueueDatabase, options: QueueClientOptions<S> = {}) {
    this.#db = db;
    this.#schemas = { ...options.schemas, ...options.tasks?.schemas };
  }

  /**
   * Adds a task and returns its id. With an `idempotencyKey` that is already stored, returns the
   * existing task's id and stores nothing.
   */
  async enqueue<K extends keyof S & string>(type: K, ...[payload, options]: EnqueueArgs<S, K>): Promise<number> {
    const [id] = await this.enqueueMany([{ type, payload, options } as ClientEnqueueInput<S, EnqueueInput>]);
    return id!;
  }

  /** Adds several tasks in one transaction: all are stored, or none. Ids come back in order. */
  async enqueueMany(tasks: readonly ClientEnqueueInput<S, EnqueueInput>[]): Promise<number[]> {
    if (!Array.isArray(tasks)) throw new QueueValidationError("enqueueMany expects an array of tasks");
    if (tasks.length === 0) return [];
    const now = this.#db.clock.now();
    const nowText = toSqlTime(now);
    const stmts: Statement[] = [];
    const resultIndex: ({ insert: number; lookup: number | null } | null)[] = [];
    // Unkeyed tasks go out as multi-row INSERTs where the dialect has them (a server: one round trip).
    const insertTasks = tasks.length > 1 ? this.#db.dialect.transitions.insertTasks : undefined;
    // Runs of consecutive unkeyed tasks are flushed before a keyed one, so ids still ascend in
    // input order (FIFO among tasks enqueued together goes by id).
    let plain: { at: number; t: InsertTask }[] = [];
    const chunks: { stmt: number; ats: number[] }[] = [];
    const flush = (): void => {
      if (insertTasks === undefined || plain.length === 0) return;
      chunks.push({ stmt: stmts.length, ats: plain.map((p) => p.at) });
      stmts.push(insertTasks(plain.map((p) => p.t)));
      plain = [];
    };
    for (const [i, task] of tasks.entries()) {
      const where = tasks.length > 1 ? `task ${i}: ` : "";
      if (typeof task?.type !== "string" || task.type.length === 0 || task.type.length > 200) {
        throw new QueueValidationError(`${where}type must be a non-empty string of at most 200 characters`);
      }
      if (hasLoneSurrogate(task.type)) {
        throw new QueueValidationError(`${where}type ${JSON.stringify(task.type)} has a lone UTF-16 surrogate: it cannot be stored exactly`);
      }
      // A misplaced option (`{ type, priority: 1 }`) would otherwise be dropped without a word: a
      // lost priority or delay, or a lost idempotencyKey and so a duplicate task.
      for (const key in task) {
        if (key !== "type" && key !== "payload" && key !== "options") {
          throw new QueueValidationError(`${where}unknown field ${JSON.stringify(key)}: a task has type, payload and options (options go under "options")`);
        }
      }
      // Most tasks come without options: skip the schema walk for them (measured ~2 µs a task).
      const opts: EnqueueOptions =
        task.options === undefined ? NO_OPTIONS : parseOptions(EnqueueOptionsSchema, task.options, `${where}enqueue options for "${task.type}"`);
      if (opts.runAfter !== undefined && opts.delayMs !== undefined) {
        throw new QueueValidationError(`${where}give runAfter or delayMs, not both`);
      }
      if (opts.idempotencyKey !== undefined && hasLoneSurrogate(opts.idempotencyKey)) {
        throw new QueueValidationError(
          `${where}idempotencyKey ${JSON.stringify(opts.idempotencyKey)} has a lone UTF-16 surrogate: it cannot be stored exactly`,
        );
      }
      const payload = await this.#validatePayload(task.type, task.payload, where);
      const runAfter =
        opts.runAfter !== undefined
          ? opts.runAfter instanceof Date
            ? opts.runAfter.getTime()
            : opts.runAfter
          : now + (opts.delayMs ?? 0);
      if (!isTaskTime(runAfter)) {
        const what = opts.runAfter !== undefined ? `runAfter ${showTime(opts.runAfter)}` : `delayMs ${String(opts.delayMs)} from now`;
        throw new QueueValidationError(`${where}${what} is outside the times a task can run at (1970-01-01 to 9999-12-31 UTC)`);
      }
      checkKeyOptions(opts.idempotencyKey, opts.keyMode, opts.keyWindowMs, where);
      const insert: InsertTask = {
        type: task.type,
        priority: opts.priority ?? DEFAULT_PRIORITY,
        payload: serialise(payload, `${where}payload`),
        compatibility: serialise(opts.compatibility ?? {}, `${where}compatibility`),
        maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        runAfter: toSqlRunAfter(runAfter, now),
        idempotencyKey: opts.idempotencyKey ?? null,
        now: nowText,
      };
      if (insertTasks !== undefined && insert.idempotencyKey === null) {
        plain.push({ at: i, t: insert });
        resultIndex.push(null);
        if (plain.length === 500) flush();
        continue;
      }
      flush();
      const keyed = keyedInsert(this.#db.dialect, insert, opts.keyMode, opts.keyWindowMs, now);
      resultIndex.push({ insert: stmts.length + keyed.insert, lookup: keyed.lookup === null ? null : stmts.length + keyed.lookup });
      stmts.push(...keyed.stmts);
    }
    flush();
    // A single plain insert needs no transaction of its own; anything more is one batch.
    const results = stmts.length === 1 ? [await this.#db.run(stmts[0]!)] : await this.#db.batch(stmts);
    const ids = new Map<number, number>();
    for (const { stmt, ats } of chunks) {
      const got = results[stmt]!.rows.map((row) => Number(row["id"])).sort((a, b) => a - b);
      if (got.length !== ats.length) {
        throw new QueueDatabaseError(`the ${this.#db.driver.name} driver returned ${got.length} ids for ${ats.length} tasks`, { kind: "unknown" });
      }
      ats.forEach((at, k) => ids.set(at, got[k]!));
    }
    return resultIndex.map((slot, at) => {
      if (slot === null) return ids.get(at)!;
      const { insert, lookup } = slot;
      const r = results[insert]!;
      if (r.changes > 0) {
        if (r.lastInsertRowid === undefined) {
          throw new QueueDatabaseError(`the ${this.#db.driver.name} driver did not report the new task's rowid`, { kind: "unknown" });
        }
        return Number(r.lastInsertRowid);
      }
      // An idempotency key already stored: the lookup after the insert found its task.
      return Number(lookup !== null ? results[lookup]?.rows[0]?.["id"] : Number.NaN);
    });
  }

  /** The task with this id, or null. */
  async getTask<P = unknown>(id: number): Promise<Task<P> | null> {
    const r = await this.#db.run(this.#db.dialect.reads.selectTask(this.#id(id)));
    return r.rows[0] === undefined ? null : rowToTask<P>(r.rows[0]);
  }

  /** A page of tasks by id, optionally filtered by status(es) and type. */
  async listTasks(options: ListOptions = {}): Promise<Task[]> {
    const o = parseOptions(ListOptionsSchema, options, "listTasks options");
    const statuses = o.status === undefined ? [] : Array.isArray(o.status) ? o.status : [o.status];
    const r = await this.#db.run(
      this.#db.dialect.reads.listTasks({
        statuses,
        type: o.type ?? null,
        limit: o.limit ?? 100,
        offset: o.offset ?? 0,
        descending: o.order === "desc",
      }),
    );
    return r.rows.map((row) => rowToTask(row));
  }

  /**
   * Cancels a queued or processing task. A processing task's handler sees its `AbortSignal`
   * fire at the worker's next lease renewal, and its result is then refused. Returns false if
   * the task had already finished; throws {@link TaskNotFoundError} if there is no such task.
   */
  async cancel(id: number): Promise<boolean> {
    // [log, update]: the update is last; the log row is written only for a row it changes.
    const rs = await this.#db.batch(this.#db.dialect.transitions.cancelTask(this.#id(id), toSqlTime(this.#db.clock.now())));
    if ((rs.at(-1)?.changes ?? 0) > 0) return true;
    await this.#mustExist(id);
    return false;
  }

  /**
   * Puts a `failed` or `dead_letter` task back in the queue, runnable now, with its attempt
   * count reset. Returns false if the task is in another status.
   */
  async retry(id: number): Promise<boolean> {
    const now = this.#db.clock.now();
    const stmts = this.#db.dialect.transitions.retryFinishedTask(this.#id(id), toSqlTime(now), toSqlRunAfter(now, now));
    const rs = await this.#db.batch(stmts);
    if ((rs.at(-1)?.changes ?? 0) > 0) return true;
    await this.#mustExist(id);
    return false;
  }

  /** Pauses new starts of one task type, or of every task when `type` is absent (stored: every process obeys). */
  pause(type?: string): Promise<void> {
    return setPaused(this.#db, type, true);
  }

  /** Ends a pause of {@link pause}: of one type, or of the whole queue when `type` is absent. */
  resume(type?: string): Promise<void> {
    return setPaused(this.#db, type, false);
  }

  /** At most `limit.max` starts of `type` per window of `limit.intervalMs`, across every process. */
  setRateLimit(type: string, limit: RateLimit): Promise<void> {
    return setRateLimit(this.#db, type, limit);
  }

  /** Removes the rate limit of `type`. */
  clearRateLimit(type: string): Promise<void> {
    return clearRateLimit(this.#db, type);
  }

  /** The pauses and rate limits in force. */
  controls(): Promise<QueueControl[]> {
    return readControls(this.#db);
  }

  /** Requeues failed/dead-lettered tasks in bulk (default: every dead-lettered task); returns how many. */
  redrive(options?: RedriveOptions): Promise<number> {
    return redriveTasks(this.#db, options);
  }

  /** Deletes finished tasks and their logs by status and age; returns how many. */
  purge(options?: PurgeOptions): Promise<number> {
    return purgeTasks(this.#db, options);
  }

  /**
   * Yields the task now and after each change of its status or progress, made by any process,
   * ending with its final status; polls with backoff (no busy loop). {@link WaitTimeoutError}
   * after `timeoutMs`, {@link TaskNotFoundError} for no such task.
   */
  watch(id: number, options?: WatchOptions): AsyncGenerator<Task, void, undefined> {
    return watchTask((i) => this.getTask(i), this.#db.clock, this.#id(id), options);
  }

  /** Resolves with the task once it is completed, failed, cancelled or dead-lettered; see {@link watch}. */
  waitFor(id: number, options?: WatchOptions): Promise<Task> {
    return waitForTask((i) => this.getTask(i), this.#db.clock, this.#id(id), options);
  }

  /** Counts by status (every status present, zero if none) and the total. */
  async stats(): Promise<QueueStats> {
    const c = await readStatusCounts(this.#db);
    return Object.freeze({ ...c.byStatus, total: c.total }) as QueueStats;
  }

  /** Number of tasks still queued or processing. */
  async getActiveCount(): Promise<number> {
    const r = await this.#db.run(this.#db.dialect.reads.countActive());
    return Number(r.rows[0]?.["n"] ?? 0);
  }

  /** Ids of tasks still queued or processing. */
  async getActiveTaskIds(): Promise<number[]> {
    const r = await this.#db.run(this.#db.dialect.reads.selectActiveIds());
    return r.rows.map((row) => Number(row["id"]));
  }

  /** True if the task is queued or processing. */
  async isTaskActive(id: number): Promise<boolean> {
    const t = await this.getTask(id);
    return t !== null && (t.status === "queued" || t.status === "processing");
  }

  /**
   * Resolves true once no task is queued or processing, false if `timeoutMs` passes first.
   * Delayed and backing-off tasks count as queued, so this waits for them too.
   */
  async waitUntilEmpty(options: WaitOptions = {}): Promise<boolean> {
    const clock = this.#db.clock;
    const start = clock.now();
    const poll = options.pollIntervalMs ?? 100;
    for (;;) {
      // An existence check, not getActiveCount(): a COUNT walks every queued row, each poll.
      if (Number((await this.#db.run(this.#db.dialect.reads.anyActive())).rows[0]?.["active"]) === 0) return true;
      if (options.timeoutMs !== undefined && clock.now() - start >= options.timeoutMs) return false;
      await clock.sleep(poll, options.signal);
    }
  }

  async #validatePayload(type: string, payload: unknown, where: string): Promise<unknown> {
    const schema = this.#schemas[type];
    if (schema === undefined) return payload;
    const result = await schema["~standard"].validate(payload);
    if (result.issues === undefined) return result.value;
    const issues = result.issues.map((i) => {
      const path = (i.path ?? []).map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".");
      return `${path === "" ? "(root)" : path}: ${i.message}`;
    });
    throw new QueueValidationError(`${where}invalid payload for task type "${type}"`, issues);
  }

  #id(id: number): number {
    if (!Number.isSafeInteger(id) || id < 1) throw new QueueValidationError(`invalid task id: ${String(id)}`);
    return id;
  }

  async #mustExist(id: number): Promise<void> {
    if ((await this.getTask(id)) === null) throw new TaskNotFoundError(id);
  }
}
