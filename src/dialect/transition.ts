/**
 * How a status change reads in `task_logs`, for every dialect and for `QueueLogger`: the message
 * `Status transition: X → Y`, and the seed's levels.
 *
 * @internal
 * @module
 */

/** The message of a transition row: `Status transition: queued → processing`. */
export function transitionMessage(from: string, to: string): string {
  return `Status transition: ${from} → ${to}`;
}

/** The seed's levels: into failed/dead_letter an ERROR, into completed an INFO, anything else DEBUG. */
export function transitionLevel(to: string): "ERROR" | "INFO" | "DEBUG" {
  return to === "failed" || to === "dead_letter" ? "ERROR" : to === "completed" ? "INFO" : "DEBUG";
}
