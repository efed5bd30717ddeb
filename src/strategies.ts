/**
 * Claim strategies. Each worker picks one; a claim takes exactly the eligible task(s) that come
 * first in the strategy's order. A task is eligible when `status = 'queued'`,
 * `run_after_utc <= now`, its type has a handler on the worker, and its `compatibility` is met
 * by the worker's capabilities.
 *
 * | strategy          | order (first claimed first)                          |
 * |-------------------|------------------------------------------------------|
 * | `FIFO`            | `run_after_utc ASC, id ASC`                          |
 * | `LIFO`            | `run_after_utc DESC, id DESC`                        |
 * | `PRIORITY`        | `priority ASC, run_after_utc ASC, id ASC`            |
 * | `WEIGHTED_RANDOM` | random, task weight `1 / max(priority, 1)`           |
 *
 * `run_after_utc` is when a task became runnable: its enqueue time, or the end of its delay or
 * retry backoff, so FIFO is "longest runnable first". `id` breaks every tie, so the order is
 * total. For `WEIGHTED_RANDOM` each eligible task is drawn with probability
 * `w / Σw` where `w = 1 / max(priority, 1)`: priority 50 is twice as likely as priority 100, and
 * no eligible task has zero chance (no starvation). The draw uses the worker's injected random
 * source, so a seeded source gives a repeatable sequence. So that a claim does not grow with the
 * backlog, the draw is among the 64 oldest eligible tasks of each priority (all of them while a
 * priority has no more): exact as stated up to that depth; beyond it a crowded priority counts
 * as 64 tasks, and its newer tasks wait until older ones of their priority are drawn.
 *
 * @module
 */

/** The four claim strategies of seed 002. */
export const CLAIM_STRATEGIES = ["FIFO", "LIFO", "PRIORITY", "WEIGHTED_RANDOM"] as const;
/** One of {@link CLAIM_STRATEGIES}. */
export type ClaimStrategy = (typeof CLAIM_STRATEGIES)[number];

/** The weight `WEIGHTED_RANDOM` gives a task of this priority. */
export function strategyWeight(priority: number): number {
  return 1 / Math.max(priority, 1);
}
