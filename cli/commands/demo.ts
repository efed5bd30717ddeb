/**
 * `prismq demo`: producers, several workers with different claim strategies, retries and a
 * progress bar on one SQLite file; checks itself, so `npm run demo` doubles as a smoke test.
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CLAIM_STRATEGIES,
  type EnqueueOptions,
  QueueClient,
  type QueueDatabase,
  type QueueStats,
  QueueWorker,
  TASK_STATUSES,
  type TaskContext,
  type TaskHandler,
  type WorkerEvent,
} from "../../src/index.ts";
import { intOption, noExtraPositionals, parseCommandArgs } from "../lib/args.ts";
import { shownDbPath, withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { err, formatTable, oneLine, out } from "../lib/output.ts";

/** `prismq demo --help`. */
export const help = `Usage: prismq demo [options]

Enqueues a mixed batch in one transaction (varied priorities, delayed tasks, a type that fails
once then succeeds, and a type that always fails and ends 'failed' after 3 attempts), runs
several workers with different claim strategies on the same database until every task of this
run has finished, and prints the counts, throughput and database path. Exits 0 only if every
task ended as expected. Safe on a database that already holds tasks: this run's tasks are tagged.

Options:
  --tasks N            tasks to enqueue (default 200)
  --workers N          QueueWorker instances (default 4)
  --concurrency N      handlers each worker runs at once (default 4)
${COMMON_HELP}`;

/** What a demo task is meant to end as, so the run can check itself. */
type DemoKind = "normal" | "delayed" | "flaky" | "always_fails";

const DEMO_TYPES: Readonly<Record<DemoKind, readonly string[]>> = {
  normal: ["demo.email", "demo.resize"],
  delayed: ["demo.report"],
  flaky: ["demo.flaky"],
  always_fails: ["demo.always_fails"],
};

const DEMO_MAX_ATTEMPTS = 3;

const DEMO_PRIORITIES = [10, 50, 100, 100, 200] as const;

/** Without any task of this run finishing for this long, the demo gives up (exit 1). */
const DEMO_STALL_MS = 30_000;

/** Payload every demo task carries: the run tag that tells this run's rows from older ones. */
interface DemoPayload {
  readonly run: string;
  readonly n: number;
  readonly kind: DemoKind;
}

/** Chooses each demo task's kind, type, priority and delay, so one batch shows every feature. */
function planDemoTasks(run: string, count: number): { type: string; payload: DemoPayload; options: EnqueueOptions }[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
  const tasks = [];
  for (let n = 0; n < count; n++) {
    const kind: DemoKind =
      n % 20 === 1 ? "always_fails" : n % 20 === 11 ? "flaky" : n % 5 === 3 ? "delayed" : "normal";
    const options: EnqueueOptions = {
      priority: pick(DEMO_PRIORITIES),
      maxAttempts: DEMO_MAX_ATTEMPTS,
      delayMs: kind === "delayed" ? 150 + Math.floor(Math.random() * 350) : undefined,
    };
    tasks.push({ type: pick(DEMO_TYPES[kind]), payload: { run, n, kind }, options });
  }
  return tasks;
}

/** The demo's handlers: small async work, a type that fails once, and one that always fails. */
function demoHandlers(): Record<string, TaskHandler> {
  const work: TaskHandler = async (_payload: unknown, { signal }: TaskContext) => {
    await sleep(2 + Math.random() * 6, undefined, { signal });
  };
  const handlers: Record<string, TaskHandler> = {};
  for (const type of [...DEMO_TYPES.normal, ...DEMO_TYPES.delayed]) handlers[type] = work;
  for (const type of DEMO_TYPES.flaky) {
    handlers[type] = async (payload: unknown, ctx: TaskContext) => {
      await work(payload, ctx);
      if (ctx.task.attempts < 2) throw new Error("demo: transient failure, succeeds on retry");
    };
  }
  for (const type of DEMO_TYPES.always_fails) {
    handlers[type] = async (_payload: unknown, { task }: TaskContext) => {
      await sleep(1);
      throw new Error(`demo: this task type always fails (attempt ${task.attempts})`);
    };
  }
  return handlers;
}

/** SQL filter selecting exactly this run's rows: the id range of its batch and its run tag. */
const RUN_FILTER = "id BETWEEN ? AND ? AND json_extract(payload, '$.run') = ?";

/** Identifies one demo run's rows in a database that may hold other tasks. */
interface RunTag {
  readonly run: string;
  readonly minId: number;
  readonly maxId: number;
}

/** Counts this run's tasks by status (every status present). */
async function runCounts(db: QueueDatabase, tag: RunTag): Promise<QueueStats> {
  const r = await db.execute(
    `SELECT status, COUNT(*) AS n FROM task_queue WHERE ${RUN_FILTER} GROUP BY status`,
    [tag.minId, tag.maxId, tag.run],
  );
  const counts: Record<string, number> = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0]));
  let total = 0;
  for (const row of r.rows) {
    const n = Number(row["n"]);
    counts[String(row["status"])] = (counts[String(row["status"])] ?? 0) + n;
    total += n;
  }
  return { ...counts, total } as QueueStats;
}

/** Tasks of this run that did not end as their kind expects, as one line each. */
async function runProblems(db: QueueDatabase, tag: RunTag, expected: number): Promise<string[]> {
  const r = await db.execute(
    `SELECT id, type, status, attempts, max_attempts, error_message,
            json_extract(payload, '$.kind') AS kind
       FROM task_queue WHERE ${RUN_FILTER} ORDER BY id`,
    [tag.minId, tag.maxId, tag.run],
  );
  const problems: string[] = [];
  if (r.rows.length !== expected) problems.push(`expected ${expected} tasks of this run, found ${r.rows.length}`);
  for (const row of r.rows) {
    const kind = String(row["kind"]);
    const status = String(row["status"]);
    const attempts = Number(row["attempts"]);
    const max = Number(row["max_attempts"]);
    const what = `task ${String(row["id"])} (${String(row["type"])})`;
    if (kind === "always_fails") {
      if (status !== "failed" || attempts !== max) {
        problems.push(`${what}: expected failed after ${max} attempts, got ${status} after ${attempts}`);
      }
    } else if (status !== "completed") {
      const why = row["error_message"] === null ? "" : `: ${oneLine(String(row["error_message"]), 100)}`;
      problems.push(`${what}: expected completed, got ${status} after ${attempts} attempt(s)${why}`);
    }
  }
  return problems;
}

/** Number of this run's tasks that reached a final status. */
function finishedCount(c: QueueStats): number {
  return c.completed + c.failed + c.dead_letter + c.cancelled;
}

/**
 * The demo's progress display: one line redrawn in place on a terminal; on a pipe or CI log, a
 * plain line at most every 10% so logs stay short.
 */
class ProgressBar {
  readonly #tty: boolean;
  readonly #total: number;
  #lastDecile = -1;
  #drawn = false;

  /** A bar for `total` items, drawn on stdout. */
  constructor(total: number) {
    this.#total = total;
    this.#tty = process.stdout.isTTY === true;
  }

  /** Shows the current state; cheap to call often. */
  update(c: QueueStats, elapsedMs: number): void {
    const done = finishedCount(c);
    const pct = this.#total === 0 ? 100 : Math.floor((done * 100) / this.#total);
    const secs = (elapsedMs / 1000).toFixed(1);
    // Numbers padded to the total's width keep the line from jumping as they grow.
    const w = String(this.#total).length;
    const num = (n: number): string => String(n).padStart(w);
    const detail =
      `${num(done)}/${this.#total} ${String(pct).padStart(3)}%  completed ${num(c.completed)}` +
      `  failed ${num(c.failed)}  running ${String(c.processing).padStart(3)}  ${secs.padStart(5)}s`;
    if (this.#tty) {
      const columns = process.stdout.columns || 80;
      const width = Math.max(10, Math.min(40, columns - detail.length - 4));
      const filled = Math.round((width * pct) / 100);
      // Never wider than the terminal: a wrapped line could not be redrawn with \r.
      const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${detail}`.slice(0, Math.max(1, columns - 1));
      if (process.stdout.writable) process.stdout.write(`\r${line}\x1b[K`);
      this.#drawn = true;
      return;
    }
    const decile = Math.floor(pct / 10);
    if (decile > this.#lastDecile) {
      this.#lastDecile = decile;
      out(`progress ${detail}`);
    }
  }

  /** Ends the redrawn line so later output starts on a fresh one. */
  finish(): void {
    if (this.#tty && this.#drawn) out();
    this.#drawn = false;
  }
}

/**
 * `prismq demo`: the README's first command. Shows the queue end to end on a real file and
 * checks itself, so `npm run demo` doubles as a smoke test.
 */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("demo", args, {
    tasks: { type: "string" },
    workers: { type: "string" },
    concurrency: { type: "string" },
  });
  noExtraPositionals("demo", positionals, 0);
  const taskCount = intOption(values, "tasks", 200, 1, 100_000)!;
  const workerCount = intOption(values, "workers", 4, 1, 256)!;
  const concurrency = intOption(values, "concurrency", 4, 1, 10_000)!;

  return withDb(values, "create", async (db, dbPath) => {
    const path = shownDbPath(dbPath); // a postgres:// URL's password is not printed
    const run = globalThis.crypto.randomUUID().slice(0, 8);
    const client = new QueueClient(db);
    out(`prismq demo: run ${run}, ${taskCount} tasks, ${workerCount} workers x ${concurrency} concurrency`);
    out(`database: ${path} (${db.driver.name})`);

    const plan = planDemoTasks(run, taskCount);
    const enqueueStart = performance.now();
    const ids = await client.enqueueMany(plan);
    const tag: RunTag = {
      run,
      minId: ids.reduce((a, b) => Math.min(a, b), Infinity),
      maxId: ids.reduce((a, b) => Math.max(a, b), -Infinity),
    };
    const kinds = (k: DemoKind): number => plan.filter((t) => t.payload.kind === k).length;
    out(
      `enqueued ${ids.length} tasks in one transaction (${(performance.now() - enqueueStart).toFixed(0)} ms): ` +
        `${kinds("normal")} normal, ${kinds("delayed")} delayed, ${kinds("flaky")} fail once then succeed, ` +
        `${kinds("always_fails")} always fail (max ${DEMO_MAX_ATTEMPTS} attempts)`,
    );

    const workerErrors: string[] = [];
    const onEvent = (e: WorkerEvent): void => {
      if (e.type === "error") workerErrors.push(`${e.phase}: ${e.errorMessage}`);
    };
    const handlers = demoHandlers();
    const strategies = Array.from({ length: workerCount }, (_, i) => CLAIM_STRATEGIES[i % CLAIM_STRATEGIES.length]!);
    const workers = strategies.map((strategy, i) => {
      return new QueueWorker(db, {
        workerId: `demo-${run}-w${i + 1}`,
        strategy,
        concurrency,
        pollIntervalMs: 20,
        leaseMs: 30_000,
        backoff: { baseMs: 50, factor: 2, maxMs: 1_000, jitter: 0.1 },
        handlers,
        onEvent,
      });
    });

    let interrupted = false;
    const onSigint = (): void => {
      interrupted = true;
    };
    process.once("SIGINT", onSigint);

    const bar = new ProgressBar(taskCount);
    const started = performance.now();
    for (const w of workers) w.start();
    let counts: QueueStats | undefined;
    let lastDone = -1;
    let lastChange = started;
    let stalled = false;
    try {
      counts = await runCounts(db, tag);
      for (;;) {
        const now = performance.now();
        const done = finishedCount(counts);
        bar.update(counts, now - started);
        if (done >= taskCount || interrupted) break;
        if (done !== lastDone) {
          lastDone = done;
          lastChange = now;
        } else if (now - lastChange > DEMO_STALL_MS) {
          stalled = true;
          break;
        }
        await sleep(50);
        counts = await runCounts(db, tag);
      }
    } finally {
      bar.finish();
      await Promise.all(workers.map((w) => w.stop()));
      process.removeListener("SIGINT", onSigint);
    }
    const elapsedS = (performance.now() - started) / 1000;

    counts = await runCounts(db, tag);
    const total = await client.stats();
    out();
    out(`run ${run}: ${finishedCount(counts)} of ${taskCount} tasks finished; counts by status:`);
    const rows = [...TASK_STATUSES, "total" as const].map((s) => [s, String(counts[s]), String(total[s])]);
    for (const line of formatTable(["status", "this run", "database"], rows, new Set([1, 2]))) out(`  ${line}`);
    out("workers:");
    for (const [i, w] of workers.entries()) {
      const s = w.stats;
      out(
        `  ${w.workerId} ${strategies[i]!.padEnd(15)} claimed ${s.claimed}, completed ${s.completed}, ` +
          `retried ${s.retried}, failed ${s.failed}`,
      );
    }
    out(`elapsed: ${elapsedS.toFixed(2)} s`);
    out(`throughput: ${(finishedCount(counts) / elapsedS).toFixed(1)} tasks/s`);
    out(`database: ${path}`);
    // Where to look next: the same tasks in the live dashboard (a path with spaces or quotes
    // is single-quoted so the line can be pasted into a shell).
    const shellPath = /^[\w./:@%+=,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
    out(`dashboard: prismq serve --db ${shellPath}   (then open http://127.0.0.1:8080/)`);

    if (workerErrors.length > 0) {
      err(`worker errors (${workerErrors.length}), first: ${workerErrors[0]}`);
    }
    if (interrupted) {
      err("demo interrupted: workers stopped; unfinished tasks stay queued in the database");
      return 130;
    }
    const problems = stalled
      ? [`no task of this run finished for ${DEMO_STALL_MS / 1000} s; ${taskCount - finishedCount(counts)} still unfinished`]
      : await runProblems(db, tag, taskCount);
    if (problems.length > 0) {
      err(`FAILED: ${problems.length} problem(s) in this run:`);
      for (const p of problems.slice(0, 20)) err(`  ${p}`);
      if (problems.length > 20) err(`  … and ${problems.length - 20} more`);
      return 1;
    }
    out(
      `OK: all ${taskCount} tasks ended as expected (${counts.completed} completed, ` +
        `${counts.failed} failed after ${DEMO_MAX_ATTEMPTS} attempts as designed)`,
    );
    return 0;
  });
}
