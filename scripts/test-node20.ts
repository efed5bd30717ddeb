/**
 * `npm run test:node20`: the packed tarball on the machine's own Node 20 (scripts/test-node20.sh,
 * which needs bash and a native build of better-sqlite3 12.x for that node). It stays a bash
 * script because it only proves Node 20 support, which CI does on Linux; on Windows (no bash on
 * the user's path) this prints that it is not run there and exits 0, so `npm test` goes on with
 * everything else. Anywhere else it runs the script and passes its exit code through.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Whether the Node 20 check runs on `platform` (see the module). */
export function runsNode20Check(platform: string): boolean {
  return platform !== "win32";
}

// Run as a script, not when a test imports runsNode20Check (import.meta.main needs Node 22.18+).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!runsNode20Check(process.platform)) {
    console.log(
      "test-node20: NOT RUN on Windows: the Node 20 package check (scripts/test-node20.sh) needs bash and runs in CI on Linux; " +
        "every other part of npm test runs here.",
    );
    process.exit(0);
  }
  const r = spawnSync("bash", [join(import.meta.dirname, "test-node20.sh"), ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.error) {
    console.error(`test-node20: ERROR: cannot run bash: ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}
