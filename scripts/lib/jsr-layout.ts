/**
 * The JSR package as `deno publish` would upload it: the files deno.json's `publish.include`
 * selects (minus `publish.exclude`), copied to a folder, and an import map that resolves
 * `@prismq/queue` and each export path onto that copy through deno.json's `exports`, with
 * deno.json's own `imports` for the dependencies. A file the published sources need but
 * `publish` leaves out fails the run that uses the map.
 */
import { cpSync, globSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

interface DenoJson {
  readonly name: string;
  readonly exports: Record<string, string>;
  readonly imports?: Record<string, string>;
  readonly publish?: { readonly include?: readonly string[]; readonly exclude?: readonly string[] };
}

/** An import map: specifier (or prefix ending in "/") → target. */
export type ImportMap = Record<string, string>;

/**
 * Copies the published files of `root` into `dest` and returns an import map (relative to
 * `mapDir`) for the package's name and export paths plus deno.json's `imports`.
 */
export function stageJsrLayout(root: string, dest: string, mapDir: string): { files: string[]; imports: ImportMap } {
  const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as DenoJson;
  const include = deno.publish?.include ?? ["**/*"];
  const exclude = (deno.publish?.exclude ?? []).map((e) => e.replace(/\/+$/, ""));
  const excluded = (f: string): boolean => exclude.some((e) => f === e || f.startsWith(`${e}/`));
  const files = [...new Set(include.flatMap((pattern) => globSync(pattern, { cwd: root })))]
    .filter((f) => !excluded(f) && !f.split("/").includes("node_modules"))
    .sort();
  for (const f of files) {
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(join(root, f), join(dest, f));
  }
  const rel = (p: string): string => {
    const r = relative(mapDir, join(dest, p));
    return r.startsWith(".") ? r : `./${r}`;
  };
  const imports: ImportMap = { ...(deno.imports ?? {}) };
  for (const [path, source] of Object.entries(deno.exports)) {
    imports[`${deno.name}${path === "." ? "" : path.slice(1)}`] = rel(source);
  }
  return { files, imports };
}
