// Catalog's HTTP resources under /api/catalog: products (admin CRUD, public reads), stock adjustments, reservations.
import { allowAny, cursorPagination, defineResource, defineRouter, hasRole, MillraceError, registerResources, type Outbox, type Principal } from '@millrace/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { productSchema, RELEASE_REASONS } from './contract.ts';
import { catalogCodes } from './errors.ts';
import type { Inventory } from './inventory.ts';
import { movements, reservations } from './store.ts';

export interface CatalogRouteDeps {
  readonly outbox: Outbox;
  readonly inventory: Inventory;
  readonly now: () => Date;
}

const STAFF = ['admin', 'operator'] as const;
/** Other services calling over HTTP (the synchronous order flow) hold the `service` role. */
const SERVICE = ['admin', 'service'] as const;

/** Products: anyone may browse; admins create, edit and delete. Stock (`onHand`) set here is journaled as an adjustment. */
export function productsResource(deps: CatalogRouteDeps) {
  return defineResource({
    service: 'catalog',
    name: 'products',
    table: 'catalog.products',
    schema: productSchema,
    readOnly: ['id', 'reserved', 'createdAt', 'updatedAt'],
    filters: { sku: ['exact', 'in'], price: ['gte', 'lte'], onHand: ['lte', 'gte'] },
    search: ['name', 'sku'],
    ordering: ['createdAt', 'price', 'name', 'sku'],
    defaultOrdering: 'createdAt',
    pagination: cursorPagination({ defaultSize: 50, maxSize: 200 }),
    permissions: { default: hasRole('admin'), list: allowAny, retrieve: allowAny },
    events: { created: 'catalog.product-created', updated: 'catalog.product-updated', destroyed: 'catalog.product-deleted' },
    hooks: {
      async performCreate({ data, save }) {
        return save({ reserved: 0, lowStockThreshold: data.lowStockThreshold ?? 0 });
      },
      async performUpdate({ tx, ctx, current, changes, save }) {
        const onHand = changes.onHand as number | undefined;
        if (onHand !== undefined && onHand < (current.reserved as number)) {
          throw new MillraceError('conflict', catalogCodes.stockBelowReserved, `onHand ${onHand} is below the ${String(current.reserved)} units reserved`);
        }
        const obj = await save({ updatedAt: deps.now() });
        if (onHand !== undefined && onHand !== current.onHand) {
          const delta = onHand - (current.onHand as number);
          const level = { productId: String(obj.id), sku: String(obj.sku), onHand, reserved: obj.reserved as number, available: onHand - (obj.reserved as number) };
          await movements.record(tx.db, [{ productId: level.productId, orderId: null, kind: 'adjust', quantity: delta, onHand, reserved: level.reserved }], deps.now());
          deps.inventory.scoped(tx).publish({ type: 'inventory.stock-adjusted', key: level.productId, data: { productId: level.productId, delta, by: ctx.principal!.id, levels: [level] } });
        }
        return obj;
      },
      async performDestroy({ current, remove }) {
        if ((current.reserved as number) > 0) throw new MillraceError('conflict', catalogCodes.productReserved, 'the product has reserved units; release them first');
        await remove();
      },
    },
    actions: [
      {
        name: 'adjust-stock',
        on: 'item',
        summary: 'Restock (positive delta) or write off (negative) units on hand',
        input: z.object({ delta: z.number().int().min(-1_000_000).max(1_000_000) }).strict(),
        async handle({ tx, ctx, object, input }) {
          const { delta } = input as { delta: number };
          if ((object!.onHand as number) + delta < (object!.reserved as number)) {
            throw new MillraceError('conflict', catalogCodes.stockBelowReserved, 'the adjustment would leave less on hand than is reserved');
          }
          return deps.inventory.adjust(tx, String(object!.id), delta, ctx.principal!.id);
        },
      },
    ],
  });
}

const bodies = {
  reserve: z.object({ orderId: z.string().min(1).max(100), lines: z.array(z.object({ productId: z.string().min(1).max(100), quantity: z.number().int().min(1).max(10_000) })).min(1).max(100) }).strict(),
  release: z.object({ reason: z.enum(RELEASE_REASONS) }).strict(),
  orderId: z.object({ orderId: z.string().min(1).max(100) }),
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  throw new MillraceError('validation', catalogCodes.validation, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { details: r.error.issues });
}

function requireRole(req: FastifyRequest, roles: readonly string[]): Principal {
  const p = req.principal;
  if (!p) throw new MillraceError('unauthenticated', catalogCodes.unauthenticated, 'authentication required');
  if (!p.roles.some((r) => roles.includes(r))) throw new MillraceError('forbidden', catalogCodes.forbidden, `requires one of the roles: ${roles.join(', ')}`);
  return p;
}

/**
 * Registers the catalog routes. The reservation endpoints are the synchronous variant's port (orders calls them
 * inside its request); the event-driven flow reaches the same `Inventory` through handlers.ts.
 */
export async function catalogRoutes(app: FastifyInstance, deps: CatalogRouteDeps): Promise<void> {
  registerResources(app, defineRouter({ outbox: deps.outbox, resources: [productsResource(deps)] }));

  app.get('/api/catalog/reservations/:orderId', async (req) => {
    requireRole(req, [...STAFF, 'service']);
    const r = await reservations.byOrder(deps.outbox.database.kysely, parse(bodies.orderId, req.params).orderId);
    if (!r) throw new MillraceError('not-found', catalogCodes.reservationNotFound, 'no reservation for this order');
    return { orderId: r.order_id, status: r.status, lines: r.lines, amount: Number(r.amount), currency: r.currency, expiresAt: r.expires_at.toISOString(), releaseReason: r.release_reason };
  });

  app.post('/api/catalog/reservations', async (req, reply) => {
    requireRole(req, SERVICE);
    const b = parse(bodies.reserve, req.body);
    const d = await deps.outbox.transaction((tx) => deps.inventory.reserve(tx, b.orderId, b.lines));
    return reply.code(d.ok ? 201 : 409).send(d);
  });

  app.post('/api/catalog/reservations/:orderId/confirm', async (req) => {
    requireRole(req, SERVICE);
    const { orderId } = parse(bodies.orderId, req.params);
    return { confirmed: await deps.outbox.transaction((tx) => deps.inventory.confirm(tx, orderId)) };
  });

  app.post('/api/catalog/reservations/:orderId/release', async (req, reply) => {
    requireRole(req, SERVICE);
    const { orderId } = parse(bodies.orderId, req.params);
    const { reason } = parse(bodies.release, req.body);
    await deps.outbox.transaction((tx) => deps.inventory.release(tx, orderId, reason));
    return reply.code(204).send();
  });
}
