/**
 * What a worker's claim and completion cost right after another process wrote to the file: the
 * hand-over that every round of several worker processes on one file pays, and a worker beside
 * an application that enqueues.
 *
 * SQLite keeps a page cache per connection and drops all of it when it finds that another
 * connection committed (pager.c, `pagerBeginReadTransaction`); with `mmap_size` above 0 it also
 * unmaps the whole file there and faults each page back in. Measured here with two worker
 * processes on one file that take turns strictly (one claim and completion each, told over a
 * pipe), against one process doing every turn: the rounds are the same, only the hand-over
 * differs. Each side times its own claim + complete, so the pipe is not in the figures.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { QueueClient, QueueDatabase } from "../src/index.ts";
import { scratchDir, type BenchDriver } from "./drivers.ts";
import { enqueueN } from "./lifecycle.bench.ts";
import { command } from "./processes.bench.ts";
import { quantile } from "./stats.ts";

const SIDE = fileURLToPath(new URL("./handover-proc.ts", import.meta.url));
/** Turns each side takes before the timed ones (JIT, caches). */
const WARMUP = 200;

/** p50/p95 in µs of one claim + complete: one process taking every turn, or two alternating. */
export interface Handover {
  readonly one: { readonly p50: number; readonly p95: number };
  readonly two: { readonly p50: number; readonly p95: number };
}

interface Side {
  turn(): Promise<void>;
  finish(): Promise<number[]>;
}

function side(d: BenchDriver, path: string, pragmas: Record<string, number> | undefined): Promise<Side> {
  const { cmd, args } = command(SIDE);
  const extra = pragmas === undefined ? [] : [JSON.stringify(pragmas)];
  const proc = spawn(cmd, [...args, d.name, path, ...extra], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  proc.stdout!.on("data", (chunk) => {
    buffered += String(chunk);
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiting.shift();
      if (w !== undefined) w(line);
      else lines.push(line);
    }
  });
  let exited: Error | null = null;
  proc.on("exit", (code) => {
    exited = new Error(`handover side exited ${code}`);
    for (const w of waiting.splice(0)) w("");
  });
  const next = (): Promise<string> => {
    if (lines.length > 0) return Promise.resolve(lines.shift()!);
    if (exited !== null) return Promise.reject(exited);
    return new Promise((resolve) => waiting.push(resolve));
  };
  const expect = async (want: string): Promise<void> => {
    const got = await next();
    if (got !== want) throw exited ?? new Error(`handover side said ${JSON.stringify(got)}, expected ${want}`);
  };
  return expect("ready").then(() => ({
    async turn() {
      proc.stdin!.write("r\n");
      await expect("d");
    },
    async finish() {
      proc.stdin!.write("q\n");
      return JSON.parse(await next()) as number[];
    },
  }));
}

/**
 * `turns` timed claim + complete rounds by one process, then as many by two processes taking
 * turns. `pragmas` (to compare settings) is passed to both sides; undefined: the defaults.
 */
export async function measureHandover(d: BenchDriver, turns: number, pragmas?: Record<string, number>): Promise<Handover> {
  const stats = (xs: number[]): { p50: number; p95: number } => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: quantile(s, 0.5), p95: quantile(s, 0.95) };
  };
  const run = async (sides: number): Promise<{ p50: number; p95: number }> => {
    const scratch = scratchDir();
    try {
      const path = scratch.file("handover.db");
      const db = await QueueDatabase.open(await d.openDriver(path), pragmas === undefined ? {} : { pragmas });
      await enqueueN(new QueueClient(db), 2 * (turns + WARMUP) + 100);
      await db.close();
      const all = await Promise.all(Array.from({ length: sides }, () => side(d, path, pragmas)));
      for (let k = 0; k < sides * WARMUP + turns; k++) await all[k % sides]!.turn();
      const timed: number[] = [];
      for (const s of all) timed.push(...(await s.finish()).slice(WARMUP));
      return stats(timed);
    } finally {
      scratch.dispose();
    }
  };
  const one = await run(1);
  const two = await run(2);
  return { one, two };
}
