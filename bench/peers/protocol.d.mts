/** Types of protocol.mjs (plain JavaScript, so the liteque runner can use it on Node 20). */
export declare const message: (e: unknown) => string;
export declare const round: (ms: number) => number;
export interface RunnerArgs {
  readonly db: string;
  readonly jobs: number;
  readonly batch: boolean;
  readonly timeoutMs: number;
  readonly pollMs: number;
}
export interface Runner {
  readonly result: Record<string, unknown>;
  readonly args: RunnerArgs;
  readonly deadline: number;
  finish(code: number, error?: string): never;
  record(i: unknown): void;
  peerError(): void;
  timeout(phase: string): never;
  done(): never;
  fail(text: string): never;
}
export declare function startRunner(peer: string, script: string): Runner;
