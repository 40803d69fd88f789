// Kafka event bus: the outbox is relayed to Apache Kafka; consumer groups commit offsets after the database commit.
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import type { Database } from '../../db/database.ts';
import { MillraceError, codes } from '../../errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { countByTopic, type Metrics } from '../../observability/metrics.ts';
import type { EventRegistry } from '../contract.ts';
import { deadLetters } from '../dead-letters.ts';
import { envelopeFactory, type Envelope } from '../envelope.ts';
import type { EventBus, Subscription, SubscriptionHandle } from '../event-bus.ts';
import { Processor } from '../processor.ts';
import { Relay } from '../relay.ts';
import { kafkaErrorText } from './kafka-errors.ts';
import { KafkaReader } from './kafka-reader.ts';
import { KafkaSender } from './kafka-sender.ts';
import { KafkaSubscription, closeQuietly, partitionLag } from './kafka-subscription.ts';

export interface KafkaDriverOptions {
  readonly db: Database;
  readonly registry: EventRegistry;
  readonly log: Logger;
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly metrics?: Metrics | undefined;
  /** Run the outbox relay in this process. Default true. */
  readonly relay?: boolean;
  readonly relayBatch?: number;
  /** Partitions and replication of topics this driver creates. Default: the brokers' `num.partitions` and `default.replication.factor`. */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Messages buffered per consumer before the fetch stream pauses. Default 5000. */
  readonly maxBuffered?: number;
  /**
   * How long `subscribe` keeps trying while Kafka is unreachable (a broker restarting, the cluster still starting)
   * before it fails with the last error. Default 60 s.
   */
  readonly subscribeTimeoutMs?: number;
}


/**
 * Creates the `kafka` driver.
 * @example const bus = createKafkaDriver({ db, registry, log, brokers: ['127.0.0.1:9092'] }); await bus.start()
 */
export function createKafkaDriver(options: KafkaDriverOptions): EventBus {
  const { db, registry, log, metrics } = options;
  const clientId = options.clientId ?? 'millrace';
  const bootstrapBrokers = [...options.brokers];
  const producer = new KafkaSender({ clientId: `${clientId}-producer`, brokers: bootstrapBrokers, log });
  const admin = new Admin({ clientId: `${clientId}-admin`, bootstrapBrokers });
  const knownTopics = new Set<string>();
  const processors = new Map<string, Processor>();
  const handles = new Set<SubscriptionHandle>();
  let relay: Relay | undefined;
  let closed = false;
  // separate connections: a history read must not queue behind the tail's long-poll fetch
  const readers: { tail?: KafkaReader; history?: KafkaReader } = {};
  const reader = (kind: 'tail' | 'history') => (readers[kind] ??= new KafkaReader({ clientId: `${clientId}-${kind}`, brokers: bootstrapBrokers, log }));

  async function ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !knownTopics.has(t));
    if (missing.length === 0) return;
    try {
      // unset: the cluster's own defaults (num.partitions, default.replication.factor), so a 3-node cluster gets RF 3
      await admin.createTopics({
        topics: missing,
        ...(options.partitions ? { partitions: options.partitions } : {}),
        ...(options.replicationFactor ? { replicas: options.replicationFactor } : {}),
      });
    } catch (err) {
      if (!/already exists|TOPIC_ALREADY_EXISTS/i.test(kafkaErrorText(err))) throw err;
    }
    for (const t of missing) knownTopics.add(t);
  }

  /** Creates the topics and joins the group, retrying with backoff while Kafka is unreachable. */
  async function openPatiently(sub: Subscription, subscription: KafkaSubscription): Promise<void> {
    const deadline = Date.now() + (options.subscribeTimeoutMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureTopics(sub.topics);
        await subscription.open();
        if (attempt > 1) log.info({ group: sub.group, attempt }, 'kafka subscription opened');
        return;
      } catch (err) {
        if (err instanceof MillraceError || closed) throw err;
        const wait = Math.min(5_000, 250 * 2 ** Math.min(attempt - 1, 5));
        if (Date.now() + wait > deadline) {
          throw new MillraceError('unavailable', codes.kafkaUnavailable, `group ${sub.group}: could not join on Kafka ${bootstrapBrokers.join(',')} after ${attempt} attempts: ${kafkaErrorText(err)}`, { cause: err });
        }
        log.warn({ err, group: sub.group, attempt, brokers: bootstrapBrokers }, 'kafka unreachable while subscribing; retrying');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  async function subscribe(sub: Subscription, replay: boolean): Promise<SubscriptionHandle> {
    if (closed) throw new MillraceError('unavailable', codes.busClosed, 'event bus is closed');
    if (processors.has(sub.group)) throw new MillraceError('conflict', codes.subscriptionDuplicate, `group ${sub.group} is already subscribed here`);
    let subscription: KafkaSubscription | undefined;
    const processor = new Processor({ db, registry, subscription: sub, log, metrics, stopped: () => subscription?.stopping ?? false });
    subscription = new KafkaSubscription({
      sub, processor, clientId, brokers: bootstrapBrokers, log, metrics, maxBuffered: options.maxBuffered ?? 5_000, replay,
    });
    processors.set(sub.group, processor);
    try {
      await openPatiently(sub, subscription);
    } catch (err) {
      processors.delete(sub.group);
      throw err;
    }
    const handle: SubscriptionHandle = {
      group: sub.group,
      async close() {
        await subscription.close();
        processors.delete(sub.group);
        handles.delete(handle);
      },
    };
    handles.add(handle);
    return handle;
  }

  const bus: EventBus = {
    driver: 'kafka',
    async start() {
      if (relay || options.relay === false) return;
      relay = new Relay({
        db,
        log,
        metrics,
        batchSize: options.relayBatch ?? 1000,
        send: async (messages) => {
          await ensureTopics([...new Set(messages.map((m) => m.topic))]);
          await producer.send(messages.map((m) => ({ topic: m.topic, key: m.key, value: m.payload })));
        },
      });
      await relay.start();
    },
    subscribe: (sub) => subscribe(sub, false),
    replay: (sub) => subscribe(sub, true),
    async produce(events, { source }) {
      const make = envelopeFactory({ source });
      const made = events.map((e) => make(e));
      for (const m of made) registry.check(m.envelope.type, m.envelope.version, m.envelope.data);
      await ensureTopics([...new Set(made.map((m) => m.topic))]);
      await producer.send(made.map((m) => ({ topic: m.topic, key: m.envelope.key, value: JSON.stringify(m.envelope) })));
      if (metrics) countByTopic(metrics.eventsProduced, made.map((m) => m.topic));
      return made.map((m) => m.envelope as Envelope);
    },
    deadLetters: deadLetters(db, (g) => processors.get(g), log),
    async ping() {
      await admin.metadata({ topics: [] });
    },
    async tail(tailOptions) {
      if (closed) throw new MillraceError('unavailable', codes.busClosed, 'event bus is closed');
      await ensureTopics(tailOptions.topics);
      return reader('tail').tail(tailOptions);
    },
    history: (topic, partition, after, limit) => reader('history').history(topic, partition, after, limit),
    async lag(group, topics) {
      const consumer = new Consumer({ clientId: `${clientId}-lag`, groupId: group, bootstrapBrokers, deserializers: stringDeserializers });
      try {
        return await partitionLag(consumer, topics);
      } finally {
        await closeQuietly(consumer);
      }
    },
    async close() {
      closed = true;
      await Promise.all([...handles].map((h) => h.close()));
      await relay?.stop();
      await Promise.all(Object.values(readers).map((r) => r.close()));
      await producer.close().catch(() => {});
      await admin.close().catch(() => {});
    },
  };
  return bus;
}
