// One idempotent producer, one send in flight: concurrent callers are coalesced into the next batch, in call order.
import { Producer, stringSerializers, type MessageToProduce } from '@platformatic/kafka';
import type { Logger } from '../../observability/logger.ts';
import { kafkaErrorText } from './kafka-errors.ts';

type Msg = MessageToProduce<string, string, string, string>;
type Waiting = { messages: readonly Msg[]; bytes: number; resolve: () => void; reject: (err: unknown) => void };

// Brokers refuse a partition's batch over message.max.bytes (1 MiB by default). A request of 2.4 MB spread over
// 3 or more partitions stays under it; when keys pile onto one partition, the send is split (see #sendSplitting).
const MAX_SEND_BYTES = 2_400 * 1024;

function sizeOf(m: Msg): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0) + 64;
}

/**
 * The idempotent producer of @platformatic/kafka 1.35 advances sequence numbers only when a response arrives, so
 * two sends in flight fail with OUT_OF_ORDER_SEQUENCE_NUMBER; and a send to a dead leader retries without refreshing
 * metadata. So: exactly one send in flight (everything queued meanwhile rides the next one, which is also what
 * batching wants), finite retries, and a fresh producer (new producer id, fresh metadata) after a failed send.
 * @example const sender = new KafkaSender({ clientId, brokers, log }); await sender.send([{ topic, key, value }])
 */
export class KafkaSender {
  readonly #options: { clientId: string; brokers: string[]; log: Logger; maxBatch: number; maxBytes: number };
  readonly #queue: Waiting[] = [];
  #producer: Producer<string, string, string, string>;
  #pumping = false;

  constructor(options: { clientId: string; brokers: readonly string[]; log: Logger; maxBatch?: number; maxBytes?: number }) {
    this.#options = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      log: options.log,
      maxBatch: options.maxBatch ?? 5_000,
      maxBytes: options.maxBytes ?? MAX_SEND_BYTES,
    };
    this.#producer = this.#create();
  }

  #create(): Producer<string, string, string, string> {
    return new Producer({
      clientId: this.#options.clientId,
      bootstrapBrokers: this.#options.brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      serializers: stringSerializers,
      retries: 8,
      retryDelay: 250,
    });
  }

  /** Resolves when every message is acknowledged by all in-sync replicas. */
  send(messages: readonly Msg[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    // split into chunks that fit one request; they queue back to back, so order is kept
    const chunks: Promise<void>[] = [];
    let start = 0;
    let bytes = 0;
    const flush = (end: number) => {
      const part = messages.slice(start, end);
      const size = bytes;
      chunks.push(new Promise((resolve, reject) => void this.#queue.push({ messages: part, bytes: size, resolve, reject })));
      start = end;
      bytes = 0;
    };
    messages.forEach((m, i) => {
      const b = sizeOf(m);
      if (i > start && (bytes + b > this.#options.maxBytes || i - start >= this.#options.maxBatch)) flush(i);
      bytes += b;
    });
    flush(messages.length);
    if (!this.#pumping) void this.#pump();
    return Promise.all(chunks).then(() => undefined);
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const batch: Waiting[] = [];
        let count = 0;
        let bytes = 0;
        while (
          this.#queue.length > 0 &&
          (batch.length === 0 ||
            (count + this.#queue[0]!.messages.length <= this.#options.maxBatch && bytes + this.#queue[0]!.bytes <= this.#options.maxBytes))
        ) {
          const w = this.#queue.shift()!;
          batch.push(w);
          count += w.messages.length;
          bytes += w.bytes;
        }
        try {
          await this.#sendSplitting(batch.flatMap((w) => w.messages));
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
          this.#options.log.warn({ err }, 'kafka send failed; replacing the producer');
          this.#replaceProducer();
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Sends; when a partition's share of the request exceeds the broker's limit (keys skewed onto one partition),
   * replaces the producer and sends the halves one after the other, which keeps the order.
   */
  async #sendSplitting(messages: readonly Msg[]): Promise<void> {
    try {
      await this.#producer.send({ messages: [...messages] });
    } catch (err) {
      if (messages.length < 2 || !/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/.test(kafkaErrorText(err))) throw err;
      this.#replaceProducer();
      const half = Math.ceil(messages.length / 2);
      await this.#sendSplitting(messages.slice(0, half));
      await this.#sendSplitting(messages.slice(half));
    }
  }

  #replaceProducer(): void {
    const old = this.#producer;
    this.#producer = this.#create();
    old.close(true, () => {});
  }

  async close(): Promise<void> {
    while (this.#pumping || this.#queue.length > 0) await new Promise((r) => setTimeout(r, 10));
    await this.#producer.close();
  }
}
