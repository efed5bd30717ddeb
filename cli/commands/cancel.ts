/**
 * `prismq cancel`: cancels queued or processing tasks by id.
 *
 * @module
 */
import { parseCommandArgs, UsageError } from "../lib/args.ts";
import { QueueClient, isQueueError } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { err, out } from "../lib/output.ts";
import { taskIdArg } from "./show.ts";

/** `prismq cancel --help`. */
export const help = `Usage: prismq cancel ID [ID...]

Cancels each queued or processing task. A running handler sees its AbortSignal fire at its
worker's next lease renewal, and its result is then refused. Prints one line per id.

Exit codes: 0 every task was cancelled, 1 a task did not exist or had already finished (the
others are still cancelled), or a database failure, 2 bad usage.

Options:
${COMMON_HELP}`;

/** What one id's change did, for the line printed. */
type Change = "done" | "unchanged" | "missing";

/** Applies `change` to each id, prints a line each, and returns the exit code. @internal */
export async function changeEach(
  ids: readonly number[],
  change: (id: number) => Promise<boolean>,
  status: (id: number) => Promise<string | null>,
  verb: string,
): Promise<number> {
  let code = 0;
  for (const id of ids) {
    let r: Change;
    try {
      r = (await change(id)) ? "done" : "unchanged";
    } catch (e) {
      if (!isQueueError(e, "TASK_NOT_FOUND")) throw e;
      r = "missing";
    }
    if (r === "done") out(`${id}: ${verb}`);
    else {
      code = 1;
      err(r === "missing" ? `${id}: no such task` : `${id}: not ${verb} (status ${(await status(id)) ?? "?"})`);
    }
  }
  return code;
}

/** Task ids from the positionals, at least one. @internal */
export function taskIds(positionals: readonly string[], command: string): number[] {
  if (positionals.length === 0) throw new UsageError(`missing ID (usage: prismq ${command} ID [ID...])`);
  return positionals.map((p) => taskIdArg(p, command));
}

/** `prismq cancel ID...`: stops tasks that should not run (any more). */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("cancel", args, {});
  const ids = taskIds(positionals, "cancel");
  return withDb(values, "existing", async (db) => {
    const client = new QueueClient(db);
    return changeEach(ids, (id) => client.cancel(id), async (id) => (await client.getTask(id))?.status ?? null, "cancelled");
  });
}
