/**
 * Duration flags of the CLI (`--delay-ms 5m`, `--every 1h`, `--timeout-ms 30s`): milliseconds in
 * plain decimal digits as before (read and bounded by `intOption`, same messages), or a number
 * with a unit read by the core's one parser (`parseDuration`, over `@lukeed/ms`). Anything else
 * is a usage error (exit 2) naming the flag.
 *
 * @module
 */
import { parseDuration } from "../../src/durations.ts";
import { isQueueError } from "../../src/errors.ts";
import { intOption, type ParsedValues, strOption, UsageError } from "./args.ts";

const WITH_UNIT = /^\d*\.?\d+[a-zA-Z]+$/;

/** The duration in `--name`, in ms (`fallback` when absent), within `min`..`max`. */
export function durationOption(values: ParsedValues, name: string, fallback: number | undefined, min = 0, max = 2 ** 31 - 1): number | undefined {
  const raw = values[name] === undefined ? undefined : strOption(values, name);
  if (raw === undefined || !WITH_UNIT.test(raw)) {
    if (raw !== undefined && !/^-?[0-9]+$/.test(raw)) {
      throw new UsageError(`--${name} expects an integer in plain decimal digits (ms) or a duration such as 250ms, 30s, 5m, 1h, 1d, got '${raw}'`);
    }
    return intOption(values, name, fallback, min, max);
  }
  try {
    return parseDuration(raw, `--${name}`, { min, max });
  } catch (e) {
    if (isQueueError(e, "VALIDATION")) throw new UsageError(e.message);
    throw e;
  }
}
