/**
 * `prismq backup`: an online, verified backup (read-only on the database), rotation, listing.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { createQueueBackup } from "../../runtime/node/index.ts";
import { driverOption, intOption, noExtraPositionals, parseCommandArgs, strOption, UsageError } from "../lib/args.ts";
import { dbPathOf, refuseOnPostgres, withDb, withScratchDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { err, formatTable, formatTime, out, verificationLine } from "../lib/output.ts";

/** `prismq backup --help`. */
export const help = `Usage: prismq backup [--dir DIR] [--name NAME] [--keep N] [--json]
       prismq backup --list [--dir DIR] [--json]

Writes a consistent snapshot of the database (VACUUM INTO, safe while workers run) to
DIR/queue-NAME-<UTC time>.db, verifies it (integrity check, schema version, task table) and
prints its path, size and verification. With --keep N, then deletes all but the N newest
backups in DIR (only files named like this command's backups) and prints what it removed; a
backup that fails verification exits 1 and removes nothing. --list prints the backups in DIR,
newest first, without opening the database. The database is opened read-only (a read-only
file can be backed up); nothing is created, migrated or changed.

Options:
  --dir DIR            backup folder (default: a 'backups' folder next to the database)
  --name NAME          label in the file name: letters, digits, '_' and '-' (default: backup)
  --keep N             afterwards keep only the N newest backups in DIR (N >= 1), whatever
                       their NAME: give differently rotated backups (daily, weekly) their own DIR
  --list               list the backups in DIR instead of taking one
  --json               print JSON
${COMMON_HELP}

Exit codes: 0 backup taken and verified, 1 backup or verification failed, 2 bad usage, no
database file at --db, or a file that is not a queue database (another application's SQLite
file, or a schema newer than this version's).`;

/** `prismq backup`: an online, verified backup with optional rotation, or the list of backups. */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("backup", args, {
    dir: { type: "string" },
    name: { type: "string" },
    keep: { type: "string" },
    list: { type: "boolean" },
    json: { type: "boolean" },
  });
  noExtraPositionals("backup", positionals, 0);
  const json = values["json"] === true;
  const keep = intOption(values, "keep", undefined, 1, 1_000_000);
  const dbPath = dbPathOf(values);
  refuseOnPostgres(dbPath, "prismq backup", "back a PostgreSQL queue up with pg_dump (pg_dump -Fc -d URL -f queue.dump)");
  const dir = resolve(strOption(values, "dir") ?? join(dirname(dbPath), "backups"));
  const driver = driverOption(values);

  if (values["list"] === true) {
    for (const option of ["name", "keep"]) {
      if (values[option] !== undefined) throw new UsageError(`--list cannot be combined with --${option}`);
    }
    return withScratchDb(values, async (scratch) => {
      const backups = await createQueueBackup(scratch, { dir, driver }).listBackups();
      if (json) {
        out(JSON.stringify(backups, null, 2));
        return 0;
      }
      if (backups.length === 0) {
        out(`(no backups in ${dir})`);
        return 0;
      }
      const rows = backups.map((b) => [formatTime(b.createdAt), b.label, String(b.size), b.path]);
      for (const line of formatTable(["created (UTC)", "name", "bytes", "path"], rows, new Set([2]))) out(line);
      return 0;
    });
  }

  // Read-only: a backup never creates, migrates or changes the database (VACUUM INTO only reads).
  return withDb(values, "read-any-version", async (db) => {
    const backup = createQueueBackup(db, { dir, driver });
    const info = await backup.createBackup({ name: strOption(values, "name") });
    const verification = await backup.verifyBackup(info.path);
    // Never rotate good backups away because of a new one that failed verification.
    const removed = verification.ok && keep !== undefined ? await backup.cleanupOldBackups(keep) : [];
    if (json) {
      out(JSON.stringify({ backup: info, verification, removed }, null, 2));
    } else {
      out(`backup:   ${info.path}`);
      out(`size:     ${info.size} bytes`);
      out(`verified: ${verificationLine(verification)}`);
      if (keep !== undefined && verification.ok) {
        out(`removed:  ${removed.length === 0 ? `none (${keep} newest kept)` : `${removed.length} old backup(s), ${keep} newest kept`}`);
        for (const path of removed) out(`  ${path}`);
      }
    }
    if (!verification.ok) {
      err(`prismq backup: backup ${info.path} failed verification: ${verification.reason ?? verification.problem ?? "unknown"}`);
      return 1;
    }
    return 0;
  });
}
