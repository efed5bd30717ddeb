/**
 * `prismq schedule` through the built CLI (`DIST_CLI`): add (cron with zone, interval with a
 * human duration), list (table and JSON), tick, enable/disable, remove, and usage errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI } from "./helpers/dist.ts";

let dir = "";
let db = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "prismq-schedule-cli-"));
  db = join(dir, "q.db");
});
after(() => rmSync(dir, { recursive: true, force: true }));

function prismq(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args, "--db", db], {
    encoding: "utf8",
    env: { ...process.env, PRISMQ_QUEUE_DB_PATH: join(dir, "default.db") },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("prismq schedule (built CLI)", () => {
  test("add, list, tick, disable, enable, remove", () => {
    let r = prismq("schedule", "add", "nightly", "report", '{"kind":"daily"}', "--cron", "0 3 * * *", "--tz", "Europe/Prague");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /schedule nightly: next run \d{4}-\d\d-\d\d (01|02):00:00\.000/); // 03:00 Prague is 01:00 or 02:00 UTC
    const start = new Date(Date.now() - 60_000).toISOString();
    r = prismq("schedule", "add", "sync", "sync", "--every", "30s", "--start-at", start, "--missed", "catch_up", "--catch-up-limit", "3", "--priority", "5");
    assert.equal(r.code, 0, r.stderr);

    r = prismq("schedule", "list");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nightly\s+report\s+cron 0 3 \* \* \* \(Europe\/Prague\)\s+skip/);
    assert.match(r.stdout, /sync\s+sync\s+every 30000 ms\s+catch_up ≤3/);

    r = prismq("schedule", "list", "--json");
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { name: string; intervalMs: number | null; payload: unknown });
    assert.deepEqual(rows.map((s) => s.name), ["nightly", "sync"]);
    assert.equal(rows[1]!.intervalMs, 30_000);
    assert.deepEqual(rows[0]!.payload, { kind: "daily" });

    // start-at a minute ago, every 30 s: the occurrences at -60 s, -30 s and 0 s (or two, by timing) are due.
    r = prismq("schedule", "tick");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /enqueued [23] task\(s\) from 1 schedule\(s\)/);
    r = prismq("list", "--type", "sync", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes("schedule:sync:"), r.stdout);
    r = prismq("schedule", "tick");
    assert.match(r.stdout, /enqueued 0 task\(s\)/, "a second tick right after fires nothing");

    assert.equal(prismq("schedule", "disable", "sync").code, 0);
    assert.match(prismq("schedule", "list").stdout, /sync .* no\s*$/m);
    assert.equal(prismq("schedule", "enable", "sync").code, 0);
    r = prismq("schedule", "remove", "nightly");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /removed/);
    r = prismq("schedule", "remove", "nightly");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /no schedule named nightly/);
    assert.deepEqual(
      prismq("schedule", "list", "--json").stdout.trim().split("\n").map((l) => (JSON.parse(l) as { name: string }).name),
      ["sync"],
    );
  });

  test("bad usage exits 2 naming the problem", () => {
    const cases: [string[], RegExp][] = [
      [["schedule"], /expected add, list/],
      [["schedule", "add", "x", "t"], /give --cron or --every/],
      [["schedule", "add", "x", "t", "--cron", "* * * * *", "--every", "5m"], /give --cron or --every/],
      [["schedule", "add", "x", "t", "--every", "5 parsecs"], /--every expects an integer in plain decimal digits \(ms\) or a duration/],
      [["schedule", "add", "x", "t", "--cron", "nope"], /invalid cron schedule/],
      [["schedule", "add", "x", "t", "--cron", "* * * * *", "--tz", "Mars/Base"], /unknown time zone/],
      [["schedule", "add", "x", "t", "--every", "1m", "--missed", "later"], /--missed must be skip or catch_up/],
      [["schedule", "add", "x", "t", "{bad", "--every", "1m"], /PAYLOAD_JSON is not valid JSON/],
    ];
    for (const [args, message] of cases) {
      const r = prismq(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
  });
});
