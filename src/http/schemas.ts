/**
 * The request and response bodies of the HTTP API, as zod schemas. The routes validate with
 * them, the OpenAPI document is generated from them, and the HTTP client's types come from the
 * interfaces they are checked against, so the three cannot drift apart.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { QUEUE_ERROR_CODES } from "../errors.ts";
import { LOG_LEVELS } from "../observability/task-logger.ts";
import { TASK_STATUSES } from "../task.ts";

import type { ApiErrorCode, ApiErrorBody, EnqueueOptionsBody, EnqueueBody, EnqueueBatchBody, EnqueueResult, EnqueueBatchResult, TaskLogView, TaskView, TaskDetail, TaskPage, ChangeResult, RetryManyBody, RetryManyResult, StatsView, TimelineBucket, TimelineView, WorkerView, HealthView, AccessView, ListQuery } from "./views.ts";
import { HTTP_ERROR_CODES } from "./views.ts";
export { HTTP_ERROR_CODES, SORT_FIELDS } from "./views.ts";
export type {
  ApiErrorCode,
  ApiErrorBody,
  EnqueueOptionsBody,
  EnqueueBody,
  EnqueueBatchBody,
  EnqueueResult,
  EnqueueBatchResult,
  TaskLogView,
  TaskView,
  TaskDetail,
  TaskPage,
  ChangeResult,
  RetryManyBody,
  RetryManyResult,
  StatsView,
  TimelineBucket,
  TimelineView,
  WorkerView,
  HealthView,
  AccessView,
  ListQuery,
} from "./views.ts";

const statusEnum = z.enum(TASK_STATUSES);
const levelEnum = z.enum(LOG_LEVELS);
const epoch = z.number().openapi({ description: "epoch milliseconds" });
const capValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** @internal */
export const ApiErrorSchema: z.ZodType<ApiErrorBody> = z
  .object({
    error: z.object({
      code: z.enum([...QUEUE_ERROR_CODES, ...HTTP_ERROR_CODES]),
      message: z.string(),
      details: z.array(z.string()),
    }),
  })
  .openapi("Error");

const EnqueueOptionsBodySchema = z
  .strictObject({
    priority: z.int().min(-2_147_483_648).max(2_147_483_647).optional(),
    runAfter: z.union([z.number().min(0), z.iso.datetime({ offset: true })]).optional(),
    delayMs: z.number().min(0).max(2 ** 31 - 1).optional(),
    maxAttempts: z.int().min(1).max(1_000_000).optional(),
    idempotencyKey: z.string().min(1).max(512).optional(),
    compatibility: z.record(z.string(), capValue).optional(),
  })
  .openapi("EnqueueOptions");

/** @internal */
export const EnqueueBodySchema: z.ZodType<EnqueueBody> = z
  .strictObject({
    type: z.string().min(1).max(200),
    payload: z.unknown().optional(),
    options: EnqueueOptionsBodySchema.optional(),
  })
  .openapi("EnqueueRequest");

/** @internal */
export const EnqueueBatchBodySchema: z.ZodType<EnqueueBatchBody> = z
  .strictObject({ tasks: z.array(EnqueueBodySchema).min(1).max(1000) })
  .openapi("EnqueueBatchRequest");

/** @internal */
export const EnqueueResultSchema: z.ZodType<EnqueueResult> = z
  .object({ id: z.int(), created: z.boolean() })
  .openapi("EnqueueResult");

/** @internal */
export const EnqueueBatchResultSchema: z.ZodType<EnqueueBatchResult> = z
  .object({ ids: z.array(z.int()), created: z.array(z.boolean()) })
  .openapi("EnqueueBatchResult");

/** @internal */
export const TaskLogSchema: z.ZodType<TaskLogView> = z
  .object({
    logId: z.int(),
    taskId: z.int(),
    at: epoch,
    level: levelEnum,
    message: z.string().nullable(),
    details: z.unknown(),
  })
  .openapi("TaskLog");

const taskFields = {
  id: z.int(),
  type: z.string(),
  priority: z.int(),
  payload: z.unknown(),
  compatibility: z.record(z.string(), z.unknown()),
  status: statusEnum,
  attempts: z.int(),
  maxAttempts: z.int(),
  runAfter: epoch,
  leaseUntil: epoch.nullable(),
  processingStartedAt: epoch.nullable(),
  finishedAt: epoch.nullable(),
  createdAt: epoch,
  updatedAt: epoch,
  lockedBy: z.string().nullable(),
  errorMessage: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
};

/** @internal */
export const TaskSchema: z.ZodType<TaskView> = z.object(taskFields).openapi("Task");

/** @internal */
export const TaskDetailSchema: z.ZodType<TaskDetail> = z
  .object({ ...taskFields, lastRun: TaskLogSchema.nullable() })
  .openapi("TaskDetail");

/** @internal */
export const TaskPageSchema: z.ZodType<TaskPage> = z
  .object({ tasks: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .openapi("TaskPage");

/** @internal */
export const ChangeResultSchema: z.ZodType<ChangeResult> = z
  .object({ id: z.int(), changed: z.boolean(), status: statusEnum })
  .openapi("ChangeResult");

/** @internal */
export const RetryManyBodySchema: z.ZodType<RetryManyBody> = z
  .strictObject({
    status: z.array(z.enum(["failed", "dead_letter"])).min(1).optional(),
    type: z.string().min(1).max(200).optional(),
  })
  .openapi("RetryManyRequest");

/** @internal */
export const RetryManyResultSchema: z.ZodType<RetryManyResult> = z
  .object({ retried: z.int() })
  .openapi("RetryManyResult");

/** @internal */
export const StatsSchema: z.ZodType<StatsView> = z
  .object({
    total: z.int(),
    byStatus: z.record(statusEnum, z.int()),
    byType: z.record(z.string(), z.record(z.string(), z.int())),
    depth: z.int(),
    oldestQueuedAgeMs: z.number().nullable(),
    generatedAt: epoch,
  })
  .openapi("Stats");

/** @internal */
export const TimelineSchema: z.ZodType<TimelineView> = z
  .object({
    bucketMs: z.int(),
    buckets: z.array(
      z.object({
        start: epoch,
        completed: z.int(),
        failed: z.int(),
        p50Ms: z.number().nullable(),
        p95Ms: z.number().nullable(),
      }),
    ),
  })
  .openapi("Timeline");

/** @internal */
export const WorkersSchema: z.ZodType<{ workers: WorkerView[] }> = z
  .object({
    workers: z.array(
      z.object({
        workerId: z.string(),
        capabilities: z.record(z.string(), z.unknown()),
        heartbeatAt: epoch,
        heartbeatAgeMs: z.number(),
        state: z.enum(["active", "late", "stale"]),
        processingTasks: z.int(),
        completedLastHour: z.int(),
        failedLastHour: z.int(),
      }),
    ),
  })
  .openapi("Workers");

/** @internal */
export const HealthSchema: z.ZodType<HealthView> = z
  .object({
    ok: z.boolean(),
    database: z.enum(["reachable", "unreachable"]),
    schemaVersion: z.int().nullable(),
    journalMode: z.string().nullable(),
    wal: z.boolean(),
    integrity: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi("Health");

/** @internal */
export const AccessSchema: z.ZodType<AccessView> = z
  .object({ access: z.enum(["none", "read", "write"]), authRequired: z.boolean() })
  .openapi("Access");
