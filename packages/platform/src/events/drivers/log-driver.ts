// Embedded event bus: the outbox table is the log; consumer groups keep their positions in the database.
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { MillraceError, codes } from '../../errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { EventRegistry } from '../contract.ts';
import { deadLetters } from '../dead-letters.ts';
import type { Envelope, NewEvent } from '../envelope.ts';
import type { EventBus, StartFrom, Subscription, SubscriptionHandle } from '../event-bus.ts';
import {
  LOG_START, Outbox, formatPosition, hasPendingAbove, loadCursor, parsePosition, readLog, saveCursor, type LogPosition, type LogRow,
} from '../outbox.ts';
import { comparePositions } from '../positions.ts';
import { Processor } from '../processor.ts';
import { OUTBOX_CHANNEL } from '../schema.ts';
import { Wakeup } from './wakeup.ts';

export interface LogDriverOptions {
  readonly db: Database;
  readonly registry: EventRegistry;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Safety poll in case a notification is lost. Default 1000 ms. */
  readonly pollMs?: number;
}

/**
 * Creates the embedded `log` driver.
 * @example const bus = createLogDriver({ db, registry, log }); await bus.subscribe({ group: 'g', topics: ['orders'], handle })
 */
export function createLogDriver(options: LogDriverOptions): EventBus {
  const { db, registry, log, metrics } = options;
  const processors = new Map<string, Processor>();
  const running = new Set<{ close(): Promise<void> }>();
  let closed = false;

  async function subscribe(sub: Subscription, replay = false): Promise<SubscriptionHandle> {
    if (closed) throw new MillraceError('unavailable', codes.busClosed, 'event bus is closed');
    if (processors.has(sub.group)) throw new MillraceError('conflict', codes.subscriptionDuplicate, `group ${sub.group} is already subscribed here`);
    const cursorName = `group:${sub.group}`;
    let cursor = await loadCursor(db.kysely, cursorName);
    if (cursor && replay) throw new MillraceError('conflict', codes.subscriptionDuplicate, `replay needs a fresh group; ${sub.group} has a position`);
    if (!cursor) {
      cursor = await startPosition(db, sub.topics, sub.from ?? { kind: 'earliest' });
      await saveCursor(db.kysely, cursorName, cursor);
    }
    let stopping = false;
    const processor = new Processor({ db, registry, subscription: sub, log, metrics, stopped: () => stopping });
    processors.set(sub.group, processor);
    const follower = await followLog({
      db, log, name: sub.group, from: cursor, topics: sub.topics, batchSize: sub.batchSize ?? 500, pollMs: options.pollMs,
      async onRows(rows) {
        const done = await processor.applyBatch(
          rows.map((r) => ({ topic: r.topic, partition: 0, position: formatPosition(r), key: r.key, value: r.payload })),
        );
        if (!done) return false;
        const last = rows[rows.length - 1]!;
        await saveCursor(db.kysely, cursorName, { txid: last.txid, id: last.id });
        return true;
      },
    });

    const handle = {
      group: sub.group,
      async close() {
        stopping = true;
        await follower.close();
        processors.delete(sub.group);
        running.delete(handle);
      },
    };
    running.add(handle);
    return handle;
  }

  const bus: EventBus = {
    driver: 'log',
    async start() {},
    subscribe: (sub) => subscribe(sub),
    replay: (sub) => subscribe(sub, true),
    async produce(events: readonly NewEvent[], { source }) {
      const outbox = new Outbox(db, { source, registry, metrics });
      return outbox.transaction(async (tx) => events.map((e) => tx.publish(e) as Envelope));
    },
    deadLetters: deadLetters(db, (g) => processors.get(g), log),
    async ping() {
      await sql`select 1 from millrace.outbox limit 1`.execute(db.kysely);
    },
    async tail({ topics, onRecords }) {
      if (closed) throw new MillraceError('unavailable', codes.busClosed, 'event bus is closed');
      const head = await startPosition(db, topics, { kind: 'latest' });
      const follower = await followLog({
        db, log, name: 'tail', from: head, topics, batchSize: 1000, pollMs: options.pollMs,
        async onRows(rows) {
          onRecords(rows.map((r) => ({ topic: r.topic, partition: 0, position: formatPosition(r), key: r.key, value: r.payload })));
          return true;
        },
      });
      const start = new Map(topics.map((t) => [t, new Map([[0, formatPosition(head)]])]));
      const handle = { start, close: () => follower.close().then(() => void running.delete(handle)) };
      running.add(handle);
      return handle;
    },
    async history(topic, partition, after, limit) {
      let from: LogPosition;
      try {
        from = parsePosition(after);
      } catch {
        return { records: [], gone: true };
      }
      const head = await startPosition(db, [topic], { kind: 'latest' });
      // a position past the end was not written by this log (a reset database, another deployment)
      if (partition !== 0 || comparePositions(formatPosition(from), formatPosition(head)) > 0) return { records: [], gone: true };
      const rows = await readLog(db.kysely, from, { limit, topics: [topic] });
      return { records: rows.map((r) => ({ topic: r.topic, partition: 0, position: formatPosition(r), key: r.key, value: r.payload })), gone: false };
    },
    async lag(group, topics) {
      const cursor = (await loadCursor(db.kysely, `group:${group}`)) ?? LOG_START;
      const { rows } = await sql<{ topic: string; n: string }>`
        select topic, count(*)::text as n from millrace.outbox
        where (txid, id) > (${cursor.txid}::xid8, ${cursor.id}::bigint) and topic = any(${[...topics]}::text[])
        group by topic`.execute(db.kysely);
      return topics.map((t) => ({ topic: t, partition: 0, lag: Number(rows.find((r) => r.topic === t)?.n ?? 0) }));
    },
    async close() {
      closed = true;
      await Promise.all([...running].map((r) => r.close()));
    },
  };
  return bus;
}

/**
 * Reads the log after `from` in batches, woken by LISTEN/NOTIFY (and a safety poll), until closed or `onRows`
 * answers false. Rows hidden behind an older open transaction are looked for again soon, not at the next notify.
 */
async function followLog(o: {
  db: Database; log: Logger; name: string; from: LogPosition; topics: readonly string[]; batchSize: number; pollMs?: number | undefined;
  /** While rows keep coming, the least time between two reads. Default 10 ms. */
  coalesceMs?: number | undefined;
  onRows(rows: readonly LogRow[]): Promise<boolean>;
}): Promise<{ close(): Promise<void> }> {
  const wake = new Wakeup(o.pollMs ?? 1000);
  const unlisten = await o.db.listen(OUTBOX_CHANNEL, () => wake.now());
  let stopping = false;
  let position = o.from;
  const coalesceMs = o.coalesceMs ?? 10;
  let lastRead = 0;
  let busy = false;
  const loop = (async () => {
    while (!stopping) {
      try {
        // busy (the last read found rows): read at most every coalesceMs, so a stream of small commits is handled
        // in batches instead of one transaction per commit; idle: read at once, for the latency
        const gap = busy ? coalesceMs - (performance.now() - lastRead) : 0;
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
        lastRead = performance.now();
        const rows = await readLog(o.db.kysely, position, { limit: o.batchSize, topics: o.topics });
        busy = rows.length > 0;
        if (rows.length > 0) {
          if (!(await o.onRows(rows))) break;
          const last = rows[rows.length - 1]!;
          position = { txid: last.txid, id: last.id };
          if (rows.length === o.batchSize) {
            // PGlite answers on the main thread: let timers and sockets run between catch-up batches
            await new Promise((r) => setImmediate(r));
            continue;
          }
        }
        // PGlite runs one transaction at a time, and none is open between our statements: nothing can be hidden
        const blocked = o.db.kind === 'pglite' ? false : await hasPendingAbove(o.db.kysely, position, o.topics);
        await wake.wait(blocked ? 20 : undefined);
      } catch (err) {
        if (stopping) break;
        o.log.error({ err, reader: o.name }, 'log reader loop failed; retrying');
        await wake.wait(1000);
      }
    }
  })();
  return {
    async close() {
      stopping = true;
      wake.now();
      await loop;
      await unlisten();
    },
  };
}

async function startPosition(db: Database, topics: readonly string[], from: StartFrom): Promise<LogPosition> {
  switch (from.kind) {
    case 'earliest':
      return LOG_START;
    case 'positions':
      return from.positions[0] ? parsePosition(from.positions[0]) : LOG_START;
    case 'latest': {
      const { rows } = await sql<{ txid: string; id: string }>`
        select o.txid::text as txid, o.id::text as id from millrace.outbox o
        where o.txid < pg_snapshot_xmin(pg_current_snapshot()) order by o.txid desc, o.id desc limit 1`.execute(db.kysely);
      return rows[0] ?? LOG_START;
    }
    case 'time': {
      // the position just before the first row of these topics written at or after `time`
      const { rows } = await sql<{ txid: string; id: string }>`
        select o.txid::text as txid, o.id::text as id from millrace.outbox o
        where created_at >= ${from.time} and topic = any(${[...topics]}::text[]) order by o.txid, o.id limit 1`.execute(db.kysely);
      const first = rows[0];
      if (!first) return startPosition(db, topics, { kind: 'latest' });
      return BigInt(first.id) > 0n ? { txid: first.txid, id: (BigInt(first.id) - 1n).toString() } : LOG_START;
    }
  }
}
