/**
 * `prismq`: the command-line face of the queue. Create a database, enqueue and inspect tasks,
 * and run `prismq demo`, which shows producers, several workers with different claim strategies,
 * retries with backoff and a progress bar on one SQLite file.
 *
 * Run from a checkout with `node cli/prismq.ts …` (Node 22 type stripping), or as the `prismq`
 * bin bundled to `dist/cli.js`. Exit codes: 0 success, 1 failure (or a demo whose tasks did not
 * end as expected), 2 bad usage or bad input, 130 interrupted.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type NodeDriverName, openQueueDatabase, resolveDbPath } from "../adapters/node/index.ts";
import {
  CLAIM_STRATEGIES,
  type EnqueueOptions,
  isQueueError,
  QueueClient,
  type QueueDatabase,
  type QueueStats,
  QueueWorker,
  type Task,
  type TaskContext,
  type TaskHandler,
  TASK_STATUSES,
  type TaskStatus,
  type WorkerEvent,
} from "../src/index.ts";

// ---------------------------------------------------------------------------------------------
// Usage and argument parsing
// ---------------------------------------------------------------------------------------------

/** Bad command line or bad input: reported as one line on stderr, exit code 2. */
class UsageError extends Error {
  override name = "UsageError";
}

const DRIVER_NAMES: readonly NodeDriverName[] = ["auto", "better-sqlite3", "node-sqlite"];

const COMMON_HELP = `  --db PATH            database file (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default: auto, better-sqlite3 if installed)
  -h, --help           show this help`;

const USAGE = `prismq: durable SQLite task queue

Usage:
  prismq init      [--db PATH]                       create or migrate the database
  prismq enqueue   TYPE [PAYLOAD_JSON] [options]     add a task, print its id
  prismq list      [--status S] [--type T] [--json]  list tasks
  prismq stats     [--json]                          task counts by status
  prismq demo      [--tasks N] [--workers N] [--concurrency N]
                                                     run workers on a mixed batch, with progress

Common options:
${COMMON_HELP}
  --version            print the version

Run 'prismq COMMAND --help' for a command's options.`;

const COMMAND_HELP: Readonly<Record<string, string>> = {
  init: `Usage: prismq init [--db PATH]

Creates the database file (and its folder) if needed, brings its schema up to date, and prints
the path and schema version.

Options:
${COMMON_HELP}`,
  enqueue: `Usage: prismq enqueue TYPE [PAYLOAD_JSON] [options]

Adds one task of type TYPE with a JSON payload (default {}) and prints its id.

Options:
  --priority N         lower runs first (default 100)
  --delay-ms N         not runnable for N ms
  --max-attempts N     executions allowed, including the first (default 5)
  --key KEY            idempotency key: a second enqueue with it returns the first task's id
${COMMON_HELP}

Example:
  prismq enqueue email '{"to":"a@example.com"}' --priority 10 --max-attempts 3`,
  list: `Usage: prismq list [options]

Lists tasks by id as a table, or as JSON.

Options:
  --status S           only tasks in status S (comma-separated for several): ${TASK_STATUSES.join(", ")}
  --type T             only tasks of type T
  --limit N            at most N tasks (default 50)
  --offset N           skip the first N matches (default 0)
  --order asc|desc     by id, oldest or newest first (default asc)
  --json               print JSON instead of a table
${COMMON_HELP}`,
  stats: `Usage: prismq stats [--json]

Prints task counts by status and the total.

Options:
  --json               print JSON instead of a table
${COMMON_HELP}`,
  demo: `Usage: prismq demo [options]

Enqueues a mixed batch in one transaction (varied priorities, delayed tasks, a type that fails
once then succeeds, and a type that always fails and ends 'failed' after 3 attempts), runs
several workers with different claim strategies on the same database until every task of this
run has finished, and prints the counts, throughput and database path. Exits 0 only if every
task ended as expected. Safe on a database that already holds tasks: this run's tasks are tagged.

Options:
  --tasks N            tasks to enqueue (default 200)
  --workers N          QueueWorker instances (default 4)
  --concurrency N      handlers each worker runs at once (default 4)
${COMMON_HELP}`,
};

/** Option specs every command accepts, in `parseArgs` form. */
const COMMON_OPTIONS = {
  db: { type: "string" },
  driver: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type OptionSpec = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly short?: string }>>;
type ParsedValues = Record<string, string | boolean | undefined>;

/** Parses one command's arguments strictly, turning parseArgs' errors into one-line usage errors. */
function parseCommandArgs(
  command: string,
  args: readonly string[],
  options: OptionSpec,
): { values: ParsedValues; positionals: string[] } {
  try {
    const r = parseArgs({
      args: [...args],
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: r.values as ParsedValues, positionals: r.positionals };
  } catch (e) {
    // parseArgs spreads some messages (e.g. a value starting with '-') over lines; keep one line.
    const message = String((e as Error).message).split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
    throw new UsageError(message === "" ? `bad arguments for ${command}` : message);
  }
}

/** Reads an integer option, refusing anything that is not a plain integer within bounds. */
function intOption(
  values: ParsedValues,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^-?\d+$/.test(raw.trim())) {
    throw new UsageError(`--${name} expects an integer, got '${String(raw)}'`);
  }
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return n;
}

/** Reads an optional string option. */
function strOption(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** Refuses extra positional arguments, which would otherwise be silently ignored. */
function noExtraPositionals(command: string, positionals: readonly string[], allowed: number): void {
  if (positionals.length > allowed) {
    throw new UsageError(`unexpected argument '${positionals[allowed]}' (see 'prismq ${command} --help')`);
  }
}

// ---------------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------------

/** Writes one line to stdout; all normal output goes through here. */
function out(line = ""): void {
  if (process.stdout.writable) process.stdout.write(`${line}\n`);
}

/**
 * Keeps `prismq list | head` from crashing: once the reader has gone, further output is dropped
 * and the command still finishes normally (closing the database).
 */
function ignoreClosedStdout(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
    throw e;
  });
}

/** Writes one line to stderr, for errors and diagnostics. */
function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Formats rows as a left-aligned text table with a header, for `list` and `stats`. */
function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAlign: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** Epoch ms as compact UTC text, for table cells. */
function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Shortens text to one table-friendly line. */
function oneLine(text: string | null, max: number): string {
  if (text === null) return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The display form of a database path: absolute, so users can find the file. */
function displayPath(path: string): string {
  return path === ":memory:" || path === "" ? ":memory:" : resolve(path);
}

// ---------------------------------------------------------------------------------------------
// Database access
// ---------------------------------------------------------------------------------------------

/** Opens the database named by `--db`/`--driver` (or the defaults), validating the driver name. */
async function openDb(values: ParsedValues): Promise<{ db: QueueDatabase; path: string }> {
  const driver = strOption(values, "driver") ?? "auto";
  if (!(DRIVER_NAMES as readonly string[]).includes(driver)) {
    throw new UsageError(`--driver must be one of ${DRIVER_NAMES.join(", ")}, got '${driver}'`);
  }
  const path = resolveDbPath(strOption(values, "db"));
  const db = await openQueueDatabase({ path, driver: driver as NodeDriverName });
  return { db, path: displayPath(path) };
}

/** Runs `fn` on an open database and always closes it, so the process can exit promptly. */
async function withDb<T>(values: ParsedValues, fn: (db: QueueDatabase, path: string) => Promise<T>): Promise<T> {
  const { db, path } = await openDb(values);
  try {
    return await fn(db, path);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Commands: init, enqueue, list, stats
// ---------------------------------------------------------------------------------------------

/** `prismq init`: creates or migrates the file, so a deployment can prepare it ahead of time. */
async function cmdInit(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("init", args, {});
  noExtraPositionals("init", positionals, 0);
  return withDb(values, async (db, path) => {
    out(`database:       ${path}`);
    out(`schema version: ${await db.schemaVersion()}`);
    out(`driver:         ${db.driver.name}`);
    return 0;
  });
}

/** `prismq enqueue`: adds one task from the shell (scripts, cron jobs, manual testing). */
async function cmdEnqueue(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("enqueue", args, {
    priority: { type: "string" },
    "delay-ms": { type: "string" },
    "max-attempts": { type: "string" },
    key: { type: "string" },
  });
  const [type, payloadText] = positionals;
  if (type === undefined || type === "") throw new UsageError("missing TYPE (usage: prismq enqueue TYPE [PAYLOAD_JSON] [options])");
  noExtraPositionals("enqueue", positionals, 2);
  let payload: unknown = {};
  if (payloadText !== undefined) {
    try {
      payload = JSON.parse(payloadText);
    } catch (e) {
      throw new UsageError(`PAYLOAD_JSON is not valid JSON (${(e as Error).message.split("\n")[0]})`);
    }
  }
  const options = {
    priority: intOption(values, "priority", undefined, -2_147_483_648, 2_147_483_647),
    delayMs: intOption(values, "delay-ms", undefined, 0, 2 ** 31 - 1),
    maxAttempts: intOption(values, "max-attempts", undefined, 1, 1_000_000),
    idempotencyKey: strOption(values, "key"),
  };
  return withDb(values, async (db) => {
    const id = await new QueueClient(db).enqueue(type, payload, options);
    out(String(id));
    return 0;
  });
}

/** Parses `--status`, which may list several statuses separated by commas. */
function parseStatuses(raw: string | undefined): TaskStatus[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of list) {
    if (!(TASK_STATUSES as readonly string[]).includes(s)) {
      throw new UsageError(`--status must be one of ${TASK_STATUSES.join(", ")}, got '${s}'`);
    }
  }
  return list.length === 0 ? undefined : (list as TaskStatus[]);
}

/** `prismq list`: shows tasks as a table or JSON, to see what is queued, failing and why. */
async function cmdList(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("list", args, {
    status: { type: "string" },
    type: { type: "string" },
    limit: { type: "string" },
    offset: { type: "string" },
    order: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("list", positionals, 0);
  const order = strOption(values, "order") ?? "asc";
  if (order !== "asc" && order !== "desc") throw new UsageError(`--order must be asc or desc, got '${order}'`);
  const listOptions = {
    status: parseStatuses(strOption(values, "status")),
    type: strOption(values, "type"),
    limit: intOption(values, "limit", 50, 1, 100_000),
    offset: intOption(values, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
    order: order as "asc" | "desc",
  };
  return withDb(values, async (db) => {
    const tasks = await new QueueClient(db).listTasks(listOptions);
    if (values["json"] === true) {
      out(JSON.stringify(tasks, null, 2));
      return 0;
    }
    if (tasks.length === 0) {
      out("(no tasks)");
      return 0;
    }
    const rows = tasks.map((t: Task) => [
      String(t.id),
      oneLine(t.type, 40),
      t.status,
      String(t.priority),
      `${t.attempts}/${t.maxAttempts}`,
      formatTime(t.runAfter),
      oneLine(t.errorMessage, 60),
    ]);
    for (const line of formatTable(
      ["id", "type", "status", "priority", "attempts/max", "run_after (UTC)", "error"],
      rows,
      new Set([0, 3, 4]),
    )) {
      out(line);
    }
    return 0;
  });
}

/** `prismq stats`: counts by status, the quickest health check of a queue. */
async function cmdStats(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("stats", args, { json: { type: "boolean" } });
  noExtraPositionals("stats", positionals, 0);
  return withDb(values, async (db, path) => {
    const stats = await new QueueClient(db).stats();
    if (values["json"] === true) {
      out(JSON.stringify(stats));
      return 0;
    }
    const rows = [...TASK_STATUSES, "total" as const].map((s) => [s, String(stats[s])]);
    for (const line of formatTable(["status", "tasks"], rows, new Set([1]))) out(line);
    out(`database: ${path}`);
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

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
async function cmdDemo(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("demo", args, {
    tasks: { type: "string" },
    workers: { type: "string" },
    concurrency: { type: "string" },
  });
  noExtraPositionals("demo", positionals, 0);
  const taskCount = intOption(values, "tasks", 200, 1, 100_000)!;
  const workerCount = intOption(values, "workers", 4, 1, 256)!;
  const concurrency = intOption(values, "concurrency", 4, 1, 10_000)!;

  return withDb(values, async (db, path) => {
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
      if (e.type === "error") workerErrors.push(`${e.phase}: ${e.error instanceof Error ? e.error.message : String(e.error)}`);
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

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/** The package version, read from package.json next to `cli/` or `dist/`. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const COMMANDS: Readonly<Record<string, (args: readonly string[]) => Promise<number>>> = {
  init: cmdInit,
  enqueue: cmdEnqueue,
  list: cmdList,
  stats: cmdStats,
  demo: cmdDemo,
};

/** Dispatches a command line and maps every failure to a one-line message and an exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      err(USAGE);
      return 2;
    }
    if (command === "--help" || command === "-h") {
      out(USAGE);
      return 0;
    }
    if (command === "help") {
      const topic = rest[0];
      out(topic !== undefined && COMMAND_HELP[topic] !== undefined ? COMMAND_HELP[topic] : USAGE);
      return 0;
    }
    if (command === "--version" || command === "-v") {
      out(version());
      return 0;
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (run === undefined) {
      err(`prismq: unknown command '${command}'`);
      err("");
      err(USAGE);
      return 2;
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      out(COMMAND_HELP[command] ?? USAGE);
      return 0;
    }
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`prismq ${command}: ${e.message}`);
      return 2;
    }
    if (isQueueError(e, "VALIDATION")) {
      err(`prismq ${command ?? ""}: ${e.message}`);
      return 2;
    }
    if (isQueueError(e)) {
      err(`prismq ${command ?? ""}: ${e.message}`);
      return 1;
    }
    err(`prismq ${command ?? ""}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

ignoreClosedStdout();
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now, so the process should end on its own; this unref'd timer only
// makes sure a stray handle can never keep a finished CLI alive.
setTimeout(() => process.exit(code), 2_000).unref();
