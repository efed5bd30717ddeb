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
import { pragmaProblem } from "../database.ts";
import {
  checkStaleAfterHeartbeat,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_STALE_THRESHOLD_MS,
} from "../observability/liveness.ts";

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
  /**
   * After how long without a heartbeat another worker is declared stale; at least
   * 3 × `heartbeatIntervalMs` when heartbeats are on.
   */
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
  /** Handler timeout for every type, in ms; 0 or absent for none. */
  readonly timeoutMs?: number | undefined;
  /** Handler timeout per task type, overriding `timeoutMs` (0: none for that type). */
  readonly taskTimeouts?: Readonly<Record<string, number>> | undefined;
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
  heartbeatIntervalMs: z._default(int(0), DEFAULT_HEARTBEAT_INTERVAL_MS),
  staleAfterMs: z._default(int(1), DEFAULT_STALE_THRESHOLD_MS),
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
  timeoutMs: z.optional(int(0)),
  taskTimeouts: z.optional(z.record(z.string().check(z.minLength(1)), int(0))),
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
  ["PRISMQ_TIMEOUT_MS", ["timeoutMs"], "int"],
  ["PRISMQ_TASK_TIMEOUTS", ["taskTimeouts"], "json"],
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

// Plain decimal only: Number() would also read "0x10", "1e3", " 16" and "0b1", which nobody
// means in a config value; parseInt would read "16abc" as 16.
const DECIMAL_INT = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The variable's value for the schema, or throws naming `label` (the key and the variable). */
function convert(label: string, source: string, text: string, kind: "string" | "int" | "number" | "json" | "list"): unknown {
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
  options: { format: ConfigFormat; source: string; env?: Env },
): WorkerConfig {
  const { format, source, env = {} } = options;
  const raw = parseText(text, format, source);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new QueueValidationError(`${source}: expected a table/object at the top level`);
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  const envPaths: [string, string][] = []; // variable name, config key it set
  for (const [name, path, kind] of ENV_OVERRIDES) {
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
  const r = z.safeParse(Schema, merged, { error: EN.localeError });
  if (!r.success) {
    // zod's messages name the expected type, never the value (a pragma value may be a secret).
    const issues = r.error.issues.map((i) => `${label(i.path.length > 0 ? i.path.join(".") : "(top level)")}: ${i.message}`);
    throw new QueueValidationError(`${source}: invalid worker config`, issues, { cause: r.error });
  }
  const c = r.data as WorkerConfig;
  const invalid = (issues: readonly string[]): QueueValidationError =>
    new QueueValidationError(`${source}: invalid worker config`, issues);
  if (c.renewIntervalMs !== undefined && c.renewIntervalMs >= c.leaseMs) {
    throw invalid([`${label("renewIntervalMs")}: must be shorter than leaseMs (${c.leaseMs})`]);
  }
  for (const [key, value] of Object.entries(c.database.pragmas)) {
    const problem = pragmaProblem(key, value);
    if (problem !== null) throw invalid([`${label(`database.pragmas.${key}`)}: ${problem}`]);
  }
  try {
    checkStaleAfterHeartbeat(c.heartbeatIntervalMs, c.staleAfterMs, {
      heartbeat: label("heartbeatIntervalMs"),
      stale: label("staleAfterMs"),
      what: "worker config",
    });
  } catch (err) {
    throw invalid((err as QueueValidationError).issues);
  }
  return c;
}
