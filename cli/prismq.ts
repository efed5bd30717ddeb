/**
 * `prismq`: the command-line face of the queue. Create a database, enqueue and inspect tasks,
 * export metrics, take and restore backups, run maintenance, run a worker process from a config
 * file and a handlers module, serve the HTTP API and dashboard, export/import/drain a queue for
 * migration and rollback, and run `prismq demo`, which shows producers, several workers with
 * different claim strategies, retries with backoff and a progress bar on one SQLite file.
 *
 * This entry file only dispatches: each command is `cli/commands/<name>.ts` (its help and its
 * `run`), shared parsing and printing are in `cli/lib/`, and the worker-process runtime is
 * `runWorkerProcess` of `@prismq/queue/node`.
 *
 * Run from a checkout with `node cli/prismq.ts …` (Node 22 type stripping), or as the `prismq`
 * bin bundled to `dist/cli.js`. Exit codes: 0 success, 1 failure (runtime or database error, a
 * check that found problems, or a demo whose tasks did not end as expected), 2 bad usage or bad
 * input, 3 a worker whose graceful shutdown timed out (or, for drain, tasks still pending), 4 a
 * restore refused because another one holds its target, 130 interrupted demo.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { describeThrown } from "../src/errors.ts";
import { isQueueError } from "../src/index.ts";
import * as backup from "./commands/backup.ts";
import * as demo from "./commands/demo.ts";
import * as drain from "./commands/drain.ts";
import * as enqueue from "./commands/enqueue.ts";
import * as exportCommand from "./commands/export.ts";
import * as importCommand from "./commands/import.ts";
import * as init from "./commands/init.ts";
import * as list from "./commands/list.ts";
import * as maintenance from "./commands/maintenance.ts";
import * as metrics from "./commands/metrics.ts";
import * as restore from "./commands/restore.ts";
import * as serve from "./commands/serve.ts";
import * as stats from "./commands/stats.ts";
import * as schedule from "./commands/schedule.ts";
import * as worker from "./commands/worker.ts";
import * as show from "./commands/show.ts";
import * as cancel from "./commands/cancel.ts";
import * as retry from "./commands/retry.ts";
import * as purge from "./commands/purge.ts";
import * as redrive from "./commands/redrive.ts";
import * as pause from "./commands/pause.ts";
import * as resume from "./commands/resume.ts";
import * as rateLimit from "./commands/rate-limit.ts";
import { UsageError } from "./lib/args.ts";
import { USAGE } from "./lib/help.ts";
import { err, exitNowRequested, ignoreClosedStdout, out } from "./lib/output.ts";

/** One command: its `--help` text and what runs it (returning the exit code). */
interface Command {
  readonly help: string;
  run(args: readonly string[]): Promise<number>;
}

/** The package version, read from package.json next to `cli/` or `dist/`. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const COMMANDS: Readonly<Record<string, Command>> = {
  init,
  enqueue,
  list,
  stats,
  metrics,
  backup,
  restore,
  maintenance,
  worker,
  schedule,
  serve,
  export: exportCommand,
  import: importCommand,
  drain,
  demo,
  show,
  cancel,
  retry,
  purge,
  redrive,
  pause,
  resume,
  "rate-limit": rateLimit,
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
    text = e instanceof Error && typeof e.stack === "string" ? e.stack : describeThrown(e).message;
  } catch {
    text = describeThrown(e).message;
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
      out(topic !== undefined && Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic]!.help : USAGE);
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
      out(run.help);
      return 0;
    }
    return await run.run(rest);
  } catch (e) {
    return reportFailure(command ?? "", e);
  }
}

ignoreClosedStdout();
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A worker that gave up on its graceful stop (or on loading its handlers) leaves them running:
// end now, not when they do.
if (exitNowRequested()) process.exit(code);
// Everything is closed by now, so the process should end on its own; this unref'd timer only
// makes sure a stray handle can never keep a finished CLI alive.
setTimeout(() => process.exit(code), 2_000).unref();
