/**
 * Issue 13 item 5, restore under Windows file semantics, checked on Linux through the BUILT
 * package: a file that is open cannot be renamed or deleted there, and an antivirus scanner or
 * the search indexer holds files for a moment, so a rename fails with EPERM/EBUSY/EACCES a few
 * times before it works. The injected file system refuses every rename (and delete) the first N
 * times it is tried: the restore must retry and succeed with every handle it opened closed before
 * the first rename; if a rename keeps failing, the target and its side file must be left exactly
 * as they were, with no temporary, set-aside or lock file behind.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackupFileSystem, DriverOpener } from "../src/maintenance/backup.ts";
import { tempDir } from "./helpers/drivers.ts";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import { importDist } from "./helpers/dist.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");

/** A Windows-like refusal, as Node reports it (`err.code`). */
const refusal = (code: string, op: string, path: string): Error =>
  Object.assign(new Error(`${code}: operation not permitted, ${op} '${path}'`), { code, syscall: op, path });

interface FlakyFs {
  readonly fs: BackupFileSystem;
  /** Attempts per rename "from -> to" (and per removed path, prefixed "rm "). */
  readonly attempts: Map<string, number>;
  /** Connections open (opened minus closed) seen at each rename attempt. */
  readonly openAtRename: number[];
}

/**
 * Node's file system, except that each rename/remove fails with `code` for its first `failFirst`
 * attempts, and renames matching `always` fail every time.
 */
function flakyFs(code: string, failFirst: number, openCount: () => number, always?: (from: string, to: string) => boolean): FlakyFs {
  const attempts = new Map<string, number>();
  const openAtRename: number[] = [];
  const bump = (key: string): number => {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    return n;
  };
  const fs: BackupFileSystem = {
    ...node.nodeBackupFileSystem,
    async rename(from, to) {
      openAtRename.push(openCount());
      const n = bump(`${from} -> ${to}`);
      if (always?.(from, to) === true || n <= failFirst) throw refusal(code, "rename", from);
      await node.nodeBackupFileSystem.rename(from, to);
    },
    async remove(path) {
      const n = bump(`rm ${path}`);
      if (n <= failFirst && existsSync(path)) throw refusal(code, "unlink", path);
      await node.nodeBackupFileSystem.remove(path);
    },
  };
  return { fs, attempts, openAtRename };
}

for (const d of DIST_DRIVERS) {
  describe(`restore with Windows-like refusals (built package, ${d.name})`, () => {
    let tmp: { dir: string; cleanup: () => void };
    let backupPath: string;
    let target: string;
    let open = 0;
    const opener: DriverOpener = async (path) => {
      const inner = d.open(path);
      open++;
      let closed = false;
      return {
        name: inner.name,
        capabilities: inner.capabilities,
        execute: (s) => inner.execute(s),
        batch: (s) => inner.batch(s),
        close: async () => {
          if (!closed) open--;
          closed = true;
          await inner.close();
        },
      };
    };
    const backupWith = async (fs: BackupFileSystem): Promise<InstanceType<typeof core.QueueBackup>> => {
      const db = await core.QueueDatabase.open(d.open(join(tmp.dir, "source.db")));
      const b = new core.QueueBackup(db, { dir: join(tmp.dir, "backups"), fs, open: opener });
      await db.close(); // a restore needs no open source database
      return b;
    };
    const tasksIn = async (path: string): Promise<number> => {
      const db = await core.QueueDatabase.open(d.open(path));
      try {
        return Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]?.["n"]);
      } finally {
        await db.close();
      }
    };

    beforeEach(async () => {
      tmp = tempDir("prismq-win-restore-");
      open = 0;
      // The backup: three tasks.
      const source = await core.QueueDatabase.open(d.open(join(tmp.dir, "source.db")));
      const client = new core.QueueClient(source);
      await client.enqueueMany([{ type: "a", payload: {} }, { type: "b", payload: {} }, { type: "c", payload: {} }]);
      const made = await new core.QueueBackup(source, { dir: join(tmp.dir, "backups"), fs: node.nodeBackupFileSystem, open: opener }).createBackup();
      backupPath = made.path;
      await source.close();
      // The target: another queue with one task, and a side file that must move with it.
      target = join(tmp.dir, "target", "queue.db");
      const old = await node.openQueueDatabase({ path: target, driver: d.name === "node-sqlite" ? "node-sqlite" : "better-sqlite3" });
      await new core.QueueClient(old).enqueue("old", {});
      await old.close();
      writeFileSync(`${target}-shm`, "stale shared memory of the old database");
    });
    afterEach(() => tmp.cleanup());

    it("a rename or delete refused with EPERM twice is retried: the restore succeeds, every handle closed before the first rename", async () => {
      const flaky = flakyFs("EPERM", 2, () => open);
      const b = await backupWith(flaky.fs);
      const r = await b.restoreBackup(backupPath, { targetPath: target, force: true });
      assert.equal(r.replaced, true);
      assert.equal(await tasksIn(target), 3, "the backup's tasks are in the target");
      assert.deepEqual(readdirSync(join(tmp.dir, "target")).sort(), ["queue.db"], "no temporary, set-aside, lock or old side file left");
      const renames = [...flaky.attempts].filter(([k]) => !k.startsWith("rm "));
      assert.equal(renames.length, 3, `side file aside, main file aside, copy into place: ${renames.map(([k]) => k).join("; ")}`);
      for (const [k, n] of renames) assert.equal(n, 3, `${k}: two refusals, then done`);
      const removedAside = [...flaky.attempts].filter(([k]) => k.startsWith("rm ") && k.includes(".restore-old-") && k.endsWith("-shm"));
      assert.equal(removedAside[0]?.[1], 3, "the old side file's delete is retried too");
      assert.ok(flaky.openAtRename.every((n) => n === 0), `no connection open at any rename: ${flaky.openAtRename.join(",")}`);
      assert.equal(open, 0);
    });

    it("EBUSY and EACCES are retried the same way", async () => {
      for (const code of ["EBUSY", "EACCES"]) {
        const flaky = flakyFs(code, 1, () => open);
        const b = await backupWith(flaky.fs);
        await b.restoreBackup(backupPath, { targetPath: target, force: true });
        assert.equal(await tasksIn(target), 3, code);
        writeFileSync(`${target}-shm`, "stale");
      }
    });

    it("a rename into place that keeps failing with EPERM leaves the target and its side file exactly as they were", async () => {
      const before = readFileSync(target);
      const beforeShm = readFileSync(`${target}-shm`);
      const flaky = flakyFs("EPERM", 0, () => open, (from, to) => from.includes(".restore-tmp-") && to === target);
      const b = await backupWith(flaky.fs);
      const started = Date.now();
      await assert.rejects(b.restoreBackup(backupPath, { targetPath: target, force: true }), (err: unknown) => {
        assert.ok(core.isQueueError(err, "DATABASE_ERROR"), String(err));
        assert.match((err as Error).message, /^restore of .* failed: EPERM: operation not permitted, rename /);
        return true;
      });
      const intoPlace = [...flaky.attempts].find(([k]) => k.endsWith(` -> ${target}`) && k.includes(".restore-tmp-"));
      assert.equal(intoPlace?.[1], 6, "one attempt and five retries");
      assert.ok(Date.now() - started < 5_000, "the retries are short");
      assert.deepEqual(readFileSync(target), before, "old database file unchanged");
      assert.deepEqual(readFileSync(`${target}-shm`), beforeShm, "old side file back in place");
      assert.deepEqual(readdirSync(join(tmp.dir, "target")).sort(), ["queue.db", "queue.db-shm"], "no temporary, set-aside or lock file left");
      assert.equal(await tasksIn(target), 1, "the old queue still opens with its task");
    });

    it("a refusal that is not transient (EXDEV) is not retried", async () => {
      const flaky = flakyFs("EXDEV", 99, () => open);
      const b = await backupWith(flaky.fs);
      await assert.rejects(b.restoreBackup(backupPath, { targetPath: target, force: true }), /EXDEV/);
      assert.equal([...flaky.attempts].find(([k]) => k.startsWith(`${target}-shm -> `))?.[1], 1, "tried once");
      assert.equal(await tasksIn(target), 1);
    });
  });
}
