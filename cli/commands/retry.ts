/**
 * `prismq retry`: puts failed or dead-lettered tasks back in the queue by id.
 *
 * @module
 */
import { parseCommandArgs } from "../lib/args.ts";
import { QueueClient } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { changeEach, taskIds } from "./cancel.ts";

/** `prismq retry --help`. */
export const help = `Usage: prismq retry ID [ID...]

Puts each failed or dead_letter task back in the queue, runnable now, with its attempt count
reset. Prints one line per id. For many tasks at once see 'prismq redrive'.

Exit codes: 0 every task was requeued, 1 a task did not exist or was in another status (the
others are still requeued), or a database failure, 2 bad usage.

Options:
${COMMON_HELP}`;

/** `prismq retry ID...`: runs failed tasks again once their cause is fixed. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("retry", args, {});
  const ids = taskIds(positionals, "retry");
  return withDb(values, "existing", async (db) => {
    const client = new QueueClient(db);
    return changeEach(ids, (id) => client.retry(id), async (id) => (await client.getTask(id))?.status ?? null, "requeued");
  });
}
