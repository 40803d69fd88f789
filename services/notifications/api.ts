// Notifications' HTTP resources under /api/notifications: the customer's inbox and e-mail preference; webhooks and deliveries for staff.
import { randomBytes } from 'node:crypto';
import { MillraceError, uuidv7, type Principal } from '@millrace/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notificationCodes } from './errors.ts';
import { deliveryView, notificationView, store, type DeliveryRow, type Executor, type NotificationRow } from './store.ts';

export interface NotificationRouteDeps {
  readonly db: Executor;
  readonly now: () => Date;
}

const STAFF = ['admin', 'operator'];

const bodies = {
  inbox: z.object({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
  id: z.object({ id: z.string().min(1).max(100) }),
  preferences: z.object({ email: z.string().trim().email().max(320).nullable() }).strict(),
  webhook: z.object({
    url: z.string().url().max(2000).refine((u) => /^https?:\/\//.test(u), 'http(s) only'),
    events: z.array(z.string().regex(/^(\*|[a-z][a-z-]*)$/)).min(1).max(20),
    secret: z.string().min(16).max(200).optional(),
  }).strict(),
  deliveries: z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), channel: z.enum(['in-app', 'email', 'webhook']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  throw new MillraceError('validation', notificationCodes.validation, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { details: r.error.issues });
}

function caller(req: FastifyRequest, roles?: readonly string[]): Principal {
  const p = req.principal;
  if (!p) throw new MillraceError('unauthenticated', notificationCodes.unauthenticated, 'authentication required');
  if (roles && !p.roles.some((r) => roles.includes(r))) throw new MillraceError('forbidden', notificationCodes.forbidden, `requires one of the roles: ${roles.join(', ')}`);
  return p;
}

export async function notificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): Promise<void> {
  const { db } = deps;

  app.get('/api/notifications/inbox', async (req) => {
    const p = caller(req);
    const q = parse(bodies.inbox, req.query);
    let query = db.selectFrom('notifications.notifications').selectAll().where('customer_id', '=', p.id).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit);
    if (q.unread === 'true') query = query.where('read_at', 'is', null);
    const rows = (await query.execute()) as NotificationRow[];
    const unread = await db.selectFrom('notifications.notifications').select((eb) => eb.fn.countAll().as('n')).where('customer_id', '=', p.id).where('read_at', 'is', null).executeTakeFirst();
    return { items: rows.map(notificationView), unread: Number(unread?.n ?? 0) };
  });

  app.post('/api/notifications/inbox/:id/read', async (req, reply) => {
    const p = caller(req);
    const r = await db.updateTable('notifications.notifications').set({ read_at: deps.now() }).where('id', '=', parse(bodies.id, req.params).id).where('customer_id', '=', p.id).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new MillraceError('not-found', notificationCodes.notFound, 'no such notification');
    return reply.code(204).send();
  });

  app.post('/api/notifications/inbox/read-all', async (req, reply) => {
    const p = caller(req);
    await db.updateTable('notifications.notifications').set({ read_at: deps.now() }).where('customer_id', '=', p.id).where('read_at', 'is', null).execute();
    return reply.code(204).send();
  });

  app.get('/api/notifications/preferences', async (req) => {
    const p = caller(req);
    return { email: await store.email(db, p.id) };
  });

  app.put('/api/notifications/preferences', async (req) => {
    const p = caller(req);
    const { email } = parse(bodies.preferences, req.body);
    await store.setEmail(db, p.id, email, deps.now());
    return { email };
  });

  app.post('/api/notifications/webhooks', async (req, reply) => {
    caller(req, ['admin']);
    const b = parse(bodies.webhook, req.body);
    const row = { id: uuidv7(), url: b.url, secret: b.secret ?? randomBytes(24).toString('base64url'), events: b.events, active: true, created_at: deps.now() };
    await db.insertInto('notifications.webhooks').values(row).execute();
    // the secret is shown once, at creation, so the receiver can verify signatures
    return reply.code(201).send({ id: row.id, url: row.url, events: row.events, secret: row.secret });
  });

  app.get('/api/notifications/webhooks', async (req) => {
    caller(req, ['admin']);
    const rows = await db.selectFrom('notifications.webhooks').select(['id', 'url', 'events', 'active', 'created_at']).orderBy('created_at').execute();
    return { items: rows };
  });

  app.delete('/api/notifications/webhooks/:id', async (req, reply) => {
    caller(req, ['admin']);
    await db.updateTable('notifications.webhooks').set({ active: false }).where('id', '=', parse(bodies.id, req.params).id).execute();
    return reply.code(204).send();
  });

  app.get('/api/notifications/deliveries', async (req) => {
    caller(req, STAFF);
    const q = parse(bodies.deliveries, req.query);
    let query = db.selectFrom('notifications.deliveries').selectAll().orderBy('created_at', 'desc').limit(q.limit);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.channel) query = query.where('channel', '=', q.channel);
    return { items: ((await query.execute()) as DeliveryRow[]).map(deliveryView) };
  });
}
