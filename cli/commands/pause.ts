/**
 * `prismq pause` / `prismq resume`: hold back or allow new starts of one task type or of the
 * whole queue, stored in the database so every worker process obeys.
 *
 * @module
 */
import { noExtraPositionals, parseCommandArgs } from "../lib/args.ts";
import { QueueClient } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { out } from "../lib/output.ts";

/** `prismq pause --help`. */
export const help = `Usage: prismq pause [TYPE]

Pauses new starts of tasks of TYPE, or of every task without TYPE. The pause is stored in the
database: every worker process stops claiming them at its next claim. Tasks already running
run on. Undo with 'prismq resume [TYPE]'; see pauses and rate limits with 'prismq rate-limit --list'.

Options:
${COMMON_HELP}

Exit codes: 0 done, 1 database failure, 2 bad usage.`;

/** Runs pause or resume. @internal */
export async function pauseOrResume(command: "pause" | "resume", args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(command, args, {});
  noExtraPositionals(command, positionals, 1);
  const type = positionals[0];
  return withDb(values, "existing", async (db) => {
    const client = new QueueClient(db);
    await (command === "pause" ? client.pause(type) : client.resume(type));
    out(`${type === undefined ? "queue" : `type ${type}`}: ${command === "pause" ? "paused" : "resumed"}`);
    return 0;
  });
}

/** `prismq pause [TYPE]`: stops new work, e.g. while a downstream service is down. */
export function run(args: readonly string[]): Promise<number> {
  return pauseOrResume("pause", args);
}
