// The EventBus contract suite: every driver must pass these same tests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { silentLogger } from '../observability/logger.ts';
import { uniqueName, waitFor } from '../testing/index.ts';
import { EventRegistry, defineContract } from './contract.ts';
import { platformContract } from './dead-letters.ts';
import { envelopeFactory } from './envelope.ts';
import type { EventBus, Handler } from './event-bus.ts';
import { Outbox } from './outbox.ts';

export const testContract = defineContract({
  source: 'test',
  events: {
    'test.counted': { 1: z.object({ n: z.number().int().nonnegative() }) },
  },
});

export interface DriverUnderTest {
  readonly db: Database;
  readonly bus: EventBus;
  /** Puts an arbitrary message on a topic, bypassing all validation (to simulate poison or redelivery). */
  rawProduce(topic: string, key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

export interface DriverFactory {
  readonly name: string;
  open(registry: EventRegistry): Promise<DriverUnderTest>;
}

/** Effects table + a handler that counts each event and checks per-key order. */
export async function effectsTable(db: Database, table: string): Promise<void> {
  await sql`create table if not exists ${sql.table(table)} (event_id text primary key, key text not null, n int not null, applied int not null default 1)`.execute(db.kysely);
  await sql`create table if not exists ${sql.table(`${table}_order`)} (key text primary key, last_n int not null, violations int not null default 0)`.execute(db.kysely);
}

export function countingHandler(table: string, options: { failWhen?: (n: number) => boolean } = {}): Handler {
  return async (event, { tx }) => {
    const n = (event.data as { n: number }).n;
    if (options.failWhen?.(n)) throw new Error(`handler refuses n=${n}`);
    await sql`insert into ${sql.table(table)} (event_id, key, n) values (${event.id}, ${event.key}, ${n})
      on conflict (event_id) do update set applied = ${sql.table(table)}.applied + 1`.execute(tx.db);
    await sql`insert into ${sql.table(`${table}_order`)} (key, last_n) values (${event.key}, ${n})
      on conflict (key) do update set last_n = excluded.last_n,
        violations = ${sql.table(`${table}_order`)}.violations + case when excluded.last_n = ${sql.table(`${table}_order`)}.last_n + 1 then 0 else 1 end`.execute(tx.db);
  };
}

async function effects(db: Database, table: string) {
  const { rows } = await sql<{ total: string; over: string; violations: string | null }>`
    select count(*)::text as total, count(*) filter (where applied <> 1)::text as over,
      (select sum(violations)::text from ${sql.table(`${table}_order`)}) as violations
    from ${sql.table(table)}`.execute(db.kysely);
  const r = rows[0]!;
  return { total: Number(r.total), overApplied: Number(r.over), orderViolations: Number(r.violations ?? 0) };
}

export function eventBusContract(factory: DriverFactory): void {
  describe(`EventBus contract: ${factory.name}`, () => {
    const registry = new EventRegistry([platformContract, testContract]);
    let d: DriverUnderTest;
    before(async () => {
      d = await factory.open(registry);
      await d.bus.start();
    });
    after(async () => {
      await d?.close();
    });

    const publishCounted = async (topic: string, keys: readonly string[], perKey: number, perTx = 10) => {
      const outbox = new Outbox(d.db, { source: 'test', registry });
      const all = keys.flatMap((key) => Array.from({ length: perKey }, (_, i) => ({ key, n: i + 1 })));
      // interleave keys so transactions mix them, as real traffic does
      all.sort((a, b) => a.n - b.n || a.key.localeCompare(b.key));
      for (let i = 0; i < all.length; i += perTx) {
        await outbox.transaction(async (tx) => {
          for (const e of all.slice(i, i + perTx)) tx.publish({ type: 'test.counted', topic, key: e.key, data: { n: e.n } });
        });
      }
    };

    test('a committed transaction delivers each event once, in order per key', async () => {
      const topic = uniqueName('t-order');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: countingHandler(table) });
      await publishCounted(topic, ['a', 'b', 'c', 'd'], 50);
      const fx = await waitFor('200 effects', async () => ((await effects(d.db, table)).total >= 200 ? effects(d.db, table) : undefined));
      assert.deepEqual(fx, { total: 200, overApplied: 0, orderViolations: 0 });
      await sub.close();
    });

    test('a batch handler gets each event once, in order per key, a batch per transaction', async () => {
      const topic = uniqueName('t-batch');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      const one = countingHandler(table);
      let calls = 0;
      const sub = await d.bus.subscribe({
        group: uniqueName('g'),
        topics: [topic],
        handleBatch: async (events, ctx) => {
          calls++;
          for (const e of events) await one(e, ctx);
        },
      });
      await publishCounted(topic, ['a', 'b', 'c'], 100, 50);
      const fx = await waitFor('300 effects', async () => ((await effects(d.db, table)).total >= 300 ? effects(d.db, table) : undefined));
      assert.deepEqual(fx, { total: 300, overApplied: 0, orderViolations: 0 });
      assert.ok(calls < 300, `events were batched (${calls} calls for 300 events)`);
      await sub.close();
      await assert.rejects(
        d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: one, handleBatch: async () => {} }),
        /exactly one of handle or handleBatch/,
      );
    });

    test('a rolled-back transaction publishes nothing', async () => {
      const topic = uniqueName('t-rollback');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      const outbox = new Outbox(d.db, { source: 'test', registry });
      await assert.rejects(
        outbox.transaction(async (tx) => {
          tx.publish({ type: 'test.counted', topic, key: 'x', data: { n: 1 } });
          throw new Error('business rule failed');
        }),
        /business rule failed/,
      );
      await outbox.transaction(async (tx) => void tx.publish({ type: 'test.counted', topic, key: 'y', data: { n: 1 } }));
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: countingHandler(table) });
      await waitFor('the committed event', async () => (await effects(d.db, table)).total >= 1);
      await new Promise((r) => setTimeout(r, 300));
      const { rows } = await sql<{ key: string }>`select key from ${sql.table(table)}`.execute(d.db.kysely);
      assert.deepEqual(rows.map((r) => r.key), ['y']);
      await sub.close();
    });

    test('a publish whose data breaks its schema fails the transaction', async () => {
      const outbox = new Outbox(d.db, { source: 'test', registry });
      await assert.rejects(
        outbox.transaction(async (tx) => void tx.publish({ type: 'test.counted', key: 'k', data: { n: -1 } })),
        (err: Error & { code?: string }) => err.code === 'MR_EVENT_SCHEMA_MISMATCH',
      );
    });

    test('redelivered copies of an event apply once', async () => {
      const topic = uniqueName('t-dup');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      const make = envelopeFactory({ source: 'test' });
      const { envelope } = make({ type: 'test.counted', key: 'k', data: { n: 1 } });
      for (let i = 0; i < 3; i++) await d.rawProduce(topic, 'k', JSON.stringify(envelope));
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: countingHandler(table) });
      await waitFor('effect', async () => (await effects(d.db, table)).total >= 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(await effects(d.db, table), { total: 1, overApplied: 0, orderViolations: 0 });
      await sub.close();
    });

    test('poison messages go to the DLQ with their reason; the partition keeps flowing; re-drive works once fixed', async () => {
      const topic = uniqueName('t-poison');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      const group = uniqueName('g');
      await effectsTable(d.db, table);
      const make = envelopeFactory({ source: 'test' });
      const good = (n: number) => JSON.stringify(make({ type: 'test.counted', key: 'k', data: { n } }).envelope);
      await d.rawProduce(topic, 'k', good(1));
      await d.rawProduce(topic, 'k', '{not json');
      await d.rawProduce(topic, 'k', JSON.stringify(make({ type: 'test.unknown-thing', key: 'k', data: {} }).envelope));
      await d.rawProduce(topic, 'k', JSON.stringify(make({ type: 'test.counted', key: 'k', data: { n: 'two' } }).envelope));
      await d.rawProduce(topic, 'k', good(2));
      await d.rawProduce(topic, 'k', good(3)); // the handler has a bug for n=3 until fixed
      await d.rawProduce(topic, 'k', good(4));
      let fixed = false;
      const sub = await d.bus.subscribe({
        group,
        topics: [topic],
        retry: { maxAttempts: 3, backoffMs: 5 },
        handle: countingHandler(table, { failWhen: (n) => n === 3 && !fixed }),
      });
      await waitFor('n=4 applied after the poison', async () => {
        const { rows } = await sql`select 1 from ${sql.table(table)} where n = 4`.execute(d.db.kysely);
        return rows.length === 1;
      });
      const dead = await waitFor('4 dead letters', async () => {
        const l = await d.bus.deadLetters.list({ group });
        return l.length === 4 ? l : undefined;
      });
      assert.deepEqual(dead.map((x) => x.errorCode), ['MR_EVENT_MALFORMED', 'MR_EVENT_UNKNOWN_TYPE', 'MR_EVENT_SCHEMA_MISMATCH', 'MR_HANDLER_FAILED']);
      assert.ok(dead.every((x) => x.attempts === 3 && x.topic === topic && x.position.length > 0));
      assert.match(dead[3]!.error, /refuses n=3/);
      fixed = true;
      const redriven = await d.bus.deadLetters.redrive(dead[3]!.id);
      assert.equal(redriven.status, 'redriven');
      await assert.rejects(d.bus.deadLetters.redrive(dead[3]!.id), /already|not dead|redriven/);
      const { rows } = await sql<{ n: number }>`select n from ${sql.table(table)} order by n`.execute(d.db.kysely);
      assert.deepEqual(rows.map((r) => r.n), [1, 2, 3, 4]);
      await sub.close();
    });

    test('replay from the beginning into a fresh group rebuilds a read model; replay from a time skips older events', async () => {
      const topic = uniqueName('t-replay');
      const live = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, live);
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: countingHandler(live) });
      await publishCounted(topic, ['a', 'b'], 20);
      await waitFor('live model', async () => (await effects(d.db, live)).total >= 40);
      await new Promise((r) => setTimeout(r, 1100));
      const cut = new Date();
      await new Promise((r) => setTimeout(r, 100));
      const outbox = new Outbox(d.db, { source: 'test', registry });
      await outbox.transaction(async (tx) => void tx.publish({ type: 'test.counted', topic, key: 'late', data: { n: 1 } }));
      await waitFor('live model', async () => (await effects(d.db, live)).total >= 41);

      const rebuilt = `${live}_rebuilt`;
      await effectsTable(d.db, rebuilt);
      const group = uniqueName('g-replay');
      const replay = await d.bus.replay({ group, topics: [topic], from: { kind: 'earliest' }, handle: countingHandler(rebuilt) });
      await waitFor('rebuilt model', async () => (await effects(d.db, rebuilt)).total >= 41);
      const diff = await sql`(select event_id, key, n from ${sql.table(live)} except select event_id, key, n from ${sql.table(rebuilt)})
        union all (select event_id, key, n from ${sql.table(rebuilt)} except select event_id, key, n from ${sql.table(live)})`.execute(d.db.kysely);
      assert.equal(diff.rows.length, 0, 'rebuilt read model equals the live one');
      await replay.close();
      await assert.rejects(d.bus.replay({ group, topics: [topic], from: { kind: 'earliest' }, handle: countingHandler(rebuilt) }), /fresh group/);

      const since = `${live}_since`;
      await effectsTable(d.db, since);
      const fromTime = await d.bus.replay({ group: uniqueName('g-time'), topics: [topic], from: { kind: 'time', time: cut }, handle: countingHandler(since) });
      await waitFor('events after the cut', async () => (await effects(d.db, since)).total >= 1);
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await sql<{ key: string }>`select key from ${sql.table(since)}`.execute(d.db.kysely);
      assert.deepEqual(rows.map((r) => r.key), ['late']);
      await fromTime.close();
      await sub.close();
    });

    test('the ingestion path (produce) is durable when it resolves and reaches consumers', async () => {
      const topic = uniqueName('t-ingest');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      const sent = await d.bus.produce(
        Array.from({ length: 100 }, (_, i) => ({ type: 'test.counted', topic, key: `k${i % 5}`, data: { n: Math.floor(i / 5) + 1 } })),
        { source: 'test' },
      );
      assert.equal(sent.length, 100);
      await assert.rejects(d.bus.produce([{ type: 'test.counted', topic, key: 'k', data: { n: 'x' } }], { source: 'test' }), /MR_EVENT_SCHEMA_MISMATCH|expected number/);
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: countingHandler(table) });
      const fx = await waitFor('100 effects', async () => ((await effects(d.db, table)).total >= 100 ? effects(d.db, table) : undefined));
      assert.deepEqual(fx, { total: 100, overApplied: 0, orderViolations: 0 });
      await sub.close();
    });

    test('a large produce for one key (3 MB, one partition) is accepted and stays in order', async () => {
      const topic = uniqueName('t-large');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      const blob = 'x'.repeat(1000);
      await d.bus.produce(
        Array.from({ length: 3000 }, (_, i) => ({ type: 'test.counted', topic, key: 'one-key', data: { n: i + 1, blob } })),
        { source: 'test' },
      );
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: countingHandler(table), batchSize: 1000 });
      const fx = await waitFor('3000 effects', async () => ((await effects(d.db, table)).total >= 3000 ? effects(d.db, table) : undefined), 60_000);
      assert.deepEqual(fx, { total: 3000, overApplied: 0, orderViolations: 0 });
      await sub.close();
    });

    test('group commit: concurrent units share transactions, each acknowledged after commit; a failing unit fails alone', async () => {
      const topic = uniqueName('t-group');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      await effectsTable(d.db, table);
      await sql`create table ${sql.table(`${table}_rows`)} (n int primary key)`.execute(d.db.kysely);
      const outbox = new Outbox(d.db, { source: 'test', registry });
      const results = await Promise.allSettled(
        Array.from({ length: 300 }, (_, i) =>
          outbox.groupCommit(async (tx) => {
            if (i === 150) throw new Error('unit 150 is invalid');
            await sql`insert into ${sql.table(`${table}_rows`)} (n) values (${i})`.execute(tx.db);
            tx.publish({ type: 'test.counted', topic, key: `k${i % 7}`, data: { n: i } });
            return i;
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 299);
      assert.match(String((results[150] as PromiseRejectedResult).reason), /unit 150 is invalid/);
      const rows = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${table}_rows`)}`.execute(d.db.kysely);
      assert.equal(rows.rows[0]!.n, 299);
      const seen = new Set<number>();
      const sub = await d.bus.subscribe({ group: uniqueName('g'), topics: [topic], handle: async (e) => void seen.add((e.data as { n: number }).n) });
      await waitFor('299 events', () => seen.size >= 299);
      assert.equal(seen.has(150), false, 'the failed unit published nothing');
      await sub.close();
    });

    test('closing a subscription mid-stream and resubscribing loses nothing and applies nothing twice', async () => {
      const topic = uniqueName('t-close');
      const table = `fx_${topic.replace(/-/g, '_')}`;
      const group = uniqueName('g');
      await effectsTable(d.db, table);
      const slow: Handler = async (e, ctx) => {
        await new Promise((r) => setTimeout(r, 1));
        await countingHandler(table)(e, ctx);
      };
      await publishCounted(topic, ['a', 'b', 'c'], 100, 25);
      let sub = await d.bus.subscribe({ group, topics: [topic], handle: slow, batchSize: 20 });
      await waitFor('some effects', async () => (await effects(d.db, table)).total >= 30);
      await sub.close();
      const mid = (await effects(d.db, table)).total;
      sub = await d.bus.subscribe({ group, topics: [topic], handle: slow, batchSize: 20 });
      const fx = await waitFor('all effects', async () => ((await effects(d.db, table)).total >= 300 ? effects(d.db, table) : undefined));
      assert.ok(mid < 300, 'closed before the end');
      assert.deepEqual(fx, { total: 300, overApplied: 0, orderViolations: 0 });
      const lag = await d.bus.lag(group, [topic]);
      await sub.close();
      assert.ok(lag.every((l) => l.lag >= 0));
    });
  });
}
