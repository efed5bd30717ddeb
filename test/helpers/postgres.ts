/**
 * The PostgreSQL server the tests run against, and the skip-or-fail rule for it.
 *
 * The server is `PRISMQ_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`, trust
 * auth, as on the development machines and in CI). When it does not answer, every PostgreSQL
 * test is SKIPPED with a notice on stderr nobody scrolls past, naming how to point the tests at
 * a server; with `PRISMQ_REQUIRE_POSTGRES=1` (set by `.ci/run`) the same tests FAIL instead, so
 * CI can never pass without having run them.
 *
 * Each test creates its own database ({@link createTempDatabase}: `prismq_<prefix>_<random>`)
 * and drops it afterwards, so parallel test files and other people's databases never meet.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** The server's URL (a database on it that exists; `postgres` by default). */
export const PG_SERVER_URL: string = process.env["PRISMQ_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** `PRISMQ_REQUIRE_POSTGRES=1`: a missing server fails the PostgreSQL tests instead of skipping them. */
export const PG_REQUIRED: boolean = process.env["PRISMQ_REQUIRE_POSTGRES"] === "1";

/** Opens an admin connection to the server database (one connection, short timeouts). */
function admin(): postgres.Sql {
  return postgres(PG_SERVER_URL, { max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} });
}

/** Why the server cannot be used (`undefined` when it answers a query). Probed once per process. */
async function probe(): Promise<string | undefined> {
  const sql = admin();
  try {
    await sql`select 1`;
    return undefined;
  } catch (e) {
    return `no PostgreSQL server answers at ${redact(PG_SERVER_URL)} (${(e as Error).message.split("\n")[0]})`;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/:\/\/([^:/@]+):[^@]*@/, "://$1:***@");
}

/** `undefined` when the server answers, else the reason it does not. */
export const PG_MISSING: string | undefined = await probe();

if (PG_MISSING !== undefined) {
  const bar = "!".repeat(78);
  process.stderr.write(
    [
      "",
      bar,
      `!! POSTGRESQL TESTS ${PG_REQUIRED ? "FAIL (PRISMQ_REQUIRE_POSTGRES=1)" : "SKIPPED"}: ${PG_MISSING}`,
      "!! The PostgreSQL dialect, its CLI, LISTEN/NOTIFY wake-ups, chaos and migration were NOT tested.",
      "!! To run them, point the tests at a server (trust auth or a password in the URL):",
      "!!   PRISMQ_PG_URL=postgres://USER[:PASSWORD]@HOST:5432/postgres npm test",
      "!! To make a missing server FAIL instead of skip (CI does): PRISMQ_REQUIRE_POSTGRES=1",
      bar,
      "",
    ].join("\n"),
  );
}

/**
 * Options for a `describe`/`test` that needs the server: `{ skip: reason }` when it is missing
 * and not required; otherwise nothing, and {@link requirePostgres} in `before` fails the suite
 * when it is missing and required.
 */
export function pgSuiteOptions(): { skip: string | false } {
  return { skip: PG_MISSING !== undefined && !PG_REQUIRED ? `SKIPPED: ${PG_MISSING}; set PRISMQ_PG_URL` : false };
}

/** Throws when the server is missing (and, by {@link pgSuiteOptions}, required). Call in `before`. */
export function requirePostgres(): void {
  if (PG_MISSING !== undefined) throw new Error(`PRISMQ_REQUIRE_POSTGRES=1 and ${PG_MISSING}`);
}

/** A database created for one test, and how to remove it. */
export interface TempDatabase {
  /** Its name: `prismq_<prefix>_<random>`. */
  readonly name: string;
  /** The server URL with this database's name in place of the server database. */
  readonly url: string;
  /** Drops it, ending any connection still open to it. Idempotent. */
  drop(): Promise<void>;
}

/** The server URL pointed at database `name`. */
export function urlOfDatabase(name: string): string {
  const u = new URL(PG_SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty database `prismq_<prefix>_<random>` on the server. */
export async function createTempDatabase(prefix = "test"): Promise<TempDatabase> {
  requirePostgres();
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30);
  const name = `prismq_${safe}_${randomBytes(5).toString("hex")}`;
  const sql = admin();
  try {
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end({ timeout: 1 });
  }
  let dropped = false;
  return {
    name,
    url: urlOfDatabase(name),
    async drop() {
      if (dropped) return;
      dropped = true;
      const s = admin();
      try {
        await s.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await s.end({ timeout: 1 });
      }
    },
  };
}

/** Runs one query on database `url` with a throw-away connection, for assertions. */
export async function queryDatabase<T extends Record<string, unknown>>(url: string, text: string, params: readonly unknown[] = []): Promise<T[]> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text, params as never[])) as unknown as T[];
  } finally {
    await sql.end({ timeout: 1 });
  }
}
