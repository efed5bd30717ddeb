/**
 * Runs the conformance suite (driver contract, every queue property, the queue smoke test and
 * the self-test's broken variants) on a real PostgreSQL server, under node:test.
 *
 *   node --test conformance/runners/postgres.test.ts
 *
 * The server is `PRISMQ_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); the run
 * creates its own database `prismq_pgconf_<random>` and drops it at the end. No server: the
 * suite is SKIPPED with a loud notice (test/helpers/postgres.ts), or FAILS with
 * `PRISMQ_REQUIRE_POSTGRES=1` (CI). CONFORMANCE_* variables work as in the Node runner
 * (CONFORMANCE_RUNS defaults to 30 here, see below); CONFORMANCE_SELF_TEST=0 skips the self-test.
 */
import { after, before, describe, it } from "node:test";
import { createTempDatabase, PG_MISSING, pgSuiteOptions, requirePostgres, type TempDatabase } from "../../test/helpers/postgres.ts";
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, defineSelfTest, type Harness, type ReplayInfo } from "../index.ts";
import { postgresTarget } from "../targets/postgres.ts";

// A model run here costs ~0.5 s (a server round trip or WebAssembly per statement) against
// ~20 ms on in-memory SQLite: without CONFORMANCE_RUNS, 30 runs per property (every property
// still runs; CONFORMANCE_RUNS=100 gives the SQLite runners' depth).
const options = {
  ...conformanceOptionsFrom((k) => process.env[k]),
  ...(process.env["CONFORMANCE_RUNS"] === undefined ? { numRuns: 30 } : {}),
  replayHint: (r: ReplayInfo) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""}` +
    ` node --test --test-name-pattern='^${r.property.replace(/[.*+?^${}()|[\]\\']/g, ".")}$' conformance/runners/postgres.test.ts`,
};
const h: Harness = { describe, test: (name, fn) => it(name, fn) };

if (PG_MISSING !== undefined) {
  describe("PostgreSQL conformance", pgSuiteOptions(), () => {
    it("needs a PostgreSQL server", () => requirePostgres());
  });
} else {
  const db: TempDatabase = await createTempDatabase("pgconf");
  const target = postgresTarget(db.url);
  after(async () => {
    await target.dispose();
    await db.drop();
  });
  before(requirePostgres);
  defineConformance(h, target, options);
  defineQueueSmoke(h, target);
  if (process.env["CONFORMANCE_SELF_TEST"] !== "0") defineSelfTest(h, target, { ...options, numRuns: conformanceOptionsFrom((k) => process.env[k]).numRuns });
}
