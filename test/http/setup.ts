/**
 * Shared setup of the HTTP tests: the BUILT package (`http.js`, `index.js`) and a queue database
 * on each Node driver, plus request helpers.
 */
import { importDist } from "../helpers/dist.ts";
import type { DriverFactory } from "../helpers/drivers.ts";

export type Http = typeof import("../../src/http/index.ts");
export type Core = typeof import("../../src/index.ts");

export const http: Http = await importDist<Http>("http.js");
export const core: Core = await importDist<Core>("index.js");

export type App = ReturnType<Http["createQueueApp"]>;
export type Db = Awaited<ReturnType<Core["QueueDatabase"]["open"]>>;

/** Tokens long enough to be accepted. */
export const WRITE = "write-token-0123456789abcdef";
export const READ = "read-token-0123456789abcdef";

/** A fresh in-memory queue on `driver` and an app over it. */
export async function setup(
  driver: DriverFactory,
  options: Parameters<Http["createQueueApp"]>[1] = {},
): Promise<{ db: Db; app: App; client: InstanceType<Core["QueueClient"]>; close: () => Promise<void> }> {
  const db = await core.QueueDatabase.open(driver.open());
  const app = http.createQueueApp(db, options);
  return { db, app, client: new core.QueueClient(db), close: () => db.close() };
}

/** Sends a request to the app's fetch handler (no socket) and decodes a JSON answer. */
export async function req(
  app: App,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers["Authorization"] = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] ??= "application/json";
  const res = await app.fetch(new Request(`http://127.0.0.1${path}`, { method, headers, body: body ?? null }));
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json")) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Asserts the one error shape and returns its code. */
export function errorCode(body: any): string {
  if (typeof body?.error?.code !== "string" || typeof body.error.message !== "string" || !Array.isArray(body.error.details)) {
    throw new Error(`not the API error shape: ${JSON.stringify(body)}`);
  }
  return body.error.code;
}
