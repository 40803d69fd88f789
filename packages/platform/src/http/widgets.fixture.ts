// Test fixture: a sample `widgets` resource (owner, status, price in minor units, read-only and write-only fields) on a fresh app.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { openDatabase, type Database } from '../db/database.ts';
import { MillraceError } from '../errors.ts';
import { Outbox } from '../events/outbox.ts';
import { migratePlatform } from '../events/schema.ts';
import { silentLogger } from '../observability/logger.ts';
import { createHttpApp, type HttpAppOptions } from './app.ts';
import { and, authenticated, hasRole, isOwner, not, or } from './permissions.ts';
import type { Authenticator, Principal } from './principal.ts';
import { httpCodes } from './problem.ts';
import { defineResource, type ResourceOptions } from './resource.ts';
import { defineRouter, registerResources } from './router.ts';

export const CSRF_SECRET = 'test-secret-test-secret-test-secret-0123';

export const widgetSchema = z.object({
  id: z.uuid(),
  ownerId: z.string(),
  status: z.enum(['draft', 'active', 'archived']).default('draft'),
  title: z.string().min(1).max(200),
  body: z.string().max(10_000).default(''),
  price: z.number().int().min(0).max(1_000_000_000_000),
  credit: z.number().int(),
  category: z.string().max(50).nullable().optional(),
  secretNote: z.string().max(500).nullable().optional(),
  createdAt: z.string(),
});

/** `x-test-user: alice` or `alice:admin,staff`; cookie `test_session=alice`; `x-test-user: !` is a forged credential. */
export const testAuthenticator: Authenticator = {
  async authenticate(req) {
    const raw = req.headers['x-test-user'] ?? req.cookies?.test_session;
    if (typeof raw !== 'string' || raw === '') return null;
    if (raw === '!') throw new MillraceError('unauthenticated', httpCodes.unauthenticated, 'forged test credential');
    const [id = '', roles = ''] = raw.split(':');
    return { kind: 'user', id, roles: roles ? roles.split(',') : [], scopes: [] } satisfies Principal;
  },
};

export function widgetsResource(overrides: Partial<ResourceOptions> = {}) {
  return defineResource({
    service: 'shop',
    name: 'widgets',
    table: 'shop.widgets',
    schema: widgetSchema,
    readOnly: ['id', 'ownerId', 'credit', 'createdAt'],
    writeOnly: ['secretNote'],
    filters: { status: ['exact', 'in'], price: ['exact', 'gte', 'lte', 'gt', 'lt'], createdAt: ['gte', 'lte'], category: ['exact', 'isnull'] },
    search: ['title', 'body'],
    ordering: ['createdAt', 'price', 'title'],
    defaultOrdering: '-createdAt',
    permissions: {
      default: or(hasRole('admin'), isOwner('ownerId')),
      create: and(authenticated, not(hasRole('suspended'))),
      'archive-all': hasRole('admin'),
    },
    events: { created: 'shop.widget-created', updated: 'shop.widget-updated', destroyed: 'shop.widget-deleted' },
    hooks: {
      // the owner is the caller, always: a client can never choose it (it is read-only)
      async performCreate({ ctx, data, save }) {
        const obj = await save({ ownerId: ctx.principal!.id, credit: 0 });
        // lets tests prove that a failure after the write rolls back both the row and its event
        if (data.title === 'fail-after-write') throw new MillraceError('conflict', httpCodes.conflict, 'refused after writing');
        return obj;
      },
    },
    actions: [
      {
        name: 'publish',
        on: 'item',
        summary: 'Make a draft widget active',
        async handle({ tx, object, represent }) {
          if (object!.status !== 'draft') throw new MillraceError('conflict', httpCodes.conflict, 'only a draft can be published');
          const row = await tx.db.updateTable('shop.widgets').set({ status: 'active' }).where('id', '=', object!.id).returningAll().executeTakeFirstOrThrow();
          tx.publish({ type: 'shop.widget-published', key: String(object!.id), data: { id: object!.id } });
          return represent({ ...object!, status: row.status });
        },
      },
      {
        name: 'archive-all',
        on: 'collection',
        input: z.object({ status: z.enum(['draft', 'active']) }).strict(),
        async handle({ tx, input }) {
          const r = await tx.db.updateTable('shop.widgets').set({ status: 'archived' }).where('status', '=', (input as { status: string }).status).executeTakeFirst();
          return { archived: Number(r.numUpdatedRows) };
        },
      },
    ],
    ...overrides,
  });
}

export async function createWidgetsTable(db: Database): Promise<void> {
  await migratePlatform(db);
  await sql`create schema if not exists shop`.execute(db.kysely);
  await sql`
    create table if not exists shop.widgets (
      id uuid primary key,
      owner_id text not null,
      status text not null,
      title text not null,
      body text not null default '',
      price bigint not null,
      credit bigint not null default 0,
      category text,
      secret_note text,
      created_at timestamptz not null default clock_timestamp()
    )`.execute(db.kysely);
  await sql`create index if not exists widgets_owner_created on shop.widgets (owner_id, created_at, id)`.execute(db.kysely);
}

export interface WidgetsHarness {
  readonly app: FastifyInstance;
  readonly db: Database;
  /** Row counts of shop.widgets and millrace.outbox. */
  counts(): Promise<{ widgets: number; outbox: number }>;
  close(): Promise<void>;
}

/** A fresh app over `url` (PostgreSQL) or in-memory PGlite, with the widgets resource registered. */
export async function widgetsHarness(options: { url?: string | undefined; app?: HttpAppOptions; resource?: Partial<ResourceOptions> } = {}): Promise<WidgetsHarness> {
  const db = await openDatabase({ url: options.url });
  await createWidgetsTable(db);
  const app = await createHttpApp({ log: silentLogger(), authenticators: [testAuthenticator], csrfSecret: CSRF_SECRET, csrf: { secure: false }, ...options.app });
  registerResources(app, defineRouter({ outbox: new Outbox(db, { source: 'shop' }), resources: [widgetsResource(options.resource)] }));
  await app.ready();
  return {
    app,
    db,
    async counts() {
      const { rows } = await sql<{ w: string; o: string }>`select (select count(*) from shop.widgets) as w, (select count(*) from millrace.outbox) as o`.execute(db.kysely);
      return { widgets: Number(rows[0]!.w), outbox: Number(rows[0]!.o) };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
