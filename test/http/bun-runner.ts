/**
 * The HTTP API under Bun: `Bun.serve` on loopback, `bun:sqlite` in memory, the built package.
 *
 *   bun test ./test/http/bun-runner.ts      (PRISMQ_DIST_DIR picks another build)
 */
import { test } from "bun:test";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defineHttpCases, type HttpCaseEnv } from "./cases.ts";

interface BunLike {
  serve(options: { hostname: string; port: number; fetch: (req: Request) => Response | Promise<Response> }): {
    port: number;
    stop(closeActive?: boolean): Promise<void> | void;
  };
}
const bun = (globalThis as { Bun?: BunLike }).Bun;
if (bun === undefined) throw new Error("test/http/bun-runner.ts runs under `bun test`");

const dist = resolve(process.env["PRISMQ_DIST_DIR"] || resolve(import.meta.dirname, "..", "..", "dist"));
const load = <T>(file: string): Promise<T> => import(pathToFileURL(resolve(dist, file)).href) as Promise<T>;

const http = await load<HttpCaseEnv["http"]>("http.js");
const core = await load<HttpCaseEnv["core"]>("index.js");
const { fromBunSqlite } = await load<typeof import("../../adapters/bun-sqlite/index.ts")>("bun-sqlite.js");
// A specifier in a variable keeps tsc from needing Bun's types.
const BUN_SQLITE = "bun:sqlite";
const { Database } = (await import(BUN_SQLITE)) as { Database: new (path: string) => Parameters<typeof fromBunSqlite>[0] };

const env: HttpCaseEnv = {
  runtime: "Bun",
  http,
  core,
  openDb: () => core.QueueDatabase.open(fromBunSqlite(new Database(":memory:"))),
  serve: async (app) => {
    const server = bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    return { base: `http://127.0.0.1:${server.port}`, close: async () => { await server.stop(true); } };
  },
};

defineHttpCases((name, fn) => test(name, fn, 30_000), env);
