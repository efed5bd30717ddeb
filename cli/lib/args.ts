/**
 * Argument parsing shared by every `prismq` command: `node:util` `parseArgs` in strict mode, with
 * its errors turned into one-line usage errors (exit 2), and readers for typed options.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { NodeDriverName } from "../../adapters/node/index.ts";

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
export type OptionSpec = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly short?: string }>>;

/** Parsed option values by name. */
export type ParsedValues = Record<string, string | boolean | undefined>;

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
    const message = String((e as Error).message).split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
    throw new UsageError(message === "" ? `bad arguments for ${command}` : message);
  }
}

/** Reads an integer option, refusing anything that is not a plain integer within bounds. */
export function intOption(
  values: ParsedValues,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^-?\d+$/.test(raw.trim())) {
    throw new UsageError(`--${name} expects an integer, got '${String(raw)}'`);
  }
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return n;
}

/** Reads an optional string option. */
export function strOption(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
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
