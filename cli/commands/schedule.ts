/**
 * `prismq schedule add|list|remove|enable|disable|tick`: the schedules stored in the database,
 * which every running worker fires (each occurrence once, however many workers run).
 *
 * @module
 */
import { describeThrown } from "../../src/errors.ts";
import { QueueScheduler, type Schedule, type ScheduleDefinition } from "../../src/index.ts";
import { intOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { withDb } from "../lib/db.ts";
import { durationOption } from "../lib/durations.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { formatTable, formatTime, out } from "../lib/output.ts";

/** `prismq schedule --help`. */
export const help = `Usage: prismq schedule add NAME TYPE [PAYLOAD_JSON] (--cron EXPR [--tz ZONE] | --every DURATION) [options]
       prismq schedule list [--json]
       prismq schedule remove NAME
       prismq schedule enable NAME | disable NAME
       prismq schedule tick

Schedules live in the database: every running worker (option scheduleIntervalMs, default 1 s)
enqueues each due occurrence exactly once, however many workers run. Adding an existing NAME
replaces it (keeping its next run when the timing is unchanged).

Options of add:
  --cron EXPR          cron expression, 5 fields (or 6 with seconds first), e.g. '0 3 * * *'
  --tz ZONE            IANA time zone the cron expression is read in (default Etc/UTC)
  --every DURATION     fixed interval instead of cron: 30s, 5m, 1h, 1d or ms
  --start-at TIME      first run of an --every schedule (ISO 8601; default now + interval)
  --missed POLICY      skip (default: only the latest missed occurrence runs) or catch_up
  --catch-up-limit N   most missed occurrences enqueued at once under catch_up (default 10)
  --priority N         task priority (default 100)
  --max-attempts N     executions allowed per task (default 5)
  --disabled           store it without firing
  --json               list: one JSON object per schedule
${COMMON_HELP}

Examples:
  prismq schedule add nightly-report report '{"kind":"daily"}' --cron '0 3 * * *' --tz Europe/Prague
  prismq schedule add sync sync --every 5m --missed catch_up --catch-up-limit 3

Exit codes: 0 done, 1 database failure or (remove/enable/disable) no such schedule, 2 bad usage.`;

const OPTIONS = {
  cron: { type: "string" },
  tz: { type: "string" },
  every: { type: "string" },
  "start-at": { type: "string" },
  missed: { type: "string" },
  "catch-up-limit": { type: "string" },
  priority: { type: "string" },
  "max-attempts": { type: "string" },
  disabled: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** `prismq schedule …`: manages schedules from the shell or a deploy script. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("schedule", args, OPTIONS);
  const [sub, ...rest] = positionals;
  switch (sub) {
    case "add": {
      noExtraPositionals("schedule add", rest, 3);
      const def = definition(rest, values);
      return withDb(values, "create", async (db) => {
        const s = await new QueueScheduler(db).add(def);
        out(`schedule ${s.name}: next run ${formatTime(s.nextRunAt)}`);
        return 0;
      });
    }
    case "list":
      noExtraPositionals("schedule list", rest, 0);
      return withDb(values, "existing", async (db) => {
        const list = await new QueueScheduler(db).list();
        if (values["json"] === true) for (const s of list) out(JSON.stringify(s));
        else if (list.length === 0) out("no schedules");
        else for (const line of formatTable(["NAME", "TYPE", "WHEN", "MISSED", "NEXT RUN", "LAST RUN", "ENABLED"], list.map(row))) out(line);
        return 0;
      });
    case "remove":
    case "enable":
    case "disable": {
      noExtraPositionals(`schedule ${sub}`, rest, 1);
      const name = rest[0];
      if (name === undefined) throw new UsageError(`missing NAME (usage: prismq schedule ${sub} NAME)`);
      return withDb(values, "existing", async (db) => {
        const scheduler = new QueueScheduler(db);
        const ok = sub === "remove" ? await scheduler.remove(name) : await scheduler.setEnabled(name, sub === "enable");
        out(ok ? `schedule ${name}: ${sub === "remove" ? "removed" : `${sub}d`}` : `no schedule named ${name}`);
        return ok ? 0 : 1;
      });
    }
    case "tick":
      noExtraPositionals("schedule tick", rest, 0);
      return withDb(values, "existing", async (db) => {
        const r = await new QueueScheduler(db).tick();
        out(`enqueued ${r.enqueued} task(s) from ${r.fired.length} schedule(s)`);
        return 0;
      });
    default:
      throw new UsageError(`expected add, list, remove, enable, disable or tick (see 'prismq schedule --help')`);
  }
}

function definition(rest: readonly string[], values: Record<string, unknown>): ScheduleDefinition {
  const [name, type, payloadText] = rest;
  if (name === undefined || type === undefined) throw new UsageError("usage: prismq schedule add NAME TYPE [PAYLOAD_JSON] (--cron EXPR | --every DURATION)");
  let payload: unknown = {};
  if (payloadText !== undefined) {
    try {
      payload = JSON.parse(payloadText);
    } catch (e) {
      throw new UsageError(`PAYLOAD_JSON is not valid JSON (${describeThrown(e).message.split("\n")[0]})`);
    }
  }
  const v = values as Parameters<typeof strOption>[0];
  const cron = strOption(v, "cron");
  const every = durationOption(v, "every", undefined, 1, Number.MAX_SAFE_INTEGER);
  if ((cron === undefined) === (every === undefined)) throw new UsageError("give --cron or --every (one of them)");
  const startText = strOption(v, "start-at");
  const startAt = startText === undefined ? undefined : Date.parse(startText);
  if (startAt !== undefined && Number.isNaN(startAt)) throw new UsageError(`--start-at expects an ISO 8601 time, got '${startText}'`);
  const missed = strOption(v, "missed");
  if (missed !== undefined && missed !== "skip" && missed !== "catch_up") throw new UsageError(`--missed must be skip or catch_up, got '${missed}'`);
  return {
    name,
    type,
    payload,
    cron,
    timeZone: strOption(v, "tz"),
    every,
    startAt,
    missed,
    catchUpLimit: intOption(v, "catch-up-limit", undefined, 1, 1000),
    priority: intOption(v, "priority", undefined, -2_147_483_648, 2_147_483_647),
    maxAttempts: intOption(v, "max-attempts", undefined, 1, 1_000_000),
    enabled: v["disabled"] !== true,
  };
}

function row(s: Schedule): string[] {
  const when = s.cron !== null ? `cron ${s.cron}${s.timeZone !== null ? ` (${s.timeZone})` : ""}` : `every ${s.intervalMs} ms`;
  const missed = s.missed === "catch_up" ? `catch_up ≤${s.catchUpLimit}` : "skip";
  return [s.name, s.type, when, missed, formatTime(s.nextRunAt), formatTime(s.lastRunAt), s.enabled ? "yes" : "no"];
}
