/**
 * When a schedule's occurrences fall: cron expressions (with seconds optional, read in an IANA
 * time zone) through `croner`, and fixed intervals by arithmetic. Pure functions of the stored
 * row and the injected clock's time, so every process computes the same occurrences.
 *
 * @internal
 * @module
 */
import { Cron } from "croner";
import { QueueValidationError } from "../errors.ts";

/** How a schedule's occurrences are spaced: a cron expression or a fixed interval. */
export type Timing =
  | { readonly kind: "cron"; readonly cron: string; readonly timeZone: string | null }
  | { readonly kind: "interval"; readonly intervalMs: number };

/** Longest run of missed occurrences one tick looks at (the rest are skipped, whatever the policy). */
export const MAX_CATCH_UP = 1000;

const crons = new Map<string, Cron>();

/** A paused croner job for `timing` (cached), or a {@link QueueValidationError} for a bad pattern or zone. */
function cronOf(cron: string, timeZone: string | null): Cron {
  const key = `${timeZone ?? ""}\u0000${cron}`;
  let job = crons.get(key);
  if (job === undefined) {
    try {
      job = new Cron(cron, { paused: true, timezone: timeZone ?? "Etc/UTC" });
      // croner checks a time zone only when it computes a time: do it now.
      job.nextRun(new Date(0));
    } catch (err) {
      throw new QueueValidationError(`invalid cron schedule ${JSON.stringify(cron)}${timeZone === null ? "" : ` in ${timeZone}`}`, [(err as Error).message], { cause: err });
    }
    if (crons.size > 500) crons.clear();
    crons.set(key, job);
  }
  return job;
}

/** Checks a timing; throws {@link QueueValidationError} if no occurrence can be computed from it. */
export function checkTiming(t: Timing): void {
  if (t.kind === "cron") {
    if (t.timeZone !== null) {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: t.timeZone });
      } catch (err) {
        throw new QueueValidationError(`unknown time zone ${JSON.stringify(t.timeZone)}`, [(err as Error).message], { cause: err });
      }
    }
    cronOf(t.cron, t.timeZone);
  } else if (!Number.isSafeInteger(t.intervalMs) || t.intervalMs < 1) {
    throw new QueueValidationError(`interval must be a whole number of ms >= 1, got ${String(t.intervalMs)}`);
  }
}

/** The first occurrence strictly after `after` (epoch ms), or null if there is none (e.g. 31 February). */
export function nextOccurrence(t: Timing, after: number): number | null {
  if (t.kind === "interval") return after + t.intervalMs;
  const next = cronOf(t.cron, t.timeZone).nextRun(new Date(after));
  return next === null ? null : next.getTime();
}

/**
 * The occurrences of a schedule due at `now`, given the stored next run `due` (itself an
 * occurrence, at or before `now`): the `count` latest of those in `[due, now]`, oldest first,
 * and the next occurrence after `now`.
 */
export function dueOccurrences(t: Timing, due: number, now: number, count: number): { readonly fire: number[]; readonly next: number | null } {
  const keep = Math.max(1, Math.min(count, MAX_CATCH_UP));
  if (t.kind === "interval") {
    const steps = Math.floor((now - due) / t.intervalMs); // occurrences due = steps + 1
    const first = Math.max(0, steps - keep + 1);
    const fire: number[] = [];
    for (let k = first; k <= steps; k++) fire.push(due + k * t.intervalMs);
    return { fire, next: due + (steps + 1) * t.intervalMs };
  }
  const job = cronOf(t.cron, t.timeZone);
  // Walk forward from `due` while the run is short (the usual case: one occurrence); after a
  // long gap, ask croner for the latest `keep` before now instead of walking the whole gap.
  const fire: number[] = [due];
  for (let steps = 0; steps <= keep + 64; steps++) {
    const n = job.nextRun(new Date(fire[fire.length - 1]!));
    if (n === null || n.getTime() > now) {
      return { fire: fire.slice(-keep), next: n === null ? null : n.getTime() };
    }
    fire.push(n.getTime());
  }
  // croner's previousRuns(n, ref) gives runs before `ref` at whole seconds, newest first; a cron
  // occurrence is always a whole second, so ref = now + 1 s covers every one at or before now.
  const latest = job
    .previousRuns(keep, new Date(now + 1000))
    .map((d) => d.getTime())
    .filter((ms) => ms >= due && ms <= now)
    .reverse();
  return { fire: latest.length > 0 ? latest : [due], next: nextOccurrence(t, now) };
}
