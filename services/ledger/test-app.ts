// Test harness: the ledger on PGlite (or PostgreSQL), a controllable clock, and an HTTP app with a header authenticator.
import { createHttpApp, migratePlatform, MillraceError, openDatabase, type Authenticator, type Database, type EventBus } from '@millrace/platform';
import type { FastifyInstance } from 'fastify';
import { createLedger, type LedgerService } from './index.ts';

export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

export function testClock(start = '2026-01-01T00:00:00Z'): TestClock {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (s) => void (t += s * 1000) };
}

/**
 * `Authorization: Test <userId>[:<role>,<role>]`: a stand-in for identity's JWTs in tests.
 * @example headers: { authorization: 'Test alice:customer' }
 */
export const testAuthenticator: Authenticator = {
  async authenticate(req) {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !h.startsWith('Test ')) return null;
    const [id, roles] = h.slice(5).split(':');
    if (!id) throw new MillraceError('unauthenticated', 'TEST_BAD_CREDENTIALS', 'bad test credentials');
    return { kind: 'user', id, roles: (roles ?? 'customer').split(','), scopes: [] };
  },
};

export const as = (user: string, roles = 'customer') => ({ authorization: `Test ${user}:${roles}` });

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
