/**
 * The application logger seam: what `QueueLogger`, the worker and the task managers write their
 * human-readable lines to.
 *
 * @module
 */

/** A structured application logger; pino, winston and `console` all fit with a thin wrapper. */
export interface AppLogger {
  /** Detail for troubleshooting. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Lifecycle events. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something recovered from, worth a look. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure. */
  error(message: string, fields?: Record<string, unknown>): void;
}

const toConsole =
  (method: "debug" | "info" | "warn" | "error") =>
  (message: string, fields?: Record<string, unknown>): void => {
    if (fields === undefined) console[method](message);
    else console[method](message, fields);
  };

/** An {@link AppLogger} that writes to the global `console`. */
export const consoleLogger: AppLogger = Object.freeze({
  debug: toConsole("debug"),
  info: toConsole("info"),
  warn: toConsole("warn"),
  error: toConsole("error"),
});

const noop = (): void => {};

/** An {@link AppLogger} that drops everything (the table is then the only record). */
export const silentLogger: AppLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
