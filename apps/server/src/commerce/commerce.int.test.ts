// The commerce scenarios on Kafka + PostgreSQL (each service in its own schema, events through Kafka topics).
import { randomBytes } from 'node:crypto';
import { after, describe } from 'node:test';
import { freshPostgres, testKafkaBrokers } from '@millrace/platform/testing';
import { kafkaInfra } from './stack.ts';
import { commerceSuite } from './commerce.suite.ts';

describe('commerce on Kafka + PostgreSQL', () => {
  const dbs: Array<{ drop(): Promise<void> }> = [];
  after(async () => {
    for (const d of dbs) await d.drop().catch(() => {});
  });
  commerceSuite('kafka', async () => {
    const pg = await freshPostgres('mr_commerce');
    dbs.push(pg);
    // a namespace per run: topics and consumer groups of their own on the shared broker
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const infra = await kafkaInfra({ url: pg.url, brokers: testKafkaBrokers(), clientId: namespace });
    return { ...infra, namespace };
  }, { orders: 1000, stock: 100, timeoutMs: 90_000, notifications: true });
});
