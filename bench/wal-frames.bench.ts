/**
 * WAL pages written per task, ours beside plainjob's, with checkpoints off: per enqueue (one and
 * 100 per call) and per task drained by the default worker (its claim and completion).
 *
 * Why: with one task per transaction SQLite writes every page the transaction touched, whole,
 * to the WAL at COMMIT (and a checkpoint later copies it again), so the number of pages per
 * commit sets the cost of a one-at-a-time enqueue (and of a worker's round) more than any
 * JavaScript does: a CPU profile puts about 80% of our single enqueue inside SQLite's statement
 * run. This counts those pages:
 * each side on a fresh file, `wal_autocheckpoint` 0 and no checkpoint thread, so the WAL only
 * grows; pages = frames appended to the `-wal` file. Deterministic for a given schema and SQLite,
 * so one run is enough. Node and better-sqlite3 only (plainjob runs on better-sqlite3).
 *
 * For the one-at-a-time enqueue it also says which B-tree each written page belongs to (the page
 * number in each frame's header, looked up in the `dbstat` table): the pages per commit are the
 * schema's, so this shows what a one-row commit cannot avoid writing on either side.
 */
import { readFileSync, statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, JobStatus, type Logger } from "plainjob";
import { QueueClient, QueueDatabase, QueueWorker } from "../src/index.ts";
import { openDriver } from "../runtime/node/open.ts";
import { scratchDir } from "./drivers.ts";
import { enqueueN } from "./lifecycle.bench.ts";

/**
 * Pages per task for one system: one `enqueue`/`add` per call, 100 per call, and the default
 * worker's drain (claim and completion of each task).
 */
export interface WalPages {
  readonly one: number;
  readonly many: number;
  readonly drain: number;
}

/** Pages per commit written to each B-tree (by name), most first. */
export type PagesByTree = ReadonlyArray<readonly [tree: string, pagesPerCommit: number]>;

/** What {@link measureWalFrames} returns. */
export interface WalFrames {
  readonly pageSize: number;
  readonly ours: WalPages;
  readonly plainjob: WalPages;
  /** The one-at-a-time enqueue's pages per commit by B-tree, each side. */
  readonly oneByTree: { readonly ours: PagesByTree; readonly plainjob: PagesByTree };
}

const FRAME_HEADER = 24;
const walBytes = (file: string): number => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0; // no WAL yet
  }
};

/** Frames in all of `commits`. */
const framesIn = (commits: readonly number[][]): number => commits.reduce((a, c) => a + c.length, 0);

/** Frames the WAL grew by while `work` ran. */
async function framesDuring(file: string, pageSize: number, work: () => Promise<void> | void): Promise<number> {
  return framesIn(await commitsDuring(file, pageSize, work));
}

const WAL_HEADER = 32;

/**
 * The page numbers of each commit appended to the WAL while `work` ran. Checkpoints are off, so
 * the log only grows and every frame after the starting offset is this work's.
 */
async function commitsDuring(file: string, pageSize: number, work: () => Promise<void> | void): Promise<number[][]> {
  const before = Math.max(walBytes(file), WAL_HEADER);
  await work();
  const wal = readFileSync(`${file}-wal`);
  const frame = pageSize + FRAME_HEADER;
  if ((wal.length - before) % frame !== 0) throw new Error(`WAL of ${file} grew by ${wal.length - before} bytes, not whole ${pageSize}-byte frames`);
  const commits: number[][] = [];
  let pages: number[] = [];
  for (let at = before; at < wal.length; at += frame) {
    // A frame header: the page number, then the file's size in pages on a commit's last frame (0 on the others).
    pages.push(wal.readUInt32BE(at));
    if (wal.readUInt32BE(at + 4) !== 0) {
      commits.push(pages);
      pages = [];
    }
  }
  if (pages.length > 0) throw new Error(`WAL of ${file} ends inside a transaction`);
  return commits;
}

/** Pages per commit by B-tree, from each page's owner in `dbstat` (page 1 also holds the file header). */
function byTree(commits: number[][], owners: ReadonlyArray<{ name: string; pageno: number }>): PagesByTree {
  const owner = new Map(owners.map((o) => [Number(o.pageno), Number(o.pageno) === 1 ? "page 1 (file header, sqlite_schema)" : o.name]));
  const count = new Map<string, number>();
  for (const c of commits)
    for (const p of c) {
      const tree = owner.get(p) ?? "free list";
      count.set(tree, (count.get(tree) ?? 0) + 1);
    }
  return [...count].map(([tree, k]) => [tree, k / commits.length] as const).sort((a, b) => b[1] - a[1]);
}

const DBSTAT = "SELECT name, pageno FROM dbstat";

/** Our database on a fresh file with every checkpoint off, and its page size. */
async function openOurs(file: string): Promise<{ db: QueueDatabase; pageSize: number }> {
  const db = await QueueDatabase.open(await openDriver({ path: file, driver: "better-sqlite3", backgroundCheckpoints: false }));
  await db.execute("PRAGMA wal_autocheckpoint = 0");
  return { db, pageSize: Number(Object.values((await db.execute("PRAGMA page_size")).rows[0] ?? {})[0]) };
}

async function ours(file: string, n: number, batch: number): Promise<{ pages: number; pageSize: number; byTree: PagesByTree }> {
  const { db, pageSize } = await openOurs(file);
  try {
    const client = new QueueClient(db);
    // One task first, so the WAL exists and the first commit's one-off pages are not counted.
    await client.enqueue("bench", { i: -1 });
    const commits = await commitsDuring(file, pageSize, async () => {
      if (batch === 1) for (let i = 0; i < n; i++) await client.enqueue("bench", { i });
      else for (let i = 0; i < n; i += batch) await client.enqueueMany(Array.from({ length: Math.min(batch, n - i) }, (_, j) => ({ type: "bench", payload: { i: i + j } })));
    });
    const owners = (await db.execute(DBSTAT)).rows as unknown as Array<{ name: string; pageno: number }>;
    return { pages: framesIn(commits) / n, pageSize, byTree: byTree(commits, owners) };
  } finally {
    await db.close();
  }
}

/** Pages per task of the default worker draining `n` tasks (enqueued before, not counted). */
async function oursDrain(file: string, n: number): Promise<number> {
  const { db, pageSize } = await openOurs(file);
  try {
    await enqueueN(new QueueClient(db), n);
    let ran = 0;
    let allRan!: () => void;
    const done = new Promise<void>((resolve) => (allRan = resolve));
    const worker = new QueueWorker(db, { handlers: { t: () => void (++ran === n && allRan()) } });
    const pages = await framesDuring(file, pageSize, async () => {
      worker.start();
      await done;
      await worker.stop();
    });
    return pages / n;
  } finally {
    await db.close();
  }
}

const quiet: Logger = { error: (t) => process.stderr.write(`plainjob: ${t}\n`), warn: () => {}, info: () => {}, debug: () => {} };

/** plainjob's queue on a fresh file, set up as plainjob sets it up, with checkpoints off; and its page size. */
function openPlainjob(file: string): { q: ReturnType<typeof defineQueue>; conn: Database.Database; pageSize: number } {
  const conn = new Database(file);
  const q = defineQueue({ connection: better(conn), logger: quiet });
  conn.pragma("wal_autocheckpoint = 0");
  return { q, conn, pageSize: Number(conn.pragma("page_size", { simple: true })) };
}

async function plainjob(file: string, n: number, batch: number): Promise<{ pages: number; byTree: PagesByTree }> {
  const { q, conn, pageSize } = openPlainjob(file);
  try {
    q.add("bench", { i: -1 });
    const commits = await commitsDuring(file, pageSize, () => {
      if (batch === 1) for (let i = 0; i < n; i++) q.add("bench", { i });
      else for (let i = 0; i < n; i += batch) q.addMany("bench", Array.from({ length: Math.min(batch, n - i) }, (_, j) => ({ i: i + j })));
    });
    return { pages: framesIn(commits) / n, byTree: byTree(commits, conn.prepare(DBSTAT).all() as Array<{ name: string; pageno: number }>) };
  } finally {
    q.close();
  }
}

/** Pages per job of plainjob's default worker draining `n` jobs (added before, not counted). */
async function plainjobDrain(file: string, n: number): Promise<number> {
  const { q, pageSize } = openPlainjob(file);
  try {
    for (let i = 0; i < n; i += 100) q.addMany("bench", Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ i: i + j })));
    const pages = await framesDuring(file, pageSize, async () => {
      const w = defineWorker("bench", () => {}, { queue: q, logger: quiet });
      void w.start();
      while (q.countJobs({ type: "bench", status: JobStatus.Done }) < n) await new Promise((r) => setTimeout(r, 5));
      await w.stop();
    });
    return pages / n;
  } finally {
    q.close();
  }
}

/** WAL pages per task of `n` enqueues (one and 100 per call) and of a default drain, ours and plainjob's. */
export async function measureWalFrames(n: number): Promise<WalFrames> {
  const scratch = scratchDir();
  try {
    const one = await ours(scratch.file("ours-one.db"), n, 1);
    const many = await ours(scratch.file("ours-many.db"), n, 100);
    const pjOne = await plainjob(scratch.file("pj-one.db"), n, 1);
    return {
      pageSize: one.pageSize,
      ours: { one: one.pages, many: many.pages, drain: await oursDrain(scratch.file("ours-drain.db"), n) },
      plainjob: {
        one: pjOne.pages,
        many: (await plainjob(scratch.file("pj-many.db"), n, 100)).pages,
        drain: await plainjobDrain(scratch.file("pj-drain.db"), n),
      },
      oneByTree: { ours: one.byTree, plainjob: pjOne.byTree },
    };
  } finally {
    scratch.dispose();
  }
}

/** The figures as a Markdown table. */
export function walFramesTable(w: WalFrames): string {
  const f = (x: number): string => x.toFixed(2);
  const r = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  return [
    `| work | @prismq/queue, pages/task | plainjob, pages/task | ours / plainjob | KiB/task, ours (${w.pageSize}-byte pages) |`,
    "|---|---|---|---|---|",
    `| enqueue, one per call | ${f(w.ours.one)} | ${f(w.plainjob.one)} | ${r(w.ours.one, w.plainjob.one)} | ${f((w.ours.one * (w.pageSize + FRAME_HEADER)) / 1024)} |`,
    `| enqueue, 100 per call | ${f(w.ours.many)} | ${f(w.plainjob.many)} | ${r(w.ours.many, w.plainjob.many)} | ${f((w.ours.many * (w.pageSize + FRAME_HEADER)) / 1024)} |`,
    `| drained by the default worker (claim + completion) | ${f(w.ours.drain)} | ${f(w.plainjob.drain)} | ${r(w.ours.drain, w.plainjob.drain)} | ${f((w.ours.drain * (w.pageSize + FRAME_HEADER)) / 1024)} |`,
  ].join("\n");
}

/** The one-at-a-time enqueue's pages per commit by B-tree, both sides, as a Markdown table. */
export function walPagesByTreeTable(w: WalFrames): string {
  const cell = (t: PagesByTree): string => t.map(([tree, k]) => `${tree} ${k.toFixed(2)}`).join(", ");
  return [
    "| one-row enqueue commit | pages by B-tree (per commit) |",
    "|---|---|",
    `| @prismq/queue | ${cell(w.oneByTree.ours)} |`,
    `| plainjob | ${cell(w.oneByTree.plainjob)} |`,
  ].join("\n");
}

// `node bench/wal-frames.bench.ts [n]`: the table alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 2000);
  const w = await measureWalFrames(n);
  console.log(`${walFramesTable(w)}\n\n${walPagesByTreeTable(w)}`);
}
