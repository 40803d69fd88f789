// Test helpers: fresh PostgreSQL databases, Kafka address, polling until a condition holds.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { MillraceError } from '../errors.ts';
import type { Authenticator } from '../http/principal.ts';

export const PG_ADMIN_URL = process.env.MILLRACE_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Kafka brokers for integration tests; the test runner starts a single node on 9092 when none is given. */
export function testKafkaBrokers(): string[] {
  return (process.env.MILLRACE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

/**
 * Creates an empty PostgreSQL database for one test file; `drop()` removes it.
 * @example const pgdb = await freshPostgres(); ...; await pgdb.drop()
 */
export async function freshPostgres(prefix = 'mr_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Polls `check` until it returns a truthy value or the time runs out (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** True when something accepts TCP connections on 127.0.0.1:`port` (used to find a running Kafka). */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** The sample `widgets` resource's schema and table, shared by the HTTP tests and the HTTP benchmark. */
export { widgetSchema, createWidgetsTable } from '../http/widgets.fixture.ts';

/**
 * `Authorization: Test <userId>[:<role,role>]`, a stand-in for identity's tokens in service tests (never mounted
 * by the server). Without roles the caller is a customer.
 * @example await app.inject({ url: '/api/orders/orders', headers: as('alice') })
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

/** Headers for `testAuthenticator`. @example as('ops', 'operator') */
export const as = (user: string, roles = 'customer') => ({ authorization: `Test ${user}:${roles}` });

/** A clock tests move by hand, for code that takes `now: () => Date`. */
export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

/** @example const clock = testClock(); const x = create({ now: clock.now }); clock.advance(60) */
export function testClock(start = '2026-01-01T00:00:00Z'): TestClock {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (s) => void (t += s * 1000) };
}
