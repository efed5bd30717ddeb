/**
 * What a test runner hands the conformance suite, so one suite runs under node:test, Deno.test,
 * bun:test or a browser page.
 */
export interface Harness {
  describe(name: string, fn: () => void): void;
  test(name: string, fn: () => Promise<void>): void;
}
