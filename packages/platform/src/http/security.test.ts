// OWASP API Top 10 checks on PGlite (in memory).
import { securitySuite } from './security.suite.ts';

securitySuite('PGlite', async () => undefined);
