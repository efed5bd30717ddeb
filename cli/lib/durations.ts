/**
 * Duration flags of the CLI (`--delay-ms 5m`, `--every 1h`, `--timeout-ms 30s`): milliseconds in
 * plain digits as before, or a human duration read by the core's one parser (`parseDuration`,
 * over `@lukeed/ms`). Bad values are usage errors (exit 2) naming the flag.
 *
 * @module
 */
import { parseDuration } from "../../src/durations.ts";
import { isQueueError } from "../../src/errors.ts";
import { type ParsedValues, strOption, UsageError } from "./args.ts";

/** The duration in `--name`, in ms (`fallback` when absent), within `min`..`max`. */
export function durationOption(values: ParsedValues, name: string, fallback: number | undefined, min = 0, max = 2 ** 31 - 1): number | undefined {
  const raw = strOption(values, name);
  if (raw === undefined) return fallback;
  try {
    return parseDuration(raw, `--${name}`, { min, max });
  } catch (e) {
    if (isQueueError(e, "VALIDATION")) throw new UsageError(e.message);
    throw e;
  }
}
