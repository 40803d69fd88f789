// Test harness: a Fastify app with identity's routes, a stand-in problem+json error handler and a controllable clock.
import { MillraceError, migratePlatform, openDatabase, type Database } from '@millrace/platform';
import { testClock, type TestClock } from '@millrace/platform/testing';
import Fastify, { type FastifyInstance } from 'fastify';

import { identityConfig, type IdentityConfig } from './config.ts';
import { createIdentity, type Identity } from './index.ts';
import type { PasswordHasher } from './passwords.ts';

export { testClock, type TestClock };

const STATUS: Record<string, number> = {
  validation: 400, unauthenticated: 401, forbidden: 403, 'not-found': 404, conflict: 409, throttled: 429, unavailable: 503,
};

/** Until the platform's error handler is wired: kind -> RFC 9457 problem+json, Retry-After for throttling. */
export function installProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    if (!(err instanceof MillraceError)) {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title: 'error', status, detail: status < 500 ? (err as Error).message : 'internal error' });
    }
    const status = STATUS[err.kind] ?? 500;
    const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (retry !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retry))));
    return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title: err.kind, status, detail: err.message, code: err.code });
  });
}


export interface Harness {
  readonly app: FastifyInstance;
  readonly identity: Identity;
  readonly db: Database;
  readonly clock: TestClock;
  readonly config: IdentityConfig;
  close(): Promise<void>;
}

/** PGlite in memory unless `url` is given (PostgreSQL). */
export async function startHarness(options: { url?: string; config?: Partial<IdentityConfig>; hasher?: PasswordHasher } = {}): Promise<Harness> {
  const clock = testClock();
  const db = await openDatabase({ url: options.url });
  await migratePlatform(db);
  const config = identityConfig({ keyEncryptionKey: Buffer.alloc(32, 7), ...options.config });
  const identity = await createIdentity({ db, config, now: clock.now, ...(options.hasher ? { hasher: options.hasher } : {}) });
  const app = Fastify({ logger: false });
  installProblemHandler(app);
  await app.register(identity.routes);
  await app.ready();
  return {
    app, identity, db, clock, config,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Outbox rows of identity events, oldest first: type and parsed envelope. */
export async function auditEvents(db: Database): Promise<Array<{ type: string; payload: string; data: Record<string, unknown> }>> {
  const rows = (await db.kysely.selectFrom('millrace.outbox').select(['type', 'payload']).where('type', 'like', 'identity.%').orderBy('id').execute()) as Array<{ type: string; payload: string }>;
  return rows.map((r) => ({ ...r, data: (JSON.parse(r.payload) as { data: Record<string, unknown> }).data }));
}
