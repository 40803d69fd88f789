// Runs the realtime gateway suite on the embedded log (PGlite) and on Kafka (with PostgreSQL).
import { openDatabase } from '../db/database.ts';
import { EventRegistry } from '../events/contract.ts';
import { createKafkaDriver } from '../events/drivers/kafka-driver.ts';
import { createLogDriver } from '../events/drivers/log-driver.ts';
import { migratePlatform } from '../events/schema.ts';
import { silentLogger } from '../observability/logger.ts';
import { freshPostgres, testKafkaBrokers } from '../testing/index.ts';
import { gatewaySuite } from './gateway.suite.ts';

const log = silentLogger();

gatewaySuite({
  name: 'log driver on PGlite',
  async open() {
    const db = await openDatabase({});
    await migratePlatform(db);
    const bus = createLogDriver({ db, registry: new EventRegistry([]), log, pollMs: 200 });
    return { bus, close: async () => { await bus.close(); await db.close(); } };
  },
});

gatewaySuite({
  name: 'kafka driver on PostgreSQL',
  async open() {
    const pg = await freshPostgres();
    const db = await openDatabase({ url: pg.url });
    await migratePlatform(db);
    const bus = createKafkaDriver({ db, registry: new EventRegistry([]), log, brokers: testKafkaBrokers(), clientId: 'realtime-test' });
    await bus.start();
    return { bus, close: async () => { await bus.close(); await db.close(); await pg.drop(); } };
  },
});
