/**
 * `prismq worker` (the built CLI) while it loads its handlers module, for issue 10's defects:
 * - 10: a module throwing an unprintable value at import (an object with no prototype, one whose
 *   `toString` throws, an Error whose `message` getter throws) exits 2 with one line, no stack;
 * - 12: a module whose import never settles: SIGTERM and SIGINT end the worker (exit 0, nothing
 *   was claimed), and the load timeout (--load-timeout-ms, $PRISMQ_HANDLERS_LOAD_TIMEOUT_MS)
 *   gives up with exit 2 and a clear message. `prismq worker --help` documents both.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, distPath, ROOT } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";

const FIXTURES = join(ROOT, "test", "fixtures");

let dir = "";
let cleanup = (): void => {};
let config = "";
before(() => {
  distPath("cli.js");
  ({ dir, cleanup } = tempDir("prismq-cli-load-"));
  config = join(dir, "worker.yaml");
  writeFileSync(config, "pollIntervalMs: 20\n");
});
after(() => cleanup());

/** The environment without the machine's PRISMQ_* settings, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PRISMQ_")) env[k] = v;
  return { ...env, PRISMQ_QUEUE_DB_PATH: join(dir, "queue.db"), ...extra };
}

interface Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  stdout: string;
  stderr: string;
}

/** Starts `prismq worker --config … --handlers FIXTURE ARGS…` from the built CLI. */
function worker(fixture: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = cleanEnv()): Proc {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [DIST_CLI, "worker", "--config", config, "--handlers", join(FIXTURES, fixture), ...args],
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const proc: Proc = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - started }))),
  };
  child.stdout!.on("data", (d: Buffer) => (proc.stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (proc.stderr += d.toString()));
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return proc;
}

/** Resolves once `proc` has printed `text` on stderr. */
async function stderrSays(proc: Proc, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!proc.stderr.includes(text)) {
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`no '${text}' on stderr:\n${proc.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `proc`'s exit, or a failure if it has not exited within `ms` (then it is killed). */
async function exitWithin(proc: Proc, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), ms);
  try {
    const r = await proc.exited;
    assert.notEqual(r.signal, "SIGKILL", `did not exit within ${ms} ms (killed); stderr:\n${proc.stderr}`);
    return r;
  } finally {
    clearTimeout(timer);
  }
}

describe("defect 10: a handlers module throwing an unprintable value at import", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["an object with no prototype", "handlers-throw-null-proto.mjs", {}],
    ["an object whose toString and toJSON throw", "handlers-throw-bad-tostring.mjs", {}],
    ["an Error whose message getter throws", "handlers-throw-bad-tostring.mjs", { PRISMQ_FIXTURE_THROW: "error" }],
  ];
  for (const [what, fixture, extra] of cases) {
    test(`${what}: exit 2, one line naming the module, no stack trace`, async () => {
      const proc = worker(fixture, [], cleanEnv(extra));
      const r = await exitWithin(proc, 20_000);
      assert.equal(r.code, 2, proc.stderr);
      assert.equal(proc.stdout, "");
      const lines = proc.stderr.trim().split("\n");
      assert.equal(lines.length, 1, proc.stderr);
      assert.match(lines[0]!, new RegExp(`^prismq worker: cannot load handlers module .*${fixture.replace(".", "\\.")}: \\S`));
      assert.doesNotMatch(proc.stderr, /\n\s+at |unexpected error/);
    });
  }
});

describe("defect 12: a handlers module whose import never settles", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} while it loads ends the worker at once with exit 0`, async () => {
      const proc = worker("handlers-never-settles.mjs");
      await stderrSays(proc, "fixture: handlers module loading");
      proc.child.kill(signal);
      const r = await exitWithin(proc, 10_000);
      assert.equal(r.code, 0, proc.stderr);
      assert.match(proc.stderr, new RegExp(`${signal} while loading the handlers module, not started`));
      assert.doesNotMatch(proc.stdout, /ready/);
    });
  }

  test("--load-timeout-ms gives up with exit 2 and a clear message", async () => {
    const proc = worker("handlers-never-settles.mjs", ["--load-timeout-ms", "700"]);
    const r = await exitWithin(proc, 15_000);
    assert.equal(r.code, 2, proc.stderr);
    const lines = proc.stderr.trim().split("\n").filter((l) => !l.startsWith("fixture:"));
    assert.equal(lines.length, 1, proc.stderr);
    assert.match(lines[0]!, /handlers module .*handlers-never-settles\.mjs did not finish loading within 700 ms/);
    assert.match(lines[0]!, /--load-timeout-ms or \$PRISMQ_HANDLERS_LOAD_TIMEOUT_MS/);
  });

  test("$PRISMQ_HANDLERS_LOAD_TIMEOUT_MS sets the timeout; a bad value is refused with exit 2", async () => {
    const timed = worker("handlers-never-settles.mjs", [], cleanEnv({ PRISMQ_HANDLERS_LOAD_TIMEOUT_MS: "500" }));
    const r = await exitWithin(timed, 15_000);
    assert.equal(r.code, 2, timed.stderr);
    assert.match(timed.stderr, /did not finish loading within 500 ms/);

    for (const bad of ["0", "0x10", "soon"]) {
      const proc = worker("handlers.mjs", [], cleanEnv({ PRISMQ_HANDLERS_LOAD_TIMEOUT_MS: bad }));
      const b = await exitWithin(proc, 15_000);
      assert.equal(b.code, 2, `${bad}: ${proc.stderr}`);
      assert.match(proc.stderr, /PRISMQ_HANDLERS_LOAD_TIMEOUT_MS must be an integer/);
    }
    const flag = worker("handlers.mjs", ["--load-timeout-ms", "0"]);
    assert.equal((await exitWithin(flag, 15_000)).code, 2, flag.stderr);
    assert.match(flag.stderr, /--load-timeout-ms must be between 1 and/);
  });

  test("worker --help documents the load timeout and every exit code", async () => {
    const proc = spawn(process.execPath, [DIST_CLI, "worker", "--help"], { cwd: dir, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => proc.on("exit", resolve));
    assert.equal(code, 0);
    assert.match(out, /--load-timeout-ms N/);
    assert.match(out, /PRISMQ_HANDLERS_LOAD_TIMEOUT_MS/);
    for (const c of ["0", "1", "2", "3"]) assert.match(out, new RegExp(`^  ${c}  \\S`, "m"));
    assert.match(out, /handlers module is still loading/);
  });
});
