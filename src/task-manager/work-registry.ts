/**
 * The registry of named work: seed 001's answer to "a coroutine cannot be pickled". A producer
 * stores only a name and JSON parameters; every process with the same registry can run it.
 *
 * @module
 */
import { QueueValidationError } from "../errors.ts";
import type { WorkFunction, WorkRef } from "./types.ts";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,199}$/;

/** The registered name a {@link WorkRef} resolves to: `module.method` or the handler name. */
export function workName(work: WorkRef): string {
  if (typeof work !== "object" || work === null) throw new QueueValidationError("work must be { module, method, params } or { handler, params }");
  if ("handler" in work) return checkName(work.handler, "handler");
  if (!("module" in work) || !("method" in work)) {
    throw new QueueValidationError("work must be { module, method, params } or { handler, params }");
  }
  return `${checkName(work.module, "module")}.${checkName(work.method, "method")}`;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new QueueValidationError(`invalid work ${what} name: ${JSON.stringify(name)}`, [
      `${what}: 1-200 characters of letters, digits and _ . : / -, not starting with a symbol`,
    ]);
  }
  return name;
}

/**
 * The work's parameters as they will reach the function: copied through JSON on every backend,
 * so a value that would not survive the queue (a function, a Date, a cycle) is refused up front
 * in memory too, and the in-memory and queue managers see the same thing.
 */
export function workParams(work: WorkRef): Readonly<Record<string, unknown>> {
  const params: unknown = work.params ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new QueueValidationError("work params must be a plain JSON object");
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(params);
  } catch (err) {
    throw new QueueValidationError("work params are not JSON-serialisable", [(err as Error).message], { cause: err });
  }
  return JSON.parse(text!) as Record<string, unknown>;
}

/** Called when a name is added, so attached queue workers can start claiming it. */
export type AddListener = (name: string, fn: WorkFunction) => void;

/**
 * Functions by name. Register `"send-email"` for `{ handler: "send-email" }`, or a module's
 * methods at once: `register("Sources.youtube", { search, fetch })` makes
 * `{ module: "Sources.youtube", method: "search" }` resolvable.
 *
 * @example
 * ```ts
 * const registry = new WorkRegistry()
 *   .register("send-email", async ({ to }, { signal }) => mailer.send(String(to), signal))
 *   .register("Sources.youtube", { search: async (p) => youtube.search(p) });
 * ```
 */
export class WorkRegistry {
  readonly #fns = new Map<string, WorkFunction>();
  readonly #listeners = new Set<AddListener>();

  /** Adds one function by name, or every function of a module object as `module.method`. */
  register(name: string, fnOrModule: WorkFunction | Readonly<Record<string, WorkFunction>>): this {
    if (typeof fnOrModule === "function") return this.#add(checkName(name, "handler"), fnOrModule);
    if (typeof fnOrModule !== "object" || fnOrModule === null) {
      throw new QueueValidationError(`register("${String(name)}") expects a function or an object of functions`);
    }
    const mod = checkName(name, "module");
    for (const [method, fn] of Object.entries(fnOrModule)) {
      if (typeof fn !== "function") throw new QueueValidationError(`${mod}.${method} is not a function`);
      this.#add(`${mod}.${checkName(method, "method")}`, fn);
    }
    return this;
  }

  /** The function registered under `name`, or undefined. */
  get(name: string): WorkFunction | undefined {
    return this.#fns.get(name);
  }

  /** The function a work reference names; {@link QueueValidationError} if none is registered. */
  resolve(work: WorkRef): { name: string; fn: WorkFunction } {
    const name = workName(work);
    const fn = this.#fns.get(name);
    if (fn === undefined) throw new QueueValidationError(`no work registered under "${name}"`);
    return { name, fn };
  }

  /** Every registered name. */
  names(): string[] {
    return [...this.#fns.keys()];
  }

  /** Hears every later registration; returns the unsubscribe. @internal */
  onAdd(listener: AddListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #add(name: string, fn: WorkFunction): this {
    this.#fns.set(name, fn);
    for (const l of this.#listeners) l(name, fn);
    return this;
  }
}
