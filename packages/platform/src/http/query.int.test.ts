// The querying suite on PostgreSQL.
import { after } from 'node:test';
import { freshPostgres } from '../testing/index.ts';
import { querySuite } from './query.suite.ts';

const pg = await freshPostgres('mr_http');
after(() => pg.drop());
querySuite('PostgreSQL', async () => pg.url);
