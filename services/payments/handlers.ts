// Payments' reactions to order events: a payment to make once stock is reserved; void or refund when the order ends.
import type { Envelope, Subscription } from '@millrace/platform';
import type { z } from 'zod';
import type { contract as ordersContract } from '@millrace/orders/contract';
import { topicIn } from './namespace.ts';
import type { Payments } from './payments.ts';

type Data<T extends keyof typeof ordersContract.events> = z.infer<(typeof ordersContract.events)[T][1]>;

export const ORDER_PAYMENTS_GROUP = 'payments.order-payments';

/** The payments' part of the order saga. @example await bus.subscribe(orderPaymentsHandler(payments)) */
export function orderPaymentsHandler(payments: Payments, namespace = ''): Subscription {
  return {
    group: namespace ? `${namespace}.${ORDER_PAYMENTS_GROUP}` : ORDER_PAYMENTS_GROUP,
    topics: [topicIn(namespace, 'orders')],
    source: 'payments',
    async handle(event: Envelope, { tx }) {
      switch (event.type) {
        case 'orders.order-reserved': {
          const d = event.data as Data<'orders.order-reserved'>;
          await payments.request(tx, { orderId: d.orderId, customerId: d.customerId, amount: d.amount, currency: d.currency });
          return;
        }
        case 'orders.order-rejected':
        case 'orders.order-cancelled': {
          const d = event.data as Data<'orders.order-rejected'>;
          await payments.cancel(tx, d.orderId, `order ${d.status}: ${d.reason}`);
          return;
        }
        default:
      }
    },
  };
}
