/**
 * `prismq purge`: deletes finished tasks (and their logs) by status and age.
 *
 * @module
 */
import { intOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { parseDuration, QueueClient, RETAINED_STATUSES, type RetainedStatus } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { out } from "../lib/output.ts";

/** `prismq purge --help`. */
export const help = `Usage: prismq purge --older-than DURATION [--status S] [--limit N] [--json]

Deletes finished tasks that finished at least DURATION ago, with their log rows, in batches of
500. Workers can do this on their own: see the worker option 'retention'.

Options:
  --older-than D       age, e.g. 0, 30m, 7d (required, so nothing is purged by accident)
  --status S           which finished statuses, comma-separated (default: all of
                       ${RETAINED_STATUSES.join(", ")})
  --limit N            delete at most N tasks per status
  --json               print {"deleted": N} as JSON
${COMMON_HELP}

Exit codes: 0 done, 1 database failure, 2 bad usage.`;

/** `--status` for purge: finished statuses only. */
export function finishedStatuses(raw: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of list) {
    if (!allowed.includes(s)) throw new UsageError(`--status must be one of ${allowed.join(", ")}, got '${s}'`);
  }
  if (list.length === 0) throw new UsageError("--status names no status");
  return list;
}

/** `prismq purge`: frees space taken by old finished tasks. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("purge", args, {
    "older-than": { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("purge", positionals, 0);
  const raw = strOption(values, "older-than");
  if (raw === undefined) throw new UsageError("--older-than is required (0 purges every finished task of the statuses)");
  const olderThanMs = parseDuration(raw, "--older-than");
  const statuses = finishedStatuses(strOption(values, "status"), RETAINED_STATUSES) as RetainedStatus[] | undefined;
  const limit = intOption(values, "limit", undefined, 1, Number.MAX_SAFE_INTEGER);
  return withDb(values, "existing", async (db) => {
    const deleted = await new QueueClient(db).purge({ statuses, olderThanMs, limit });
    out(values["json"] === true ? JSON.stringify({ deleted }) : `${deleted} task(s) deleted, with their logs`);
    return 0;
  });
}
