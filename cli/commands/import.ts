/**
 * `prismq import`: loads a `prismq export` file into a queue, on any driver, in one
 * transaction. Re-running it adds nothing.
 *
 * @module
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { importTasks, isQueueError } from "../../src/index.ts";
import { parseCommandArgs, UsageError } from "../lib/args.ts";
import { withDb } from "../lib/db.ts";
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
a 'task imported' row in task_logs naming its original id.

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
  return withDb(values, "create", async (db) => {
    const input = file === "-" ? process.stdin : createReadStream(file, { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let report;
    try {
      report = await importTasks(db, lines);
    } catch (e) {
      if (isQueueError(e, "VALIDATION")) throw new UsageError(`${e.message} (nothing was imported)`);
      throw e;
    }
    if (values["json"] === true) {
      out(JSON.stringify(report));
    } else {
      out(
        `read ${report.read} task(s): imported ${report.imported}` +
          (report.remapped > 0 ? ` (${report.remapped} under a new id)` : "") +
          `, already present ${report.skipped}`,
      );
    }
    if (!report.complete) err("prismq import: warning: the file has no end line; it may be incomplete");
    return 0;
  });
}
