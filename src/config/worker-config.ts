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
import { CLAIM_STRATEGIES, type ClaimStrategy } from "../strategies.ts";

import { CRASH_POLICIES, type CrashPolicy } from "../observability/heartbeat.ts";
export { CRASH_POLICIES, type CrashPolicy };

/** The formats a config file may be written in. */
export const CONFIG_FORMATS = ["json", "yaml", "toml"] as const;
/** One of {@link CONFIG_FORMATS}. */
export type ConfigFormat = (typeof CONFIG_FORMATS)[number];

/** A worker process's configuration (seed 002 WORKER_CONFIGURATION), times in ms. */
export interface WorkerConfig {
  readonly workerId?: string | undefined;
  readonly strategy: ClaimStrategy;
  readonly concurrency: number;
  readonly batchSize?: number | undefined;
  readonly leaseMs: number;
  readonly renewIntervalMs?: number | undefined;
  /** Idle wait between empty claims. */
  readonly pollIntervalMs: number;
  /** How often the worker's `workers` row is refreshed; 0 turns heartbeats off. */
  readonly heartbeatIntervalMs: number;
  /** After how long without a heartbeat another worker is declared stale. */
  readonly staleAfterMs: number;
  readonly capabilities: Readonly<Record<string, string | number | boolean | null>>;
  /** Handler types this process runs; all the module's handlers when omitted. */
  readonly taskTypes?: readonly string[] | undefined;
  readonly backoff?: {
    readonly baseMs?: number | undefined;
    readonly factor?: number | undefined;
    readonly maxMs?: number | undefined;
    readonly jitter?: number | undefined;
  } | undefined;
  /** Crash policy per task type; `retry` for types not listed. */
  readonly crashPolicy: Readonly<Record<string, CrashPolicy>>;
  /** How long a graceful stop waits for running handlers before releasing their tasks. */
  readonly shutdownTimeoutMs: number;
  readonly database: {
    readonly path?: string | undefined;
    readonly driver: "auto" | "better-sqlite3" | "node-sqlite";
    readonly pragmas: Readonly<Record<string, string | number>>;
    readonly busyRetries?: number | undefined;
  };
}

const int = (min: number, max: number = 2 ** 31 - 1) => z.int().check(z.gte(min), z.lte(max));
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const Schema = z.strictObject({
  workerId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  strategy: z._default(z.enum(CLAIM_STRATEGIES), "PRIORITY"),
  concurrency: z._default(int(1, 10_000), 1),
  batchSize: z.optional(int(1, 10_000)),
  leaseMs: z._default(int(1), 30_000),
  renewIntervalMs: z.optional(int(1)),
  pollIntervalMs: z._default(int(0), 1000),
  heartbeatIntervalMs: z._default(int(0), 10_000),
  staleAfterMs: z._default(int(1), 300_000),
  capabilities: z._default(z.record(z.string(), scalar), {}),
  taskTypes: z.optional(z.array(z.string().check(z.minLength(1)))),
  backoff: z.optional(
    z.strictObject({
      baseMs: z.optional(int(0)),
      factor: z.optional(z.number().check(z.gte(1), z.lte(100))),
      maxMs: z.optional(int(0)),
      jitter: z.optional(z.number().check(z.gte(0), z.lte(1))),
    }),
  ),
  crashPolicy: z._default(z.record(z.string(), z.enum(CRASH_POLICIES)), {}),
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

/** Picks the format from a file name's extension. */
export function configFormatOf(fileName: string): ConfigFormat {
  const ext = fileName.toLowerCase().split(".").pop();
  if (ext === "json") return "json";
  if (ext === "yaml" || ext === "yml") return "yaml";
  if (ext === "toml") return "toml";
  throw new QueueValidationError(`${fileName}: unknown config format (use .json, .yaml, .yml or .toml)`);
}

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables that override the file: name → config path and how to read the text. */
const ENV_OVERRIDES: readonly [string, readonly string[], "string" | "int" | "number" | "json" | "list"][] = [
  ["PRISMQ_WORKER_ID", ["workerId"], "string"],
  ["PRISMQ_STRATEGY", ["strategy"], "string"],
  ["PRISMQ_CONCURRENCY", ["concurrency"], "int"],
  ["PRISMQ_BATCH_SIZE", ["batchSize"], "int"],
  ["PRISMQ_LEASE_MS", ["leaseMs"], "int"],
  ["PRISMQ_RENEW_INTERVAL_MS", ["renewIntervalMs"], "int"],
  ["PRISMQ_POLL_INTERVAL_MS", ["pollIntervalMs"], "int"],
  ["PRISMQ_HEARTBEAT_INTERVAL_MS", ["heartbeatIntervalMs"], "int"],
  ["PRISMQ_STALE_AFTER_MS", ["staleAfterMs"], "int"],
  ["PRISMQ_SHUTDOWN_TIMEOUT_MS", ["shutdownTimeoutMs"], "int"],
  ["PRISMQ_CAPABILITIES", ["capabilities"], "json"],
  ["PRISMQ_TASK_TYPES", ["taskTypes"], "list"],
  ["PRISMQ_CRASH_POLICY", ["crashPolicy"], "json"],
  ["PRISMQ_BACKOFF_BASE_MS", ["backoff", "baseMs"], "int"],
  ["PRISMQ_BACKOFF_FACTOR", ["backoff", "factor"], "number"],
  ["PRISMQ_BACKOFF_MAX_MS", ["backoff", "maxMs"], "int"],
  ["PRISMQ_BACKOFF_JITTER", ["backoff", "jitter"], "number"],
  ["PRISMQ_QUEUE_DB_PATH", ["database", "path"], "string"],
  ["PRISMQ_DB_DRIVER", ["database", "driver"], "string"],
  ["PRISMQ_BUSY_RETRIES", ["database", "busyRetries"], "int"],
];

function convert(name: string, text: string, kind: "string" | "int" | "number" | "json" | "list"): unknown {
  switch (kind) {
    case "string":
      return text;
    case "int":
    case "number": {
      const n = Number(text);
      // Leave a non-number as text so the schema names the key and the expected type.
      return text.trim() === "" || Number.isNaN(n) ? text : n;
    }
    case "list":
      return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        throw new QueueValidationError(`environment ${name}: expected JSON, got ${JSON.stringify(text)}`);
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
  options: { format: ConfigFormat; source: string; env?: Env },
): WorkerConfig {
  const { format, source, env = {} } = options;
  const raw = parseText(text, format, source);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new QueueValidationError(`${source}: expected a table/object at the top level`);
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const [name, path, kind] of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(merged, path, convert(name, value, kind));
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("PRISMQ_PRAGMA_") || value === undefined) continue;
    const pragma = name.slice("PRISMQ_PRAGMA_".length).toLowerCase();
    setPath(merged, ["database", "pragmas", pragma], /^-?\d+$/.test(value) ? Number(value) : value);
  }
  const r = z.safeParse(Schema, merged, { error: EN.localeError });
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const key = i.path.length > 0 ? i.path.join(".") : "(top level)";
      const fromEnv = ENV_OVERRIDES.find(([n, p]) => p.join(".") === key && env[n] !== undefined && env[n] !== "");
      return `key "${key}"${fromEnv ? ` (from ${fromEnv[0]})` : ""}: ${i.message}`;
    });
    throw new QueueValidationError(`${source}: invalid worker config`, issues, { cause: r.error });
  }
  const c = r.data as WorkerConfig;
  if (c.renewIntervalMs !== undefined && c.renewIntervalMs >= c.leaseMs) {
    throw new QueueValidationError(`${source}: invalid worker config`, [`key "renewIntervalMs": must be shorter than leaseMs (${c.leaseMs})`]);
  }
  return c;
}
