/**
 * Issue 13 item 5, no shell script on a path a Windows user runs: `npm test`'s core and
 * `npm run bench` with its peers' setup (`npm run bench:peers-setup`) are Node scripts; the Node 20
 * package check stays bash and says so on Windows instead of failing. The helpers that find the
 * machine's node are checked with Windows inputs (node.exe, a `Path` variable).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { spawnSync } from "node:child_process";
import { runsNode20Check } from "../scripts/test-node20.ts";
import { whichIn, withPath } from "../scripts/lib/system-node.ts";
import { ROOT } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";

const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** Every command `npm run <name>` runs, following `npm run x` inside it. */
function commandsOf(name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const text = scripts[name];
  assert.ok(text !== undefined, `package.json has no script ${name}`);
  return text.split("&&").flatMap((cmd) => {
    const m = /^\s*npm run ([\w:-]+)/.exec(cmd);
    return m ? commandsOf(m[1]!, seen) : [cmd.trim()];
  });
}

describe("scripts a Windows user runs", () => {
  for (const entry of ["test", "bench", "bench:peers-setup"]) {
    it(`npm run ${entry}: no bash, sh or .sh anywhere in it`, () => {
      const cmds = commandsOf(entry);
      assert.ok(cmds.length > 0);
      for (const cmd of cmds) assert.doesNotMatch(cmd, /(^|\s)(bash|sh)\s|\.sh\b/, cmd);
    });
  }

  it("the Node 20 check runs everywhere but Windows, where npm run test:node20 says it is not run and passes", () => {
    assert.equal(runsNode20Check("win32"), false);
    for (const p of ["linux", "darwin"]) assert.equal(runsNode20Check(p), true);
    assert.equal(scripts["test:node20"], "node scripts/test-node20.ts");
  });

  it("CI installs the bench peers through the same npm script", () => {
    const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    assert.match(ci, /^npm run bench:peers-setup$/m);
    assert.doesNotMatch(ci, /bench-peers-setup\.sh/);
  });
});

describe("finding the machine's node (scripts/lib/system-node.ts)", () => {
  it("on Windows node.exe is found (any file: Windows has no execute bit); elsewhere only an executable node", () => {
    const tmp = tempDir("prismq-which-");
    try {
      const a = join(tmp.dir, "a");
      const b = join(tmp.dir, "b");
      mkdirSync(a);
      mkdirSync(b);
      writeFileSync(join(a, "node.exe"), "");
      writeFileSync(join(b, "node"), "");
      const path = ["", a, b].join(delimiter);
      assert.equal(whichIn("node", path, "win32"), join(a, "node.exe"));
      assert.equal(whichIn("node", path, "linux"), null, "not executable");
      chmodSync(join(b, "node"), 0o755);
      assert.equal(whichIn("node", path, "linux"), join(b, "node"));
    } finally {
      tmp.cleanup();
    }
  });

  it("withPath replaces PATH however it is spelt (Windows: Path), leaving one entry", () => {
    const env = withPath({ Path: "C:\\Windows", PATH: "x", HOME: "h" }, "C:\\Program Files\\nodejs");
    assert.deepEqual(env, { HOME: "h", PATH: "C:\\Program Files\\nodejs" });
  });

  it("npm run test:node20's wrapper passes the bash script's exit code through on Linux", () => {
    // No build where PRISMQ_DIST_DIR points: the bash script stops at once, and the wrapper with it.
    const sysPath = (process.env["PATH"] ?? "").split(delimiter).filter((p) => p !== "" && !p.includes("node_modules")).join(delimiter);
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "test-node20.ts")], {
      env: { ...process.env, PATH: sysPath, PRISMQ_DIST_DIR: "/nonexistent-prismq-dist" },
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^test-node20: ERROR: \/nonexistent-prismq-dist\/index\.cjs is missing: build first/m);
  });
});
