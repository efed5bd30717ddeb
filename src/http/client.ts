/**
 * `createQueueHttpClient`: a typed producer for the HTTP API, for code in another process or
 * runtime. Its methods carry `QueueClient`'s names where they overlap, and its types are the ones
 * the API's zod schemas are checked against.
 *
 * @module
 */
import type { EnqueueOptions } from "../options.ts";
import type { TaskStatus } from "../task.ts";
import type {
  AccessView,
  ApiErrorBody,
  ApiErrorCode,
  ChangeResult,
  EnqueueBody,
  EnqueueOptionsBody,
  HealthView,
  ListQuery,
  RetryManyBody,
  StatsView,
  TaskDetail,
  TaskLogView,
  TaskPage,
  TimelineView,
  WorkerView,
} from "./schemas.ts";

/** A refusal from the server, with the API's error code. */
export class QueueHttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** The API's error code, or `HTTP` when the body was not the API's error shape (a proxy's page, say). */
  readonly code: ApiErrorCode | "HTTP";
  /** One line per invalid field, when the server listed them. */
  readonly details: readonly string[];
  /** Reads the API's error body when there is one. */
  constructor(status: number, body: unknown) {
    const e = (body as Partial<ApiErrorBody> | null)?.error;
    super(e?.message ?? `HTTP ${status}`);
    this.name = "QueueHttpError";
    this.status = status;
    this.code = e?.code ?? "HTTP";
    this.details = e?.details ?? [];
  }
}

/** Options of {@link createQueueHttpClient}. */
export interface QueueHttpClientOptions {
  /** Bearer token (a write token to enqueue, cancel and retry). */
  readonly token?: string | undefined;
  /** The fetch to use (e.g. an app's own `app.request` in tests). @default globalThis.fetch */
  readonly fetch?: ((input: Request) => Promise<Response>) | undefined;
}

/** Options of {@link QueueHttpClient.listTasks}. */
export interface HttpListOptions {
  /** Only tasks in this status, or in any of these. */
  readonly status?: TaskStatus | readonly TaskStatus[] | undefined;
  /** Only tasks of this type. */
  readonly type?: string | undefined;
  /** Page size. @default 50 */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
  /** Sort field. @default "id" */
  readonly sort?: ListQuery["sort"];
  /** Sort direction. @default "asc" */
  readonly order?: "asc" | "desc" | undefined;
}

/** The methods of {@link createQueueHttpClient}. */
export interface QueueHttpClient {
  /** Adds a task; returns its id (the existing one for a stored idempotency key). */
  enqueue(type: string, payload?: unknown, options?: EnqueueOptions): Promise<number>;
  /** Adds several tasks, all or none; ids in order. */
  enqueueMany(tasks: readonly { type: string; payload?: unknown; options?: EnqueueOptions | undefined }[]): Promise<number[]>;
  /** The task, or null if there is none with this id. */
  getTask(id: number): Promise<TaskDetail | null>;
  /** One page of tasks; pass `nextCursor` back as `cursor` for the next. */
  listTasks(options?: HttpListOptions): Promise<TaskPage>;
  /** Cancels a queued or processing task; false if it had finished. */
  cancel(id: number): Promise<boolean>;
  /** Requeues a failed or dead-lettered task; false if it was in another status. */
  retry(id: number): Promise<boolean>;
  /** Requeues every failed / dead-lettered task matching the filter; returns how many. */
  retryAll(filter?: RetryManyBody): Promise<number>;
  /** Counts by status (with the total). */
  stats(): Promise<StatsView>;
  /** A task's log entries; `after` (a `logId`) returns only newer ones, for polling. */
  getTaskLogs(id: number, options?: { limit?: number; after?: number }): Promise<TaskLogView[]>;
  /** Registered workers with their heartbeat state and recent activity. */
  getWorkers(): Promise<WorkerView[]>;
  /** Finished tasks and processing times per time bucket, for charts. */
  getTimeline(options?: { minutes?: number; buckets?: number }): Promise<TimelineView>;
  /** Whether the database is reachable; `quickCheck` also runs an integrity check. */
  health(options?: { quickCheck?: boolean }): Promise<HealthView>;
  /** What the client's token may do on this server. */
  whoami(): Promise<AccessView>;
  /** The Prometheus text of `/metrics`. */
  metrics(): Promise<string>;
}

function toBody(type: string, payload: unknown, options: EnqueueOptions | undefined): EnqueueBody {
  if (options === undefined) return { type, payload };
  const { runAfter, ...rest } = options;
  const o: EnqueueOptionsBody = runAfter === undefined ? rest : { ...rest, runAfter: runAfter instanceof Date ? runAfter.getTime() : runAfter };
  return { type, payload, options: o };
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

/**
 * A client for a server made with `createQueueApp` at `baseUrl`.
 *
 * @example
 * ```ts
 * const queue = createQueueHttpClient("http://127.0.0.1:8080", { token: process.env.PRISMQ_HTTP_TOKEN });
 * const id = await queue.enqueue("email", { to: "a@example.com" }, { idempotencyKey: "welcome-42" });
 * ```
 */
export function createQueueHttpClient(baseUrl: string | URL, options: QueueHttpClientOptions = {}): QueueHttpClient {
  const base = new URL(baseUrl);
  const doFetch = options.fetch ?? ((r: Request) => globalThis.fetch(r));
  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown, text = false): Promise<T> => {
    const headers: Record<string, string> = { Accept: text ? "text/plain" : "application/json" };
    if (options.token !== undefined) headers["Authorization"] = `Bearer ${options.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await doFetch(
      new Request(new URL(path, base), { method, headers, body: body === undefined ? null : JSON.stringify(body) }),
    );
    if (text && res.ok) return (await res.text()) as T;
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok && !(path.startsWith("/api/v1/health") && res.status === 503)) throw new QueueHttpError(res.status, data);
    return data as T;
  };
  const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof QueueHttpError && err.status === 404 && err.code === "TASK_NOT_FOUND") return null;
      throw err;
    }
  };
  return {
    enqueue: async (type, payload, opts) =>
      (await call<{ id: number }>("POST", "/api/v1/tasks", toBody(type, payload, opts))).id,
    enqueueMany: async (tasks) =>
      tasks.length === 0
        ? []
        : [...(await call<{ ids: number[] }>("POST", "/api/v1/tasks/batch", { tasks: tasks.map((t) => toBody(t.type, t.payload, t.options)) })).ids],
    getTask: (id) => orNull(call<TaskDetail>("GET", `/api/v1/tasks/${id}`)),
    listTasks: (o = {}) =>
      call<TaskPage>(
        "GET",
        `/api/v1/tasks${query({
          status: o.status === undefined ? undefined : Array.isArray(o.status) ? o.status.join(",") : (o.status as string),
          type: o.type,
          limit: o.limit,
          cursor: o.cursor,
          sort: o.sort,
          order: o.order,
        })}`,
      ),
    cancel: async (id) => (await call<ChangeResult>("POST", `/api/v1/tasks/${id}/cancel`)).changed,
    retry: async (id) => (await call<ChangeResult>("POST", `/api/v1/tasks/${id}/retry`)).changed,
    retryAll: async (filter = {}) => (await call<{ retried: number }>("POST", "/api/v1/tasks/retry", filter)).retried,
    stats: () => call<StatsView>("GET", "/api/v1/stats"),
    getTaskLogs: async (id, o = {}) => (await call<{ logs: TaskLogView[] }>("GET", `/api/v1/tasks/${id}/logs${query(o)}`)).logs,
    getWorkers: async () => (await call<{ workers: WorkerView[] }>("GET", "/api/v1/workers")).workers,
    getTimeline: (o = {}) => call<TimelineView>("GET", `/api/v1/timeline${query(o)}`),
    health: (o = {}) => call<HealthView>("GET", `/api/v1/health${o.quickCheck === true ? "?check=quick" : ""}`),
    whoami: () => call<AccessView>("GET", "/api/v1/whoami"),
    metrics: () => call<string>("GET", "/metrics", undefined, true),
  };
}
