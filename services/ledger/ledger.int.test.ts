// The ledger suite on PostgreSQL with the Kafka event bus (the distributed mode); events reach Kafka keyed by account id.
import { after } from 'node:test';
import { createEventBus, EventRegistry, platformContract, silentLogger } from '@millrace/platform';
import { freshPostgres, testKafkaBrokers } from '@millrace/platform/testing';
import { contract } from './contract.ts';
import { ledgerSuite } from './ledger.suite.ts';

const pg = await freshPostgres('mr_ledger');
after(() => pg.drop());
ledgerSuite('PostgreSQL + Kafka', async () => pg.url, (db) =>
  createEventBus({ db, registry: new EventRegistry([platformContract, contract]), log: silentLogger(), kafkaBrokers: testKafkaBrokers(), clientId: 'ledger-test' }));
