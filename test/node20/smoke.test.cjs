// Smoke test of the packed tarball, installed into an empty project, as CommonJS on the machine's own Node (20), with
// better-sqlite3 12.x from test/node20/node_modules linked in (13.x segfaults on Node 20).
// Run by scripts/test-node20.sh; not part of `npm run test:unit` (which runs on Node 22).
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const Database = require("better-sqlite3");
const { QueueDatabase, QueueClient, QueueWorker } = require("@prismq/queue");
const { fromBetterSqlite3 } = require("@prismq/queue/better-sqlite3");

const bsqlVersion = require("better-sqlite3/package.json").version;

test(`CJS tarball on node ${process.versions.node} (better-sqlite3 ${bsqlVersion}): enqueue, process, stats`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prismq-node20-cjs-"));
  let db;
  try {
    const handle = new Database(path.join(dir, "queue.db"));
    db = await QueueDatabase.open(fromBetterSqlite3(handle));
    const client = new QueueClient(db);

    const ids = [
      await client.enqueue("ok", { n: 1 }),
      await client.enqueue("ok", { n: 2 }),
      await client.enqueue("bad", { n: 3 }, { maxAttempts: 1 }),
    ];
    assert.equal(new Set(ids).size, 3);

    const seen = [];
    const worker = new QueueWorker(db, {
      workerId: "n20",
      concurrency: 3,
      handlers: {
        ok: async (payload) => {
          seen.push(payload.n);
        },
        bad: async () => {
          throw new Error("boom");
        },
      },
    });
    assert.equal(await worker.processOnce(3), 3);
    assert.deepEqual(seen.sort(), [1, 2]);

    const stats = await client.stats();
    assert.equal(stats.completed, 2);
    assert.equal(stats.failed, 1);
    assert.equal(stats.queued, 0);
    assert.equal(stats.processing, 0);
    assert.equal(stats.total, 3);

    const r = await db.execute("SELECT sqlite_version() AS v");
    assert.ok(r.rows.length > 0);
    assert.match(String(r.rows[0].v), /^3\.\d+\.\d+/);
  } finally {
    if (db) await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
