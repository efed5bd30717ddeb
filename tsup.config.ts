import { defineConfig } from "tsup";

// One entry per export path. Core and adapters are runtime-neutral or take structural handles,
// so nothing is bundled in from a database library; the CLI is Node-only.
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      "better-sqlite3": "adapters/better-sqlite3/index.ts",
      "node-sqlite": "adapters/node-sqlite/index.ts",
      node: "adapters/node/index.ts",
      config: "src/config/worker-config.ts",
      "bun-sqlite": "adapters/bun-sqlite/index.ts",
      "sqlite-wasm": "adapters/sqlite-wasm/index.ts",
      "wa-sqlite": "adapters/wa-sqlite/index.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "es2022",
    platform: "neutral",
    external: ["better-sqlite3", "node:sqlite", "node:fs", "node:path", "yaml", "smol-toml", "zod"],
    splitting: false,
  },
  {
    entry: { cli: "cli/prismq.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    external: ["better-sqlite3"],
    banner: { js: "#!/usr/bin/env node" },
    splitting: false,
  },
]);
