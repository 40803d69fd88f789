// The outbox gap: a transaction that commits after later ones must still be delivered, never skipped, in order for its key.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../db/database.ts';
import { silentLogger } from '../observability/logger.ts';
import { freshPostgres, testKafkaBrokers, uniqueName, waitFor } from '../testing/index.ts';
import { EventRegistry } from './contract.ts';
import { platformContract } from './dead-letters.ts';
import { createKafkaDriver } from './drivers/kafka-driver.ts';
import { createLogDriver } from './drivers/log-driver.ts';
import { testContract } from './event-bus.contract.ts';
import type { EventBus } from './event-bus.ts';
import { Outbox } from './outbox.ts';
import { migratePlatform } from './schema.ts';

const registry = new EventRegistry([platformContract, testContract]);
const log = silentLogger();

for (const driver of ['log', 'kafka'] as const) {
  describe(`outbox gap (${driver} driver on PostgreSQL)`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    test('a long transaction holds later commits back, then everything is delivered in order per key', async () => {
      const pg = await freshPostgres();
      const db: Database = await openDatabase({ url: pg.url });
      await migratePlatform(db);
      const bus: EventBus = driver === 'log'
        ? createLogDriver({ db, registry, log, pollMs: 200 })
        : createKafkaDriver({ db, registry, log, brokers: testKafkaBrokers(), clientId: 'gap-test' });
      cleanups.push(async () => { await bus.close(); await db.close(); await pg.drop(); });
      await bus.start();
      await sql`create table state (key text primary key, n int not null)`.execute(db.kysely);
      await sql`create table seen (seq serial primary key, key text not null, n int not null)`.execute(db.kysely);
      const topic = uniqueName('t-gap');
      await bus.subscribe({
        group: uniqueName('g'),
        topics: [topic],
        handle: async (e, { tx }) => {
          await sql`insert into seen (key, n) values (${e.key}, ${(e.data as { n: number }).n})`.execute(tx.db);
        },
      });
      const outbox = new Outbox(db, { source: 'test', registry });

      // T1 changes state for key "slow" (taking its transaction id now) and stays open
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let t1Open!: () => void;
      const opened = new Promise<void>((r) => (t1Open = r));
      const t1 = outbox.transaction(async (tx) => {
        await sql`insert into state (key, n) values ('slow', 1)`.execute(tx.db);
        tx.publish({ type: 'test.counted', topic, key: 'slow', data: { n: 1 } });
        t1Open();
        await gate;
      });
      await opened;

      // later transactions commit first, including a second event for the same key
      for (let i = 1; i <= 5; i++) {
        await outbox.transaction(async (tx) => void tx.publish({ type: 'test.counted', topic, key: `fast${i}`, data: { n: 1 } }));
      }
      await outbox.transaction(async (tx) => {
        await sql`insert into state (key, n) values ('slow2', 2)`.execute(tx.db);
        tx.publish({ type: 'test.counted', topic, key: 'slow', data: { n: 2 } });
      });
      await new Promise((r) => setTimeout(r, 1_500));
      const during = await sql<{ n: number }>`select count(*)::int as n from seen`.execute(db.kysely);
      assert.equal(during.rows[0]!.n, 0, 'nothing past the open transaction is read (it would be skipped otherwise)');

      release();
      await t1;
      const rows = await waitFor('all 7 events', async () => {
        const r = await sql<{ key: string; n: number }>`select key, n from seen order by seq`.execute(db.kysely);
        return r.rows.length >= 7 ? r.rows : undefined;
      });
      assert.equal(rows.length, 7);
      const slow = rows.filter((r) => r.key === 'slow').map((r) => r.n);
      assert.deepEqual(slow, [1, 2], 'the late committer is delivered, and first for its key');
      assert.equal(new Set(rows.map((r) => `${r.key}:${r.n}`)).size, 7, 'no duplicates');
    });
  });
}
