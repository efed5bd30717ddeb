/**
 * The worker-process runtime behind `prismq worker`, for your own entry script too: loads the
 * handlers (a module path or a map), opens the database, registers the worker, says `ready`,
 * and stops gracefully on SIGINT/SIGTERM within `shutdownTimeoutMs`, with the CLI's exit codes.
 *
 * @example
 * ```ts
 * import { parseWorkerConfig } from "@prismq/queue/config";
 * import { runWorkerProcess } from "@prismq/queue/node";
 * const config = parseWorkerConfig("{}", { format: "json", source: "inline config", env: process.env });
 * const { exitCode, abandoned } = await runWorkerProcess({ config, handlers: "./handlers.mjs", dbPath: "queue.db" });
 * if (abandoned) process.exit(exitCode); // handlers still running: do not wait for them
 * process.exitCode = exitCode;
 * ```
 *
 * @module
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { WorkerConfig } from "../../src/config/worker-config.ts";
import type { QueueDatabase } from "../../src/database.ts";
import { describeThrown, QueueValidationError } from "../../src/errors.ts";
import {
  type AppLogger,
  jsonLogLine,
  QueueWorker,
  type TaskHandler,
  type WorkerEvent,
  WorkerHeartbeat,
  type WorkerRunStats,
} from "../../src/index.ts";
import { importByUrl } from "./import-url.ts";
import { absoluteDbPath, displayDbPath } from "./db-path.ts";
import { type NodeDriverName, openQueueDatabase } from "./open.ts";
import { listenForShutdown, type ShutdownSignals } from "./shutdown-signals.ts";

/** Default of {@link WorkerProcessOptions.loadTimeoutMs}. */
export const DEFAULT_HANDLERS_LOAD_TIMEOUT_MS = 30_000;

/** Options of {@link runWorkerProcess}. */
export interface WorkerProcessOptions {
  /** The validated worker config (`parseWorkerConfig` of `@prismq/queue/config`). */
  readonly config: WorkerConfig;
  /**
   * The handlers by task type, or the path of an ES module exporting them (named export
   * `handlers`, else the default export), loaded after `PRISMQ_QUEUE_DB_PATH` is set to `dbPath`.
   * Narrowed to `config.taskTypes` when it lists them.
   */
  readonly handlers: Readonly<Record<string, TaskHandler>> | string;
  /** The database file (resolved against the current folder), or a `postgres://` URL. */
  readonly dbPath: string;
  /** Overrides the config's driver. @default config.database.driver */
  readonly driver?: NodeDriverName | undefined;
  /** No per-task lines and no start-up line on stderr. @default false */
  readonly quiet?: boolean | undefined;
  /** `text` (default): `<time> <LEVEL> <message> key=value…`; `json`: one JSON object per line on stderr. */
  readonly logFormat?: "text" | "json" | undefined;
  /** How long a handlers module may take to load. @default DEFAULT_HANDLERS_LOAD_TIMEOUT_MS */
  readonly loadTimeoutMs?: number | undefined;
}

/** How {@link runWorkerProcess} ended. */
export interface WorkerProcessResult {
  /**
   * 0 stopped gracefully after SIGINT/SIGTERM (also during start-up: nothing was claimed),
   * 1 the graceful stop failed, 3 shutdown timed out or a second signal came.
   */
  readonly exitCode: number;
  /**
   * True when handlers, or a handlers module's import, may still be running: end the process
   * now (`process.exit(exitCode)`) rather than wait for them.
   */
  readonly abandoned: boolean;
}

function out(line: string): void {
  if (process.stdout.writable) process.stdout.write(`${line}\n`);
}

/** Set by runWorkerProcess for `logFormat: "json"`: every stderr line is then a JSON object. */
let jsonLog = false;

function err(line: string, level = "INFO"): void {
  process.stderr.write(`${jsonLog ? jsonLogLine(level, line) : line}\n`);
}

/**
 * The first line of what was thrown (through `describeThrown`), for one-line diagnostics; never
 * throws, whatever it is. Also used by the CLI, so there is one such helper.
 */
export function firstLine(e: unknown): string {
  const text = describeThrown(e).message;
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? text;
}

/**
 * Runs one worker process until SIGINT/SIGTERM (see the module). Start-up problems are thrown:
 * {@link QueueValidationError} for bad handlers (missing, throwing at import, not loaded within
 * `loadTimeoutMs`: then the import is still pending, so end the process), a database error when
 * the file cannot be opened, migrated or written. SIGINT/SIGTERM during start-up, handler
 * loading included, end it at once with exit code 0.
 */
export async function runWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcessResult> {
  const { config } = options;
  const quiet = options.quiet === true;
  jsonLog = options.logFormat === "json";
  const loadTimeoutMs = options.loadTimeoutMs ?? DEFAULT_HANDLERS_LOAD_TIMEOUT_MS;
  if (!Number.isInteger(loadTimeoutMs) || loadTimeoutMs < 1 || loadTimeoutMs > 2_147_483_647) {
    throw new QueueValidationError("invalid runWorkerProcess options", ["loadTimeoutMs: expected an integer between 1 and 2147483647"]);
  }
  // A file path is made absolute; a postgres:// URL is kept as it is.
  const path = absoluteDbPath(options.dbPath);
  // Listen from the start, so a signal during start-up ends the process cleanly too.
  const signals = listenForShutdown();
  try {
    // Handlers (and anything they start) find the database this worker uses under this name.
    process.env["PRISMQ_QUEUE_DB_PATH"] = path;
    let handlers: Record<string, TaskHandler>;
    if (typeof options.handlers === "string") {
      const loaded = await loadHandlersInTime(options.handlers, config.taskTypes, loadTimeoutMs, signals);
      if (typeof loaded === "string") {
        err(`prismq worker: ${loaded} while loading the handlers module, not started (no task was claimed)`);
        // The import is still pending and may hold the event loop.
        return { exitCode: 0, abandoned: true };
      }
      handlers = loaded;
    } else {
      handlers = selectHandlers(options.handlers, config.taskTypes, "the handlers given");
    }
    const log = workerLogger(quiet);
    const db = await openQueueDatabase({
      path,
      driver: options.driver ?? config.database.driver,
      pragmas: config.database.pragmas,
      busyRetries: config.database.busyRetries,
    });
    let result: WorkerProcessResult | undefined;
    try {
      result = await runWorker({ db, path, config, handlers, log, signals, quiet });
      return result;
    } finally {
      if (result?.abandoned !== true) await db.close();
    }
  } finally {
    signals.dispose();
  }
}

/**
 * Imports the handlers module (a path, resolved against the current folder) and returns the
 * handlers to register: its named export `handlers`, else its default export, narrowed to
 * `taskTypes` when the config lists them. Every problem is a {@link QueueValidationError} (the CLI's exit 2).
 */
export async function loadHandlersModule(spec: string, taskTypes: readonly string[] | undefined): Promise<Record<string, TaskHandler>> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new QueueValidationError(`handlers module not found: ${path}`);
  let mod: Record<string, unknown>;
  try {
    mod = await importByUrl(pathToFileURL(path).href);
  } catch (e) {
    throw new QueueValidationError(`cannot load handlers module ${path}: ${firstLine(e)}`, [], { cause: e });
  }
  const map = mod["handlers"] ?? mod["default"];
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new QueueValidationError(
      `handlers module ${path} has no handlers: export a map of task type to async function as 'handlers' or as the default export`,
    );
  }
  return selectHandlers(map as Record<string, unknown>, taskTypes, `handlers module ${path}`);
}

/** Checks a handler map and narrows it to `taskTypes` (all of which it must have). */
function selectHandlers(
  map: Readonly<Record<string, unknown>>,
  taskTypes: readonly string[] | undefined,
  source: string,
): Record<string, TaskHandler> {
  const all: Record<string, TaskHandler> = {};
  for (const [type, fn] of Object.entries(map)) {
    if (typeof fn !== "function") throw new QueueValidationError(`${source}: handler '${type}' is not a function`);
    all[type] = fn as TaskHandler;
  }
  const available = Object.keys(all);
  if (available.length === 0) throw new QueueValidationError(`${source} exports no handlers`);
  if (taskTypes === undefined) return all;
  if (taskTypes.length === 0) throw new QueueValidationError("the config's taskTypes is empty: list at least one type, or leave it out to run every handler");
  const missing = taskTypes.filter((t) => !Object.hasOwn(all, t));
  if (missing.length > 0) {
    throw new QueueValidationError(
      `taskTypes lists ${missing.map((t) => `'${t}'`).join(", ")}, not exported by ${source} (it has ${available.join(", ")})`,
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
      if (jsonLog) return void process.stderr.write(`${jsonLogLine(level, message, fields)}\n`);
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

/**
 * {@link loadHandlersModule}, bounded: a module whose import never settles (top-level await on
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
    const first = await Promise.race([loadHandlersModule(spec, taskTypes), signals.first, timedOut]);
    if (first === "timeout") {
      throw new QueueValidationError(
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
async function runWorker({ db, path, config, handlers, log, signals, quiet }: WorkerRun): Promise<WorkerProcessResult> {
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
    taskLogs: config.taskLogs,
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
    return { exitCode: 0, abandoned: false };
  }
  if (!quiet) {
    err(
      `prismq worker ${workerId}: database ${displayDbPath(path)} (${db.driver.name}), strategy ${config.strategy}, ` +
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
    return { exitCode: outcome === "stopped" ? 0 : 1, abandoned: false };
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
  return { exitCode: 3, abandoned: true };
}
