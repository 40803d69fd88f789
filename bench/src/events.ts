// `npm run bench -- events`: ingest path vs the bare Kafka client, and transactional write -> relay -> Kafka -> consumer effect.
import { Producer, stringSerializers } from '@platformatic/kafka';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  EventRegistry, Outbox, defineContract, migratePlatform, openDatabase, platformContract, silentLogger, sql,
} from '@millrace/platform';
import { createKafkaDriver } from '@millrace/platform/kafka';
import { freshPostgres } from '@millrace/platform/testing';
import { ensureKafka, machine, median, percentile, progress, round, table, writeResult } from './lib/stats.ts';

const contract = defineContract({
  source: 'bench',
  events: {
    'bench.reading': { 1: z.object({ device: z.string(), seq: z.number().int(), payload: z.string() }) },
    'bench.write': { 1: z.object({ n: z.number().int(), t0: z.number() }) },
  },
});
const registry = new EventRegistry([platformContract, contract]);
const log = silentLogger();
const topicName = (p: string) => `bench-${p}-${randomBytes(3).toString('hex')}`;

const arg = (args: string[], name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

/** Runs `batches` sends with `inFlight` concurrent; returns events/s. */
async function pump(total: number, batch: number, inFlight: number, send: (i: number) => Promise<void>): Promise<number> {
  const batches = Math.ceil(total / batch);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < batches) await send(next++);
  }));
  return total / ((performance.now() - t0) / 1000);
}

async function ingest(brokers: string[], total: number, runs: number) {
  const payload = randomBytes(450).toString('hex').slice(0, 880); // envelope + data = about 1 KB
  const batch = 1000;
  const inFlight = 4;
  const db = await openDatabase({}); // the kafka driver's produce() touches no database; PGlite satisfies the type
  await migratePlatform(db);
  const bus = createKafkaDriver({ db, registry, log, brokers, clientId: 'bench-ingest', relay: false });
  const bare = new Producer({ clientId: 'bench-bare', bootstrapBrokers: brokers, idempotent: true, acks: -1, serializers: stringSerializers, autocreateTopics: true });
  const millrace: number[] = [];
  const baseline: number[] = [];
  let size = 0;
  for (let r = 1; r <= runs; r++) {
    const tb = topicName('bare');
    const sample = JSON.stringify({ id: '0190a0b0-0000-7000-8000-000000000001', type: 'bench.reading', version: 1, source: 'bench', key: 'device-1', time: new Date().toISOString(), data: { device: 'device-1', seq: 1, payload } });
    size = Buffer.byteLength(sample);
    await bare.send({ messages: [{ topic: tb, key: 'warm', value: sample }] });
    // the bare idempotent producer allows one send in flight (see bench/results/kafka-clients.md)
    const b = await pump(total, batch, 1, async (i) => {
      const time = new Date().toISOString();
      // what an application on the bare client does: serialize each event (same shape and size) and send
      await bare.send({
        messages: Array.from({ length: batch }, (_, j) => {
          const seq = i * batch + j;
          const key = `device-${seq % 100}`;
          return { topic: tb, key, value: JSON.stringify({ id: randomUUID(), type: 'bench.reading', version: 1, source: 'bench', key, time, data: { device: key, seq, payload } }) };
        }),
      });
    });
    baseline.push(b);
    progress(`ingest run ${r}/${runs}: bare client ${Math.round(b)} events/s`);
    const tm = topicName('ingest');
    await bus.produce([{ type: 'bench.reading', topic: tm, key: 'warm', data: { device: 'warm', seq: 0, payload } }], { source: 'bench' });
    const m = await pump(total, batch, inFlight, async (i) => {
      await bus.produce(Array.from({ length: batch }, (_, j) => {
        const seq = i * batch + j;
        return { type: 'bench.reading', topic: tm, key: `device-${seq % 100}`, data: { device: `device-${seq % 100}`, seq, payload } };
      }), { source: 'bench' });
    });
    millrace.push(m);
    progress(`ingest run ${r}/${runs}: Millrace bus.produce ${Math.round(m)} events/s`);
  }
  await bare.close();
  await bus.close();
  await db.close();
  return { millrace, baseline, size, batch, inFlight };
}

async function outboxPath(brokers: string[], total: number) {
  const pg = await freshPostgres('mr_bench');
  const db = await openDatabase({ url: pg.url, poolSize: 12 });
  await migratePlatform(db);
  await sql`create schema bench`.execute(db.kysely);
  await sql`create table bench.writes (n int primary key, at timestamptz not null default now())`.execute(db.kysely);
  await sql`create table bench.effects (n int primary key, latency_ms double precision not null)`.execute(db.kysely);
  const bus = createKafkaDriver({ db, registry, log, brokers, clientId: 'bench-outbox', relayBatch: 2000 });
  await bus.start();
  const topic = topicName('outbox');
  const latencies = new Map<string, number[]>();
  let phase = 'warm';
  let applied = 0;
  await bus.subscribe({
    group: `bench-effects-${topic}`,
    topics: [topic],
    batchSize: 1000,
    // a projection-style consumer: one multi-row insert per batch of events
    handleBatch: async (events, { tx }) => {
      const now = Date.now();
      const ns = events.map((e) => (e.data as { n: number }).n);
      const lat = events.map((e) => now - (e.data as { t0: number }).t0);
      await sql`insert into bench.effects (n, latency_ms) select * from unnest(${ns}::int[], ${lat}::float8[])`.execute(tx.db);
      let l = latencies.get(phase);
      if (!l) latencies.set(phase, (l = []));
      l.push(...lat);
      applied += events.length;
    },
  });
  const outbox = new Outbox(db, { source: 'bench', registry });
  let n = 0;
  const unit = (mode: 'group' | 'naive') => {
    const i = n++;
    const work = async (tx: Parameters<Parameters<Outbox['transaction']>[0]>[0]) => {
      await sql`insert into bench.writes (n) values (${i})`.execute(tx.db);
      tx.publish({ type: 'bench.write', topic, key: `acct-${i % 1000}`, data: { n: i, t0: Date.now() } });
    };
    return mode === 'group' ? outbox.groupCommit(work) : outbox.transaction(work);
  };
  const waitApplied = async (target: number) => {
    while (applied < target) await new Promise((r) => setTimeout(r, 5));
  };
  const closedLoop = async (mode: 'group' | 'naive', count: number, concurrency: number) => {
    const start = applied;
    const t0 = performance.now();
    let issued = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        issued++;
        await unit(mode);
      }
    }));
    const writesPerS = count / ((performance.now() - t0) / 1000);
    await waitApplied(start + count);
    return { writesPerS, e2ePerS: count / ((performance.now() - t0) / 1000) };
  };

  progress('outbox: warm-up');
  await closedLoop('group', 2000, 200);
  phase = 'naive';
  progress('outbox: baseline, one transaction per write (64 concurrent writers)');
  const naive = await closedLoop('naive', Math.min(10_000, total / 2), 64);
  progress(`outbox: naive ${Math.round(naive.e2ePerS)} events/s end to end`);
  phase = 'max';
  progress(`outbox: maximum with group commit (${total} writes, 1000 concurrent writers)`);
  const max = await closedLoop('group', total, 1000);
  progress(`outbox: group commit ${Math.round(max.e2ePerS)} events/s end to end (${Math.round(max.writesPerS)} writes/s acknowledged)`);

  const openLoop = async (name: string, rate: number, seconds: number) => {
    phase = name;
    progress(`outbox: ${name} load, ${rate} writes/s open loop for ${seconds} s`);
    const start = applied;
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    let sent = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (sent < due) {
        pending.push(unit('group'));
        sent++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(pending);
    await waitApplied(start + sent);
    return sent;
  };
  const rate = Math.round(max.e2ePerS / 2);
  const sent = await openLoop('half', rate, 10);
  await openLoop('light', 200, 5);
  const light = latencies.get('light') ?? [];
  const half = latencies.get('half') ?? [];
  const check = await sql<{ w: string; e: string }>`select (select count(*) from bench.writes)::text as w, (select count(*) from bench.effects)::text as e`.execute(db.kysely);
  await bus.close();
  await db.close();
  await pg.drop();
  return {
    naivePerS: naive.e2ePerS,
    maxPerS: max.e2ePerS,
    maxWritesPerS: max.writesPerS,
    halfRate: rate,
    halfSent: sent,
    p50: percentile(half, 50),
    p99: percentile(half, 99),
    lightP50: percentile(light, 50),
    lightP99: percentile(light, 99),
    writes: Number(check.rows[0]!.w),
    effects: Number(check.rows[0]!.e),
  };
}

export async function run(args: string[]): Promise<void> {
  const total = arg(args, 'events', 200_000);
  const runs = arg(args, 'runs', 3);
  const outboxTotal = arg(args, 'outbox-events', 60_000);
  const brokers = await ensureKafka();
  progress(`ingest: ${runs} runs of ${total} events, batches of 1000 (Millrace: 4 calls in flight, coalesced; bare client: 1 send in flight), acks=all, idempotent`);
  const ing = await ingest(brokers, total, runs);
  const out = await outboxPath(brokers, outboxTotal);
  const result = {
    generated_at: new Date().toISOString(),
    machine: machine(),
    command: `npm run bench -- events ${args.join(' ')}`.trim(),
    kafka_client: '@platformatic/kafka 1.35.0',
    event_size_bytes: ing.size,
    ingest_events_per_s: Math.round(median(ing.millrace)),
    ingest_baseline_events_per_s: Math.round(median(ing.baseline)),
    ingest_ratio_to_baseline: round(median(ing.millrace) / median(ing.baseline), 2),
    ingest_runs: { millrace: ing.millrace.map(Math.round), baseline_bare_client: ing.baseline.map(Math.round) },
    outbox_events_per_s: Math.round(out.maxPerS),
    outbox_acknowledged_writes_per_s: Math.round(out.maxWritesPerS),
    outbox_naive_baseline_events_per_s: Math.round(out.naivePerS),
    outbox_half_load_rate_per_s: out.halfRate,
    outbox_e2e_p50_ms: out.p50,
    outbox_e2e_p99_ms: out.p99,
    outbox_light_load_rate_per_s: 200,
    outbox_e2e_light_p50_ms: out.lightP50,
    outbox_e2e_light_p99_ms: out.lightP99,
    outbox_consistency: { writes: out.writes, effects: out.effects, lost: out.writes - out.effects },
    notes: 'Ingest: bus.produce (envelope with UUIDv7, schema check, JSON, coalesced sends) vs an application on the bare client serializing each event of the same shape and size with JSON.stringify and sending batches of 1000, one send in flight (the idempotent producer allows no more); median of runs. Outbox: state row + event in one transaction (group commit), relayed to Kafka, applied by a consumer group with inbox marker; e2e latency = effect time - time the write was submitted. Baseline: one transaction per write.',
  };
  writeResult('events', result, `# Event backbone benchmark (${result.generated_at.slice(0, 10)}, ${result.machine.cpus} cores, ${result.machine.node})

${table(['measure', 'Millrace', 'baseline (same run)', 'ratio'], [
    ['ingest, 1 KB events, acks=all (events/s, median)', result.ingest_events_per_s, `${result.ingest_baseline_events_per_s} (bare @platformatic/kafka)`, result.ingest_ratio_to_baseline],
    ['transactional write -> Kafka -> effect (events/s)', result.outbox_events_per_s, `${result.outbox_naive_baseline_events_per_s} (transaction per write)`, round(out.maxPerS / out.naivePerS, 1)],
    [`e2e latency at half load (${out.halfRate}/s) p50 / p99 (ms)`, `${result.outbox_e2e_p50_ms} / ${result.outbox_e2e_p99_ms}`, '', ''],
    ['e2e latency at light load (200/s) p50 / p99 (ms)', `${result.outbox_e2e_light_p50_ms} / ${result.outbox_e2e_light_p99_ms}`, '', ''],
    ['lost events (writes - effects)', result.outbox_consistency.lost, '', ''],
  ])}

Command: \`${result.command}\`. ${result.notes}`);
}
