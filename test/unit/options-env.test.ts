/**
 * Unit tests of the PRISMQ_* environment mapping derived from the config schema
 * (src/config/env.ts, src/config/worker-config.ts). Pure: no file, no process environment.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseWorkerConfig, WORKER_CONFIG_ENV } from "../../src/config/worker-config.ts";

const parse = (env: Record<string, string>, text = "{}") => parseWorkerConfig(text, { format: "json", source: "w.json", env });

describe("PRISMQ_* environment overrides, derived from the schema", () => {
  it("are exactly the documented variables, with the documented reading rules", () => {
    const table = Object.fromEntries(WORKER_CONFIG_ENV.map((e) => [e.name, `${e.path.join(".")} ${e.kind}`]));
    assert.deepEqual(table, {
      PRISMQ_WORKER_ID: "workerId string",
      PRISMQ_STRATEGY: "strategy string",
      PRISMQ_CONCURRENCY: "concurrency int",
      PRISMQ_BATCH_SIZE: "batchSize int",
      PRISMQ_LEASE_MS: "leaseMs int",
      PRISMQ_RENEW_INTERVAL_MS: "renewIntervalMs int",
      PRISMQ_POLL_INTERVAL_MS: "pollIntervalMs int",
      PRISMQ_HEARTBEAT_INTERVAL_MS: "heartbeatIntervalMs int",
      PRISMQ_STALE_AFTER_MS: "staleAfterMs int",
      PRISMQ_SHUTDOWN_TIMEOUT_MS: "shutdownTimeoutMs int",
      PRISMQ_TIMEOUT_MS: "timeoutMs int",
      PRISMQ_SCHEDULE_INTERVAL_MS: "scheduleIntervalMs int",
      PRISMQ_TASK_LOGS: "taskLogs booleanOrString",
      PRISMQ_RETENTION_COMPLETED_MS: "retention.completedMs int",
      PRISMQ_RETENTION_FAILED_MS: "retention.failedMs int",
      PRISMQ_RETENTION_DEAD_LETTER_MS: "retention.deadLetterMs int",
      PRISMQ_RETENTION_CANCELLED_MS: "retention.cancelledMs int",
      PRISMQ_RETENTION_LOGS_MS: "retention.logsMs int",
      PRISMQ_RETENTION_BATCH_SIZE: "retention.batchSize int",
      PRISMQ_RETENTION_INTERVAL_MS: "retention.intervalMs int",
      PRISMQ_TASK_TIMEOUTS: "taskTimeouts json",
      PRISMQ_CAPABILITIES: "capabilities json",
      PRISMQ_TASK_TYPES: "taskTypes list",
      PRISMQ_CRASH_POLICY: "crashPolicy json",
      PRISMQ_BACKOFF_BASE_MS: "backoff.baseMs int",
      PRISMQ_BACKOFF_FACTOR: "backoff.factor number",
      PRISMQ_BACKOFF_MAX_MS: "backoff.maxMs int",
      PRISMQ_BACKOFF_JITTER: "backoff.jitter number",
      PRISMQ_QUEUE_DB_PATH: "database.path string",
      PRISMQ_DB_DRIVER: "database.driver string",
      PRISMQ_BUSY_RETRIES: "database.busyRetries int",
    });
  });

  it("every integer variable takes digits only, naming the variable when refused", () => {
    for (const { name, kind } of WORKER_CONFIG_ENV) {
      if (kind !== "int") continue;
      for (const text of ["0x10", "1e3", " 16", "16.0", "+16", "1_000"]) {
        assert.throws(() => parse({ [name]: text }), new RegExp(`\\(from ${name}\\): expected a plain decimal integer`), `${name}=${text}`);
      }
    }
  });

  it("values are read by kind: numbers, JSON, comma lists, strings", () => {
    const c = parse({
      PRISMQ_LEASE_MS: "60000",
      PRISMQ_BACKOFF_FACTOR: "1.5",
      PRISMQ_TASK_TIMEOUTS: '{"a": 5}',
      PRISMQ_TASK_TYPES: "a, b,,c",
      PRISMQ_STRATEGY: "FIFO",
      PRISMQ_DB_DRIVER: "node-sqlite",
    });
    assert.equal(c.leaseMs, 60_000);
    assert.deepEqual(c.backoff, { factor: 1.5 });
    assert.deepEqual(c.taskTimeouts, { a: 5 });
    assert.deepEqual(c.taskTypes, ["a", "b", "c"]);
    assert.equal(c.strategy, "FIFO");
    assert.equal(c.database.driver, "node-sqlite");
  });

  it("an override is checked by the same schema as the file and named in the error", () => {
    assert.throws(() => parse({ PRISMQ_CONCURRENCY: "0" }), /key "concurrency" \(from PRISMQ_CONCURRENCY\)/);
    assert.throws(() => parse({ PRISMQ_STALE_AFTER_MS: "1000" }, '{"heartbeatIntervalMs": 1000}'), /PRISMQ_STALE_AFTER_MS/);
  });

  it("a refused pragma value is never echoed", () => {
    const secret = "x'2DD29CA851E7B56E'";
    assert.throws(
      () => parse({ PRISMQ_PRAGMA_KEY: secret }),
      (err: Error) => /PRISMQ_PRAGMA_KEY/.test(err.message) && !err.message.includes("2DD29CA8"),
    );
  });
});
