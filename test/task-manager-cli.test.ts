/**
 * `prismq export`, `prismq import` and `prismq drain` through the built CLI: output,
 * files, idempotent re-import, exit codes, and bad input refused with nothing stored.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { DIST_CLI } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";
import { core, FILE_DRIVERS } from "./fixtures/task-manager/helpers.ts";

function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: "utf8", input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const driver of FILE_DRIVERS) {
  describe(`prismq export / import / drain (${driver.name})`, () => {
    let tmp: ReturnType<typeof tempDir>;
    let src: string;
    let dst: string;
    beforeEach(async () => {
      tmp = tempDir("prismq-tm-cli-");
      src = join(tmp.dir, "src.db");
      dst = join(tmp.dir, "dst.db");
      const db = await driver.open(src);
      const client = new core.QueueClient(db);
      await client.enqueue("email", { to: "a@example.com" }, { idempotencyKey: "welcome-a" });
      await client.enqueue("email", { to: "b@example.com" });
      await client.cancel(await client.enqueue("report", { month: 11 }));
      await db.close();
    });
    afterEach(() => tmp.cleanup());
    const d = ["--driver", driver.name];

    it("export to stdout and to a file; import twice adds the tasks once", () => {
      const out = cli(["export", "--db", src, ...d]);
      assert.equal(out.code, 0, out.stderr);
      const lines = out.stdout.trim().split("\n");
      assert.equal(lines.length, 5);
      const file = join(tmp.dir, "queue.jsonl");
      const toFile = cli(["export", "--db", src, ...d, "--out", file]);
      assert.equal(toFile.code, 0, toFile.stderr);
      assert.match(toFile.stderr, /exported 3 task\(s\)/);
      assert.equal(cli(["export", "--db", src, ...d, "--out", file]).code, 2, "an existing file is refused");
      assert.equal(cli(["export", "--db", src, ...d, "--out", file, "--force"]).code, 0);
      const first = cli(["import", "--db", dst, ...d, "--json", file]);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(JSON.parse(first.stdout), { read: 3, imported: 3, skipped: 0, remapped: 0, complete: true });
      const again = cli(["import", "--db", dst, ...d, file]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /read 3 task\(s\): imported 0, already present 3/);
      const viaStdin = cli(["import", "--db", dst, ...d, "-"], readFileSync(file, "utf8"));
      assert.match(viaStdin.stdout, /imported 0, already present 3/);
      const queued = cli(["export", "--db", dst, ...d, "--status", "cancelled"]);
      assert.equal(queued.stdout.trim().split("\n").length, 3);
    });

    it("a bad file exits 2 and imports nothing; a file without an end line warns", () => {
      const file = join(tmp.dir, "bad.jsonl");
      const good = cli(["export", "--db", src, ...d]).stdout.trim().split("\n");
      writeFileSync(file, [...good.slice(0, 2), "{\"kind\":\"task\"}", ...good.slice(2)].join("\n"));
      const r = cli(["import", "--db", dst, ...d, file]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /line 3.*nothing was imported/);
      assert.equal(JSON.parse(cli(["drain", "--db", dst, ...d, "--json"]).stdout).pending.length, 0);
      writeFileSync(file, good.slice(0, -1).join("\n"));
      const cut = cli(["import", "--db", dst, ...d, file]);
      assert.equal(cut.code, 0);
      assert.match(cut.stderr, /no end line/);
    });

    it("drain reports what is still queued (exit 3) and exports it with --out; an empty queue exits 0", () => {
      const file = join(tmp.dir, "pending.jsonl");
      const r = cli(["drain", "--db", src, ...d, "--timeout-ms", "1000", "--out", file]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /still queued: 2 \(email: 2\)/);
      assert.match(r.stdout, /ids: 1, 2/);
      assert.ok(existsSync(file));
      assert.equal(readFileSync(file, "utf8").trim().split("\n").length, 4);
      const json = JSON.parse(cli(["drain", "--db", src, ...d, "--json"]).stdout);
      assert.deepEqual([json.settled, json.inFlightAtStart, json.queuedByType], [true, 0, { email: 2 }]);
      // Read-only: a missing database is refused (exit 2) and not created.
      const missing = cli(["drain", "--db", dst, ...d]);
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(missing.stderr, /no database at/);
      assert.equal(existsSync(dst), false);
      assert.equal(cli(["init", "--db", dst, ...d]).code, 0);
      const empty = cli(["drain", "--db", dst, ...d]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(empty.stdout, /still queued: 0/);
    });

    it("--help exits 0; bad arguments exit 2", () => {
      for (const c of ["export", "import", "drain"]) {
        const h = cli([c, "--help"]);
        assert.equal(h.code, 0);
        assert.match(h.stdout, new RegExp(`Usage: prismq ${c}`));
      }
      assert.equal(cli(["export", "--bogus"]).code, 2);
      assert.equal(cli(["export", "--status", "nope", "--db", src]).code, 2);
      assert.equal(cli(["import", "--db", dst]).code, 2);
      assert.equal(cli(["import", "--db", dst, join(tmp.dir, "missing.jsonl")]).code, 2);
      assert.equal(cli(["drain", "--timeout-ms", "soon", "--db", src]).code, 2);
      assert.equal(cli(["drain", "--driver", "sqlite9", "--db", src]).code, 2);
      // Numbers are plain decimal only, and the flag is named.
      for (const bad of ["0x10", "1e3", " 5", "+5", "-1"]) {
        const r = cli(["drain", "--timeout-ms", bad, "--db", src]);
        assert.equal(r.code, 2, bad);
        assert.match(r.stderr, /--timeout-ms/, bad);
      }
      // Every command refuses an empty or in-memory --db, and export and drain create nothing.
      for (const c of [["export"], ["drain"], ["import", "-"]]) {
        for (const db of ["", ":memory:"]) {
          const r = cli([c[0]!, "--db", db, ...c.slice(1)]);
          assert.equal(r.code, 2, `${c[0]} --db '${db}'`);
          assert.match(r.stderr, db === "" ? /--db is empty/ : /--db is ':memory:'/);
        }
      }
      const nowhere = join(tmp.dir, "nowhere.db");
      const exp = cli(["export", "--db", nowhere, ...d]);
      assert.equal(exp.code, 2);
      assert.match(exp.stderr, /no database at/);
      assert.equal(existsSync(nowhere), false);
    });
  });
}
