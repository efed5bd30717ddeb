/**
 * Peers side by side: plainjob and liteque run the same lifecycle (enqueue N with their bulk
 * API where they have one, drain with a no-op handler) on better-sqlite3 and the same machine,
 * each in its own process (bench/peers/). Each runner checks every job ran exactly once.
 * liteque needs better-sqlite3 11.9.1 (it breaks on later ones), built for the machine's own
 * Node by scripts/bench-peers-setup.ts (`npm run bench:peers-setup`).
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchDir } from "./drivers.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** What a peer runner prints (bench/peers/*: one JSON line). */
export interface PeerResult {
  readonly peer: string;
  readonly peerVersion: string;
  readonly driverVersion: string;
  readonly sqliteVersion: string;
  readonly runtime: string;
  readonly pragmas: Record<string, unknown>;
  readonly enqueueApi: string;
  readonly jobs: number;
  readonly enqueueMs: number;
  readonly drainMs: number;
  readonly executed: number;
  readonly duplicates: number;
  readonly missing: number;
  readonly error?: string;
}

/** The machine's own node: the first on PATH outside any node_modules folder. */
export function systemNode(): string | null {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "" || dir.includes("node_modules")) continue;
    const p = join(dir, process.platform === "win32" ? "node.exe" : "node");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

function runJson(cmd: string, args: string[]): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (c) => (out += String(c)));
    p.stderr.on("data", (c) => (err += String(c)));
    p.on("error", reject);
    p.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        const r = JSON.parse(line) as PeerResult;
        if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}: ${r.error ?? err.slice(-400)}`));
        else resolve(r);
      } catch {
        reject(new Error(`${cmd} ${args.join(" ")} exited ${code} without a result: ${err.slice(-400)}`));
      }
    });
  });
}

/** One run of a peer on `n` jobs, or why it could not run. */
export async function peerOnce(peer: "plainjob" | "liteque", n: number): Promise<PeerResult> {
  const scratch = scratchDir();
  try {
    const db = scratch.file(`${peer}.db`);
    if (peer === "plainjob") {
      return await runJson(process.execPath, ["--disable-warning=ExperimentalWarning", join(HERE, "peers/plainjob.ts"), "--db", db, "--jobs", String(n), "--batch"]);
    }
    const node = systemNode();
    if (node === null) throw new Error("liteque: no node on PATH outside node_modules (it runs on the machine's own Node)");
    if (!existsSync(join(HERE, "peers/liteque/node_modules/better-sqlite3"))) {
      throw new Error("liteque is not installed: run `npm run bench:peers-setup` first");
    }
    return await runJson(node, [join(HERE, "peers/liteque/run.mjs"), "--db", db, "--jobs", String(n), "--batch"]);
  } finally {
    scratch.dispose();
  }
}

/** Jobs per second of a peer run, over enqueue + drain (as our lifecycle figure). */
export const peerRate = (r: PeerResult): number => r.jobs / ((r.enqueueMs + r.drainMs) / 1000);

/** plainjob on the other rows of issue 12's table (bench/plainjob-ops.ts). */
export interface PlainjobOps {
  /** `add` one at a time: tasks/s, p50 and p95 of one call in µs. */
  readonly oneRate: number;
  readonly oneP50Us: number;
  readonly oneP95Us: number;
  /** `addMany` of 100 per call, tasks/s. */
  readonly manyRate: number;
}

function runLine<T>(args: string[], script = "plainjob-ops.ts"): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(HERE, script), ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (c) => (out += String(c)));
    p.on("error", reject);
    p.on("exit", (code) => {
      try {
        if (code !== 0) throw new Error(`${script} ${args[0]} exited ${code}`);
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as T);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

/** plainjob's enqueue figures on `n` jobs. */
export async function plainjobOps(n: number): Promise<PlainjobOps> {
  const scratch = scratchDir();
  try {
    return await runLine<PlainjobOps>(["ops", scratch.file("pj-ops.db"), String(n)]);
  } finally {
    scratch.dispose();
  }
}

/** Our enqueue figures on `n` tasks, measured as plainjob's are (bench/ours-ops.ts), on `driver`. */
export async function oursOps(driver: string, n: number): Promise<PlainjobOps> {
  const scratch = scratchDir();
  try {
    return await runLine<PlainjobOps>([driver, scratch.file("ours-ops.db"), String(n)], "ours-ops.ts");
  } finally {
    scratch.dispose();
  }
}

/** The median of each figure over several runs. */
export function medianOps(runs: readonly PlainjobOps[]): PlainjobOps {
  const med = (pick: (o: PlainjobOps) => number): number => {
    const xs = runs.map(pick).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)]!;
  };
  return { oneRate: med((o) => o.oneRate), oneP50Us: med((o) => o.oneP50Us), oneP95Us: med((o) => o.oneP95Us), manyRate: med((o) => o.manyRate) };
}

/**
 * plainjob drained by `procs` worker processes with its defaults; throws on a duplicate or a miss.
 * `warmup` > 0: each process first drains that many jobs of its own, as ours do in processes.bench.ts.
 */
export async function plainjobProcesses(n: number, procs: number, warmup = 0): Promise<number> {
  const scratch = scratchDir();
  try {
    const r = await runLine<{ rate: number; duplicates: number; missing: number }>(["procs", scratch.file("pj-procs.db"), String(n), String(procs), String(warmup)]);
    if (r.duplicates > 0 || r.missing > 0) throw new Error(`plainjob, ${procs} processes: ${r.duplicates} duplicate and ${r.missing} missing`);
    return r.rate;
  } finally {
    scratch.dispose();
  }
}
