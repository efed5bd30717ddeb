import { chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig, type UserConfig } from "tsdown";
import { checkDistImports } from "./scripts/lib/dist-imports.ts";

// The build (`npm run build`, or `npx tsdown --out-dir /tmp/x-dist`). tsdown (rolldown) replaced
// tsup, which is no longer maintained (issue 13). Measured 2026-12 on the same sources, 2 busy
// cores: tsup 9 took 33 s wall / 22 s CPU, tsdown 0.21.10 3.5 s / 2.8 s; the outputs are the
// same shape (ESM + CJS + .d.ts/.d.cts per export path, shared chunks, `node:` kept, the bin
// with its shebang) at 261 KB packed / 936 KB unpacked / 75 files against tsup's 290 KB / 1.03 MB
// / 78, and pass the same checks (dist import check, publint --strict, attw node16, the tarball,
// conformance and README snippet tests). tsdown is pinned to 0.21.10: 0.22+ needs Node 22.18
// to run, and 0.23.5+ pulls optional platform packages some platforms lack on the registry, so
// `npm ci` refused the lockfile.
//
// Every setting that changes what users get is spelled out rather than left to a default.

/**
 * One entry per export path, read from deno.json's `exports` (the sources JSR publishes), so the
 * npm build and the JSR package cannot drift apart: `"./node"` → `dist/node.{js,cjs,d.ts,d.cts}`,
 * `"."` → `dist/index.*`. test/package/manifests.test.ts checks package.json's exports match.
 */
const LIBRARY_ENTRIES: Record<string, string> = Object.fromEntries(
  Object.entries((JSON.parse(readFileSync("deno.json", "utf8")) as { exports: Record<string, string> }).exports)
    // JSR's "./cli" (`deno run -A jsr:@prismq/queue/cli`) is npm's `bin`, built below.
    .filter(([path]) => path !== "./cli")
    .map(([path, source]) => [path === "." ? "index" : path.slice(2), source]),
);

/**
 * Empties the output folder before a build, except a `node_modules` entry. A glob-based clean
 * (tsup's; tsdown's `clean` globs too) follows symbolic links: a build folder outside the
 * repository that links `node_modules` back to the repository's (so the built files resolve
 * their dependencies) had every file of node_modules but the `.d.ts` deleted. `rmSync` removes
 * a link, never what it points to.
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

export default defineConfig((cli): UserConfig => {
  const outDir = resolve(cli.outDir ?? "dist");
  cleanOutDir(outDir);
  // Both formats build in parallel; the checks run once, after the second has written its files.
  let formatsDone = 0;
  return {
    entry: LIBRARY_ENTRIES,
    // The bin (`dist/cli.js`) is built in the same ESM pass as the library so it shares the
    // library's chunks (one copy of every class); it is ESM only.
    // CommonJS has no `import.meta`: the one use (runtime/node/open.ts, behind a `require` check
    // that CommonJS always passes) becomes an empty object, as rolldown would do with a warning.
    format: {
      esm: { entry: { ...LIBRARY_ENTRIES, cli: "cli/prismq.ts" } },
      cjs: { define: { "import.meta": "{}" } },
    },
    outDir,
    outExtensions: ({ format }) => (format === "cjs" ? { js: ".cjs", dts: ".d.cts" } : { js: ".js", dts: ".d.ts" }),
    // Declarations from the core's tsconfig (isolatedDeclarations: emitted without type-checking;
    // `npm run typecheck` checks).
    dts: { tsconfig: "tsconfig.src.json" },
    tsconfig: "tsconfig.src.json",
    clean: false, // cleanOutDir above
    // Source maps are not shipped: the published JS is unminified, readable ESM/CJS whose module
    // layout follows src/, so a map would only double the package (issue 13).
    sourcemap: false,
    minify: false,
    target: "es2022",
    // Neutral: the core and the browser/Bun adapters must not pick up Node resolution or shims.
    platform: "neutral",
    shims: false,
    treeshake: true,
    unbundle: false,
    hash: true,
    // Keep `node:` on every builtin import, as written.
    nodeProtocol: false,
    // Builtins stay imports; dependencies and peer dependencies are never bundled (tsdown
    // externalises package.json's dependencies and peerDependencies; the peers are listed too).
    deps: { neverBundle: [/^node:/, /^bun:/, "better-sqlite3", "@sqlite.org/sqlite-wasm", "@journeyapps/wa-sqlite", "postgres", "@electric-sql/pglite"] },
    // `npm run test:dist` runs publint and attw on the packed package.
    publint: false,
    attw: false,
    report: true,
    outputOptions: (options, format) => ({
      ...options,
      // JSDoc lives in the .d.ts; the JS carries none, so the dist import check reads code only.
      comments: { legal: true, annotation: true, jsdoc: false },
      // CommonJS chunks must be .cjs: the package is "type": "module".
      chunkFileNames: `chunks/[name]-[hash].${format === "cjs" ? "cjs" : "js"}`,
    }),
    plugins: [
      {
        // A banner would land on every chunk: the shebang goes on cli.js alone.
        name: "prismq-cli-shebang",
        renderChunk(code, chunk, outputOptions) {
          if (outputOptions.format !== "es" || chunk.fileName !== "cli.js") return null;
          return code.startsWith("#!") ? null : `#!/usr/bin/env node\n${code}`;
        },
      },
    ],
    hooks: {
      // Fails the build when an import in the output is wrong (scripts/lib/dist-imports.ts).
      "build:done": async () => {
        if (++formatsDone < 2) return;
        chmodSync(join(outDir, "cli.js"), 0o755);
        rmSync(join(outDir, "cli.d.ts"), { force: true }); // the bin has no types
        const { problems, files } = await checkDistImports(outDir, resolve("package.json"));
        if (problems.length > 0) throw new Error(`dist import check failed:\n  ${problems.join("\n  ")}`);
        console.log(`dist import check: ${files} files clean (node: builtins kept, core runtime-neutral)`);
      },
    },
  };
});
