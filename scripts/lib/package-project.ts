/**
 * An empty project with the packed tarball installed, as a user's project gets it: used by the
 * package tests (test/package/) and by scripts/test-node20.sh (`node scripts/package-project.ts`).
 */
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { npmPack, type PackResult, stagePackage } from "./pack.ts";

const run = promisify(execFile);

/** The optional peers a user adds beside the package. */
export const PEERS = ["better-sqlite3", "@sqlite.org/sqlite-wasm", "@journeyapps/wa-sqlite"] as const;

/** A project with the tarball installed. */
export interface PackageProject {
  readonly dir: string;
  readonly pack: PackResult;
}

/**
 * Packs `distDir` as npm would publish it (package.json `files`, `root`'s manifest) into `work`,
 * and installs the tarball into `work/<name>` with npm (`--ignore-scripts`, dependencies from
 * npm's cache when present, else the registry). No peer is installed.
 */
export async function installPackedProject(
  root: string,
  distDir: string,
  work: string,
  name = "project",
  env: NodeJS.ProcessEnv = process.env,
): Promise<PackageProject> {
  const stage = stagePackage(root, distDir);
  let pack: PackResult;
  try {
    pack = npmPack(stage, work);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `prismq-${name}`, version: "0.0.0", private: true, type: "module" }, null, 2));
  try {
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", pack.tarball], {
      cwd: dir,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(
      `npm install of the packed tarball into an empty project failed (its dependencies come from npm's cache or the registry):\n${e.stderr ?? String(err)}`,
    );
  }
  return { dir, pack };
}

/**
 * Adds peers to the project as links to already installed copies (`from/<peer>`): a native peer
 * must be built for the Node that runs the tests, which the repository's (or test/node20's) copy is.
 */
export function linkPeers(project: string, from: string, peers: readonly string[] = PEERS): void {
  for (const peer of peers) {
    const to = join(project, "node_modules", peer);
    mkdirSync(join(to, ".."), { recursive: true });
    rmSync(to, { recursive: true, force: true });
    symlinkSync(join(from, peer), to, "dir");
  }
}
