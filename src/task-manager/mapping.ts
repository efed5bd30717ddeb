/**
 * Seed 001's two mapping tables, in one place: queue task row ↔ {@link Run}, queue status ↔
 * {@link RunStatus}.
 *
 * | task_queue column        | Run field      |
 * |--------------------------|----------------|
 * | `id`                     | `runId` (as a string) |
 * | `type`                   | `moduleId`     |
 * | `status`                 | `status` (table below), and `queueStatus` as stored |
 * | `payload`                | `parameters`   |
 * | `created_at_utc`         | `createdAt`    |
 * | `processing_started_utc` | `startedAt`    |
 * | `finished_at_utc`        | `completedAt`  |
 * | `error_message`          | `errorMessage` |
 * | `attempts`, `max_attempts`, `idempotency_key` | same names (seed 001 leaves them out of `Run`; kept for retries) |
 *
 * | queue status  | RunStatus   |
 * |---------------|-------------|
 * | `queued`      | QUEUED (also while waiting for a retry) |
 * | `processing`  | RUNNING (seed 001's `leased`) |
 * | `completed`   | COMPLETED   |
 * | `failed`      | FAILED      |
 * | `cancelled`   | CANCELLED   |
 * | `dead_letter` | FAILED: a non-retryable error; `queueStatus` keeps `dead_letter` |
 *
 * @module
 */
import type { Task, TaskStatus } from "../task.ts";
import type { Run, RunStatus } from "./types.ts";

const STATUS: Readonly<Record<TaskStatus, RunStatus>> = Object.freeze({
  queued: "QUEUED",
  processing: "RUNNING",
  completed: "COMPLETED",
  failed: "FAILED",
  cancelled: "CANCELLED",
  dead_letter: "FAILED",
});

/** The {@link RunStatus} of a queue status (seed 001's status table, plus `dead_letter`). */
export function runStatusOf(status: TaskStatus): RunStatus {
  const s = STATUS[status];
  if (s === undefined) throw new TypeError(`unknown queue status "${String(status)}"`);
  return s;
}

/** A queue task as a {@link Run} (seed 001's column table). */
export function taskToRun(task: Task): Run {
  const params = task.payload;
  return {
    runId: String(task.id),
    moduleId: task.type,
    parameters: (typeof params === "object" && params !== null && !Array.isArray(params) ? params : {}) as Record<string, unknown>,
    status: runStatusOf(task.status),
    createdAt: task.createdAt,
    startedAt: task.processingStartedAt,
    completedAt: task.finishedAt,
    errorMessage: task.errorMessage,
    attempts: task.attempts,
    maxAttempts: task.maxAttempts,
    idempotencyKey: task.idempotencyKey,
    backend: "queue",
    queueStatus: task.status,
    progress: task.progress ?? null,
    result: task.result ?? null,
  };
}

/** The queue task id of a run id, or null if it cannot be one (e.g. an in-memory `mem-…` id). */
export function taskIdOf(runId: string): number | null {
  if (typeof runId !== "string" || !/^[1-9]\d{0,15}$/.test(runId)) return null;
  const id = Number(runId);
  return Number.isSafeInteger(id) ? id : null;
}
