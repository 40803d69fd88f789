// The querying suite on PGlite (in memory).
import { querySuite } from './query.suite.ts';

querySuite('PGlite', async () => undefined);
