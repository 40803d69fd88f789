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

export interface ChaosTotals {
  /** sum of the producer's per-key counters: events committed to the outbox */
  readonly produced: number;
  /** rows in the effects table: distinct events applied */
  readonly applied: number;
  /** effect rows whose applied counter is not 1 */
  readonly appliedNotOnce: number;
  /** sum of per-key order violations seen by the handler */
  readonly orderViolations: number;
  /** (key, n) pairs produced but with no effect */
  readonly missing: number;
  /** effect rows whose (key, n) was never produced, or is there twice */
  readonly unexpected: number;
  /** inbox markers of the group */
  readonly inbox: number;
  readonly deadLetters: number;
}

/** The end-of-run accounting, from the database alone. */
export async function chaosTotals(db: Database, group: string): Promise<ChaosTotals> {
  const fx = sql.table(EFFECTS_TABLE);
  const order = sql.table(`${EFFECTS_TABLE}_order`);
  const produced = sql.table(PRODUCED_TABLE);
  const { rows } = await sql<Record<keyof ChaosTotals, string | null>>`
    select
      (select sum(last_n) from ${produced})::text as produced,
      (select count(*) from ${fx})::text as applied,
      (select count(*) from ${fx} where applied <> 1)::text as "appliedNotOnce",
      (select coalesce(sum(violations), 0) from ${order})::text as "orderViolations",
      (select count(*) from ${produced} p cross join lateral generate_series(1, p.last_n) as g(n)
        where not exists (select 1 from ${fx} f where f.key = p.key and f.n = g.n))::text as missing,
      (select count(*) - count(distinct (f.key, f.n)) filter (where f.n between 1 and p.last_n)
        from ${fx} f left join ${produced} p on p.key = f.key)::text as unexpected,
      (select count(*) from millrace.inbox where group_name = ${group})::text as inbox,
      (select count(*) from millrace.dead_letters)::text as "deadLetters"
  `.execute(db.kysely);
  const r = rows[0]!;
  const num = (v: string | null) => Number(v ?? 0);
  return {
    produced: num(r.produced),
    applied: num(r.applied),
    appliedNotOnce: num(r.appliedNotOnce),
    orderViolations: num(r.orderViolations),
    missing: num(r.missing),
    unexpected: num(r.unexpected),
    inbox: num(r.inbox),
    deadLetters: num(r.deadLetters),
  };
}
