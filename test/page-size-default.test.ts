/**
 * New files get 1 KB pages: `DEFAULT_PRAGMAS.page_size` is 1,024 where seed 002 says 4,096,
 * because every page a one-row transaction touches is written whole to the WAL and copied and
 * synced again by a checkpoint (see the constant's doc comment and the README). Checked through
 * the built package on both Node drivers and through `openQueueDatabase`: the default, the seeds'
 * size one `pragmas` option away, a file made with 4 KB pages keeping them and its tasks when
 * opened with the new defaults, and rows and keys larger than a 1 KB page (overflow pages) going
 * through enqueue, deduplication, claim and completion intact.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import { importDist } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";
import type { QueueDatabase } from "../src/index.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");

const open: QueueDatabase[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => {});
  for (const c of cleanups.splice(0)) c();
});
function file(name: string): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, name);
}
async function pageSize(db: QueueDatabase): Promise<number> {
  return Number(Object.values((await db.execute("PRAGMA page_size")).rows[0] ?? {})[0]);
}

describe("page_size default (built package)", () => {
  it("DEFAULT_PRAGMAS says 1024", () => {
    assert.equal(core.DEFAULT_PRAGMAS["page_size"], 1024);
  });

  it("openQueueDatabase makes a new file with 1 KB pages", async () => {
    const db = await node.openQueueDatabase({ path: file("q.db") });
    open.push(db);
    assert.equal(await pageSize(db), 1024);
  });

  for (const d of DIST_DRIVERS) {
    describe(d.name, () => {
      it("a new file gets 1 KB pages, or the seeds' 4 KB through pragmas", async () => {
        const plain = await core.QueueDatabase.open(d.open(file("a.db")));
        open.push(plain);
        assert.equal(await pageSize(plain), 1024);
        const seeded = await core.QueueDatabase.open(d.open(file("b.db")), { pragmas: { page_size: 4096 } });
        open.push(seeded);
        assert.equal(await pageSize(seeded), 4096);
      });

      it("a file made with 4 KB pages keeps them, and its tasks, under the new defaults", async () => {
        const path = file("old.db");
        const before = await core.QueueDatabase.open(d.open(path), { pragmas: { page_size: 4096 } });
        const ids = await new core.QueueClient(before).enqueueMany(Array.from({ length: 50 }, (_, i) => ({ type: "t", payload: { i } })));
        await before.close();
        const after = await core.QueueDatabase.open(d.open(path));
        open.push(after);
        assert.equal(await pageSize(after), 4096, "page_size applies to new files only");
        const seen: number[] = [];
        const worker = new core.QueueWorker(after, { workerId: "w", heartbeatIntervalMs: 0, handlers: { t: (p: { i: number }) => void seen.push(p.i) } });
        while ((await worker.processOnce(10)) > 0);
        assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
        assert.equal((await new core.QueueClient(after).stats()).completed, ids.length);
      });

      it("payloads and idempotency keys larger than a page go through intact", async () => {
        const db = await core.QueueDatabase.open(d.open(file("big.db")));
        open.push(db);
        const client = new core.QueueClient(db);
        const key = "k".repeat(500); // an index key past a 1 KB page's local limit (~230 bytes), within the 512 allowed
        const blob = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
        const id = await client.enqueue("big", { blob }, { idempotencyKey: key });
        assert.equal(await client.enqueue("big", { blob: "other" }, { idempotencyKey: key }), id, "the long key deduplicates");
        const worker = new core.QueueWorker(db, { workerId: "w", heartbeatIntervalMs: 0 });
        let got = "";
        worker.register("big", (p: { blob: string }) => void (got = p.blob));
        assert.equal(await worker.processOnce(1), 1);
        assert.equal(got, blob);
        assert.equal((await client.getTask(id))?.status, "completed");
      });
    });
  }
});
