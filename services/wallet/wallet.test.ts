// The wallet API suite against a ledger process on PGlite (embedded storage).
import { walletSuite } from './wallet.suite.ts';

walletSuite('ledger process on PGlite', async () => undefined);
