// Ledger wiring: schema, outbox, the posting pipeline, the expiry sweeper, the identity subscription and the HTTP routes.
import { defineChannel, EventRegistry, hasRole, isOwner, or, Outbox, type Channel, type Database, type EventBus, type SubscriptionHandle } from '@millrace/platform';
import type { FastifyInstance } from 'fastify';
import { ledgerRoutes } from './api.ts';
import { contract } from './contract.ts';
import { credentialChanges } from './handlers.ts';
import { Ledger } from './ledger.ts';
import { migrateLedger } from './store.ts';

export { contract } from './contract.ts';
export type { AccountView, LedgerClient, StatementLine, TransferCommand, TransferResult, FxCommand, SystemRole } from './contract.ts';
export { Ledger, type HeldTransfer, type ReviewRecord } from './ledger.ts';
export { DEFAULT_RULES, evaluate, type RuleDefinition, type Decision } from './fraud.ts';
export { verifyChain, replayProjections, type ChainReport, type ReplayReport } from './replay.ts';
export { ledgerRoutes } from './api.ts';

export interface LedgerServiceOptions {
  readonly db: Database;
  /** When given, the ledger subscribes to identity's credential events (fraud rule `credential-change`). */
  readonly bus?: EventBus;
  readonly now?: () => Date;
  /** Screen withdrawals and transfers with the fraud rules. Default true. */
  readonly fraud?: boolean;
  readonly maxBatch?: number;
  /** How often expired pending transfers are voided; 0 disables the sweeper. Default 5 000 ms. */
  readonly sweepMs?: number;
  readonly onFraudEval?: (micros: number) => void;
  /** Where a failure to subscribe to identity's events goes (the server's logger). */
  readonly onError?: (err: unknown) => void;
}

export interface LedgerService {
  readonly ledger: Ledger;
  readonly outbox: Outbox;
  /**
   * Realtime: topic `ledger`. Staff follow everything; an owner follows `ledger` (only events whose `ownerId` is theirs)
   * or `ledger:<accountId>` of their own account: live balances and statement lines (`ledger.entries-posted`).
   */
  readonly channels: readonly Channel[];
  /** Fastify plugin with the routes: `await app.register(ledgerService.routes)`. */
  routes(app: FastifyInstance): Promise<void>;
  /** Stops the sweeper and the subscription, waits for in-flight commands. */
  close(): Promise<void>;
}

/**
 * Migrates the ledger schema (the platform schema must exist: createRuntime does it) and wires everything.
 * @example const ledger = await createLedger({ db: rt.db, bus: rt.bus }); await app.register(ledger.routes)
 */
export async function createLedger(options: LedgerServiceOptions): Promise<LedgerService> {
  const now = options.now ?? (() => new Date());
  await migrateLedger(options.db, now());
  const outbox = new Outbox(options.db, { source: contract.source, registry: new EventRegistry([contract]), now });
  const ledger = new Ledger({
    db: options.db, outbox, now, fraud: options.fraud ?? true,
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
    ...(options.onFraudEval ? { onFraudEval: options.onFraudEval } : {}),
  });
  await ledger.reloadRules();
  // in the background: a Kafka group join can wait out a killed predecessor's session, and posting must not wait for it
  const subscribing: Promise<SubscriptionHandle | undefined> = options.bus ? options.bus.subscribe(credentialChanges()).catch((err: unknown) => {
    options.onError?.(err);
    return undefined;
  }) : Promise.resolve(undefined);
  const sweepMs = options.sweepMs ?? 5_000;
  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = sweepMs > 0 ? setInterval(() => void (sweeping = ledger.expireDue().catch(() => 0)), sweepMs) : undefined;
  timer?.unref();
  const channels = [defineChannel({
    topic: 'ledger',
    permission: or(hasRole('admin', 'operator'), isOwner('ownerId')),
    load: async (accountId) => {
      const a = await ledger.account(accountId);
      return a && { id: a.id, ownerId: a.ownerId };
    },
  })];
  return {
    ledger, outbox, channels,
    routes: (app) => ledgerRoutes(app, { ledger }),
    async close() {
      if (timer) clearInterval(timer);
      await sweeping;
      await (await subscribing)?.close();
      await ledger.drained();
    },
  };
}
