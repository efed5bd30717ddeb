import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { DRIVERS, tempDir, type DriverFactory } from "./helpers/drivers.ts";
import {
  type Clock,
  FakeClock,
  isQueueError,
  LeaseLostError,
  QueueClient,
  QueueDatabase,
  QueueValidationError,
  QueueWorker,
  DEFAULT_PRAGMAS,
  SQLITE_SCHEMA_VERSION,
  WorkerHeartbeat,
  systemClock,
  toSqlTime,
  type Driver,
} from "../src/index.ts";
import {
  BackupTargetExistsError,
  InvalidBackupError,
  parseBackupFileName,
  QueueBackup,
  type BackupVerification,
  type DriverOpener,
} from "../src/maintenance/backup.ts";
import { CHECKPOINT_MODES, QueueMaintenance } from "../src/maintenance/maintenance.ts";
import {
  createQueueBackup,
  createQueueMaintenance,
  nodeBackupFileSystem,
  nodeDriverOpener,
} from "../runtime/node/backup.ts";

/** The page size of a new file (DEFAULT_PRAGMAS). */
const PAGE_SIZE = Number(DEFAULT_PRAGMAS["page_size"]);

const MIN = 60_000;
const HOUR = 60 * MIN;
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** An opener over one test driver that counts the connections it opened and closed. */
function countingOpener(d: DriverFactory): { open: DriverOpener; readonly opened: number; readonly closed: number } {
  const counts = { opened: 0, closed: 0 };
  const open: DriverOpener = async (path) => {
    const inner = d.open(path);
    counts.opened++;
    let closed = false;
    const wrapped: Driver = {
      name: inner.name,
      capabilities: inner.capabilities,
      execute: (s) => inner.execute(s),
      batch: (s) => inner.batch(s),
      close: async () => {
        if (!closed) counts.closed++;
        closed = true;
        await inner.close();
      },
    };
    return wrapped;
  };
  return {
    open,
    get opened() {
      return counts.opened;
    },
    get closed() {
      return counts.closed;
    },
  };
}

/** Rows of a database file as plain objects, read through a fresh raw connection. */
async function readRows(d: DriverFactory, path: string, sql: string): Promise<Record<string, unknown>[]> {
  const drv = d.open(path);
  try {
    return (await drv.execute({ sql, params: [] })).rows.map((r) => ({ ...r }));
  } finally {
    await drv.close();
  }
}

const TASK_COLUMNS =
  "SELECT id, type, payload, status, attempts, locked_by, lease_token, finished_at_utc FROM task_queue ORDER BY id";

/** Swaps the root pages of two indexes that hold every queued row, so `integrity_check` reports rows missing from both. */
function damageIndexes(path: string): void {
  const raw = new Database(path);
  try {
    const root = (name: string): number =>
      (raw.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").get(name) as { rootpage: number }).rootpage;
    const a = root("ix_task_type_status");
    const b = root("ix_task_status_prio_time");
    raw.unsafeMode(true);
    raw.pragma("writable_schema = ON");
    raw.prepare("UPDATE sqlite_master SET rootpage = ? WHERE name = 'ix_task_type_status'").run(b);
    raw.prepare("UPDATE sqlite_master SET rootpage = ? WHERE name = 'ix_task_status_prio_time'").run(a);
  } finally {
    raw.close();
  }
}

function truncateHalf(from: string, to: string): void {
  const bytes = readFileSync(from);
  writeFileSync(to, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

const expectValidation = (issue: RegExp) => (err: unknown) => {
  assert.ok(isQueueError(err, "VALIDATION"), `expected a validation error, got ${String(err)}`);
  assert.match((err as QueueValidationError).issues.join("\n"), issue);
  return true;
};

for (const d of DRIVERS) {
  describe(`QueueBackup on ${d.name}`, () => {
    let tmp: { dir: string; cleanup: () => void };
    let clock: FakeClock;
    let livePath: string;
    let backupDir: string;
    let db: QueueDatabase;
    let client: QueueClient;
    let opener: ReturnType<typeof countingOpener>;
    let backup: QueueBackup;

    beforeEach(async () => {
      tmp = tempDir();
      clock = new FakeClock(Date.UTC(2026, 4, 17, 8, 9, 10, 11));
      livePath = join(tmp.dir, "live.db");
      backupDir = join(tmp.dir, "backups", "nested"); // does not exist yet
      db = await QueueDatabase.open(d.open(livePath), { clock });
      client = new QueueClient(db);
      opener = countingOpener(d);
      backup = new QueueBackup(db, { dir: backupDir, fs: nodeBackupFileSystem, open: opener.open });
    });
    afterEach(async () => {
      await db.close();
      tmp.cleanup();
    });

    it("createBackup writes queue-<name>-<UTC time>.db into a new folder: one file holding every committed task", async () => {
      await client.enqueueMany([{ type: "a", payload: { n: 1 } }, { type: "b", payload: { n: 2 } }, { type: "a", payload: { n: 3 } }]);
      const b = await backup.createBackup({ name: "daily" });
      const fileName = "queue-daily-20260517T080910.011Z.db";
      assert.deepEqual({ ...b }, {
        path: join(backupDir, fileName),
        fileName,
        label: "daily",
        size: statSync(join(backupDir, fileName)).size,
        createdAt: Date.UTC(2026, 4, 17, 8, 9, 10, 11),
      });
      assert.equal(b.size % PAGE_SIZE, 0, "a whole number of pages");
      assert.ok(b.size >= PAGE_SIZE * 10, "schema pages are all there");
      assert.equal(existsSync(`${b.path}-wal`), false, "VACUUM INTO writes a rollback-journal file: nothing else to copy");
      assert.deepEqual(await readRows(d, b.path, TASK_COLUMNS), await readRows(d, livePath, TASK_COLUMNS));
      assert.deepEqual(await readRows(d, b.path, "PRAGMA user_version"), [{ user_version: SQLITE_SCHEMA_VERSION }]);

      clock.set(Date.UTC(2027, 0, 2, 3, 4, 5, 6));
      const dflt = await backup.createBackup();
      assert.equal(dflt.fileName, "queue-backup-20270102T030405.006Z.db");
      assert.equal(dflt.label, "backup");
    });

    it("createBackup never overwrites: the same name at the same time is refused and the first file is kept", async () => {
      await client.enqueue("a", {});
      const first = await backup.createBackup({ name: "x" });
      const bytes = readFileSync(first.path);
      await client.enqueue("a", {});
      await assert.rejects(backup.createBackup({ name: "x" }), (err: unknown) => {
        assert.ok(err instanceof BackupTargetExistsError);
        assert.ok(isQueueError(err, "VALIDATION"));
        assert.equal(err.path, first.path);
        assert.match(err.issues[0]!, /^name: /);
        return true;
      });
      assert.deepEqual(readFileSync(first.path), bytes);
      assert.equal((await backup.verifyBackup(first.path)).tasks, 1);
      clock.set(clock.now() + 1);
      assert.equal((await backup.verifyBackup((await backup.createBackup({ name: "x" })).path)).tasks, 2);
    });

    it("createBackup refuses names that could escape the folder or break the file-name format", async () => {
      for (const name of ["", "../evil", "a/b", "a\\b", "a.b", "-x", "x".repeat(65), "sp ace", 42 as unknown as string]) {
        await assert.rejects(backup.createBackup({ name }), expectValidation(/^name: /), `name ${JSON.stringify(name)}`);
      }
      assert.equal(existsSync(backupDir), false, "nothing was created");
      assert.equal((await backup.createBackup({ name: "A_b-9" })).label, "A_b-9");
    });

    it("listBackups: this library's backups only, newest first by the time in their names", async () => {
      assert.deepEqual(await backup.listBackups(), [], "no folder yet");
      const made = [];
      for (const [i, name] of ["alpha", "beta", "gamma"].entries()) {
        clock.set(Date.UTC(2026, 0, 1 + i));
        made.push(await backup.createBackup({ name }));
      }
      // A backup copied later keeps its place: the name, not mtime, orders.
      clock.set(Date.UTC(2025, 11, 31));
      const old = await backup.createBackup({ name: "older" });
      for (const other of [
        "notes.txt",
        "queue-daily.db",
        "queue-beta-20260102T000000.000Z.db-wal",
        "queue-x-20261301T000000.000Z.db",
        "queue-x-20260101T000000.000Z.db.restore-tmp",
        "queue-.-20260101T000000.000Z.db",
      ]) {
        writeFileSync(join(backupDir, other), "x");
      }
      const list = await backup.listBackups();
      assert.deepEqual(
        list.map((b) => [b.fileName, b.label, b.createdAt, b.size]),
        [...made.reverse(), old].map((b) => [b.fileName, b.label, b.createdAt, statSync(b.path).size]),
      );
      assert.deepEqual(list.map((b) => b.path), [
        join(backupDir, "queue-gamma-20260103T000000.000Z.db"),
        join(backupDir, "queue-beta-20260102T000000.000Z.db"),
        join(backupDir, "queue-alpha-20260101T000000.000Z.db"),
        join(backupDir, "queue-older-20251231T000000.000Z.db"),
      ]);
    });

    it("parseBackupFileName reads label and time, and rejects anything else", () => {
      assert.deepEqual(parseBackupFileName("queue-my-daily_1-20260517T080910.011Z.db"), {
        label: "my-daily_1",
        createdAt: Date.UTC(2026, 4, 17, 8, 9, 10, 11),
      });
      for (const bad of [
        "queue-a-20260517T080910.011Z.db-wal",
        "queue-a-20260230T000000.000Z.db", // 30 February rolls over: not a stamp we wrote
        "queue-a-20260517T246000.000Z.db",
        "queue--20260517T080910.011Z.db",
        "queue-a-20260517T080910Z.db",
        "backup-a-20260517T080910.011Z.db",
      ]) {
        assert.equal(parseBackupFileName(bad), null, bad);
      }
    });

    it("cleanupOldBackups keeps the newest keepCount and returns what it deleted", async () => {
      const made = [];
      for (let i = 0; i < 5; i++) {
        clock.set(Date.UTC(2026, 1, 1, i));
        made.push(await backup.createBackup({ name: i % 2 === 0 ? "even" : "odd" }));
      }
      writeFileSync(join(backupDir, "keep-me.db"), "not ours");
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2" as unknown as number, undefined as unknown as number]) {
        await assert.rejects(backup.cleanupOldBackups(bad), expectValidation(/^keepCount: /), String(bad));
      }
      assert.equal((await backup.listBackups()).length, 5, "bad input removed nothing");

      assert.deepEqual(await backup.cleanupOldBackups(2), [made[2]!.path, made[1]!.path, made[0]!.path]);
      assert.deepEqual((await backup.listBackups()).map((b) => b.path), [made[4]!.path, made[3]!.path]);
      for (const m of made.slice(0, 3)) assert.equal(existsSync(m.path), false);
      assert.deepEqual(await backup.cleanupOldBackups(2), []);
      assert.deepEqual(await backup.cleanupOldBackups(10), []);
      assert.deepEqual(await backup.cleanupOldBackups(0), [made[4]!.path, made[3]!.path]);
      assert.deepEqual(readdirSync(backupDir), ["keep-me.db"], "only our backups were touched");
    });

    it("verifyBackup passes a real backup and closes what it opened", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "a" }, { type: "a" }, { type: "b" }]);
      const b = await backup.createBackup();
      assert.deepEqual({ ...(await backup.verifyBackup(b.path)) }, {
        ok: true,
        problem: null,
        integrity: ["ok"],
        schemaVersion: SQLITE_SCHEMA_VERSION,
        tasks: 4,
        reason: null,
      } satisfies BackupVerification);
      assert.deepEqual([opener.opened, opener.closed], [1, 1]);
    });

    it("verifyBackup reports bad files without throwing, and never creates or leaves open a connection", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "b" }]);
      const good = await backup.createBackup();
      const p = (n: string) => join(tmp.dir, n);
      const v = async (path: string) => ({ ...(await backup.verifyBackup(path)) });

      assert.deepEqual(await v(p("missing.db")), {
        ok: false, problem: "missing", integrity: [], schemaVersion: null, tasks: null, reason: "file does not exist",
      });
      assert.equal(existsSync(p("missing.db")), false, "verify did not create an empty database");

      writeFileSync(p("garbage.db"), "this is not a database ".repeat(400));
      assert.deepEqual(await v(p("garbage.db")), {
        ok: false, problem: "unreadable", integrity: [], schemaVersion: null, tasks: null, reason: "unreadable: file is not a database",
      });

      truncateHalf(good.path, p("truncated.db"));
      assert.deepEqual(await v(p("truncated.db")), {
        ok: false, problem: "unreadable", integrity: [], schemaVersion: null, tasks: null,
        reason: "unreadable: database disk image is malformed",
      });

      writeFileSync(p("damaged.db"), readFileSync(good.path));
      damageIndexes(p("damaged.db"));
      const damaged = await v(p("damaged.db"));
      assert.equal(damaged.ok, false);
      assert.equal(damaged.problem, "integrity");
      assert.deepEqual(damaged.integrity.slice(0, 3), [
        "row 1 missing from index ix_task_type_status",
        "row 1 missing from index ix_task_status_prio_time",
        "row 2 missing from index ix_task_type_status",
      ]);
      assert.equal(
        damaged.reason,
        "integrity check failed: row 1 missing from index ix_task_type_status; row 1 missing from index ix_task_status_prio_time; row 2 missing from index ix_task_type_status",
      );

      writeFileSync(p("empty.db"), "");
      assert.deepEqual(await v(p("empty.db")), {
        ok: false, problem: "schema", integrity: ["ok"], schemaVersion: 0, tasks: null, reason: "not a queue database (schema version 0)",
      });

      const other = d.open(p("other.db"));
      await other.execute({ sql: "CREATE TABLE notes (x)", params: [] });
      await other.execute({ sql: "PRAGMA user_version = 1", params: [] });
      await other.close();
      assert.deepEqual(await v(p("other.db")), {
        ok: false, problem: "no-table", integrity: ["ok"], schemaVersion: 1, tasks: null, reason: "no task_queue table",
      });

      writeFileSync(p("future.db"), readFileSync(good.path));
      const future = d.open(p("future.db"));
      await future.execute({ sql: `PRAGMA user_version = ${SQLITE_SCHEMA_VERSION + 1}`, params: [] });
      await future.close();
      assert.deepEqual(await v(p("future.db")), {
        ok: false, problem: "schema", integrity: ["ok"], schemaVersion: SQLITE_SCHEMA_VERSION + 1, tasks: null,
        reason: `schema version ${SQLITE_SCHEMA_VERSION + 1} is outside 1..${SQLITE_SCHEMA_VERSION} (this library's)`,
      });

      const refusing = new QueueBackup(db, {
        dir: backupDir,
        fs: nodeBackupFileSystem,
        open: () => Promise.reject(new Error("no such driver")),
      });
      assert.deepEqual({ ...(await refusing.verifyBackup(good.path)) }, {
        ok: false, problem: "unopenable", integrity: [], schemaVersion: null, tasks: null, reason: "cannot open: no such driver",
      });

      // missing and unopenable never opened; the six others opened and closed once each
      assert.deepEqual([opener.opened, opener.closed], [6, 6]);
      await assert.rejects(backup.verifyBackup(""), expectValidation(/^path: /));
    });

    it("restoreBackup to a new path: the restored database equals the backup and opens as a queue", async () => {
      await client.enqueueMany([{ type: "a", payload: { n: 1 } }, { type: "b", payload: { n: 2 } }]);
      const b = await backup.createBackup();
      await client.enqueue("c", {}); // after the backup: must not be restored
      const target = join(tmp.dir, "restored", "queue.db");
      const r = await backup.restoreBackup(b.path, { targetPath: target });
      assert.deepEqual({ ...r, verification: { ...r.verification } }, {
        path: target,
        replaced: false,
        verification: { ok: true, problem: null, integrity: ["ok"], schemaVersion: SQLITE_SCHEMA_VERSION, tasks: 2, reason: null },
      });
      assert.deepEqual(readdirSync(join(tmp.dir, "restored")), ["queue.db"], "no temporary or side file left");
      assert.deepEqual(await readRows(d, target, TASK_COLUMNS), await readRows(d, b.path, TASK_COLUMNS));
      assert.equal(opener.opened, opener.closed, "every connection restore opened is closed");

      const restored = await QueueDatabase.open(d.open(target), { clock });
      try {
        assert.deepEqual(await new QueueMaintenance(restored).integrityCheck(), ["ok"]);
        assert.equal(await new QueueClient(restored).enqueue("d", {}), 3, "ids go on from the backup");
      } finally {
        await restored.close();
      }
    });

    it("restoreBackup refuses to clobber an existing database (or its stale WAL) unless force, naming the option", async () => {
      await client.enqueueMany([{ type: "from-backup" }]);
      const b = await backup.createBackup();
      const target = join(tmp.dir, "existing.db");
      const existing = await QueueDatabase.open(d.open(target));
      await new QueueClient(existing).enqueueMany([{ type: "precious" }, { type: "precious" }]);
      await existing.close();
      const before = readFileSync(target);

      const refused = (err: unknown) => {
        assert.ok(err instanceof BackupTargetExistsError);
        assert.ok(isQueueError(err, "VALIDATION"));
        assert.equal(err.path, target);
        assert.deepEqual(err.issues, [`force: ${target} exists; pass { force: true } to replace it`]);
        return true;
      };
      await assert.rejects(backup.restoreBackup(b.path, { targetPath: target }), refused);
      await assert.rejects(backup.restoreBackup(b.path, { targetPath: target, force: false }), refused);
      assert.deepEqual(readFileSync(target), before, "the existing database is untouched");
      assert.equal(existsSync(`${target}.restore-tmp`), false);

      // Only a leftover WAL: replaying it into the restored file would corrupt it, so it counts.
      const walOnly = join(tmp.dir, "wal-only.db");
      writeFileSync(`${walOnly}-wal`, "stale");
      await assert.rejects(backup.restoreBackup(b.path, { targetPath: walOnly }), BackupTargetExistsError);
      assert.equal(existsSync(walOnly), false);

      writeFileSync(`${target}-wal`, "stale wal");
      writeFileSync(`${target}-shm`, "stale shm");
      const r = await backup.restoreBackup(b.path, { targetPath: target, force: true });
      assert.equal(r.replaced, true);
      assert.equal(existsSync(`${target}-wal`), false, "stale WAL removed");
      assert.equal(existsSync(`${target}-shm`), false, "stale SHM removed");
      assert.deepEqual(await readRows(d, target, "SELECT type FROM task_queue ORDER BY id"), [{ type: "from-backup" }]);
      assert.equal((await backup.restoreBackup(b.path, { targetPath: walOnly, force: true })).replaced, true);
      assert.equal(opener.opened, opener.closed);
    });

    it("restoreBackup in place: refused while this database is open, done after it is closed", async () => {
      await client.enqueueMany([{ type: "kept" }, { type: "kept" }]);
      const b = await backup.createBackup();
      const [id] = await client.enqueueMany([{ type: "lost" }]);
      assert.equal(id, 3);
      await assert.rejects(
        backup.restoreBackup(b.path, { targetPath: livePath, force: true }),
        expectValidation(/^targetPath: .* is open in this QueueBackup's database/),
      );
      assert.equal((await client.getTask(3))?.type, "lost", "the live database is untouched");

      await db.close();
      const r = await backup.restoreBackup(b.path, { targetPath: livePath, force: true });
      assert.equal(r.replaced, true);
      db = await QueueDatabase.open(d.open(livePath), { clock });
      client = new QueueClient(db);
      assert.deepEqual((await client.listTasks()).map((t) => t.type), ["kept", "kept"]);
      assert.deepEqual(await new QueueMaintenance(db).integrityCheck(), ["ok"]);
    });

    it("restoreBackup refuses a corrupt or truncated backup with InvalidBackupError and writes nothing", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "a" }]);
      const good = await backup.createBackup();
      const garbage = join(tmp.dir, "garbage.db");
      writeFileSync(garbage, "\0\x01garbage".repeat(2000));
      const truncated = join(tmp.dir, "truncated.db");
      truncateHalf(good.path, truncated);
      const damaged = join(tmp.dir, "damaged.db");
      writeFileSync(damaged, readFileSync(good.path));
      damageIndexes(damaged);

      const target = join(tmp.dir, "new.db");
      const existingTarget = join(tmp.dir, "existing.db");
      writeFileSync(existingTarget, readFileSync(good.path));
      const existingBytes = readFileSync(existingTarget);
      for (const [bad, problem, kind] of [
        [garbage, "unreadable", "corrupt"],
        [truncated, "unreadable", "corrupt"],
        [damaged, "integrity", "corrupt"],
        [join(tmp.dir, "nope.db"), "missing", "cantopen"],
      ] as const) {
        const check = (err: unknown) => {
          assert.ok(err instanceof InvalidBackupError, String(err));
          assert.ok(isQueueError(err, "DATABASE_ERROR"));
          assert.equal(err.path, bad);
          assert.equal(err.kind, kind);
          assert.equal(err.verification.ok, false);
          assert.equal(err.verification.problem, problem);
          return true;
        };
        await assert.rejects(backup.restoreBackup(bad, { targetPath: target }), check);
        await assert.rejects(backup.restoreBackup(bad, { targetPath: existingTarget, force: true }), check);
      }
      assert.equal(existsSync(target), false);
      assert.deepEqual(readFileSync(existingTarget), existingBytes, "force does not let a bad backup through");
      assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.includes("restore-tmp")), []);
      assert.equal(opener.opened, opener.closed);
    });

    it("restoreBackup that fails while moving into place leaves the old target and no temporary file", async () => {
      await client.enqueue("a", {});
      const b = await backup.createBackup();
      const target = join(tmp.dir, "target.db");
      writeFileSync(target, readFileSync(b.path));
      const before = readFileSync(target);
      const failing = new QueueBackup(db, {
        dir: backupDir,
        fs: { ...nodeBackupFileSystem, rename: () => Promise.reject(Object.assign(new Error("EXDEV: cross-device link"), { code: "EXDEV" })) },
        open: opener.open,
      });
      await assert.rejects(failing.restoreBackup(b.path, { targetPath: target, force: true }), (err: unknown) => {
        assert.ok(isQueueError(err, "DATABASE_ERROR"), String(err));
        assert.match((err as Error).message, /^restore of .* failed: EXDEV: cross-device link$/);
        assert.equal(((err as Error).cause as Error).message, "EXDEV: cross-device link");
        return true;
      });
      assert.deepEqual(readFileSync(target), before);
      assert.equal(existsSync(`${target}.restore-tmp`), false);
      assert.equal(opener.opened, opener.closed);
    });

    it("restoreBackup validates its arguments", async () => {
      const b = await backup.createBackup();
      await assert.rejects(backup.restoreBackup(b.path, {} as never), expectValidation(/^targetPath: /));
      await assert.rejects(backup.restoreBackup(b.path, undefined as never), expectValidation(/^targetPath: /));
      await assert.rejects(backup.restoreBackup("", { targetPath: "x.db" }), expectValidation(/^backupPath: /));
      await assert.rejects(backup.restoreBackup(b.path, { targetPath: b.path, force: true }), expectValidation(/^targetPath: is the backup file itself/));
      await assert.rejects(
        backup.restoreBackup(b.path, { targetPath: join(tmp.dir, "t.db"), force: "yes" as never }),
        expectValidation(/^force: /),
      );
      assert.equal(existsSync(join(tmp.dir, "t.db")), false);
    });

    it("the QueueBackup constructor refuses missing capabilities", () => {
      const fs = nodeBackupFileSystem;
      const open = opener.open;
      assert.throws(() => new QueueBackup(db, { dir: "", fs, open }), expectValidation(/^dir: /));
      assert.throws(() => new QueueBackup(db, { dir: "b", fs: undefined as never, open }), expectValidation(/^fs: /));
      assert.throws(() => new QueueBackup(db, { dir: "b", fs, open: "x" as never }), expectValidation(/^open: /));
      assert.throws(() => new QueueBackup(db, undefined as never), expectValidation(/^options: /));
    });

    it("a backup taken while a worker is processing restores to a sound database with every task committed before it", async () => {
      // Real time: handlers take a few ms each, so the backup lands in the middle of the run.
      await db.close();
      db = await QueueDatabase.open(d.open(livePath));
      client = new QueueClient(db);
      const live = new QueueBackup(db, { dir: backupDir, fs: nodeBackupFileSystem, open: opener.open });
      const TOTAL = 300;
      await client.enqueueMany(Array.from({ length: TOTAL }, (_, i) => ({ type: "work", payload: { i } })));
      const worker = new QueueWorker(db, {
        workerId: "live-worker",
        concurrency: 2,
        pollIntervalMs: 5,
        handlers: { work: async () => { await sleep(2); } },
      });
      const completedIds = async (): Promise<Set<number>> =>
        new Set((await db.execute("SELECT id FROM task_queue WHERE status = 'completed'")).rows.map((r) => Number(r["id"])));

      worker.start();
      let before: Set<number>;
      let b;
      let after: Set<number>;
      try {
        while ((before = await completedIds()).size < 60) await sleep(5);
        b = await live.createBackup({ name: "midrun" });
        after = await completedIds();
      } finally {
        await worker.stop();
      }
      assert.ok(before.size >= 60 && after.size < TOTAL, `backup was taken mid-run (${before.size}..${after.size} completed)`);

      const target = join(tmp.dir, "restored-midrun.db");
      await live.restoreBackup(b.path, { targetPath: target });
      const restored = await QueueDatabase.open(d.open(target));
      try {
        const maint = new QueueMaintenance(restored);
        assert.deepEqual(await maint.integrityCheck(), ["ok"]);
        const rows = (await restored.execute(TASK_COLUMNS)).rows;
        assert.equal(rows.length, TOTAL, "every task enqueued before the backup is there");
        const restoredDone = new Set(rows.filter((r) => r["status"] === "completed").map((r) => Number(r["id"])));
        for (const id of before) assert.ok(restoredDone.has(id), `task ${id} completed before the backup is completed in the restore`);
        for (const id of restoredDone) assert.ok(after.has(id), `task ${id} completed in the restore was completed live`);
        assert.ok(restoredDone.size < TOTAL, "the restore is the mid-run snapshot, not the end state");
        // Rows completed in the snapshot are identical to the live rows (completion is final).
        const liveById = new Map((await db.execute(TASK_COLUMNS)).rows.map((r) => [Number(r["id"]), { ...r }]));
        for (const r of rows) if (r["status"] === "completed") assert.deepEqual({ ...r }, liveById.get(Number(r["id"])));
        const liveStats = await new QueueMaintenance(db).getDatabaseStats();
        const restoredStats = await maint.getDatabaseStats();
        assert.equal(restoredStats.taskCount, liveStats.taskCount);
        assert.ok(restoredStats.tasksByStatus.completed <= liveStats.tasksByStatus.completed);

        // The restored queue carries on: leases held by the live worker are taken back, the rest run.
        await sleep(5);
        const inFlight = rows.filter((r) => r["status"] === "processing").length;
        assert.equal(await maint.cleanupStaleLeases({ timeoutMs: 0 }), inFlight);
        const again = new QueueWorker(restored, { workerId: "after-restore", concurrency: 4, pollIntervalMs: 1, handlers: { work: () => {} } });
        while ((await again.processOnce(50)) > 0);
        assert.equal((await maint.getDatabaseStats()).tasksByStatus.completed, TOTAL);
      } finally {
        await restored.close();
      }
    });

    it("backups stay consistent while another process commits batches and runs a worker on the same file", async () => {
      const child = spawn(
        process.execPath,
        ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", CHILD_WRITER],
        { env: { ...process.env, CHILD_DRIVER: d.name, CHILD_DB: livePath, CHILD_ROOT: ROOT }, stdio: ["pipe", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (s: string) => (out += s));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      const counts: number[] = [];
      try {
        while (!out.includes("ready")) {
          if (child.exitCode !== null) assert.fail(`child exited early: ${out}`);
          await sleep(5);
        }
        for (let i = 0; i < 6; i++) {
          clock.set(clock.now() + 1000);
          const liveBefore = Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]!["n"]);
          const b = await backup.createBackup({ name: "concurrent" });
          const v = await backup.verifyBackup(b.path);
          assert.equal(v.ok, true, v.reason ?? "");
          const [row] = await readRows(d, b.path, "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS maxId FROM task_queue");
          const n = Number(row!["n"]);
          assert.equal(n % 10, 0, `the snapshot holds whole batches only (${n} tasks)`);
          assert.equal(Number(row!["maxId"]), n, "ids are contiguous: no half-committed batch");
          assert.ok(n >= liveBefore, "the snapshot is no older than what was committed before it started");
          counts.push(n);
          // Let the other process commit more before the next snapshot.
          while (Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]!["n"]) <= n) await sleep(2);
        }
      } finally {
        child.stdin.end();
      }
      assert.equal(await exited, 0);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! > counts[i - 1]!, `snapshots move forward: ${counts.join(", ")}`);
      const batches = Number(/done (\d+)/.exec(out)?.[1]);
      assert.equal(Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]!["n"]), batches * 10);
    });

    it("createQueueBackup (Node) fills in the file system and opener", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "b" }]);
      const nb = createQueueBackup(db, { dir: backupDir, driver: d.name as "better-sqlite3" | "node-sqlite" });
      assert.equal(nb.dir, backupDir);
      const b = await nb.createBackup({ name: "node" });
      assert.equal(b.fileName, "queue-node-20260517T080910.011Z.db", "the database's clock names it");
      assert.equal((await nb.verifyBackup(b.path)).tasks, 2);
      const target = join(tmp.dir, "node-restore.db");
      await nb.restoreBackup(b.path, { targetPath: target });
      assert.deepEqual(await readRows(d, target, "SELECT type FROM task_queue ORDER BY id"), [{ type: "a" }, { type: "b" }]);
      const own = createQueueBackup(db, { dir: backupDir, clock: new FakeClock(Date.UTC(2030, 0, 1)) });
      assert.equal((await own.createBackup()).fileName, "queue-backup-20300101T000000.000Z.db", "an explicit clock wins");
      const viaOpener = await nodeDriverOpener(d.name as "node-sqlite")(b.path);
      assert.equal(viaOpener.name, d.name);
      await viaOpener.close();
    });
  });

  describe(`QueueMaintenance on ${d.name}`, () => {
    let tmp: { dir: string; cleanup: () => void };
    let clock: FakeClock;
    let path: string;
    let db: QueueDatabase;
    let client: QueueClient;
    let maint: QueueMaintenance;
    const extra: QueueDatabase[] = [];

    beforeEach(async () => {
      tmp = tempDir();
      clock = new FakeClock();
      path = join(tmp.dir, "queue.db");
      db = await QueueDatabase.open(d.open(path), { clock });
      client = new QueueClient(db);
      maint = new QueueMaintenance(db, { fs: nodeBackupFileSystem });
    });
    afterEach(async () => {
      await db.close();
      for (const e of extra.splice(0)) await e.close();
      tmp.cleanup();
    });

    const reopen = async (options: ConstructorParameters<typeof QueueDatabase>[1] & { file?: string } = {}) => {
      const other = await QueueDatabase.open(d.open(options.file), { clock, ...options });
      extra.push(other);
      return other;
    };
    const task = async (id: number) => (await db.execute("SELECT * FROM task_queue WHERE id = ?", [id])).rows[0]!;

    it("checkpoint returns the wal_checkpoint row: frames logged and copied, busy", async () => {
      assert.equal(QueueMaintenance.CHECKPOINT_PASSIVE, "PASSIVE");
      assert.deepEqual(
        [QueueMaintenance.CHECKPOINT_PASSIVE, QueueMaintenance.CHECKPOINT_FULL, QueueMaintenance.CHECKPOINT_RESTART, QueueMaintenance.CHECKPOINT_TRUNCATE],
        [...CHECKPOINT_MODES],
      );
      await client.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ type: "t", payload: { i } })));
      const full = await maint.checkpoint("FULL");
      assert.equal(full.busy, false);
      assert.ok(full.logFrames > 0);
      assert.equal(full.checkpointedFrames, full.logFrames);
      assert.deepEqual({ ...(await maint.checkpoint("TRUNCATE")) }, { busy: false, logFrames: 0, checkpointedFrames: 0 });
      assert.equal(statSync(`${path}-wal`).size, 0, "TRUNCATE empties the WAL file");

      // A reader holding a snapshot from before the next writes pins every new frame.
      const reader = d.open(path);
      await reader.execute({ sql: "BEGIN", params: [] });
      await reader.execute({ sql: "SELECT COUNT(*) FROM task_queue", params: [] });
      await client.enqueue("t", {});
      const pinned = await maint.checkpoint();
      assert.equal(pinned.busy, false, "PASSIVE never waits");
      assert.ok(pinned.logFrames > 0);
      assert.equal(pinned.checkpointedFrames, 0);
      await db.execute("PRAGMA busy_timeout = 0");
      assert.equal((await maint.checkpoint("RESTART")).busy, true, "RESTART cannot finish past the reader");
      await db.execute("PRAGMA busy_timeout = 5000");
      await reader.execute({ sql: "COMMIT", params: [] });
      await reader.close();
      const freed = await maint.checkpoint("PASSIVE");
      assert.equal(freed.checkpointedFrames, freed.logFrames);
      assert.ok(freed.logFrames > 0);

      const mem = await reopen();
      assert.deepEqual({ ...(await new QueueMaintenance(mem).checkpoint()) }, { busy: false, logFrames: -1, checkpointedFrames: -1 });
    });

    it("checkpoint refuses any mode but the four, so nothing can be spliced into the PRAGMA", async () => {
      for (const mode of ["passive", "", "PASSIVE); DROP TABLE task_queue; --", 1, null]) {
        await assert.rejects(maint.checkpoint(mode as never), expectValidation(/^mode: expected one of PASSIVE, FULL, RESTART, TRUNCATE/));
      }
      assert.equal((await db.execute("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'task_queue'")).rows[0]!["n"], 1);
    });

    it("analyze writes planner statistics for the queue's indexes", async () => {
      const stat1 = async () => (await db.execute("SELECT tbl, idx, stat FROM sqlite_master m JOIN sqlite_stat1 s ON 1 WHERE m.name = 'sqlite_stat1' AND s.idx = 'ix_task_type_status'")).rows;
      assert.equal((await db.execute("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'")).rows[0]!["n"], 0);
      await client.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ type: i % 2 === 0 ? "even" : "odd" })));
      await maint.analyze();
      assert.deepEqual((await stat1()).map((r) => ({ ...r })), [{ tbl: "task_queue", idx: "ix_task_type_status", stat: "20 10 10 10 10 1" }]);
    });

    it("vacuum gives free pages back", async () => {
      await client.enqueueMany(Array.from({ length: 500 }, (_, i) => ({ type: "t", payload: { pad: "x".repeat(1000), i } })));
      await db.execute("DELETE FROM task_queue WHERE id > 10");
      const before = await maint.getDatabaseStats();
      assert.ok(before.freelistCount > 100, `free pages after the delete: ${before.freelistCount}`);
      await maint.vacuum();
      const after = await maint.getDatabaseStats();
      assert.equal(after.freelistCount, 0);
      // VACUUM also repacks half-empty pages, so the file may shrink by more than the free list.
      assert.ok(after.pageCount <= before.pageCount - before.freelistCount, `${after.pageCount} pages after, ${before.pageCount} - ${before.freelistCount} free before`);
      assert.equal(after.taskCount, 10);
      assert.equal(await client.enqueue("t", {}), 501, "AUTOINCREMENT ids survive VACUUM");
    });

    it("integrityCheck: ['ok'] when sound, the damage when not, the engine's message when unreadable", async () => {
      assert.deepEqual(await maint.integrityCheck(), ["ok"]);
      await client.enqueueMany([{ type: "a" }, { type: "b" }, { type: "c" }]);
      await db.close();
      damageIndexes(path);
      db = await QueueDatabase.open(d.open(path), { clock });
      const lines = await new QueueMaintenance(db).integrityCheck();
      assert.deepEqual(lines, [
        "row 1 missing from index ix_task_type_status",
        "row 1 missing from index ix_task_status_prio_time",
        "row 2 missing from index ix_task_type_status",
        "row 2 missing from index ix_task_status_prio_time",
        "row 3 missing from index ix_task_type_status",
        "row 3 missing from index ix_task_status_prio_time",
      ]);

      const big = join(tmp.dir, "big.db");
      const src = await reopen({ file: big });
      await new QueueClient(src).enqueueMany(Array.from({ length: 300 }, (_, i) => ({ type: "t", payload: { pad: "y".repeat(500), i } })));
      await src.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      await src.execute("PRAGMA journal_mode = DELETE");
      truncateHalf(big, join(tmp.dir, "half.db"));
      const half = new QueueDatabase(d.open(join(tmp.dir, "half.db")), { pragmas: false });
      extra.push(half);
      assert.deepEqual(await new QueueMaintenance(half).integrityCheck(), ["database disk image is malformed"]);
    });

    it("cleanupStaleLeases takes back tasks whose lease ran out or whose worker is stale, and fences the old holders out", async () => {
      const t0 = clock.now();
      const hb = new WorkerHeartbeat(db);
      const ids = await client.enqueueMany([
        { type: "old" },                        // 1: w-old went silent 6 min ago (past the 5 min timeout), lease live
        { type: "recent" },                     // 2: started 2 min ago, lease live, worker beating: left alone
        { type: "expired" },                    // 3: lease ran out just now
        { type: "spent", options: { maxAttempts: 1 } }, // 4: w-old's, and its only attempt is used: failed
        { type: "waiting" },                    // 5: queued: left alone
        { type: "done" },                       // 6: completed: left alone
        { type: "long" },                       // 7: started 6 min ago, lease renewed, worker beating: left alone
      ]);
      assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7]);
      const claim = async (type: string, workerId: string, leaseMs: number) => {
        const w = new QueueWorker(db, { workerId, leaseMs }).register(type, () => {});
        const [t] = await w.claimTasks();
        assert.ok(t);
        return { w, t };
      };
      for (const w of ["w-old", "w-recent", "w-long"]) await hb.updateHeartbeat(w);
      const old = await claim("old", "w-old", 10 * MIN);
      const spent = await claim("spent", "w-old", 10 * MIN);
      const done = await claim("done", "w-done", 10 * MIN);
      const long = await claim("long", "w-long", 5 * MIN);
      await done.w.completeTask(done.t);
      await clock.advance(4 * MIN);
      await long.w.renewLease(long.t);
      const recent = await claim("recent", "w-recent", 10 * MIN);
      await clock.advance(1.5 * MIN);
      const expired = await claim("expired", "w-expired", 30_000);
      await clock.advance(0.5 * MIN); // now t0 + 6 min; task 3's lease ends exactly now
      const longUntil = await long.w.renewLease(long.t);
      for (const w of ["w-recent", "w-long"]) await hb.updateHeartbeat(w);

      for (const bad of [{}, { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { timeoutMs: "5" }, undefined]) {
        await assert.rejects(maint.cleanupStaleLeases(bad as never), expectValidation(/^timeoutMs: /));
      }
      await assert.rejects(maint.cleanupStaleLeases({ timeoutMs: 1, policy: { old: "drop" } } as never), expectValidation(/^policy\.old: /));
      assert.equal(await maint.cleanupStaleLeases({ timeoutMs: 5 * MIN }), 3);

      const now = toSqlTime(t0 + 6 * MIN);
      const pick = (r: Record<string, unknown>) => ({
        status: r["status"], locked_by: r["locked_by"], lease_until_utc: r["lease_until_utc"], lease_token: r["lease_token"],
        attempts: r["attempts"], error_message: r["error_message"], finished_at_utc: r["finished_at_utc"],
      });
      const gone = "worker w-old went stale (last heartbeat 2026-01-01 00:00:00.000)";
      assert.deepEqual(pick(await task(1)), {
        status: "queued", locked_by: null, lease_until_utc: null, lease_token: 2, attempts: 1, error_message: gone, finished_at_utc: null,
      });
      assert.deepEqual(pick(await task(2)), {
        status: "processing", locked_by: "w-recent", lease_until_utc: toSqlTime(t0 + 14 * MIN), lease_token: 1, attempts: 1,
        error_message: null, finished_at_utc: null,
      });
      assert.deepEqual(pick(await task(3)), {
        status: "queued", locked_by: null, lease_until_utc: null, lease_token: 2, attempts: 1,
        error_message: "lease expired (held by w-expired)", finished_at_utc: null,
      });
      assert.deepEqual(pick(await task(4)), {
        status: "failed", locked_by: "w-old", lease_until_utc: null, lease_token: 2, attempts: 1,
        error_message: `${gone} and no attempts left`, finished_at_utc: now,
      });
      assert.deepEqual(pick(await task(7)), {
        status: "processing", locked_by: "w-long", lease_until_utc: toSqlTime(longUntil), lease_token: 1, attempts: 1,
        error_message: null, finished_at_utc: null,
      });
      assert.equal((await task(5))["status"], "queued");
      assert.equal((await task(6))["status"], "completed");
      assert.equal((await task(1))["updated_at_utc"], now);
      const logs = (await db.execute("SELECT task_id, level, json_extract(details, '$.reason') AS reason FROM task_logs WHERE json_extract(details, '$.from_status') = 'processing' AND json_extract(details, '$.to_status') <> 'completed' ORDER BY task_id")).rows;
      assert.deepEqual(logs.map((r) => [r["task_id"], r["level"], r["reason"]]), [
        [1, "WARNING", "stale_worker"], [3, "WARNING", "lease_expired"], [4, "ERROR", "stale_worker"],
      ], "one task_logs row per task taken back");

      await assert.rejects(old.w.completeTask(old.t), LeaseLostError);
      await assert.rejects(spent.w.failTask(spent.t, new Error("late")), LeaseLostError);
      await assert.rejects(expired.w.renewLease(expired.t), LeaseLostError);
      await recent.w.completeTask(recent.t); // the live workers are unaffected
      await long.w.completeTask(long.t);
      assert.equal(await maint.cleanupStaleLeases({ timeoutMs: 5 * MIN }), 0, "nothing left to take back");
      const retaken = await new QueueWorker(db, { workerId: "w-new" }).register("old", () => {}).claimTasks();
      assert.deepEqual(retaken.map((t) => [t.id, t.attempts, t.leaseToken]), [[1, 2, 3]], "a requeued task is claimable again");
    });

    it("getDatabaseStats: pages, sizes, the WAL on disk, and rows by status", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "a" }, { type: "b" }, { type: "c" }, { type: "c" }]);
      // Statuses set directly, so the counts do not depend on what the worker itself logs.
      await db.execute("UPDATE task_queue SET status = 'completed' WHERE id = 1");
      await db.execute("UPDATE task_queue SET status = 'processing' WHERE id = 2");
      await db.execute("INSERT INTO task_logs (task_id, level, message) VALUES (1, 'INFO', 'x'), (1, 'INFO', 'y'), (2, 'ERROR', 'z')");
      await db.execute("INSERT INTO workers (worker_id) VALUES ('w'), ('v')");
      await db.execute("INSERT INTO task_queue (type, status) VALUES ('x', 'paused')"); // hand-written SQL

      const s = await maint.getDatabaseStats();
      const pageCount = Number((await db.execute("PRAGMA page_count")).rows[0]!["page_count"]);
      const wal = statSync(`${path}-wal`).size;
      assert.ok(wal > 0);
      assert.deepEqual({ ...s, tasksByStatus: { ...s.tasksByStatus } }, {
        path,
        journalMode: "wal",
        schemaVersion: SQLITE_SCHEMA_VERSION,
        pageCount,
        pageSize: PAGE_SIZE,
        freelistCount: 0,
        totalSizeBytes: pageCount * PAGE_SIZE,
        totalSizeMb: Math.round((pageCount * PAGE_SIZE * 100) / 1048576) / 100,
        walSizeBytes: wal,
        walSizeMb: Math.round((wal * 100) / 1048576) / 100,
        tasksByStatus: { queued: 3, processing: 1, completed: 1, failed: 0, cancelled: 0, dead_letter: 0, paused: 1 },
        taskCount: 6,
        logCount: 3,
        workerCount: 2,
      });

      await maint.checkpoint("TRUNCATE");
      assert.equal((await maint.getDatabaseStats()).walSizeBytes, 0);
      assert.equal((await new QueueMaintenance(db).getDatabaseStats()).walSizeBytes, null, "no fs: unknown");
      const viaNode = await createQueueMaintenance(db).getDatabaseStats();
      assert.equal(viaNode.walSizeBytes, 0, "createQueueMaintenance supplies the fs");
      const sized: string[] = [];
      const given = new QueueMaintenance(db, { path: "/elsewhere/q.db", fs: { size: async (p) => (sized.push(p), 123) } });
      const g = await given.getDatabaseStats();
      assert.deepEqual([g.path, g.walSizeBytes, sized], ["/elsewhere/q.db", 123, ["/elsewhere/q.db-wal"]]);

      const mem = await reopen();
      const m = await new QueueMaintenance(mem, { fs: nodeBackupFileSystem }).getDatabaseStats();
      assert.deepEqual([m.path, m.journalMode, m.walSizeBytes, m.walSizeMb, m.taskCount], [null, "memory", null, null, 0]);
    });

    it("optimize runs ANALYZE and PRAGMA optimize, plus VACUUM when full, timed by the database's clock", async () => {
      let t = 1000;
      const stepping: Clock = { now: () => (t += 7), sleep: systemClock.sleep };
      const sdb = await reopen({ file: join(tmp.dir, "opt.db"), clock: stepping });
      const m = new QueueMaintenance(sdb);
      await new QueueClient(sdb).enqueueMany(Array.from({ length: 200 }, (_, i) => ({ type: "t", payload: { pad: "z".repeat(800), i } })));
      await sdb.execute("DELETE FROM task_queue WHERE id > 5");
      assert.ok((await m.getDatabaseStats()).freelistCount > 0);

      const quick = await m.optimize();
      assert.deepEqual(JSON.parse(JSON.stringify(quick)), {
        operations: ["analyze", "optimize"],
        durationsMs: { analyze: 7, optimize: 7, vacuum: null },
        totalMs: 35,
      });
      assert.equal((await sdb.execute("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'")).rows[0]!["n"], 1);
      assert.ok((await m.getDatabaseStats()).freelistCount > 0, "no VACUUM without full");

      const full = await m.optimize({ full: true });
      assert.deepEqual(JSON.parse(JSON.stringify(full)), {
        operations: ["analyze", "optimize", "vacuum"],
        durationsMs: { analyze: 7, optimize: 7, vacuum: 7 },
        totalMs: 49,
      });
      assert.equal((await m.getDatabaseStats()).freelistCount, 0);
      await assert.rejects(m.optimize({ full: "yes" as never }), expectValidation(/^full: /));
    });

    it("purgeCompleted deletes old completed tasks and their logs, keeping everything else", async () => {
      const t0 = clock.now();
      await client.enqueueMany(Array.from({ length: 6 }, () => ({ type: "t" })));
      const finish = (id: number, status: string, at: number) =>
        db.execute("UPDATE task_queue SET status = ?, finished_at_utc = ? WHERE id = ?", [status, toSqlTime(at), id]);
      await finish(1, "completed", t0);
      await finish(2, "completed", t0 + 1 * HOUR);
      await finish(3, "completed", t0 + 2 * HOUR);
      await finish(4, "failed", t0);
      await finish(5, "dead_letter", t0);
      for (const id of [1, 2, 3, 4]) {
        await db.execute("INSERT INTO task_logs (task_id, level, message) VALUES (?, 'INFO', 'a'), (?, 'INFO', 'b')", [id, id]);
      }
      clock.set(t0 + 3 * HOUR);

      for (const bad of [{}, { olderThanMs: -1 }, { olderThanMs: Number.POSITIVE_INFINITY }, undefined]) {
        await assert.rejects(maint.purgeCompleted(bad as never), expectValidation(/^olderThanMs: /));
      }
      const ids = async () => (await db.execute("SELECT id FROM task_queue ORDER BY id")).rows.map((r) => r["id"]);
      const logIds = async () => (await db.execute("SELECT task_id FROM task_logs ORDER BY log_id")).rows.map((r) => r["task_id"]);
      assert.equal(await maint.purgeCompleted({ olderThanMs: 90 * MIN }), 2);
      assert.deepEqual(await ids(), [3, 4, 5, 6]);
      assert.deepEqual(await logIds(), [3, 3, 4, 4]);
      assert.equal(await maint.purgeCompleted({ olderThanMs: 90 * MIN }), 0);
      assert.equal(await maint.purgeCompleted({ olderThanMs: 0 }), 1);
      assert.deepEqual(await ids(), [4, 5, 6]);
      assert.deepEqual(await logIds(), [4, 4]);

      // With foreign keys off nothing cascades: the logs must still go.
      const nofk = await reopen({ file: join(tmp.dir, "nofk.db"), pragmas: { foreign_keys: "OFF" } });
      await new QueueClient(nofk).enqueue("t", {});
      await nofk.execute("UPDATE task_queue SET status = 'completed', finished_at_utc = ?", [toSqlTime(t0)]);
      await nofk.execute("INSERT INTO task_logs (task_id, level) VALUES (1, 'INFO')");
      assert.equal(await new QueueMaintenance(nofk).purgeCompleted({ olderThanMs: HOUR }), 1);
      assert.equal((await nofk.execute("SELECT COUNT(*) AS n FROM task_logs")).rows[0]!["n"], 0);
    });

    it("checkPragmas warns for each setting that differs from the configured values", async () => {
      assert.deepEqual(await maint.checkPragmas(), []);
      assert.deepEqual(await new QueueMaintenance(await reopen()).checkPragmas(), [], "in memory, journal_mode 'memory' is expected");

      await db.execute("PRAGMA synchronous = FULL");
      await db.execute("PRAGMA foreign_keys = OFF");
      await db.execute("PRAGMA busy_timeout = 100");
      assert.deepEqual(await maint.checkPragmas(), [
        "busy_timeout is 100 ms, expected 5000 ms",
        "synchronous is FULL (2), expected NORMAL (1)",
        "foreign_keys is OFF, expected ON",
      ]);
      assert.deepEqual(
        await new QueueMaintenance(db, { pragmas: { synchronous: "FULL", foreign_keys: 0, busy_timeout: 100 } }).checkPragmas(),
        [],
        "configured values replace the defaults",
      );
      assert.deepEqual(await new QueueMaintenance(db, { pragmas: { synchronous: 2, foreign_keys: "off", busy_timeout: "100" } }).checkPragmas(), []);

      const rollback = await reopen({ file: join(tmp.dir, "rollback.db"), pragmas: { journal_mode: "DELETE" } });
      assert.deepEqual(await new QueueMaintenance(rollback).checkPragmas(), ['journal_mode is "delete", expected "wal"']);
      assert.deepEqual(await new QueueMaintenance(rollback, { pragmas: { journal_mode: "DELETE" } }).checkPragmas(), []);
      assert.deepEqual(await new QueueMaintenance(rollback, { pragmas: { synchronous: "SOMETIMES" } }).checkPragmas(), [
        'journal_mode is "delete", expected "wal"',
        'synchronous: configured value "SOMETIMES" is not recognised',
      ]);
    });

    it("the QueueMaintenance constructor refuses bad options", () => {
      assert.throws(() => new QueueMaintenance(db, { pragmas: "WAL" as never }), expectValidation(/^pragmas: /));
      assert.throws(() => new QueueMaintenance(db, { path: "" }), expectValidation(/^path: /));
      assert.throws(() => new QueueMaintenance(db, { fs: {} as never }), expectValidation(/^fs: /));
    });
  });
}

/**
 * The other process of the concurrency test: enqueues batches of 10 (each all or nothing) as fast
 * as it can while a worker completes them, until its stdin closes.
 */
const CHILD_WRITER = `
const root = process.env.CHILD_ROOT;
const { ALL_DRIVERS } = await import(root + "/test/helpers/drivers.ts");
const { QueueDatabase, QueueClient, QueueWorker } = await import(root + "/src/index.ts");
const d = ALL_DRIVERS.find((x) => x.name === process.env.CHILD_DRIVER);
const db = await QueueDatabase.open(d.open(process.env.CHILD_DB));
const client = new QueueClient(db);
const worker = new QueueWorker(db, { workerId: "child", concurrency: 2, pollIntervalMs: 1, handlers: { t: async () => {} } });
worker.start();
let stop = false;
process.stdin.on("end", () => { stop = true; });
process.stdin.resume();
let batches = 0;
while (!stop) {
  await client.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ type: "t", payload: { b: batches, i } })));
  batches++;
  if (batches === 1) process.stdout.write("ready\\n");
  await new Promise((r) => setTimeout(r, 1));
}
await worker.stop();
await db.close();
process.stdout.write("done " + batches + "\\n");
`;
