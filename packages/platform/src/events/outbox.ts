// Transactional outbox: events are written in the same transaction as the state change, and read back in a gap-free order.
import { sql, type Transaction } from 'kysely';
import { Batcher, type Settled } from '../db/batch.ts';
import type { Database, TransactionOptions } from '../db/database.ts';
import { countByTopic, type Metrics } from '../observability/metrics.ts';
import type { EventRegistry } from './contract.ts';
import { envelopeFactory, type Envelope, type NewEvent } from './envelope.ts';
import { OUTBOX_CHANNEL } from './schema.ts';

/** A unit of work: query through `db`, publish events with `publish`; both commit or neither. */
export interface Tx {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly db: Transaction<any>;
  /** Queues an event; it is written to the outbox just before COMMIT. Returns its envelope. */
  publish<D>(event: NewEvent<D>): Envelope<D>;
}

export interface OutboxOptions {
  source: string;
  registry?: EventRegistry | undefined;
  metrics?: Metrics | undefined;
  now?: () => Date;
  newId?: () => string;
}

export interface PendingEvent {
  readonly topic: string;
  readonly envelope: Envelope;
}

/**
 * The write side of the event log for one source (service).
 * @example await outbox.transaction(async (tx) => { await tx.db.insertInto('orders.orders').values(o).execute(); tx.publish({ type: 'orders.order-placed', key: o.id, data: o }) })
 */
export class Outbox {
  readonly #db: Database;
  readonly #make: ReturnType<typeof envelopeFactory>;
  readonly #registry: EventRegistry | undefined;
  readonly #metrics: Metrics | undefined;

  constructor(db: Database, options: OutboxOptions) {
    this.#db = db;
    this.#make = envelopeFactory(options);
    this.#registry = options.registry;
    this.#metrics = options.metrics;
  }

  get database(): Database {
    return this.#db;
  }

  #committer: Batcher<(tx: Tx) => Promise<unknown>, unknown> | undefined;

  /**
   * Group commit: concurrent small units of work share one transaction (up to `maxBatch`), so many requests pay
   * for one commit. Each caller's promise settles after that commit, so nothing is acknowledged before it is
   * durable. If the shared transaction fails, each unit is re-run alone, so one bad unit fails only its caller.
   * Meant for inserts: units that lock existing rows can deadlock across concurrent shared transactions (each
   * locks in its own units' order), which PostgreSQL detects only after `deadlock_timeout` (1 s); use
   * `transaction` for them.
   * @example await outbox.groupCommit(async (tx) => { await tx.db.insertInto('t').values(row).execute(); tx.publish(e) })
   */
  groupCommit<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.#committer ??= new Batcher((units) => this.#commitGroup(units), { maxBatch: 256, concurrency: this.#db.kind === 'pglite' ? 1 : 3 });
    return this.#committer.submit(work) as Promise<T>;
  }

  /** The units in one transaction; if it fails, each unit alone, so only the failing one fails. */
  async #commitGroup(units: ReadonlyArray<(tx: Tx) => Promise<unknown>>): Promise<Array<Settled<unknown>>> {
    try {
      const results = await this.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const work of units) out.push(await work(tx));
        return out;
      });
      return results.map((ok) => ({ ok }));
    } catch (err) {
      if (units.length === 1) return [{ err }];
      return Promise.all(units.map((work) => this.transaction(work).then((ok) => ({ ok }), (e: unknown) => ({ err: e }))));
    }
  }

  transaction<T>(work: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#db.transaction(async (trx, hooks) => {
      const pending: PendingEvent[] = [];
      const tx: Tx = {
        db: trx,
        publish: <D>(event: NewEvent<D>) => {
          const made = this.#make(event as NewEvent);
          this.#registry?.check(made.envelope.type, made.envelope.version, made.envelope.data);
          pending.push(made);
          return made.envelope as Envelope<D>;
        },
      };
      hooks.beforeCommit(async () => {
        if (pending.length > 0) await insertOutboxRows(trx, pending, this.#db.kind === 'postgres');
      });
      hooks.afterCommit(() => {
        if (pending.length === 0) return;
        if (this.#metrics) countByTopic(this.#metrics.eventsProduced, pending.map((p) => p.topic));
        this.#db.notifyLocal(OUTBOX_CHANNEL);
      });
      return work(tx);
    }, options);
  }
}

/**
 * Writes events to the outbox inside an open transaction, in one statement; with `notify`, the same statement queues
 * the NOTIFY that wakes the relays at commit (one round trip, not two).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function insertOutboxRows(trx: Transaction<any>, rows: readonly PendingEvent[], notify = false): Promise<void> {
  const topics = rows.map((r) => r.topic);
  const keys = rows.map((r) => r.envelope.key);
  const ids = rows.map((r) => r.envelope.id);
  const types = rows.map((r) => r.envelope.type);
  const payloads = rows.map((r) => JSON.stringify(r.envelope));
  const insert = sql`
    insert into millrace.outbox (topic, key, event_id, type, payload)
    select * from unnest(${topics}::text[], ${keys}::text[], ${ids}::text[], ${types}::text[], ${payloads}::text[])`;
  // a data-modifying WITH runs whether or not the outer query reads it
  await (notify ? sql`with written as (${insert}) select pg_notify(${OUTBOX_CHANNEL}, '')` : insert).execute(trx);
}

/** A position in the log: the transaction id and row id of the last row read. */
export interface LogPosition {
  readonly txid: string;
  readonly id: string;
}

export const LOG_START: LogPosition = Object.freeze({ txid: '0', id: '0' });

export interface LogRow {
  readonly txid: string;
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly eventId: string;
  readonly payload: string;
  readonly createdAt: Date;
}

export function formatPosition(p: LogPosition): string {
  return `${p.txid}:${p.id}`;
}

export function parsePosition(s: string): LogPosition {
  const m = /^(\d+):(\d+)$/.exec(s);
  if (!m) throw new Error(`invalid log position: ${s}`);
  return { txid: m[1]!, id: m[2]! };
}

/**
 * Reads log rows after `after`, in (txid, id) order, only from transactions older than every running one:
 * rows below pg_snapshot_xmin can no longer appear or change, so a reader never skips a late commit.
 */
export async function readLog(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  executor: Transaction<any> | Database['kysely'],
  after: LogPosition,
  options: { limit: number; topics?: readonly string[] | undefined },
): Promise<LogRow[]> {
  const topicFilter = options.topics ? sql`and topic = any(${[...options.topics]}::text[])` : sql``;
  const { rows } = await sql<{ txid: string; id: string; topic: string; key: string; event_id: string; payload: string; created_at: Date }>`
    select o.txid::text as txid, o.id::text as id, topic, key, event_id, payload, created_at
    from millrace.outbox o
    where (o.txid, o.id) > (${after.txid}::xid8, ${after.id}::bigint)
      and o.txid < pg_snapshot_xmin(pg_current_snapshot())
      ${topicFilter}
    order by o.txid, o.id -- qualified: the text aliases would sort lexicographically
    limit ${options.limit}
  `.execute(executor);
  return rows.map((r) => ({ txid: r.txid, id: r.id, topic: r.topic, key: r.key, eventId: r.event_id, payload: r.payload, createdAt: r.created_at }));
}

/** True when rows (of `topics`) exist after `after` that are not readable yet because an older transaction is still open. */
export async function hasPendingAbove(
  executor: Database['kysely'],
  after: LogPosition,
  topics?: readonly string[],
): Promise<boolean> {
  const topicFilter = topics ? sql`and topic = any(${[...topics]}::text[])` : sql``;
  const { rows } = await sql<{ n: number }>`
    select 1 as n from millrace.outbox where (txid, id) > (${after.txid}::xid8, ${after.id}::bigint) ${topicFilter} limit 1
  `.execute(executor);
  return rows.length > 0;
}

export async function loadCursor(executor: Database['kysely'], name: string): Promise<LogPosition | undefined> {
  const { rows } = await sql<{ txid: string; id: string }>`
    select txid::text as txid, id::text as id from millrace.cursors where name = ${name}
  `.execute(executor);
  return rows[0];
}

export async function saveCursor(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  executor: Transaction<any> | Database['kysely'],
  name: string,
  p: LogPosition,
): Promise<void> {
  await sql`
    insert into millrace.cursors (name, txid, id, updated_at) values (${name}, ${p.txid}::xid8, ${p.id}::bigint, now())
    on conflict (name) do update set txid = excluded.txid, id = excluded.id, updated_at = now()
  `.execute(executor);
}
