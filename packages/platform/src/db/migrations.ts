// Migrations: each service owns a PostgreSQL schema and its migrations run at start, in name order.
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { Database } from './database.ts';

export type { Migration };
export type Migrations = Readonly<Record<string, Migration>>;

/**
 * Creates `schema` if needed and applies its pending migrations (tracked in `<schema>.kysely_migration`).
 * @example await migrate(db, 'orders', { '0001_init': { up: async (db) => { ... } } })
 */
export async function migrate(db: Database, schema: string, migrations: Migrations): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db.kysely);
  const migrator = new Migrator({
    db: db.kysely.withSchema(schema) as Kysely<unknown>,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${schema}/${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}
