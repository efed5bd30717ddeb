/**
 * Builds the API reference (HTML) from the doc comments with `deno doc --html`, one entry point
 * per export path in deno.json (so it documents exactly what JSR and npm publish), into
 * docs/api/ (git-ignored) or the folder given as the first argument. Needs no dependency beyond
 * the Deno the project already installs; `npm run docs:api`, run in CI by .ci/run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const out = resolve(process.argv[2] ?? join(ROOT, "docs", "api"));
const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { name: string; version: string; exports: Record<string, string> };
const entries = Object.values(deno.exports);
const bin = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");

rmSync(out, { recursive: true, force: true });
const started = performance.now();
const r = spawnSync(bin, ["doc", "--html", `--name=${deno.name}@${deno.version}`, `--output=${out}`, ...entries], {
  cwd: ROOT,
  encoding: "utf8",
  env: { ...process.env, NO_COLOR: "1" },
  shell: process.platform === "win32",
});
// deno doc prints "Written N files" on stderr; its type-resolution warnings about @types/node are noise here.
const written = /Written (\d+) files/.exec(r.stderr ?? "");
if (r.status !== 0 || written === null || !existsSync(join(out, "index.html"))) {
  process.stderr.write(r.stderr ?? "");
  console.error(`api-docs: deno doc failed (exit ${r.status})`);
  process.exit(1);
}
console.log(`api-docs: ${written[1]} files for ${entries.length} export paths in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
