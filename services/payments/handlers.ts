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
    // payments to make, and cancellations, are written together; a change of kind flushes the other (event order)
    async handleBatch(events: readonly Envelope[], { tx }) {
      const requests: PaymentRequest[] = [];
      const cancels: Array<{ orderId: string; reason: string }> = [];
      const flushRequests = () => payments.request(tx, ...requests.splice(0));
      const flushCancels = () => payments.cancelMany(tx, cancels.splice(0));
      for (const event of events) {
        if (event.type === 'orders.order-reserved') {
          const d = event.data as Data<'orders.order-reserved'>;
          if (cancels.length > 0) await flushCancels();
          requests.push({ orderId: d.orderId, customerId: d.customerId, amount: d.amount, currency: d.currency });
        } else if (event.type === 'orders.order-rejected' || event.type === 'orders.order-cancelled') {
          const d = event.data as Data<'orders.order-rejected'>;
          if (requests.length > 0) await flushRequests();
          cancels.push({ orderId: d.orderId, reason: `order ${d.status}: ${d.reason}` });
        }
      }
      await flushRequests();
      await flushCancels();
    },
  };
}
