/**
 * Issue 13 item 5, Windows paths checked on Linux: the platform, environment, working folder and
 * `path.win32` are injected into the same functions the package and the CLI use, so the default
 * `C:\Data\PrismQ\queue\queue.db` and users' relative, UNC and drive-relative paths are resolved
 * by Windows' rules here. The default and `resolveDbPath` come from the BUILT package.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { absoluteDbPath, type DbPathHost, dbFolderOf } from "../runtime/node/db-path.ts";
import { dbPathOf } from "../cli/lib/db.ts";
import { UsageError } from "../cli/lib/args.ts";
import { importDist } from "./helpers/dist.ts";

const core = await importDist<typeof import("../src/index.ts")>("index.js");
const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");

const WIN_DEFAULT = "C:\\Data\\PrismQ\\queue\\queue.db";
const win = (env: Record<string, string | undefined> = {}, cwd = "C:\\Users\\me\\work"): DbPathHost => ({
  platform: "win32",
  env,
  cwd,
  path: path.win32,
});

describe("default database path per platform (built package)", () => {
  it("win32: C:\\Data\\PrismQ\\queue\\queue.db, an absolute Windows path whose folder is C:\\Data\\PrismQ\\queue", () => {
    const p = core.defaultDbPath({}, "win32");
    assert.equal(p, WIN_DEFAULT);
    assert.ok(path.win32.isAbsolute(p));
    assert.equal(path.win32.resolve("D:\\elsewhere", p), p, "resolving keeps it as it is");
    assert.equal(dbFolderOf(p, win()), "C:\\Data\\PrismQ\\queue", "the folder openDriver creates");
    assert.equal(node.resolveDbPath(undefined, { platform: "win32", env: {} }), WIN_DEFAULT);
  });

  it("other platforms: /tmp/prismq/queue/queue.db; PRISMQ_QUEUE_DB_PATH wins on every platform", () => {
    for (const p of ["linux", "darwin"]) assert.equal(core.defaultDbPath({}, p), "/tmp/prismq/queue/queue.db");
    const unc = "\\\\nas\\queues\\prismq.db";
    assert.equal(node.resolveDbPath(undefined, { platform: "win32", env: { PRISMQ_QUEUE_DB_PATH: unc } }), unc);
    assert.equal(node.resolveDbPath("given.db", { platform: "win32", env: { PRISMQ_QUEUE_DB_PATH: unc } }), "given.db");
    assert.equal(core.defaultDbPath({ PRISMQ_QUEUE_DB_PATH: "" }, "win32"), WIN_DEFAULT, "an empty variable is unset");
  });
});

describe("users' database paths on Windows (CLI and runtime resolution with path.win32)", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["queue.db", "C:\\Users\\me\\work\\queue.db"],
    ["data/q.db", "C:\\Users\\me\\work\\data\\q.db"],
    ["data\\q.db", "C:\\Users\\me\\work\\data\\q.db"],
    ["..\\shared\\q.db", "C:\\Users\\me\\shared\\q.db"],
    ["\\q.db", "C:\\q.db"],
    ["C:q.db", "C:\\Users\\me\\work\\q.db"],
    ["D:\\Queues\\q.db", "D:\\Queues\\q.db"],
    ["\\\\server\\share\\prismq\\q.db", "\\\\server\\share\\prismq\\q.db"],
    ["//server/share/prismq/q.db", "\\\\server\\share\\prismq\\q.db"],
  ];
  for (const [given, want] of cases) {
    it(`--db ${given} -> ${want}`, () => {
      assert.equal(dbPathOf({ db: given }, undefined, win()), want);
      assert.equal(absoluteDbPath(given, win()), want);
      assert.equal(dbFolderOf(given, win()), path.win32.dirname(want));
    });
  }

  it("a drive-relative path on another drive (D:q.db) stays on that drive, absolute", () => {
    const got = dbPathOf({ db: "D:q.db" }, undefined, win());
    assert.ok(path.win32.isAbsolute(got) && got.startsWith("D:\\") && got.endsWith("\\q.db"), got);
  });

  it("the CLI's order on Windows: --db, then $PRISMQ_QUEUE_DB_PATH, then the config's path, then C:\\Data\\…", () => {
    const env = { PRISMQ_QUEUE_DB_PATH: "env.db" };
    assert.equal(dbPathOf({ db: "flag.db" }, "config.db", win(env)), "C:\\Users\\me\\work\\flag.db");
    assert.equal(dbPathOf({}, "config.db", win(env)), "C:\\Users\\me\\work\\env.db");
    assert.equal(dbPathOf({}, "config.db", win()), "C:\\Users\\me\\work\\config.db");
    assert.equal(dbPathOf({}, undefined, win()), WIN_DEFAULT);
    assert.equal(dbPathOf({}, undefined, win({}, "E:\\")), WIN_DEFAULT, "the default does not depend on the working folder");
    assert.throws(() => dbPathOf({}, undefined, win({ PRISMQ_QUEUE_DB_PATH: "" })), UsageError, "an empty variable is refused, not a throw-away database");
  });

  it("the same functions keep POSIX behaviour with path.posix", () => {
    const posix: DbPathHost = { platform: "linux", env: {}, cwd: "/home/me/work", path: path.posix };
    assert.equal(dbPathOf({ db: "data/q.db" }, undefined, posix), "/home/me/work/data/q.db");
    assert.equal(dbPathOf({}, undefined, posix), "/tmp/prismq/queue/queue.db");
  });
});
