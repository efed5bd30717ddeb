/**
 * `prismq redrive`: requeues failed or dead-lettered tasks in bulk.
 *
 * @module
 */
import { intOption, noExtraPositionals, parseCommandArgs, strOption } from "../lib/args.ts";
import { QueueClient } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { out } from "../lib/output.ts";
import { finishedStatuses } from "./purge.ts";

/** `prismq redrive --help`. */
export const help = `Usage: prismq redrive [--type T] [--status S] [--limit N] [--json]

Puts failed or dead-lettered tasks back in the queue, runnable now, each with its attempt
count reset, its error, progress and result cleared, and a task_logs row (reason "redrive").
Oldest ids first, in batches of 500.

Options:
  --type T             only tasks of type T (default: every type)
  --status S           dead_letter, failed, or both comma-separated (default dead_letter)
  --limit N            requeue at most N tasks
  --json               print {"requeued": N} as JSON
${COMMON_HELP}

Exit codes: 0 done (also when nothing matched), 1 database failure, 2 bad usage.`;

/** `prismq redrive`: runs a dead-letter backlog again once its cause is fixed. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("redrive", args, {
    type: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("redrive", positionals, 0);
  const statuses = finishedStatuses(strOption(values, "status"), ["failed", "dead_letter"]) as ("failed" | "dead_letter")[] | undefined;
  const options = { type: strOption(values, "type"), statuses, limit: intOption(values, "limit", undefined, 1, Number.MAX_SAFE_INTEGER) };
  return withDb(values, "existing", async (db) => {
    const requeued = await new QueueClient(db).redrive(options);
    out(values["json"] === true ? JSON.stringify({ requeued }) : `${requeued} task(s) requeued`);
    return 0;
  });
}
