/**
 * Memory mapping is off by default: `DEFAULT_PRAGMAS.mmap_size` is 0 where seed 002 says 128 MB,
 * because SQLite unmaps and rebuilds the mapping whenever another connection committed, which on
 * a queue file is nearly every round (see the constant's doc comment and
 * bench/handover.bench.ts). Checked through the built package on both Node drivers and through
 * `openQueueDatabase`; the seeds' value stays one `pragmas` option away, and connections that
 * take turns on one file see each other's work under either setting.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import { importDist } from "./helpers/dist.ts";
import { closeAfterTest, pragmaNumber, scratchFile } from "./helpers/pragma-files.ts";
import type { QueueDatabase } from "../src/index.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");
const SEEDS_MMAP = 134217728;

const mmapSize = (db: QueueDatabase): Promise<number> => pragmaNumber(db, "mmap_size");

describe("mmap_size default (built package)", () => {
  it("DEFAULT_PRAGMAS says 0 and keeps the seeds' other values", () => {
    assert.equal(core.DEFAULT_PRAGMAS["mmap_size"], 0);
    assert.equal(core.DEFAULT_PRAGMAS["cache_size"], -20000);
    assert.equal(core.DEFAULT_PRAGMAS["journal_mode"], "WAL");
  });

  it("openQueueDatabase opens a file with memory mapping off", async () => {
    const db = await node.openQueueDatabase({ path: scratchFile("q.db") });
    closeAfterTest(db);
    assert.equal(await mmapSize(db), 0);
  });

  for (const d of DIST_DRIVERS) {
    describe(d.name, () => {
      it("QueueDatabase.open leaves mapping off, and pragmas brings the seeds' 128 MB back", async () => {
        const path = scratchFile("q.db");
        const plain = await core.QueueDatabase.open(d.open(path));
        closeAfterTest(plain);
        assert.equal(await mmapSize(plain), 0);
        const seeded = await core.QueueDatabase.open(d.open(path), { pragmas: { mmap_size: SEEDS_MMAP } });
        closeAfterTest(seeded);
        assert.equal(await mmapSize(seeded), SEEDS_MMAP);
      });

      for (const mmap of [0, SEEDS_MMAP]) {
        it(`two connections taking turns see each other's commits (mmap_size ${mmap})`, async () => {
          const path = scratchFile("turns.db");
          const options = { pragmas: { mmap_size: mmap } };
          const a = await core.QueueDatabase.open(d.open(path), options);
          const b = await core.QueueDatabase.open(d.open(path), options);
          closeAfterTest(a, b);
          const producer = new core.QueueClient(a);
          const worker = new core.QueueWorker(b, { workerId: "turns", heartbeatIntervalMs: 0, handlers: { t: () => {} } });
          for (let k = 0; k < 50; k++) {
            const id = await producer.enqueue("t", { k });
            const [task] = await worker.claimTasks(1);
            assert.equal(task?.id, id, `turn ${k}: the task the other connection just enqueued`);
            await worker.completeTask(task!);
            assert.equal((await producer.getTask(id))?.status, "completed", `turn ${k}: the other connection's completion`);
          }
          assert.equal((await producer.stats()).completed, 50);
        });
      }
    });
  }
});
