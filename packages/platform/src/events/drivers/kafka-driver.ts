// Kafka event bus: the outbox is relayed to Apache Kafka; consumer groups commit offsets after the database commit.
import { Admin, Consumer, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Database } from '../../db/database.ts';
import { MillraceError, codes } from '../../errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { EventRegistry } from '../contract.ts';
import { deadLetters } from '../dead-letters.ts';
import { envelopeFactory, type Envelope } from '../envelope.ts';
import type { EventBus, StartFrom, Subscription, SubscriptionHandle } from '../event-bus.ts';
import { Processor, type RawRecord } from '../processor.ts';
import { Relay } from '../relay.ts';
import { KafkaSender } from './kafka-sender.ts';

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
  /** Partitions and replication of topics this driver creates. Defaults 3 and 1. */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Messages buffered per consumer before the fetch stream pauses. Default 5000. */
  readonly maxBuffered?: number;
}

type Msg = Message<string, string, string, string>;

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

  async function ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !knownTopics.has(t));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ topics: missing, partitions: options.partitions ?? 3, replicas: options.replicationFactor ?? 1 });
    } catch (err) {
      if (!/already exists/i.test(JSON.stringify(errorDetails(err)))) throw err;
    }
    for (const t of missing) knownTopics.add(t);
  }

  async function subscribe(sub: Subscription, replay: boolean): Promise<SubscriptionHandle> {
    if (closed) throw new MillraceError('unavailable', codes.busClosed, 'event bus is closed');
    if (processors.has(sub.group)) throw new MillraceError('conflict', codes.subscriptionDuplicate, `group ${sub.group} is already subscribed here`);
    await ensureTopics(sub.topics);
    let stopping = false;
    const processor = new Processor({ db, registry, subscription: sub, log, metrics, stopped: () => stopping });
    processors.set(sub.group, processor);
    const consumer = new Consumer({
      clientId: `${clientId}-${sub.group}`,
      groupId: sub.group,
      bootstrapBrokers,
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      retries: 10,
      retryDelay: 500,
    });
    const hasPosition = await hasCommittedOffsets(consumer, sub.topics);
    if (replay && hasPosition) {
      await closeQuietly(consumer);
      processors.delete(sub.group);
      throw new MillraceError('conflict', codes.subscriptionDuplicate, `replay needs a fresh group; ${sub.group} has committed offsets`);
    }
    const from = sub.from ?? { kind: 'earliest' };
    const start = hasPosition ? undefined : await startOffsets(consumer, sub.topics, from);
    const stream: MessagesStream<string, string, string, string> = await consumer.consume({
      topics: [...sub.topics],
      autocommit: false,
      maxWaitTime: 200,
      ...(start ? { mode: 'manual' as const, offsets: start } : { mode: 'committed' as const, fallbackMode: from.kind === 'latest' ? 'latest' as const : 'earliest' as const }),
    });

    const batchSize = sub.batchSize ?? 500;
    const maxBuffered = options.maxBuffered ?? 5_000;
    const queues = new Map<string, Msg[]>();
    const workers = new Map<string, Promise<void>>();
    let buffered = 0;

    const drain = async (partitionKey: string) => {
      const queue = queues.get(partitionKey)!;
      while (queue.length > 0 && !stopping) {
        const batch = queue.splice(0, batchSize);
        const records: RawRecord[] = batch.map((m) => ({ topic: m.topic, partition: m.partition, position: m.offset.toString(), key: m.key, value: m.value }));
        const done = await processor.applyBatch(records);
        buffered -= batch.length;
        if (buffered < maxBuffered / 2 && stream.isPaused()) stream.resume();
        if (!done) return;
        try {
          await batch[batch.length - 1]!.commit();
        } catch (err) {
          // after a rebalance another member redelivers from the last commit; the inbox makes that harmless
          log.warn({ err, group: sub.group, partition: partitionKey }, 'offset commit failed');
        }
      }
    };

    const ensureWorker = (key: string) => {
      if (workers.has(key) || stopping) return;
      const w = drain(key)
        .catch((err) => log.error({ err, group: sub.group, partition: key }, 'partition worker failed'))
        .finally(() => {
          workers.delete(key);
          if ((queues.get(key)?.length ?? 0) > 0) ensureWorker(key);
        });
      workers.set(key, w);
    };

    stream.on('data', (m: Msg) => {
      const key = `${m.topic}:${m.partition}`;
      let queue = queues.get(key);
      if (!queue) queues.set(key, (queue = []));
      queue.push(m);
      buffered++;
      if (buffered >= maxBuffered && !stream.isPaused()) stream.pause();
      ensureWorker(key);
    });
    stream.on('error', (err) => log.error({ err, group: sub.group }, 'kafka consumer stream error'));

    const lagTimer = setInterval(() => {
      void updateLag(consumer, sub, metrics).catch(() => {});
    }, 5_000);
    lagTimer.unref();

    const handle: SubscriptionHandle = {
      group: sub.group,
      async close() {
        if (stopping) return;
        stopping = true;
        clearInterval(lagTimer);
        stream.pause();
        await Promise.allSettled([...workers.values()]);
        await stream.close().catch(() => {});
        await closeQuietly(consumer);
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
          await producer.send(messages.map((m) => ({ topic: m.topic, key: m.key, value: m.payload, headers: { 'event-id': m.eventId } })));
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
      await producer.send(made.map((m) => ({ topic: m.topic, key: m.envelope.key, value: JSON.stringify(m.envelope), headers: { 'event-id': m.envelope.id } })));
      for (const m of made) metrics?.eventsProduced.inc({ topic: m.topic });
      return made.map((m) => m.envelope as Envelope);
    },
    deadLetters: deadLetters(db, (g) => processors.get(g), log),
    async ping() {
      await admin.metadata({ topics: [] });
    },
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
      await producer.close().catch(() => {});
      await admin.close().catch(() => {});
    },
  };
  return bus;
}

async function partitionLag(consumer: Consumer<string, string, string, string>, topics: readonly string[]) {
  const ends = await consumer.listOffsets({ topics: [...topics] });
  const committed = await consumer.listCommittedOffsets({ topics: topics.map((topic) => ({ topic, partitions: [...(ends.get(topic) ?? []).keys()] })) });
  const out: Array<{ topic: string; partition: number; lag: number }> = [];
  for (const topic of topics) {
    const end = ends.get(topic) ?? [];
    const done = committed.get(topic) ?? [];
    end.forEach((e, partition) => {
      const c = done[partition] ?? -1n;
      out.push({ topic, partition, lag: Number(e - (c < 0n ? 0n : c)) });
    });
  }
  return out;
}

async function updateLag(consumer: Consumer<string, string, string, string>, sub: Subscription, metrics: Metrics | undefined) {
  if (!metrics) return;
  for (const l of await partitionLag(consumer, sub.topics)) {
    metrics.consumerLag.set({ group: sub.group, topic: l.topic, partition: String(l.partition) }, l.lag);
  }
}

async function startOffsets(consumer: Consumer<string, string, string, string>, topics: readonly string[], from: StartFrom) {
  if (from.kind === 'earliest' || from.kind === 'latest') return undefined;
  if (from.kind === 'positions') {
    const ends = await consumer.listOffsets({ topics: [...topics], timestamp: -2n });
    return topics.flatMap((topic) =>
      (ends.get(topic) ?? []).map((earliest, partition) => ({ topic, partition, offset: from.positions[partition] ? BigInt(from.positions[partition]!) : earliest })),
    );
  }
  const at = await consumer.listOffsets({ topics: [...topics], timestamp: BigInt(from.time.getTime()) });
  const ends = await consumer.listOffsets({ topics: [...topics] });
  // a partition with nothing written since `time` answers -1: start it at its end
  return topics.flatMap((topic) =>
    (at.get(topic) ?? []).map((offset, partition) => ({ topic, partition, offset: offset >= 0n ? offset : (ends.get(topic)?.[partition] ?? 0n) })),
  );
}

function errorDetails(err: unknown): unknown {
  const e = err as { message?: string; errors?: unknown[]; response?: unknown };
  return { message: e.message, errors: e.errors?.map((x) => (x as Error).message ?? x), response: e.response };
}

function closeQuietly(consumer: Consumer<string, string, string, string>): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}

/** True when the group has committed an offset on any partition of `topics`. */
async function hasCommittedOffsets(consumer: Consumer<string, string, string, string>, topics: readonly string[]): Promise<boolean> {
  const ends = await consumer.listOffsets({ topics: [...topics] });
  const committed = await consumer.listCommittedOffsets({
    topics: topics.map((topic) => ({ topic, partitions: [...(ends.get(topic) ?? []).keys()] })),
  });
  return [...committed.values()].some((offsets) => offsets.some((o) => o >= 0n));
}
