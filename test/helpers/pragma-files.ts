/**
 * Scratch files and open databases for the PRAGMA-default tests (test/mmap-default.test.ts,
 * test/page-size-default.test.ts): each test's databases are closed and its folders removed
 * after it, and a PRAGMA is read back as a number.
 */
import { afterEach } from "node:test";
import { join } from "node:path";
import { tempDir } from "./drivers.ts";
import type { QueueDatabase } from "../../src/index.ts";

const open: QueueDatabase[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => {});
  for (const c of cleanups.splice(0)) c();
});

/** Closes `dbs` after the running test. */
export function closeAfterTest(...dbs: QueueDatabase[]): void {
  open.push(...dbs);
}

/** A path `name` in a new folder removed after the running test. */
export function scratchFile(name: string): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, name);
}

/** `PRAGMA name` read back as a number. */
export async function pragmaNumber(db: QueueDatabase, name: string): Promise<number> {
  return Number(Object.values((await db.execute(`PRAGMA ${name}`)).rows[0] ?? {})[0]);
}
