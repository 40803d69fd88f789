// OWASP API Top 10 checks on PostgreSQL.
import { after } from 'node:test';
import { freshPostgres } from '../testing/index.ts';
import { securitySuite } from './security.suite.ts';

const pg = await freshPostgres('mr_http');
after(() => pg.drop());
securitySuite('PostgreSQL', async () => pg.url);
