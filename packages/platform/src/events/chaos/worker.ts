// Chaos worker: one process that produces counted events through the outbox and consumes them, to be killed at random.
//
//   node --import tsx packages/platform/src/events/chaos/worker.ts
//
// Configuration (environment):
//   CHAOS_DB           postgres://... or pglite:/path/to/dir
//   CHAOS_DRIVER       log | kafka
//   CHAOS_BROKERS      comma-separated, for kafka
//   CHAOS_TOPIC        topic of the counted events
//   CHAOS_GROUP        consumer group (stable across restarts)
//   CHAOS_TARGET       total events to produce
//   CHAOS_PER_TX       events per producer transaction (default 50)
//   CHAOS_KEYS         number of keys k0..k{N-1} (default 50)
//   CHAOS_PAUSE_MS     pause between producer transactions (default 0): spreads production over several lives
//   CHAOS_LOG_FILE     where warnings of the platform go (default: stderr)
//
// stdout: one JSON object per line: {"type":"ready"|"progress"|"done"|"error", pid, produced, consumed, ...}.
// Produced = sum(last_n) of chaos_produced, written in the same transaction as the events, so a restart resumes
// numbering exactly where the last committed transaction left it. Consumed = rows of the effects table.
import { sql } from 'kysely';
import { destination, pino } from 'pino';
import { EventRegistry } from '../contract.ts';
import { platformContract } from '../dead-letters.ts';
import { createKafkaDriver } from '../drivers/kafka-driver.ts';
import { createLogDriver } from '../drivers/log-driver.ts';
import { countingHandler, testContract } from '../event-bus.contract.ts';
import type { EventBus } from '../event-bus.ts';
import { Outbox } from '../outbox.ts';
import { migratePlatform } from '../schema.ts';
import { EFFECTS_TABLE, PRODUCED_TABLE, chaosTables, openChaosDatabase } from './common.ts';

function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') throw new Error(`chaos worker: ${name} is required`);
  return v;
}

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, t: Date.now(), ...obj })}\n`);
}

async function main(): Promise<void> {
  const dbSpec = env('CHAOS_DB');
  const driver = env('CHAOS_DRIVER');
  const topic = env('CHAOS_TOPIC');
  const group = env('CHAOS_GROUP');
  const target = Number(env('CHAOS_TARGET'));
  const perTx = Number(env('CHAOS_PER_TX', '50'));
  const keys = Number(env('CHAOS_KEYS', '50'));
  const pauseMs = Number(env('CHAOS_PAUSE_MS', '0'));
  const log = pino(
    { level: 'warn', base: { pid: process.pid } },
    process.env.CHAOS_LOG_FILE ? destination({ dest: process.env.CHAOS_LOG_FILE, append: true, sync: true }) : destination(2),
  );

  const started = Date.now();
  const db = await openChaosDatabase(dbSpec);
  await migratePlatform(db);
  await chaosTables(db);
  const registry = new EventRegistry([platformContract, testContract]);
  let bus: EventBus;
  if (driver === 'log') bus = createLogDriver({ db, registry, log, pollMs: 200 });
  else if (driver === 'kafka') bus = createKafkaDriver({ db, registry, log, brokers: env('CHAOS_BROKERS').split(','), clientId: 'chaos' });
  else throw new Error(`chaos worker: unknown driver ${driver}`);

  const produced = async () => {
    const { rows } = await sql<{ n: string | null }>`select sum(last_n)::text as n from ${sql.table(PRODUCED_TABLE)}`.execute(db.kysely);
    return Number(rows[0]?.n ?? 0);
  };
  const consumed = async () => {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(EFFECTS_TABLE)}`.execute(db.kysely);
    return Number(rows[0]!.n);
  };

  let producedNow = await produced();
  let consumedNow = await consumed();
  emit({ type: 'ready', produced: producedNow, consumed: consumedNow, startMs: Date.now() - started });

  // The relay and the consumer start beside the producer: a Kafka group join can wait out a killed member's session.
  const subscribed = (async () => {
    await bus.start();
    const handle = await bus.subscribe({ group, topics: [topic], handle: countingHandler(EFFECTS_TABLE) });
    emit({ type: 'subscribed', produced: producedNow, consumed: consumedNow });
    return handle;
  })();
  let subscribeFailed: { err: unknown } | undefined;
  subscribed.catch((err: unknown) => void (subscribeFailed = { err }));

  // The producer: each transaction reads the per-key counters, publishes the next events and moves the counters.
  const outbox = new Outbox(db, { source: 'chaos', registry });
  let stopping = false;
  const producer = (async () => {
    while (!stopping && producedNow < target) {
      try {
        producedNow = await outbox.transaction(async (tx) => {
          const { rows } = await sql<{ key: string; last_n: number }>`select key, last_n from ${sql.table(PRODUCED_TABLE)}`.execute(tx.db);
          const last = new Map(rows.map((r) => [r.key, r.last_n]));
          const total = rows.reduce((s, r) => s + r.last_n, 0);
          const count = Math.min(perTx, target - total);
          const next = new Map<string, number>();
          for (let j = 0; j < count; j++) {
            const key = `k${(total + j) % keys}`;
            const n = (next.get(key) ?? last.get(key) ?? 0) + 1;
            next.set(key, n);
            tx.publish({ type: 'test.counted', topic, key, data: { n } });
          }
          if (next.size > 0) {
            await sql`insert into ${sql.table(PRODUCED_TABLE)} (key, last_n)
              select * from unnest(${[...next.keys()]}::text[], ${[...next.values()]}::int[])
              on conflict (key) do update set last_n = excluded.last_n`.execute(tx.db);
          }
          return total + count;
        });
      } catch (err) {
        log.error({ err }, 'chaos producer transaction failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
      }
      // PGlite runs queries synchronously in this thread: without a macrotask break, a tight loop of
      // transactions starves every timer (the consumer's wake-ups, the progress reports).
      await new Promise((r) => (pauseMs > 0 ? setTimeout(r, pauseMs) : setImmediate(r)));
    }
  })();

  // Progress, and the end: everything produced and every effect applied.
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    try {
      consumedNow = await consumed();
    } catch (err) {
      log.error({ err }, 'chaos progress query failed');
      continue;
    }
    if (subscribeFailed) throw subscribeFailed.err;
    emit({ type: 'progress', produced: producedNow, consumed: consumedNow });
    if (producedNow >= target && consumedNow >= target) break;
  }
  await producer;
  const sub = await subscribed;
  // linger: a late duplicate application would show up as applied > 1 or an extra row
  await new Promise((r) => setTimeout(r, 1000));
  stopping = true;
  await sub.close();
  await bus.close();
  const finalProduced = await produced();
  const finalConsumed = await consumed();
  await db.close();
  emit({ type: 'done', produced: finalProduced, consumed: finalConsumed, lifeMs: Date.now() - started });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ type: 'error', error: err instanceof Error ? `${err.stack ?? err.message}` : String(err) });
    process.exit(1);
  },
);
