/**
 * The worker option `retention` (see `RetentionPolicy`): its zod schema, which the worker
 * options, the config file and the `PRISMQ_*` mapping derive from.
 *
 * @internal
 * @module
 */
import * as z from "zod/mini";

type Opt<T extends z.core.SomeType> = z.ZodMiniOptional<T>;
type Int = z.ZodMiniNumberFormat;

const age = () => z.optional(z.int().check(z.gte(0), z.lte(100 * 366 * 86_400_000)));

/** Fields of {@link RetentionOptionsSchema}, each with its doc. */
type RetentionShape = {
  /** Completed tasks are deleted this long after they finished (ms); absent: kept. */
  completedMs: Opt<Int>;
  /** Failed tasks, likewise. */
  failedMs: Opt<Int>;
  /** Dead-lettered tasks, likewise. */
  deadLetterMs: Opt<Int>;
  /** Cancelled tasks, likewise. */
  cancelledMs: Opt<Int>;
  /** Log rows of any task are deleted this long after they were written. */
  logsMs: Opt<Int>;
  /** Most rows one pass deletes per status and of logs. @default 500 */
  batchSize: Opt<Int>;
  /** Time between a worker's passes (ms). @default 60000 */
  intervalMs: Opt<Int>;
};

/** `retention`: ages of finished tasks and logs, and the bounds of each pass. @internal */
export const RetentionOptionsSchema: z.ZodMiniObject<RetentionShape, z.core.$strict> = z.strictObject({
  completedMs: age(),
  failedMs: age(),
  deadLetterMs: age(),
  cancelledMs: age(),
  logsMs: age(),
  batchSize: z.optional(z.int().check(z.gte(1), z.lte(100_000))),
  intervalMs: z.optional(z.int().check(z.gte(1), z.lte(2 ** 31 - 1))),
});
