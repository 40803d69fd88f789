// Fuzzing every widgets endpoint on PostgreSQL, 100 runs each.
import { after } from 'node:test';
import { freshPostgres } from '../testing/index.ts';
import { fuzzSuite } from './fuzz.suite.ts';

const pg = await freshPostgres('mr_http');
after(() => pg.drop());
fuzzSuite('PostgreSQL', async () => pg.url, 100);
