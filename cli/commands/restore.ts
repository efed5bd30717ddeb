/**
 * `prismq restore`: verify a backup and restore it over `--db`, one restore at a time.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createQueueBackup } from "../../runtime/node/index.ts";
import { BackupTargetExistsError, RestoreInProgressError } from "../../src/index.ts";
import { driverOption, noExtraPositionals, parseCommandArgs, UsageError } from "../lib/args.ts";
import { dbPathOf, refuseOnPostgres, withScratchDb } from "../lib/db.ts";
import { COMMON_HELP } from "../lib/help.ts";
import { err, out, verificationLine } from "../lib/output.ts";

/** `prismq restore --help`. */
export const help = `Usage: prismq restore BACKUP_PATH [--db TARGET] [--force] [--json]

Verifies the backup, then restores it to the database file TARGET (--db, default below). One
restore per TARGET at a time: it holds the lock file TARGET.restore-lock (created exclusively)
while it runs, and a second restore is refused with exit code 4. The backup is copied to a
temporary file of a unique name next to TARGET and verified again; only then is the old
database moved aside with its -wal, -shm and -journal files, the new file renamed into place,
and the old files deleted. Whatever fails, the old database is put back as it was. Stop every
worker and close every other connection to TARGET first: a process that still has it open
would go on writing to the replaced file. This command opens nothing on TARGET.

An existing database at TARGET (or its -wal, -shm or -journal file) is replaced only with
--force, which also deletes those side files. Without it the restore is refused with exit code 2:
the command line is missing its permission, nothing was written, and the same command with
--force does the job.

Options:
  --force              replace an existing database at TARGET
  --json               print JSON
${COMMON_HELP}

Exit codes: 0 restored, 1 the backup failed verification or the restore failed (TARGET is left
as it was), 2 bad usage: no file at BACKUP_PATH, TARGET exists and --force was not given, or an
empty or ':memory:' --db, 4 another restore of TARGET is running (TARGET.restore-lock exists):
nothing was done; if no restore is running (one crashed), delete that lock file.`;

/** Exit code of a restore refused because another restore of the same target holds its lock. */
export const RESTORE_IN_PROGRESS_EXIT = 4;

/**
 * `prismq restore`: verifies a backup and restores it over `--db`. Opens nothing on the target
 * (the library needs it closed), so the `QueueBackup` sits on a scratch in-memory database.
 */
export async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("restore", args, {
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  const [backupArg] = positionals;
  if (backupArg === undefined || backupArg === "") throw new UsageError("missing BACKUP_PATH (usage: prismq restore BACKUP_PATH [--db TARGET] [--force])");
  noExtraPositionals("restore", positionals, 1);
  const target = dbPathOf(values);
  refuseOnPostgres(target, "prismq restore", "restore a PostgreSQL queue with pg_restore (pg_restore -d URL queue.dump), or move a SQLite queue there with 'prismq export' and 'prismq import'");
  const backupPath = resolve(backupArg);
  if (!existsSync(backupPath)) throw new UsageError(`no backup file at ${backupPath}`);
  const force = values["force"] === true;
  const json = values["json"] === true;
  return withScratchDb(values, async (scratch) => {
    const backup = createQueueBackup(scratch, { dir: dirname(backupPath), driver: driverOption(values) });
    const verification = await backup.verifyBackup(backupPath);
    if (!verification.ok) {
      err(`prismq restore: invalid backup ${backupPath}: ${verification.reason ?? verification.problem ?? "verification failed"}`);
      return 1;
    }
    let result;
    try {
      result = await backup.restoreBackup(backupPath, { targetPath: target, force });
    } catch (e) {
      // The library's wording names its `force` option; the CLI's is a flag.
      if (e instanceof BackupTargetExistsError) throw new UsageError(`restore target already exists: ${e.path}; pass --force to replace it`);
      if (e instanceof RestoreInProgressError) {
        err(`prismq restore: ${e.message}`);
        return RESTORE_IN_PROGRESS_EXIT;
      }
      throw e;
    }
    if (json) {
      out(JSON.stringify({ backup: backupPath, ...result }, null, 2));
    } else {
      out(`restored: ${result.path}`);
      out(`from:     ${backupPath}`);
      out(`replaced: ${result.replaced ? "yes (the previous database and its -wal/-shm files were replaced)" : "no (new file)"}`);
      out(`verified: ${verificationLine(result.verification)}`);
    }
    return 0;
  });
}
