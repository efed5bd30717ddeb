/**
 * A typed task map: one object naming every task type with its payload schema (any Standard
 * Schema: zod, valibot, arktype, …). Given to `QueueClient` and `QueueWorker`, it types
 * `enqueue`, `enqueueMany` and `register` at compile time (an unknown type or a wrong payload
 * fails `tsc`), and the client keeps checking payloads at run time (`QueueValidationError` with
 * the schema's issues). Without one, both classes take any type and payload, as before.
 *
 * @example
 * ```ts
 * import * as z from "zod";
 * const tasks = defineTasks({
 *   video_processing: z.object({ video_id: z.string(), format: z.enum(["mp4", "webm"]) }),
 *   email: z.object({ to: z.email() }),
 * });
 * const client = new QueueClient(db, { tasks });
 * await client.enqueue("video_processing", { video_id: "abc", format: "mp4" });
 * const worker = new QueueWorker(db, { tasks });
 * worker.register("email", async (payload) => send(payload.to));
 * ```
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { QueueValidationError } from "./errors.ts";
import type { EnqueueOptions } from "./options.ts";

/** Payload schemas by task type. The default (any string to any schema) means "untyped". */
export type TaskSchemas = { readonly [type: string]: StandardSchemaV1 };

/** What {@link defineTasks} returns: the schemas, kept with their exact types. */
export interface TaskMap<S extends TaskSchemas = TaskSchemas> {
  /** Payload schema by task type. */
  readonly schemas: S;
  /** The task types, in definition order. */
  readonly types: readonly (keyof S & string)[];
}

/**
 * Declares the task types and their payload schemas once, for the client and the worker. Each
 * value must implement Standard Schema (`~standard`); anything else is a {@link QueueValidationError}.
 */
export function defineTasks<const S extends TaskSchemas>(schemas: S): TaskMap<S> {
  if (typeof schemas !== "object" || schemas === null) throw new QueueValidationError("defineTasks expects an object of schemas by task type");
  for (const [type, schema] of Object.entries(schemas)) {
    if (type.length === 0 || type.length > 200) throw new QueueValidationError(`task type ${JSON.stringify(type)} must be 1-200 characters`);
    if (typeof (schema as Partial<StandardSchemaV1> | null)?.["~standard"]?.validate !== "function") {
      throw new QueueValidationError(`the schema of task type "${type}" does not implement Standard Schema (no ~standard.validate)`);
    }
  }
  return Object.freeze({ schemas, types: Object.freeze(Object.keys(schemas)) as readonly (keyof S & string)[] });
}

/** True when `S` is the untyped default (any type name): the switch between the typed and plain API. */
export type Untyped<S> = string extends keyof S ? true : false;
/** Task types of a typed map; `never` for the untyped default. */
export type TypedTaskType<S> = Untyped<S> extends true ? never : keyof S & string;
/** `string` for the untyped default; `never` for a typed map (its types are checked). */
export type UntypedTaskType<S> = Untyped<S> extends true ? string : never;
/** The payload `enqueue` accepts for type `K`: the schema's input. */
export type TaskInput<S extends TaskSchemas, K extends keyof S> = NonNullable<S[K]["~standard"]["types"]>["input"];
/** The payload a handler of type `K` receives: the schema's output (what the client stored). */
export type TaskOutput<S extends TaskSchemas, K extends keyof S> = NonNullable<S[K]["~standard"]["types"]>["output"];

/** The arguments after the type of `QueueClient.enqueue`: the payload is required and typed in a typed map. */
export type EnqueueArgs<S extends TaskSchemas, K extends keyof S> =
  Untyped<S> extends true ? [payload?: unknown, options?: EnqueueOptions] : [payload: TaskInput<S, K>, options?: EnqueueOptions];

/** One task of `QueueClient.enqueueMany` in a typed map: a union over its types. */
export type TypedEnqueueInput<S extends TaskSchemas> = {
  [K in keyof S & string]: {
    /** Task type. */
    readonly type: K;
    /** The schema's input. */
    readonly payload: TaskInput<S, K>;
    /** How and when the task runs. */
    readonly options?: EnqueueOptions | undefined;
  };
}[keyof S & string];

/** What `QueueClient.enqueueMany` takes per task: any type and payload untyped, the map's union when typed. */
export type ClientEnqueueInput<S extends TaskSchemas, Plain> = Untyped<S> extends true ? Plain : TypedEnqueueInput<S>;
