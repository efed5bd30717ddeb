/**
 * `@prismq/queue/http`: the queue's HTTP API and live dashboard as a Hono app
 * ({@link createQueueApp}), and a typed client for it ({@link createQueueHttpClient}). The app is
 * a web-standard `fetch` handler: serve it with `@hono/node-server` on Node, `Deno.serve` on
 * Deno, `Bun.serve` on Bun.
 *
 * @example
 * ```ts
 * import { openQueueDatabase } from "@prismq/queue/node";
 * import { createQueueApp } from "@prismq/queue/http";
 * const db = await openQueueDatabase({ path: "queue.db" });
 * Bun.serve({ hostname: "127.0.0.1", port: 8080, fetch: createQueueApp(db).fetch });
 * ```
 *
 * @module
 */
export { createQueueApp, type QueueAppOptions } from "./app.ts";
export { type Access, assertSafeBind, isLoopbackHost, timingSafeEqual } from "./auth.ts";
export {
  createQueueHttpClient,
  type HttpListOptions,
  type QueueHttpClient,
  type QueueHttpClientOptions,
  QueueHttpError,
} from "./client.ts";
export type { ApiEnv } from "./routes.ts";
export {
  type AccessView,
  type ApiErrorBody,
  type ApiErrorCode,
  type ChangeResult,
  type EnqueueBatchResult,
  type EnqueueBody,
  type EnqueueOptionsBody,
  type EnqueueResult,
  HTTP_ERROR_CODES,
  type HealthView,
  type ListQuery,
  type RetryManyBody,
  type RetryManyResult,
  SORT_FIELDS,
  type StatsView,
  type TaskDetail,
  type TaskLogView,
  type TaskPage,
  type TaskView,
  type TimelineBucket,
  type TimelineView,
  type WorkerView,
} from "./schemas.ts";
