/**
 * One log event as one line of JSON (`--log-format json` of `prismq worker`), for log shippers
 * (Loki, Elasticsearch, CloudWatch) that read a JSON object per line: `time` (ISO 8601 UTC),
 * `level` (`debug`/`info`/`warn`/`error`), `event` (the message), then the event's fields
 * (`taskId`, `type`, `workerId`, `durationMs`, `attempt`, `error`, …). Errors become their
 * `name: message`; values JSON cannot hold (bigint, cycles) become text, so a line is always
 * one valid JSON object.
 *
 * @module
 */

/** Fields a JSON log line starts with; an event field of the same name is kept as `field_`. */
const RESERVED = new Set(["time", "level", "event"]);

/** The JSON line (no newline) for one event. */
export function jsonLogLine(level: string, event: string, fields: Readonly<Record<string, unknown>> = {}, time: Date = new Date()): string {
  const record: Record<string, unknown> = { time: time.toISOString(), level: level.toLowerCase(), event };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    record[RESERVED.has(k) ? `${k}_` : k] = v instanceof Error ? `${v.name}: ${v.message}` : typeof v === "bigint" ? String(v) : v;
  }
  try {
    return JSON.stringify(record);
  } catch {
    // A cycle or something else JSON cannot hold: every field as text.
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) flat[k] = typeof v === "string" ? v : String(v);
    return JSON.stringify(flat);
  }
}
