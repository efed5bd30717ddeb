/**
 * The built `prismq` (`DIST_CLI`) as a dispatcher: every command is reachable and listed in
 * `prismq --help`, and the rules every command shares hold for each of them: an empty or
 * ':memory:' --db and a number that is not plain decimal digits are refused with exit 2, naming
 * the flag, before anything is opened or created.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI } from "./helpers/dist.ts";

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = "";
let config = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "prismq-cli-commands-"));
  config = join(dir, "worker.yaml");
  writeFileSync(config, "concurrency: 1\n");
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The default database of every run is in the temp folder, never the platform default. */
function env(): NodeJS.ProcessEnv {
  return { ...process.env, PRISMQ_QUEUE_DB_PATH: join(dir, "default.db"), PRISMQ_HTTP_TOKEN: "", PRISMQ_HTTP_READ_TOKEN: "" };
}

function prismq(...args: string[]): RunResult {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: "utf8", env: env(), timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs without blocking, so the many usage-error runs overlap. */
function prismqAsync(...args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_CLI, ...args], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const COMMANDS = [
  "init",
  "enqueue",
  "list",
  "stats",
  "metrics",
  "backup",
  "restore",
  "maintenance",
  "worker",
  "serve",
  "export",
  "import",
  "drain",
  "demo",
] as const;

/** The arguments each command needs besides --db to get as far as checking its database path. */
function argsFor(command: (typeof COMMANDS)[number]): string[] {
  switch (command) {
    case "enqueue":
      return ["email"];
    case "restore":
      return [config]; // any existing file: the target path is checked before the backup is read
    case "maintenance":
      return ["stats"];
    case "worker":
      return ["--config", config, "--handlers", join(dir, "handlers.mjs")];
    case "import":
      return ["-"];
    default:
      return [];
  }
}

describe("prismq (built) dispatcher", () => {
  test("--help lists every command, and each command's --help and 'help COMMAND' print its usage", async () => {
    const top = prismq("--help");
    assert.equal(top.code, 0, top.stderr);
    for (const c of COMMANDS) assert.match(top.stdout, new RegExp(`^  prismq ${c} `, "m"), `${c} in prismq --help`);
    const runs = await Promise.all(COMMANDS.flatMap((c) => [prismqAsync(c, "--help"), prismqAsync("help", c)]));
    for (const [i, r] of runs.entries()) {
      const c = COMMANDS[Math.floor(i / 2)]!;
      assert.equal(r.code, 0, `${c}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: prismq ${c}\\b`), c);
      assert.match(r.stdout, /--db PATH/, `${c} documents --db`);
    }
  });

  test("every command refuses an empty or ':memory:' --db with exit 2 and creates nothing", async () => {
    const cases = COMMANDS.flatMap((c) => ["", ":memory:"].map((db) => ({ c, db })));
    const runs = await Promise.all(cases.map(({ c, db }) => prismqAsync(c, ...argsFor(c), "--db", db)));
    for (const [i, r] of runs.entries()) {
      const { c, db } = cases[i]!;
      assert.equal(r.code, 2, `${c} --db '${db}': ${r.stderr}`);
      assert.match(r.stderr, db === "" ? /--db is empty/ : /--db is ':memory:'/, c);
      assert.equal(r.stderr.split("\n").filter(Boolean).length, 1, `${c}: one line, no stack`);
    }
    assert.equal(existsSync(join(dir, "default.db")), false);
  });

  test("numeric flags take plain decimal digits only; anything else is exit 2 naming the flag", async () => {
    const db = join(dir, "numbers.db");
    const bads = ["0x10", "1e3", " 5", "5 ", "+5", "1_000", "0b1", "Infinity", "", "1.5"];
    const flags: [string[], string][] = [
      [["enqueue", "email"], "--priority"],
      [["enqueue", "email"], "--max-attempts"],
      [["list"], "--limit"],
      [["backup"], "--keep"],
      [["demo"], "--tasks"],
      [["serve"], "--port"],
      [["drain"], "--timeout-ms"],
      [["maintenance", "purge"], "--older-than-ms"],
    ];
    // Two bad values per flag, every bad value used (each run is a process on a shared machine).
    const cases: [string[], string][] = flags.flatMap(([head, flag], i) =>
      [bads[i % bads.length]!, bads[(i + flags.length) % bads.length]!].map((bad): [string[], string] => [[...head, `${flag}=${bad}`], flag]),
    );
    const runs = await Promise.all(cases.map(([args]) => prismqAsync(...args, "--db", db)));
    for (const [i, r] of runs.entries()) {
      const [args, flag] = cases[i]!;
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${flag} expects an integer in plain decimal digits`), args.join(" "));
    }
    assert.equal(existsSync(db), false, "nothing was created");
    // Plain digits (with a leading '-' where negative values make sense) are taken.
    const ok = prismq("enqueue", "email", "--priority=-5", "--max-attempts", "007", "--db", db);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test("demo points to prismq serve and the dashboard URL", () => {
    const db = join(dir, "demo db.sqlite");
    const r = prismq("demo", "--db", db, "--tasks", "10", "--workers", "1");
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.startsWith("dashboard: "));
    assert.ok(line !== undefined, r.stdout);
    assert.ok(line.includes(`prismq serve --db '${db}'`), line);
    assert.match(line, /http:\/\/127\.0\.0\.1:8080\//);
  });
});
