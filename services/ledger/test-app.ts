// Test harness: the ledger on PGlite (or PostgreSQL), a controllable clock, and an HTTP app with a header authenticator.
import { createHttpApp, migratePlatform, openDatabase, type Database, type EventBus } from '@millrace/platform';
import { as, testAuthenticator, testClock, type TestClock } from '@millrace/platform/testing';
import type { FastifyInstance } from 'fastify';
import { createLedger, type LedgerService } from './index.ts';

export { as, testAuthenticator, testClock, type TestClock };




export interface LedgerHarness {
  readonly db: Database;
  readonly service: LedgerService;
  readonly clock: TestClock;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** PGlite in memory unless `url` is given (PostgreSQL). */
export async function startLedger(options: { url?: string; bus?: (db: Database) => Promise<EventBus>; fraud?: boolean; clock?: TestClock } = {}): Promise<LedgerHarness> {
  const clock = options.clock ?? testClock();
  const db = await openDatabase({ url: options.url, poolSize: 12 });
  await migratePlatform(db);
  const bus = options.bus ? await options.bus(db) : undefined;
  const service = await createLedger({ db, now: clock.now, fraud: options.fraud ?? true, sweepMs: 0, ...(bus ? { bus } : {}) });
  const app = await createHttpApp({ authenticators: [testAuthenticator], openapi: false });
  await app.register(service.routes);
  await app.ready();
  return {
    db, service, clock, app,
    async close() {
      await app.close();
      await service.close();
      await bus?.close();
      await db.close();
    },
  };
}
