/**
 * The stop signals of a long-running process (worker, `prismq serve`) as promises: the first
 * signal asks for a graceful stop, the second gives up on it.
 *
 * Which signals depends on the platform: SIGINT (Ctrl+C) and SIGTERM on POSIX; SIGINT and
 * SIGBREAK (Ctrl+Break) on Windows, where SIGTERM can be listened for but is never delivered
 * (`process.kill(pid, "SIGTERM")` and service managers end the process without running handlers).
 *
 * @module
 */

/** The signals asking a long-running process to stop on `platform` (see the module). */
export function shutdownSignalNames(platform: string = process.platform): readonly NodeJS.Signals[] {
  return platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
}

/** The part of `process` the listeners are installed on; injectable so tests need no real signal. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options of {@link listenForShutdown}. */
export interface ListenForShutdownOptions {
  /** Platform deciding the signal set. @default process.platform */
  readonly platform?: string | undefined;
  /** Where the listeners go. @default process */
  readonly target?: SignalTarget | undefined;
}

/** Stop signals as promises: the first asks for a graceful stop, the second gives up on it. */
export interface ShutdownSignals {
  readonly first: Promise<NodeJS.Signals>;
  readonly second: Promise<NodeJS.Signals>;
  /** The signals listened for (see {@link shutdownSignalNames}). */
  readonly signals: readonly NodeJS.Signals[];
  /** The first signal received so far, if any. */
  received(): NodeJS.Signals | null;
  /** Removes the listeners, so later signals get Node's default behaviour again. */
  dispose(): void;
}

/** Starts listening for the platform's stop signals (replacing Node's default of dying at once). */
export function listenForShutdown(options: ListenForShutdownOptions = {}): ShutdownSignals {
  const target = options.target ?? process;
  const signals = shutdownSignalNames(options.platform ?? process.platform);
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
  for (const s of signals) target.on(s, on);
  return {
    first,
    second,
    signals,
    received: () => got,
    dispose: () => {
      for (const s of signals) target.removeListener(s, on);
    },
  };
}
