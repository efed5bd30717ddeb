/**
 * The built package, as users get it. Regression tests for defects that only showed in `dist/`
 * import the package through here instead of `src/`.
 *
 * `npm test` builds `dist/` before it runs `test/`. `PRISMQ_DIST_DIR` points the tests at another
 * build (e.g. `npx tsdown --out-dir /tmp/x-dist`), so two people building at once do not race on
 * one folder.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The folder holding the built package (`dist/` unless `PRISMQ_DIST_DIR` says otherwise). */
export const DIST_DIR: string = resolve(process.env["PRISMQ_DIST_DIR"] ?? join(ROOT, "dist"));

/** Absolute path of a built file, e.g. `distPath("cli.js")`; fails loudly when it is not built. */
export function distPath(file: string): string {
  const path = join(DIST_DIR, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return path;
}

/**
 * Imports a built ESM entry, typed as its source module:
 * `const core = await importDist<typeof import("../src/index.ts")>("index.js")`.
 */
export async function importDist<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(distPath(file)).href)) as T;
}

/** The built CLI (`dist/cli.js`): spawn it with `process.execPath`. */
export const DIST_CLI: string = join(DIST_DIR, "cli.js");
