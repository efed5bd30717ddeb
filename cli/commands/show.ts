/**
 * `prismq show`: one task in full (status, attempts, times, error, progress, result) and its
 * latest log rows, read-only.
 *
 * @module
 */
import { intOption, noExtraPositionals, parseCommandArgs, UsageError } from "../lib/args.ts";
import { QueueClient, type Task, TaskNotFoundError } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP, READ_ONLY_EXIT_CODES } from "../lib/help.ts";
import { formatTime, oneLine, out } from "../lib/output.ts";

/** `prismq show --help`. */
export const help = `Usage: prismq show ID [--logs N] [--json]

Shows one task: type, status, attempts, priority, times, lease holder, error, idempotency key,
payload, the last progress its handler reported and its stored result, then its latest log
rows. Exit 1 if there is no task with that id.

Reads the database without changing it (opened read-only).

Options:
  --logs N             show the N latest log rows (default 10, 0 for none)
  --json               print {"task": …, "logs": […]} as JSON
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`;

/** A task id from the command line, or a usage error. */
export function taskIdArg(raw: string | undefined, command: string): number {
  if (raw === undefined) throw new UsageError(`missing ID (usage: prismq ${command} ID)`);
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`ID must be a positive integer, got '${raw}'`);
  return n;
}

const json = (v: unknown): string => (v === null || v === undefined ? "-" : JSON.stringify(v));

/** The task as `key: value` lines. */
function taskLines(t: Task): string[] {
  return [
    `id:              ${t.id}`,
    `type:            ${t.type}`,
    `status:          ${t.status}`,
    `attempts:        ${t.attempts}/${t.maxAttempts}`,
    `priority:        ${t.priority}`,
    `run after:       ${formatTime(t.runAfter)}`,
    `created:         ${formatTime(t.createdAt)}`,
    `started:         ${formatTime(t.processingStartedAt)}`,
    `finished:        ${formatTime(t.finishedAt)}`,
    `lease until:     ${formatTime(t.leaseUntil)}`,
    `locked by:       ${t.lockedBy ?? "-"}`,
    `idempotency key: ${t.idempotencyKey ?? "-"}`,
    `error:           ${oneLine(t.errorMessage, 200) || "-"}`,
    `payload:         ${oneLine(json(t.payload), 500)}`,
    `progress:        ${oneLine(json(t.progress), 500)}`,
    `result:          ${oneLine(json(t.result), 500)}`,
  ];
}

/** `prismq show ID`: everything stored about one task, to see why it failed or how far it got. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("show", args, { logs: { type: "string" }, json: { type: "boolean" } });
  noExtraPositionals("show", positionals, 1);
  const id = taskIdArg(positionals[0], "show");
  const logLimit = intOption(values, "logs", 10, 0, 10_000) ?? 10;
  return withDb(values, "read", async (db) => {
    const task = await new QueueClient(db).getTask(id);
    if (task === null) throw new TaskNotFoundError(id);
    const logs =
      logLimit === 0
        ? []
        : (await db.run(db.dialect.observability.selectTaskLogs({ taskId: id, level: null, limit: logLimit }))).rows.map((r) => ({
            at: String(r["at_utc"]),
            level: String(r["level"]),
            message: r["message"] === null ? null : String(r["message"]),
          }));
    if (values["json"] === true) {
      out(JSON.stringify({ task, logs }, null, 2));
      return 0;
    }
    for (const line of taskLines(task)) out(line);
    if (logLimit > 0) {
      out(`logs (latest ${logLimit}, newest first):`);
      if (logs.length === 0) out("  (none)");
      for (const l of logs) out(`  ${l.at}  ${l.level.padEnd(7)} ${oneLine(l.message, 160)}`);
    }
    return 0;
  });
}
