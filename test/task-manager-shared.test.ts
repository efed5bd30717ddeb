/**
 * The same TaskManager suite against both managers, through the built package: the in-memory
 * BackgroundTaskManager and the QueuedTaskManager on each Node file driver.
 */
import { join } from "node:path";
import { tempDir } from "./helpers/drivers.ts";
import { core, FILE_DRIVERS } from "./fixtures/task-manager/helpers.ts";
import { sharedTaskManagerSuite } from "./fixtures/task-manager/shared-suite.ts";

const FAST_RETRY = { baseMs: 20, factor: 2, maxMs: 100, jitter: 0 };

sharedTaskManagerSuite("BackgroundTaskManager (in-memory)", async (registry) => {
  const manager = new core.BackgroundTaskManager({ registry, backoff: FAST_RETRY });
  return { manager, cleanup: async () => manager.close() };
});

for (const driver of FILE_DRIVERS) {
  sharedTaskManagerSuite(`QueuedTaskManager (${driver.name})`, async (registry) => {
    const tmp = tempDir("prismq-tm-");
    const db = await driver.open(join(tmp.dir, "queue.db"));
    const manager = new core.QueuedTaskManager({
      db,
      registry,
      pollIntervalMs: 20,
      worker: { pollIntervalMs: 10, leaseMs: 600, concurrency: 4, backoff: FAST_RETRY },
    });
    return {
      manager,
      cleanup: async () => {
        await manager.close();
        await db.close();
        tmp.cleanup();
      },
    };
  });
}
