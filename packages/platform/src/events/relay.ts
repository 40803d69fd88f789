// The outbox relay: reads committed outbox rows in log order and hands them to Kafka in batches, then moves its cursor.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import { countByTopic, type Metrics } from '../observability/metrics.ts';
import { Wakeup } from './drivers/wakeup.ts';
import { LOG_START, hasPendingAbove, loadCursor, readLog, saveCursor, type LogPosition, type LogRow } from './outbox.ts';
import { OUTBOX_CHANNEL } from './schema.ts';

export interface RelayOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly batchSize: number;
  /** Sends rows in order; resolves when all are acknowledged (acks=all). */
  readonly send: (rows: readonly LogRow[]) => Promise<void>;
  /** Safety poll. Default 1000 ms. */
  readonly pollMs?: number;
  /** Relayed rows are deleted after this long. Default 60 s. */
  readonly retainMs?: number;
}

const CURSOR = 'relay:kafka';

/**
 * At-least-once, in-order relay. A crash between send and cursor save re-sends a batch; consumers' inboxes drop the copies.
 * @example const relay = new Relay({ db, log, batchSize: 1000, send }); await relay.start()
 */
export class Relay {
  readonly #o: RelayOptions;
  readonly #wake: Wakeup;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #unlisten: (() => Promise<void>) | undefined;
  #position: LogPosition = LOG_START;

  constructor(options: RelayOptions) {
    this.#o = options;
    this.#wake = new Wakeup(options.pollMs ?? 1000);
  }

  async start(): Promise<void> {
    if (this.#loop) return;
    this.#position = (await loadCursor(this.#o.db.kysely, CURSOR)) ?? LOG_START;
    this.#unlisten = await this.#o.db.listen(OUTBOX_CHANNEL, () => this.#wake.now());
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const { db, log, metrics } = this.#o;
    let lastPrune = Date.now();
    let failures = 0;
    while (!this.#stopping) {
      try {
        const rows = await readLog(db.kysely, this.#position, { limit: this.#o.batchSize });
        if (rows.length > 0) {
          const started = performance.now();
          await this.#o.send(rows);
          const last = rows[rows.length - 1]!;
          this.#position = { txid: last.txid, id: last.id };
          await saveCursor(db.kysely, CURSOR, this.#position);
          metrics?.relayBatchSeconds.observe((performance.now() - started) / 1000);
          if (metrics) countByTopic(metrics.eventsRelayed, rows.map((r) => r.topic));
          failures = 0;
          if (Date.now() - lastPrune > 5_000) {
            lastPrune = Date.now();
            await this.#prune();
          }
          if (rows.length === this.#o.batchSize) {
            await new Promise((r) => setImmediate(r)); // let timers and sockets run between catch-up batches
            continue;
          }
        }
        const blocked = await hasPendingAbove(db.kysely, this.#position);
        await this.#wake.wait(blocked ? 20 : undefined);
      } catch (err) {
        if (this.#stopping) break;
        failures++;
        log.error({ err, failures }, 'outbox relay failed; retrying');
        await this.#wake.wait(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async #prune(): Promise<void> {
    const { db, metrics } = this.#o;
    const retainMs = this.#o.retainMs ?? 60_000;
    await sql`delete from millrace.outbox where (txid, id) <= (${this.#position.txid}::xid8, ${this.#position.id}::bigint)
      and created_at < now() - make_interval(secs => ${retainMs / 1000})`.execute(db.kysely);
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from millrace.outbox
      where (txid, id) > (${this.#position.txid}::xid8, ${this.#position.id}::bigint)`.execute(db.kysely);
    metrics?.outboxBacklog.set(Number(rows[0]?.n ?? 0));
  }

  /** Finishes the batch in flight, saves the cursor, stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.now();
    await this.#loop;
    await this.#unlisten?.();
    this.#loop = undefined;
  }
}
