/**
 * `prismq rate-limit`: sets, clears or lists rate limits per task type (and lists pauses).
 *
 * @module
 */
import { intOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { parseDuration, QueueClient } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { formatTable, formatTime, out } from "../lib/output.ts";

/** `prismq rate-limit --help`. */
export const help = `Usage: prismq rate-limit TYPE --max N --per DURATION
       prismq rate-limit TYPE --clear
       prismq rate-limit --list [--json]

At most N tasks of TYPE start per window of DURATION, across every worker process (enforced in
the claim; a window opens at the first start after the previous one ended). --list shows every
pause and rate limit in force.

Options:
  --max N              starts per window (1 or more)
  --per D              window length, e.g. 1s, 500ms, 1m
  --clear              remove TYPE's rate limit
  --list               list pauses and rate limits
  --json               with --list: JSON
${COMMON_HELP}

Exit codes: 0 done, 1 database failure, 2 bad usage.`;

/** `prismq rate-limit`: protects a downstream service from too many starts. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("rate-limit", args, {
    max: { type: "string" },
    per: { type: "string" },
    clear: { type: "boolean" },
    list: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values["list"] === true) {
    noExtraPositionals("rate-limit", positionals, 0);
    return withDb(values, "read", async (db) => {
      const controls = await new QueueClient(db).controls();
      if (values["json"] === true) {
        out(JSON.stringify(controls, null, 2));
        return 0;
      }
      if (controls.length === 0) {
        out("(no pauses or rate limits)");
        return 0;
      }
      const rows = controls.map((c) => [
        c.type ?? "(whole queue)",
        c.paused ? "paused" : "-",
        c.rateLimit === null ? "-" : `${c.rateLimit.max} per ${c.rateLimit.intervalMs} ms`,
        c.rateLimit === null ? "-" : `${c.windowStarts} until ${formatTime(c.windowEndsAt)}`,
      ]);
      for (const line of formatTable(["type", "pause", "rate limit", "current window"], rows)) out(line);
      return 0;
    });
  }
  noExtraPositionals("rate-limit", positionals, 1);
  const type = positionals[0];
  if (type === undefined) throw new UsageError("missing TYPE (usage: prismq rate-limit TYPE --max N --per DURATION)");
  if (values["clear"] === true) {
    return withDb(values, "existing", async (db) => {
      await new QueueClient(db).clearRateLimit(type);
      out(`type ${type}: rate limit removed`);
      return 0;
    });
  }
  const max = intOption(values, "max", undefined, 1, 1_000_000_000);
  const per = strOption(values, "per");
  if (max === undefined || per === undefined) throw new UsageError("give --max N and --per DURATION (or --clear, or --list)");
  const intervalMs = parseDuration(per, "--per", { min: 1 });
  return withDb(values, "existing", async (db) => {
    await new QueueClient(db).setRateLimit(type, { max, intervalMs });
    out(`type ${type}: at most ${max} start(s) per ${intervalMs} ms`);
    return 0;
  });
}
