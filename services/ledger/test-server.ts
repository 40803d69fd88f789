// The ledger alone in a process, over HTTP, for tests and benchmarks that need a process boundary (kill -9, a remote wallet).
//
//   LEDGER_DB=postgres://... | pglite:/dir   LEDGER_PORT=0   LEDGER_FRAUD=0|1   LEDGER_KAFKA=host:port,...
//   node --import tsx services/ledger/test-server.ts     -> prints "READY <port>" on stdout
//
// Callers authenticate with `Authorization: Test <id>:<roles>` (test-app's authenticator): a harness, not a deployment.
import { createEventBus, createHttpApp, createLogger, EventRegistry, migratePlatform, openDatabase, platformContract } from '@millrace/platform';
import { contract } from './contract.ts';
import { createLedger } from './index.ts';
import { testAuthenticator } from './test-app.ts';

const env = process.env;
const spec = env.LEDGER_DB ?? '';
const log = createLogger({ level: 'warn', name: 'ledger' });
const db = spec.startsWith('pglite:') ? await openDatabase({ pgliteDir: spec.slice(7) }) : await openDatabase({ url: spec, poolSize: 10, log });
await migratePlatform(db);
const bus = env.LEDGER_KAFKA
  ? await createEventBus({ db, registry: new EventRegistry([platformContract, contract]), log, kafkaBrokers: env.LEDGER_KAFKA.split(','), clientId: 'ledger-test-server' })
  : undefined;
await bus?.start();
const service = await createLedger({ db, fraud: env.LEDGER_FRAUD === '1', sweepMs: 1_000, onError: (err) => log.error({ err }, 'ledger subscription failed'), ...(bus ? { bus } : {}) });
const app = await createHttpApp({ authenticators: [testAuthenticator], openapi: false, log });
await app.register(service.routes);
const address = await app.listen({ host: '127.0.0.1', port: Number(env.LEDGER_PORT ?? 0) });
process.stdout.write(`READY ${new URL(address).port}\n`);

const stop = async () => {
  await app.close();
  await service.close();
  await bus?.close();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
