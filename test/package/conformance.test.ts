/**
 * The conformance suite (driver contract + model-based properties) and the queue lifecycle run
 * against the package users get, in every runtime that loads it through a package entry point:
 *
 * - the build (dist/, or `PRISMQ_DIST_DIR`) is packed with `npm pack` and installed into an empty
 *   project; the optional peers are linked in from the repository's node_modules;
 * - conformance/runners/package/*-runner.ts are bundled with every import of src/ and adapters/
 *   turned into an import of `@prismq/queue…` (scripts/lib/package-suite.ts), so the suite
 *   exercises only what the installed package exports;
 * - Node 22 runs it as an ES module on better-sqlite3, node:sqlite, sqlite-wasm and wa-sqlite,
 *   and the lifecycle as CommonJS on the same four; Bun on bun:sqlite and sqlite-wasm; Deno on
 *   node:sqlite and sqlite-wasm twice: with `npm:@prismq/queue` resolved from the project's
 *   node_modules, and with `@prismq/queue` mapped onto JSR's layout (the files deno.json's
 *   `publish` selects, through its `exports`; scripts/lib/jsr-layout.ts);
 * - headless Chromium runs the browser suite (sqlite-wasm and wa-sqlite on OPFS in a Worker, and
 *   a browser restart) bundled from the installed package (conformance/runners/package/browser-run.ts);
 *   without Chromium it is skipped with a notice, unless PRISMQ_REQUIRE_BROWSER=1 (CI).
 *
 * Node 20 runs the same bundle on better-sqlite3 12.x in scripts/test-node20.sh. Each property
 * runs CONFORMANCE_RUNS times (20 here unless set: the source runners do 100; these runs prove
 * the artefact, not the model).
 */
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { DIST_DIR, ROOT } from "../helpers/dist.ts";
import { installPackedProject, linkPeers } from "../../scripts/lib/package-project.ts";
import { bundleSuite, type SpecifierStyle } from "../../scripts/lib/package-suite.ts";
import { stageJsrLayout } from "../../scripts/lib/jsr-layout.ts";

const RUNS = process.env["CONFORMANCE_RUNS"] ?? "20";
const BIN = join(ROOT, "node_modules", ".bin");
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${BIN}${delimiter}${process.env["PATH"] ?? ""}`,
  NODE_OPTIONS: "",
  CONFORMANCE_RUNS: RUNS,
  NO_COLOR: "1",
};
// Set by node:test in the files it runs; a nested `node --test` that inherits it runs nothing.
delete ENV["NODE_TEST_CONTEXT"];
const RUNNERS = join(ROOT, "conformance", "runners", "package");

let work: string;
let project: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "prismq-package-conformance-"));
  ({ dir: project } = await installPackedProject(ROOT, DIST_DIR, work, "project", ENV));
  linkPeers(project, join(ROOT, "node_modules"));
  const bundles: [string, string, "esm" | "cjs", SpecifierStyle][] = [
    ["node-runner.ts", "node.test.mjs", "esm", "bare"],
    ["node-runner.ts", "node.test.cjs", "cjs", "bare"],
    ["bun-runner.ts", "bun.test.mjs", "esm", "bare"],
    ["deno-runner.ts", "deno-npm.test.mjs", "esm", "npm"],
    ["deno-runner.ts", "deno-jsr.test.mjs", "esm", "bare"],
  ];
  for (const [entry, out, format, specifiers] of bundles) {
    await bundleSuite({ entry: join(RUNNERS, entry), outfile: join(project, "suite", out), format, platform: "node", specifiers });
  }
  // JSR's layout, resolved by an import map; the peers come from the project's node_modules.
  const { imports } = stageJsrLayout(ROOT, join(project, "jsr"), project);
  const peers = {
    "@sqlite.org/sqlite-wasm": "npm:@sqlite.org/sqlite-wasm",
    "@journeyapps/wa-sqlite": "npm:@journeyapps/wa-sqlite",
    "@journeyapps/wa-sqlite/": "npm:/@journeyapps/wa-sqlite/",
  };
  writeFileSync(join(project, "deno-jsr.json"), JSON.stringify({ nodeModulesDir: "manual", imports: { ...imports, ...peers } }, null, 2));
});

after(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Runs a test command in the project; resolves with its exit code and output. */
function runIn(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: project, env: { ...ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, seconds: (performance.now() - started) / 1000 }));
  });
}

/** Passed/failed counts from the summary node:test (spec), bun:test, deno test or the browser run prints. */
function counts(out: string): { passed: number; failed: number } {
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(out);
    return m === null ? undefined : Number(m[1]);
  };
  const passed = num(/^ℹ pass (\d+)$/m) ?? num(/^\s*(\d+) pass$/m) ?? num(/(\d+) passed \|/) ?? num(/^browser: (\d+) passed/m);
  const failed = num(/^ℹ fail (\d+)$/m) ?? num(/^\s*(\d+) fail$/m) ?? num(/\| (\d+) failed/) ?? num(/^browser: \d+ passed, (\d+) failed/m);
  if (passed === undefined || failed === undefined) throw new Error(`no test summary in the output:\n${out.slice(-3000)}`);
  return { passed, failed };
}

/**
 * Runs one suite and checks it passed, ran every target (each name appears in a suite title) and
 * ran at least `min` tests.
 */
async function suite(t: TestContext, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, targets: readonly string[], min: number): Promise<void> {
  const { code, out, seconds } = await runIn(cmd, args, { ...env, DRIVERS: targets.join(",") });
  const tail = out.slice(-6000);
  const { passed, failed } = counts(out);
  t.diagnostic(`${passed} passed, ${failed} failed in ${seconds.toFixed(1)} s (${targets.join(", ")}; CONFORMANCE_RUNS=${RUNS})`);
  assert.equal(failed, 0, tail);
  assert.equal(code, 0, tail);
  assert.ok(passed >= min, `${passed} tests passed, expected at least ${min}:\n${tail}`);
  for (const target of targets) assert.match(out, new RegExp(`queue smoke: ${target}\\b`), `no lifecycle ran on ${target}`);
}

const NODE = process.execPath;
const NODE_TEST = ["--disable-warning=ExperimentalWarning", "--test", "--test-reporter=spec"];
// Per target: the contract (7 cases), the properties (8) and the lifecycle (2) at the time of writing.
const FULL = 15;

test("package, Node 22 ES module: contract, properties and lifecycle on better-sqlite3, node:sqlite, sqlite-wasm, wa-sqlite", (t) =>
  suite(t, NODE, [...NODE_TEST, "suite/node.test.mjs"], {}, ["better-sqlite3", "node-sqlite", "sqlite-wasm", "wa-sqlite"], 4 * FULL));

test("package, Node 22 CommonJS: lifecycle on better-sqlite3, node:sqlite, sqlite-wasm, wa-sqlite", (t) =>
  suite(t, NODE, [...NODE_TEST, "suite/node.test.cjs"], { PRISMQ_SUITE: "smoke" }, ["better-sqlite3", "node-sqlite", "sqlite-wasm", "wa-sqlite"], 4 * 2));

test("package, Bun: contract, properties and lifecycle on bun:sqlite, sqlite-wasm", (t) =>
  suite(t, join(BIN, "bun"), ["test", "suite/bun.test.mjs"], {}, ["bun-sqlite", "sqlite-wasm"], 2 * FULL));

test("package, Deno with npm:@prismq/queue from node_modules: contract, properties and lifecycle on node:sqlite, sqlite-wasm", (t) =>
  suite(t, join(BIN, "deno"), ["test", "-A", "--no-check", "--node-modules-dir=manual", "suite/deno-npm.test.mjs"], {}, ["node-sqlite", "sqlite-wasm"], 2 * FULL));

test("package, Deno on JSR's layout (deno.json exports and publish): contract, properties and lifecycle on node:sqlite, sqlite-wasm", (t) =>
  suite(t, join(BIN, "deno"), ["test", "-A", "--no-check", "--config", "deno-jsr.json", "suite/deno-jsr.test.mjs"], {}, ["node-sqlite", "sqlite-wasm"], 2 * FULL));

test("package, headless Chromium: contract, properties, lifecycle and persistence across a restart on sqlite-wasm (opfs-sahpool), wa-sqlite (OPFSCoopSyncVFS)", async (t) => {
  const script = join(RUNNERS, "browser-run.ts");
  const { code, out, seconds } = await runIn(NODE, ["--disable-warning=ExperimentalWarning", script, project], {});
  if (/^browser: SKIPPED$/m.test(out)) {
    // As the source browser run: a machine without Chromium skips loudly; CI (.ci/run) requires it.
    t.diagnostic("!!! SKIPPED: no Chromium (apt-get install -y chromium, or CHROMIUM_PATH); CI sets PRISMQ_REQUIRE_BROWSER=1");
    t.skip("no Chromium");
    return;
  }
  const tail = out.slice(-6000);
  const { passed, failed } = counts(out);
  t.diagnostic(`${passed} passed, ${failed} failed in ${seconds.toFixed(1)} s (CONFORMANCE_RUNS=${RUNS})`);
  assert.equal(failed, 0, tail);
  assert.equal(code, 0, tail);
  for (const target of ["sqlite-wasm (opfs-sahpool)", "wa-sqlite (OPFSCoopSyncVFS)"]) {
    assert.ok(out.includes(`queue smoke: ${target}`), `no lifecycle ran on ${target}:\n${tail}`);
  }
  assert.ok(passed >= 2 * FULL, `${passed} tests passed:\n${tail}`);
});
