// Namespaces: one deployment's topics and consumer groups apart from another's on a shared Kafka (tests, benchmarks).
import { topicOf, type Tx } from '@millrace/platform';

/** The topic of an event family in namespace `ns` (`''` = the plain family name, as in production). */
export const topicIn = (ns: string, family: string): string => (ns ? `${ns}.${family}` : family);

/** A transaction whose published events go to the namespace's topics. */
export function inNamespace(tx: Tx, ns: string): Tx {
  if (!ns) return tx;
  return { db: tx.db, publish: (e) => tx.publish({ ...e, topic: e.topic ?? topicIn(ns, topicOf(e.type)) }) };
}
