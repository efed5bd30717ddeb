/**
 * `prismq maintenance OP`: the routine care of a queue file, one operation per run.
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import { createQueueMaintenance } from "../../runtime/node/index.ts";
import { CHECKPOINT_MODES, type CheckpointMode } from "../../src/index.ts";
import { intOption, noExtraPositionals, type OptionSpec, parseCommandArgs, type ParsedValues, strOption, UsageError } from "../lib/args.ts";
import { dbPathOf, type OpenMode, refuseOnPostgres, withDb } from "../lib/db.ts";
import { isPostgresUrl } from "../../runtime/node/db-path.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { formatBytes, out } from "../lib/output.ts";

/** `prismq maintenance --help`. */
export const help = `Usage: prismq maintenance OP [options]

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
empty or ':memory:' --db), no database at --db, or a file that is not a queue database.`;

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

/** Operations on a SQLite file that have no PostgreSQL counterpart here, with what to use there. */
const SQLITE_FILE_ONLY: Readonly<Record<string, string>> = {
  checkpoint: "the server checkpoints its WAL itself (CHECKPOINT, as a superuser, forces one)",
  integrity: "use amcheck (pg_amcheck) to verify a PostgreSQL database",
  pragmas: "PostgreSQL settings are the server's (SHOW, postgresql.conf)",
};

/** Maintenance operations that only read: they open the database read-only. */
const READ_ONLY_MAINTENANCE: ReadonlySet<string> = new Set(["integrity", "stats", "pragmas"]);

/** Reads an option every run of an operation needs, as a non-negative integer. */
function requiredMs(values: ParsedValues, name: string, op: string): number {
  if (values[name] === undefined) throw new UsageError(`${op} needs --${name} N`);
  return intOption(values, name, undefined, 0, Number.MAX_SAFE_INTEGER)!;
}

/**
 * `prismq maintenance OP`: the routine care of a queue file, one operation per run, for cron
 * jobs and operators. Parses twice: once to find OP wherever it stands, then with OP's own
 * options so one it does not take (`analyze --full`) is refused.
 */
export async function run(args: readonly string[]): Promise<number> {
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

  // PostgreSQL checkpoints, checks and configures itself; its VACUUM/ANALYZE, purge, leases and stats apply.
  if (SQLITE_FILE_ONLY[op] !== undefined) refuseOnPostgres(dbPathOf(values), `maintenance ${op}`, SQLITE_FILE_ONLY[op]);
  const openMode: OpenMode = READ_ONLY_MAINTENANCE.has(op) ? "read-any-version" : "existing";
  return withDb(values, openMode, async (db, path) => {
    const maint = createQueueMaintenance(db, isPostgresUrl(path) ? {} : { path });
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
