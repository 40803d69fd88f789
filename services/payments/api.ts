// Payments' HTTP resources under /api/payments: staff views of payments and a reconciliation, and the synchronous charge port.
import { MillraceError, sql, type Principal } from '@millrace/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { paymentCodes } from './errors.ts';
import type { Payments } from './payments.ts';
import { paymentView, payments as store, type Executor } from './store.ts';

export interface PaymentRouteDeps {
  readonly payments: Payments;
  readonly db: Executor;
}

const STAFF = ['admin', 'operator'];
const SERVICE = ['admin', 'service'];

const bodies = {
  charge: z.object({ orderId: z.string().min(1).max(100), customerId: z.string().min(1).max(200), amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), currency: z.string().regex(/^[A-Z]{3}$/) }).strict(),
  refund: z.object({ reason: z.string().min(1).max(200) }).strict(),
  orderId: z.object({ orderId: z.string().min(1).max(100) }),
  list: z.object({ status: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  throw new MillraceError('validation', paymentCodes.validation, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { details: r.error.issues });
}

function requireRole(req: FastifyRequest, roles: readonly string[]): Principal {
  const p = req.principal;
  if (!p) throw new MillraceError('unauthenticated', paymentCodes.unauthenticated, 'authentication required');
  if (!p.roles.some((r) => roles.includes(r))) throw new MillraceError('forbidden', paymentCodes.forbidden, `requires one of the roles: ${roles.join(', ')}`);
  return p;
}

/** Registers the payments routes. */
export async function paymentRoutes(app: FastifyInstance, deps: PaymentRouteDeps): Promise<void> {
  app.get('/api/payments/payments', async (req) => {
    requireRole(req, STAFF);
    const q = parse(bodies.list, req.query);
    return { items: (await store.list(deps.db, q)).map(paymentView) };
  });

  app.get('/api/payments/orders/:orderId', async (req) => {
    requireRole(req, [...STAFF, 'service']);
    const p = await store.byOrder(deps.db, parse(bodies.orderId, req.params).orderId);
    if (!p) throw new MillraceError('not-found', paymentCodes.notFound, 'no payment for this order');
    return paymentView(p);
  });

  /** Totals per status: what operators reconcile against the provider's statement and the orders. */
  app.get('/api/payments/summary', async (req) => {
    requireRole(req, STAFF);
    const { rows } = await sql<{ status: string; n: string; amount: string }>`
      select status, count(*)::text as n, coalesce(sum(amount), 0)::text as amount from payments.payments group by status order by status`.execute(deps.db);
    return { byStatus: Object.fromEntries(rows.map((r) => [r.status, { count: Number(r.n), amount: Number(r.amount) }])) };
  });

  // the synchronous variant's port: charge inside the caller's request
  app.post('/api/payments/charges', async (req, reply) => {
    requireRole(req, SERVICE);
    const row = await deps.payments.chargeNow(parse(bodies.charge, req.body));
    return reply.code(row.status === 'captured' ? 201 : row.status === 'pending' ? 503 : 402).send(paymentView(row));
  });

  app.post('/api/payments/orders/:orderId/refund', async (req) => {
    requireRole(req, SERVICE);
    const { orderId } = parse(bodies.orderId, req.params);
    const { reason } = parse(bodies.refund, req.body);
    const row = await deps.payments.refundNow(orderId, reason);
    if (!row) throw new MillraceError('not-found', paymentCodes.notFound, 'no payment for this order');
    return paymentView(row);
  });
}
