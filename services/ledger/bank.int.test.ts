// The bank test on PostgreSQL with the Kafka relay running in the ledger process, killed -9 three times.
import { after } from 'node:test';
import { openDatabase } from '@millrace/platform';
import { freshPostgres, testKafkaBrokers } from '@millrace/platform/testing';
import { bankSuite } from './bank.suite.ts';

const pg = await freshPostgres('mr_ledger_bank');
after(() => pg.drop());
bankSuite('PostgreSQL + Kafka', async () => ({ db: pg.url, open: () => openDatabase({ url: pg.url }), kafka: testKafkaBrokers().join(','), kills: 3 }));
