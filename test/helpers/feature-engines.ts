/**
 * The engines issue 17's feature tests run on: every SQLite driver of DRIVERS, PostgreSQL in
 * process (PGlite), and the PostgreSQL server (a temporary database per test; skipped loudly
 * without a server, a failure with PRISMQ_REQUIRE_POSTGRES=1).
 */
import { PGlite } from "@electric-sql/pglite";
import { fromPGlite } from "../../adapters/pglite/index.ts";
import { openPostgres, postgresDialect } from "../../adapters/postgres/index.ts";
import type { Clock } from "../../src/clock.ts";
import { QueueDatabase } from "../../src/database.ts";
import { DRIVERS } from "./drivers.ts";
import { createTempDatabase, pgSuiteOptions } from "./postgres.ts";

/** One engine: how to open a fresh, empty queue database on it. */
export interface FeatureEngine {
  readonly name: string;
  /** `describe` options: a skip reason when the engine is missing. */
  readonly options: { skip: string | false };
  open(clock: Clock): Promise<{ db: QueueDatabase; dispose(): Promise<void> }>;
}

const wanted = process.env["FEATURE_ENGINES"]?.split(",").map((s) => s.trim());

const ALL: readonly FeatureEngine[] = [
  ...DRIVERS.map(
    (d): FeatureEngine => ({
      name: d.name,
      options: { skip: false },
      async open(clock) {
        const db = await QueueDatabase.open(d.open(), { clock });
        return { db, dispose: () => db.close() };
      },
    }),
  ),
  {
    name: "pglite",
    options: { skip: false as const },
    async open(clock) {
      const db = await QueueDatabase.open(fromPGlite(new PGlite()), { clock, dialect: postgresDialect });
      return { db, dispose: () => db.close() };
    },
  },
  {
    name: "postgres",
    options: pgSuiteOptions(),
    async open(clock) {
      const tmp = await createTempDatabase("features");
      try {
        const db = await QueueDatabase.open(await openPostgres(tmp.url), { clock, dialect: postgresDialect });
        return {
          db,
          async dispose() {
            await db.close();
            await tmp.drop();
          },
        };
      } catch (err) {
        await tmp.drop();
        throw err;
      }
    },
  },
];

/** The engines selected (`FEATURE_ENGINES=node-sqlite,pglite` picks; default all). */
export const FEATURE_ENGINES: readonly FeatureEngine[] = ALL.filter((e) => wanted === undefined || wanted.includes(e.name));
