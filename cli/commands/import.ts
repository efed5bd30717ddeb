/**
 * `prismq import`: loads a `prismq export` file into a queue, on any driver, in one
 * transaction. Re-running it adds nothing.
 *
 * @module
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { importTasks, isQueueError, type QueueDatabase } from "../../src/index.ts";
import { isPostgresUrl } from "../../runtime/node/db-path.ts";
import { parseCommandArgs, UsageError } from "../lib/args.ts";
import { withDb } from "../lib/db.ts";
import { importedOrigins, importHistory, isHistoryLine } from "../lib/history.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { err, out } from "../lib/output.ts";

/** `prismq import --help`. */
export const help = `Usage: prismq import [--db PATH] [--json] FILE

Loads a file written by 'prismq export' (FILE '-' reads stdin) into the database (created or
migrated when needed, as by 'prismq init'), keeping each task's status, attempts, error
message, idempotency key and times. All tasks or none: a bad line is named and nothing is
stored. Idempotent: a task already present (same idempotency key, same id with the same type,
creation time and payload, or imported before) is skipped, so running the import again adds
nothing. A task whose id is taken by a different task gets a new id; every imported task gets
a 'task imported' row in task_logs naming its original id. A file written with 'prismq export
--history' also brings the task_logs rows of the tasks it adds and the workers not yet present.
PATH may be a postgres:// URL: moving a SQLite queue to PostgreSQL is
  prismq export --db queue.db --history | prismq import --db postgres://host/db -

Options:
  --json               print the report as one JSON object
${COMMON_HELP}

Exit codes: 0 imported (or nothing to add), 1 database or file error, 2 bad usage (an empty or
':memory:' --db included), a missing FILE or a bad file (nothing stored).`;

/** `prismq import FILE`: loads the tasks and prints what was added; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("import", args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("expects exactly one FILE (usage: prismq import [--db PATH] FILE)");
  const file = positionals[0]!;
  if (file !== "-" && !existsSync(file)) throw new UsageError(`${file} does not exist`);
  return withDb(values, "create", async (db, path) => {
    const input = file === "-" ? process.stdin : createReadStream(file, { encoding: "utf8" });
    // The tasks part goes to importTasks; the history part (export --history) is kept apart.
    const taskLines: string[] = [];
    const historyLines: string[] = [];
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      const text = line.trim();
      if (text === "") continue;
      (isHistoryLine(text) ? historyLines : taskLines).push(text);
    }
    const before = await importedOrigins(db);
    let report;
    let history;
    try {
      report = await importTasks(db, taskLines);
      if (isPostgresUrl(path)) await advanceIdSequence(db);
      if (historyLines.length > 0) history = await importHistory(db, historyLines, newlyImported(before, await importedOrigins(db)));
    } catch (e) {
      if (isQueueError(e, "VALIDATION")) throw new UsageError(`${e.message} (nothing was imported)`);
      throw e;
    }
    if (values["json"] === true) {
      out(JSON.stringify(history === undefined ? report : { ...report, logs: history.logs, workers: history.workers }));
    } else {
      out(
        `read ${report.read} task(s): imported ${report.imported}` +
          (report.remapped > 0 ? ` (${report.remapped} under a new id)` : "") +
          `, already present ${report.skipped}` +
          (history === undefined ? "" : `; history: ${history.logs} log row(s), ${history.workers} worker(s) added`),
      );
    }
    if (!report.complete) err("prismq import: warning: the file has no end line; it may be incomplete");
    return 0;
  });
}

/** Exporting id → id here of the tasks whose `task imported` row appeared between two reads. */
function newlyImported(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [origin, id] of after) if (!before.has(origin)) out.set(Number(origin.split("|")[0]), id);
  return out;
}

/**
 * On PostgreSQL, moves the task id sequence past the ids the import kept: rows inserted with
 * their own id do not advance it, and the next enqueue would otherwise collide with one.
 */
async function advanceIdSequence(db: QueueDatabase): Promise<void> {
  await db.execute(
    "SELECT setval(pg_get_serial_sequence('task_queue', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM task_queue), 1), (SELECT COUNT(*) > 0 FROM task_queue))",
  );
}
