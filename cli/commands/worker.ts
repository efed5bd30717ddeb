/**
 * `prismq worker`: one worker process from a config file and a handlers module, for systemd,
 * containers and supervisors. The runtime itself is `runWorkerProcess` of `@prismq/queue/node`;
 * this module reads the command line, the config file and the environment.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { DEFAULT_HANDLERS_LOAD_TIMEOUT_MS, firstLine, runWorkerProcess } from "../../runtime/node/worker-process.ts";
import { configFormatOf, parseWorkerConfig, type WorkerConfig } from "../../src/config/worker-config.ts";
import { defaultDbPath } from "../../src/index.ts";
import { driverOption, noExtraPositionals, parseCommandArgs, type ParsedValues, strOption, UsageError } from "../lib/args.ts";
import { dbPathOf } from "../lib/db.ts";
import { durationOption } from "../lib/durations.ts";
import { requestExitNow } from "../lib/output.ts";

/** `prismq worker --help`. */
export const help = `Usage: prismq worker --handlers MODULE [--config FILE] [--db PATH] [--driver NAME] [--quiet] [--log-format text|json]

Runs one worker process: claims tasks of the handled types from the database, runs their
handlers, records the outcomes, and keeps a heartbeat row in the 'workers' table, until
SIGINT or SIGTERM.

Options:
  --config FILE        optional (every key has a default; PRISMQ_* variables still apply):
                       worker config in JSON, YAML or TOML, by extension (.json, .yaml, .yml,
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
  --db PATH            database file or postgres:// URL. Precedence: --db, then
                       $PRISMQ_QUEUE_DB_PATH, then database.path in the config, then
                       ${defaultDbPath({}, process.platform)}
  --driver NAME        auto | better-sqlite3 | node-sqlite; overrides database.driver
                       (and $PRISMQ_DB_DRIVER)
  --log-format F       text (default) or json: one JSON object per line on stderr (time, level,
                       event, taskId, type, workerId, attempt, error, ...)
  --quiet              no per-task lines (claims, completions) and no start-up line; retries,
                       failures and worker errors are still logged
  --load-timeout-ms N  how long the handlers module may take to load (its top-level code and
                       imports) before the worker gives up with exit 2 (default:
                       $PRISMQ_HANDLERS_LOAD_TIMEOUT_MS, else ${DEFAULT_HANDLERS_LOAD_TIMEOUT_MS})
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

Shutdown: on SIGINT or SIGTERM (on Windows: SIGINT or SIGBREAK, i.e. Ctrl+C or Ctrl+Break;
Windows never delivers SIGTERM) the worker claims nothing new, waits for running handlers to
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
  3  shutdown timed out, or a second signal: running tasks were left to their leases`;

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

/** The handlers-module load timeout: `--load-timeout-ms`, else the env variable, else 30 s. */
function loadTimeoutOption(values: ParsedValues): number {
  const env = process.env["PRISMQ_HANDLERS_LOAD_TIMEOUT_MS"];
  if (values["load-timeout-ms"] === undefined && env !== undefined) {
    if (!/^\d+$/.test(env) || Number(env) < 1 || Number(env) > 2_147_483_647) {
      throw new UsageError(`$PRISMQ_HANDLERS_LOAD_TIMEOUT_MS must be an integer between 1 and 2147483647 (ms)`);
    }
    return Number(env);
  }
  return durationOption(values, "load-timeout-ms", DEFAULT_HANDLERS_LOAD_TIMEOUT_MS, 1, 2_147_483_647)!;
}

/**
 * Validates everything it can before opening the database, then hands over to
 * `runWorkerProcess`, which says `ready` on stdout once registered and claiming and stops
 * gracefully on SIGINT/SIGTERM.
 */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("worker", args, {
    config: { type: "string" },
    handlers: { type: "string" },
    quiet: { type: "boolean" },
    "load-timeout-ms": { type: "string" },
    "log-format": { type: "string" },
  });
  noExtraPositionals("worker", positionals, 0);
  const configFile = strOption(values, "config");
  const handlersSpec = strOption(values, "handlers");
  if (configFile === "") throw new UsageError("--config needs a FILE (or leave it out for the defaults)");
  const logFormat = strOption(values, "log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`--log-format must be text or json, got '${logFormat}'`);
  if (handlersSpec === undefined || handlersSpec === "") throw new UsageError("missing --handlers MODULE (see 'prismq worker --help')");
  const loadTimeoutMs = loadTimeoutOption(values);
  // No --config: every key's default, with the PRISMQ_* environment applied.
  const config =
    configFile === undefined ? parseWorkerConfig("{}", { format: "json", source: "defaults (no --config)", env: process.env }) : loadWorkerConfig(configFile);
  const driver = driverOption(values, config.database.driver);
  // --db, then PRISMQ_QUEUE_DB_PATH (already applied over the file by the config module), then
  // the file's database.path, then the platform default.
  const dbPath = dbPathOf(values, config.database.path);
  try {
    const result = await runWorkerProcess({ config, handlers: handlersSpec, dbPath, driver, quiet: values["quiet"] === true, loadTimeoutMs, logFormat });
    if (result.abandoned) requestExitNow();
    return result.exitCode;
  } catch (e) {
    // A handlers module that did not finish loading may still hold the event loop.
    requestExitNow();
    throw e;
  }
}
