/**
 * `prismq list`: tasks as a table or JSON, read-only.
 *
 * @module
 */
import { intOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { QueueClient, type Task, TASK_STATUSES, type TaskStatus } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP, READ_ONLY_EXIT_CODES } from "../lib/help.ts";
import { formatTable, formatTime, oneLine, out } from "../lib/output.ts";

/** `prismq list --help`. */
export const help = `Usage: prismq list [options]

Lists tasks by id as a table, or as JSON.

Reads the database without changing it (opened read-only; nothing is created or migrated).

Options:
  --status S           only tasks in status S (comma-separated for several): ${TASK_STATUSES.join(", ")}
  --type T             only tasks of type T
  --limit N            at most N tasks (default 50)
  --offset N           skip the first N matches (default 0)
  --order asc|desc     by id, oldest or newest first (default asc)
  --json               print JSON instead of a table
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`;

/** Parses `--status`, which may list several statuses separated by commas. */
function parseStatuses(raw: string | undefined): TaskStatus[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of list) {
    if (!(TASK_STATUSES as readonly string[]).includes(s)) {
      throw new UsageError(`--status must be one of ${TASK_STATUSES.join(", ")}, got '${s}'`);
    }
  }
  return list.length === 0 ? undefined : (list as TaskStatus[]);
}

/** `prismq list`: shows tasks as a table or JSON, to see what is queued, failing and why. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("list", args, {
    status: { type: "string" },
    type: { type: "string" },
    limit: { type: "string" },
    offset: { type: "string" },
    order: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("list", positionals, 0);
  const order = strOption(values, "order") ?? "asc";
  if (order !== "asc" && order !== "desc") throw new UsageError(`--order must be asc or desc, got '${order}'`);
  const listOptions = {
    status: parseStatuses(strOption(values, "status")),
    type: strOption(values, "type"),
    limit: intOption(values, "limit", 50, 1, 100_000),
    offset: intOption(values, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
    order: order as "asc" | "desc",
  };
  return withDb(values, "read", async (db) => {
    const tasks = await new QueueClient(db).listTasks(listOptions);
    if (values["json"] === true) {
      out(JSON.stringify(tasks, null, 2));
      return 0;
    }
    if (tasks.length === 0) {
      out("(no tasks)");
      return 0;
    }
    const rows = tasks.map((t: Task) => [
      String(t.id),
      oneLine(t.type, 40),
      t.status,
      String(t.priority),
      `${t.attempts}/${t.maxAttempts}`,
      formatTime(t.runAfter),
      oneLine(t.errorMessage, 60),
    ]);
    for (const line of formatTable(
      ["id", "type", "status", "priority", "attempts/max", "run_after (UTC)", "error"],
      rows,
      new Set([0, 3, 4]),
    )) {
      out(line);
    }
    return 0;
  });
}
