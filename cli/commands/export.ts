/**
 * `prismq export`: the queue as JSON Lines (header, one line per task, end line with the
 * count), to a file or stdout, for migration, rollback and archiving.
 *
 * @module
 */
import { createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { openQueueDatabase, type NodeDriverName, resolveDbPath } from "../../adapters/node/index.ts";
import { exportTasks, isQueueError, TASK_STATUSES, type TaskStatus } from "../../src/index.ts";

/** `prismq export --help`. */
export const HELP = `Usage: prismq export [--db PATH] [--out FILE] [--status S[,S…]] [--force]

Writes every task (or those in the given statuses) as JSON Lines: a header line, one line per
task with every column (status, attempts, error message, idempotency key, times as stored in
UTC), and an end line with the count, so a cut file is noticed on import. Without --out the
lines go to stdout. With --out the file is written under a temporary name and renamed when
complete; an existing FILE is refused unless --force.

  --db PATH            database file (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default: auto)
  --out FILE           write here instead of stdout
  --status S,S         only tasks in these statuses (${TASK_STATUSES.join(", ")})
  --force              overwrite FILE
  -h, --help           show this help

Exit codes: 0 exported, 1 database or file error, 2 bad arguments.`;

const DRIVERS = ["auto", "better-sqlite3", "node-sqlite"];

/** Runs `prismq export` with the arguments after the command name; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: [...args],
      options: {
        db: { type: "string" },
        driver: { type: "string" },
        out: { type: "string" },
        status: { type: "string" },
        force: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
  } catch (e) {
    return usage(String((e as Error).message).split("\n")[0]!);
  }
  if (values["help"] === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const driver = (values["driver"] as string | undefined) ?? "auto";
  if (!DRIVERS.includes(driver)) return usage(`--driver must be one of ${DRIVERS.join(", ")}, got '${driver}'`);
  let statuses: TaskStatus[] | undefined;
  if (typeof values["status"] === "string") {
    statuses = values["status"].split(",").map((s) => s.trim()).filter(Boolean) as TaskStatus[];
    const bad = statuses.find((s) => !(TASK_STATUSES as readonly string[]).includes(s));
    if (bad !== undefined || statuses.length === 0) return usage(`--status must list statuses of ${TASK_STATUSES.join(", ")}`);
  }
  const outPath = values["out"] as string | undefined;
  if (outPath !== undefined && existsSync(outPath) && values["force"] !== true) {
    return usage(`${outPath} exists (use --force to overwrite it)`);
  }
  let db;
  try {
    db = await openQueueDatabase({ path: values["db"] as string | undefined, driver: driver as NodeDriverName });
  } catch (e) {
    process.stderr.write(`prismq export: ${(e as Error).message}\n`);
    return 1;
  }
  const tmp = outPath === undefined ? undefined : `${outPath}.partial-${process.pid}`;
  try {
    const stream = tmp === undefined ? process.stdout : createWriteStream(tmp, { flags: "wx" });
    let count = 0;
    for await (const line of exportTasks(db, { statuses })) {
      if (line.startsWith('{"kind":"task"')) count++;
      if (!stream.write(line)) await once(stream, "drain");
    }
    if (tmp !== undefined) {
      (stream as ReturnType<typeof createWriteStream>).end();
      await once(stream, "finish");
      renameSync(tmp, outPath!);
      process.stderr.write(`exported ${count} task(s) to ${outPath}\n`);
    }
    return 0;
  } catch (e) {
    if (tmp !== undefined) rmSync(tmp, { force: true });
    process.stderr.write(`prismq export: ${(e as Error).message}\n`);
    return isQueueError(e, "VALIDATION") ? 2 : 1;
  } finally {
    await db.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`prismq export: ${message}\n`);
  return 2;
}
