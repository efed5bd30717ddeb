/**
 * `createQueueApp`: the HTTP API and the dashboard as one Hono app, a web-standard `fetch`
 * handler that runs on Node (`@hono/node-server`), Deno (`Deno.serve`), Bun (`Bun.serve`) and
 * any fetch-based host.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { QueueClient, type QueueClientOptions } from "../client.ts";
import type { QueueDatabase } from "../database.ts";
import { PROMETHEUS_CONTENT_TYPE, QueueMetrics, type QueueMetricsOptions } from "../observability/metrics.ts";
import { accessOf, authDisabled, checkTokens, type TokenSet } from "./auth.ts";
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from "./dashboard/assets.ts";
import { errorBody, issueLines, toErrorResponse } from "./errors.ts";
import { type ApiEnv, mountApi } from "./routes.ts";

/** Options of {@link createQueueApp}. */
export interface QueueAppOptions {
  /** Bearer tokens that may read and write. With no token at all, keep the server on loopback. */
  readonly tokens?: readonly string[] | undefined;
  /** Bearer tokens that may only read (dashboard viewers, metrics scrapers). */
  readonly readTokens?: readonly string[] | undefined;
  /** Largest request body accepted; larger ones get 413. @default 1048576 (1 MiB) */
  readonly bodyLimitBytes?: number | undefined;
  /** Origins allowed by CORS. CORS headers are sent only when this is given. */
  readonly corsOrigins?: readonly string[] | undefined;
  /** Serve the dashboard at `/`. @default true */
  readonly dashboard?: boolean | undefined;
  /** Passed to the app's {@link QueueClient} (e.g. payload schemas by type). */
  readonly client?: QueueClientOptions | undefined;
  /** Passed to the app's {@link QueueMetrics} (heartbeat thresholds, metric prefix). */
  readonly metrics?: QueueMetricsOptions | undefined;
}

// No inline script or style anywhere: the dashboard's JS and CSS are separate routes.
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * The queue's HTTP API under `/api/v1`, `/metrics`, `/health`, the OpenAPI document at
 * `/api/v1/openapi.json` and the dashboard at `/`.
 *
 * @example
 * ```ts
 * const app = createQueueApp(db, { tokens: [process.env.PRISMQ_HTTP_TOKEN!] });
 * Deno.serve({ hostname: "127.0.0.1", port: 8080 }, app.fetch);
 * ```
 */
export function createQueueApp(db: QueueDatabase, options: QueueAppOptions = {}): OpenAPIHono<ApiEnv> {
  const tokens: TokenSet = { write: [...(options.tokens ?? [])], read: [...(options.readTokens ?? [])] };
  checkTokens(tokens);
  const open = authDisabled(tokens);
  const client = new QueueClient(db, options.client);
  const metrics = new QueueMetrics(db, options.metrics);
  const limit = options.bodyLimitBytes ?? 1_048_576;

  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(errorBody("VALIDATION", "invalid request", issueLines(result.error.issues)), 400);
      }
      return undefined;
    },
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own refusals (malformed JSON and the like) are bad input too.
      const code = err.status === 413 ? "PAYLOAD_TOO_LARGE" : "VALIDATION";
      return c.json(errorBody(code, err.message || "bad request"), err.status);
    }
    const { status, body } = toErrorResponse(err);
    return c.json(body, status as 400);
  });
  app.notFound((c) => c.json(errorBody("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`), 404));

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: CSP,
      crossOriginResourcePolicy: "same-origin",
      referrerPolicy: "no-referrer",
      xFrameOptions: "DENY",
    }),
  );
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    const origins = [...options.corsOrigins];
    const c = cors({ origin: origins, allowHeaders: ["Authorization", "Content-Type"], allowMethods: ["GET", "POST"] });
    app.use("/api/*", c);
    app.use("/metrics", c);
  }

  const guard = createMiddleware<ApiEnv>(async (c, next) => {
    if (c.req.method === "OPTIONS") return next();
    const access = accessOf(c.req.header("Authorization"), tokens);
    c.set("access", access);
    c.set("authRequired", !open);
    const path = c.req.path;
    if (path === "/api/v1/whoami" || path === "/api/v1/openapi.json") return next();
    if (access === "none") {
      c.header("WWW-Authenticate", 'Bearer realm="prismq"');
      return c.json(errorBody("UNAUTHORIZED", "a bearer token is required"), 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && access !== "write") {
      return c.json(errorBody("FORBIDDEN", "this token may only read"), 403);
    }
    return next();
  });
  app.use("/api/*", guard);
  app.use("/metrics", guard);
  app.use("/health", guard);
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: limit,
      onError: (c) => c.json(errorBody("PAYLOAD_TOO_LARGE", `request body over ${limit} bytes`), 413),
    }),
  );

  mountApi(app, { db, client, metrics });

  app.get("/metrics", async (c) => c.body(await metrics.toPrometheus(), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }));
  app.get("/health", (c) => app.fetch(new Request(new URL(`/api/v1/health${new URL(c.req.url).search}`, c.req.url), c.req.raw)));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  // Plain routes, described here so the document lists every endpoint.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/metrics",
    summary: "Prometheus text exposition of QueueMetrics",
    security: [{ bearer: [] }],
    responses: { 200: { description: "metrics", content: { "text/plain": { schema: { type: "string" } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/health",
    summary: "Same as /api/v1/health",
    security: [{ bearer: [] }],
    responses: { 200: { description: "healthy" }, 503: { description: "unhealthy" } },
  });
  app.doc("/api/v1/openapi.json", {
    openapi: "3.0.0",
    info: { title: "prismq queue API", version: "1" },
  });

  if (options.dashboard !== false) {
    const page = (body: string, type: string) => (c: { body: (b: string, s: 200, h: Record<string, string>) => Response }) =>
      c.body(body, 200, { "Content-Type": type, "Cache-Control": "no-cache" });
    app.get("/", page(DASHBOARD_HTML, "text/html; charset=utf-8"));
    app.get("/assets/dashboard.js", page(DASHBOARD_JS, "text/javascript; charset=utf-8"));
    app.get("/assets/dashboard.css", page(DASHBOARD_CSS, "text/css; charset=utf-8"));
  }
  return app;
}
