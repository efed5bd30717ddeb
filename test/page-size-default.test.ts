/**
 * Page size: new files get seed 002's 4 KB pages, and `pragmas: { page_size: 1024 }` the 1 KB
 * pages that measured faster for one-row transactions and slower for batches (see the
 * `DEFAULT_PRAGMAS` doc comment and README "Page size: a trade-off"). Checked through the built
 * package on both Node drivers and through `openQueueDatabase`: the default, the option, a file
 * made with 1 KB pages keeping them and its tasks when opened with the defaults, and rows and
 * keys larger than a 1 KB page (overflow pages) going through enqueue, deduplication, claim and
 * completion intact.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import { importDist } from "./helpers/dist.ts";
import { closeAfterTest, pragmaNumber, scratchFile } from "./helpers/pragma-files.ts";
import type { QueueDatabase } from "../src/index.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");

const pageSize = (db: QueueDatabase): Promise<number> => pragmaNumber(db, "page_size");

describe("page_size default (built package)", () => {
  it("DEFAULT_PRAGMAS says the seeds' 4096", () => {
    assert.equal(core.DEFAULT_PRAGMAS["page_size"], 4096);
  });

  it("openQueueDatabase makes a new file with 4 KB pages, or 1 KB ones through pragmas", async () => {
    const db = await node.openQueueDatabase({ path: scratchFile("q.db") });
    closeAfterTest(db);
    assert.equal(await pageSize(db), 4096);
    const small = await node.openQueueDatabase({ path: scratchFile("small.db"), pragmas: { page_size: 1024 } });
    closeAfterTest(small);
    assert.equal(await pageSize(small), 1024);
  });

  for (const d of DIST_DRIVERS) {
    describe(d.name, () => {
      it("a new file gets 4 KB pages, or 1 KB ones through pragmas", async () => {
        const plain = await core.QueueDatabase.open(d.open(scratchFile("a.db")));
        closeAfterTest(plain);
        assert.equal(await pageSize(plain), 4096);
        const small = await core.QueueDatabase.open(d.open(scratchFile("b.db")), { pragmas: { page_size: 1024 } });
        closeAfterTest(small);
        assert.equal(await pageSize(small), 1024);
      });

      it("a file made with 1 KB pages keeps them, and its tasks, when opened with the defaults", async () => {
        const path = scratchFile("small.db");
        const before = await core.QueueDatabase.open(d.open(path), { pragmas: { page_size: 1024 } });
        const ids = await new core.QueueClient(before).enqueueMany(Array.from({ length: 50 }, (_, i) => ({ type: "t", payload: { i } })));
        await before.close();
        const after = await core.QueueDatabase.open(d.open(path));
        closeAfterTest(after);
        assert.equal(await pageSize(after), 1024, "page_size applies to new files only");
        const seen: number[] = [];
        const worker = new core.QueueWorker(after, { workerId: "w", heartbeatIntervalMs: 0, handlers: { t: (p: { i: number }) => void seen.push(p.i) } });
        while ((await worker.processOnce(10)) > 0);
        assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
        assert.equal((await new core.QueueClient(after).stats()).completed, ids.length);
      });

      it("payloads and idempotency keys larger than a page go through intact", async () => {
        const db = await core.QueueDatabase.open(d.open(scratchFile("big.db")), { pragmas: { page_size: 1024 } });
        closeAfterTest(db);
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
