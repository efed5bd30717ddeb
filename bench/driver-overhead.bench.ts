/**
 * What the async Driver costs a sync binding: the same single-row INSERT and point SELECT run
 * raw on better-sqlite3 / node:sqlite and through our driver's execute().
 */
import { Bench } from "tinybench";
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBetterSqlite3 } from "../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../adapters/node-sqlite/index.ts";

export async function run(time: number): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), "prismq-bench-ovh-"));
  const setup = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL";
  const bsRaw = new Database(join(dir, "a.db"));
  bsRaw.exec(setup);
  const bsDrv = fromBetterSqlite3(new Database(join(dir, "a.db")));
  const nsRaw = new DatabaseSync(join(dir, "b.db"));
  nsRaw.exec(setup);
  const nsDrv = fromNodeSqlite(new DatabaseSync(join(dir, "b.db")));
  const insert = "INSERT INTO t (v) VALUES (?)";
  const select = "SELECT id, v FROM t WHERE id = ?";
  const bsIns = bsRaw.prepare(insert);
  const bsSel = bsRaw.prepare(select);
  const nsIns = nsRaw.prepare(insert);
  const nsSel = nsRaw.prepare(select);
  // synchronous is per connection: give the driver connections the raw ones' setting.
  for (const drv of [bsDrv, nsDrv]) await drv.execute({ sql: "PRAGMA synchronous = NORMAL", params: [] });
  let i = 0;
  const bench = new Bench({ name: "driver overhead (file, WAL)", time });
  bench
    .add("better-sqlite3 raw INSERT", () => void bsIns.run(`v${i++}`))
    .add("better-sqlite3 driver INSERT", async () => void (await bsDrv.execute({ sql: insert, params: [`v${i++}`] })))
    .add("node:sqlite raw INSERT", () => void nsIns.run(`v${i++}`))
    .add("node:sqlite driver INSERT", async () => void (await nsDrv.execute({ sql: insert, params: [`v${i++}`] })))
    .add("better-sqlite3 raw SELECT", () => void bsSel.get(1))
    .add("better-sqlite3 driver SELECT", async () => void (await bsDrv.execute({ sql: select, params: [1] })))
    .add("node:sqlite raw SELECT", () => void nsSel.get(1))
    .add("node:sqlite driver SELECT", async () => void (await nsDrv.execute({ sql: select, params: [1] })));
  await bench.run();
  bsRaw.close();
  nsRaw.close();
  await bsDrv.close();
  await nsDrv.close();
  return bench;
}
