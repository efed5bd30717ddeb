/**
 * Backups and maintenance on Node: the {@link BackupFileSystem} over `node:fs/promises`, an opener
 * for backup files, and factories that fill both in.
 *
 * @example
 * ```ts
 * import { createQueueBackup, createQueueMaintenance, openQueueDatabase } from "@prismq/queue/node";
 * const db = await openQueueDatabase({ path: "queue.db" });
 * const backup = createQueueBackup(db, { dir: "backups" });
 * await backup.createBackup({ name: "daily" });
 * await backup.cleanupOldBackups(7);
 * const stats = await createQueueMaintenance(db).getDatabaseStats();
 * ```
 *
 * @module
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { QueueDatabase } from "../../src/database.ts";
import {
  type BackupFileEntry,
  type BackupFileSystem,
  type DriverOpener,
  QueueBackup,
  type QueueBackupOptions,
} from "../../src/maintenance/backup.ts";
import { QueueMaintenance, type QueueMaintenanceOptions } from "../../src/maintenance/maintenance.ts";
import { type NodeDriverName, openDriver } from "./open.ts";

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === "ENOENT";

/** {@link BackupFileSystem} over `node:fs/promises` and `node:path`. */
export const nodeBackupFileSystem: BackupFileSystem = Object.freeze({
  async list(dir: string): Promise<BackupFileEntry[]> {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const entries: BackupFileEntry[] = [];
    for (const name of names) {
      const path = join(dir, name);
      try {
        const s = await stat(path);
        entries.push({ name, path, size: s.size, mtimeMs: s.mtimeMs });
      } catch (err) {
        if (!isMissing(err)) throw err; // deleted between readdir and stat: not there any more
      }
    }
    return entries;
  },
  async size(path: string): Promise<number | null> {
    try {
      return (await stat(path)).size;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  },
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  },
  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  },
  async mkdir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  },
  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  },
  async createExclusive(path: string, text: string): Promise<boolean> {
    try {
      await writeFile(path, text, { flag: "wx" });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException | null)?.code === "EEXIST") return false;
      throw err;
    }
  },
  join: (dir: string, name: string): string => join(dir, name),
  dirname: (path: string): string => dirname(path),
  resolve: (path: string): string => resolve(path),
});

/**
 * A {@link DriverOpener} that opens backup files read-only with {@link openDriver} (no PRAGMAs,
 * no migrations, nothing created): verifying a backup never changes it.
 */
export function nodeDriverOpener(driver: NodeDriverName = "auto"): DriverOpener {
  return (path: string) => openDriver({ path, driver, readOnly: true });
}

/** Options of {@link createQueueBackup}. */
export interface NodeQueueBackupOptions {
  /** Folder of the backups; created on the first backup. */
  readonly dir: string;
  /** Driver that opens backup files for verification and restore. @default "auto" */
  readonly driver?: NodeDriverName | undefined;
  /** Time for backup names. @default the database's clock */
  readonly clock?: QueueBackupOptions["clock"];
}

/** A {@link QueueBackup} of `db` in `options.dir`, with Node's file system and drivers. */
export function createQueueBackup(db: QueueDatabase, options: NodeQueueBackupOptions): QueueBackup {
  return new QueueBackup(db, {
    dir: options.dir,
    fs: nodeBackupFileSystem,
    open: nodeDriverOpener(options.driver),
    clock: options.clock,
  });
}

/** A {@link QueueMaintenance} of `db` that can measure the WAL file on disk. */
export function createQueueMaintenance(
  db: QueueDatabase,
  options: Omit<QueueMaintenanceOptions, "fs"> = {},
): QueueMaintenance {
  return new QueueMaintenance(db, { ...options, fs: nodeBackupFileSystem });
}
