/**
 * `npm run check:dist-imports [dir]`: checks the built package's imports (see
 * scripts/lib/dist-imports.ts). The build runs the same check (tsdown.config.ts `build:done` hook);
 * this entry point checks another folder, e.g. an older build or `PRISMQ_DIST_DIR`.
 */
import { join, resolve } from "node:path";
import { checkDistImports } from "./lib/dist-imports.ts";

const ROOT = resolve(import.meta.dirname, "..");
const dir = resolve(process.argv[2] ?? process.env["PRISMQ_DIST_DIR"] ?? join(ROOT, "dist"));
const { problems, imports, files } = await checkDistImports(dir, join(ROOT, "package.json"));
if (problems.length > 0) {
  console.error(`check-dist-imports: ${problems.length} problem(s) in ${dir}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
const builtins = new Set(imports.filter((i) => i.specifier.startsWith("node:")).map((i) => i.specifier));
console.log(`check-dist-imports: ${files} files, ${imports.length} imports clean in ${dir} (builtins: ${[...builtins].sort().join(", ")})`);
