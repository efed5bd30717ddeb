/**
 * Issue 13 item 5, stop signals with a Windows fallback: Windows never delivers SIGTERM, so a
 * worker process and `prismq serve` stop there on SIGINT (Ctrl+C) or SIGBREAK (Ctrl+Break). The
 * platform and the object the listeners go on are injected, so the Windows set is checked here.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { listenForShutdown, shutdownSignalNames } from "../runtime/node/shutdown-signals.ts";

describe("stop signals per platform", () => {
  it("POSIX: SIGINT and SIGTERM; Windows: SIGINT and SIGBREAK, never SIGTERM", () => {
    for (const p of ["linux", "darwin", "freebsd"]) assert.deepEqual(shutdownSignalNames(p), ["SIGINT", "SIGTERM"], p);
    assert.deepEqual(shutdownSignalNames("win32"), ["SIGINT", "SIGBREAK"]);
    assert.deepEqual(shutdownSignalNames(), shutdownSignalNames(process.platform), "defaults to this platform");
  });

  for (const [platform, second] of [["win32", "SIGBREAK"], ["linux", "SIGTERM"]] as const) {
    it(`${platform}: listeners on exactly its signals; first asks, second gives up; dispose removes them`, async () => {
      const target = new EventEmitter();
      const s = listenForShutdown({ platform, target: target as never });
      assert.deepEqual(s.signals, ["SIGINT", second]);
      for (const sig of ["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"]) {
        assert.equal(target.listenerCount(sig), s.signals.includes(sig as NodeJS.Signals) ? 1 : 0, `${platform} ${sig}`);
      }
      assert.equal(s.received(), null);
      target.emit(second, second);
      assert.equal(await s.first, second);
      assert.equal(s.received(), second);
      target.emit("SIGINT", "SIGINT");
      assert.equal(await s.second, "SIGINT");
      s.dispose();
      for (const sig of ["SIGINT", "SIGTERM", "SIGBREAK"]) assert.equal(target.listenerCount(sig), 0, sig);
    });
  }

  it("by default on process, for this platform's set", () => {
    const before = shutdownSignalNames().map((sig) => process.listenerCount(sig));
    const s = listenForShutdown();
    assert.deepEqual(shutdownSignalNames().map((sig) => process.listenerCount(sig)), before.map((n) => n + 1));
    s.dispose();
    assert.deepEqual(shutdownSignalNames().map((sig) => process.listenerCount(sig)), before);
  });
});
