// The EventBus port: publish through the outbox, produce directly, subscribe as a named consumer group.
import type { Logger } from '../observability/logger.ts';
import type { Envelope, NewEvent } from './envelope.ts';
import type { Tx } from './outbox.ts';
import type { DeadLetters } from './dead-letters.ts';

/** What a handler receives beside the event: the transaction its effect must use, and where the event came from. */
export interface HandlerContext {
  /** The transaction in which the inbox marker commits: do the effect here; `tx.publish` for reactions. */
  readonly tx: Tx;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, or `txid:id` in the embedded log. */
  readonly position: string;
  readonly log: Logger;
}

export type Handler = (event: Envelope, ctx: HandlerContext) => Promise<void>;

/**
 * Applies several events of one partition at once, in order, in one transaction (e.g. one multi-row upsert for a
 * projection). Events already applied by this group are filtered out before the call. `ctx.position` is the last one's.
 */
export type BatchHandler = (events: readonly Envelope[], ctx: HandlerContext) => Promise<void>;

/** Where a new consumer group starts. Existing groups always resume from their committed position. */
export type StartFrom =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'time'; readonly time: Date }
  /** Kafka: offset per partition (others from earliest); log: a `txid:id` position string as partition 0. */
  | { readonly kind: 'positions'; readonly positions: Readonly<Record<number, string>> };

export interface RetryPolicy {
  /** Attempts before an event goes to the dead-letter topic. Default 5. */
  readonly maxAttempts: number;
  /** First backoff; doubles per attempt, capped at maxBackoffMs. Default 100 ms. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface Subscription {
  /** Stable, explicit name: it is the consumer group and the inbox namespace. */
  readonly group: string;
  readonly topics: readonly string[];
  /** Applies one event. Give `handle` or `handleBatch`, not both. */
  readonly handle?: Handler;
  /** Applies a batch of events at once (fewer statements per event). Give `handle` or `handleBatch`, not both. */
  readonly handleBatch?: BatchHandler;
  /** Source name for events the handler publishes. Default: the group. */
  readonly source?: string;
  readonly from?: StartFrom;
  readonly retry?: Partial<RetryPolicy>;
  /** Maximum events applied in one transaction. Default 500. */
  readonly batchSize?: number;
}

export interface SubscriptionHandle {
  readonly group: string;
  /** Stops taking work, finishes and commits what is in flight. */
  close(): Promise<void>;
}

/** One record of the log as stored: where it is and its raw envelope JSON. */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, or `txid:id` in the embedded log; orders with `comparePositions`. */
  readonly position: string;
  readonly key: string;
  readonly value: string;
}

export interface TailOptions {
  readonly topics: readonly string[];
  /** Called with records in log order per partition, as they become readable. Must not throw. */
  onRecords(records: readonly LogRecord[]): void;
}

export interface TailHandle {
  /**
   * Per topic, per partition: the position just before the first record the tail delivers
   * (Kafka: end offset - 1, so `-1` for an empty partition; log: the last readable position, `0:0` when empty).
   */
  readonly start: ReadonlyMap<string, ReadonlyMap<number, string>>;
  close(): Promise<void>;
}

export interface HistoryPage {
  readonly records: readonly LogRecord[];
  /** True when the log no longer holds the record after `after` (retention, truncation, or a position from another log). */
  readonly gone: boolean;
}

export interface ProduceOptions {
  readonly source: string;
}

/**
 * One interface, two drivers: `kafka` (outbox relayed to Apache Kafka) and `log` (embedded: the outbox is the log).
 * @example const sub = await bus.subscribe({ group: 'stock-projection', topics: ['inventory'], handle: async (e, { tx }) => { ... } })
 */
export interface EventBus {
  readonly driver: 'kafka' | 'log';
  /** Starts background work (the relay for kafka). Idempotent. */
  start(): Promise<void>;
  subscribe(subscription: Subscription): Promise<SubscriptionHandle>;
  /**
   * Ingestion path: no state change, events durable when the promise resolves
   * (Kafka acks=all, idempotent producer; or one log transaction).
   */
  produce(events: readonly NewEvent[], options: ProduceOptions): Promise<Envelope[]>;
  readonly deadLetters: DeadLetters;
  /** Rebuilds a read model: a fresh group reading `topics` from `from`. Fails if the group already has a position. */
  replay(subscription: Subscription & { readonly from: StartFrom }): Promise<SubscriptionHandle>;
  /** Per group, per topic and partition: messages not yet committed. */
  lag(group: string, topics: readonly string[]): Promise<Array<{ topic: string; partition: number; lag: number }>>;
  /**
   * Follows `topics` from their current end without a consumer group: no commits, no inbox, nothing stored.
   * For fan-out to many readers (the realtime gateway), which keeps its own positions.
   */
  tail(options: TailOptions): Promise<TailHandle>;
  /** Reads up to `limit` records of one partition after position `after` (exclusive), in order. */
  history(topic: string, partition: number, after: string, limit: number): Promise<HistoryPage>;
  /** Throws when the event log is unreachable. */
  ping(): Promise<void>;
  /** Graceful shutdown: stop taking work, finish and commit in-flight work, close connections. */
  close(): Promise<void>;
}
