/**
 * Output shared by every `prismq` command: stdout/stderr lines, tables, times and sizes. A thrown
 * value is described with `describeThrown` (src/errors.ts), or `firstLine` of runtime/node.
 *
 * @module
 */
import type { BackupVerification } from "../../src/index.ts";

/** Writes one line to stdout; all normal output goes through here. */
export function out(line = ""): void {
  if (process.stdout.writable) process.stdout.write(`${line}\n`);
}

/**
 * Keeps `prismq list | head` from crashing: once the reader has gone, further output is dropped
 * and the command still finishes normally (closing the database).
 */
export function ignoreClosedStdout(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
    throw e;
  });
}

/** Writes one line to stderr, for errors and diagnostics. */
export function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Formats rows as a left-aligned text table with a header, for `list` and `stats`. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAlign: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** Epoch ms as compact UTC text, for table cells. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Shortens text to one table-friendly line. */
export function oneLine(text: string | null, max: number): string {
  if (text === null) return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Bytes as a short human figure: `12.3 MB`, `512 B`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "unknown";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A verification as one line: `ok (integrity ok, schema 3, 12 tasks)` or `FAILED (reason)`. */
export function verificationLine(v: BackupVerification): string {
  return v.ok
    ? `ok (integrity ok, schema ${String(v.schemaVersion)}, ${String(v.tasks)} tasks)`
    : `FAILED (${v.reason ?? v.problem ?? "verification failed"})`;
}

let exitNow = false;

/**
 * Asks the entry point to end the process as soon as the command returns, instead of waiting for
 * the event loop to empty: handlers (or a handlers module's import) may still be running.
 */
export function requestExitNow(): void {
  exitNow = true;
}

/** True once {@link requestExitNow} was called. */
export function exitNowRequested(): boolean {
  return exitNow;
}
