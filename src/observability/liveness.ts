/**
 * The one definition of worker liveness, shared by {@link QueueWorker}, `WorkerHeartbeat`,
 * `QueueMonitoring`, `QueueMetrics` and the worker config: a worker is *active* while its last
 * heartbeat is at most `activeMs` old, *stale* once it is more than `staleMs` old, and *late* in
 * between. Pure functions and constants, so every class classifies a worker the same way.
 *
 * Two rules keep the thresholds sane:
 * - the stale threshold is never below the active threshold (else one worker is both);
 * - a worker's `staleAfterMs` is at least {@link MIN_STALE_HEARTBEATS} heartbeat intervals, so a
 *   healthy worker that is one or two beats late (a busy database, a long synchronous handler)
 *   is not declared stale and its running tasks are not handed to another worker.
 *
 * @module
 */
import { QueueValidationError } from "../errors.ts";

/** Default heartbeat age up to which a worker is active. */
export const DEFAULT_ACTIVE_THRESHOLD_MS = 60_000;
/** Default heartbeat age beyond which a worker is stale. */
export const DEFAULT_STALE_THRESHOLD_MS = 300_000;
/** Default period of a worker's heartbeat. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/**
 * A worker's `staleAfterMs` must be at least this many times its `heartbeatIntervalMs`: with
 * fewer, a worker that misses one beat under load has its live tasks reclaimed and run twice.
 */
export const MIN_STALE_HEARTBEATS = 3;

/** How recently a worker sent a heartbeat. */
export type WorkerState = "active" | "late" | "stale";

/** Heartbeat ages that split active, late and stale. */
export interface LivenessThresholds {
  /** Heartbeat age up to which a worker is active. */
  readonly activeMs: number;
  /** Heartbeat age beyond which a worker is stale; at least `activeMs`. */
  readonly staleMs: number;
}

/** The state of a worker whose last heartbeat is `msSinceHeartbeat` old. */
export function workerState(msSinceHeartbeat: number, t: LivenessThresholds): WorkerState {
  if (msSinceHeartbeat <= t.activeMs) return "active";
  return msSinceHeartbeat > t.staleMs ? "stale" : "late";
}

/**
 * The same split as heartbeat times, for SQL: active workers have a heartbeat at or after
 * `activeSince`, stale ones a heartbeat before `staleBefore` (epoch ms).
 */
export function livenessCutoffs(now: number, t: LivenessThresholds): { activeSince: number; staleBefore: number } {
  return { activeSince: now - t.activeMs, staleBefore: now - t.staleMs };
}

function checkPositive(value: unknown, key: string, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new QueueValidationError(`invalid ${what}`, [`${key}: expected a finite number > 0`]);
  }
  return value;
}

/**
 * Resolves an active and a stale threshold, either of which may be omitted: an omitted one
 * defaults to its default bounded by the other (so `{ staleMs: 10_000 }` alone is valid). Throws
 * a {@link QueueValidationError} naming both keys when stale is below active.
 */
export function resolveLivenessThresholds(
  activeMs: number | undefined,
  staleMs: number | undefined,
  keys: { readonly active: string; readonly stale: string; readonly what: string },
): LivenessThresholds {
  const a = activeMs === undefined ? undefined : checkPositive(activeMs, keys.active, keys.what);
  const s = staleMs === undefined ? undefined : checkPositive(staleMs, keys.stale, keys.what);
  const active = a ?? Math.min(DEFAULT_ACTIVE_THRESHOLD_MS, s ?? DEFAULT_STALE_THRESHOLD_MS);
  const stale = s ?? Math.max(DEFAULT_STALE_THRESHOLD_MS, active);
  checkStaleNotBelowActive(active, stale, keys);
  return { activeMs: active, staleMs: stale };
}

/** Throws a {@link QueueValidationError} naming both keys when `staleMs` < `activeMs`. */
export function checkStaleNotBelowActive(
  activeMs: number,
  staleMs: number,
  keys: { readonly active: string; readonly stale: string; readonly what: string },
): void {
  if (staleMs < activeMs) {
    throw new QueueValidationError(`invalid ${keys.what}`, [
      `${keys.stale} (${staleMs}) must be at least ${keys.active} (${activeMs}): a worker would be both active and stale`,
    ]);
  }
}

/**
 * Throws a {@link QueueValidationError} naming both keys when heartbeats are on
 * (`heartbeatIntervalMs` > 0) and `staleAfterMs` is under {@link MIN_STALE_HEARTBEATS} intervals.
 */
export function checkStaleAfterHeartbeat(
  heartbeatIntervalMs: number,
  staleAfterMs: number,
  keys: { readonly heartbeat: string; readonly stale: string; readonly what: string },
): void {
  if (heartbeatIntervalMs > 0 && staleAfterMs < MIN_STALE_HEARTBEATS * heartbeatIntervalMs) {
    throw new QueueValidationError(`invalid ${keys.what}`, [
      `${keys.stale} (${staleAfterMs}) must be at least ${MIN_STALE_HEARTBEATS} × ${keys.heartbeat} ` +
        `(${MIN_STALE_HEARTBEATS * heartbeatIntervalMs}), or live workers' tasks are taken from them`,
    ]);
  }
}

/**
 * The thresholds a {@link QueueWorker} judges other workers by: stale after `staleAfterMs`,
 * active while heard from within {@link MIN_STALE_HEARTBEATS} beats (at least the default active
 * threshold), never beyond the stale threshold. Validates the pair as
 * {@link checkStaleAfterHeartbeat} does.
 */
export function workerLivenessThresholds(
  heartbeatIntervalMs: number,
  staleAfterMs: number,
  keys: { readonly heartbeat: string; readonly stale: string; readonly what: string },
): LivenessThresholds {
  checkStaleAfterHeartbeat(heartbeatIntervalMs, staleAfterMs, keys);
  const active = Math.min(staleAfterMs, Math.max(DEFAULT_ACTIVE_THRESHOLD_MS, heartbeatIntervalMs * MIN_STALE_HEARTBEATS));
  return { activeMs: active, staleMs: staleAfterMs };
}
