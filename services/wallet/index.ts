// Wallet wiring: the customer-facing money API over the ledger's port, in-process (embedded) or over HTTP (distributed).
import type { LedgerClient } from '@millrace/ledger/contract';
import type { FastifyInstance } from 'fastify';
import { walletRoutes } from './api.ts';

export { contract } from './contract.ts';
export { walletRoutes } from './api.ts';
export { httpLedgerClient } from './ledger-http.ts';
export { transferIdFor } from './domain.ts';

export interface WalletOptions {
  /** The ledger: `ledgerService.ledger` in one process, `httpLedgerClient({...})` across processes. */
  readonly ledger: LedgerClient;
}

export interface Wallet {
  /** Fastify plugin with the routes: `await app.register(wallet.routes)`. */
  routes(app: FastifyInstance): Promise<void>;
}

/**
 * The wallet owns no tables: money lives in the ledger; idempotency keys map to ledger transfer ids.
 * @example const wallet = createWallet({ ledger: ledgerService.ledger }); await app.register(wallet.routes)
 */
export function createWallet(options: WalletOptions): Wallet {
  return { routes: (app) => walletRoutes(app, { ledger: options.ledger }) };
}
