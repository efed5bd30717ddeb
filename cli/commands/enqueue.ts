/**
 * `prismq enqueue`: add one task from the shell.
 *
 * @module
 */
import { intOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { describeThrown } from "../../src/errors.ts";
import { QueueClient } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { durationOption } from "../lib/durations.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { out } from "../lib/output.ts";

/** `prismq enqueue --help`. */
export const help = `Usage: prismq enqueue TYPE [PAYLOAD_JSON] [options]

Adds one task of type TYPE with a JSON payload (default {}) and prints its id.

Options:
  --priority N         lower runs first (default 100)
  --delay-ms N         not runnable for N ms (or a duration: 30s, 5m, 1h, 1d)
  --max-attempts N     executions allowed, including the first (default 5)
  --key KEY            idempotency key: a second enqueue with it returns the first task's id
${COMMON_HELP}

Example:
  prismq enqueue email '{"to":"a@example.com"}' --priority 10 --max-attempts 3`;

/** `prismq enqueue`: adds one task from the shell (scripts, cron jobs, manual testing). */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("enqueue", args, {
    priority: { type: "string" },
    "delay-ms": { type: "string" },
    "max-attempts": { type: "string" },
    key: { type: "string" },
  });
  const [type, payloadText] = positionals;
  if (type === undefined || type === "") throw new UsageError("missing TYPE (usage: prismq enqueue TYPE [PAYLOAD_JSON] [options])");
  noExtraPositionals("enqueue", positionals, 2);
  let payload: unknown = {};
  if (payloadText !== undefined) {
    try {
      payload = JSON.parse(payloadText);
    } catch (e) {
      throw new UsageError(`PAYLOAD_JSON is not valid JSON (${describeThrown(e).message.split("\n")[0]})`);
    }
  }
  const options = {
    priority: intOption(values, "priority", undefined, -2_147_483_648, 2_147_483_647),
    delayMs: durationOption(values, "delay-ms", undefined, 0, 2 ** 31 - 1),
    maxAttempts: intOption(values, "max-attempts", undefined, 1, 1_000_000),
    idempotencyKey: strOption(values, "key"),
  };
  return withDb(values, "create", async (db) => {
    const id = await new QueueClient(db).enqueue(type, payload, options);
    out(String(id));
    return 0;
  });
}
