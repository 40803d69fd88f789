// Catalog's reactions to order events: reserve on placement, confirm on payment, release or return on rejection and cancellation.
import type { Envelope, Subscription } from '@millrace/platform';
import type { z } from 'zod';
import type { contract as ordersContract } from '@millrace/orders/contract';
import type { Inventory } from './inventory.ts';
import { topicIn } from './namespace.ts';

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
    async handle(event: Envelope, { tx }) {
      switch (event.type) {
        case 'orders.order-placed': {
          const d = event.data as Data<'orders.order-placed'>;
          await inventory.reserve(tx, d.orderId, d.lines);
          return;
        }
        case 'orders.order-paid':
          await inventory.confirm(tx, (event.data as Data<'orders.order-paid'>).orderId);
          return;
        case 'orders.order-rejected':
          await inventory.release(tx, (event.data as Data<'orders.order-rejected'>).orderId, 'order-rejected');
          return;
        case 'orders.order-cancelled':
          await inventory.release(tx, (event.data as Data<'orders.order-cancelled'>).orderId, 'order-cancelled');
          return;
        default:
      }
    },
  };
}
