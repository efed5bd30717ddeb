/**
 * Installs the benchmark peers that cannot live in the root package: liteque 0.8.0 needs
 * better-sqlite3 11.9.1 (it crashes on >= 11.10, and the root package needs >= 11.10), so it gets
 * its own folder, bench/peers/liteque, with its own lockfile. plainjob needs nothing here: it is a
 * root devDependency and runs on the project's Node 22 (bench/peers/plainjob.ts).
 *
 * Run with Node 22 (`npm run bench:peers-setup`, or `node scripts/bench-peers-setup.ts`); a Node
 * script rather than a shell one so it runs on Windows too. better-sqlite3 11.9.1 is built (or
 * its prebuilt binary fetched) for the machine's own node, found on PATH with every node_modules
 * entry removed (npm scripts put the project's node@22 first; scripts/lib/system-node.ts). That
 * node then runs the liteque runner; the last lines printed say which node and the command.
 *
 * Idempotent: skips the install (about a minute of native build) when better-sqlite3 11.9.1 and
 * liteque are already there and the driver loads under that node.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findSystemNode, runNpm, SetupError } from "./lib/system-node.ts";

const ROOT = resolve(import.meta.dirname, "..");
const DIR = join(ROOT, "bench", "peers", "liteque");
const say = (msg: string): void => console.log(`bench-peers-setup: ${msg}`);

function main(): void {
  const sys = findSystemNode(ROOT);
  say(`node for liteque: ${sys.nodeBin} -> ${sys.nodeReal} (v${sys.nodeVersion}, ABI ${sys.abi})`);

  // Checks the versions too: a folder left from an older package.json must not pass as installed.
  const installed = (): boolean =>
    spawnSync(
      sys.nodeBin,
      [
        "-e",
        `const v = (p) => require(p + '/package.json').version;
         if (v('better-sqlite3') !== '11.9.1' || v('liteque') !== '0.8.0') process.exit(1);
         require('better-sqlite3')(':memory:').close();`,
      ],
      { cwd: DIR, env: sys.env, stdio: "ignore" },
    ).status === 0;

  const addon = join(DIR, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  let reason = "";
  if (!existsSync(addon)) reason = "better-sqlite3 is not built in bench/peers/liteque";
  else if (!installed()) reason = `bench/peers/liteque is incomplete or its better-sqlite3 does not load under node v${sys.nodeVersion}`;
  if (reason !== "") {
    say(`${reason}: npm ci in bench/peers/liteque (builds better-sqlite3 11.9.1 from source when no prebuilt binary is reachable, about a minute)`);
    const start = Date.now();
    runNpm(sys, ["ci", "--no-audit", "--no-fund"], DIR);
    say(`npm ci took ${Math.round((Date.now() - start) / 1000)} s`);
    if (!installed()) {
      throw new SetupError(
        `liteque 0.8.0 / better-sqlite3 11.9.1 still do not load under node v${sys.nodeVersion} after npm ci ` +
          `(run: cd bench/peers/liteque && ${sys.nodeBin} -e "require('better-sqlite3')(':memory:')").`,
      );
    }
  } else {
    say("already installed, nothing to do");
  }

  // A ten-job run proves the runner itself works with this node before a benchmark relies on it.
  const tmp = mkdtempSync(join(tmpdir(), "prismq-peers-"));
  try {
    const runner = join(DIR, "run.mjs");
    const r = spawnSync(sys.nodeBin, [runner, "--db", join(tmp, "smoke.db"), "--jobs", "10", "--timeout-ms", "30000"], {
      env: sys.env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new SetupError(`liteque smoke run failed: ${r.stdout.trim()}${r.error ? ` (${r.error.message})` : ""}`);
    say(`smoke run ok: ${r.stdout.trim()}`);
    say(`liteque 0.8.0 + better-sqlite3 11.9.1 ready under node v${sys.nodeVersion} (${sys.nodeReal})`);
    say(`run: ${sys.nodeReal} ${runner} --db <absolute path of a new file> --jobs <N> [--batch]`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  console.error(`bench-peers-setup: ERROR: ${err.message}`);
  process.exit(1);
}
