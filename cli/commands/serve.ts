/**
 * `prismq serve`: the HTTP API and the dashboard on Node, over one queue database, until
 * SIGINT/SIGTERM (SIGINT/SIGBREAK on Windows).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { describeThrown } from "../../src/errors.ts";
import { checkTokens } from "../../src/http/auth.ts";
import { assertSafeBind, createQueueApp, isLoopbackHost } from "../../src/http/index.ts";
import { intOption, listOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { openDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { err, out } from "../lib/output.ts";
import { shutdownSignalNames } from "../../runtime/node/shutdown-signals.ts";

/** `prismq serve --help`. */
export const help = `Usage: prismq serve [--host HOST] [--port PORT] [--token TOKEN]... [--read-token TOKEN]...
                    [--db PATH] [--driver NAME] [--cors-origin ORIGIN]... [--body-limit BYTES]
                    [--no-dashboard]

Serves the queue's HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json), /metrics, /health and
the live dashboard (/) until SIGINT or SIGTERM (on Windows: Ctrl+C or Ctrl+Break), then stops taking requests, lets the ones in
flight finish (at most 5 s) and closes the database.

  --host HOST          address to bind (default 127.0.0.1). Anything beyond loopback is refused
                       unless a token is given.
  --port PORT          TCP port (default 8080; 0 picks a free one)
  --token TOKEN        bearer token that may read and write (repeatable; default
                       $PRISMQ_HTTP_TOKEN). At least 16 characters. Prefer the environment
                       variable: a command line is visible to other users of the machine.
  --read-token TOKEN   bearer token that may only read: dashboard viewers, metrics scrapers
                       (repeatable; default $PRISMQ_HTTP_READ_TOKEN)
  --cors-origin ORIGIN allow this origin by CORS (repeatable; default: no CORS headers)
  --body-limit BYTES   largest request body, larger gets 413 (default 1048576)
  --no-dashboard       serve the API only
${COMMON_HELP}

Without any token every request is allowed, so the server then stays on loopback. With tokens,
every request but the dashboard's static files needs "Authorization: Bearer TOKEN"; the
dashboard asks for one, or takes it from the page address: http://HOST:PORT/#token=TOKEN.

Prints one line when listening: "prismq serve: listening on URL (dashboard: URL)".
The database is created (and migrated) when it does not exist, as for 'prismq init'.

Exit codes: 0 stopped by a signal, 1 runtime or database failure (port in use, database cannot
be opened), 2 bad usage (unknown flag, bad value, an empty or ':memory:' --db, beyond loopback
without a token, a token too short).`;

/** A comma-separated list from the environment (tokens), empty when unset. */
function envList(name: string): string[] {
  const v = process.env[name];
  return v === undefined || v === "" ? [] : v.split(",").map((s) => s.trim()).filter(Boolean);
}

/** How long in-flight requests may take to finish after a signal before their sockets are closed. */
const DRAIN_MS = 5_000;

/** `prismq serve`: resolves with the exit code once the server has stopped. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("serve", args, {
    host: { type: "string" },
    port: { type: "string" },
    token: { type: "string", multiple: true },
    "read-token": { type: "string", multiple: true },
    "cors-origin": { type: "string", multiple: true },
    "body-limit": { type: "string" },
    "no-dashboard": { type: "boolean" },
  });
  noExtraPositionals("serve", positionals, 0);
  const port = intOption(values, "port", 8080, 0, 65_535)!;
  const bodyLimit = intOption(values, "body-limit", 1_048_576, 1, 2 ** 31 - 1)!;
  const host = strOption(values, "host") ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError("--host is empty");
  const tokens = listOption(values, "token") ?? envList("PRISMQ_HTTP_TOKEN");
  const readTokens = listOption(values, "read-token") ?? envList("PRISMQ_HTTP_READ_TOKEN");
  // Bad tokens and an unsafe bind are usage errors (exit 2, a QueueValidationError), refused
  // before the database is opened (or created); failing to open it is exit 1.
  checkTokens({ write: tokens, read: readTokens });
  assertSafeBind(host, { write: tokens, read: readTokens });
  const { db } = await openDb(values, "create");
  let app;
  try {
    app = createQueueApp(db, {
      tokens,
      readTokens,
      bodyLimitBytes: bodyLimit,
      corsOrigins: listOption(values, "cors-origin"),
      dashboard: values["no-dashboard"] !== true,
    });
  } catch (e) {
    await db.close();
    throw e;
  }

  // SIGINT/SIGTERM on POSIX, SIGINT/SIGBREAK on Windows (which never delivers SIGTERM).
  const stopSignals = shutdownSignalNames();
  return new Promise<number>((resolvePromise) => {
    let stopping = false;
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const shown = info.family === "IPv6" ? `[${info.address}]` : info.address;
      const url = `http://${shown}:${info.port}`;
      const scope = isLoopbackHost(host) ? "" : " (beyond loopback: tokens required)";
      out(`prismq serve: listening on ${url}${scope} (dashboard: ${url}/)`);
    });
    const finish = async (code: number): Promise<void> => {
      for (const s of stopSignals) process.off(s, onSignal);
      await db.close().catch(() => {});
      resolvePromise(code);
    };
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      const force = setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), DRAIN_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        void finish(code);
      });
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      err(`prismq serve: ${signal}, stopping`);
      stop(0);
    };
    server.on("error", (e: unknown) => {
      err(`prismq serve: ${describeThrown(e).message}`);
      if (stopping) return;
      stopping = true;
      void finish(1);
    });
    for (const s of stopSignals) process.on(s, onSignal);
  });
}
