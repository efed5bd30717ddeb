/**
 * `prismq drain`: the middle step of a rollback. Waits for the tasks running now to finish,
 * then reports (and optionally exports) what is still queued.
 *
 * @module
 */
import { createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { openQueueDatabase, type NodeDriverName, resolveDbPath } from "../../adapters/node/index.ts";
import { drainQueue, exportTasks, isQueueError } from "../../src/index.ts";

/** `prismq drain --help`. */
export const HELP = `Usage: prismq drain [--db PATH] [--timeout-ms N] [--out FILE] [--json]

Stop the producers first (set TASK_BACKEND=in-memory and restart, or call manager.drain()):
this command cannot stop other processes. It then waits until every task that is running now
has finished (or its lease ran out), up to --timeout-ms, and lists what is still queued or
running, by type and id. Nothing is claimed or changed. With --out the still-pending tasks are
also exported as JSON Lines (see 'prismq export'), ready for 'prismq import' elsewhere.

  --db PATH            database file (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default: auto)
  --timeout-ms N       longest wait for running tasks (default 60000)
  --out FILE           export the pending tasks here (refused if FILE exists)
  --json               print the report as one JSON object
  -h, --help           show this help

Exit codes: 0 nothing is left queued or running, 3 tasks are still pending (listed), 1 database
or file error, 2 bad arguments.`;

const DRIVERS = ["auto", "better-sqlite3", "node-sqlite"];

/** Runs `prismq drain` with the arguments after the command name; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        db: { type: "string" },
        driver: { type: "string" },
        "timeout-ms": { type: "string" },
        out: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (e) {
    return usage(String((e as Error).message).split("\n")[0]!);
  }
  if (values["help"] === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const driver = (values["driver"] as string | undefined) ?? "auto";
  if (!DRIVERS.includes(driver)) return usage(`--driver must be one of ${DRIVERS.join(", ")}, got '${driver}'`);
  const rawTimeout = (values["timeout-ms"] as string | undefined) ?? "60000";
  if (!/^\d{1,10}$/.test(rawTimeout)) return usage(`--timeout-ms expects a whole number of milliseconds, got '${rawTimeout}'`);
  const outPath = values["out"] as string | undefined;
  if (outPath !== undefined && existsSync(outPath)) return usage(`${outPath} exists`);
  let db;
  try {
    db = await openQueueDatabase({ path: values["db"] as string | undefined, driver: driver as NodeDriverName });
  } catch (e) {
    process.stderr.write(`prismq drain: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const report = await drainQueue(db, { timeoutMs: Number(rawTimeout) });
    if (outPath !== undefined && report.pending.length > 0) {
      const tmp = `${outPath}.partial-${process.pid}`;
      try {
        const stream = createWriteStream(tmp, { flags: "wx" });
        for await (const line of exportTasks(db, { statuses: ["queued", "processing"] })) {
          if (!stream.write(line)) await once(stream, "drain");
        }
        stream.end();
        await once(stream, "finish");
        renameSync(tmp, outPath);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
    }
    if (values["json"] === true) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const out = (s: string): boolean => process.stdout.write(`${s}\n`);
      out(`running at start: ${report.inFlightAtStart}, ${report.settled ? "all finished" : "NOT all finished"} after ${report.waitedMs} ms`);
      const queued = report.pending.filter((t) => t.status === "queued");
      const running = report.pending.filter((t) => t.status === "processing");
      out(`still queued: ${queued.length}${queued.length > 0 ? ` (${Object.entries(report.queuedByType).map(([t, n]) => `${t}: ${n}`).join(", ")})` : ""}`);
      if (queued.length > 0) out(`  ids: ${queued.map((t) => t.id).join(", ")}`);
      out(`still running: ${running.length}`);
      for (const t of running) out(`  ${t.id} ${t.type} held by ${t.lockedBy ?? "?"} (attempt ${t.attempts})`);
      if (outPath !== undefined && report.pending.length > 0) out(`exported ${report.pending.length} pending task(s) to ${outPath}`);
    }
    return report.pending.length === 0 ? 0 : 3;
  } catch (e) {
    process.stderr.write(`prismq drain: ${(e as Error).message}\n`);
    return isQueueError(e, "VALIDATION") ? 2 : 1;
  } finally {
    await db.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`prismq drain: ${message}\n`);
  return 2;
}
