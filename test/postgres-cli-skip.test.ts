/**
 * Without a PostgreSQL server the PostgreSQL tests are SKIPPED, loudly (the notice names
 * PRISMQ_PG_URL), and the run passes; with PRISMQ_REQUIRE_POSTGRES=1 (CI) the same run fails.
 * Runs a PostgreSQL test file in a child `node --test` pointed at a port nothing listens on, so
 * it runs (and can fail) whether or not this machine has a server.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "./helpers/dist.ts";

const DEAD = "postgres://postgres@127.0.0.1:1/postgres";

function withoutTestContext(): Record<string, string | undefined> {
  const { NODE_TEST_CONTEXT: _ctx, ...rest } = process.env;
  return rest;
}

function runPgFile(env: Record<string, string>): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "--test", join(ROOT, "test", "postgres-wake.test.ts")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    // Without the parent's NODE_TEST_CONTEXT, or the child refuses to run files ("recursive").
    env: { ...withoutTestContext(), PRISMQ_PG_URL: DEAD, PRISMQ_REQUIRE_POSTGRES: "", ...env },
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, out: r.stdout + r.stderr };
}

test("no server: the PostgreSQL tests are SKIPPED with a notice naming PRISMQ_PG_URL, and pass", () => {
  const r = runPgFile({});
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /POSTGRESQL TESTS SKIPPED/);
  assert.match(r.out, /PRISMQ_PG_URL=postgres:\/\//);
  assert.match(r.out, /# SKIP/);
});

test("no server and PRISMQ_REQUIRE_POSTGRES=1: the same run fails", () => {
  const r = runPgFile({ PRISMQ_REQUIRE_POSTGRES: "1" });
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /POSTGRESQL TESTS FAIL \(PRISMQ_REQUIRE_POSTGRES=1\)/);
});
