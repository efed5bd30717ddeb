/**
 * `prismq init`: create or migrate the database ahead of time.
 *
 * @module
 */
import { noExtraPositionals, parseCommandArgs } from "../lib/args.ts";
import { shownDbPath, withDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { out } from "../lib/output.ts";

/** `prismq init --help`. */
export const help = `Usage: prismq init [--db PATH]

Creates the database file (and its folder) if needed, brings its schema up to date, and prints
the path and schema version. With a postgres:// URL as PATH it creates the queue's tables in
that PostgreSQL database (which must exist) or migrates them.

Options:
${COMMON_HELP}`;

/** `prismq init`: creates or migrates the file, so a deployment can prepare it ahead of time. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("init", args, {});
  noExtraPositionals("init", positionals, 0);
  return withDb(values, "create", async (db, path) => {
    out(`database:       ${shownDbPath(path)}`);
    out(`schema version: ${await db.schemaVersion()}`);
    out(`driver:         ${db.driver.name}`);
    return 0;
  });
}
