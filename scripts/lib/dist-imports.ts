/**
 * Reads every import of the built package with esbuild's parser (static `import`/`export from`,
 * `require(...)` and `import("...")` with a literal) and reports what a user would trip over:
 *
 * - a builtin imported without `node:` (`"fs"`, or worse `"sqlite"`/`"test"`/`"sea"`, which
 *   only exist as `node:sqlite` … and make `import("sqlite")` fail at run time);
 * - a package that is neither a dependency nor a peer dependency (it would be missing for users);
 * - a relative import of a file that is not in the folder;
 * - in the runtime-neutral entries (the core `.` and the browser adapters) and every chunk they
 *   load: a `node:`/`bun:` import or a use of `process`/`Buffer`;
 * - a class defined in more than one file of one module system (ESM `.js`, CommonJS `.cjs`):
 *   each entry point would then carry its own copy and `instanceof` would fail across them.
 *
 * Used by the build (tsdown.config.ts `build:done` hook), by `npm run check:dist-imports`, and by the
 * tarball test on the installed package.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

/** One import found in a built file. */
export interface DistImport {
  /** The file that imports, relative to the dist folder. */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** esbuild's import kind: import-statement, require-call, dynamic-import … */
  readonly kind: string;
}

/** Entries (dist file names without extension) that must load in any runtime. */
export const NEUTRAL_ENTRIES: readonly string[] = ["index", "sqlite-wasm", "wa-sqlite"];

const NEUTRAL_FORBIDDEN: readonly RegExp[] = [/\bprocess\./, /\bBuffer\b/, /\bDeno\./, /\bBun\./];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return jsFiles(p);
    return /\.(c|m)?js$/.test(name) ? [p] : [];
  });
}

/** Every import of one JS file, found by esbuild (nothing is bundled: every import is external). */
async function importsOf(file: string): Promise<{ specifier: string; kind: string }[]> {
  const found: { specifier: string; kind: string }[] = [];
  const collect: Plugin = {
    name: "collect-imports",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        found.push({ specifier: args.path, kind: args.kind });
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    platform: "neutral",
    format: "esm",
    logLevel: "silent",
    // CommonJS files are parsed as such so their require() calls are seen.
    loader: { ".cjs": "js", ".js": "js", ".mjs": "js" },
    plugins: [collect],
  });
  return found;
}

/**
 * Names of the classes a built file defines (`class X`, esbuild's `var X = class`), without the
 * `$1` suffix a bundler adds when it renames a second copy.
 */
function classNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/\bclass\s+([A-Za-z_$][\w$]*)|\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*class\b/g)) {
    const name = (m[1] ?? m[2]!).replace(/\$\d+$/, "");
    if (name !== "extends") names.add(name);
  }
  return names;
}

/** Package names a specifier may come from: `zod/mini` → `zod`, `@a/b/c` → `@a/b`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Checks a built package folder. `distDir` holds the built files; `pkgJsonPath` the package.json
 * whose dependencies may be imported. Returns the problems found (empty when clean) and the
 * imports seen, so callers can print a summary.
 */
export async function checkDistImports(
  distDir: string,
  pkgJsonPath: string,
): Promise<{ problems: string[]; imports: DistImport[]; files: number }> {
  const dir = resolve(distDir);
  const pkg = JSON.parse(readFileSync(pkgJsonPath, "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const allowedPackages = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const problems: string[] = [];
  const imports: DistImport[] = [];
  const graph = new Map<string, string[]>();
  const files = jsFiles(dir);
  if (files.length === 0) problems.push(`${dir}: no built JS files`);

  for (const abs of files) {
    const file = relative(dir, abs);
    const edges: string[] = [];
    for (const { specifier, kind } of await importsOf(abs)) {
      imports.push({ file, specifier, kind });
      if (specifier.startsWith("./") || specifier.startsWith("../")) {
        const target = resolve(dirname(abs), specifier);
        if (!existsSync(target)) problems.push(`${file}: imports ${specifier}, which is not in ${dir}`);
        edges.push(target);
      } else if (specifier.startsWith("node:")) {
        if (!isBuiltin(specifier)) problems.push(`${file}: imports ${specifier}, which is not a Node builtin`);
      } else if (specifier === "bun:sqlite") {
        // Bun's builtin, imported (dynamically, with a literal for `deno publish`) only on Bun by
        // runtime/node/open.ts; the runtime-neutral entries are checked for `bun:` below.
      } else if (isBuiltin(specifier) || isBuiltin(`node:${specifier}`)) {
        problems.push(`${file}: imports the builtin "${specifier}" without the node: prefix (${kind}); it must be "node:${specifier}"`);
      } else if (!allowedPackages.has(packageName(specifier))) {
        problems.push(`${file}: imports "${specifier}", which is neither a dependency nor a peer dependency`);
      }
    }
    graph.set(abs, edges);
  }

  for (const [system, ext] of [["ESM", ".js"], ["CommonJS", ".cjs"]] as const) {
    const definedIn = new Map<string, string[]>();
    for (const abs of files.filter((f) => f.endsWith(ext))) {
      for (const name of classNames(readFileSync(abs, "utf8"))) {
        definedIn.set(name, [...(definedIn.get(name) ?? []), relative(dir, abs)]);
      }
    }
    for (const [name, where] of definedIn) {
      if (where.length > 1) problems.push(`class ${name} is defined in ${where.length} ${system} files (${where.join(", ")}): one copy must be shared`);
    }
  }

  for (const entry of NEUTRAL_ENTRIES) {
    for (const ext of [".js", ".cjs"]) {
      const start = join(dir, entry + ext);
      if (!existsSync(start)) {
        problems.push(`${entry}${ext} is missing`);
        continue;
      }
      const seen = new Set<string>();
      const todo = [start];
      while (todo.length > 0) {
        const f = todo.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        todo.push(...(graph.get(f) ?? []));
        const rel = relative(dir, f);
        for (const i of imports) {
          if (i.file === rel && (i.specifier.startsWith("node:") || i.specifier.startsWith("bun:"))) {
            problems.push(`${entry}${ext} loads ${rel}, which imports ${i.specifier}: this entry must be runtime-neutral`);
          }
        }
        const code = readFileSync(f, "utf8");
        for (const bad of NEUTRAL_FORBIDDEN) {
          if (bad.test(code)) problems.push(`${entry}${ext} loads ${rel}, which uses ${bad.source}: this entry must be runtime-neutral`);
        }
      }
    }
  }
  return { problems, imports, files: files.length };
}
