// The widgets resource suite on PGlite (in memory).
import { resourceSuite } from './resource.suite.ts';

resourceSuite('PGlite', async () => undefined);
