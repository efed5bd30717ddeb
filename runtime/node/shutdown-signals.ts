/**
 * SIGINT and SIGTERM as promises, for the worker-process runtime: the first signal asks for a
 * graceful stop, the second gives up on it.
 *
 * @module
 */
/** SIGINT/SIGTERM as promises: the first asks for a graceful stop, the second gives up on it. */
export interface ShutdownSignals {
  readonly first: Promise<NodeJS.Signals>;
  readonly second: Promise<NodeJS.Signals>;
  /** The first signal received so far, if any. */
  received(): NodeJS.Signals | null;
  /** Removes the listeners, so later signals get Node's default behaviour again. */
  dispose(): void;
}

/** Starts listening for SIGINT and SIGTERM (replacing Node's default of dying at once). */
export function listenForShutdown(): ShutdownSignals {
  let got: NodeJS.Signals | null = null;
  let count = 0;
  let resolveFirst: (s: NodeJS.Signals) => void = () => {};
  let resolveSecond: (s: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((r) => (resolveFirst = r));
  const second = new Promise<NodeJS.Signals>((r) => (resolveSecond = r));
  const on = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      got = signal;
      resolveFirst(signal);
    } else {
      resolveSecond(signal);
    }
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    first,
    second,
    received: () => got,
    dispose: () => {
      process.removeListener("SIGINT", on);
      process.removeListener("SIGTERM", on);
    },
  };
}
