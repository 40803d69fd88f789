// Orders' reactions: the saga orchestrator consumes inventory and payments outcomes and moves each order on.
import { topicIn, type Subscription } from '@millrace/platform';
import type { Orders } from './orders.ts';

export const SAGA_GROUP = 'orders.saga';

/** @example await bus.subscribe(sagaHandler(orders)) */
export function sagaHandler(orders: Orders, namespace = ''): Subscription {
  return {
    group: namespace ? `${namespace}.${SAGA_GROUP}` : SAGA_GROUP,
    topics: [topicIn(namespace, 'inventory'), topicIn(namespace, 'payments')],
    source: 'orders',
    handleBatch: (events, { tx }) => orders.onSagaEvents(tx, events),
  };
}
