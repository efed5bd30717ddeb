/**
 * Opening a queue on a PostgreSQL server from a `postgres://` URL, wherever a file path is
 * accepted (`openQueueDatabase`, every CLI `--db`, a worker config's `database.path`,
 * `PRISMQ_QUEUE_DB_PATH`). The PostgreSQL adapter, and the client library under it, are loaded
 * only here and only when a URL is given, with a dynamic import: a SQLite user never loads (or
 * needs installed) a PostgreSQL client.
 *
 * @module
 */
import type { Driver } from "../../src/driver.ts";
import type { QueueDialect } from "../../src/index.ts";
import { QueueDatabaseError, isQueueError } from "../../src/errors.ts";
import { displayDbPath } from "./db-path.ts";

/** Options of {@link openPostgres}. */
export interface PostgresOpenOptions {
  /** Most connections the pool opens. @default the adapter's default */
  readonly poolSize?: number | undefined;
  /**
   * Every transaction of the connections is read-only (`default_transaction_read_only`): a
   * command that only reads can never write, create or migrate. @default false
   */
  readonly readOnly?: boolean | undefined;
}

type PostgresAdapter = typeof import("../../adapters/postgres/index.ts");

/** Loads the PostgreSQL adapter (and its client library) on first use. */
async function loadAdapter(): Promise<PostgresAdapter> {
  try {
    // A literal specifier, so the build splits the adapter into its own chunk, loaded only here.
    return await import("../../adapters/postgres/index.ts");
  } catch (err) {
    throw new QueueDatabaseError(
      `the PostgreSQL driver could not be loaded (${(err as Error).message.split("\n")[0]}): install its client with \`npm install postgres\``,
      { kind: "cantopen", cause: err },
    );
  }
}

/** A driver connected to the server at `url`, and the dialect to open a `QueueDatabase` with. */
export async function openPostgres(url: string, options: PostgresOpenOptions = {}): Promise<{ driver: Driver; dialect: QueueDialect }> {
  const adapter = await loadAdapter();
  let driver: Driver;
  try {
    driver = await adapter.openPostgres(options.readOnly === true ? readOnlyUrl(url) : url, { max: options.poolSize });
  } catch (err) {
    if (isQueueError(err)) throw err;
    throw new QueueDatabaseError(`cannot connect to ${displayDbPath(url)}: ${(err as Error).message}`, { kind: "cantopen", cause: err });
  }
  return { driver, dialect: adapter.postgresDialect };
}

/**
 * `url` with the connection parameter `default_transaction_read_only=on` (the client passes
 * unknown URL parameters to the server at connect): every transaction of those connections is
 * read-only, so a command that only reads cannot create, migrate or change anything.
 */
function readOnlyUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set("default_transaction_read_only", "on");
  return u.toString();
}
