/**
 * Keeps the layout honest:
 * - the core (src/) imports no runtime or driver and nothing from adapters/ or runtime/;
 * - an adapter (adapters/<driver>/) translates one driver API to the core's Driver contract: it
 *   imports from the core only the driver contract, errors and internals, and no other adapter
 *   and nothing from runtime/;
 * - a runtime opener (runtime/node/, the `@prismq/queue/node` entry) opens files, backups and
 *   worker processes for the core: it may use the adapters and the core's database, maintenance,
 *   config and public entry;
 * - no import cycle among adapters/ and runtime/ files.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    // Repository paths in "/" form on every OS (Windows' fs takes them), as the checks below expect.
    const p = posix.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const problems: string[] = [];
// `import … from "x"`, `export … from "x"`, `import("x")` and the side-effect `import "x"`.
const importRe = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|\bimport\s*["']([^"']+)["']/g;

const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");

for (const file of files("src")) {
  const code = stripComments(readFileSync(file, "utf8"));
  for (const m of code.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) {
      if (/(^|\/)(adapters|runtime)\//.test(spec)) problems.push(`${file}: imports ${spec} (src/ must not import adapters/ or runtime/)`);
    } else if (
      !["zod/mini", "zod/locales", "@standard-schema/spec", "yaml", "smol-toml", "croner", "@lukeed/ms"].includes(spec) &&
      // The HTTP layer's libraries speak web-standard Request/Response only.
      !(file.startsWith("src/http/") && /^(hono(\/[a-z-]+)?|@hono\/zod-openapi)$/.test(spec))
    ) {
      problems.push(`${file}: imports "${spec}" (src/ is runtime-neutral)`);
    }
  }
  for (const bad of [/\bprocess\./, /\bBuffer\b/, /\bDeno\./, /\bBun\./, /\brequire\(/]) {
    if (bad.test(code)) problems.push(`${file}: uses ${bad.source} (src/ is runtime-neutral)`);
  }
}

/** Relative imports of one file, as repository paths. */
function localImports(file: string): string[] {
  const out: string[] = [];
  for (const m of stripComments(readFileSync(file, "utf8")).matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) out.push(relative(".", join(file, "..", spec)).split(sep).join("/"));
  }
  return out;
}

const allowedCore = [/^src\/driver\.ts$/, /^src\/errors\.ts$/, /^src\/internal\//];
for (const file of files("adapters")) {
  for (const target of localImports(file)) {
    if (target.startsWith("runtime/")) {
      problems.push(`${file}: imports ${target} (an adapter translates a driver; opening files is runtime/'s job)`);
    } else if (target.startsWith("adapters/")) {
      if (target.split("/")[1] !== file.split("/")[1]) problems.push(`${file}: imports another adapter ${target}`);
    } else if (
      !allowedCore.some((re) => re.test(target)) &&
      // The PostgreSQL adapters ship the dialect they pair with and share its value/error codecs.
      !(/^adapters\/(postgres|pglite)\//.test(file) && /^src\/dialect\/postgres\//.test(target))
    ) {
      problems.push(`${file}: imports ${target} (adapters take only the driver contract, errors and internals)`);
    }
  }
}

// The runtime openers open files for the core's database, backup and maintenance classes, and
// run a worker process (runWorkerProcess) through the core's public entry and config type.
const allowedForRuntime = [
  ...allowedCore,
  /^src\/database\.ts$/,
  /^src\/maintenance\//,
  /^src\/index\.ts$/,
  /^src\/config\/worker-config\.ts$/,
  /^adapters\/[a-z0-9-]+\/index\.ts$/,
  /^runtime\//,
];
for (const file of files("runtime")) {
  for (const target of localImports(file)) {
    if (!allowedForRuntime.some((re) => re.test(target))) {
      problems.push(`${file}: imports ${target} (runtime/ takes the adapters' entries, the core's database, maintenance, config and public entry)`);
    }
  }
}

// No cycle among adapters/ and runtime/ (src/ is checked by its own tools).
const graphFiles = [...files("adapters"), ...files("runtime")];
const graph = new Map(graphFiles.map((f) => [f, localImports(f).filter((t) => graphFiles.includes(t))]));
const state = new Map<string, "open" | "done">();
function visit(file: string, path: string[]): void {
  if (state.get(file) === "done") return;
  if (state.get(file) === "open") {
    problems.push(`import cycle: ${[...path.slice(path.indexOf(file)), file].join(" -> ")}`);
    return;
  }
  state.set(file, "open");
  for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
  state.set(file, "done");
}
for (const file of graphFiles) visit(file, []);

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(
  `check-imports: ${files("src").length} core, ${files("adapters").length} adapter and ${files("runtime").length} runtime files clean, no cycle`,
);
