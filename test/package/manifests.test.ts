/**
 * The npm package (package.json) and the JSR package (deno.json) describe one library: same
 * name and version, the same export paths, JSR's exports pointing at `.ts` sources that exist,
 * npm's at the dist files the build makes from those same sources (tsdown.config.ts reads
 * deno.json), and the same dependency ranges on both sides.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/dist.ts";

interface Conditional {
  readonly types: string;
  readonly default: string;
}
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, string | { import: Conditional; require: Conditional }>;
  main: string;
  module: string;
  types: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, string>;
  imports: Record<string, string>;
};

test("manifests: package.json and deno.json have the same name and version", () => {
  assert.equal(deno.name, pkg.name);
  assert.equal(deno.version, pkg.version);
});

test("manifests: the same export paths on npm and JSR", () => {
  const npmPaths = Object.keys(pkg.exports).filter((p) => p !== "./package.json").sort();
  // JSR's "./cli" is the CLI for `deno run`; npm ships the same file as the `prismq` bin.
  assert.deepEqual(Object.keys(deno.exports).filter((p) => p !== "./cli").sort(), npmPaths);
  assert.equal(deno.exports["./cli"], "./cli/prismq.ts");
  assert.equal((pkg as unknown as { bin: Record<string, string> }).bin["prismq"], "./dist/cli.js");
});

test("manifests: JSR exports point at .ts sources that exist", () => {
  for (const [path, source] of Object.entries(deno.exports)) {
    assert.match(source, /^\.\/.+\.ts$/, `deno.json exports["${path}"]`);
    assert.ok(existsSync(join(ROOT, source)), `deno.json exports["${path}"]: ${source} does not exist`);
  }
});

test("manifests: npm exports point at dist/<entry>.{js,cjs,d.ts,d.cts} with types first", () => {
  for (const path of Object.keys(deno.exports).filter((p) => p !== "./cli")) {
    const base = path === "." ? "index" : path.slice(2);
    const entry = pkg.exports[path];
    assert.ok(typeof entry === "object", `package.json exports["${path}"] is a condition map`);
    // Key order matters to resolvers: "types" must come before "default".
    assert.deepEqual(Object.keys(entry.import), ["types", "default"]);
    assert.deepEqual(Object.keys(entry.require), ["types", "default"]);
    assert.deepEqual(entry.import, { types: `./dist/${base}.d.ts`, default: `./dist/${base}.js` }, path);
    assert.deepEqual(entry.require, { types: `./dist/${base}.d.cts`, default: `./dist/${base}.cjs` }, path);
  }
  assert.equal(pkg.main, "./dist/index.cjs");
  assert.equal(pkg.module, "./dist/index.js");
  assert.equal(pkg.types, "./dist/index.d.ts");
});

test("manifests: JSR's npm: imports use package.json's dependency ranges", () => {
  const seen = new Set<string>();
  // Optional peers (the PostgreSQL clients) are imported by their adapters with the peer range.
  const ranges: Record<string, string> = { ...pkg.peerDependencies, ...pkg.dependencies };
  for (const [key, target] of Object.entries(deno.imports)) {
    const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/]+)/.exec(target);
    assert.ok(m !== null, `deno.json imports["${key}"] = ${target} is not an npm: specifier`);
    const [, name, range] = m;
    assert.equal(range, ranges[name!], `deno.json imports["${key}"]: ${name}@${range}, package.json has ${ranges[name!]}`);
    seen.add(name!);
  }
  // Every runtime dependency is reachable from JSR too.
  assert.deepEqual(
    [...seen].filter((n) => pkg.dependencies[n] !== undefined).sort(),
    Object.keys(pkg.dependencies).sort(),
  );
});
