/**
 * The conformance suite compiled against the published package instead of the sources.
 *
 * conformance/ imports the core through relative paths (`../../src/client.ts`,
 * `../../adapters/sqlite-wasm/index.ts`). Bundling a runner with esbuild and a resolve plugin
 * turns every such import into an external import of the package's export path that publishes
 * that file (`@prismq/queue`, `@prismq/queue/sqlite-wasm`, …, read from deno.json's exports), so
 * the bundle carries the suite (and fast-check) and nothing of the library: the library is
 * whatever the runtime resolves `@prismq/queue` to — the installed tarball, or JSR's layout
 * through an import map. A name the suite needs that the package does not export fails the run
 * when the module links, which is the point: the suite can only use the public API.
 *
 * The conformance files are read as they are in the working tree; nothing under conformance/ is
 * copied or edited.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/** The repository root (scripts/lib/ → ../..). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The library's own source folders: their files are the package, never bundled into a runner. */
const LIBRARY_DIRS = ["src", "adapters", "runtime"];

/** Libraries every runner leaves to the runtime: builtins, the optional peers (the user installs them). */
const PEERS = ["better-sqlite3", "@sqlite.org/sqlite-wasm", "@journeyapps/wa-sqlite"];

/** How a bundle names the package: `@prismq/queue/x` (Node, Bun, Deno via import map) or `npm:@prismq/queue/x` (Deno). */
export type SpecifierStyle = "bare" | "npm";

/** What to bundle. */
export interface SuiteBundle {
  /** Runner source, e.g. conformance/runners/package/node.test.ts. */
  readonly entry: string;
  /** Output file. */
  readonly outfile: string;
  readonly format: "esm" | "cjs";
  readonly platform: "node" | "neutral" | "browser";
  /** @default "bare" */
  readonly specifiers?: SpecifierStyle;
}

/** deno.json's export map reversed: absolute source file → export path ("." or "./x"). */
export function exportsBySource(root: string = REPO_ROOT): Map<string, string> {
  const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { name: string; exports: Record<string, string> };
  return new Map(Object.entries(deno.exports).map(([path, source]) => [resolve(root, source), path]));
}

/**
 * The export path that publishes `file` (an absolute path under src/, adapters/ or runtime/): the
 * export whose source it is, else the export of its folder's index.ts, else the core (".").
 */
export function exportPathFor(file: string, bySource: Map<string, string>, root: string = REPO_ROOT): string {
  const direct = bySource.get(file);
  if (direct !== undefined) return direct;
  const rel = relative(root, file).split(sep);
  if (rel[0] !== "src") {
    // adapters/<name>/… and runtime/<name>/…: the export of that folder's index.ts.
    const folder = join(root, rel[0] ?? "", rel[1] ?? "", "index.ts");
    const path = bySource.get(folder);
    if (path === undefined) throw new Error(`${relative(root, file)} is in a folder that no export path publishes`);
    return path;
  }
  return ".";
}

/** esbuild plugin: the library's own files become external imports of the package. */
function packageImports(style: SpecifierStyle, seen: Set<string>): Plugin {
  const bySource = exportsBySource();
  const libraryDirs = LIBRARY_DIRS.map((d) => join(REPO_ROOT, d) + sep);
  const prefix = style === "npm" ? "npm:" : "";
  return {
    name: "prismq-package-imports",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        if (!libraryDirs.some((d) => file.startsWith(d))) return undefined;
        const path = exportPathFor(file, bySource);
        const specifier = `${prefix}@prismq/queue${path === "." ? "" : path.slice(1)}`;
        seen.add(specifier);
        return { path: specifier, external: true };
      });
      // The peers, as the user's project resolves them (Deno: from node_modules via npm:).
      b.onResolve({ filter: /^(better-sqlite3|@sqlite\.org\/sqlite-wasm|@journeyapps\/wa-sqlite)(\/.*)?$/ }, (args) => ({
        path: `${prefix}${args.path}`,
        external: true,
      }));
    },
  };
}

/**
 * Bundles one runner against the package. Returns the package specifiers the bundle imports.
 * Fails when any file of src/ or adapters/ ended up inside the bundle.
 */
export async function bundleSuite(opts: SuiteBundle): Promise<string[]> {
  const seen = new Set<string>();
  const result = await build({
    entryPoints: [opts.entry],
    outfile: opts.outfile,
    bundle: true,
    format: opts.format,
    platform: opts.platform,
    target: "es2022",
    metafile: true,
    logLevel: "warning",
    absWorkingDir: REPO_ROOT,
    external: ["node:*", "bun:*", "bun", ...PEERS],
    plugins: [packageImports(opts.specifiers ?? "bare", seen)],
    // targets/wasm.ts resolves the wa-sqlite files with createRequire(import.meta.url).
    ...(opts.format === "cjs"
      ? {
          define: { "import.meta.url": "__prismqImportMetaUrl" },
          banner: { js: 'const __prismqImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
        }
      : {}),
  });
  const leaked = Object.keys(result.metafile.inputs).filter((f) => LIBRARY_DIRS.some((d) => f.startsWith(`${d}/`)));
  if (leaked.length > 0) throw new Error(`library sources were bundled into ${opts.outfile}: ${leaked.join(", ")}`);
  if (seen.size === 0) throw new Error(`${opts.entry} imports nothing from the package`);
  return [...seen].sort();
}

/**
 * esbuild plugin for a browser bundle of the suite built from an installed package: every file
 * of src/ or adapters/ resolves to the export path of `@prismq/queue` that publishes it, as
 * installed in `project` (so the package's dist files are bundled, not the sources), and the
 * suite's self-test module (which needs the library's internals, not the package) becomes a
 * stub. `seen` collects the package files the bundle took.
 */
export function browserPackagePlugin(project: string, seen: Set<string>): Plugin {
  const bySource = exportsBySource();
  const libraryDirs = LIBRARY_DIRS.map((d) => join(REPO_ROOT, d) + sep);
  const selfTest = join(REPO_ROOT, "conformance", "self-test.ts");
  return {
    name: "prismq-browser-package",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        const file = resolve(args.resolveDir, args.path);
        if (file === selfTest) return { path: "self-test-stub", namespace: "prismq-stub" };
        if (!libraryDirs.some((d) => file.startsWith(d))) return undefined;
        const path = exportPathFor(file, bySource);
        const specifier = `@prismq/queue${path === "." ? "" : path.slice(1)}`;
        const r = await b.resolve(specifier, { kind: args.kind, resolveDir: project });
        if (r.errors.length > 0) return { errors: r.errors };
        seen.add(r.path);
        return { path: r.path };
      });
      b.onLoad({ filter: /.*/, namespace: "prismq-stub" }, () => ({
        contents: 'export function defineSelfTest() { throw new Error("the self-test runs from the sources only"); }',
        loader: "js",
      }));
    },
  };
}
