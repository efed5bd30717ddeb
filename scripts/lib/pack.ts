/**
 * Packs the package as npm would publish it, from any build folder: package.json's `files`
 * (with the build in place of `dist/`) are copied to a staging folder and `npm pack` runs there.
 * Staging lets the tarball test use `PRISMQ_DIST_DIR` builds without touching the repo's dist/.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** What `npm pack --json` reports about one tarball. */
export interface PackResult {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  /** Compressed size in bytes. */
  readonly size: number;
  /** Size of the unpacked files in bytes. */
  readonly unpackedSize: number;
  /** Paths inside the package. */
  readonly files: readonly string[];
}

/**
 * Copies `root`'s publishable files into a fresh temp folder, with `distDir` as its `dist/`, and
 * returns that folder.
 */
export function stagePackage(root: string, distDir: string): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files?: string[] };
  const stage = mkdtempSync(join(tmpdir(), "prismq-stage-"));
  cpSync(join(root, "package.json"), join(stage, "package.json"));
  // npm always ships these when present, whatever `files` says.
  const always = ["README.md", "LICENSE", "LICENSE.md", "CHANGELOG.md"];
  for (const entry of new Set([...(pkg.files ?? []), ...always])) {
    const from = entry.replace(/\/+$/, "") === "dist" ? resolve(distDir) : join(root, entry);
    if (existsSync(from)) cpSync(from, join(stage, entry), { recursive: true });
  }
  return stage;
}

/** Runs `npm pack` in `dir` (no lifecycle scripts) and writes the tarball into `dest`. */
export function npmPack(dir: string, dest: string): PackResult {
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dest], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [info] = JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  if (info === undefined) throw new Error(`npm pack in ${dir} reported nothing`);
  return {
    tarball: join(dest, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files.map((f) => f.path),
  };
}
