/**
 * `prismq`: the command-line face of the queue. Create a database, enqueue and inspect tasks,
 * export metrics, take and restore backups, run maintenance, run a worker process from a config
 * file and a handlers module, and run `prismq demo`, which shows producers, several workers with
 * different claim strategies, retries with backoff and a progress bar on one SQLite file.
 *
 * Run from a checkout with `node cli/prismq.ts …` (Node 22 type stripping), or as the `prismq`
 * bin bundled to `dist/cli.js`. Exit codes: 0 success, 1 failure (runtime or database error, a
 * check that found problems, or a demo whose tasks did not end as expected), 2 bad usage or bad
 * input, 3 a worker whose graceful shutdown timed out, 130 interrupted demo.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  createQueueBackup,
  createQueueMaintenance,
  type NodeDriverName,
  openQueueDatabase,
  resolveDbPath,
} from "../adapters/node/index.ts";
import { configFormatOf, parseWorkerConfig, type WorkerConfig } from "../src/config/worker-config.ts";
import {
  type AppLogger,
  BackupTargetExistsError,
  type BackupVerification,
  CHECKPOINT_MODES,
  type CheckpointMode,
  CLAIM_STRATEGIES,
  defaultDbPath,
  type EnqueueOptions,
  isQueueError,
  QueueClient,
  type QueueDatabase,
  RestoreInProgressError,
  SQLITE_SCHEMA_VERSION,
  type QueueHealthSummary,
  QueueMetrics,
  type QueueStats,
  QueueWorker,
  type Task,
  type TaskContext,
  type TaskHandler,
  TASK_STATUSES,
  type TaskStatus,
  WorkerHeartbeat,
  type WorkerEvent,
  type WorkerRunStats,
} from "../src/index.ts";

// ---------------------------------------------------------------------------------------------
// Usage and argument parsing
// ---------------------------------------------------------------------------------------------

/** Bad command line or bad input: reported as one line on stderr, exit code 2. */
class UsageError extends Error {
  override name = "UsageError";
}

const DRIVER_NAMES: readonly NodeDriverName[] = ["auto", "better-sqlite3", "node-sqlite"];

/** Default of `--load-timeout-ms` / `$PRISMQ_HANDLERS_LOAD_TIMEOUT_MS`. */
const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

/** The exit codes of the commands that only read the database. */
const READ_ONLY_EXIT_CODES = `Exit codes: 0 done, 1 runtime or database failure, 2 bad usage (an empty or ':memory:'
--db included), no database at --db (nothing is created), or a file that is not a queue
database this version can read (another application's SQLite file, which is left untouched; a
schema newer than this version's, or an older one: migrate it with 'prismq init').`;

const COMMON_HELP = `  --db PATH            database file (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default: auto, better-sqlite3 if installed)
  -h, --help           show this help`;

const USAGE = `prismq: durable SQLite task queue

Usage:
  prismq init      [--db PATH]                       create or migrate the database
  prismq enqueue   TYPE [PAYLOAD_JSON] [options]     add a task, print its id
  prismq list      [--status S] [--type T] [--json]  list tasks
  prismq stats     [--json]                          task counts by status and health
  prismq metrics   [--format prometheus|json]        Prometheus text or the health summary
  prismq backup    [--dir D] [--name N] [--keep N]  back up and verify; --list to list backups
  prismq restore   BACKUP_PATH [--force]             verify a backup and restore it to --db
  prismq maintenance OP [options]                    checkpoint, analyze, vacuum, integrity,
                                                     cleanup-leases, stats, optimize, purge, pragmas
  prismq worker    --config FILE --handlers MODULE   run a worker process until SIGINT/SIGTERM
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

Reads the database without changing it (opened read-only; nothing is created or migrated).

Options:
  --status S           only tasks in status S (comma-separated for several): ${TASK_STATUSES.join(", ")}
  --type T             only tasks of type T
  --limit N            at most N tasks (default 50)
  --offset N           skip the first N matches (default 0)
  --order asc|desc     by id, oldest or newest first (default asc)
  --json               print JSON instead of a table
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`,
  stats: `Usage: prismq stats [--json]

Prints task counts by status and the total, and the queue's health verdict (healthy, degraded
or unhealthy, with the reasons). The JSON form has one key per status, "total", and "health":
the full health summary of 'prismq metrics --format json'.

The database is opened read-only: nothing is created or migrated.

Options:
  --json               print JSON instead of a table
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`,
  metrics: `Usage: prismq metrics [--format prometheus|json]

Prints the queue's metrics: in the Prometheus text exposition format (default; task counts by
status and type, processing-time quantiles over 24 h, workers by heartbeat state, age of the
oldest runnable task), or as JSON, the health summary (verdict and reasons, depth by status,
24 h success/failure rates, 1 h throughput, worker counts). For a node_exporter textfile
collector, write a temporary file and rename it, so the collector never reads half a file:
  prismq metrics > prismq.prom.tmp && mv prismq.prom.tmp /var/lib/node_exporter/prismq.prom

The database is opened read-only: nothing is created or migrated.

Options:
  --format F           prometheus (default) or json
  --json               same as --format json
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`,
  backup: `Usage: prismq backup [--dir DIR] [--name NAME] [--keep N] [--json]
       prismq backup --list [--dir DIR] [--json]

Writes a consistent snapshot of the database (VACUUM INTO, safe while workers run) to
DIR/queue-NAME-<UTC time>.db, verifies it (integrity check, schema version, task table) and
prints its path, size and verification. With --keep N, then deletes all but the N newest
backups in DIR (only files named like this command's backups) and prints what it removed; a
backup that fails verification exits 1 and removes nothing. --list prints the backups in DIR,
newest first, without opening the database. The database is opened read-only (a read-only
file can be backed up); nothing is created, migrated or changed.

Options:
  --dir DIR            backup folder (default: a 'backups' folder next to the database)
  --name NAME          label in the file name: letters, digits, '_' and '-' (default: backup)
  --keep N             afterwards keep only the N newest backups in DIR (N >= 1), whatever
                       their NAME: give differently rotated backups (daily, weekly) their own DIR
  --list               list the backups in DIR instead of taking one
  --json               print JSON
${COMMON_HELP}

Exit codes: 0 backup taken and verified, 1 backup or verification failed, 2 bad usage, no
database file at --db, or a file that is not a queue database (another application's SQLite
file, or a schema newer than this version's).`,
  restore: `Usage: prismq restore BACKUP_PATH [--db TARGET] [--force] [--json]

Verifies the backup, then restores it to the database file TARGET (--db, default below). One
restore per TARGET at a time: it holds the lock file TARGET.restore-lock (created exclusively)
while it runs, and a second restore is refused with exit code 4. The backup is copied to a
temporary file of a unique name next to TARGET and verified again; only then is the old
database moved aside with its -wal, -shm and -journal files, the new file renamed into place,
and the old files deleted. Whatever fails, the old database is put back as it was. Stop every
worker and close every other connection to TARGET first: a process that still has it open
would go on writing to the replaced file. This command opens nothing on TARGET.

An existing database at TARGET (or its -wal, -shm or -journal file) is replaced only with
--force, which also deletes those side files. Without it the restore is refused with exit code 2:
the command line is missing its permission, nothing was written, and the same command with
--force does the job.

Options:
  --force              replace an existing database at TARGET
  --json               print JSON
${COMMON_HELP}

Exit codes: 0 restored, 1 the backup failed verification or the restore failed (TARGET is left
as it was), 2 bad usage: no file at BACKUP_PATH, TARGET exists and --force was not given, or an
empty or ':memory:' --db, 4 another restore of TARGET is running (TARGET.restore-lock exists):
nothing was done; if no restore is running (one crashed), delete that lock file.`,
  maintenance: `Usage: prismq maintenance OP [options]

Runs one maintenance operation on an existing queue database and prints what it did. integrity,
stats and pragmas open it read-only (nothing is created, migrated or changed); the others open
it for writing. None of them creates a database: a missing file, or one that is not a queue
database, is refused with exit code 2.

Operations:
  checkpoint [--mode M]     copy the WAL into the database file; M is PASSIVE (default), FULL,
                            RESTART or TRUNCATE (TRUNCATE also shrinks the -wal file to 0 bytes);
                            exits 1 if other connections kept it from finishing (busy)
  analyze                   refresh the query planner's statistics
  vacuum                    rebuild the file without its free pages; blocks every writer
                            (workers included) until it ends and needs up to twice the file's
                            size in free disk: run it in a quiet period
  integrity                 PRAGMA integrity_check; exits 1 unless it says 'ok'
  cleanup-leases --timeout-ms N
                            put back every 'processing' task whose lease ran out or whose
                            worker's last heartbeat is more than N ms old ('failed' if its
                            attempts are spent); a live worker's renewed lease is never taken
  stats                     file size, WAL size, free pages, rows by status, logs and workers
  optimize [--full]         ANALYZE and PRAGMA optimize; --full also VACUUMs (see vacuum)
  purge --older-than-ms N   delete 'completed' tasks that finished more than N ms ago, with
                            their logs (failed and dead-lettered tasks are kept)
  pragmas                   compare journal_mode, busy_timeout, synchronous and foreign_keys
                            with the queue's defaults; prints one warning per difference and
                            exits 1 if there is any. busy_timeout, synchronous and foreign_keys
                            are per connection and set by this command's own connection, so
                            in practice this checks journal_mode (stored in the file)

Options:
  --json                    print JSON
${COMMON_HELP}

Exit codes: 0 done, 1 the operation failed or found a problem (integrity, pragmas, busy
checkpoint), 2 bad usage (unknown OP, an option OP does not take, a missing or bad number, an
empty or ':memory:' --db), no database at --db, or a file that is not a queue database.`,
  worker: `Usage: prismq worker --config FILE --handlers MODULE [--db PATH] [--driver NAME] [--quiet]

Runs one worker process: claims tasks of the handled types from the database, runs their
handlers, records the outcomes, and keeps a heartbeat row in the 'workers' table, until
SIGINT or SIGTERM.

Options:
  --config FILE        worker config in JSON, YAML or TOML, by extension (.json, .yaml, .yml,
                       .toml): workerId, strategy, concurrency, batchSize, leaseMs,
                       renewIntervalMs, pollIntervalMs, heartbeatIntervalMs, staleAfterMs,
                       capabilities, taskTypes, backoff, crashPolicy, shutdownTimeoutMs,
                       timeoutMs, taskTimeouts (handler timeouts, all types / per type),
                       database { path, driver, pragmas, busyRetries }. PRISMQ_* environment
                       variables override its keys (PRISMQ_CONCURRENCY, PRISMQ_WORKER_ID,
                       PRISMQ_TASK_TYPES=a,b, PRISMQ_PRAGMA_<NAME>, ...)
  --handlers MODULE    path (relative to the current folder) of an ES module whose named export
                       'handlers', or else its default export, maps task types to functions
                       (payload, { task, signal, workerId }) => Promise; resolving completes
                       the task, throwing retries or fails it
  --db PATH            database file. Precedence: --db, then $PRISMQ_QUEUE_DB_PATH, then
                       database.path in the config, then ${defaultDbPath({}, process.platform)}
  --driver NAME        auto | better-sqlite3 | node-sqlite; overrides database.driver
                       (and $PRISMQ_DB_DRIVER)
  --quiet              no per-task lines (claims, completions) and no start-up line; retries,
                       failures and worker errors are still logged
  --load-timeout-ms N  how long the handlers module may take to load (its top-level code and
                       imports) before the worker gives up with exit 2 (default:
                       $PRISMQ_HANDLERS_LOAD_TIMEOUT_MS, else ${DEFAULT_LOAD_TIMEOUT_MS})
  -h, --help           show this help

If the config lists taskTypes, only those types are registered, and each must be in MODULE;
otherwise every handler of MODULE is. Relative paths (MODULE, --db, database.path) are resolved
against the current folder. Before MODULE is loaded, PRISMQ_QUEUE_DB_PATH is set to the
(absolute) path of the database the worker opens, so handlers can find it.

Output: once the worker is registered and claiming, one line on stdout, for a supervisor or a
parent process to wait for:
  prismq worker <id> ready (pid <N>)
Everything else goes to stderr: a start-up line with the settings, one line per event
(time, level, message, key=value fields), and at exit the worker's totals:
  prismq worker <id> stopped: claimed N, completed N, retried N, failed N, ...; database busyRetries=N calls=N

Shutdown: on SIGINT or SIGTERM the worker claims nothing new, waits for running handlers to
finish and record their outcome, removes its 'workers' row and exits 0. Handlers are not
aborted: a graceful stop lets them finish. The wait is bounded by shutdownTimeoutMs (config,
default 30000). If handlers are still running when it runs out, or on a second signal, the
worker closes the database and exits 3 at once: the tasks it was running stay 'processing'
until their lease (leaseMs) expires, or another worker sees this one stale (staleAfterMs, its
'workers' row is left for that), and are then claimed again, the abandoned run counting as an
attempt (a task whose attempts are spent ends 'failed'). Handlers should therefore be idempotent.

SIGINT or SIGTERM during start-up, while the handlers module is still loading included, end
the process at once with exit code 0: nothing was claimed.

Exit codes:
  0  stopped gracefully after SIGINT or SIGTERM (also during start-up: nothing was claimed)
  1  runtime or database failure at start (the database cannot be opened, migrated or written)
  2  bad usage (an empty or ':memory:' database path included), a bad config file (the message
     names the file, the key and what was expected), or a bad handlers module (missing, throwing
     or failing to load, whatever it throws; not loaded within the load timeout; no handlers; a
     taskTypes entry missing)
  3  shutdown timed out, or a second signal: running tasks were left to their leases`,
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

/**
 * Refuses a database path that would silently mean a throw-away in-memory database (an empty
 * one comes from an unset shell variable): tasks enqueued there would be lost at exit.
 */
function checkFilePath(path: string, source: string): string {
  if (path.trim() === "") {
    throw new UsageError(`${source} is empty: name a database file (an empty path would open a throw-away in-memory database)`);
  }
  if (path === ":memory:") {
    throw new UsageError(`${source} is ':memory:': name a database file (an in-memory database is lost when the command ends)`);
  }
  return path;
}

/**
 * The absolute database path of a command: `--db`, else `$PRISMQ_QUEUE_DB_PATH` (when set, even
 * to nothing), else `fallback` (a worker config's database.path), else the platform default.
 * Never empty or in-memory (exit 2).
 */
function dbPathOf(values: ParsedValues, fallback?: string): string {
  const flag = strOption(values, "db");
  if (flag !== undefined) return resolve(checkFilePath(flag, "--db"));
  const env = process.env["PRISMQ_QUEUE_DB_PATH"];
  if (env !== undefined) return resolve(checkFilePath(env, "$PRISMQ_QUEUE_DB_PATH"));
  if (fallback !== undefined) return resolve(checkFilePath(fallback, "database.path of the config"));
  return resolve(defaultDbPath({}, process.platform));
}

// ---------------------------------------------------------------------------------------------
// Database access
// ---------------------------------------------------------------------------------------------


/** Validates `--driver` and returns it. */
function driverOption(values: ParsedValues, fallback: NodeDriverName = "auto"): NodeDriverName {
  const driver = strOption(values, "driver") ?? fallback;
  if (!(DRIVER_NAMES as readonly string[]).includes(driver)) {
    throw new UsageError(`--driver must be one of ${DRIVER_NAMES.join(", ")}, got '${driver}'`);
  }
  return driver as NodeDriverName;
}

/**
 * How a command opens its database: `create` creates or migrates it (init, enqueue, demo);
 * `read` opens an existing queue database read-only, creating and migrating nothing (list,
 * stats, metrics; `read-any-version` also takes an older schema: backup, integrity, stats, pragmas);
 * `existing` opens an existing queue database read-write (maintenance that writes), so a typo'd
 * path or another application's file is refused rather than turned into a queue.
 */
type OpenMode = "create" | "read" | "read-any-version" | "existing";

/**
 * Opens an existing queue database read-only. A missing file, another application's SQLite file
 * or a schema this version cannot read is a usage error (exit 2): the wrong --db was given.
 */
async function openReadOnly(path: string, driver: NodeDriverName, anyVersion: boolean): Promise<QueueDatabase> {
  if (!existsSync(path)) throw new UsageError(`no database at ${path} (create one with 'prismq init --db ${path}')`);
  let db: QueueDatabase;
  try {
    db = await openQueueDatabase({ path, driver, readOnly: true });
  } catch (e) {
    if (isQueueError(e, "SCHEMA_ERROR")) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
  const version = await db.schemaVersion();
  if (!anyVersion && version < SQLITE_SCHEMA_VERSION) {
    await db.close();
    throw new UsageError(
      `${path} has queue schema version ${version}, older than this version's ${SQLITE_SCHEMA_VERSION}: ` +
        `migrate it first with 'prismq init --db ${path}' (stop its workers before)`,
    );
  }
  return db;
}

/** Opens the database named by `--db`/`--driver` (or the defaults) as `mode` says. */
async function openDb(values: ParsedValues, mode: OpenMode): Promise<{ db: QueueDatabase; path: string }> {
  const driver = driverOption(values);
  const path = dbPathOf(values);
  if (mode === "read" || mode === "read-any-version") {
    return { db: await openReadOnly(path, driver, mode === "read-any-version"), path };
  }
  // Prove it is a queue database (of a version this one reads) before opening it for writing.
  if (mode === "existing") await (await openReadOnly(path, driver, true)).close();
  return { db: await openQueueDatabase({ path, driver }), path };
}

/** Runs `fn` on an open database and always closes it, so the process can exit promptly. */
async function withDb<T>(
  values: ParsedValues,
  mode: OpenMode,
  fn: (db: QueueDatabase, path: string) => Promise<T>,
): Promise<T> {
  const { db, path } = await openDb(values, mode);
  try {
    return await fn(db, path);
  } finally {
    await db.close();
  }
}

/**
 * Runs `fn` on a scratch in-memory database, for backup operations that must not open the
 * queue's own file (listing backups, restoring over it): `QueueBackup` needs a database object,
 * but only its file-system and opener parts are used then.
 */
async function withScratchDb<T>(values: ParsedValues, fn: (db: QueueDatabase) => Promise<T>): Promise<T> {
  const db = await openQueueDatabase({ path: ":memory:", driver: driverOption(values) });
  try {
    return await fn(db);
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
  return withDb(values, "create", async (db, path) => {
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
  return withDb(values, "create", async (db) => {
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
  return withDb(values, "read", async (db) => {
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
  return withDb(values, "read", async (db, path) => {
    const stats = await new QueueClient(db).stats();
    const health = await new QueueMetrics(db).getQueueHealthSummary();
    if (values["json"] === true) {
      // The counts stay top-level keys (scripts read them); the health summary is added beside them.
      out(JSON.stringify({ ...stats, health }));
      return 0;
    }
    const rows = [...TASK_STATUSES, "total" as const].map((s) => [s, String(stats[s])]);
    for (const line of formatTable(["status", "tasks"], rows, new Set([1]))) out(line);
    out(`health:   ${healthLine(health)}`);
    out(`database: ${path}`);
    return 0;
  });
}

/** The health verdict and its reasons on one line, e.g. `degraded (2 stale workers)`. */
function healthLine(health: QueueHealthSummary): string {
  return health.reasons.length === 0 ? health.status : `${health.status} (${health.reasons.join("; ")})`;
}

// ---------------------------------------------------------------------------------------------
// Commands: metrics, backup, restore, maintenance
// ---------------------------------------------------------------------------------------------

/** `prismq metrics`: Prometheus text for a scrape or textfile collector, or the health summary as JSON. */
async function cmdMetrics(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("metrics", args, {
    format: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("metrics", positionals, 0);
  const format = strOption(values, "format") ?? (values["json"] === true ? "json" : "prometheus");
  if (format !== "prometheus" && format !== "json") {
    throw new UsageError(`--format must be prometheus or json, got '${format}'`);
  }
  if (values["json"] === true && format !== "json") throw new UsageError("--json conflicts with --format prometheus");
  return withDb(values, "read", async (db) => {
    const metrics = new QueueMetrics(db);
    if (format === "json") {
      out(JSON.stringify(await metrics.getQueueHealthSummary(), null, 2));
    } else {
      // The exposition already ends with a newline; out() adds the line's own.
      out((await metrics.toPrometheus()).replace(/\n$/, ""));
    }
    return 0;
  });
}

/** A verification as one line: `ok (integrity ok, schema 3, 12 tasks)` or `FAILED (reason)`. */
function verificationLine(v: BackupVerification): string {
  return v.ok
    ? `ok (integrity ok, schema ${String(v.schemaVersion)}, ${String(v.tasks)} tasks)`
    : `FAILED (${v.reason ?? v.problem ?? "verification failed"})`;
}

/** `prismq backup`: an online, verified backup with optional rotation, or the list of backups. */
async function cmdBackup(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("backup", args, {
    dir: { type: "string" },
    name: { type: "string" },
    keep: { type: "string" },
    list: { type: "boolean" },
    json: { type: "boolean" },
  });
  noExtraPositionals("backup", positionals, 0);
  const json = values["json"] === true;
  const keep = intOption(values, "keep", undefined, 1, 1_000_000);
  const dbPath = dbPathOf(values);
  const dir = resolve(strOption(values, "dir") ?? join(dirname(dbPath), "backups"));
  const driver = driverOption(values);

  if (values["list"] === true) {
    for (const option of ["name", "keep"]) {
      if (values[option] !== undefined) throw new UsageError(`--list cannot be combined with --${option}`);
    }
    return withScratchDb(values, async (scratch) => {
      const backups = await createQueueBackup(scratch, { dir, driver }).listBackups();
      if (json) {
        out(JSON.stringify(backups, null, 2));
        return 0;
      }
      if (backups.length === 0) {
        out(`(no backups in ${dir})`);
        return 0;
      }
      const rows = backups.map((b) => [formatTime(b.createdAt), b.label, String(b.size), b.path]);
      for (const line of formatTable(["created (UTC)", "name", "bytes", "path"], rows, new Set([2]))) out(line);
      return 0;
    });
  }

  // Read-only: a backup never creates, migrates or changes the database (VACUUM INTO only reads).
  return withDb(values, "read-any-version", async (db) => {
    const backup = createQueueBackup(db, { dir, driver });
    const info = await backup.createBackup({ name: strOption(values, "name") });
    const verification = await backup.verifyBackup(info.path);
    // Never rotate good backups away because of a new one that failed verification.
    const removed = verification.ok && keep !== undefined ? await backup.cleanupOldBackups(keep) : [];
    if (json) {
      out(JSON.stringify({ backup: info, verification, removed }, null, 2));
    } else {
      out(`backup:   ${info.path}`);
      out(`size:     ${info.size} bytes`);
      out(`verified: ${verificationLine(verification)}`);
      if (keep !== undefined && verification.ok) {
        out(`removed:  ${removed.length === 0 ? `none (${keep} newest kept)` : `${removed.length} old backup(s), ${keep} newest kept`}`);
        for (const path of removed) out(`  ${path}`);
      }
    }
    if (!verification.ok) {
      err(`prismq backup: backup ${info.path} failed verification: ${verification.reason ?? verification.problem ?? "unknown"}`);
      return 1;
    }
    return 0;
  });
}

/**
 * `prismq restore`: verifies a backup and restores it over `--db`. Opens nothing on the target
 * (the library needs it closed), so the `QueueBackup` sits on a scratch in-memory database.
 */
async function cmdRestore(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("restore", args, {
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  const [backupArg] = positionals;
  if (backupArg === undefined || backupArg === "") throw new UsageError("missing BACKUP_PATH (usage: prismq restore BACKUP_PATH [--db TARGET] [--force])");
  noExtraPositionals("restore", positionals, 1);
  const backupPath = resolve(backupArg);
  if (!existsSync(backupPath)) throw new UsageError(`no backup file at ${backupPath}`);
  const target = dbPathOf(values);
  const force = values["force"] === true;
  const json = values["json"] === true;
  return withScratchDb(values, async (scratch) => {
    const backup = createQueueBackup(scratch, { dir: dirname(backupPath), driver: driverOption(values) });
    const verification = await backup.verifyBackup(backupPath);
    if (!verification.ok) {
      err(`prismq restore: invalid backup ${backupPath}: ${verification.reason ?? verification.problem ?? "verification failed"}`);
      return 1;
    }
    let result;
    try {
      result = await backup.restoreBackup(backupPath, { targetPath: target, force });
    } catch (e) {
      // The library's wording names its `force` option; the CLI's is a flag.
      if (e instanceof BackupTargetExistsError) throw new UsageError(`restore target already exists: ${e.path}; pass --force to replace it`);
      if (e instanceof RestoreInProgressError) {
        err(`prismq restore: ${e.message}`);
        return RESTORE_IN_PROGRESS_EXIT;
      }
      throw e;
    }
    if (json) {
      out(JSON.stringify({ backup: backupPath, ...result }, null, 2));
    } else {
      out(`restored: ${result.path}`);
      out(`from:     ${backupPath}`);
      out(`replaced: ${result.replaced ? "yes (the previous database and its -wal/-shm files were replaced)" : "no (new file)"}`);
      out(`verified: ${verificationLine(result.verification)}`);
    }
    return 0;
  });
}

/** Exit code of a restore refused because another restore of the same target holds its lock. */
const RESTORE_IN_PROGRESS_EXIT = 4;

/** What one maintenance operation did: its exit code, its JSON form and its text lines. */
interface MaintenanceResult {
  readonly code: number;
  readonly json: unknown;
  readonly lines: readonly string[];
}

/** Options each maintenance operation takes besides `--json` and the common ones. */
const MAINTENANCE_OPS: Readonly<Record<string, OptionSpec>> = {
  checkpoint: { mode: { type: "string" } },
  analyze: {},
  vacuum: {},
  integrity: {},
  "cleanup-leases": { "timeout-ms": { type: "string" } },
  stats: {},
  optimize: { full: { type: "boolean" } },
  purge: { "older-than-ms": { type: "string" } },
  pragmas: {},
};

/** Maintenance operations that only read: they open the database read-only. */
const READ_ONLY_MAINTENANCE: ReadonlySet<string> = new Set(["integrity", "stats", "pragmas"]);

/** Reads an option every run of an operation needs, as a non-negative integer. */
function requiredMs(values: ParsedValues, name: string, op: string): number {
  if (values[name] === undefined) throw new UsageError(`${op} needs --${name} N`);
  return intOption(values, name, undefined, 0, Number.MAX_SAFE_INTEGER)!;
}

/** Bytes as a short human figure: `12.3 MB`, `512 B`. */
function formatBytes(bytes: number | null): string {
  if (bytes === null) return "unknown";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * `prismq maintenance OP`: the routine care of a queue file, one operation per run, for cron
 * jobs and operators. Parses twice: once to find OP wherever it stands, then with OP's own
 * options so one it does not take (`analyze --full`) is refused.
 */
async function cmdMaintenance(args: readonly string[]): Promise<number> {
  const allOptions: Record<string, OptionSpec[string]> = { json: { type: "boolean" } };
  for (const spec of Object.values(MAINTENANCE_OPS)) Object.assign(allOptions, spec);
  const first = parseCommandArgs("maintenance", args, allOptions);
  const op = first.positionals[0];
  if (op === undefined) {
    throw new UsageError(`missing OP: one of ${Object.keys(MAINTENANCE_OPS).join(", ")} (see 'prismq maintenance --help')`);
  }
  const spec = Object.hasOwn(MAINTENANCE_OPS, op) ? MAINTENANCE_OPS[op] : undefined;
  if (spec === undefined) {
    throw new UsageError(`unknown operation '${op}': expected one of ${Object.keys(MAINTENANCE_OPS).join(", ")}`);
  }
  for (const arg of args) {
    const name = arg.startsWith("--") ? arg.slice(2).split("=")[0]! : "";
    if (Object.hasOwn(allOptions, name) && !Object.hasOwn(spec, name) && name !== "json") {
      throw new UsageError(`${op} does not take --${name} (see 'prismq maintenance --help')`);
    }
  }
  const { values, positionals } = parseCommandArgs(`maintenance ${op}`, args, { json: { type: "boolean" }, ...spec });
  noExtraPositionals("maintenance", positionals, 1);

  // Check the operation's own options before opening (and maybe creating) the file.
  let mode: CheckpointMode = "PASSIVE";
  if (op === "checkpoint") {
    const raw = (strOption(values, "mode") ?? "PASSIVE").toUpperCase();
    if (!(CHECKPOINT_MODES as readonly string[]).includes(raw)) {
      throw new UsageError(`--mode must be one of ${CHECKPOINT_MODES.join(", ")}, got '${strOption(values, "mode")}'`);
    }
    mode = raw as CheckpointMode;
  }
  const timeoutMs = op === "cleanup-leases" ? requiredMs(values, "timeout-ms", op) : 0;
  const olderThanMs = op === "purge" ? requiredMs(values, "older-than-ms", op) : 0;

  const openMode: OpenMode = READ_ONLY_MAINTENANCE.has(op) ? "read-any-version" : "existing";
  return withDb(values, openMode, async (db, path) => {
    const maint = createQueueMaintenance(db, { path });
    const timed = async (fn: () => Promise<void>): Promise<number> => {
      const t0 = performance.now();
      await fn();
      return Math.round(performance.now() - t0);
    };
    let r: MaintenanceResult;
    switch (op) {
      case "checkpoint": {
        const c = await maint.checkpoint(mode);
        const wal = c.logFrames >= 0;
        r = {
          code: c.busy ? 1 : 0,
          json: { mode, ...c },
          lines: [
            `checkpoint ${mode}: ${wal ? `${c.checkpointedFrames} of ${c.logFrames} WAL frames copied` : "database is not in WAL mode"}`,
            ...(c.busy ? ["busy: other connections kept the checkpoint from finishing; run it again when they are idle"] : []),
          ],
        };
        break;
      }
      case "analyze": {
        const ms = await timed(() => maint.analyze());
        r = { code: 0, json: { durationMs: ms }, lines: [`analyze: done in ${ms} ms`] };
        break;
      }
      case "vacuum": {
        const before = await maint.getDatabaseStats();
        const ms = await timed(() => maint.vacuum());
        const after = await maint.getDatabaseStats();
        r = {
          code: 0,
          json: { durationMs: ms, sizeBeforeBytes: before.totalSizeBytes, sizeAfterBytes: after.totalSizeBytes },
          lines: [`vacuum: done in ${ms} ms; size ${formatBytes(before.totalSizeBytes)} -> ${formatBytes(after.totalSizeBytes)}`],
        };
        break;
      }
      case "integrity": {
        const lines = await maint.integrityCheck();
        const ok = lines.length === 1 && lines[0] === "ok";
        r = { code: ok ? 0 : 1, json: { ok, lines }, lines: ok ? ["integrity: ok"] : ["integrity: PROBLEMS", ...lines.map((l) => `  ${l}`)] };
        break;
      }
      case "cleanup-leases": {
        const released = await maint.cleanupStaleLeases({ timeoutMs });
        r = { code: 0, json: { released, timeoutMs }, lines: [`cleanup-leases: ${released} stale task(s) released (lease expired, or worker silent over ${timeoutMs} ms)`] };
        break;
      }
      case "stats": {
        const s = await maint.getDatabaseStats();
        const byStatus = Object.entries(s.tasksByStatus).map(([k, n]) => `${k} ${n}`).join(", ");
        r = {
          code: 0,
          json: s,
          lines: [
            `path:           ${s.path ?? ":memory:"}`,
            `journal mode:   ${s.journalMode}`,
            `schema version: ${s.schemaVersion}`,
            `size:           ${formatBytes(s.totalSizeBytes)} (${s.pageCount} pages of ${s.pageSize} bytes, ${s.freelistCount} free)`,
            `wal size:       ${formatBytes(s.walSizeBytes)}`,
            `tasks:          ${s.taskCount} (${byStatus})`,
            `task logs:      ${s.logCount}`,
            `workers:        ${s.workerCount}`,
          ],
        };
        break;
      }
      case "optimize": {
        const o = await maint.optimize({ full: values["full"] === true });
        const steps = o.operations.map((step) => `${step} ${String(o.durationsMs[step])} ms`).join(", ");
        r = { code: 0, json: o, lines: [`optimize: ${steps}; total ${o.totalMs} ms`] };
        break;
      }
      case "purge": {
        const deleted = await maint.purgeCompleted({ olderThanMs });
        r = { code: 0, json: { deleted, olderThanMs }, lines: [`purge: ${deleted} completed task(s) older than ${olderThanMs} ms deleted, with their logs`] };
        break;
      }
      case "pragmas": {
        const warnings = await maint.checkPragmas();
        r = {
          code: warnings.length === 0 ? 0 : 1,
          json: { ok: warnings.length === 0, warnings },
          lines: warnings.length === 0 ? ["pragmas: ok"] : warnings.map((w) => `warning: ${w}`),
        };
        break;
      }
      default:
        throw new UsageError(`unknown operation '${op}'`);
    }
    if (values["json"] === true) out(JSON.stringify(r.json, null, 2));
    else for (const line of r.lines) out(line);
    return r.code;
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

  return withDb(values, "create", async (db, path) => {
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
// The worker process
// ---------------------------------------------------------------------------------------------

/**
 * Set when a worker gives up on its graceful stop: its handlers are still running and may hold
 * timers or sockets, so the process is ended explicitly instead of waiting for them.
 */
let exitImmediately = false;

/**
 * A thrown value as text, whatever it is: an Error whose `message` getter throws, an object
 * with no prototype (no `toString`), one whose `toString` throws, a Proxy whose traps throw.
 * Printing an error must never itself throw.
 */
function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) {
      let message: unknown;
      try {
        message = e.message;
      } catch {
        message = undefined;
      }
      if (typeof message === "string" && message !== "") return message;
      let name: unknown;
      try {
        name = e.name;
      } catch {
        name = undefined;
      }
      return typeof name === "string" && name !== "" ? `${name} (no readable message)` : "Error (no readable message)";
    }
    if (typeof e === "string") return e;
    if (typeof e === "object" && e !== null) {
      try {
        const json = JSON.stringify(e);
        if (json !== undefined && json !== "{}") return `non-Error value ${json}`;
      } catch {
        // fall through to String()
      }
    }
    return `non-Error value ${String(e)}`;
  } catch {
    return `an unprintable ${e === null ? "null" : typeof e} value`;
  }
}

/** The first line of an error's message, for one-line diagnostics. */
function firstLine(e: unknown): string {
  const text = describeThrown(e);
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? text;
}

/**
 * Reads and validates a worker config file (format by extension), with the `PRISMQ_*`
 * environment overrides applied by the config module. An unreadable file is a usage error; the
 * config module's own errors are `QueueValidationError`s naming the file and key (exit 2 too).
 */
function loadWorkerConfig(file: string): WorkerConfig {
  const format = configFormatOf(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read config ${file}: ${code === "ENOENT" ? "no such file" : firstLine(e)}`);
  }
  return parseWorkerConfig(text, { format, source: file, env: process.env });
}

/**
 * Imports the handlers module (a path, resolved against the current folder) and returns the
 * handlers to register: its named export `handlers`, else its default export, narrowed to
 * `taskTypes` when the config lists them. Every problem is a usage error (exit 2).
 */
async function loadHandlers(spec: string, taskTypes: readonly string[] | undefined): Promise<Record<string, TaskHandler>> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new UsageError(`handlers module not found: ${path}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load handlers module ${path}: ${firstLine(e)}`);
  }
  const map = mod["handlers"] ?? mod["default"];
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new UsageError(
      `handlers module ${path} has no handlers: export a map of task type to async function as 'handlers' or as the default export`,
    );
  }
  const all: Record<string, TaskHandler> = {};
  for (const [type, fn] of Object.entries(map)) {
    if (typeof fn !== "function") throw new UsageError(`handlers module ${path}: handler '${type}' is not a function`);
    all[type] = fn as TaskHandler;
  }
  const available = Object.keys(all);
  if (available.length === 0) throw new UsageError(`handlers module ${path} exports no handlers`);
  if (taskTypes === undefined) return all;
  if (taskTypes.length === 0) throw new UsageError("the config's taskTypes is empty: list at least one type, or leave it out to run every handler");
  const missing = taskTypes.filter((t) => !Object.hasOwn(all, t));
  if (missing.length > 0) {
    throw new UsageError(
      `taskTypes lists ${missing.map((t) => `'${t}'`).join(", ")}, not exported by handlers module ${path} (it has ${available.join(", ")})`,
    );
  }
  return Object.fromEntries(taskTypes.map((t) => [t, all[t]!]));
}

/** A log field's value: bare when it is a plain word or number, JSON otherwise, so a line stays one line. */
function logValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (typeof value === "string") return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

/**
 * The worker's logger: one line per event on stderr, `<ISO time> <LEVEL> <message> key=value…`.
 * `quiet` drops debug and info (claims, completions) and keeps warnings and errors.
 */
function workerLogger(quiet: boolean): AppLogger {
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const parts = [new Date().toISOString(), level, message];
      for (const [k, v] of Object.entries(fields ?? {})) parts.push(`${k}=${logValue(v)}`);
      err(parts.join(" "));
    };
  const drop = (): void => {};
  return {
    debug: quiet ? drop : line("DEBUG"),
    info: quiet ? drop : line("INFO"),
    warn: line("WARN"),
    error: line("ERROR"),
  };
}

/**
 * The totals line printed when a worker process ends: the worker's counts, then its database
 * connection's busy retries and calls (`busyRetries=N calls=N`, for tests that measure contention).
 */
function workerStatsLine(workerId: string, s: WorkerRunStats, db: QueueDatabase): string {
  return (
    `prismq worker ${workerId} stopped: claimed ${s.claimed}, completed ${s.completed}, retried ${s.retried}, ` +
    `failed ${s.failed}, dead-lettered ${s.deadLettered}, lease lost ${s.leaseLost}, errors ${s.errors}; ` +
    `database busyRetries=${db.busyRetryCount} calls=${db.callCount}`
  );
}

/** SIGINT/SIGTERM as promises: the first asks for a graceful stop, the second gives up on it. */
interface ShutdownSignals {
  readonly first: Promise<NodeJS.Signals>;
  readonly second: Promise<NodeJS.Signals>;
  /** The first signal received so far, if any. */
  received(): NodeJS.Signals | null;
  /** Removes the listeners, so later signals get Node's default behaviour again. */
  dispose(): void;
}

/** Starts listening for SIGINT and SIGTERM (replacing Node's default of dying at once). */
function listenForShutdown(): ShutdownSignals {
  let got: NodeJS.Signals | null = null;
  let count = 0;
  let resolveFirst: (s: NodeJS.Signals) => void = () => {};
  let resolveSecond: (s: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((r) => (resolveFirst = r));
  const second = new Promise<NodeJS.Signals>((r) => (resolveSecond = r));
  const on = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      got = signal;
      resolveFirst(signal);
    } else {
      resolveSecond(signal);
    }
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    first,
    second,
    received: () => got,
    dispose: () => {
      process.removeListener("SIGINT", on);
      process.removeListener("SIGTERM", on);
    },
  };
}

/**
 * `prismq worker`: one worker process from a config file and a handlers module, for systemd,
 * containers and supervisors. Validates everything it can before opening the database, says
 * `ready` on stdout once registered and claiming, and stops gracefully on SIGINT/SIGTERM.
 */
async function cmdWorker(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("worker", args, {
    config: { type: "string" },
    handlers: { type: "string" },
    quiet: { type: "boolean" },
    "load-timeout-ms": { type: "string" },
  });
  noExtraPositionals("worker", positionals, 0);
  const configFile = strOption(values, "config");
  const handlersSpec = strOption(values, "handlers");
  if (configFile === undefined || configFile === "") throw new UsageError("missing --config FILE (see 'prismq worker --help')");
  if (handlersSpec === undefined || handlersSpec === "") throw new UsageError("missing --handlers MODULE (see 'prismq worker --help')");
  const quiet = values["quiet"] === true;
  const loadTimeoutMs = loadTimeoutOption(values);

  // Listen from the start, so a signal during start-up ends the process cleanly too.
  const signals = listenForShutdown();
  try {
    const config = loadWorkerConfig(configFile);
    const driver = driverOption(values, config.database.driver);
    // --db, then PRISMQ_QUEUE_DB_PATH (already applied over the file by the config module), then
    // the file's database.path, then the platform default.
    const dbPath = dbPathOf(values, config.database.path);
    // Handlers (and anything they start) find the database this worker uses under this name.
    process.env["PRISMQ_QUEUE_DB_PATH"] = dbPath;
    const loaded = await loadHandlersInTime(handlersSpec, config.taskTypes, loadTimeoutMs, signals);
    if (typeof loaded === "string") {
      err(`prismq worker: ${loaded} while loading the handlers module, not started (no task was claimed)`);
      // The import is still pending and may hold the event loop: end the process explicitly.
      exitImmediately = true;
      return 0;
    }
    const handlers = loaded;
    const log = workerLogger(quiet);
    const db = await openQueueDatabase({
      path: dbPath,
      driver,
      pragmas: config.database.pragmas,
      busyRetries: config.database.busyRetries,
    });
    try {
      return await runWorker({ db, path: dbPath, config, handlers, log, signals, quiet });
    } finally {
      if (!exitImmediately) await db.close();
    }
  } finally {
    signals.dispose();
  }
}

/** The handlers-module load timeout: `--load-timeout-ms`, else the env variable, else 30 s. */
function loadTimeoutOption(values: ParsedValues): number {
  const env = process.env["PRISMQ_HANDLERS_LOAD_TIMEOUT_MS"];
  if (values["load-timeout-ms"] === undefined && env !== undefined) {
    if (!/^\d+$/.test(env) || Number(env) < 1 || Number(env) > 2_147_483_647) {
      throw new UsageError(`$PRISMQ_HANDLERS_LOAD_TIMEOUT_MS must be an integer between 1 and 2147483647 (ms)`);
    }
    return Number(env);
  }
  return intOption(values, "load-timeout-ms", DEFAULT_LOAD_TIMEOUT_MS, 1, 2_147_483_647)!;
}

/**
 * {@link loadHandlers}, bounded: a module whose import never settles (top-level await on
 * something that never comes) is refused after `timeoutMs` (exit 2), and SIGINT/SIGTERM while it
 * loads end the start-up (the signal's name is returned). The referenced timer also keeps the
 * process alive meanwhile, where Node would otherwise exit 13 on an unsettled top-level await.
 */
async function loadHandlersInTime(
  spec: string,
  taskTypes: readonly string[] | undefined,
  timeoutMs: number,
  signals: ShutdownSignals,
): Promise<Record<string, TaskHandler> | NodeJS.Signals> {
  const timers = new AbortController();
  const timedOut = sleep(timeoutMs, "timeout" as const, { signal: timers.signal }).catch(() => "cancelled" as const);
  try {
    const first = await Promise.race([loadHandlers(spec, taskTypes), signals.first, timedOut]);
    if (first === "timeout") {
      exitImmediately = true;
      throw new UsageError(
        `handlers module ${resolve(spec)} did not finish loading within ${timeoutMs} ms (its top-level code waits on ` +
          `something that never settles?); if it is only slow, raise --load-timeout-ms or $PRISMQ_HANDLERS_LOAD_TIMEOUT_MS`,
      );
    }
    return first as Record<string, TaskHandler> | NodeJS.Signals;
  } finally {
    timers.abort();
  }
}

/** What {@link runWorker} needs, all validated and opened. */
interface WorkerRun {
  readonly db: QueueDatabase;
  readonly path: string;
  readonly config: WorkerConfig;
  readonly handlers: Record<string, TaskHandler>;
  readonly log: AppLogger;
  readonly signals: ShutdownSignals;
  readonly quiet: boolean;
}

/** Runs the worker until a signal, then stops it within `shutdownTimeoutMs`; returns the exit code. */
async function runWorker({ db, path, config, handlers, log, signals, quiet }: WorkerRun): Promise<number> {
  let workerId = config.workerId ?? "?";
  const running = new Set<number>();
  const onEvent = (e: WorkerEvent): void => {
    if (e.type === "claimed") running.add(e.task.id);
    else if (e.type !== "error") running.delete(e.task.id);
    // The logger hears claims, completions, retries and failures; these two only come as events.
    if (e.type === "error") {
      if (e.phase === "record-outcome" && e.taskId !== undefined) running.delete(e.taskId);
      log.error("worker error", { phase: e.phase, ...(e.taskId === undefined ? {} : { taskId: e.taskId }), error: e.error, workerId });
    } else if (e.type === "lease_lost") {
      log.warn(e.cancelled ? "task cancelled while running, result discarded" : "lease lost, result discarded", {
        taskId: e.task.id,
        type: e.task.type,
        workerId,
      });
    }
  };
  const worker = new QueueWorker(db, {
    workerId: config.workerId,
    strategy: config.strategy,
    concurrency: config.concurrency,
    batchSize: config.batchSize,
    leaseMs: config.leaseMs,
    renewIntervalMs: config.renewIntervalMs,
    pollIntervalMs: config.pollIntervalMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    staleAfterMs: config.staleAfterMs,
    capabilities: config.capabilities,
    backoff: config.backoff,
    crashPolicy: config.crashPolicy,
    timeoutMs: config.timeoutMs,
    taskTimeouts: config.taskTimeouts,
    handlers,
    logger: log,
    onEvent,
  });
  workerId = worker.workerId;

  // Register before saying ready: it proves the database is writable (exit 1 if not), and a
  // parent that has read the ready line finds the row. The worker's own heartbeats take over
  // (and remove the row at stop, which they only do when heartbeats are on).
  const heartbeats = config.heartbeatIntervalMs > 0;
  if (heartbeats) await new WorkerHeartbeat(db).updateHeartbeat(workerId, config.capabilities);
  if (signals.received() !== null) {
    if (heartbeats) await new WorkerHeartbeat(db).deregister(workerId);
    err(`prismq worker ${workerId}: ${signals.received()} during start-up, not started`);
    err(workerStatsLine(workerId, worker.stats, db));
    return 0;
  }
  if (!quiet) {
    err(
      `prismq worker ${workerId}: database ${path} (${db.driver.name}), strategy ${config.strategy}, ` +
        `concurrency ${config.concurrency}, lease ${config.leaseMs} ms, types ${Object.keys(handlers).join(", ")}`,
    );
  }
  worker.start();
  // The claim loop's timers keep the process alive; this makes it explicit, whatever happens to them.
  const keepAlive = setInterval(() => {}, 1 << 30);
  out(`prismq worker ${workerId} ready (pid ${process.pid})`);

  const signal = await signals.first;
  clearInterval(keepAlive);
  const timeoutMs = config.shutdownTimeoutMs;
  err(`prismq worker ${workerId}: ${signal}, stopping (${worker.inFlightCount} task(s) running, waiting up to ${timeoutMs} ms)`);

  let stopError: unknown;
  const stopped = worker.stop().then(
    () => "stopped" as const,
    (e: unknown) => {
      stopError = e;
      return "error" as const;
    },
  );
  const forced = signals.second.then(() => "forced" as const);
  // Referenced timers: they also keep the process alive while handlers wait on nothing else.
  const timers = new AbortController();
  const after = (ms: number): Promise<"timeout"> =>
    sleep(ms, "timeout" as const, { signal: timers.signal }).catch(() => "timeout" as const);
  let outcome: "stopped" | "error" | "forced" | "timeout";
  try {
    outcome = await Promise.race([stopped, forced, after(timeoutMs)]);
    if (outcome === "timeout" && worker.inFlightCount === 0) {
      // The handlers are done within the time; the worker is only removing its row. Brief, but bounded.
      outcome = await Promise.race([stopped, forced, after(5_000)]);
    }
  } finally {
    timers.abort();
  }

  if (outcome === "stopped" || outcome === "error") {
    if (outcome === "error") err(`prismq worker ${workerId}: stop failed: ${firstLine(stopError)}`);
    err(workerStatsLine(workerId, worker.stats, db));
    return outcome === "stopped" ? 0 : 1;
  }
  const ids = [...running].sort((a, b) => a - b);
  err(
    `prismq worker ${workerId}: ${outcome === "forced" ? "second signal" : `shutdown timed out after ${timeoutMs} ms`} ` +
      `with ${worker.inFlightCount} task(s) running${ids.length > 0 ? ` (${ids.join(", ")})` : ""}; exiting without them: ` +
      `they stay 'processing' until their lease expires (leaseMs ${config.leaseMs}) and then run again`,
  );
  // Close what can be closed, without letting a stuck close hold the exit.
  await Promise.race([db.close().catch(() => {}), sleep(2_000, undefined, { ref: false })]);
  err(workerStatsLine(workerId, worker.stats, db));
  exitImmediately = true;
  return 3;
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
  metrics: cmdMetrics,
  backup: cmdBackup,
  restore: cmdRestore,
  maintenance: cmdMaintenance,
  worker: cmdWorker,
  demo: cmdDemo,
};

/**
 * Prints a failure and returns its exit code: 2 for bad usage or input, 1 for a runtime or
 * database failure. Never throws, whatever was thrown (see {@link describeThrown}).
 */
function reportFailure(command: string, e: unknown): number {
  try {
    if (e instanceof UsageError || isQueueError(e, "VALIDATION")) {
      err(`prismq ${command}: ${e.message}`);
      return 2;
    }
    if (isQueueError(e)) {
      err(`prismq ${command}: ${e.message}`);
      return 1;
    }
  } catch {
    // A value whose prototype or properties cannot be read: described below.
  }
  let text: string;
  try {
    text = e instanceof Error && typeof e.stack === "string" ? e.stack : describeThrown(e);
  } catch {
    text = describeThrown(e);
  }
  err(`prismq ${command}: unexpected error: ${text}`);
  return 1;
}

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
    return reportFailure(command ?? "", e);
  }
}

ignoreClosedStdout();
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A worker that gave up on its graceful stop leaves handlers running: end now, not when they do.
if (exitImmediately) process.exit(code);
// Everything is closed by now, so the process should end on its own; this unref'd timer only
// makes sure a stray handle can never keep a finished CLI alive.
setTimeout(() => process.exit(code), 2_000).unref();
