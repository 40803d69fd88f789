// Payments' reactions to order events: a payment to make once stock is reserved; void or refund when the order ends.
import { topicIn, type Envelope, type Subscription } from '@millrace/platform';
import type { z } from 'zod';
import type { contract as ordersContract } from '@millrace/orders/contract';
import type { PaymentRequest, Payments } from './payments.ts';

type Data<T extends keyof typeof ordersContract.events> = z.infer<(typeof ordersContract.events)[T][1]>;

export const ORDER_PAYMENTS_GROUP = 'payments.order-payments';

/** The payments' part of the order saga. @example await bus.subscribe(orderPaymentsHandler(payments)) */
export function orderPaymentsHandler(payments: Payments, namespace = ''): Subscription {
  return {
    group: namespace ? `${namespace}.${ORDER_PAYMENTS_GROUP}` : ORDER_PAYMENTS_GROUP,
    topics: [topicIn(namespace, 'orders')],
    source: 'payments',
    // payments to make are inserted together; a cancellation first writes those queued before it (event order)
    async handleBatch(events: readonly Envelope[], { tx }) {
      const queued: PaymentRequest[] = [];
      const flush = () => payments.request(tx, ...queued.splice(0));
      for (const event of events) {
        if (event.type === 'orders.order-reserved') {
          const d = event.data as Data<'orders.order-reserved'>;
          queued.push({ orderId: d.orderId, customerId: d.customerId, amount: d.amount, currency: d.currency });
        } else if (event.type === 'orders.order-rejected' || event.type === 'orders.order-cancelled') {
          const d = event.data as Data<'orders.order-rejected'>;
          await flush();
          await payments.cancel(tx, d.orderId, `order ${d.status}: ${d.reason}`);
        }
      }
      await flush();
    },
  };
}
