/**
 * Worker configuration from JSON, YAML or TOML text, with `PRISMQ_*` environment overrides,
 * validated with zod. A bad file gets one message naming the file, the key and what was
 * expected. Reading the file and the environment is the caller's job (the CLI does it), so this
 * module stays runtime-neutral.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { parse as parseToml } from "smol-toml";
import * as z from "zod/mini";
import { en } from "zod/locales";
import { QueueValidationError } from "../errors.ts";
import { durationKeysToMs } from "../durations.ts";
import { pragmaProblem } from "../database.ts";
import { checkWorkerOptionRules, WorkerOptionsSchema } from "../options.ts";
import { type EnvKind, type EnvOverride, envOverridesOf } from "./env.ts";

import { CRASH_POLICIES, type CrashPolicy } from "../observability/heartbeat.ts";
export { CRASH_POLICIES, type CrashPolicy };
export type { EnvKind, EnvOverride } from "./env.ts";

/** The formats a config file may be written in. */
export const CONFIG_FORMATS = ["json", "yaml", "toml"] as const;
/** One of {@link CONFIG_FORMATS}. */
export type ConfigFormat = (typeof CONFIG_FORMATS)[number];

const int = (min: number, max: number = 2 ** 31 - 1) => z.int().check(z.gte(min), z.lte(max));

/** The `database` table of a config file. */
type DatabaseShape = {
  /** The database file (PRISMQ_QUEUE_DB_PATH). */
  path: z.ZodMiniOptional<z.ZodMiniString<string>>;
  /** Which SQLite binding opens it. @default "auto" */
  driver: z.ZodMiniDefault<z.ZodMiniEnum<{ auto: "auto"; "better-sqlite3": "better-sqlite3"; "node-sqlite": "node-sqlite" }>>;
  /** PRAGMAs set at open (`PRISMQ_PRAGMA_<NAME>`); a refused value is never echoed. @default {} */
  pragmas: z.ZodMiniDefault<z.ZodMiniRecord<z.ZodMiniString<string>, z.ZodMiniUnion<readonly [z.ZodMiniString<string>, z.ZodMiniNumber<number>]>>>;
  /** Retries of a busy database before a call fails. */
  busyRetries: z.ZodMiniOptional<z.ZodMiniNumberFormat>;
};

/** The worker options a config file may set: all of them but the stale-worker release, which stays on. */
type FileWorkerShape = Omit<(typeof WorkerOptionsSchema)["shape"], "reclaimStaleWorkers">;

/** What a config file adds to the worker options. */
type ConfigShape = FileWorkerShape & {
  /** Handler types this process runs; all the module's handlers when omitted. */
  taskTypes: z.ZodMiniOptional<z.ZodMiniArray<z.ZodMiniString<string>>>;
  /** How long a graceful stop waits for running handlers before releasing their tasks. @default 30000 */
  shutdownTimeoutMs: z.ZodMiniDefault<z.ZodMiniNumberFormat>;
  /** How the database is opened. */
  database: z.ZodMiniDefault<z.ZodMiniObject<DatabaseShape, z.core.$strict>>;
};

/**
 * The config file schema: the worker options' one schema ({@link WorkerOptionsSchema}, with its
 * defaults and rules) extended by what only a process needs. @internal
 */
export const WorkerConfigSchema: z.ZodMiniObject<ConfigShape, z.core.$strict> = z.strictObject({
  ...z.omit(WorkerOptionsSchema, { reclaimStaleWorkers: true }).shape,
  taskTypes: z.optional(z.array(z.string().check(z.minLength(1)))),
  shutdownTimeoutMs: z._default(int(0), 30_000),
  database: z._default(
    z.strictObject({
      path: z.optional(z.string().check(z.minLength(1))),
      driver: z._default(z.enum(["auto", "better-sqlite3", "node-sqlite"]), "auto"),
      pragmas: z._default(z.record(z.string(), z.union([z.string(), z.number()])), {}),
      busyRetries: z.optional(int(0, 100)),
    }),
    { driver: "auto", pragmas: {} },
  ),
});

/** A worker process's configuration (seed 002 WORKER_CONFIGURATION), times in ms, defaults filled. */
export type WorkerConfig = z.output<typeof WorkerConfigSchema>;

/**
 * The `PRISMQ_*` variables that override the file, derived from {@link WorkerConfigSchema}
 * (`PRISMQ_` + the key's path in SCREAMING_SNAKE_CASE); the database keys keep their older
 * names, and pragmas come from `PRISMQ_PRAGMA_<NAME>` instead.
 */
export const WORKER_CONFIG_ENV: readonly EnvOverride[] = envOverridesOf(WorkerConfigSchema, {
  "database.path": "PRISMQ_QUEUE_DB_PATH",
  "database.driver": "PRISMQ_DB_DRIVER",
  "database.busyRetries": "PRISMQ_BUSY_RETRIES",
  "database.pragmas": null,
});

/** Picks the format from a file name's extension. */
export function configFormatOf(fileName: string): ConfigFormat {
  const ext = fileName.toLowerCase().split(".").pop();
  if (ext === "json") return "json";
  if (ext === "yaml" || ext === "yml") return "yaml";
  if (ext === "toml") return "toml";
  throw new QueueValidationError(`${fileName}: unknown config format (use .json, .yaml, .yml or .toml)`);
}

/** The environment variables `parseWorkerConfig` reads overrides from (`process.env` on Node). */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

// Plain decimal only: Number() would also read "0x10", "1e3", " 16" and "0b1", which nobody
// means in a config value; parseInt would read "16abc" as 16.
const DECIMAL_INT = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The variable's value for the schema, or throws naming `label` (the key and the variable). */
function convert(label: string, source: string, text: string, kind: EnvKind): unknown {
  switch (kind) {
    case "string":
      return text;
    case "int":
    case "number": {
      if (!(kind === "int" ? DECIMAL_INT : DECIMAL).test(text)) {
        const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
        const expected = kind === "int" ? "a plain decimal integer (digits only)" : "a plain decimal number";
        throw new QueueValidationError(`${source}: invalid worker config`, [`${label}: expected ${expected}, got ${JSON.stringify(shown)}`]);
      }
      return Number(text);
    }
    case "boolean":
      if (text === "true" || text === "false") return text === "true";
      throw new QueueValidationError(`${source}: invalid worker config`, [`${label}: expected true or false, got ${JSON.stringify(text)}`]);
    case "booleanOrString":
      return text === "true" ? true : text === "false" ? false : text;
    case "list":
      return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        throw new QueueValidationError(`${source}: invalid worker config`, [`${label}: expected JSON, got ${JSON.stringify(text)}`]);
      }
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Reads the file's text in its format; a syntax error names the file. */
function parseText(text: string, format: ConfigFormat, source: string): unknown {
  try {
    if (format === "json") return JSON.parse(text);
    if (format === "yaml") return parseYaml(text) ?? {};
    return parseToml(text);
  } catch (err) {
    throw new QueueValidationError(`${source}: not valid ${format.toUpperCase()}: ${(err as Error).message.split("\n")[0]}`, [], { cause: err });
  }
}

const EN = en();

/**
 * Parses and validates a worker config. `env` overrides the file (`PRISMQ_*` names above, plus
 * `PRISMQ_PRAGMA_<NAME>` for `database.pragmas`). Throws {@link QueueValidationError} naming
 * `source`, the key and what was expected.
 */
export function parseWorkerConfig(
  text: string,
  options: { format: ConfigFormat; source: string; env?: ConfigEnv },
): WorkerConfig {
  const { format, source, env = {} } = options;
  const raw = parseText(text, format, source);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new QueueValidationError(`${source}: expected a table/object at the top level`);
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  const envPaths: [string, string][] = []; // variable name, config key it set
  for (const { name, path, kind } of WORKER_CONFIG_ENV) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(merged, path, convert(`key "${path.join(".")}" (from ${name})`, source, value, kind));
    envPaths.push([name, path.join(".")]);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("PRISMQ_PRAGMA_") || value === undefined) continue;
    const pragma = name.slice("PRISMQ_PRAGMA_".length).toLowerCase();
    setPath(merged, ["database", "pragmas", pragma], DECIMAL_INT.test(value) ? Number(value) : value);
    envPaths.push([name, `database.pragmas.${pragma}`]);
  }
  const label = (key: string): string => {
    const from = envPaths.find(([, k]) => k === key || key.startsWith(`${k}.`));
    return `key "${key}"${from ? ` (from ${from[0]})` : ""}`;
  };
  const r = z.safeParse(WorkerConfigSchema, durationKeysToMs(merged, source), { error: EN.localeError });
  if (!r.success) {
    // zod's messages name the expected type, never the value (a pragma value may be a secret).
    const issues = r.error.issues.map((i) => `${label(i.path.length > 0 ? i.path.join(".") : "(top level)")}: ${i.message}`);
    throw new QueueValidationError(`${source}: invalid worker config`, issues, { cause: r.error });
  }
  const c = r.data;
  const invalid = (issues: readonly string[]): QueueValidationError =>
    new QueueValidationError(`${source}: invalid worker config`, issues);
  // The worker's own cross-field rules, with the file's key names.
  checkWorkerOptionRules({ ...c, reclaimStaleWorkers: true }, label, invalid, "worker config");
  for (const [key, value] of Object.entries(c.database.pragmas)) {
    const problem = pragmaProblem(key, value);
    if (problem !== null) throw invalid([`${label(`database.pragmas.${key}`)}: ${problem}`]);
  }
  return c;
}
