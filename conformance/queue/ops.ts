/**
 * The worker operations the properties drive, injectable so the same property code runs on the
 * real {@link QueueWorker} or on a deliberately broken variant (see `conformance/broken/`).
 *
 * A variant is a real `QueueWorker` given a wrong set of worker operations (its internal
 * `operations` constructor argument); the worker's own loop (`start()`) and its public methods
 * run them, so the concurrency properties exercise them too.
 *
 * @module
 */
import type { QueueDatabase } from "../../src/database.ts";
import { QueueWorker, type QueueWorkerOptions } from "../../src/worker.ts";

/** Makes the workers a property runs. */
export interface QueueOps {
  /** For messages: "QueueWorker", or the broken variant's name. */
  readonly name: string;
  createWorker(db: QueueDatabase, options: QueueWorkerOptions): QueueWorker;
}

/** The real worker. */
export const REAL_OPS: QueueOps = Object.freeze({
  name: "QueueWorker",
  createWorker: (db: QueueDatabase, options: QueueWorkerOptions) => new QueueWorker(db, options),
});
