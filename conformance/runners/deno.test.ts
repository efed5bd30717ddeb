/**
 * Runs the conformance suite and the queue smoke test under Deno.test for every Deno adapter:
 * `node:sqlite` (built into Deno) and the WebAssembly builds in memory.
 *
 *   deno test -A --no-check conformance/runners/deno.test.ts
 *
 * Deno.test has no describe(): suite names become a prefix of flat test names. DRIVERS and the
 * CONFORMANCE_* variables work as in the Node runner.
 */
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, type Harness } from "../index.ts";
import { DENO_TARGETS } from "../targets/deno.ts";

/** The part of the `Deno` global this runner uses (typed here so tsc needs no Deno types). */
interface DenoLike {
  test(definition: {
    name: string;
    fn: () => Promise<void>;
    sanitizeOps?: boolean;
    sanitizeResources?: boolean;
  }): void;
  env: { get(name: string): string | undefined };
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
if (deno === undefined) throw new Error("conformance/runners/deno.test.ts runs under `deno test`");

const suites: string[] = [];
const h: Harness = {
  describe(name, fn) {
    suites.push(name);
    try {
      fn();
    } finally {
      suites.pop();
    }
  },
  test(name, fn) {
    // The worker's timers and the WebAssembly modules outlive single tests by design.
    deno.test({ name: [...suites, name].join(" › "), fn, sanitizeOps: false, sanitizeResources: false });
  },
};

const options = {
  ...conformanceOptionsFrom((k) => deno.env.get(k)),
  replayHint: (r: { target: string; property: string; seed: number; path: string | null; replayPath: string | null }) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""} DRIVERS=${r.target}` +
    ` deno test -A --no-check --filter '${r.property.replace(/'/g, ".")}' conformance/runners/deno.test.ts`,
};
const wanted = deno.env.get("DRIVERS")?.split(",").map((s) => s.trim());
const targets = DENO_TARGETS.filter((t) => wanted === undefined || wanted.includes(t.name));
if (targets.length === 0) throw new Error(`DRIVERS=${deno.env.get("DRIVERS")} matches no Deno target`);
for (const target of targets) {
  defineConformance(h, target, options);
  defineQueueSmoke(h, target);
}
