/**
 * `prismq import`: loads a `prismq export` file into a queue, on any driver, in one
 * transaction. Re-running it adds nothing.
 *
 * @module
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { openQueueDatabase, type NodeDriverName, resolveDbPath } from "../../adapters/node/index.ts";
import { importTasks, isQueueError } from "../../src/index.ts";

/** `prismq import --help`. */
export const HELP = `Usage: prismq import [--db PATH] [--json] FILE

Loads a file written by 'prismq export' (FILE '-' reads stdin) into the database, keeping each
task's status, attempts, error message, idempotency key and times. All tasks or none: a bad
line is named and nothing is stored. Idempotent: a task already present (same idempotency key,
same id with the same type, creation time and payload, or imported before) is skipped, so
running the import again adds nothing. A task whose id is taken by a different task gets a new
id; every imported task gets a 'task imported' row in task_logs naming its original id.

  --db PATH            database file (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default: auto)
  --json               print the report as one JSON object
  -h, --help           show this help

Exit codes: 0 imported (or nothing to add), 1 database or file error, 2 bad arguments or a bad
file (nothing stored).`;

const DRIVERS = ["auto", "better-sqlite3", "node-sqlite"];

/** Runs `prismq import` with the arguments after the command name; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: [...args],
      options: {
        db: { type: "string" },
        driver: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values;
    positionals = parsed.positionals;
  } catch (e) {
    return usage(String((e as Error).message).split("\n")[0]!);
  }
  if (values["help"] === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const driver = (values["driver"] as string | undefined) ?? "auto";
  if (!DRIVERS.includes(driver)) return usage(`--driver must be one of ${DRIVERS.join(", ")}, got '${driver}'`);
  if (positionals.length !== 1) return usage("expects exactly one FILE (usage: prismq import [--db PATH] FILE)");
  const file = positionals[0]!;
  if (file !== "-" && !existsSync(file)) return usage(`${file} does not exist`);
  let db;
  try {
    db = await openQueueDatabase({ path: values["db"] as string | undefined, driver: driver as NodeDriverName });
  } catch (e) {
    process.stderr.write(`prismq import: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const input = file === "-" ? process.stdin : createReadStream(file, { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Infinity });
    const report = await importTasks(db, lines);
    if (values["json"] === true) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      process.stdout.write(
        `read ${report.read} task(s): imported ${report.imported}` +
          (report.remapped > 0 ? ` (${report.remapped} under a new id)` : "") +
          `, already present ${report.skipped}\n`,
      );
    }
    if (!report.complete) process.stderr.write("prismq import: warning: the file has no end line; it may be incomplete\n");
    return 0;
  } catch (e) {
    process.stderr.write(`prismq import: ${(e as Error).message}${isQueueError(e, "VALIDATION") ? " (nothing was imported)" : ""}\n`);
    return isQueueError(e, "VALIDATION") ? 2 : 1;
  } finally {
    await db.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`prismq import: ${message}\n`);
  return 2;
}
