/**
 * Keeps the layout honest: the core (src/) imports no runtime or driver and nothing from
 * adapters/; an adapter imports from the core only the driver contract, errors and internals
 * (the Node opener may also use QueueDatabase, the maintenance classes and the sibling adapters).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const problems: string[] = [];
const importRe = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");

for (const file of files("src")) {
  const code = stripComments(readFileSync(file, "utf8"));
  for (const m of code.matchAll(importRe)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith(".")) {
      if (spec.includes("adapters/")) problems.push(`${file}: imports ${spec} (src/ must not import adapters/)`);
    } else if (
      !["zod/mini", "zod/locales", "@standard-schema/spec", "yaml", "smol-toml"].includes(spec) &&
      // The HTTP layer's libraries speak web-standard Request/Response only.
      !(file.startsWith(join("src", "http") + "/") && /^(hono(\/[a-z-]+)?|@hono\/zod-openapi)$/.test(spec))
    ) {
      problems.push(`${file}: imports "${spec}" (src/ is runtime-neutral)`);
    }
  }
  for (const bad of [/\bprocess\./, /\bBuffer\b/, /\bDeno\./, /\bBun\./, /\brequire\(/]) {
    if (bad.test(code)) problems.push(`${file}: uses ${bad.source} (src/ is runtime-neutral)`);
  }
}

const allowedCore = [/^src\/driver\.ts$/, /^src\/errors\.ts$/, /^src\/internal\//];
for (const file of files("adapters")) {
  const isNodeOpener = file.startsWith(join("adapters", "node") + "/");
  for (const m of stripComments(readFileSync(file, "utf8")).matchAll(importRe)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith(".")) continue;
    const target = relative(".", join(file, "..", spec));
    if (target.startsWith("adapters/")) {
      if (!isNodeOpener) problems.push(`${file}: imports another adapter ${target}`);
      continue;
    }
    if (allowedCore.some((re) => re.test(target))) continue;
    // The Node entry opens files for the core's database, backup and maintenance classes.
    if (isNodeOpener && (target === "src/database.ts" || target.startsWith("src/maintenance/"))) continue;
    // It also runs a worker process (runWorkerProcess), through the core's public entry.
    if (isNodeOpener && (target === "src/index.ts" || target === "src/config/worker-config.ts")) continue;
    problems.push(`${file}: imports ${target} (adapters take only the driver contract, errors and internals)`);
  }
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`check-imports: ${files("src").length} core and ${files("adapters").length} adapter files clean`);
