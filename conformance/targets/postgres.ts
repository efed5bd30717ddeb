/**
 * The PostgreSQL target: the `postgres` adapter against a real server. Each `create()` is a
 * fresh schema (its own `search_path`) in the one database a test run made, dropped again when
 * its driver closes, so the hundreds of fresh databases the properties ask for cost a schema
 * each, not a `CREATE DATABASE`. `openShared(name)` opens another pool on a named schema: the
 * connections of the shared-store property are real, separate server sessions.
 */
import { openPostgres, postgresDialect } from "../../adapters/postgres/index.ts";
import type { Driver } from "../../src/driver.ts";
import type { Target } from "./index.ts";

/** A schema name from any store name. */
function schemaName(name: string): string {
  return `s_${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 60);
}

/** `driver` whose close also drops its schema (through `admin`). */
function dropping(driver: Driver, admin: () => Promise<Driver>, schema: string): Driver {
  let closed = false;
  return {
    name: driver.name,
    capabilities: driver.capabilities,
    execute: (s) => driver.execute(s),
    batch: (s) => driver.batch(s),
    ...(driver.listen !== undefined ? { listen: driver.listen.bind(driver) } : {}),
    async close() {
      await driver.close();
      if (closed) return;
      closed = true;
      await (await admin()).execute({ sql: `DROP SCHEMA IF EXISTS "${schema}" CASCADE`, params: [] }).catch(() => {});
    },
  };
}

/** The target on database `databaseUrl` (which the caller created and drops). Close it with `dispose`. */
export function postgresTarget(databaseUrl: string, name = "postgres"): Target & { dispose(): Promise<void> } {
  let n = 0;
  const run = Math.random().toString(36).slice(2, 7);
  let adminDriver: Promise<Driver> | undefined;
  const admin = (): Promise<Driver> => (adminDriver ??= openPostgres(databaseUrl, { max: 1 }));
  const shared = new Set<string>();
  return {
    name,
    persistent: true,
    dialect: postgresDialect,
    engine: "postgres",
    async create() {
      const schema = `t_${run}_${++n}`;
      return dropping(await openPostgres(databaseUrl, { schema, max: 4 }), admin, schema);
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
