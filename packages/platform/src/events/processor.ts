// Applies consumed records exactly once: inbox marker + effect in one transaction, retries with backoff, then the DLQ.
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { MillraceError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventRegistry } from './contract.ts';
import type { Envelope } from './envelope.ts';
import type { HandlerContext, RetryPolicy, Subscription } from './event-bus.ts';
import { Outbox, type Tx } from './outbox.ts';

/** A record as a driver hands it over: undecoded, with its position. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly position: string;
  readonly key: string | undefined;
  readonly value: string | Buffer | undefined;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ maxAttempts: 5, backoffMs: 100, maxBackoffMs: 5_000 });

export interface ProcessorOptions {
  readonly db: Database;
  readonly registry: EventRegistry;
  readonly subscription: Subscription;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Set when the processor should stop retrying (shutdown); pending records stay uncommitted. */
  readonly stopped?: () => boolean;
}

type Decoded = { record: RawRecord; envelope: Envelope } | { record: RawRecord; error: unknown };

/**
 * One consumer group's record applier, shared by every driver.
 * `applyBatch` resolves once every record of the batch is committed (applied, skipped as duplicate, or dead-lettered).
 */
export class Processor {
  readonly group: string;
  readonly #o: ProcessorOptions;
  readonly #retry: RetryPolicy;
  readonly #outbox: Outbox;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: ProcessorOptions) {
    if (!options.subscription.handle === !options.subscription.handleBatch) {
      throw new Error(`subscription ${options.subscription.group}: give exactly one of handle or handleBatch`);
    }
    this.#o = options;
    this.group = options.subscription.group;
    this.#retry = { ...DEFAULT_RETRY, ...options.subscription.retry };
    this.#outbox = new Outbox(options.db, {
      source: options.subscription.source ?? options.subscription.group,
      registry: options.registry,
      metrics: options.metrics,
    });
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get registry(): EventRegistry {
    return this.#o.registry;
  }

  /** Applies `events` (already decoded, not yet applied by this group) through the subscription's handler. */
  async apply(events: readonly Envelope[], ctx: HandlerContext): Promise<void> {
    const { handle, handleBatch } = this.#o.subscription;
    if (handleBatch) {
      if (events.length > 0) await handleBatch(events, ctx);
      return;
    }
    for (const e of events) await handle!(e, events.length === 1 ? ctx : { ...ctx, log: ctx.log.child({ eventId: e.id }) });
  }

  get outbox(): Outbox {
    return this.#outbox;
  }

  /** Records of one partition, in order. Returns false if stopped before all were committed. */
  async applyBatch(records: readonly RawRecord[]): Promise<boolean> {
    if (records.length === 0) return true;
    const started = performance.now();
    const decoded = records.map((r) => this.#decode(r));
    const fast = decoded.every((d) => 'envelope' in d);
    if (fast) {
      try {
        await this.#inOneTransaction(decoded as Array<{ record: RawRecord; envelope: Envelope }>);
        this.#o.metrics?.consumerBatchSeconds.observe({ group: this.group }, (performance.now() - started) / 1000);
        return true;
      } catch (err) {
        if (isInfrastructureError(err)) return this.#waitForInfrastructure(err, records);
        this.#o.log.debug({ err, group: this.group }, 'batch failed; isolating records one by one');
      }
    }
    for (const d of decoded) {
      if (!(await this.#applyOne(d))) return false;
    }
    return true;
  }

  async #inOneTransaction(items: ReadonlyArray<{ record: RawRecord; envelope: Envelope }>): Promise<void> {
    const consumed: string[] = [];
    let duplicates = 0;
    await this.#outbox.transaction(async (tx) => {
      consumed.length = 0;
      const fresh = await markInbox(tx.db, this.group, items.map((i) => i.envelope.id));
      duplicates = items.length - fresh.size;
      const apply: Envelope[] = [];
      for (const item of items) {
        if (!fresh.delete(item.envelope.id)) continue; // duplicate, or second copy within this batch
        apply.push(item.envelope);
        consumed.push(item.record.topic);
      }
      if (apply.length === 0) return;
      const last = items[items.length - 1]!;
      await this.apply(apply, this.#context(tx, last.record, apply.length === 1 ? apply[0] : undefined));
    });
    for (const topic of consumed) this.#o.metrics?.eventsConsumed.inc({ group: this.group, topic });
    if (duplicates > 0) this.#o.metrics?.eventsDuplicate.inc({ group: this.group }, duplicates);
  }

  async #applyOne(d: Decoded): Promise<boolean> {
    let lastError: unknown = 'error' in d ? d.error : undefined;
    let attempts = 0;
    while (attempts < this.#retry.maxAttempts) {
      if (this.#o.stopped?.()) return false;
      attempts++;
      if ('envelope' in d) {
        try {
          await this.#inOneTransaction([d]);
          return true;
        } catch (err) {
          if (isInfrastructureError(err)) return this.#waitForInfrastructure(err, [d.record]);
          lastError = err;
        }
      }
      if (attempts < this.#retry.maxAttempts) {
        this.#o.metrics?.eventsRetried.inc({ group: this.group, topic: d.record.topic });
        this.#o.log.warn(
          { group: this.group, topic: d.record.topic, position: d.record.position, attempt: attempts, err: lastError },
          'event handling failed; will retry',
        );
        await this.#sleep(Math.min(this.#retry.maxBackoffMs, this.#retry.backoffMs * 2 ** (attempts - 1)));
      }
    }
    await this.#deadLetter(d.record, 'envelope' in d ? d.envelope : undefined, lastError, attempts);
    return true;
  }

  async #deadLetter(record: RawRecord, envelope: Envelope | undefined, error: unknown, attempts: number): Promise<void> {
    const code = error instanceof MillraceError ? error.code : 'MR_HANDLER_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    const markerId = envelope?.id ?? `@${record.topic}/${record.partition}/${record.position}`;
    const payload = record.value == null ? '' : record.value.toString();
    await this.#outbox.transaction(async (tx) => {
      const fresh = await markInbox(tx.db, this.group, [markerId]);
      if (fresh.size === 0) return;
      await sql`
        insert into millrace.dead_letters (group_name, topic, partition, position, key, event_id, payload, error_code, error, attempts)
        values (${this.group}, ${record.topic}, ${record.partition}, ${record.position}, ${record.key ?? null},
                ${envelope?.id ?? null}, ${payload}, ${code}, ${message}, ${attempts})
        on conflict (group_name, topic, partition, position) do nothing
      `.execute(tx.db);
      tx.publish({
        type: 'millrace.dead-lettered',
        topic: `${record.topic}.dlq`,
        key: record.key ?? markerId,
        data: { group: this.group, topic: record.topic, partition: record.partition, position: record.position, errorCode: code, error: message, attempts, payload },
      });
    });
    this.#o.metrics?.eventsDeadLettered.inc({ group: this.group, topic: record.topic });
    this.#o.log.error(
      { group: this.group, topic: record.topic, position: record.position, eventId: envelope?.id, errorCode: code, attempts },
      `event dead-lettered: ${message}`,
    );
  }

  async #waitForInfrastructure(err: unknown, records: readonly RawRecord[]): Promise<boolean> {
    // The database is unreachable: nothing is wrong with the events, so they are never dead-lettered for it.
    for (let i = 0; ; i++) {
      if (this.#o.stopped?.()) return false;
      this.#o.log.warn({ err, group: this.group }, 'database unavailable; consumer waits');
      await this.#sleep(Math.min(5_000, 200 * 2 ** Math.min(i, 5)));
      try {
        return await this.applyBatch(records);
      } catch (again) {
        err = again;
      }
    }
  }

  #decode(record: RawRecord): Decoded {
    try {
      return { record, envelope: this.#o.registry.decode(record.value) };
    } catch (error) {
      return { record, error };
    }
  }

  #context(tx: Tx, record: RawRecord, envelope: Envelope | undefined): HandlerContext {
    return {
      tx,
      topic: record.topic,
      partition: record.partition,
      position: record.position,
      log: this.#o.log.child(envelope ? { group: this.group, eventId: envelope.id, traceparent: envelope.traceparent } : { group: this.group }),
    };
  }
}

/** Inserts inbox markers; returns the ids that were not there before (to be applied now). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function markInbox(trx: Transaction<any>, group: string, eventIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await sql<{ event_id: string }>`
    insert into millrace.inbox (group_name, event_id)
    select ${group}, e from unnest(${[...eventIds]}::text[]) as e
    on conflict do nothing
    returning event_id
  `.execute(trx);
  return new Set(rows.map((r) => r.event_id));
}

const INFRA_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300']);

/** Errors that say the database is unreachable, as opposed to errors caused by the event. */
export function isInfrastructureError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (INFRA_CODES.has(code) || code.startsWith('08'))) return true;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
