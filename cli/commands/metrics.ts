/**
 * `prismq metrics`: Prometheus text or the health summary, read-only.
 *
 * @module
 */
import { noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { QueueMetrics } from "../../src/index.ts";
import { withDb } from "../lib/db.ts";
import { COMMON_HELP, READ_ONLY_EXIT_CODES } from "../lib/help.ts";
import { out } from "../lib/output.ts";

/** `prismq metrics --help`. */
export const help = `Usage: prismq metrics [--format prometheus|json]

Prints the queue's metrics: in the Prometheus text exposition format (default; task counts by
status and type, processing-time quantiles over 24 h, workers by heartbeat state, age of the
oldest runnable task), or as JSON, the health summary (verdict and reasons, depth by status,
24 h success/failure rates, 1 h throughput, worker counts). For a node_exporter textfile
collector, write a temporary file and rename it, so the collector never reads half a file:
  prismq metrics > prismq.prom.tmp && mv prismq.prom.tmp /var/lib/node_exporter/prismq.prom

The database is opened read-only: nothing is created or migrated.

Options:
  --format F           prometheus (default) or json
  --json               same as --format json
${COMMON_HELP}

${READ_ONLY_EXIT_CODES}`;

/** `prismq metrics`: Prometheus text for a scrape or textfile collector, or the health summary as JSON. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("metrics", args, {
    format: { type: "string" },
    json: { type: "boolean" },
  });
  noExtraPositionals("metrics", positionals, 0);
  const format = strOption(values, "format") ?? (values["json"] === true ? "json" : "prometheus");
  if (format !== "prometheus" && format !== "json") {
    throw new UsageError(`--format must be prometheus or json, got '${format}'`);
  }
  if (values["json"] === true && format !== "json") throw new UsageError("--json conflicts with --format prometheus");
  return withDb(values, "read", async (db) => {
    const metrics = new QueueMetrics(db);
    if (format === "json") {
      out(JSON.stringify(await metrics.getQueueHealthSummary(), null, 2));
    } else {
      // The exposition already ends with a newline; out() adds the line's own.
      out((await metrics.toPrometheus()).replace(/\n$/, ""));
    }
    return 0;
  });
}
