/**
 * Argument parsing shared by every `prismq` command: `node:util` `parseArgs` in strict mode, with
 * its errors turned into one-line usage errors (exit 2), and readers for typed options.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { describeThrown } from "../../src/errors.ts";
import type { NodeDriverName } from "../../runtime/node/index.ts";

/** Bad command line or bad input: reported as one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The `--driver` values the CLI accepts. */
export const DRIVER_NAMES: readonly NodeDriverName[] = ["auto", "better-sqlite3", "node-sqlite"];

/** Option specs every command accepts, in `parseArgs` form. */
export const COMMON_OPTIONS = {
  db: { type: "string" },
  driver: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** One command's option specs, in `parseArgs` form. */
export type OptionSpec = Readonly<
  Record<string, { readonly type: "string" | "boolean"; readonly short?: string; readonly multiple?: boolean }>
>;

/** Parsed option values by name. */
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Parses one command's arguments strictly, turning parseArgs' errors into one-line usage errors. */
export function parseCommandArgs(
  command: string,
  args: readonly string[],
  options: OptionSpec,
): { values: ParsedValues; positionals: string[] } {
  try {
    const r = parseArgs({
      args: [...args],
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: r.values as ParsedValues, positionals: r.positionals };
  } catch (e) {
    // parseArgs spreads some messages (e.g. a value starting with '-') over lines; keep one line.
    const message = describeThrown(e).message.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
    throw new UsageError(message === "" ? `bad arguments for ${command}` : message);
  }
}

/**
 * Reads an integer option, refusing anything but plain decimal digits (an optional leading '-')
 * within bounds: no surrounding spaces, no `0x10`, `1e3`, `+5` or `1_000`, which `Number()`
 * would take. Bad values are usage errors (exit 2) naming the flag.
 */
export function intOption(
  values: ParsedValues,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^-?[0-9]+$/.test(raw)) {
    throw new UsageError(`--${name} expects an integer in plain decimal digits, got '${String(raw)}'`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return n;
}

/** Reads an optional string option (the last one given, for a repeatable option). */
export function strOption(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === "string" ? last : undefined;
}

/** Reads a repeatable string option (`multiple: true` in its spec); undefined when not given. */
export function listOption(values: ParsedValues, name: string): string[] | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
}

/** Refuses extra positional arguments, which would otherwise be silently ignored. */
export function noExtraPositionals(command: string, positionals: readonly string[], allowed: number): void {
  if (positionals.length > allowed) {
    throw new UsageError(`unexpected argument '${positionals[allowed]}' (see 'prismq ${command} --help')`);
  }
}

/** Validates `--driver` and returns it. */
export function driverOption(values: ParsedValues, fallback: NodeDriverName = "auto"): NodeDriverName {
  const driver = strOption(values, "driver") ?? fallback;
  if (!(DRIVER_NAMES as readonly string[]).includes(driver)) {
    throw new UsageError(`--driver must be one of ${DRIVER_NAMES.join(", ")}, got '${driver}'`);
  }
  return driver as NodeDriverName;
}
