// Fraud rules and review on PostgreSQL with Kafka: identity's credential event arrives through a broker.
import { after } from 'node:test';
import { createEventBus, EventRegistry, platformContract, silentLogger } from '@millrace/platform';
import { freshPostgres, testKafkaBrokers } from '@millrace/platform/testing';
import { contract as identityContract } from '@millrace/identity/contract';
import { contract } from './contract.ts';
import { reviewSuite } from './review.suite.ts';

const pg = await freshPostgres('mr_ledger_review');
after(() => pg.drop());
reviewSuite('PostgreSQL + Kafka', async () => pg.url, (db) =>
  createEventBus({ db, registry: new EventRegistry([platformContract, contract, identityContract]), log: silentLogger(), kafkaBrokers: testKafkaBrokers(), clientId: 'ledger-review-test' }));
