// The wallet API suite against a ledger process on PostgreSQL.
import { after } from 'node:test';
import { freshPostgres } from '@millrace/platform/testing';
import { walletSuite } from './wallet.suite.ts';

const pg = await freshPostgres('mr_wallet');
after(() => pg.drop());
walletSuite('ledger process on PostgreSQL', async () => pg.url);
