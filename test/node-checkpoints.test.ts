/**
 * Background WAL checkpoints (runtime/node/checkpointer.ts) as users get them: through the built
 * `@prismq/queue/node` entry (`PRISMQ_DIST_DIR`), in ESM and in CommonJS.
 *
 * - a writing connection starts its checkpoint thread after its first writes, raises its own
 *   autocheckpoint to the safety cap, and is stopped by close();
 * - the thread opens the file with the writer's own library (better-sqlite3 from the same module
 *   path, or node:sqlite): with another SQLite copy in the process the file was measured to
 *   corrupt within seconds, so a drain of thousands of tasks ends with `integrity_check` ok;
 * - the WAL does not grow past the cap, read-only and in-memory opens never start a thread,
 *   `backgroundCheckpoints: false` and a user's `wal_autocheckpoint = 0` leave SQLite alone;
 * - a process that never closes still exits at once (the thread is unref'd), and no
 *   ExperimentalWarning of the thread's node:sqlite reaches stderr.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distPath, importDist } from "./helpers/dist.ts";

type Core = typeof import("../src/index.ts");
type NodeEntry = typeof import("../runtime/node/index.ts");
const core = await importDist<Core>("index.js");
const node = await importDist<NodeEntry>("node.js");

const DRIVERS = ["better-sqlite3", "node-sqlite"] as const;

function scratch(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), "prismq-ckpt-"));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const one = async (db: InstanceType<Core["QueueDatabase"]>, sql: string): Promise<unknown> =>
  Object.values((await db.execute(sql)).rows[0] ?? {})[0];

for (const driver of DRIVERS) {
  describe(`background checkpoints, ${driver}, built package`, () => {
    it("start after the first writes, drain thousands of tasks with the file intact, stop on close", async () => {
      const s = scratch();
      try {
        const path = join(s.dir, "q.db");
        const db = await node.openQueueDatabase({ path, driver });
        const client = new core.QueueClient(db);
        assert.equal(node.backgroundCheckpointStatus(db.driver)?.state, "idle", "a fresh connection has not started a thread");
        assert.equal(Number(await one(db, "PRAGMA wal_autocheckpoint")), 1000);
        const n = 4000;
        // 200 write calls: past the 100 after which the thread starts.
        for (let i = 0; i < n; i += 20) {
          await client.enqueueMany(Array.from({ length: 20 }, (_, j) => ({ type: "t", payload: { i: i + j, pad: "x".repeat(200) } })));
        }
        await until("the thread to run", () => node.backgroundCheckpointStatus(db.driver)?.state === "running");
        assert.equal(Number(await one(db, "PRAGMA wal_autocheckpoint")), 10_000, "the writer's own autocheckpoint is the safety cap");
        const seen = new Uint8Array(n);
        const worker = new core.QueueWorker(db, { handlers: { t: (p: { i: number }) => void (seen[p.i] = seen[p.i]! + 1) } });
        worker.start();
        await until("the drain", () => seen.every((c) => c > 0), 120_000);
        await worker.stop();
        assert.ok(seen.every((c) => c === 1), "every task ran exactly once");
        assert.equal((await client.stats()).completed, n);
        assert.equal(await one(db, "PRAGMA integrity_check"), "ok");
        // The writer's cap bounds the log: about 10,000 frames of 4 KiB, plus what commits while the
        // thread's checkpoint holds the lock and the writer's own one is skipped. Never reset,
        // this drain would leave ~25,000 frames (~100 MB).
        assert.ok(statSync(`${path}-wal`).size <= 20_000 * 4120, `WAL is ${statSync(`${path}-wal`).size} bytes`);
        await db.close();
        const after = node.backgroundCheckpointStatus(db.driver);
        assert.equal(after?.state, "stopped");
        assert.ok((after?.checkpoints ?? 0) > 0, "the thread ran checkpoints");
        assert.equal(after?.error, undefined);
        // Reopened by another connection: every task is there and the file is sound.
        const again = await node.openQueueDatabase({ path, driver, backgroundCheckpoints: false });
        assert.equal(await one(again, "PRAGMA integrity_check"), "ok");
        assert.equal(Number(await one(again, "SELECT COUNT(*) FROM task_queue WHERE status = 'completed'")), n);
        await again.close();
      } finally {
        s.dispose();
      }
    });

    it("no thread for read-only or in-memory opens, with backgroundCheckpoints: false, or when the user turned autocheckpoints off", async () => {
      const s = scratch();
      try {
        const path = join(s.dir, "q.db");
        const write = async (db: InstanceType<Core["QueueDatabase"]>): Promise<void> => {
          const client = new core.QueueClient(db);
          for (let i = 0; i < 150; i++) await client.enqueue("t", { i });
          await new Promise((r) => setTimeout(r, 300)); // time for a thread to have started
        };
        const off = await node.openQueueDatabase({ path, driver, backgroundCheckpoints: false });
        await write(off);
        assert.equal(node.backgroundCheckpointStatus(off.driver), undefined);
        assert.equal(Number(await one(off, "PRAGMA wal_autocheckpoint")), 1000);
        await off.close();

        const mem = await node.openQueueDatabase({ path: ":memory:", driver });
        await write(mem);
        assert.equal(node.backgroundCheckpointStatus(mem.driver), undefined);
        await mem.close();

        const ro = await node.openQueueDatabase({ path, driver, readOnly: true });
        assert.equal(node.backgroundCheckpointStatus(ro.driver), undefined);
        await ro.close();

        const manual = await node.openQueueDatabase({ path, driver, pragmas: { wal_autocheckpoint: 0 } });
        await write(manual);
        assert.equal(node.backgroundCheckpointStatus(manual.driver)?.state, "off");
        assert.equal(Number(await one(manual, "PRAGMA wal_autocheckpoint")), 0, "the user's setting is kept");
        await manual.close();
      } finally {
        s.dispose();
      }
    });
  });
}

describe("background checkpoints in a process, ESM and CommonJS", () => {
  for (const format of ["js", "cjs"] as const) {
    it(`${format}: a process that never closes exits at once, prints nothing to stderr, and its thread ran`, () => {
      const s = scratch();
      try {
        const script = join(s.dir, `run.${format === "js" ? "mjs" : "cjs"}`);
        const nodeEntry = JSON.stringify(distPath(`node.${format}`));
        const coreEntry = JSON.stringify(distPath(`index.${format}`));
        const body = `
          const db = await node.openQueueDatabase({ path: ${JSON.stringify(join(s.dir, "q.db"))}, driver: "better-sqlite3" });
          const client = new core.QueueClient(db);
          for (let i = 0; i < 300; i++) await client.enqueue("t", { i });
          const t0 = Date.now();
          while (node.backgroundCheckpointStatus(db.driver).state !== "running" && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
          console.log(node.backgroundCheckpointStatus(db.driver).state);
        `;
        writeFileSync(
          script,
          format === "js"
            ? `import * as node from ${nodeEntry}; import * as core from ${coreEntry};\n${body}`
            : `const node = require(${nodeEntry}); const core = require(${coreEntry});\n(async () => {${body}})();`,
        );
        const t0 = Date.now();
        const r = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 30_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "running");
        assert.equal(r.stderr, "", "nothing on stderr (no ExperimentalWarning from the thread)");
        assert.ok(Date.now() - t0 < 15_000);
      } finally {
        s.dispose();
      }
    });
  }
});
