/**
 * Every ```ts snippet of README.md type-checks under strict TypeScript against the package's
 * published types: the build (dist/, or `PRISMQ_DIST_DIR`) is staged as npm would pack it into
 * `node_modules/@prismq/queue` of a scratch project under .tmp/ (git-ignored; inside the
 * repository so the package's own dependencies resolve from its node_modules), each snippet
 * becomes one module there, and `tsc --noEmit` checks them with `strict`,
 * `noUncheckedIndexedAccess` and `exactOptionalPropertyTypes`.
 *
 * Snippets use a few names they do not define (`render`, `db`, `mailer`…): they are declared in
 * PLACEHOLDERS below with the types a reader would have, never `any`. Bun's `bun:sqlite` has no
 * types installed here: the repository's own declaration of it (conformance/runners/bun-modules.d.ts)
 * is copied in. A snippet preceded by
 * `<!-- snippet: skip-typecheck -->` is left out (for text that is not meant to compile); the
 * test reports how many were, so the list stays short.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DIST_DIR, ROOT } from "../helpers/dist.ts";
import { stagePackage } from "../../scripts/lib/pack.ts";

const run = promisify(execFile);
const SKIP = "<!-- snippet: skip-typecheck -->";

/** One ```ts block: its first line's number in README.md and its text. */
export interface Snippet {
  readonly line: number;
  readonly code: string;
  readonly skipped: boolean;
}

/** The ```ts blocks of a Markdown text, with whether a skip marker precedes each. */
export function tsSnippets(markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    out.push({ line: start + 1, code: lines.slice(start, end).join("\n"), skipped: prev >= 0 && lines[prev]!.trim() === SKIP });
    i = end;
  }
  return out;
}

/** Names the README's snippets use without defining them, typed as the reader would have them. */
const PLACEHOLDERS = `
import type { QueueDatabase, TaskManager, WorkRegistry } from "@prismq/queue";
declare global {
  /** The reader's own work. */
  function render(payload: { video_id: string; format: string }, options: { signal: AbortSignal }): Promise<void>;
  function send(payload: unknown, signal: AbortSignal): Promise<void>;
  const mailer: { send(to: string, options: { signal: AbortSignal }): Promise<void> };
  const youtube: { search(params: Record<string, unknown>): Promise<unknown> };
  /** An open queue, from an earlier snippet. */
  const db: QueueDatabase;
  const taskId: number;
  const registry: WorkRegistry;
  const manager: TaskManager;
  /** The Deno and Bun servers, as the serving snippet calls them (their own types are not installed here). */
  const Deno: { serve(options: { hostname: string; port: number }, handler: (request: Request) => Response | Promise<Response>): unknown };
  const Bun: { serve(options: { hostname: string; port: number; fetch: (request: Request) => Response | Promise<Response> }): unknown };
}
export {};
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023", "DOM"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  },
  include: ["*.ts"],
};

let dir: string;
let snippets: Snippet[];

before(() => {
  snippets = tsSnippets(readFileSync(join(ROOT, "README.md"), "utf8"));
  dir = join(ROOT, ".tmp", `readme-snippets-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules", "@prismq"), { recursive: true });
  const stage = stagePackage(ROOT, DIST_DIR);
  try {
    cpSync(stage, join(dir, "node_modules", "@prismq", "queue"), { recursive: true });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "readme-snippets", private: true, type: "module" }));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(dir, "placeholders.ts"), PLACEHOLDERS);
  cpSync(join(ROOT, "conformance", "runners", "bun-modules.d.ts"), join(dir, "bun-modules.d.ts"));
  for (const s of snippets) {
    // `export {}` makes every snippet a module (its own scope, top-level await allowed).
    if (!s.skipped) writeFileSync(join(dir, `readme-line-${s.line}.ts`), `${s.code}\nexport {};\n`);
  }
});

after(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test("README: the snippet extractor finds ```ts blocks and skip markers", () => {
  const md = ["x", "```ts", "const a = 1;", "```", "", SKIP, "", "```ts", "broken(", "```", "```sh", "ls", "```"].join("\n");
  assert.deepEqual(tsSnippets(md), [
    { line: 3, code: "const a = 1;", skipped: false },
    { line: 9, code: "broken(", skipped: true },
  ]);
});

test("README: every ```ts snippet type-checks under strict TypeScript against the package's types", async (t) => {
  const checked = snippets.filter((s) => !s.skipped);
  t.diagnostic(`${checked.length} snippets checked, ${snippets.length - checked.length} marked ${SKIP}`);
  assert.ok(checked.length >= 5, `only ${checked.length} snippets found in README.md`);
  try {
    await run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", dir], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    // readme-line-N.ts(L,C): the snippet starting at README line N, its line L.
    const report = (e.stdout ?? "").replace(/readme-line-(\d+)\.ts\((\d+),(\d+)\)/g, (_m, n: string, l: string, c: string) => `README.md:${Number(n) + Number(l) - 1}:${c}`);
    assert.fail(`README snippets do not type-check:\n${report}${e.stderr ?? ""}`);
  }
});
