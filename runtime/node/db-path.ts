/**
 * Where a database file is, as an absolute path of the platform: the rules of `openDriver` and the
 * CLI in one place, with the platform, environment, working folder and path flavour injectable so
 * Windows paths (`C:\…`, UNC `\\server\share\…`, drive-relative `D:q.db`) are checked on any OS.
 *
 * @module
 */
import * as nodePath from "node:path";
import { defaultDbPath } from "../../src/database.ts";

/** What resolving a database path depends on (see the module); {@link nodeDbPathHost} is this process. */
export interface DbPathHost {
  /** `process.platform`: picks the default path (`C:\Data\PrismQ\queue\queue.db` on `win32`). */
  readonly platform: string;
  /** Environment, for `PRISMQ_QUEUE_DB_PATH`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working folder a relative path is taken from. */
  readonly cwd: string;
  /** `node:path`, or `path.win32` / `path.posix` to apply another platform's rules. */
  readonly path: Pick<typeof nodePath, "resolve" | "dirname">;
}

/** The {@link DbPathHost} of this process. */
export function nodeDbPathHost(): DbPathHost {
  return { platform: process.platform, env: process.env, cwd: process.cwd(), path: nodePath };
}

/**
 * `path`, else `PRISMQ_QUEUE_DB_PATH`, else the platform default, unresolved (`":memory:"` and
 * `""` pass through: they mean an in-memory database).
 */
export function dbPathOrDefault(path: string | undefined, host: Pick<DbPathHost, "platform" | "env"> = nodeDbPathHost()): string {
  return path ?? defaultDbPath(host.env, host.platform);
}

/**
 * True for a PostgreSQL connection URL (`postgres://…` or `postgresql://…`), which every place
 * taking a database path accepts instead of a file: it is passed on as it is, never resolved
 * against a folder.
 */
export function isPostgresUrl(path: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(path.trim());
}

/** A database path or URL for messages: a URL's password replaced by `***`. */
export function displayDbPath(path: string): string {
  if (!isPostgresUrl(path)) return path;
  return path
    .replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*):[^@/?#]*@/i, "$1:***@")
    .replace(/([?&]password=)[^&#]*/gi, "$1***");
}

/**
 * `path` made absolute against the host's working folder, by the host's path rules; a
 * PostgreSQL URL is returned as it is.
 */
export function absoluteDbPath(path: string, host: DbPathHost = nodeDbPathHost()): string {
  if (isPostgresUrl(path)) return path.trim();
  return host.path.resolve(host.cwd, path);
}

/** The folder `openDriver` creates for a new database file at `path`. */
export function dbFolderOf(path: string, host: DbPathHost = nodeDbPathHost()): string {
  return host.path.dirname(absoluteDbPath(path, host));
}
