// The ledger suite on PGlite (in memory): the embedded mode.
import { ledgerSuite } from './ledger.suite.ts';

ledgerSuite('PGlite', async () => undefined);
