/**
 * The API's routes: definitions (method, path, request and response schemas) and handlers. The
 * OpenAPI document is generated from the same definitions the requests are validated with.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { QueueClient } from "../client.ts";
import type { QueueDatabase } from "../database.ts";
import { TaskNotFoundError } from "../errors.ts";
import type { QueueMetrics } from "../observability/metrics.ts";
import { TASK_STATUSES } from "../task.ts";
import type { Access } from "./auth.ts";
import { countsByStatus, countsByType, health, lastRun, listPage, oldestQueuedAgeMs, retryMatching, taskLogs, timeline, toTaskView } from "./store.ts";
import {
  AccessSchema,
  type EnqueueBody,
  ApiErrorSchema,
  ChangeResultSchema,
  EnqueueBatchBodySchema,
  EnqueueBatchResultSchema,
  EnqueueBodySchema,
  EnqueueResultSchema,
  HealthSchema,
  SORT_FIELDS,
  RetryManyBodySchema,
  RetryManyResultSchema,
  StatsSchema,
  TaskDetailSchema,
  TaskLogSchema,
  TaskPageSchema,
  TimelineSchema,
  WorkersSchema,
} from "./schemas.ts";

const ListQuerySchema = z.strictObject({
  status: z
    .string()
    .regex(new RegExp(`^(${TASK_STATUSES.join("|")})(,(${TASK_STATUSES.join("|")}))*$`), "expected statuses separated by commas")
    .optional()
    .openapi({ description: `comma-separated, of ${TASK_STATUSES.join(", ")}` }),
  type: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(400).optional(),
  sort: z.enum(SORT_FIELDS).optional(),
  order: z.enum(["asc", "desc"]).optional(),
});

const IdParamSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "expected a positive integer task id")
    .transform(Number)
    .openapi({ param: { name: "id", in: "path" }, example: "1" }),
});

const json = <S extends z.ZodType>(schema: S, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const err = (description: string) => json(ApiErrorSchema, description);
const security = [{ bearer: [] }];
const common = {
  401: err("no valid bearer token"),
  503: err("database busy or closed"),
};
const writeCommon = { ...common, 403: err("a read-only token") };

const enqueueRoute = createRoute({
  method: "post",
  path: "/api/v1/tasks",
  summary: "Enqueue one task",
  security,
  request: { body: { ...json(EnqueueBodySchema, "the task"), required: true } },
  responses: {
    201: json(EnqueueResultSchema, "stored"),
    200: json(EnqueueResultSchema, "idempotency key already stored: the existing task's id"),
    400: err("invalid body"),
    413: err("body too large"),
    ...writeCommon,
  },
});

const enqueueBatchRoute = createRoute({
  method: "post",
  path: "/api/v1/tasks/batch",
  summary: "Enqueue several tasks, all or none",
  security,
  request: { body: { ...json(EnqueueBatchBodySchema, "the tasks"), required: true } },
  responses: {
    201: json(EnqueueBatchResultSchema, "at least one stored"),
    200: json(EnqueueBatchResultSchema, "every idempotency key already stored"),
    400: err("invalid body"),
    413: err("body too large"),
    ...writeCommon,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/tasks",
  summary: "List tasks: filters, stable order, cursor paging",
  security,
  request: { query: ListQuerySchema },
  responses: { 200: json(TaskPageSchema, "a page"), 400: err("invalid filter or cursor"), ...common },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/tasks/{id}",
  summary: "One task, with how its last run ended",
  security,
  request: { params: IdParamSchema },
  responses: { 200: json(TaskDetailSchema, "the task"), 400: err("invalid id"), 404: err("no such task"), ...common },
});

const logsRoute = createRoute({
  method: "get",
  path: "/api/v1/tasks/{id}/logs",
  summary: "A task's log, oldest first",
  security,
  request: {
    params: IdParamSchema,
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      after: z.coerce.number().int().min(0).optional().openapi({ description: "log id to continue after" }),
    }),
  },
  responses: {
    200: json(z.object({ logs: z.array(TaskLogSchema) }), "the log"),
    400: err("invalid id or query"),
    404: err("no such task"),
    ...common,
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/api/v1/tasks/{id}/cancel",
  summary: "Cancel a queued or processing task",
  security,
  request: { params: IdParamSchema },
  responses: { 200: json(ChangeResultSchema, "changed is false if it had finished"), 400: err("invalid id"), 404: err("no such task"), ...writeCommon },
});

const retryRoute = createRoute({
  method: "post",
  path: "/api/v1/tasks/{id}/retry",
  summary: "Requeue a failed or dead-lettered task (redrive)",
  security,
  request: { params: IdParamSchema },
  responses: { 200: json(ChangeResultSchema, "changed is false if it was in another status"), 400: err("invalid id"), 404: err("no such task"), ...writeCommon },
});

const retryManyRoute = createRoute({
  method: "post",
  path: "/api/v1/tasks/retry",
  summary: "Requeue every failed / dead-lettered task matching a filter",
  security,
  request: { body: { ...json(RetryManyBodySchema, "the filter; {} for all"), required: true } },
  responses: { 200: json(RetryManyResultSchema, "how many were requeued"), 400: err("invalid filter"), 413: err("body too large"), ...writeCommon },
});

const statsRoute = createRoute({
  method: "get",
  path: "/api/v1/stats",
  summary: "Counts by status and type, depth, oldest waiting age",
  security,
  responses: { 200: json(StatsSchema, "the figures"), ...common },
});

const timelineRoute = createRoute({
  method: "get",
  path: "/api/v1/timeline",
  summary: "Finished tasks and processing-time percentiles per time bucket",
  security,
  request: {
    query: z.strictObject({
      minutes: z.coerce.number().int().min(1).max(10_080).optional(),
      buckets: z.coerce.number().int().min(1).max(200).optional(),
    }),
  },
  responses: { 200: json(TimelineSchema, "the buckets"), 400: err("invalid query"), ...common },
});

const workersRoute = createRoute({
  method: "get",
  path: "/api/v1/workers",
  summary: "Registered workers with heartbeat age",
  security,
  responses: { 200: json(WorkersSchema, "the workers"), ...common },
});

const healthRoute = createRoute({
  method: "get",
  path: "/api/v1/health",
  summary: "Database reachable, schema version, WAL mode; integrity quick check with ?check=quick",
  security,
  request: { query: z.strictObject({ check: z.enum(["quick"]).optional() }) },
  responses: { 200: json(HealthSchema, "healthy"), 503: json(HealthSchema, "unhealthy"), 400: err("invalid query"), 401: err("no valid bearer token") },
});

const whoamiRoute = createRoute({
  method: "get",
  path: "/api/v1/whoami",
  summary: "What the presented token may do",
  responses: { 200: json(AccessSchema, "access") },
});

/** Hono environment of the API: the access the auth middleware granted. */
export interface ApiEnv {
  /** Set by the auth middleware for the handlers: what the token may do, and whether one is required. */
  Variables: { access: Access; authRequired: boolean };
}

/** What the handlers work on. */
export interface ApiContext {
  readonly db: QueueDatabase;
  readonly client: QueueClient;
  readonly metrics: QueueMetrics;
}

function toInput(t: EnqueueBody): { type: string; payload: unknown; options: Record<string, unknown> | undefined } {
  if (t.options === undefined) return { type: t.type, payload: t.payload, options: undefined };
  const { runAfter, ...rest } = t.options;
  const options: Record<string, unknown> = { ...rest };
  if (runAfter !== undefined) options["runAfter"] = typeof runAfter === "string" ? Date.parse(runAfter) : runAfter;
  return { type: t.type, payload: t.payload, options };
}

/** Ids already stored under these idempotency keys (looked up before the insert). */
async function storedKeys(db: QueueDatabase, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const unique = [...new Set(keys)];
  const r = await db.execute(
    `SELECT idempotency_key AS k FROM task_queue WHERE idempotency_key IN (${unique.map(() => "?").join(", ")})`,
    unique,
  );
  return new Set(r.rows.map((row) => String(row["k"])));
}

/** Mounts every `/api/v1` route on `app`. */
export function mountApi(app: OpenAPIHono<ApiEnv>, ctx: ApiContext): void {
  const { db, client, metrics } = ctx;

  app.openapi(enqueueRoute, async (c) => {
    const body = c.req.valid("json");
    const key = body.options?.idempotencyKey;
    // Looked up before the insert: a second process storing the same key in between gets the
    // same id back from the insert, but this answer then says 201 (the id is right either way).
    const existed = key !== undefined && (await storedKeys(db, [key])).has(key);
    const i = toInput(body);
    const id = await client.enqueue(i.type, i.payload, i.options);
    return c.json({ id, created: !existed }, existed ? 200 : 201);
  });

  app.openapi(enqueueBatchRoute, async (c) => {
    const { tasks } = c.req.valid("json");
    const keys = tasks.map((t) => t.options?.idempotencyKey);
    const stored = await storedKeys(db, keys.filter((k): k is string => k !== undefined));
    const ids = await client.enqueueMany(tasks.map(toInput));
    // Within one batch a repeated key stores once: later copies are not "created" either.
    const seen = new Set<string>();
    const created = keys.map((k) => {
      if (k === undefined) return true;
      const fresh = !stored.has(k) && !seen.has(k);
      seen.add(k);
      return fresh;
    });
    return c.json({ ids, created }, created.some(Boolean) ? 201 : 200);
  });

  app.openapi(listRoute, async (c) => c.json(await listPage(db, c.req.valid("query")), 200));

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const task = await client.getTask(id);
    if (task === null) throw new TaskNotFoundError(id);
    return c.json({ ...toTaskView(task), lastRun: await lastRun(db, id) }, 200);
  });

  app.openapi(logsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    if ((await client.getTask(id)) === null) throw new TaskNotFoundError(id);
    return c.json({ logs: await taskLogs(db, id, q.limit ?? 200, q.after ?? 0) }, 200);
  });

  const change = (action: (id: number) => Promise<boolean>) => async (id: number) => {
    const changed = await action(id);
    const task = await client.getTask(id);
    if (task === null) throw new TaskNotFoundError(id);
    return { id, changed, status: task.status };
  };
  const cancel = change((id) => client.cancel(id));
  const retry = change((id) => client.retry(id));
  app.openapi(cancelRoute, async (c) => c.json(await cancel(c.req.valid("param").id), 200));
  app.openapi(retryRoute, async (c) => c.json(await retry(c.req.valid("param").id), 200));
  app.openapi(retryManyRoute, async (c) => c.json({ retried: await retryMatching(db, c.req.valid("json")) }, 200));

  app.openapi(statsRoute, async (c) => {
    const byStatus = await countsByStatus(db);
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    return c.json(
      {
        total,
        byStatus,
        byType: await countsByType(db),
        depth: byStatus.queued,
        oldestQueuedAgeMs: await oldestQueuedAgeMs(db),
        generatedAt: db.clock.now(),
      },
      200,
    );
  });

  app.openapi(timelineRoute, async (c) => {
    const q = c.req.valid("query");
    return c.json(await timeline(db, q.minutes ?? 60, q.buckets ?? 30), 200);
  });

  app.openapi(workersRoute, async (c) => {
    const workers = (await metrics.getWorkerActivity()).map((w) => ({
      workerId: w.workerId,
      capabilities: w.capabilities,
      heartbeatAt: w.heartbeatAt,
      heartbeatAgeMs: w.msSinceHeartbeat,
      state: w.state,
      processingTasks: w.processingTasks,
      completedLastHour: w.completedLastHour,
      failedLastHour: w.failedLastHour,
    }));
    return c.json({ workers }, 200);
  });

  app.openapi(healthRoute, async (c) => {
    const h = await health(db, c.req.valid("query").check === "quick");
    return c.json(h, h.ok ? 200 : 503);
  });

  app.openapi(whoamiRoute, (c) => c.json({ access: c.get("access"), authRequired: c.get("authRequired") }, 200));
}
