/**
 * The contract every peer runner keeps with the bench harness (bench/peers.bench.ts), in one
 * place: the same flags, exactly one JSON line on stdout however the run ends (diagnostics go to
 * stderr), and exit 0 only when every job ran exactly once. Plain JavaScript because the liteque
 * runner runs on the machine's Node 20, which does not strip types.
 *
 *   <runner> --db <absolute path, must not exist> --jobs <N> [--batch] [--timeout-ms MS] [--poll-ms MS]
 */
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

/** Text of an error for the JSON line. */
export const message = (e) => (e instanceof Error ? e.message : String(e));

/** Milliseconds to one decimal. */
export const round = (ms) => Math.round(ms * 10) / 10;

/**
 * Parses the flags, installs the exit paths and returns the run's shared state. `script` names
 * the runner in the usage line.
 */
export function startRunner(peer, script) {
  const result = {
    peer,
    peerVersion: null,
    driver: "better-sqlite3",
    driverVersion: null,
    sqliteVersion: null,
    runtime: `node ${process.version}`,
    pragmas: null,
  };
  let printed = false;
  let executed = 0;
  let unexpected = 0;
  let peerErrors = 0;
  let executions = new Uint32Array(0);

  // The harness reads the single stdout line, so every way out (success, timeout, crash) goes
  // through here and prints it exactly once.
  const finish = (code, error) => {
    if (!printed) {
      printed = true;
      if (error !== undefined) result.error = error;
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    process.exit(code);
  };
  const usage = (text) => {
    process.stderr.write(
      `${peer}: ${text}\nusage: ${script} --db <absolute path, must not exist> --jobs <N> [--batch] [--timeout-ms MS] [--poll-ms MS]\n`,
    );
    finish(2, `usage: ${text}`);
  };
  const tally = () => {
    let duplicates = 0;
    let missing = 0;
    for (const n of executions) {
      if (n === 0) missing++;
      else duplicates += n - 1;
    }
    result.executed = executed;
    result.duplicates = duplicates;
    result.missing = missing;
    if (unexpected) result.unexpectedPayloads = unexpected;
    if (peerErrors) result.peerErrors = peerErrors;
  };

  process.on("uncaughtException", (e) => {
    process.stderr.write(`${peer}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    finish(1, message(e));
  });
  process.on("unhandledRejection", (e) => {
    process.stderr.write(`${peer}: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    finish(1, message(e));
  });
  process.on("exit", () => {
    if (printed) return;
    tally();
    result.error = "exited before every job was done";
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = 1;
  });

  let values;
  try {
    ({ values } = parseArgs({
      options: {
        db: { type: "string" },
        jobs: { type: "string" },
        batch: { type: "boolean", default: false },
        "timeout-ms": { type: "string", default: "600000" },
        "poll-ms": { type: "string", default: "1" },
      },
    }));
  } catch (e) {
    usage(message(e));
  }
  const int = (flag, min) => {
    const v = Number(values[flag]);
    if (!Number.isInteger(v) || v < min) usage(`--${flag} must be an integer >= ${min}`);
    return v;
  };
  if (!values.db) usage("--db is required");
  if (!isAbsolute(values.db)) usage("--db must be an absolute path");
  // A leftover file (or its WAL) would mix old jobs into the count and skew the timing.
  for (const f of [values.db, `${values.db}-wal`, `${values.db}-shm`]) if (existsSync(f)) usage(`${f} already exists`);
  if (values.jobs === undefined) usage("--jobs is required");
  const args = { db: values.db, jobs: int("jobs", 1), batch: values.batch, timeoutMs: int("timeout-ms", 1), pollMs: int("poll-ms", 0) };
  executions = new Uint32Array(args.jobs);
  const deadline = performance.now() + args.timeoutMs;
  result.jobs = args.jobs;
  result.batch = args.batch;
  result.pollMs = args.pollMs;

  return {
    result,
    args,
    deadline,
    finish,
    /** Counts one execution of the job with payload index `i` (anything else is unexpected). */
    record(i) {
      executed++;
      if (Number.isInteger(i) && i >= 0 && i < args.jobs) executions[i]++;
      else unexpected++;
    },
    /** Counts an error the peer reported. */
    peerError() {
      peerErrors++;
    },
    /** Ends the run as a timeout during `phase`. */
    timeout(phase) {
      process.stderr.write(`${peer}: timeout after ${args.timeoutMs} ms during ${phase}\n`);
      tally();
      finish(1, "timeout");
    },
    /** Ends the run: exit 0 only if every job ran exactly once. */
    done() {
      tally();
      const ok = executed === args.jobs && result.duplicates === 0 && result.missing === 0 && !unexpected;
      finish(ok ? 0 : 1);
    },
    /** Ends the run as failed, with the counts so far. */
    fail(text) {
      tally();
      finish(1, text);
    },
  };
}
