import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { DRIVERS, tempDir } from "./helpers/drivers.ts";
import {
  FakeClock,
  NonRetryableError,
  QueueBusyError,
  QueueClient,
  QueueDatabase,
  QueueValidationError,
  QueueWorker,
  TASK_STATUSES,
  toSqlTime,
  type SqlValue,
  type TaskStatus,
} from "../src/index.ts";
import { DEFAULT_HEALTH_THRESHOLDS, PROMETHEUS_CONTENT_TYPE, QueueMetrics } from "../src/observability/metrics.ts";

/** What parse-prometheus-text-format returns (the shape of prom2json's output). */
interface PromSample {
  readonly value?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly quantiles?: Readonly<Record<string, string>>;
  readonly sum?: string;
  readonly count?: string;
}
interface PromFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: readonly PromSample[];
}
// The package ships no types; its CommonJS entry is loaded through require with the shape above.
const parsePrometheus = createRequire(import.meta.url)("parse-prometheus-text-format") as (text: string) => PromFamily[];

const SEC = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;

interface Row {
  readonly type?: string;
  readonly status?: TaskStatus;
  readonly attempts?: number;
  readonly maxAttempts?: number;
  /** ms before now; default 0 */
  readonly createdAgo?: number;
  /** ms before now (negative: in the future); default = createdAgo */
  readonly runAfterAgo?: number;
  readonly startedAgo?: number | null;
  readonly finishedAgo?: number | null;
  readonly lockedBy?: string | null;
  /** raw text overriding createdAgo/runAfterAgo (e.g. SQLite's second-precision form) */
  readonly createdText?: string;
}

const INSERT_TASK =
  `INSERT INTO task_queue (type, status, attempts, max_attempts, created_at_utc, updated_at_utc, run_after_utc,` +
  ` processing_started_utc, finished_at_utc, locked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function taskParams(clock: FakeClock, r: Row): SqlValue[] {
  const at = (ago: number | null | undefined): string | null =>
    ago === null || ago === undefined ? null : toSqlTime(clock.now() - ago);
  const created = r.createdText ?? at(r.createdAgo ?? 0);
  const runAfter = r.createdText ?? at(r.runAfterAgo ?? r.createdAgo ?? 0);
  return [
    r.type ?? "t",
    r.status ?? "queued",
    r.attempts ?? 0,
    r.maxAttempts ?? 5,
    created,
    created,
    runAfter,
    at(r.startedAgo),
    at(r.finishedAgo),
    r.lockedBy ?? null,
  ];
}

/** Metric families of a parsed exposition, by name. */
function byName(families: readonly PromFamily[]): Map<string, PromFamily> {
  return new Map(families.map((f) => [f.name, f]));
}

/**
 * A stricter check than the (lenient) parser makes: every line is a HELP, a TYPE or a sample
 * of the 0.0.4 grammar, TYPE comes once per family before its samples, values are Go floats,
 * and the text ends with a line feed.
 */
function assertExpositionGrammar(text: string): void {
  assert.ok(text.endsWith("\n"), "exposition ends with a line feed");
  const name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const labelValue = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const label = `[a-zA-Z_][a-zA-Z0-9_]*=${labelValue}`;
  const value = "(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|NaN|[+-]Inf)";
  const sampleRe = new RegExp(`^(${name})(?:\\{(?:${label}(?:,${label})*)?\\})? (${value})$`);
  const typeRe = new RegExp(`^# TYPE (${name}) (counter|gauge|summary|histogram|untyped)$`);
  const helpRe = new RegExp(`^# HELP (${name}) (?:[^\\\\\\n]|\\\\[\\\\n])+$`);
  const typed = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const t = typeRe.exec(line);
    if (t) {
      assert.ok(!typed.has(t[1]!), `TYPE given twice for ${t[1]}`);
      typed.set(t[1]!, t[2]!);
      continue;
    }
    if (helpRe.test(line)) continue;
    const s = sampleRe.exec(line);
    assert.ok(s, `not a valid exposition line: ${JSON.stringify(line)}`);
    const base = s[1]!.replace(/_(sum|count)$/, "");
    assert.ok(typed.has(s[1]!) || typed.get(base) === "summary", `sample before its TYPE: ${line}`);
  }
}

for (const d of DRIVERS) {
  describe(`QueueMetrics on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let metrics: QueueMetrics;

    const insert = async (r: Row, times = 1): Promise<void> => {
      const params = taskParams(clock, r);
      await db.executeMany(INSERT_TASK, Array.from({ length: times }, () => params));
    };
    const insertWorker = async (id: string, heartbeatAgo: number, capabilities = "{}"): Promise<void> => {
      await db.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, ?, ?)", [
        id,
        capabilities,
        toSqlTime(clock.now() - heartbeatAgo),
      ]);
    };

    beforeEach(async () => {
      clock = new FakeClock();
      db = await QueueDatabase.open(d.open(), { clock });
      metrics = new QueueMetrics(db);
    });
    afterEach(async () => {
      await db.close();
    });

    it("refuses invalid options and arguments with QueueValidationError", async () => {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => new QueueMetrics(db, { activeWorkerThresholdMs: bad }), QueueValidationError);
        assert.throws(() => new QueueMetrics(db, { staleWorkerThresholdMs: bad }), QueueValidationError);
        await assert.rejects(metrics.getSuccessFailureRates({ hours: bad }), QueueValidationError);
        await assert.rejects(metrics.getThroughputMetrics({ hours: bad }), QueueValidationError);
        await assert.rejects(metrics.getRetryMetrics({ hours: bad }), QueueValidationError);
        await assert.rejects(metrics.getProcessingTimePercentiles({ hours: bad }), QueueValidationError);
      }
      assert.throws(
        () => new QueueMetrics(db, { activeWorkerThresholdMs: 10_000, staleWorkerThresholdMs: 9_999 }),
        QueueValidationError,
      );
      assert.throws(
        () => new QueueMetrics(db, { healthThresholds: { degradedFailureRate: 0.5, unhealthyFailureRate: 0.4 } }),
        QueueValidationError,
      );
      assert.throws(
        () => new QueueMetrics(db, { healthThresholds: { bogus: 1 } as never }),
        QueueValidationError,
      );
      await assert.rejects(metrics.getQueueDepth({ status: "waiting" as TaskStatus }), QueueValidationError);
      for (const prefix of ["", "9queue", "my-queue", "a b"]) {
        await assert.rejects(metrics.toPrometheus({ prefix }), QueueValidationError, prefix);
      }
      assert.equal(PROMETHEUS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    });

    it("getQueueDepth counts queued tasks by default and filters by type and status", async () => {
      await insert({ type: "a" }, 3);
      await insert({ type: "b" }, 2);
      await insert({ type: "a", status: "processing" });
      await insert({ type: "b", status: "completed" }, 4);
      await insert({ type: "a", status: "failed" });
      assert.equal(await metrics.getQueueDepth(), 5);
      assert.equal(await metrics.getQueueDepth({ type: "a" }), 3);
      assert.equal(await metrics.getQueueDepth({ type: "b" }), 2);
      assert.equal(await metrics.getQueueDepth({ type: "c" }), 0);
      assert.equal(await metrics.getQueueDepth({ status: "processing" }), 1);
      assert.equal(await metrics.getQueueDepth({ status: "completed", type: "b" }), 4);
      assert.equal(await metrics.getQueueDepth({ status: "completed", type: "a" }), 0);
      assert.equal(await metrics.getQueueDepth({ status: "failed" }), 1);
    });

    it("getQueueDepthByStatus lists every status, 0 where there is none", async () => {
      const empty = await metrics.getQueueDepthByStatus();
      assert.deepEqual(Object.keys(empty), [...TASK_STATUSES]);
      assert.deepEqual(empty, { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, dead_letter: 0 });

      await insert({ status: "queued" }, 2);
      await insert({ status: "processing" });
      await insert({ status: "completed" }, 3);
      await insert({ status: "cancelled" });
      await insert({ status: "dead_letter" }, 2);
      assert.deepEqual(await metrics.getQueueDepthByStatus(), {
        queued: 2,
        processing: 1,
        completed: 3,
        failed: 0,
        cancelled: 1,
        dead_letter: 2,
      });
    });

    it("getQueueDepthByType counts only queued tasks, per type in type order, with any type name", async () => {
      await insert({ type: "video" }, 3);
      await insert({ type: "email" }, 2);
      await insert({ type: "__proto__" });
      await insert({ type: "email", status: "processing" }, 5);
      await insert({ type: "video", status: "completed" });
      await insert({ type: "report", status: "failed" });
      const byType = await metrics.getQueueDepthByType();
      assert.deepEqual(Object.keys(byType), ["__proto__", "email", "video"]);
      assert.deepEqual(byType, Object.fromEntries([["__proto__", 1], ["email", 2], ["video", 3]]));
      assert.equal(Object.getPrototypeOf(byType), Object.prototype, "a type name never changes the prototype");
      assert.ok(Object.isFrozen(byType));
    });

    it("getOldestQueuedTaskAge is the wait of the longest-waiting runnable task, in ms", async () => {
      assert.equal(await metrics.getOldestQueuedTaskAge(), null, "nothing queued");
      await insert({ status: "processing", createdAgo: 10 * HOUR });
      await insert({ status: "completed", createdAgo: 20 * HOUR, finishedAgo: HOUR });
      await insert({ createdAgo: 5 * HOUR, runAfterAgo: -10 * MIN }); // delayed: not waiting yet
      assert.equal(await metrics.getOldestQueuedTaskAge(), null, "only a delayed task is queued");

      await insert({ createdAgo: 30 * SEC });
      await insert({ createdAgo: 90_500 });
      assert.equal(await metrics.getOldestQueuedTaskAge(), 90_500);

      // A retry whose backoff ended 100.25 s ago waits since then, not since its creation 2 h ago.
      await insert({ createdAgo: 2 * HOUR, runAfterAgo: 100_250 });
      assert.equal(await metrics.getOldestQueuedTaskAge(), 100_250);

      // A row the seeds' own SQL would write: second-precision text from datetime('now').
      await insert({ createdText: "2025-12-31 23:00:00" });
      clock.set(clock.now() + 1500);
      assert.equal(await metrics.getOldestQueuedTaskAge(), HOUR + 1500);

      // 10 min and 1.5 s later the delayed task became runnable 1.5 s ago; it is not the oldest.
      clock.set(clock.now() + 10 * MIN);
      assert.equal(await metrics.getOldestQueuedTaskAge(), HOUR + 10 * MIN + 1500);
      await db.execute("UPDATE task_queue SET status = 'cancelled' WHERE created_at_utc = '2025-12-31 23:00:00'");
      await db.execute("UPDATE task_queue SET status = 'cancelled' WHERE run_after_utc < ?", [
        toSqlTime(clock.now() - 2 * SEC),
      ]);
      assert.equal(await metrics.getOldestQueuedTaskAge(), 1500, "the formerly delayed task is runnable since 1.5 s");
    });

    it("getSuccessFailureRates counts the tasks finished in the window, its start included", async () => {
      await insert({ status: "completed", finishedAgo: HOUR }, 6);
      await insert({ status: "failed", finishedAgo: 2 * HOUR });
      await insert({ status: "dead_letter", finishedAgo: 24 * HOUR }); // exactly at the window's start
      await insert({ status: "completed", finishedAgo: 24 * HOUR + 1 }); // 1 ms before it
      await insert({ status: "cancelled", finishedAgo: HOUR });
      await insert({ status: "queued" });
      await insert({ status: "processing", startedAgo: MIN });

      assert.deepEqual(await metrics.getSuccessFailureRates(), {
        windowHours: 24,
        completed: 6,
        failed: 1,
        deadLetter: 1,
        total: 8,
        successRate: 0.75,
        failureRate: 0.25,
      });
      assert.deepEqual(await metrics.getSuccessFailureRates({ hours: 1.5 }), {
        windowHours: 1.5,
        completed: 6,
        failed: 0,
        deadLetter: 0,
        total: 6,
        successRate: 1,
        failureRate: 0,
      });
      assert.deepEqual(await metrics.getSuccessFailureRates({ hours: 0.5 }), {
        windowHours: 0.5,
        completed: 0,
        failed: 0,
        deadLetter: 0,
        total: 0,
        successRate: null,
        failureRate: null,
      });
    });

    it("getWorkerActivity reports every worker's held, completed and failed tasks and heartbeat age", async () => {
      await insertWorker("w-active", 10 * SEC, JSON.stringify({ gpu: true, region: "eu" }));
      await insertWorker("w-edge-active", MIN); // exactly the active threshold: still active
      await insertWorker("w-late", 2 * MIN, "not json");
      await insertWorker("w-edge-stale", 5 * MIN); // exactly the stale threshold: not yet stale
      await insertWorker("w-stale", 10 * MIN);

      await insert({ status: "processing", lockedBy: "w-active", startedAgo: SEC }, 2);
      await insert({ status: "completed", lockedBy: "w-active", finishedAgo: 59 * MIN }, 3);
      await insert({ status: "completed", lockedBy: "w-active", finishedAgo: HOUR }); // window start: in
      await insert({ status: "completed", lockedBy: "w-active", finishedAgo: HOUR + 1 }); // out
      await insert({ status: "failed", lockedBy: "w-active", finishedAgo: 30 * MIN });
      await insert({ status: "dead_letter", lockedBy: "w-active", finishedAgo: 10 * MIN });
      await insert({ status: "cancelled", lockedBy: "w-active", finishedAgo: 10 * MIN });
      await insert({ status: "completed", lockedBy: "w-late", finishedAgo: 5 * MIN });
      await insert({ status: "processing", lockedBy: "ghost" }); // not a registered worker
      await insert({ status: "queued" });

      const base = { processingTasks: 0, completedLastHour: 0, failedLastHour: 0 };
      const at = (ago: number): { heartbeatAt: number; msSinceHeartbeat: number } => ({
        heartbeatAt: clock.now() - ago,
        msSinceHeartbeat: ago,
      });
      assert.deepEqual(await metrics.getWorkerActivity(), [
        {
          ...base,
          workerId: "w-active",
          capabilities: { gpu: true, region: "eu" },
          ...at(10 * SEC),
          state: "active",
          processingTasks: 2,
          completedLastHour: 4,
          failedLastHour: 2,
        },
        { ...base, workerId: "w-edge-active", capabilities: {}, ...at(MIN), state: "active" },
        { ...base, workerId: "w-late", capabilities: {}, ...at(2 * MIN), state: "late", completedLastHour: 1 },
        { ...base, workerId: "w-edge-stale", capabilities: {}, ...at(5 * MIN), state: "late" },
        { ...base, workerId: "w-stale", capabilities: {}, ...at(10 * MIN), state: "stale" },
      ]);

      const strict = new QueueMetrics(db, { activeWorkerThresholdMs: 5 * SEC, staleWorkerThresholdMs: 2 * MIN });
      assert.deepEqual(
        (await strict.getWorkerActivity()).map((w) => [w.workerId, w.state]),
        [
          ["w-active", "late"],
          ["w-edge-active", "late"],
          ["w-late", "late"],
          ["w-edge-stale", "stale"],
          ["w-stale", "stale"],
        ],
      );
    });

    it("getThroughputMetrics divides the tasks finished in the window by its minutes and seconds", async () => {
      for (let i = 0; i < 45; i++) await insert({ status: "completed", finishedAgo: i * 80 * SEC });
      await insert({ status: "failed", finishedAgo: 30 * MIN }, 10);
      await insert({ status: "dead_letter", finishedAgo: HOUR }, 5); // window start: in
      await insert({ status: "completed", finishedAgo: HOUR + 1 }, 7);
      await insert({ status: "cancelled", finishedAgo: MIN }, 3);
      await insert({ status: "processing", startedAgo: MIN }, 2);

      assert.deepEqual(await metrics.getThroughputMetrics(), {
        windowHours: 1,
        completed: 45,
        failed: 15,
        total: 60,
        tasksPerMinute: 1,
        tasksPerSecond: 1 / 60,
      });
      assert.deepEqual(await metrics.getThroughputMetrics({ hours: 2 }), {
        windowHours: 2,
        completed: 52,
        failed: 15,
        total: 67,
        tasksPerMinute: 67 / 120,
        tasksPerSecond: 67 / 7200,
      });
      clock.set(clock.now() + 3 * HOUR);
      assert.deepEqual(await metrics.getThroughputMetrics(), {
        windowHours: 1,
        completed: 0,
        failed: 0,
        total: 0,
        tasksPerMinute: 0,
        tasksPerSecond: 0,
      });
    });

    it("getRetryMetrics counts retried, retried-then-completed and exhausted tasks created in the window", async () => {
      await insert({ status: "queued", attempts: 0, createdAgo: HOUR }, 2);
      await insert({ status: "completed", attempts: 1, createdAgo: HOUR, finishedAgo: MIN }, 3);
      await insert({ status: "completed", attempts: 3, createdAgo: 2 * HOUR, finishedAgo: MIN }, 2);
      await insert({ status: "failed", attempts: 5, maxAttempts: 5, createdAgo: 3 * HOUR, finishedAgo: MIN });
      await insert({ status: "dead_letter", attempts: 2, maxAttempts: 5, createdAgo: 3 * HOUR, finishedAgo: MIN });
      // failed with attempts left (a hand-written row, or max_attempts raised later): not exhausted
      await insert({ status: "failed", attempts: 1, maxAttempts: 3, createdAgo: 4 * HOUR, finishedAgo: MIN });
      await insert({ status: "processing", attempts: 2, createdAgo: 24 * HOUR }); // window start: in
      await insert({ status: "completed", attempts: 4, createdAgo: 24 * HOUR + 1, finishedAgo: MIN }); // out
      await insert({ status: "failed", attempts: 3, maxAttempts: 3, createdAgo: 25 * HOUR, finishedAgo: MIN }); // out

      assert.deepEqual(await metrics.getRetryMetrics(), {
        windowHours: 24,
        totalTasks: 11,
        retriedTasks: 5,
        retryRate: 5 / 11,
        averageAttempts: 19 / 9, // 3×1 + 2×3 + 5 + 2 + 1 + 2 over the 9 tasks that ran
        retriedThenCompleted: 2,
        exhausted: 1,
      });
      assert.deepEqual(await metrics.getRetryMetrics({ hours: 48 }), {
        windowHours: 48,
        totalTasks: 13,
        retriedTasks: 7,
        retryRate: 7 / 13,
        averageAttempts: 26 / 11,
        retriedThenCompleted: 3,
        exhausted: 2,
      });
      assert.deepEqual(await metrics.getRetryMetrics({ hours: 0.5 }), {
        windowHours: 0.5,
        totalTasks: 0,
        retriedTasks: 0,
        retryRate: null,
        averageAttempts: null,
        retriedThenCompleted: 0,
        exhausted: 0,
      });
    });

    it("getProcessingTimePercentiles uses nearest rank over completed tasks finished in the window", async () => {
      // 100 durations 10, 20, …, 1000 ms, inserted out of order.
      for (let i = 0; i < 100; i++) {
        const ms = (((i * 37) % 100) + 1) * 10;
        await insert({ type: "big", status: "completed", startedAgo: MIN + ms, finishedAgo: MIN });
      }
      // Left out: failed, still processing, finished before the window, never started.
      await insert({ type: "big", status: "failed", startedAgo: 2 * MIN + 99_999, finishedAgo: 2 * MIN });
      await insert({ type: "big", status: "processing", startedAgo: 99_999 });
      await insert({ type: "big", status: "completed", startedAgo: 25 * HOUR + 99_999, finishedAgo: 25 * HOUR });
      await insert({ type: "big", status: "completed", startedAgo: null, finishedAgo: MIN });

      assert.deepEqual(await metrics.getProcessingTimePercentiles({ type: "big" }), {
        windowHours: 24,
        count: 100,
        sumMs: 50_500,
        minMs: 10,
        maxMs: 1000,
        meanMs: 505,
        p50Ms: 500,
        p90Ms: 900,
        p95Ms: 950,
        p99Ms: 990,
      });

      // 7 values: ranks ceil(3.5)=4, ceil(6.3)=7, ceil(6.65)=7, ceil(6.93)=7. Linear interpolation
      // would give p90 = 640 ms.
      for (const ms of [700, 100, 600, 200, 500, 300, 400]) {
        await insert({ type: "seven", status: "completed", startedAgo: 2 * HOUR + ms, finishedAgo: 2 * HOUR });
      }
      assert.deepEqual(await metrics.getProcessingTimePercentiles({ type: "seven" }), {
        windowHours: 24,
        count: 7,
        sumMs: 2800,
        minMs: 100,
        maxMs: 700,
        meanMs: 400,
        p50Ms: 400,
        p90Ms: 700,
        p95Ms: 700,
        p99Ms: 700,
      });

      // 10 values: p50 is the 5th (interpolation: 5.5 s), p90 the 9th, p95 and p99 the 10th.
      for (let s = 1; s <= 10; s++) {
        await insert({ type: "ten", status: "completed", startedAgo: 30 * MIN + s * SEC, finishedAgo: 30 * MIN });
      }
      const ten = await metrics.getProcessingTimePercentiles({ type: "ten", hours: 1 });
      assert.deepEqual(
        [ten.count, ten.p50Ms, ten.p90Ms, ten.p95Ms, ten.p99Ms, ten.meanMs],
        [10, 5000, 9000, 10_000, 10_000, 5500],
      );

      // Without a type, every completed task in the window; the 1 h window drops "seven" (2 h ago).
      const all = await metrics.getProcessingTimePercentiles();
      assert.equal(all.count, 117);
      assert.equal(all.sumMs, 50_500 + 2800 + 55_000);
      const lastHour = await metrics.getProcessingTimePercentiles({ hours: 1 });
      assert.deepEqual([lastHour.count, lastHour.maxMs], [110, 10_000]);

      assert.deepEqual(await metrics.getProcessingTimePercentiles({ type: "none" }), {
        windowHours: 24,
        count: 0,
        sumMs: 0,
        minMs: null,
        maxMs: null,
        meanMs: null,
        p50Ms: null,
        p90Ms: null,
        p95Ms: null,
        p99Ms: null,
      });
    });

    it("agrees with what QueueClient and QueueWorker write as they run tasks", async () => {
      const client = new QueueClient(db);
      const worker = new QueueWorker(db, { workerId: "w1", leaseMs: 60_000, random: () => 0 });
      worker.register("job", async () => {});
      await insertWorker("w1", 0);
      const ids = [
        await client.enqueue("job", { n: 1 }),
        await client.enqueue("job", { n: 2 }),
        await client.enqueue("job", { n: 3 }, { maxAttempts: 2 }),
      ];
      await clock.advance(2 * SEC);
      assert.equal(await metrics.getOldestQueuedTaskAge(), 2 * SEC);

      const [t1] = await worker.claimTasks();
      assert.equal(t1?.id, ids[0]);
      const held = await metrics.getWorkerActivity();
      assert.equal(held[0]?.processingTasks, 1);
      assert.equal(await metrics.getQueueDepth({ status: "processing" }), 1);
      await clock.advance(250);
      await worker.completeTask(t1!);

      const [t2] = await worker.claimTasks();
      await clock.advance(750);
      await worker.completeTask(t2!);

      // Third task: a retryable failure puts it back with a backoff; it waits again only after that.
      const [t3] = await worker.claimTasks();
      await clock.advance(100);
      assert.equal(await worker.failTask(t3!, new Error("flaky")), "queued");
      assert.equal(await metrics.getOldestQueuedTaskAge(), null, "backing off is not waiting");
      const runAfter = (await client.getTask(ids[2]!))!.runAfter;
      clock.set(runAfter + 1234);
      assert.equal(await metrics.getOldestQueuedTaskAge(), 1234);
      const [again] = await worker.claimTasks();
      assert.equal(again?.attempts, 2);
      await clock.advance(400);
      await worker.completeTask(again!);

      // A fourth task dead-letters on its first run.
      const id4 = await client.enqueue("job", {});
      const [t4] = await worker.claimTasks();
      assert.equal(t4?.id, id4);
      await clock.advance(50);
      assert.equal(await worker.failTask(t4!, new NonRetryableError("bad input")), "dead_letter");

      assert.deepEqual(await metrics.getProcessingTimePercentiles(), {
        windowHours: 24,
        count: 3,
        sumMs: 1400,
        minMs: 250,
        maxMs: 750,
        meanMs: 1400 / 3,
        p50Ms: 400,
        p90Ms: 750,
        p95Ms: 750,
        p99Ms: 750,
      });
      const rates = await metrics.getSuccessFailureRates();
      assert.deepEqual([rates.completed, rates.deadLetter, rates.total, rates.successRate], [3, 1, 4, 0.75]);
      assert.deepEqual(await metrics.getRetryMetrics(), {
        windowHours: 24,
        totalTasks: 4,
        retriedTasks: 1,
        retryRate: 0.25,
        averageAttempts: 5 / 4,
        retriedThenCompleted: 1,
        exhausted: 0,
      });
      const [w1] = await metrics.getWorkerActivity();
      assert.deepEqual(
        [w1?.workerId, w1?.processingTasks, w1?.completedLastHour, w1?.failedLastHour],
        ["w1", 0, 3, 1],
      );
      assert.equal((await metrics.getThroughputMetrics()).total, 4);
    });

    it("getQueueHealthSummary moves healthy → degraded → unhealthy as the oldest wait crosses 5 min and 1 h", async () => {
      const empty = await metrics.getQueueHealthSummary();
      assert.deepEqual(empty, {
        status: "healthy",
        reasons: [],
        generatedAt: clock.now(),
        queueDepth: 0,
        depthByStatus: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, dead_letter: 0 },
        oldestQueuedTaskAgeMs: null,
        successFailureRates24h: {
          windowHours: 24,
          completed: 0,
          failed: 0,
          deadLetter: 0,
          total: 0,
          successRate: null,
          failureRate: null,
        },
        throughput1h: { windowHours: 1, completed: 0, failed: 0, total: 0, tasksPerMinute: 0, tasksPerSecond: 0 },
        workers: { total: 0, active: 0, late: 0, stale: 0 },
      });

      await insert({ type: "a" });
      const start = clock.now();
      const at = async (ms: number): Promise<[string, number | null, number]> => {
        clock.set(start + ms);
        const h = await metrics.getQueueHealthSummary();
        return [h.status, h.oldestQueuedTaskAgeMs, h.reasons.length];
      };
      assert.deepEqual(await at(0), ["healthy", 0, 0]);
      assert.deepEqual(await at(5 * MIN), ["healthy", 5 * MIN, 0], "exactly at the threshold is not above it");
      assert.deepEqual(await at(5 * MIN + 1), ["degraded", 5 * MIN + 1, 1]);
      assert.deepEqual(await at(HOUR), ["degraded", HOUR, 1]);
      assert.deepEqual(await at(HOUR + 1), ["unhealthy", HOUR + 1, 1]);
      const h = await metrics.getQueueHealthSummary();
      assert.match(h.reasons[0]!, /oldest runnable task has waited 3600001 ms, above 3600000 ms/);
      assert.equal(h.queueDepth, 1);

      const custom = new QueueMetrics(db, { healthThresholds: { degradedOldestQueuedAgeMs: SEC } });
      clock.set(start + SEC);
      assert.equal((await custom.getQueueHealthSummary()).status, "healthy");
      clock.set(start + SEC + 1);
      assert.equal((await custom.getQueueHealthSummary()).status, "degraded");
      assert.equal((await metrics.getQueueHealthSummary()).status, "healthy", "defaults are 5 min");
      assert.equal(DEFAULT_HEALTH_THRESHOLDS.degradedOldestQueuedAgeMs, 5 * MIN);
    });

    it("getQueueHealthSummary judges the 24 h failure rate against 5% and 25%", async () => {
      await insert({ status: "completed", finishedAgo: HOUR }, 19);
      await insert({ status: "failed", finishedAgo: HOUR });
      let h = await metrics.getQueueHealthSummary();
      assert.equal(h.successFailureRates24h.failureRate, 0.05);
      assert.equal(h.status, "healthy", "exactly 5% is not above 5%");

      await insert({ status: "dead_letter", finishedAgo: 2 * HOUR });
      h = await metrics.getQueueHealthSummary();
      assert.equal(h.status, "degraded");
      assert.deepEqual(h.reasons, ["24 h failure rate 9.5% is above 5.0%"]);

      await insert({ status: "failed", finishedAgo: 3 * HOUR }, 5); // 7 of 26
      h = await metrics.getQueueHealthSummary();
      assert.equal(h.status, "unhealthy");
      assert.deepEqual(h.reasons, ["24 h failure rate 26.9% is above 25.0%"]);
      assert.deepEqual(h.throughput1h, {
        windowHours: 1,
        completed: 19,
        failed: 1,
        total: 20,
        tasksPerMinute: 20 / 60,
        tasksPerSecond: 20 / 3600,
      });

      clock.set(clock.now() + 22 * HOUR + 1); // the failures finished 3 h and 2 h back leave the window
      h = await metrics.getQueueHealthSummary();
      assert.deepEqual(
        [h.status, h.successFailureRates24h.total, h.successFailureRates24h.failureRate],
        ["healthy", 20, 0.05],
      );
    });

    it("getQueueHealthSummary flags stale workers, and queued work with no active worker", async () => {
      await insertWorker("old", 5 * MIN + 1);
      let h = await metrics.getQueueHealthSummary();
      assert.deepEqual(h.workers, { total: 1, active: 0, late: 0, stale: 1 });
      assert.equal(h.status, "degraded");
      assert.deepEqual(h.reasons, ["1 stale workers"]);

      await insert({ type: "a" });
      h = await metrics.getQueueHealthSummary();
      assert.equal(h.status, "unhealthy");
      assert.deepEqual(h.reasons, ["1 tasks queued and none of 1 registered workers is active", "1 stale workers"]);

      await insertWorker("fresh", MIN);
      h = await metrics.getQueueHealthSummary();
      assert.deepEqual(h.workers, { total: 2, active: 1, late: 0, stale: 1 });
      assert.equal(h.status, "degraded");

      await db.execute("DELETE FROM workers WHERE worker_id = 'old'");
      assert.equal((await metrics.getQueueHealthSummary()).status, "healthy");

      clock.set(clock.now() + 1); // "fresh" is now 60.001 s old: late, so no worker is active
      h = await metrics.getQueueHealthSummary();
      assert.deepEqual([h.status, h.workers.late], ["unhealthy", 1]);

      await db.execute("DELETE FROM workers");
      assert.equal((await metrics.getQueueHealthSummary()).status, "healthy", "no heartbeats in use: no worker rule");
    });

    it("toPrometheus writes every family, parsed back exactly by a Prometheus text-format parser", async () => {
      const weird = 'say "hi"\\now\nnext'; // quote, backslash (before an n), and a real line feed
      await insert({ type: "email", createdAgo: 42_500 }, 2);
      await insert({ type: weird, createdAgo: 10 * SEC });
      await insert({ status: "processing", startedAgo: SEC });
      for (const ms of [400, 100, 300, 200]) {
        await insert({ status: "completed", startedAgo: HOUR + ms, finishedAgo: HOUR });
      }
      await insert({ status: "completed", startedAgo: 30 * HOUR + 5000, finishedAgo: 30 * HOUR });
      await insert({ status: "failed", finishedAgo: MIN }, 2);
      await insert({ status: "dead_letter", finishedAgo: MIN });
      await insert({ status: "cancelled", finishedAgo: MIN });
      await insertWorker("a", 0);
      await insertWorker("late", 2 * MIN);
      await insertWorker("s1", 6 * MIN);
      await insertWorker("s2", HOUR);

      const text = await metrics.toPrometheus();
      assertExpositionGrammar(text);
      assert.ok(
        text.includes(`prismq_queue_queued_tasks{type="say \\"hi\\"\\\\now\\nnext"} 1\n`),
        "label value escaped as \\\\, \\\" and \\n",
      );

      const families = parsePrometheus(text);
      assert.deepEqual(
        families.map((f) => [f.name, f.type]),
        [
          ["prismq_queue_tasks", "GAUGE"],
          ["prismq_queue_queued_tasks", "GAUGE"],
          ["prismq_queue_completed_total", "COUNTER"],
          ["prismq_queue_failed_total", "COUNTER"],
          ["prismq_queue_dead_letter_total", "COUNTER"],
          ["prismq_queue_processing_seconds", "SUMMARY"],
          ["prismq_queue_busy_retries_total", "COUNTER"],
          ["prismq_queue_workers", "GAUGE"],
          ["prismq_queue_oldest_queued_task_age_seconds", "GAUGE"],
        ],
      );
      for (const f of families) assert.ok(f.help.length > 0, `${f.name} has HELP`);
      const m = byName(families);
      assert.deepEqual(m.get("prismq_queue_tasks")?.metrics, [
        { labels: { status: "queued" }, value: "3" },
        { labels: { status: "processing" }, value: "1" },
        { labels: { status: "completed" }, value: "5" },
        { labels: { status: "failed" }, value: "2" },
        { labels: { status: "cancelled" }, value: "1" },
        { labels: { status: "dead_letter" }, value: "1" },
      ]);
      assert.deepEqual(m.get("prismq_queue_queued_tasks")?.metrics, [
        { labels: { type: "email" }, value: "2" },
        { labels: { type: weird }, value: "1" },
      ]);
      assert.deepEqual(m.get("prismq_queue_completed_total")?.metrics, [{ value: "5" }]);
      assert.deepEqual(m.get("prismq_queue_failed_total")?.metrics, [{ value: "2" }]);
      assert.deepEqual(m.get("prismq_queue_dead_letter_total")?.metrics, [{ value: "1" }]);
      // 100…400 ms: nearest rank p50 = 2nd, p90/p95/p99 = 4th; the task finished 30 h ago is outside.
      assert.deepEqual(m.get("prismq_queue_processing_seconds")?.metrics, [
        { quantiles: { "0.5": "0.2", "0.9": "0.4", "0.95": "0.4", "0.99": "0.4" }, sum: "1", count: "4" },
      ]);
      assert.deepEqual(m.get("prismq_queue_busy_retries_total")?.metrics, [{ value: "0" }]);
      assert.deepEqual(m.get("prismq_queue_workers")?.metrics, [
        { labels: { state: "active" }, value: "1" },
        { labels: { state: "stale" }, value: "2" },
      ]);
      assert.deepEqual(m.get("prismq_queue_oldest_queued_task_age_seconds")?.metrics, [{ value: "42.5" }]);

      // The parser does catch a label value left unescaped, so the round trip above is a real check.
      assert.throws(() => parsePrometheus(`x{type="say "hi""} 1\n`));
    });

    it("toPrometheus on an empty queue: NaN quantiles, zero counts, an empty per-type family; custom prefix", async () => {
      const text = await metrics.toPrometheus({ prefix: "app:jobs" });
      assertExpositionGrammar(text);
      const m = byName(parsePrometheus(text));
      assert.deepEqual(
        [...m.keys()],
        [
          "app:jobs_tasks",
          "app:jobs_queued_tasks",
          "app:jobs_completed_total",
          "app:jobs_failed_total",
          "app:jobs_dead_letter_total",
          "app:jobs_processing_seconds",
          "app:jobs_busy_retries_total",
          "app:jobs_workers",
          "app:jobs_oldest_queued_task_age_seconds",
        ],
      );
      assert.deepEqual(
        m.get("app:jobs_tasks")?.metrics.map((s) => [s.labels?.["status"], s.value]),
        TASK_STATUSES.map((s) => [s, "0"]),
      );
      assert.deepEqual(m.get("app:jobs_queued_tasks")?.metrics, []);
      assert.deepEqual(m.get("app:jobs_processing_seconds")?.metrics, [
        { quantiles: { "0.5": "NaN", "0.9": "NaN", "0.95": "NaN", "0.99": "NaN" }, sum: "0", count: "0" },
      ]);
      assert.deepEqual(m.get("app:jobs_workers")?.metrics, [
        { labels: { state: "active" }, value: "0" },
        { labels: { state: "stale" }, value: "0" },
      ]);
      assert.deepEqual(m.get("app:jobs_oldest_queued_task_age_seconds")?.metrics, [{ value: "0" }]);
    });

    it("toPrometheus reports the connection's busy retries", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "busy.db");
      try {
        const busyDb = await QueueDatabase.open(d.open(path), {
          clock,
          pragmas: { busy_timeout: 0 },
          busyRetries: 3,
          busyRetryBaseMs: 1,
        });
        const holder = await QueueDatabase.open(d.open(path));
        try {
          let release!: () => void;
          const held = new Promise<void>((r) => (release = r));
          const tx = holder.transaction(async (t) => {
            await t.execute("INSERT INTO workers (worker_id) VALUES ('holder')");
            await held;
          });
          await new Promise((r) => setTimeout(r, 5));
          await assert.rejects(busyDb.execute("INSERT INTO workers (worker_id) VALUES ('x')"), QueueBusyError);
          release();
          await tx;
          assert.equal(busyDb.busyRetryCount, 3);
          const m = byName(parsePrometheus(await new QueueMetrics(busyDb).toPrometheus()));
          assert.deepEqual(m.get("prismq_queue_busy_retries_total")?.metrics, [{ value: "3" }]);
        } finally {
          await holder.close();
          await busyDb.close();
        }
      } finally {
        cleanup();
      }
    });
  });
}
