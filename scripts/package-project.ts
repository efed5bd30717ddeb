/**
 * Makes an empty project with the packed tarball installed, the peers linked in and the package
 * conformance runners bundled into `<project>/suite/`, for runs the package tests cannot drive
 * themselves (scripts/test-node20.sh runs it on the machine's Node 20):
 *
 *   node scripts/package-project.ts --dist dist --out /tmp/x --peers-from test/node20/node_modules \
 *     --peers better-sqlite3 --copy test/node20/smoke.test.mjs
 *
 * Prints the project folder.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { installPackedProject, linkPeers, PEERS } from "./lib/package-project.ts";
import { bundleSuite, REPO_ROOT } from "./lib/package-suite.ts";

const { values } = parseArgs({
  options: {
    dist: { type: "string", default: process.env["PRISMQ_DIST_DIR"] ?? join(REPO_ROOT, "dist") },
    out: { type: "string" },
    "peers-from": { type: "string", default: join(REPO_ROOT, "node_modules") },
    peers: { type: "string", default: PEERS.join(",") },
    copy: { type: "string", multiple: true, default: [] },
  },
});

const work = values.out ?? mkdtempSync(join(tmpdir(), "prismq-package-"));
const { dir } = await installPackedProject(REPO_ROOT, resolve(values.dist), work);
linkPeers(dir, resolve(values["peers-from"]), values.peers.split(",").filter(Boolean));
const runner = join(REPO_ROOT, "conformance", "runners", "package", "node-runner.ts");
await bundleSuite({ entry: runner, outfile: join(dir, "suite", "node.test.mjs"), format: "esm", platform: "node" });
await bundleSuite({ entry: runner, outfile: join(dir, "suite", "node.test.cjs"), format: "cjs", platform: "node" });
for (const file of values.copy) cpSync(resolve(file), join(dir, basename(file)));
console.log(dir);
