/**
 * The conformance suite as the package runners run it: for each target the driver contract, the
 * queue's model-based properties and the queue smoke lifecycle (open → enqueue → process →
 * completed/failed). These runners are never run from the sources: scripts/lib/package-suite.ts
 * bundles them with every import of src/ and adapters/ turned into an import of `@prismq/queue`
 * (see test/package/conformance.test.ts), so what runs is the installed package.
 *
 * `PRISMQ_SUITE=smoke` runs the lifecycle only (the CommonJS run); DRIVERS and the CONFORMANCE_*
 * variables work as in the source runners.
 */
import { defineDriverContract } from "../../driver/contract.ts";
import { defineQueueSmoke } from "../../driver/queue-smoke.ts";
import type { Harness } from "../../harness.ts";
import { conformanceOptionsFrom, type ReplayInfo } from "../../model/check.ts";
import { defineQueueProperties } from "../../model/properties.ts";
import type { Target } from "../../targets/index.ts";

/** Registers the package suite for the targets DRIVERS picks (all by default); fails when it picks none. */
export function definePackageSuite(h: Harness, targets: readonly Target[], env: (name: string) => string | undefined): void {
  const wanted = env("DRIVERS")?.split(",").map((s) => s.trim());
  const picked = targets.filter((t) => wanted === undefined || wanted.includes(t.name));
  if (picked.length === 0) throw new Error(`DRIVERS=${env("DRIVERS")} matches none of ${targets.map((t) => t.name).join(", ")}`);
  const smokeOnly = env("PRISMQ_SUITE") === "smoke";
  const options = {
    ...conformanceOptionsFrom(env),
    replayHint: (r: ReplayInfo) =>
      `replay against the package: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
      `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""} DRIVERS=${r.target}` +
      " node --test test/package/conformance.test.ts",
  };
  for (const target of picked) {
    if (!smokeOnly) {
      defineDriverContract(h, target);
      defineQueueProperties(h, target, options);
    }
    defineQueueSmoke(h, target);
  }
}
