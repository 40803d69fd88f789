// Shared by the chaos worker and the chaos tests: database spec, tables, and the end-of-run accounting.
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../db/database.ts';
import { effectsTable } from '../event-bus.contract.ts';

export const EFFECTS_TABLE = 'chaos_fx';
export const PRODUCED_TABLE = 'chaos_produced';

/** Opens `postgres://...` or `pglite:<dir>`. */
export function openChaosDatabase(spec: string): Promise<Database> {
  return spec.startsWith('pglite:') ? openDatabase({ pgliteDir: spec.slice('pglite:'.length) }) : openDatabase({ url: spec, poolSize: 5 });
}

/** The effects tables of `countingHandler` plus the producer's per-key counters. */
export async function chaosTables(db: Database): Promise<void> {
  await effectsTable(db, EFFECTS_TABLE);
  await sql`create table if not exists ${sql.table(PRODUCED_TABLE)} (key text primary key, last_n int not null)`.execute(db.kysely);
}
