// Runs the EventBus contract suite against every driver: log on PGlite, log on PostgreSQL, kafka on PostgreSQL.
import { sql } from 'kysely';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { openDatabase } from '../db/database.ts';
import { silentLogger } from '../observability/logger.ts';
import { freshPostgres, testKafkaBrokers } from '../testing/index.ts';
import { createKafkaDriver } from './drivers/kafka-driver.ts';
import { createLogDriver } from './drivers/log-driver.ts';
import { eventBusContract } from './event-bus.contract.ts';
import { migratePlatform } from './schema.ts';

const log = silentLogger();

async function rawLogInsert(db: Awaited<ReturnType<typeof openDatabase>>, topic: string, key: string, value: string) {
  await sql`insert into millrace.outbox (topic, key, event_id, type, payload) values (${topic}, ${key}, 'raw', 'raw', ${value})`.execute(db.kysely);
  db.notifyLocal('millrace_outbox');
}

eventBusContract({
  name: 'log driver on PGlite',
  async open(registry) {
    const db = await openDatabase({});
    await migratePlatform(db);
    const bus = createLogDriver({ db, registry, log, pollMs: 200 });
    return { db, bus, rawProduce: (t, k, v) => rawLogInsert(db, t, k, v), close: async () => { await bus.close(); await db.close(); } };
  },
});

eventBusContract({
  name: 'log driver on PostgreSQL',
  async open(registry) {
    const pg = await freshPostgres();
    const db = await openDatabase({ url: pg.url });
    await migratePlatform(db);
    const bus = createLogDriver({ db, registry, log, pollMs: 200 });
    return { db, bus, rawProduce: (t, k, v) => rawLogInsert(db, t, k, v), close: async () => { await bus.close(); await db.close(); await pg.drop(); } };
  },
});

eventBusContract({
  name: 'kafka driver on PostgreSQL',
  async open(registry) {
    const pg = await freshPostgres();
    const db = await openDatabase({ url: pg.url });
    await migratePlatform(db);
    const brokers = testKafkaBrokers();
    const bus = createKafkaDriver({ db, registry, log, brokers, clientId: 'contract-test' });
    const raw = new Producer({ clientId: 'raw', bootstrapBrokers: brokers, serializers: stringSerializers, autocreateTopics: true, acks: -1 });
    return {
      db,
      bus,
      async rawProduce(topic, key, value) {
        await raw.send({ messages: [{ topic, key, value }] });
      },
      close: async () => {
        await raw.close();
        await bus.close();
        await db.close();
        await pg.drop();
      },
    };
  },
});
