/**
 * `prismq export`: the queue as JSON Lines (header, one line per task, end line with the
 * count), to a file or stdout, for migration, rollback and archiving. Read-only.
 *
 * @module
 */
import { exportTasks, TASK_STATUSES, type TaskStatus } from "../../src/index.ts";
import { noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP, READ_ONLY_EXIT_CODES } from "../lib/help.ts";
import { err } from "../lib/output.ts";
import { refuseExisting, writeLines } from "../lib/jsonl.ts";
import { exportHistory } from "../lib/history.ts";

/** `prismq export --help`. */
export const help = `Usage: prismq export [--db PATH] [--out FILE] [--status S[,S…]] [--history] [--force]

Writes every task (or those in the given statuses) as JSON Lines: a header line, one line per
task with every column (status, attempts, error message, idempotency key, times as stored in
UTC), and an end line with the count, so a cut file is noticed on import. Without --out the
lines go to stdout. With --out the file is written under a temporary name and renamed when
complete; an existing FILE is refused unless --force.

With --history the lines after the tasks carry every task_logs row and the workers table, so
'prismq import' into another database (a SQLite file into PostgreSQL, say) keeps each task's
history too:
  prismq export --db queue.db --history | prismq import --db postgres://host/db -

Reads the database without changing it (opened read-only; nothing is created or migrated).

Options:
  --out FILE           write here instead of stdout
  --status S,S         only tasks in these statuses (${TASK_STATUSES.join(", ")})
  --history            also every task_logs row and the workers table (not with --status)
  --force              overwrite FILE
${COMMON_HELP}

${READ_ONLY_EXIT_CODES} A file that cannot be written is exit 1.`;

/** Parses `--status S,S`, refusing unknown statuses. */
function statusesOf(raw: string | undefined): TaskStatus[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = list.find((s) => !(TASK_STATUSES as readonly string[]).includes(s));
  if (bad !== undefined || list.length === 0) {
    throw new UsageError(`--status must list statuses of ${TASK_STATUSES.join(", ")}, got '${raw}'`);
  }
  return list as TaskStatus[];
}

/** `prismq export`: writes the tasks as JSON Lines; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("export", args, {
    out: { type: "string" },
    status: { type: "string" },
    force: { type: "boolean" },
    history: { type: "boolean" },
  });
  noExtraPositionals("export", positionals, 0);
  const statuses = statusesOf(strOption(values, "status"));
  const outPath = strOption(values, "out");
  if (outPath !== undefined && values["force"] !== true) refuseExisting(outPath, "--force");
  const history = values["history"] === true;
  // A part of the tasks with all the logs would carry rows of tasks the file does not have.
  if (history && statuses !== undefined) throw new UsageError("--history exports the whole queue: it cannot be combined with --status");
  return withDb(values, "read", async (db) => {
    const lines = async function* (): AsyncGenerator<string> {
      yield* exportTasks(db, { statuses });
      if (history) yield* exportHistory(db);
    };
    const count = await writeLines("export", lines(), outPath);
    if (count === undefined) return 1;
    if (outPath !== undefined) err(`exported ${count} task(s) to ${outPath}`);
    return 0;
  });
}
