// One commerce service as its own process (the distributed mode of TC3 and the failure benchmarks):
//
//   COMMERCE_SERVICE=orders|catalog|payments  COMMERCE_DB=postgres://...  COMMERCE_BROKERS=h:p,...  COMMERCE_NS=<namespace>
//   [COMMERCE_PORT=0] [COMMERCE_DECLINE_RATE=0.05] [COMMERCE_RF=3]  node --import tsx apps/server/src/commerce/node.ts
//
// Each service has its own database (its schema, its outbox, its inbox); they meet only on Kafka.
// stdout: one JSON line {"type":"ready", pid, port?} when it serves; warnings go to stderr.
import type { AddressInfo } from 'node:net';
import { pino, destination } from 'pino';
import { createHttpApp } from '@millrace/platform';
import { createCatalog } from '@millrace/catalog';
import { createOrders } from '@millrace/orders';
import { createPayments, simulatedProvider, sqlProviderRecords } from '@millrace/payments';
import { kafkaInfra, testAuthenticator } from './stack.ts';

function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') throw new Error(`commerce-node: ${name} is required`);
  return v;
}

export async function run(): Promise<void> {
  await main();
  await new Promise(() => {}); // serve until killed
}

async function main(): Promise<void> {
  const service = env('COMMERCE_SERVICE');
  const namespace = env('COMMERCE_NS');
  const log = pino({ level: 'warn', base: { service, pid: process.pid } }, destination(2));
  const rf = Number(env('COMMERCE_RF', '3'));
  const infra = await kafkaInfra({ url: env('COMMERCE_DB'), brokers: env('COMMERCE_BROKERS').split(','), clientId: `${namespace}-${service}`, log, partitions: 3, replicationFactor: rf });
  const app = await createHttpApp({ log, authenticators: [testAuthenticator], openapi: false });
  let start: () => Promise<void>;
  if (service === 'orders') {
    const s = await createOrders({ db: infra.db, bus: infra.bus, log, namespace });
    await app.register(s.routes);
    start = s.start;
  } else if (service === 'catalog') {
    const s = await createCatalog({ db: infra.db, bus: infra.bus, log, namespace });
    await app.register(s.routes);
    start = s.start;
  } else if (service === 'payments') {
    const provider = simulatedProvider({ latencyMs: [1, 5], declineRate: Number(env('COMMERCE_DECLINE_RATE', '0.05')), records: await sqlProviderRecords(infra.db) });
    const s = await createPayments({ db: infra.db, bus: infra.bus, log, namespace, provider, leaseMs: 3_000 });
    await app.register(s.routes);
    start = s.start;
  } else {
    throw new Error(`commerce-node: unknown service ${service}`);
  }
  await infra.bus.start();
  await start();
  await app.listen({ port: Number(env('COMMERCE_PORT', '0')), host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ type: 'ready', pid: process.pid, service, port: (app.server.address() as AddressInfo).port })}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
