/**
 * The claim loop lets timers run while it drains (src/worker/pacer.ts), through the built package.
 * With a synchronous driver and handlers that return at once, every await of the loop used to
 * resolve as a microtask: a drain of thousands of tasks never returned to the event loop, so
 * heartbeats, lease renewals, handler timeouts and signal handlers waited for the whole drain
 * (measured: a 10 ms interval fired 0 times in a 3.3 s drain). Fails on that code.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importDist } from "./helpers/dist.ts";

type Core = typeof import("../src/index.ts");
type NodeEntry = typeof import("../runtime/node/index.ts");
const core = await importDist<Core>("index.js");
const node = await importDist<NodeEntry>("node.js");

describe("the worker yields to the event loop while it drains", () => {
  for (const driver of ["better-sqlite3", "node-sqlite"] as const) {
    for (const concurrency of [1, 8]) {
      it(`${driver}, concurrency ${concurrency}: a 5 ms interval keeps firing through a drain of sync handlers`, async () => {
        const dir = mkdtempSync(join(tmpdir(), "prismq-yield-"));
        try {
          const db = await node.openQueueDatabase({ path: join(dir, "q.db"), driver, backgroundCheckpoints: false });
          const client = new core.QueueClient(db);
          const n = 3000;
          for (let i = 0; i < n; i += 500) await client.enqueueMany(Array.from({ length: 500 }, (_, j) => ({ type: "t", payload: { i: i + j } })));
          let ran = 0;
          let allRan!: () => void;
          const done = new Promise<void>((r) => (allRan = r));
          const worker = new core.QueueWorker(db, { concurrency, handlers: { t: () => void (++ran === n && allRan()) } });
          let ticks = 0;
          const interval = setInterval(() => ticks++, 5);
          const t0 = performance.now();
          worker.start();
          await done;
          const ms = performance.now() - t0;
          clearInterval(interval);
          await worker.stop();
          await db.close();
          // A slice is 10 ms, so a free loop would see about half of the 5 ms ticks. The bar is a
          // sixth: test files run in parallel on a 2-core machine, and a loaded one delays timers
          // (a third once failed there with 13 of 41), while the loop that never yields sees none.
          const expected = ms / 5;
          assert.ok(ms < 50 || ticks >= expected / 6, `${ticks} ticks in a ${ms.toFixed(0)} ms drain (a free event loop: ~${expected.toFixed(0)})`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});
