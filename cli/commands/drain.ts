/**
 * `prismq drain`: the middle step of a rollback. Waits for the tasks running now to finish,
 * then reports (and optionally exports) what is still queued. Read-only.
 *
 * @module
 */
import { drainQueue, exportTasks } from "../../src/index.ts";
import { intOption, noExtraPositionals, parseCommandArgs, strOption } from "../lib/args.ts";
import { withDb } from "../lib/db.ts";
import { durationOption } from "../lib/durations.ts";
import { COMMON_HELP, READ_ONLY_EXIT_CODES } from "../lib/help.ts";
import { refuseExisting, writeLines } from "../lib/jsonl.ts";
import { out } from "../lib/output.ts";

/** `prismq drain --help`. */
export const help = `Usage: prismq drain [--db PATH] [--timeout-ms N] [--out FILE] [--json]

Stop the producers first (set TASK_BACKEND=in-memory and restart, or call manager.drain()):
this command cannot stop other processes. It then waits until every task that is running now
has left 'processing' (finished, failed, or been reclaimed by a worker), up to --timeout-ms,
and lists what is still queued or running, by type and id. Nothing is claimed or changed (the
database is opened read-only). With --out the still-pending tasks are also exported as JSON
Lines (see 'prismq export'), ready for 'prismq import' elsewhere.

Options:
  --timeout-ms N       longest wait for running tasks (default 60000)
  --out FILE           export the pending tasks here (refused if FILE exists)
  --json               print the report as one JSON object
${COMMON_HELP}

Exit codes: 0 nothing is left queued or running, 3 tasks are still pending (listed), and as
every read-only command: ${READ_ONLY_EXIT_CODES.replace(/^Exit codes: /, "")} A file that cannot be written is exit 1.`;

/** `prismq drain`: waits for the running tasks, reports what is pending; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("drain", args, {
    "timeout-ms": { type: "string" },
    out: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("drain", positionals, 0);
  const timeoutMs = durationOption(values, "timeout-ms", 60_000, 0, 2 ** 31 - 1)!;
  const outPath = strOption(values, "out");
  if (outPath !== undefined) refuseExisting(outPath);
  return withDb(values, "read", async (db) => {
    const report = await drainQueue(db, { timeoutMs });
    if (outPath !== undefined && report.pending.length > 0) {
      const written = await writeLines("drain", exportTasks(db, { statuses: ["queued", "processing"] }), outPath);
      if (written === undefined) return 1;
    }
    if (values["json"] === true) {
      out(JSON.stringify(report));
    } else {
      out(`running at start: ${report.inFlightAtStart}, ${report.settled ? "all finished" : "NOT all finished"} after ${report.waitedMs} ms`);
      const queued = report.pending.filter((t) => t.status === "queued");
      const running = report.pending.filter((t) => t.status === "processing");
      const byType = Object.entries(report.queuedByType).map(([t, n]) => `${t}: ${n}`).join(", ");
      out(`still queued: ${queued.length}${queued.length > 0 ? ` (${byType})` : ""}`);
      if (queued.length > 0) out(`  ids: ${queued.map((t) => t.id).join(", ")}`);
      out(`still running: ${running.length}`);
      for (const t of running) out(`  ${t.id} ${t.type} held by ${t.lockedBy ?? "?"} (attempt ${t.attempts})`);
      if (outPath !== undefined && report.pending.length > 0) out(`exported ${report.pending.length} pending task(s) to ${outPath}`);
    }
    return report.pending.length === 0 ? 0 : 3;
  });
}
