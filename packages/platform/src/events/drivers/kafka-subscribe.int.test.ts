// Subscribing while Kafka is unreachable: the driver keeps trying until the brokers answer, or fails with a clear error.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '../../db/database.ts';
import { MillraceError } from '../../errors.ts';
import { silentLogger } from '../../observability/logger.ts';
import { freshPostgres, testKafkaBrokers, uniqueName, waitFor } from '../../testing/index.ts';
import { EventRegistry } from '../contract.ts';
import { platformContract } from '../dead-letters.ts';
import { testContract } from '../event-bus.contract.ts';
import { migratePlatform } from '../schema.ts';
import { createKafkaDriver } from './kafka-driver.ts';

const registry = new EventRegistry([platformContract, testContract]);

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** From `port`, forwards every connection to the real broker: Kafka "comes up" on that address. */
async function forwarder(port: number, to: string) {
  const [host, target] = to.split(':');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

describe('kafka driver: subscribe while Kafka is unreachable', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let db: Database;

  before(async () => {
    pg = await freshPostgres();
    db = await openDatabase({ url: pg.url });
    await migratePlatform(db);
  });
  after(async () => {
    await db.close();
    await pg.drop();
  });

  test('subscribe waits for the brokers to come up, then consumes', async () => {
    const port = await freePort();
    const bus = createKafkaDriver({ db, registry, log: silentLogger(), brokers: [`127.0.0.1:${port}`], clientId: uniqueName('late'), subscribeTimeoutMs: 60_000 });
    const topic = uniqueName('late');
    const seen: number[] = [];
    let settled = false;
    const subscribing = bus.subscribe({ group: uniqueName('late'), topics: [topic], async handle(e) { seen.push((e.data as { n: number }).n); } });
    void subscribing.finally(() => (settled = true)).catch(() => {});
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(settled, false, 'still trying while nothing listens');
    const proxy = await forwarder(port, testKafkaBrokers()[0]!);
    try {
      const handle = await subscribing;
      await bus.start();
      await bus.produce([{ type: 'test.counted', topic, key: 'k', data: { n: 7 } }], { source: 'test' });
      await waitFor('the event consumed', () => seen.length === 1, 30_000);
      assert.deepEqual(seen, [7]);
      await handle.close();
    } finally {
      await bus.close();
      await proxy.close();
    }
  });

  test('after subscribeTimeoutMs it fails with MR_KAFKA_UNAVAILABLE, naming the group and the brokers', async () => {
    const port = await freePort();
    const bus = createKafkaDriver({ db, registry, log: silentLogger(), brokers: [`127.0.0.1:${port}`], clientId: uniqueName('never'), subscribeTimeoutMs: 1_500 });
    try {
      await assert.rejects(bus.subscribe({ group: 'never-up', topics: ['nothing'], async handle() {} }), (err: unknown) => {
        assert.ok(err instanceof MillraceError);
        assert.equal(err.code, 'MR_KAFKA_UNAVAILABLE');
        assert.match(err.message, /group never-up: could not join on Kafka 127\.0\.0\.1:\d+ after \d+ attempts/);
        return true;
      });
    } finally {
      await bus.close();
    }
  });
});
