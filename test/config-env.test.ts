/**
 * Issue 10, defect 11: environment overrides. A refused `PRISMQ_PRAGMA_<KEY>` never echoes its
 * value (a SQLCipher key would leak), and numeric overrides are plain decimal only. Through the
 * built package and the built CLI.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIST_CLI, distPath, importDist } from "./helpers/dist.ts";
import { DRIVERS, tempDir } from "./helpers/drivers.ts";

const pkg = await importDist<typeof import("../src/index.ts")>("index.js");
const config = await importDist<typeof import("../src/config/worker-config.ts")>("config.js");

const SECRET = "x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'";

/** The error `fn` throws, checked to be the package's QueueValidationError. */
function validationError(fn: () => unknown, label: string): Error {
  try {
    fn();
  } catch (err) {
    assert.ok(pkg.isQueueError(err, "VALIDATION"), `${label}: a QueueValidationError, got ${String(err)}`);
    return err as Error;
  }
  assert.fail(`${label}: accepted`);
}

const parse = (env: Record<string, string>, text = "{}") => config.parseWorkerConfig(text, { format: "json", source: "w.json", env });

describe("built package: numeric environment overrides are plain decimal", () => {
  const numeric = [
    "PRISMQ_LEASE_MS",
    "PRISMQ_CONCURRENCY",
    "PRISMQ_POLL_INTERVAL_MS",
    "PRISMQ_HEARTBEAT_INTERVAL_MS",
    "PRISMQ_STALE_AFTER_MS",
    "PRISMQ_SHUTDOWN_TIMEOUT_MS",
    "PRISMQ_TIMEOUT_MS",
    "PRISMQ_BACKOFF_BASE_MS",
    "PRISMQ_BUSY_RETRIES",
  ];
  for (const name of numeric) {
    it(`${name}: 0x10, 1e3, " 16", "16 ", 16abc, 0b1, +16, 1_000, Infinity are refused naming the variable`, () => {
      for (const text of ["0x10", "1e3", " 16", "16 ", "16abc", "0b1", "+16", "1_000", "Infinity", "0o7", "16.0"]) {
        const err = validationError(() => parse({ [name]: text }), `${name}=${text}`);
        assert.match(err.message, new RegExp(name), `${name}=${JSON.stringify(text)}: ${err.message}`);
      }
    });
  }

  it("plain decimals are read as numbers; PRISMQ_BACKOFF_FACTOR and _JITTER take a decimal fraction", () => {
    const c = parse({ PRISMQ_LEASE_MS: "60000", PRISMQ_CONCURRENCY: "4", PRISMQ_BACKOFF_FACTOR: "1.5", PRISMQ_BACKOFF_JITTER: "0.25" });
    assert.equal(c.leaseMs, 60_000);
    assert.equal(c.concurrency, 4);
    assert.deepEqual(c.backoff, { factor: 1.5, jitter: 0.25 });
    for (const text of ["1e0", "0x2", ".5", "1.", " 2"]) {
      const err = validationError(() => parse({ PRISMQ_BACKOFF_FACTOR: text }), `factor ${text}`);
      assert.match(err.message, /PRISMQ_BACKOFF_FACTOR/);
    }
  });
});

describe("built package: a refused pragma never shows its value", () => {
  it("PRISMQ_PRAGMA_KEY with a SQLCipher key: refused naming the variable and the key, not the value", () => {
    const err = validationError(() => parse({ PRISMQ_PRAGMA_KEY: SECRET }), "env key");
    assert.match(err.message, /PRISMQ_PRAGMA_KEY/);
    assert.match(err.message, /database\.pragmas\.key/);
    assert.ok(!err.message.includes("2DD29CA8"), `value echoed: ${err.message}`);
    assert.ok(!JSON.stringify((err as { issues?: unknown }).issues).includes("2DD29CA8"));
  });

  it("the same pragma in a config file: refused naming the key, not the value", () => {
    const err = validationError(() => parse({}, JSON.stringify({ database: { pragmas: { key: SECRET } } })), "file key");
    assert.match(err.message, /database\.pragmas\.key/);
    assert.ok(!err.message.includes("2DD29CA8"), `value echoed: ${err.message}`);
  });

  for (const d of DRIVERS) {
    it(`QueueDatabase.open with that pragma on ${d.name}: refused without the value`, async () => {
      await assert.rejects(pkg.QueueDatabase.open(d.open(), { pragmas: { key: SECRET } }), (err: unknown) => {
        assert.ok(pkg.isQueueError(err, "VALIDATION"), String(err));
        assert.match((err as Error).message, /\bkey\b/);
        assert.ok(!(err as Error).message.includes("2DD29CA8"), `value echoed: ${(err as Error).message}`);
        return true;
      });
    });
  }
});

describe("built CLI: prismq worker with bad environment overrides", () => {
  let dir = "";
  let cleanup = (): void => {};
  before(() => {
    distPath("cli.js");
    ({ dir, cleanup } = tempDir("prismq-h3-env-"));
    writeFileSync(join(dir, "w.json"), "{}");
  });
  after(() => cleanup());

  const run = (extra: Record<string, string>) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PRISMQ_")) env[k] = v;
    const handlers = join(import.meta.dirname, "fixtures", "handlers.mjs");
    return spawnSync(process.execPath, [DIST_CLI, "worker", "--config", join(dir, "w.json"), "--handlers", handlers, "--db", join(dir, "q.db")], {
      env: { ...env, ...extra },
      encoding: "utf8",
      timeout: 20_000,
    });
  };

  it("PRISMQ_PRAGMA_KEY: exit 2, the variable named, the key never printed", () => {
    const r = run({ PRISMQ_PRAGMA_KEY: SECRET });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /PRISMQ_PRAGMA_KEY/);
    assert.ok(!(r.stdout + r.stderr).includes("2DD29CA8"), `value echoed: ${r.stderr}`);
  });

  it("PRISMQ_LEASE_MS=0x10: exit 2 naming the variable (it used to run with a 16 ms lease)", () => {
    const r = run({ PRISMQ_LEASE_MS: "0x10" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /PRISMQ_LEASE_MS/);
  });
});
