/**
 * `prismq stats`: counts by status and the health verdict, read-only.
 *
 * @module
 */
import { noExtraPositionals, parseCommandArgs } from "../lib/args.ts";
import { QueueClient, type QueueHealthSummary, QueueMetrics, TASK_STATUSES } from "../../src/index.ts";
import { shownDbPath, withDb } from "../lib/db.ts";
import { COMMON_HELP, READ_ONLY_EXIT_CODES } from "../lib/help.ts";
import { formatTable, out } from "../lib/output.ts";

/** `prismq stats --help`. */
export const help = `Usage: prismq stats [--json]

Prints task counts by status and the total, and the queue's health verdict (healthy, degraded
or unhealthy, with the reasons). The JSON form has one key per status, "total", and "health":
the full health summary of 'prismq metrics --format json'.

The database is opened read-only: nothing is created or migrated.

Options:
  --json               print JSON instead of a table
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`;

/** The health verdict and its reasons on one line, e.g. `degraded (2 stale workers)`. */
function healthLine(health: QueueHealthSummary): string {
  return health.reasons.length === 0 ? health.status : `${health.status} (${health.reasons.join("; ")})`;
}

/** `prismq stats`: counts by status, the quickest health check of a queue. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("stats", args, { json: { type: "boolean" } });
  noExtraPositionals("stats", positionals, 0);
  return withDb(values, "read", async (db, path) => {
    const stats = await new QueueClient(db).stats();
    const health = await new QueueMetrics(db).getQueueHealthSummary();
    if (values["json"] === true) {
      // The counts stay top-level keys (scripts read them); the health summary is added beside them.
      out(JSON.stringify({ ...stats, health }));
      return 0;
    }
    const rows = [...TASK_STATUSES, "total" as const].map((s) => [s, String(stats[s])]);
    for (const line of formatTable(["status", "tasks"], rows, new Set([1]))) out(line);
    out(`health:   ${healthLine(health)}`);
    out(`database: ${shownDbPath(path)}`);
    return 0;
  });
}
