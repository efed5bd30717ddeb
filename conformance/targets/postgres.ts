/**
 * The PostgreSQL target: the `postgres` adapter against a real server. Each `create()` is a
 * fresh store in its own schema (`search_path`) of the one database a test run made; a closed
 * store is emptied and reused (./recycle.ts), so the hundreds of fresh stores the properties ask
 * for cost neither a `CREATE DATABASE` nor a migration each. `openShared(name)` opens another
 * pool on a named schema: the connections of the shared-store property are real, separate
 * server sessions.
 */
import { openPostgres, postgresDialect } from "../../adapters/postgres/index.ts";
import type { Driver } from "../../src/driver.ts";
import type { Target } from "./index.ts";
import { SchemaRecycler } from "./recycle.ts";

/** A schema name from any store name. */
function schemaName(name: string): string {
  return `s_${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 60);
}

/** The target on database `databaseUrl` (which the caller created and drops). Close it with `dispose`. */
export function postgresTarget(databaseUrl: string, name = "postgres"): Target & { dispose(): Promise<void> } {
  let n = 0;
  const run = Math.random().toString(36).slice(2, 7);
  let adminDriver: Promise<Driver> | undefined;
  const admin = (): Promise<Driver> => (adminDriver ??= openPostgres(databaseUrl, { max: 1 }));
  const recycler = new SchemaRecycler(async (sql) => (await (await admin()).execute({ sql, params: [] })).rows);
  const shared = new Set<string>();
  return {
    name,
    persistent: true,
    dialect: postgresDialect,
    engine: "postgres",
    timeOrder: "instant",
    async create() {
      const schema = recycler.take() ?? `t_${run}_${++n}`;
      return recycler.wrap(await openPostgres(databaseUrl, { schema, max: 4 }), schema);
    },
    async openShared(store: string) {
      const schema = schemaName(store);
      shared.add(schema);
      return openPostgres(databaseUrl, { schema, max: 4 });
    },
    async dispose() {
      if (adminDriver === undefined) return;
      const d = await adminDriver;
      for (const schema of shared) await d.execute({ sql: `DROP SCHEMA IF EXISTS "${schema}" CASCADE`, params: [] }).catch(() => {});
      await d.close();
    },
  };
}
