// The platform's own tables: outbox (the log in embedded mode), cursors, inbox, dead letters.
import { sql } from 'kysely';
import { migrate } from '../db/migrations.ts';
import type { Database } from '../db/database.ts';

export const PLATFORM_SCHEMA = 'millrace';
export const OUTBOX_CHANNEL = 'millrace_outbox';

/** Creates the platform schema. Safe to call at every start. */
export async function migratePlatform(db: Database): Promise<void> {
  await migrate(db, PLATFORM_SCHEMA, {
    '0001_events': {
      async up(k) {
        // txid orders the log: rows are read only below the oldest running transaction (pg_snapshot_xmin),
        // so a transaction that commits late can never be skipped by a reader that already moved on.
        await sql`
          create table millrace.outbox (
            id bigserial not null,
            txid xid8 not null default pg_current_xact_id(),
            topic text not null,
            key text not null,
            event_id text not null,
            type text not null,
            payload text not null,
            created_at timestamptz not null default now(),
            primary key (txid, id)
          )`.execute(k);
        await sql`create index outbox_topic_pos on millrace.outbox (topic, txid, id)`.execute(k);
        await sql`create index outbox_created on millrace.outbox (created_at)`.execute(k);
        await sql`
          create table millrace.cursors (
            name text primary key,
            txid xid8 not null default '0',
            id bigint not null default 0,
            updated_at timestamptz not null default now()
          )`.execute(k);
        await sql`
          create table millrace.inbox (
            group_name text not null,
            event_id text not null,
            processed_at timestamptz not null default now(),
            primary key (group_name, event_id)
          )`.execute(k);
        await sql`
          create table millrace.dead_letters (
            id bigserial primary key,
            group_name text not null,
            topic text not null,
            partition int not null,
            position text not null,
            key text,
            event_id text,
            payload text not null,
            error_code text not null,
            error text not null,
            attempts int not null,
            status text not null default 'dead' check (status in ('dead', 'redriven', 'discarded')),
            created_at timestamptz not null default now(),
            resolved_at timestamptz,
            unique (group_name, topic, partition, position)
          )`.execute(k);
        await sql`create index dead_letters_group on millrace.dead_letters (group_name, status, id)`.execute(k);
      },
    },
  });
}
