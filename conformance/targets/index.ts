import type { Driver } from "../../src/driver.ts";

/** One adapter under test: how to open a fresh in-memory driver. */
export interface Target {
  readonly name: string;
  create(): Promise<Driver>;
}
