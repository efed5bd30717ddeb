/**
 * Running a property and reporting its failure: which target, which property, why (the
 * `[category]` of the violated check), and the seed/path to replay it.
 *
 * @module
 */
import fc from "fast-check";
import type { Target } from "../targets/index.ts";
import type { QueueOps } from "../queue/ops.ts";
import type { Category } from "./model.ts";

/** A check against the model failed. The message starts with `[category]`. */
export class Violation extends Error {
  override readonly name = "Violation";
  readonly category: Category;
  constructor(category: Category, message: string) {
    super(`[${category}] ${message}`);
    this.category = category;
  }
}

/**
 * Collects checks during a model run. A check of an enforced category throws a
 * {@link Violation}; a failed check of another category only marks the run as diverged, and the
 * model is then re-read from the database so the run can go on judging what it enforces. That is
 * what keeps, say, a wrong tie order from failing the backoff property: each property fails only
 * for its own reason.
 */
export class Checker {
  readonly enforced: ReadonlySet<Category>;
  diverged = false;
  /** The command being run, for messages. */
  step = "setup";

  constructor(enforced: Iterable<Category>) {
    this.enforced = new Set(enforced);
  }

  /** Passes or records/throws a violation of `category`; returns whether it passed. */
  expect(category: Category, passed: boolean, message: () => string): boolean {
    if (passed) return true;
    if (this.enforced.has(category)) throw new Violation(category, `after ${this.step}: ${message()}`);
    this.diverged = true;
    return false;
  }
}

/** Options every runner may pass to `defineConformance` / `defineSelfTest`. */
export interface ConformanceOptions {
  /** Runs per property. @default 100 */
  readonly numRuns?: number | undefined;
  /** fast-check seed, to replay a failure (with `path`). @default random */
  readonly seed?: number | undefined;
  /** fast-check path of the failing run, to replay it with `seed`. */
  readonly path?: string | undefined;
  /** fast-check `replayPath` of the failing command sequence (printed in the counterexample). */
  readonly replayPath?: string | undefined;
  /** Longest command sequence of a model run (lengths are spread up to it, so about half on average). @default 50 */
  readonly maxCommands?: number | undefined;
  /** Stop at the first failure without shrinking (the self-test sets it). @default false */
  readonly endOnFailure?: boolean | undefined;
  /** Tasks and workers of the real-concurrency properties. @default 60 tasks, 4 workers × 3 */
  readonly concurrency?: { readonly tasks?: number; readonly workers?: number; readonly perWorker?: number } | undefined;
  /** How this runner replays a failure, shown under it (e.g. the env vars to set). */
  readonly replayHint?: ((failure: ReplayInfo) => string) | undefined;
}

/** What it takes to replay a failed property. */
export interface ReplayInfo {
  readonly target: string;
  readonly property: string;
  readonly seed: number;
  readonly path: string | null;
  readonly replayPath: string | null;
}

/**
 * Reads {@link ConformanceOptions} from name/value settings, so every runtime shares one
 * spelling: `CONFORMANCE_RUNS`, `CONFORMANCE_SEED`, `CONFORMANCE_PATH`,
 * `CONFORMANCE_REPLAY_PATH`, `CONFORMANCE_MAX_COMMANDS`. Node passes
 * `(k) => process.env[k]`, Deno `(k) => Deno.env.get(k)`, a page its URL's search params.
 */
export function conformanceOptionsFrom(lookup: (name: string) => string | undefined | null): ConformanceOptions {
  const get = (k: string): string | undefined => {
    const v = lookup(k);
    return v === null || v === undefined || v === "" ? undefined : v;
  };
  const int = (k: string): number | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${k} must be an integer, got "${v}"`);
    return n;
  };
  return {
    numRuns: int("CONFORMANCE_RUNS") ?? 100,
    seed: int("CONFORMANCE_SEED"),
    path: get("CONFORMANCE_PATH"),
    replayPath: get("CONFORMANCE_REPLAY_PATH"),
    maxCommands: int("CONFORMANCE_MAX_COMMANDS"),
  };
}

/** What a property runs against. */
export interface PropertyContext {
  readonly target: Target;
  readonly ops: QueueOps;
  readonly options: ConformanceOptions;
}

/** A property failed: carries the target, the property, why, and how to replay it. */
export class PropertyFailure extends Error {
  override readonly name = "PropertyFailure";
  readonly target: string;
  readonly property: string;
  /** The violated check's category, when the failure was a {@link Violation}. */
  readonly category: Category | null;
  readonly replay: ReplayInfo;
  constructor(message: string, replay: ReplayInfo, category: Category | null, cause: unknown) {
    super(message, { cause });
    this.target = replay.target;
    this.property = replay.property;
    this.category = category;
    this.replay = replay;
  }
}

/** The default replay line: the settings every runner reads (see {@link conformanceOptionsFrom}). */
export function defaultReplayHint(r: ReplayInfo): string {
  const vars = [`CONFORMANCE_SEED=${r.seed}`];
  if (r.path !== null) vars.push(`CONFORMANCE_PATH=${r.path}`);
  if (r.replayPath !== null) vars.push(`CONFORMANCE_REPLAY_PATH='${r.replayPath}'`);
  return `replay: ${vars.join(" ")} with only target "${r.target}" and property "${r.property}"`;
}

/**
 * Runs an fast-check property with the run's options and, if it fails, throws a
 * {@link PropertyFailure} whose message names the target and the property and includes
 * fast-check's report (seed, path, shrunk counterexample, error) and a replay line.
 */
export async function checkProperty<Ts>(ctx: PropertyContext, property: string, prop: fc.IAsyncProperty<Ts>): Promise<void> {
  const o = ctx.options;
  const params: fc.Parameters<Ts> = {
    numRuns: o.numRuns ?? 100,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.endOnFailure === true ? { endOnFailure: true } : {}),
  };
  const details = await fc.check(prop, params);
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? "property failed";
  const replayPath = /replayPath="([^"]*)"/.exec(report)?.[1] ?? null;
  const replay: ReplayInfo = { target: ctx.target.name, property, seed: details.seed, path: details.counterexamplePath, replayPath };
  const err = details.errorInstance;
  const category = err instanceof Violation ? err.category : null;
  const subject = ctx.ops.name === "QueueWorker" ? "" : ` (ops: ${ctx.ops.name})`;
  const hint = (o.replayHint ?? defaultReplayHint)(replay);
  throw new PropertyFailure(
    `[${ctx.target.name}] property "${property}"${subject} failed` +
      (category !== null ? ` [${category}]` : "") +
      `\n${report}\n${hint}`,
    replay,
    category,
    err,
  );
}
