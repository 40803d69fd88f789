// The widgets resource suite on PostgreSQL.
import { after } from 'node:test';
import { freshPostgres } from '../testing/index.ts';
import { resourceSuite } from './resource.suite.ts';

const pg = await freshPostgres('mr_http');
after(() => pg.drop());
resourceSuite('PostgreSQL', async () => pg.url);
