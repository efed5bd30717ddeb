/**
 * Wake-ups for idle workers: on a driver that can listen for notifications (PostgreSQL's
 * `LISTEN/NOTIFY`: every enqueue notifies {@link WORK_CHANNEL}), a worker waiting out its poll
 * interval claims at once when a task of one of its types arrives, from any process. Polling
 * stays the fallback: a lost notification (a dropped listening connection, a NOTIFY the server
 * discarded) only delays a task until the next poll.
 *
 * @internal
 * @module
 */
import type { Driver } from "../driver.ts";

/** The notification channel enqueues notify; the payload is the task's type. */
export const WORK_CHANNEL = "prismq_tasks";

/** A subscription of one worker; {@link WorkWakeups.close} ends it. */
export interface WorkWakeups {
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Calls `wake` whenever a task of one of `types()` (all when it is empty, or the payload is
 * empty) is enqueued, if `driver` can listen; otherwise does nothing. A failing subscription is
 * reported through `onError` and leaves the worker polling.
 */
export function listenForWork(
  driver: Driver,
  types: () => readonly string[],
  wake: () => void,
  onError: (err: unknown) => void,
): WorkWakeups {
  if (driver.listen === undefined) return { close: async () => {} };
  let closed = false;
  const subscription = driver
    .listen(WORK_CHANNEL, (payload) => {
      if (closed) return;
      const wanted = types();
      if (payload === "" || wanted.length === 0 || wanted.includes(payload)) wake();
    })
    .catch((err: unknown) => {
      onError(err);
      return null;
    });
  return {
    async close() {
      if (closed) return;
      closed = true;
      const unlisten = await subscription;
      await unlisten?.().catch(onError);
    },
  };
}
