// Namespaces: one deployment's topics and consumer groups apart from another's on a shared Kafka (tests, benchmarks).
import { topicOf } from './envelope.ts';
import type { Tx } from './outbox.ts';

/**
 * The topic of an event family in namespace `ns` (`''` = the plain family name, as in production).
 * @example topicIn('bench1', 'orders') // 'bench1.orders'
 */
export const topicIn = (ns: string, family: string): string => (ns ? `${ns}.${family}` : family);

/**
 * A transaction whose published events go to the namespace's topics (events that name their topic keep it).
 * @example inNamespace(tx, 'bench1').publish({ type: 'orders.order-placed', key, data }) // to topic bench1.orders
 */
export function inNamespace(tx: Tx, ns: string): Tx {
  if (!ns) return tx;
  return { db: tx.db, publish: (e) => tx.publish({ ...e, topic: e.topic ?? topicIn(ns, topicOf(e.type)) }) };
}
