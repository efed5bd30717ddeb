/**
 * The raw SQLite ceiling on one driver: what the bare library does for the queue's own work on
 * the queue's schema and PRAGMAs, with no queue code around it. Per task an INSERT, a claim
 * UPDATE…RETURNING and a completing UPDATE, each its own transaction (the unbatched ceiling), and
 * the same with 100 tasks per transaction (the batched ceiling). Every other figure of the run is
 * read as a ratio of these, so it means something on any machine.
 */
import { QueueDatabase } from "../src/index.ts";
import type { BenchDriver } from "./drivers.ts";
import { scratchDir } from "./drivers.ts";
import { rateRow, type ResultRow } from "./stats.ts";

/** SQL the raw measurements run: the same shape as the queue's statements, minus its extras. */
export const RAW_SQL = {
  insert:
    `INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts,` +
    ` run_after_utc, created_at_utc, updated_at_utc) VALUES ('t', 100, ?, '{}', 'queued', 0, 5, ?, ?, ?)`,
  claim: (limit: number) =>
    `UPDATE task_queue SET status = 'processing', locked_by = 'raw', lease_token = lease_token + 1,` +
    ` lease_until_utc = ?, attempts = attempts + 1 WHERE id ${limit === 1 ? "=" : "IN"} (SELECT id FROM task_queue` +
    ` INDEXED BY ix_task_status_prio_time WHERE status = 'queued' AND run_after_utc <= ?` +
    ` ORDER BY priority, run_after_utc, id LIMIT ${limit}) RETURNING id, lease_token, payload`,
  complete:
    `UPDATE task_queue SET status = 'completed', finished_at_utc = ?, lease_until_utc = NULL` +
    ` WHERE id = ? AND lease_token = ? AND status = 'processing'`,
} as const;

export const T0 = "2026-01-01 00:00:00";
export const LEASE = "2099-01-01 00:00:00";

/** A file with the queue's schema, made by the queue itself, for raw statements to run on. */
export async function rawQueueFile(d: BenchDriver, path: string): Promise<void> {
  const db = await QueueDatabase.open(await d.openDriver(path));
  await db.close();
}

export interface Ceiling {
  /** Tasks/s, each step its own transaction. */
  readonly unbatched: number;
  /** Tasks/s, 100 tasks per transaction. */
  readonly batched: number;
  readonly rows: ResultRow[];
}

/** Measures both ceilings `runs` times on fresh files of `n` tasks. */
export async function measureCeiling(d: BenchDriver, n: number, runs: number): Promise<Ceiling> {
  const unbatched: number[] = [];
  const batched: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const batch of [1, 100]) {
      const scratch = scratchDir();
      try {
        await rawQueueFile(d, scratch.file("raw.db"));
        const db = await d.openRaw(scratch.file("raw.db"));
        const ins = db.prepare(RAW_SQL.insert);
        const claim = db.prepare(RAW_SQL.claim(batch));
        const done = db.prepare(RAW_SQL.complete);
        const payloads = Array.from({ length: n }, (_, i) => JSON.stringify({ i }));
        const start = performance.now();
        for (let i = 0; i < n; i += batch) {
          if (batch > 1) db.exec("BEGIN IMMEDIATE");
          for (let j = i; j < Math.min(n, i + batch); j++) ins.run(payloads[j], T0, T0, T0);
          if (batch > 1) db.exec("COMMIT");
        }
        let claimed = 0;
        while (claimed < n) {
          if (batch > 1) db.exec("BEGIN IMMEDIATE");
          const rows = claim.all(LEASE, T0) as { id: number; lease_token: number }[];
          if (batch === 1) db.exec("BEGIN IMMEDIATE"); // complete in its own transaction, as a worker would
          for (const row of rows) done.run(T0, row.id, row.lease_token);
          db.exec("COMMIT");
          if (rows.length === 0) throw new Error("raw ceiling: the backlog ran out early");
          claimed += rows.length;
        }
        const rate = n / ((performance.now() - start) / 1000);
        (batch === 1 ? unbatched : batched).push(rate);
        db.close();
      } finally {
        scratch.dispose();
      }
    }
  }
  const rows = [
    rateRow("raw SQLite ceiling, 1 task per transaction", d.name, unbatched, "INSERT, claim, complete: 3 transactions per task"),
    rateRow("raw SQLite, 100 tasks per transaction", d.name, batched),
  ];
  return { unbatched: rows[0]!.opsPerSec!, batched: rows[1]!.opsPerSec!, rows };
}
