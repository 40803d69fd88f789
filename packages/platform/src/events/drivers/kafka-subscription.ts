// One consumer group on Kafka: per-partition workers applying batches in order, offsets committed after the
// database commit, and a rebuilt consumer whenever the client gives up on its fetch stream (broker failover).
import { Consumer, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { MillraceError, codes } from '../../errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { StartFrom, Subscription } from '../event-bus.ts';
import type { Processor, RawRecord } from '../processor.ts';

type Msg = Message<string, string, string, string>;
type StringConsumer = Consumer<string, string, string, string>;

export interface KafkaSubscriptionOptions {
  readonly sub: Subscription;
  readonly processor: Processor;
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly maxBuffered: number;
  /** The first open of a replay must find a fresh group. */
  readonly replay: boolean;
}

/**
 * The client destroys its fetch stream when a fetch fails for good (a dead leader, a node gone from the metadata);
 * a subscription must outlive that, so the stream's error rebuilds consumer and stream from the committed offsets.
 * Messages buffered for the old stream are dropped: they are fetched again, and the inbox drops any copy.
 */
export class KafkaSubscription {
  readonly #o: KafkaSubscriptionOptions;
  readonly #queues = new Map<string, Msg[]>();
  readonly #workers = new Map<string, Promise<void>>();
  #consumer: StringConsumer | undefined;
  #stream: MessagesStream<string, string, string, string> | undefined;
  #generation = 0;
  #buffered = 0;
  #stopping = false;
  #rebuilding: Promise<void> | undefined;
  #lagTimer: NodeJS.Timeout | undefined;

  constructor(options: KafkaSubscriptionOptions) {
    this.#o = options;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async open(): Promise<void> {
    await this.#open(this.#o.replay);
    this.#lagTimer = setInterval(() => void this.#updateLag().catch(() => {}), 5_000);
    this.#lagTimer.unref();
  }

  async #open(mustBeFresh: boolean): Promise<void> {
    const { sub } = this.#o;
    const consumer: StringConsumer = new Consumer({
      clientId: `${this.#o.clientId}-${sub.group}`,
      groupId: sub.group,
      bootstrapBrokers: [...this.#o.brokers],
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      retries: 10,
      retryDelay: 500,
    });
    try {
      const hasPosition = await hasCommittedOffsets(consumer, sub.topics);
      if (mustBeFresh && hasPosition) {
        throw new MillraceError('conflict', codes.subscriptionDuplicate, `replay needs a fresh group; ${sub.group} has committed offsets`);
      }
      const from = sub.from ?? { kind: 'earliest' };
      const start = hasPosition ? undefined : await startOffsets(consumer, sub.topics, from);
      const stream = await consumer.consume({
        topics: [...sub.topics],
        autocommit: false,
        maxWaitTime: 200,
        ...(start
          ? { mode: 'manual' as const, offsets: start }
          : { mode: 'committed' as const, fallbackMode: from.kind === 'latest' ? ('latest' as const) : ('earliest' as const) }),
      });
      const generation = ++this.#generation;
      this.#consumer = consumer;
      this.#stream = stream;
      stream.on('data', (m: Msg) => this.#enqueue(m, generation));
      stream.on('error', (err) => {
        if (this.#stopping || generation !== this.#generation) return;
        this.#o.log.warn({ err, group: sub.group }, 'kafka consumer stream failed; rebuilding the consumer from committed offsets');
        this.#rebuild();
      });
    } catch (err) {
      await closeQuietly(consumer);
      throw err;
    }
  }

  #rebuild(): void {
    if (this.#rebuilding) return;
    this.#rebuilding = (async () => {
      this.#generation++; // messages of the old stream are ignored from now on
      const old = { stream: this.#stream, consumer: this.#consumer };
      this.#queues.clear();
      this.#buffered = 0;
      await Promise.allSettled([...this.#workers.values()]);
      await old.stream?.close().catch(() => {});
      if (old.consumer) await closeQuietly(old.consumer);
      for (let attempt = 1; !this.#stopping; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** Math.min(attempt - 1, 5))));
        if (this.#stopping) break;
        try {
          await this.#open(false);
          this.#o.log.info({ group: this.#o.sub.group, attempt }, 'kafka consumer rebuilt');
          break;
        } catch (err) {
          this.#o.log.warn({ err, group: this.#o.sub.group, attempt }, 'kafka consumer rebuild failed; retrying');
        }
      }
    })().finally(() => {
      this.#rebuilding = undefined;
    });
  }

  #enqueue(m: Msg, generation: number): void {
    if (generation !== this.#generation) return;
    const key = `${m.topic}:${m.partition}`;
    let queue = this.#queues.get(key);
    if (!queue) this.#queues.set(key, (queue = []));
    queue.push(m);
    this.#buffered++;
    if (this.#buffered >= this.#o.maxBuffered && !this.#stream!.isPaused()) this.#stream!.pause();
    this.#ensureWorker(key);
  }

  #ensureWorker(key: string): void {
    if (this.#workers.has(key) || this.#stopping) return;
    const w = this.#drain(key)
      .catch((err) => this.#o.log.error({ err, group: this.#o.sub.group, partition: key }, 'partition worker failed'))
      .finally(() => {
        this.#workers.delete(key);
        if ((this.#queues.get(key)?.length ?? 0) > 0) this.#ensureWorker(key);
      });
    this.#workers.set(key, w);
  }

  async #drain(key: string): Promise<void> {
    const batchSize = this.#o.sub.batchSize ?? 500;
    for (;;) {
      const queue = this.#queues.get(key);
      if (!queue || queue.length === 0 || this.#stopping) return;
      const generation = this.#generation;
      const batch = queue.splice(0, batchSize);
      const records: RawRecord[] = batch.map((m) => ({ topic: m.topic, partition: m.partition, position: m.offset.toString(), key: m.key, value: m.value }));
      const done = await this.#o.processor.applyBatch(records);
      if (generation !== this.#generation) return; // rebuilt meanwhile: the new stream refetches from the last commit
      this.#buffered -= batch.length;
      if (this.#buffered < this.#o.maxBuffered / 2 && this.#stream?.isPaused()) this.#stream.resume();
      if (!done) return;
      try {
        await batch[batch.length - 1]!.commit();
      } catch (err) {
        // after a rebalance another member redelivers from the last commit; the inbox makes that harmless
        this.#o.log.warn({ err, group: this.#o.sub.group, partition: key }, 'offset commit failed');
      }
    }
  }

  async #updateLag(): Promise<void> {
    const { metrics, sub } = this.#o;
    if (!metrics || !this.#consumer) return;
    for (const l of await partitionLag(this.#consumer, sub.topics)) {
      metrics.consumerLag.set({ group: sub.group, topic: l.topic, partition: String(l.partition) }, l.lag);
    }
  }

  /** Stops taking work, finishes and commits the batches in flight, leaves the group. */
  async close(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#lagTimer);
    this.#stream?.pause();
    await this.#rebuilding;
    await Promise.allSettled([...this.#workers.values()]);
    await this.#stream?.close().catch(() => {});
    if (this.#consumer) await closeQuietly(this.#consumer);
  }
}

/** Per topic and partition: messages after the group's committed offset. */
export async function partitionLag(consumer: StringConsumer, topics: readonly string[]) {
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

async function hasCommittedOffsets(consumer: StringConsumer, topics: readonly string[]): Promise<boolean> {
  const ends = await consumer.listOffsets({ topics: [...topics] });
  const committed = await consumer.listCommittedOffsets({
    topics: topics.map((topic) => ({ topic, partitions: [...(ends.get(topic) ?? []).keys()] })),
  });
  return [...committed.values()].some((offsets) => offsets.some((o) => o >= 0n));
}

async function startOffsets(consumer: StringConsumer, topics: readonly string[], from: StartFrom) {
  if (from.kind === 'earliest' || from.kind === 'latest') return undefined;
  if (from.kind === 'positions') {
    const earliest = await consumer.listOffsets({ topics: [...topics], timestamp: -2n });
    return topics.flatMap((topic) =>
      (earliest.get(topic) ?? []).map((first, partition) => ({ topic, partition, offset: from.positions[partition] ? BigInt(from.positions[partition]!) : first })),
    );
  }
  const at = await consumer.listOffsets({ topics: [...topics], timestamp: BigInt(from.time.getTime()) });
  const ends = await consumer.listOffsets({ topics: [...topics] });
  // a partition with nothing written since `time` answers -1: start it at its end
  return topics.flatMap((topic) =>
    (at.get(topic) ?? []).map((offset, partition) => ({ topic, partition, offset: offset >= 0n ? offset : (ends.get(topic)?.[partition] ?? 0n) })),
  );
}

export function closeQuietly(consumer: StringConsumer): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}
