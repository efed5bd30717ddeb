// SUPERSEDED by tsdown.config.ts (`npm run build` runs tsdown since issue 13). Kept, with the
// tsup devDependency, only while scratch builds (`npx tsup --out-dir …`) are still in use during
// this working session: delete this file and tsup from package.json afterwards.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig, type Options } from "tsup";
import { checkDistImports } from "./scripts/lib/dist-imports.ts";

// Every setting that changes what users get is spelled out here rather than left to a default
// (tsup's defaults have changed between majors and one of them, `removeNodeProtocol`, rewrote
// `import("node:sqlite")` into `import("sqlite")`). `scripts/check-dist-imports.ts` runs after
// the build and fails it if any bare builtin name (or a runtime-specific import in the core)
// appears in the output anyway.

/**
 * One entry per export path, read from deno.json's `exports` (the sources JSR publishes), so the
 * npm build and the JSR package cannot drift apart: `"./node"` → `dist/node.{js,cjs,d.ts,d.cts}`,
 * `"."` → `dist/index.*`. test/package/manifests.test.ts checks package.json's exports match.
 */
const LIBRARY_ENTRIES: Record<string, string> = Object.fromEntries(
  Object.entries((JSON.parse(readFileSync("deno.json", "utf8")) as { exports: Record<string, string> }).exports).map(
    ([path, source]) => [path === "." ? "index" : path.slice(2), source],
  ),
);

const SHEBANG = "#!/usr/bin/env node\n";

/**
 * The bin (`dist/cli.js`) is built in the same ESM pass as the library so it shares the library's
 * chunks (one copy of every class: an error a handlers module throws with classes imported from
 * `@prismq/queue` is `instanceof` the CLI's). A banner would land on every chunk, so the shebang
 * is added to cli.js alone, and the file made executable.
 */
const cliShebang: NonNullable<Options["plugins"]>[number] = {
  name: "prismq-cli-shebang",
  renderChunk(code, info) {
    if (this.format !== "esm" || info.type !== "chunk" || !/(^|[\\/])cli\.js$/.test(info.path)) return;
    info.mode = 0o755;
    return { code: code.startsWith("#!") ? code : SHEBANG + code };
  },
};

/**
 * Empties the output folder before a build, except a `node_modules` entry. tsup's own `clean`
 * deletes every file its glob reaches, and the glob follows symbolic links: a build folder outside the repository
 * that links `node_modules` back to the repository's (so the built files resolve their
 * dependencies) had every file of node_modules but the `.d.ts` deleted. `rmSync` removes a link,
 * never what it points to.
 */
function cleanOutDir(outDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(outDir);
  } catch {
    return; // not there yet
  }
  for (const entry of entries) if (entry !== "node_modules") rmSync(join(outDir, entry), { recursive: true, force: true });
}

export default defineConfig((cli) => {
  cleanOutDir(resolve(cli.outDir ?? "dist"));
  return {
    entry: { ...LIBRARY_ENTRIES, cli: "cli/prismq.ts" },
    format: ["esm", "cjs"],
    outExtension: ({ format }) => ({ js: format === "cjs" ? ".cjs" : ".js" }),
    // Declarations for the export paths only (the bin has no types).
    dts: { entry: LIBRARY_ENTRIES },
    // Never tsup's clean (it follows symlinks): cleanOutDir above empties the folder once per build.
    clean: false,
    // Source maps are not shipped: the published JS is unminified, readable ESM/CJS whose module
    // layout follows src/, so a map would only double the package (issue 13).
    sourcemap: false,
    minify: false,
    target: "es2022",
    // Neutral: the core and the browser/Bun adapters must not pick up Node resolution or shims.
    platform: "neutral",
    shims: false,
    cjsInterop: false,
    // Rollup re-reads esbuild's output: it writes the CommonJS chunks (plain require/exports,
    // unlike tsup's experimental sucrase path for CJS splitting) and drops unused code.
    treeshake: true,
    bundle: true,
    // Keep `node:` on every builtin import (tsup 8/9 strip it by default).
    removeNodeProtocol: false,
    // Builtins stay imports; dependencies and peer dependencies are never bundled.
    external: [/^node:/, /^bun:/, "better-sqlite3", "@sqlite.org/sqlite-wasm", "@journeyapps/wa-sqlite"],
    // Anything else from node_modules (not a dependency) is bundled, as before.
    skipNodeModulesBundle: false,
    // Shared chunks: each class exists once, whatever entry point loads it, in ESM and in CJS
    // (esbuild splits as ESM; rollup, via `treeshake`, writes the CommonJS chunks).
    splitting: true,
    plugins: [cliShebang],
    esbuildOptions(options, { format }) {
      // The bin is ESM only: leave it out of the CommonJS pass.
      if (format === "cjs" && options.entryPoints !== undefined && !Array.isArray(options.entryPoints)) {
        const { cli: _cli, ...rest } = options.entryPoints as Record<string, string>;
        options.entryPoints = rest;
      }
      options.chunkNames = "chunks/[name]-[hash]";
    },
    // Fails the build (also `npx tsup --out-dir …`) when an import in the output is wrong.
    async onSuccess() {
      const outDir = resolve(cli.outDir ?? "dist");
      const { problems, files } = await checkDistImports(outDir, resolve("package.json"));
      if (problems.length > 0) throw new Error(`dist import check failed:\n  ${problems.join("\n  ")}`);
      console.log(`dist import check: ${files} files clean (node: builtins kept, core runtime-neutral)`);
    },
  };
});
