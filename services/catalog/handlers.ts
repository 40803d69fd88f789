// Catalog's reactions to order events: reserve on placement, confirm on payment, release or return on rejection and cancellation.
import { topicIn, type Envelope, type Subscription } from '@millrace/platform';
import type { z } from 'zod';
import type { contract as ordersContract } from '@millrace/orders/contract';
import type { Inventory, StockOp } from './inventory.ts';

type Data<T extends keyof typeof ordersContract.events> = z.infer<(typeof ordersContract.events)[T][1]>;

/** Stable group name: it is the consumer group and the inbox namespace. */
export const RESERVATIONS_GROUP = 'catalog.order-reservations';

/**
 * The inventory's part of the order saga.
 * @example await bus.subscribe(reservationHandler(inventory))
 */
export function reservationHandler(inventory: Inventory, namespace = ''): Subscription {
  return {
    group: namespace ? `${namespace}.${RESERVATIONS_GROUP}` : RESERVATIONS_GROUP,
    topics: [topicIn(namespace, 'orders')],
    source: 'catalog',
    // one unit of work per batch: its reservations and products are locked and written once
    async handleBatch(events: readonly Envelope[], { tx }) {
      const ops = events.map(toStockOp).filter((o): o is StockOp => o !== undefined);
      if (ops.length > 0) await inventory.apply(tx, ops);
    },
  };
}

function toStockOp(event: Envelope): StockOp | undefined {
  switch (event.type) {
    case 'orders.order-placed': {
      const d = event.data as Data<'orders.order-placed'>;
      return { op: 'reserve', orderId: d.orderId, lines: d.lines };
    }
    case 'orders.order-paid':
      return { op: 'confirm', orderId: (event.data as Data<'orders.order-paid'>).orderId };
    case 'orders.order-rejected':
      return { op: 'release', orderId: (event.data as Data<'orders.order-rejected'>).orderId, reason: 'order-rejected' };
    case 'orders.order-cancelled':
      return { op: 'release', orderId: (event.data as Data<'orders.order-cancelled'>).orderId, reason: 'order-cancelled' };
    default:
      return undefined;
  }
}
