/**
 * The shape every PostgreSQL system of bench/postgres.bench.ts is driven through: ours
 * (@prismq/queue on PostgreSQL), pg-boss and graphile-worker. One small adapter per system
 * (pg-boss.ts, graphile.ts, pg-prismq.ts), so the bench, its child worker processes and the
 * latency probes run the same steps on each.
 */
import pg from "pg";

/** A producer connection: enqueues, and reads how many jobs are stored as done. */
export interface PgProducer {
  /** Enqueues the job `{ i }`, one call, one job. */
  enqueue(i: number): Promise<void>;
  /** Enqueues `{ i }` for i in [from, from + count) in one call (the system's bulk API). */
  enqueueBulk(from: number, count: number): Promise<void>;
  /** Jobs the system has stored as finished successfully (or, for a system that deletes them, jobs gone). */
  finished(total: number): Promise<number>;
  close(): Promise<void>;
}

/** A running (or ready) worker of one process. */
export interface PgConsumer {
  /** Starts fetching. */
  start(): Promise<void>;
  /** Stops fetching and waits for the jobs in flight. */
  stop(): Promise<void>;
}

/** What a worker does per job: `i` from the payload. */
export type OnJob = (i: number) => void;

/** One system under test. */
export interface PgSystem {
  /** Short key: "prismq", "pg-boss", "graphile-worker". */
  readonly key: string;
  /** Name and version for the tables. */
  readonly label: string;
  /** The worker settings used for the drains, in words, for the report. */
  readonly settings: string;
  /** Installs the schema (untimed) and returns a producer. */
  producer(url: string): Promise<PgProducer>;
  /** Connects a worker (untimed); it starts fetching on `start()`. */
  consumer(url: string, onJob: OnJob): Promise<PgConsumer>;
  /**
   * Claim latency in ms over `n` claims on a standing backlog, and how it is measured (each
   * system exposes a different seam), or null where the system gives no way to time a claim.
   */
  claimSamples(url: string, n: number): Promise<{ samples: number[]; how: string } | null>;
}

/** Worker connections per process, the same for every system (node-postgres's default). */
export const POOL_SIZE = 10;
/** Jobs in flight per process (handlers at once), the same for every system. */
export const CONCURRENCY = 8;
/** Jobs fetched per round trip where the system can prefetch (ours batchSize, graphile localQueue, pg-boss batchSize). */
export const PREFETCH = 100;

/** Loads a system adapter by key. */
export async function loadSystem(key: string): Promise<PgSystem> {
  if (key === "pg-boss") return (await import("./pg-boss.ts")).pgBoss;
  if (key === "graphile-worker") return (await import("./graphile.ts")).graphile;
  if (key === "prismq") return (await import("./pg-prismq.ts")).prismq;
  throw new Error(`unknown PostgreSQL system ${key}`);
}

/**
 * A node-postgres pool for the bench's own connections (graphile-worker's, the producers' counts).
 * Why the listener: `pool.end()` resolves once its clients are asked to end, before their sockets
 * close, so the next step's `DROP DATABASE … WITH (FORCE)` can still terminate one (57P01); with no
 * 'error' listener node-postgres rethrows that from the idle client and the bench process dies
 * (CI saw it between graphile-worker's claim and wake-up figures). Other idle-client errors are
 * printed, not swallowed.
 */
export function benchPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", (e: Error & { code?: string }) => {
    if (e.code !== "57P01") process.stderr.write(`idle PostgreSQL connection: ${e.message}\n`);
  });
  return pool;
}
