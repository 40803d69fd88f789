// Group-less reads of Kafka partitions: history from an offset and a tail from the end, with plain Fetch requests.
import { Consumer, type ClusterMetadata } from '@platformatic/kafka';
import type { Logger } from '../../observability/logger.ts';
import type { HistoryPage, LogRecord, TailHandle, TailOptions } from '../event-bus.ts';
import { closeQuietly } from './kafka-subscription.ts';

const OFFSET_OUT_OF_RANGE = 1;
const IS_CONTROL = 0b10_0000;
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

type RawConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

/**
 * Reads partitions by offset without joining a consumer group, so nothing is committed and no group is left
 * behind: each read is a Fetch to the partition's leader. Used for fan-out (tail) and resume (history).
 */
export class KafkaReader {
  readonly #consumer: RawConsumer;
  readonly #log: Logger;
  readonly #tails = new Set<{ close(): Promise<void> }>();
  /** Set after a failed fetch: the next one refreshes the metadata (a leader may have moved). */
  #stale = false;

  constructor(options: { clientId: string; brokers: readonly string[]; log: Logger }) {
    // groupId is required by the client's constructor; this consumer never joins it
    this.#consumer = new Consumer({
      clientId: `${options.clientId}-reader`, groupId: `${options.clientId}-reader-unused`, bootstrapBrokers: [...options.brokers],
      retries: 3, retryDelay: 300, metadataMaxAge: 5_000,
    });
    this.#log = options.log;
  }

  async history(topic: string, partition: number, after: string, limit: number): Promise<HistoryPage> {
    if (!/^-?\d{1,20}$/.test(after)) return { records: [], gone: true };
    const from = BigInt(after) + 1n;
    const [earliest, end] = await Promise.all([this.#offsets(topic, -2n), this.#offsets(topic, -1n)]);
    const first = earliest[partition];
    const next = end[partition];
    if (first === undefined || next === undefined || from < first || from > next) return { records: [], gone: true };
    if (from === next) return { records: [], gone: false };
    const out: LogRecord[] = [];
    let offset = from;
    while (out.length < limit && offset < next) {
      const page = await this.#fetch([{ topic, partition, offset }], 0);
      const got = page.get(`${topic}:${partition}`);
      if (!got || got.outOfRange) return { records: [], gone: true };
      if (got.records.length === 0) break;
      for (const r of got.records) if (out.length < limit) out.push(r);
      offset = BigInt(out[out.length - 1]!.position) + 1n;
    }
    return { records: out, gone: false };
  }

  async tail(options: TailOptions): Promise<TailHandle> {
    const next = new Map<string, bigint>();
    const start = new Map<string, Map<number, string>>();
    for (const topic of options.topics) {
      const end = await this.#offsets(topic, -1n);
      const perPartition = new Map<number, string>();
      end.forEach((offset, partition) => {
        next.set(`${topic}:${partition}`, offset);
        perPartition.set(partition, (offset - 1n).toString());
      });
      start.set(topic, perPartition);
    }
    let stopping = false;
    let failures = 0;
    const loop = (async () => {
      while (!stopping) {
        try {
          const wanted = [...next].map(([k, offset]) => {
            const i = k.lastIndexOf(':');
            return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset };
          });
          const pages = await this.#fetch(wanted, 500);
          for (const [k, page] of pages) {
            if (page.outOfRange) {
              // the tail fell behind retention: continue from the oldest record still held
              const [topic, partition] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
              next.set(k, (await this.#offsets(topic, -2n))[partition] ?? 0n);
              continue;
            }
            if (page.records.length === 0) continue;
            next.set(k, BigInt(page.records[page.records.length - 1]!.position) + 1n);
            if (!stopping) options.onRecords(page.records);
          }
          failures = 0;
        } catch (err) {
          if (stopping) break;
          failures++;
          this.#log.warn({ err, failures }, 'kafka tail fetch failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(failures, 5))));
        }
      }
    })();
    const handle = {
      start,
      close: async () => {
        stopping = true;
        await loop;
        this.#tails.delete(handle);
      },
    };
    this.#tails.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#tails].map((t) => t.close()));
    await closeQuietly(this.#consumer as unknown as Parameters<typeof closeQuietly>[0]);
  }

  /** Per partition: the log start offset (-2) or the end offset (-1). */
  async #offsets(topic: string, timestamp: bigint): Promise<bigint[]> {
    const m = await this.#consumer.listOffsets({ topics: [topic], timestamp });
    return m.get(topic) ?? [];
  }

  /** One Fetch per leader for the given positions; records decoded as UTF-8. */
  async #fetch(
    wanted: ReadonlyArray<{ topic: string; partition: number; offset: bigint }>,
    maxWaitTime: number,
  ): Promise<Map<string, { records: LogRecord[]; outOfRange: boolean }>> {
    const topics = [...new Set(wanted.map((w) => w.topic))];
    const metadata: ClusterMetadata = await this.#consumer.metadata({ topics, forceUpdate: this.#stale });
    this.#stale = false;
    const byLeader = new Map<number, Map<string, { topicId: string; partitions: Array<{ partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number }> }>>();
    const names = new Map<string, string>();
    for (const w of wanted) {
      const t = metadata.topics.get(w.topic);
      const p = t?.partitions[w.partition];
      if (!t || !p) continue;
      names.set(t.id, w.topic);
      let forLeader = byLeader.get(p.leader);
      if (!forLeader) byLeader.set(p.leader, (forLeader = new Map()));
      let entry = forLeader.get(t.id);
      if (!entry) forLeader.set(t.id, (entry = { topicId: t.id, partitions: [] }));
      entry.partitions.push({ partition: w.partition, fetchOffset: w.offset, partitionMaxBytes: 1024 * 1024, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
    }
    const out = new Map<string, { records: LogRecord[]; outOfRange: boolean }>();
    const requested = new Map(wanted.map((w) => [`${w.topic}:${w.partition}`, w.offset]));
    await Promise.all([...byLeader].map(async ([node, entries]) => {
      const response = await this.#fetchFrom(node, [...entries.values()], maxWaitTime);
      for (const topicResponse of response.responses) {
        const topic = names.get(topicResponse.topicId);
        if (!topic) continue;
        for (const part of topicResponse.partitions) {
          if (part.errorCode !== 0 && part.errorCode !== OFFSET_OUT_OF_RANGE) {
            this.#stale = true;
            throw new Error(`fetch ${topic}:${part.partitionIndex} failed with Kafka error code ${part.errorCode}`);
          }
          const k = `${topic}:${part.partitionIndex}`;
          const records: LogRecord[] = [];
          out.set(k, { records, outOfRange: part.errorCode === OFFSET_OUT_OF_RANGE });
          const from = requested.get(k) ?? 0n;
          for (const batch of part.records ?? []) {
            if (batch.attributes & IS_CONTROL) continue; // transaction markers
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              if (offset < from) continue; // a batch may start before the requested offset
              records.push({ topic, partition: part.partitionIndex, position: offset.toString(), key: r.key?.toString('utf8') ?? '', value: r.value?.toString('utf8') ?? '' });
            }
          }
        }
      }
    }));
    return out;
  }

  async #fetchFrom(node: number, topics: Parameters<RawConsumer['fetch']>[0]['topics'], maxWaitTime: number) {
    try {
      return await this.#consumer.fetch({ node, topics, maxWaitTime, minBytes: 1, maxBytes: FETCH_MAX_BYTES });
    } catch (err) {
      this.#stale = true;
      throw err;
    }
  }
}
