// Notifications' reactions: every order (and shipment) event a customer hears about becomes a message.
import { topicIn, type Subscription } from '@millrace/platform';
import type { Notifications } from './notifications.ts';

export const ORDER_EVENTS_GROUP = 'notifications.order-events';

/** @example await bus.subscribe(orderEventsHandler(notifications)) */
export function orderEventsHandler(notifications: Notifications, namespace = ''): Subscription {
  return {
    group: namespace ? `${namespace}.${ORDER_EVENTS_GROUP}` : ORDER_EVENTS_GROUP,
    topics: [topicIn(namespace, 'orders')],
    source: 'notifications',
    handle: (event, { tx }) => notifications.onOrderEvent(tx, event),
  };
}
