/**
 * `prismq serve`: the HTTP API and the dashboard on Node, over one queue database.
 *
 * @module
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { openQueueDatabase, resolveDbPath } from "../../adapters/node/index.ts";
import type { QueueDatabase } from "../../src/database.ts";
import { isQueueError } from "../../src/errors.ts";
import { assertSafeBind, createQueueApp, isLoopbackHost } from "../../src/http/index.ts";

/** Exit codes of `prismq serve`. */
export const SERVE_EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The `--help` text. */
export const SERVE_HELP = `Usage: prismq serve [--host HOST] [--port PORT] [--token TOKEN]... [--read-token TOKEN]...
                    [--db PATH] [--driver NAME] [--cors-origin ORIGIN]... [--body-limit BYTES]
                    [--no-dashboard]

Serves the queue's HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json), /metrics, /health and
the live dashboard (/) until SIGINT or SIGTERM, then stops taking requests, lets the ones in
flight finish (at most 5 s) and closes the database.

  --host HOST          address to bind (default 127.0.0.1). Anything beyond loopback is refused
                       unless a token is given.
  --port PORT          TCP port (default 8080; 0 picks a free one)
  --token TOKEN        bearer token that may read and write (repeatable; default
                       $PRISMQ_HTTP_TOKEN). At least 16 characters. Prefer the environment
                       variable: a command line is visible to other users of the machine.
  --read-token TOKEN   bearer token that may only read: dashboard viewers, metrics scrapers
                       (repeatable; default $PRISMQ_HTTP_READ_TOKEN)
  --db PATH            database file (default: $PRISMQ_QUEUE_DB_PATH, else ${resolveDbPath()})
  --driver NAME        auto | better-sqlite3 | node-sqlite (default auto)
  --cors-origin ORIGIN allow this origin by CORS (repeatable; default: no CORS headers)
  --body-limit BYTES   largest request body, larger gets 413 (default 1048576)
  --no-dashboard       serve the API only
  -h, --help           this text

Without any token every request is allowed, so the server then stays on loopback. With tokens,
every request but the dashboard's static files needs "Authorization: Bearer TOKEN"; the
dashboard asks for one, or takes it from the page address: http://HOST:PORT/#token=TOKEN.

Prints one line when listening: "prismq serve: listening on URL (dashboard: URL)".
Exit codes: 0 stopped by a signal, 1 runtime or database failure (port in use, database cannot
be opened), 2 bad usage (unknown flag, bad value, beyond loopback without a token, a token too
short).`;

const DRIVERS = ["auto", "better-sqlite3", "node-sqlite"] as const;

function usage(message: string): number {
  process.stderr.write(`prismq serve: ${message}\n(see prismq serve --help)\n`);
  return SERVE_EXIT.usage;
}

function envList(name: string): string[] {
  const v = process.env[name];
  return v === undefined || v === "" ? [] : v.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Runs `prismq serve ARGS`; resolves with the exit code once the server has stopped. */
export async function run(args: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "8080" },
        token: { type: "string", multiple: true },
        "read-token": { type: "string", multiple: true },
        db: { type: "string" },
        driver: { type: "string", default: "auto" },
        "cors-origin": { type: "string", multiple: true },
        "body-limit": { type: "string", default: "1048576" },
        "no-dashboard": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    return usage((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return SERVE_EXIT.ok;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) return usage(`--port must be 0-65535, got ${values.port}`);
  const bodyLimit = Number(values["body-limit"]);
  if (!/^\d+$/.test(values["body-limit"]) || bodyLimit < 1) return usage(`--body-limit must be a positive integer, got ${values["body-limit"]}`);
  if (!(DRIVERS as readonly string[]).includes(values.driver)) return usage(`--driver must be one of ${DRIVERS.join(", ")}`);
  const host = values.host;
  if (host.trim() === "") return usage("--host is empty");
  if (values.db !== undefined && (values.db === "" || values.db === ":memory:")) {
    return usage("--db must name a file (an in-memory database would be empty and private to this process)");
  }
  const tokens = values.token ?? envList("PRISMQ_HTTP_TOKEN");
  const readTokens = values["read-token"] ?? envList("PRISMQ_HTTP_READ_TOKEN");
  try {
    assertSafeBind(host, { write: tokens, read: readTokens });
  } catch (err) {
    return usage((err as Error).message);
  }

  let db: QueueDatabase;
  try {
    db = await openQueueDatabase({ path: resolveDbPath(values.db), driver: values.driver as (typeof DRIVERS)[number] });
  } catch (err) {
    process.stderr.write(`prismq serve: cannot open the database: ${(err as Error).message}\n`);
    return SERVE_EXIT.failure;
  }
  let app;
  try {
    app = createQueueApp(db, {
      tokens,
      readTokens,
      bodyLimitBytes: bodyLimit,
      corsOrigins: values["cors-origin"],
      dashboard: !values["no-dashboard"],
    });
  } catch (err) {
    await db.close();
    if (isQueueError(err, "VALIDATION")) return usage((err as Error).message);
    throw err;
  }

  return new Promise<number>((resolvePromise) => {
    let stopping = false;
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const shown = info.family === "IPv6" ? `[${info.address}]` : info.address;
      const url = `http://${shown}:${info.port}`;
      const scope = isLoopbackHost(host) ? "" : " (beyond loopback: tokens required)";
      process.stdout.write(`prismq serve: listening on ${url}${scope} (dashboard: ${url}/)\n`);
    });
    const finish = async (code: number): Promise<void> => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await db.close().catch(() => {});
      resolvePromise(code);
    };
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      const force = setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 5000);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        void finish(code);
      });
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`prismq serve: ${signal}, stopping\n`);
      stop(SERVE_EXIT.ok);
    };
    server.on("error", (err: Error) => {
      process.stderr.write(`prismq serve: ${err.message}\n`);
      if (stopping) return;
      stopping = true;
      void finish(SERVE_EXIT.failure);
    });
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
