/**
 * The PGlite target: the PostgreSQL dialect on PostgreSQL compiled to WebAssembly, no server.
 * One PGlite instance per target (starting one takes a while); each `create()` is a fresh store
 * in its own schema, emptied and reused once closed (./recycle.ts). `openShared(name)` gives
 * more drivers on one schema of the same instance. Runs on Node, Deno and Bun.
 */
import { PGlite } from "@electric-sql/pglite";
import { fromPGlite, postgresDialect } from "../../adapters/pglite/index.ts";
import type { Target } from "./index.ts";
import { SchemaRecycler } from "./recycle.ts";

/** The PGlite target, with `dispose` to close its instance. */
export function pgliteTarget(name = "pglite"): Target & { dispose(): Promise<void> } {
  let instance: Promise<PGlite> | undefined;
  const pg = (): Promise<PGlite> => (instance ??= PGlite.create());
  let n = 0;
  const run = Math.random().toString(36).slice(2, 7);
  // The admin statements go through a driver on the same instance, so they queue with the rest.
  const recycler = new SchemaRecycler(async (sql) => {
    const admin = fromPGlite(await pg(), { closeHandle: false, schema: "public" });
    return (await admin.execute({ sql, params: [] })).rows;
  });
  const schemaOf = (store: string): string => `s_${store.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 60);
  return {
    name,
    dialect: postgresDialect,
    engine: "postgres",
    timeOrder: "instant",
    async create() {
      const schema = recycler.take() ?? `t_${run}_${++n}`;
      return recycler.wrap(fromPGlite(await pg(), { schema, closeHandle: false }), schema);
    },
    async openShared(store: string) {
      return fromPGlite(await pg(), { schema: schemaOf(store), closeHandle: false });
    },
    async dispose() {
      if (instance !== undefined) await (await instance).close();
    },
  };
}
