/**
 * The few Bun built-ins the Bun runner and target use, declared here because `@types/bun` is
 * not installed (and would pull Bun's globals into every file tsc checks). Remove this file if
 * `@types/bun` is ever added: the declarations would then clash.
 */
declare module "bun:test" {
  export function describe(name: string, fn: () => void): void;
  export function test(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
}

declare module "bun:sqlite" {
  export class Statement {
    readonly columnNames: string[];
    readonly readonly: boolean;
    safeIntegers(enabled: boolean): this;
    all(...params: Array<string | number | bigint | Uint8Array | null>): unknown[];
    run(...params: Array<string | number | bigint | Uint8Array | null>): {
      changes: number;
      lastInsertRowid: number | bigint;
    };
    finalize(): void;
  }
  export class Database {
    constructor(filename?: string, options?: { create?: boolean; readonly?: boolean; readwrite?: boolean });
    readonly filename: string;
    prepare(sql: string): Statement;
    close(throwOnError?: boolean): void;
  }
}
