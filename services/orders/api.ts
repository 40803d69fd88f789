// Orders' HTTP resources under /api/orders: placement (Idempotency-Key), my orders, cancellation, shipping, operations views.
import { encodeCursor, MillraceError, readCursor, sql, type Principal } from '@millrace/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ORDER_STATUSES } from './contract.ts';
import { SAGA_DONE } from './domain.ts';
import { orderCodes } from './errors.ts';
import type { Orders } from './orders.ts';
import { history, orderView, orders as store, type Executor } from './store.ts';
import type { SyncFlow } from './sync-flow.ts';

export interface OrderRouteDeps {
  readonly orders: Orders;
  readonly db: Executor;
  /** Present when the synchronous variant is wired: `?flow=sync` (or `defaultFlow: 'sync'`) uses it. */
  readonly syncFlow?: SyncFlow | undefined;
  readonly defaultFlow: 'events' | 'sync';
  readonly now: () => Date;
}

const STAFF = ['admin', 'operator'];

const bodies = {
  place: z.object({ lines: z.array(z.object({ productId: z.string().min(1).max(100), quantity: z.number().int().min(1).max(1000) }).strict()).min(1).max(50) }).strict(),
  placeQuery: z.object({ flow: z.enum(['events', 'sync']).optional() }),
  idempotencyKey: z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'visible ASCII'),
  cancel: z.object({ detail: z.string().trim().min(1).max(500).optional() }).strict().default({}),
  ship: z.object({ carrier: z.string().trim().min(1).max(100), trackingNumber: z.string().trim().min(1).max(100) }).strict(),
  id: z.object({ id: z.string().min(1).max(100) }),
  list: z.object({
    status: z.enum(ORDER_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    customerId: z.string().max(200).optional(),
  }).strict(),
  failures: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  throw new MillraceError('validation', orderCodes.validation, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { details: r.error.issues });
}

function caller(req: FastifyRequest): Principal & { staff: boolean } {
  const p = req.principal;
  if (!p) throw new MillraceError('unauthenticated', orderCodes.unauthenticated, 'authentication required');
  return { ...p, staff: p.roles.some((r) => STAFF.includes(r)) };
}

function staff(req: FastifyRequest): Principal {
  const p = caller(req);
  if (!p.staff) throw new MillraceError('forbidden', orderCodes.forbidden, 'requires an operator or admin');
  return p;
}

const ORDER_KEYS = 'placed_at,id';
function decodeCursor(c: string): { at: Date; id: string } {
  const [at, id] = readCursor(c, ORDER_KEYS, 2) ?? [];
  const d = new Date(at ?? '');
  if (Number.isNaN(d.getTime()) || !id) throw new MillraceError('validation', orderCodes.validation, 'cursor: invalid');
  return { at: d, id };
}

/** Registers the orders routes. */
export async function orderRoutes(app: FastifyInstance, deps: OrderRouteDeps): Promise<void> {
  app.post('/api/orders/orders', async (req, reply) => {
    const p = caller(req);
    const { lines } = parse(bodies.place, req.body);
    const raw = req.headers['idempotency-key'];
    const key = raw === undefined ? undefined : parse(bodies.idempotencyKey, raw);
    const flow = parse(bodies.placeQuery, req.query).flow ?? deps.defaultFlow;
    const result = flow === 'sync' && deps.syncFlow ? await deps.syncFlow.place(p.id, lines, key) : await deps.orders.place(p.id, lines, key);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).header('location', `/api/orders/orders/${result.order.id}`).send(result.order);
  });

  app.get('/api/orders/orders', async (req) => {
    const p = caller(req);
    const q = parse(bodies.list, req.query);
    if (q.customerId && !p.staff) throw new MillraceError('forbidden', orderCodes.forbidden, 'customerId filter is for operators');
    // customers see their own orders only; staff see all (or one customer's)
    const customerId = p.staff ? q.customerId : p.id;
    const rows = await store.list(deps.db, { customerId, status: q.status, limit: q.limit, before: q.cursor ? decodeCursor(q.cursor) : undefined });
    const last = rows.at(-1);
    return {
      items: rows.map(orderView),
      next: rows.length === q.limit && last ? `/api/orders/orders?${new URLSearchParams({ ...(q.status ? { status: q.status } : {}), ...(q.customerId ? { customerId: q.customerId } : {}), limit: String(q.limit), cursor: encodeCursor(ORDER_KEYS, [last.placed_at.toISOString(), last.id]) })}` : null,
    };
  });

  app.get('/api/orders/orders/:id', async (req) => {
    const p = caller(req);
    const row = await store.byId(deps.db, parse(bodies.id, req.params).id);
    if (!row || (!p.staff && row.customer_id !== p.id)) throw new MillraceError('not-found', orderCodes.notFound, 'no such order');
    const steps = await history.of(deps.db, row.id);
    return { ...orderView(row), history: steps.map((s) => ({ ...s, at: s.at.toISOString() })) };
  });

  app.post('/api/orders/orders/:id/cancel', async (req) => {
    const p = caller(req);
    const { detail } = parse(bodies.cancel, req.body);
    return deps.orders.cancel(parse(bodies.id, req.params).id, { id: p.id, staff: p.staff }, detail ?? (p.staff ? 'cancelled by an operator' : 'cancelled by the customer'));
  });

  app.post('/api/orders/orders/:id/ship', async (req) => {
    const p = staff(req);
    return deps.orders.ship(parse(bodies.id, req.params).id, p.id, parse(bodies.ship, req.body));
  });

  app.post('/api/orders/orders/:id/deliver', async (req) => {
    const p = staff(req);
    return deps.orders.deliver(parse(bodies.id, req.params).id, p.id);
  });

  /** Operations view: orders per state, compensations done, and orders whose saga has not finished in `stuckAfter` seconds. */
  app.get('/api/orders/stats', async (req) => {
    staff(req);
    const stuckBefore = new Date(deps.now().getTime() - 30_000);
    const { rows } = await sql<{ status: string; n: string; stuck: string }>`
      select status, count(*)::text as n,
        count(*) filter (where not (status = any(${[...SAGA_DONE]}::text[])) and updated_at < ${stuckBefore})::text as stuck
      from orders.orders group by status`.execute(deps.db);
    const { rows: comp } = await sql<{ stock: string; payment: string; reason: string | null; n: string }>`
      select coalesce(stock_compensation, '-') as stock, coalesce(payment_compensation, '-') as payment, reason, count(*)::text as n
      from orders.orders where status in ('rejected', 'cancelled') group by 1, 2, 3 order by 4 desc`.execute(deps.db);
    const byStatus = Object.fromEntries(ORDER_STATUSES.map((s) => [s, Number(rows.find((r) => r.status === s)?.n ?? 0)]));
    return {
      byStatus,
      total: Object.values(byStatus).reduce((a, b) => a + b, 0),
      stuck: rows.reduce((a, r) => a + Number(r.stuck), 0),
      failures: comp.map((c) => ({ reason: c.reason, stockCompensation: c.stock, paymentCompensation: c.payment, count: Number(c.n) })),
    };
  });

  /** The saga's failures, newest first: why each order ended and which compensations ran. */
  app.get('/api/orders/saga-failures', async (req) => {
    staff(req);
    const { limit } = parse(bodies.failures, req.query);
    const rows = (await (deps.db as Executor)
      .selectFrom('orders.orders').selectAll().where('status', 'in', ['rejected', 'cancelled']).orderBy('updated_at', 'desc').limit(limit).execute()) as Parameters<typeof orderView>[0][];
    return { items: rows.map(orderView) };
  });
}
