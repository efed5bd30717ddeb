/**
 * The HTTP API under Deno: `Deno.serve` on loopback, `node:sqlite` in memory, the built package.
 *
 *   deno test -A test/http/deno-runner.ts      (PRISMQ_DIST_DIR picks another build)
 */
import { defineHttpCases, type HttpCaseEnv } from "./cases.ts";

/** The part of the `Deno` global this runner uses (typed here so tsc needs no Deno types). */
interface DenoLike {
  test(definition: { name: string; fn: () => Promise<void>; sanitizeOps?: boolean; sanitizeResources?: boolean }): void;
  env: { get(name: string): string | undefined };
  cwd(): string;
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void },
    handler: (req: Request) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}
const deno = (globalThis as { Deno?: DenoLike }).Deno;
if (deno === undefined) throw new Error("test/http/deno-runner.ts runs under `deno test`");

const root = new URL("../../", import.meta.url);
const distEnv = deno.env.get("PRISMQ_DIST_DIR");
const dist = distEnv !== undefined && distEnv !== "" ? new URL(`${distEnv.replace(/\/?$/, "/")}`, `file://${deno.cwd()}/`) : new URL("dist/", root);
const load = <T>(file: string): Promise<T> => import(new URL(file, dist).href) as Promise<T>;

const http = await load<HttpCaseEnv["http"]>("http.js");
const core = await load<HttpCaseEnv["core"]>("index.js");
const { fromNodeSqlite } = await load<typeof import("../../adapters/node-sqlite/index.ts")>("node-sqlite.js");
const { DatabaseSync } = await import("node:sqlite");

const env: HttpCaseEnv = {
  runtime: "Deno",
  http,
  core,
  openDb: () => core.QueueDatabase.open(fromNodeSqlite(new DatabaseSync(":memory:"))),
  serve: (app) =>
    new Promise((resolve) => {
      const server = deno.serve(
        {
          hostname: "127.0.0.1",
          port: 0,
          onListen: ({ port }) => resolve({ base: `http://127.0.0.1:${port}`, close: () => server.shutdown() }),
        },
        app.fetch,
      );
    }),
};

defineHttpCases((name, fn) => deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false }), env);
