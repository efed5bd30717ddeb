/**
 * The Prometheus text exposition (format 0.0.4) of `QueueMetrics`' figures: pure rendering, so
 * the families and escaping are checked without a database.
 *
 * @module
 */
import type { ProcessingTimePercentiles, QueueDepthByStatus, WorkerCounts } from "./metrics-types.ts";

/** The `Content-Type` a `/metrics` endpoint serving {@link QueueMetrics.toPrometheus} should send. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A valid metric name (also the rule for the prefix). */
export const METRIC_NAME: RegExp = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The quantiles of the Prometheus summary, as rank percentages and as label text. */
const QUANTILES: readonly (readonly [percent: number, label: string])[] = [
  [50, "0.5"],
  [90, "0.9"],
  [95, "0.95"],
  [99, "0.99"],
];

/** Escapes a label value for the text format: backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes `# HELP` text: backslash and line feed (a quote needs no escape there). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Formats a sample value as Go's `ParseFloat` reads it (`NaN`, `+Inf`, `-Inf`, decimal or exponent). */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** The figures one exposition is rendered from. */
export interface PrometheusInput {
  readonly prefix: string;
  readonly byStatus: QueueDepthByStatus;
  readonly byType: Readonly<Record<string, number>>;
  readonly processing: ProcessingTimePercentiles;
  readonly workers: WorkerCounts;
  /** Oldest waiting age in ms, null when nothing waits. */
  readonly oldestMs: number | null;
  readonly busyRetries: number;
}

/** The exposition text of `input`; see `QueueMetrics.toPrometheus` for the families. */
export function renderPrometheus(input: PrometheusInput): string {
  const { prefix, byStatus, byType, processing, workers } = input;
  const oldest = input.oldestMs;
  const lines: string[] = [];
  const family = (name: string, type: "gauge" | "counter" | "summary", help: string): string => {
    const full = `${prefix}_${name}`;
    lines.push(`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} ${type}`);
    return full;
  };
  const sample = (name: string, labels: Readonly<Record<string, string>>, value: number): void => {
    const entries = Object.entries(labels);
    const text =
      entries.length === 0 ? "" : `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
    lines.push(`${name}${text} ${formatValue(value)}`);
  };

  const tasks = family("tasks", "gauge", "Tasks in the queue table by status.");
  for (const [status, n] of Object.entries(byStatus)) sample(tasks, { status }, n);

  const queued = family("queued_tasks", "gauge", "Queued tasks by type.");
  for (const [type, n] of Object.entries(byType)) sample(queued, { type }, n);

  for (const [status, name] of [
    ["completed", "completed_total"],
    ["failed", "failed_total"],
    ["dead_letter", "dead_letter_total"],
  ] as const) {
    const full = family(name, "counter", `Tasks in status ${status} (rows now in the table).`);
    sample(full, {}, byStatus[status]);
  }

  const proc = family(
    "processing_seconds",
    "summary",
    "Processing time of tasks completed in the last 24 hours (nearest-rank quantiles).",
  );
  const quantileMs = [processing.p50Ms, processing.p90Ms, processing.p95Ms, processing.p99Ms];
  QUANTILES.forEach(([, label], i) => {
    const ms = quantileMs[i];
    sample(proc, { quantile: label }, ms === null || ms === undefined ? Number.NaN : ms / 1000);
  });
  sample(`${proc}_sum`, {}, processing.sumMs / 1000);
  sample(`${proc}_count`, {}, processing.count);

  const busy = family("busy_retries_total", "counter", "Busy retries spent by this database connection.");
  sample(busy, {}, input.busyRetries);

  const w = family("workers", "gauge", "Registered workers by heartbeat state.");
  sample(w, { state: "active" }, workers.active);
  sample(w, { state: "stale" }, workers.stale);

  const age = family(
    "oldest_queued_task_age_seconds",
    "gauge",
    "How long the longest-waiting runnable queued task has waited.",
  );
  sample(age, {}, (oldest ?? 0) / 1000);

  return `${lines.join("\n")}\n`;
}
