/**
 * Help text shared by several commands: the common options, the read-only commands' exit codes
 * and the top-level usage. Each command's own help lives in its module.
 *
 * @module
 */
import { resolveDbPath } from "../../runtime/node/index.ts";

/** The exit codes of the commands that only read the database. */
export const READ_ONLY_EXIT_CODES = `Exit codes: 0 done, 1 runtime or database failure, 2 bad usage (an empty or ':memory:'
--db included), no database at --db (nothing is created), or a file that is not a queue
database this version can read (another application's SQLite file, which is left untouched; a
schema newer than this version's, or an older one: migrate it with 'prismq init').`;

/** The options every command takes, as help lines. */
export const COMMON_HELP = `  --db PATH            database file, or a postgres:// URL (postgres://user:pass@host:5432/db)
                       (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default: auto, better-sqlite3 if installed)
  -h, --help           show this help`;

/** `prismq --help`. */
export const USAGE = `prismq: durable SQLite task queue

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
  prismq schedule  add|list|remove|enable|disable    cron and interval schedules fired by workers
  prismq serve     [--host H] [--port P] [--token T] HTTP API and live dashboard until SIGINT/SIGTERM
  prismq export    [--out FILE] [--status S]         tasks as JSON Lines (stdout without --out)
  prismq import    FILE                              load an export; re-running it adds nothing
  prismq drain     [--timeout-ms N] [--out FILE]     wait for running tasks, report what is pending
  prismq show      ID [--logs N] [--json]            one task: status, error, progress, result, logs
  prismq cancel    ID [ID...]                        cancel queued or processing tasks
  prismq retry     ID [ID...]                        requeue failed or dead_letter tasks
  prismq redrive   [--type T] [--status S]           requeue failed/dead_letter tasks in bulk
  prismq purge     --older-than D [--status S]       delete old finished tasks with their logs
  prismq pause     [TYPE]                            hold back new starts (one type, or all)
  prismq resume    [TYPE]                            end a pause
  prismq rate-limit TYPE --max N --per D | --clear | --list
                                                     starts per window for a type, across processes
  prismq demo      [--tasks N] [--workers N] [--concurrency N]
                                                     run workers on a mixed batch, with progress

Common options:
${COMMON_HELP}
  --version            print the version

Run 'prismq COMMAND --help' for a command's options.`;
