// `npm run bench -- realtime`: commit-to-browser latency (WebSocket push vs 1 s REST polling, both in Chromium) and gateway fan-out.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import {
  EventRegistry, Outbox, allowAny, createLogDriver, createMetrics, createRealtimeGateway, defineChannel, migratePlatform, openDatabase, silentLogger, sql,
} from '@millrace/platform';
import { freshPostgres } from '@millrace/platform/testing';
import { machine, median, percentile, progress, round, table, writeResult } from './lib/stats.ts';

interface Options {
  samples: number;
  ratePerSecond: number;
  fanoutSeconds: number;
  clientSteps: number[];
}

function parse(args: string[]): Options {
  const o: Options = { samples: 300, ratePerSecond: 20, fanoutSeconds: 10, clientSteps: [1000, 2500, 5000, 10000] };
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i], args[i + 1]];
    if (k === '--samples') o.samples = Number(v);
    else if (k === '--rate') o.ratePerSecond = Number(v);
    else if (k === '--fanout-seconds') o.fanoutSeconds = Number(v);
    else if (k === '--clients') o.clientSteps = v!.split(',').map(Number);
    else throw new Error(`unknown option ${k} (known: --samples N --rate N --fanout-seconds N --clients 1000,5000)`);
  }
  return o;
}

const PAGE = (mode: 'push' | 'poll') => `<!doctype html><html><body><p id="n">0</p><script>
const arrivals = {}; window.arrivals = arrivals; let count = 0;
function seen(n) { if (arrivals[n] === undefined) { arrivals[n] = Date.now(); document.getElementById('n').textContent = String(++count); } }
${mode === 'push'
    ? `const ws = new WebSocket('ws://' + location.host + '/realtime', ['millrace.v1']);
ws.onopen = () => ws.send(JSON.stringify({ op: 'subscribe', id: '1', channel: 'bench' }));
ws.onmessage = (m) => { const msg = JSON.parse(m.data); if (msg.op === 'subscribed') window.ready = true; if (msg.op === 'event') seen(msg.event.data.n); };`
    : `let after = -1; window.ready = true;
setInterval(async () => { const r = await fetch('/api/items?after=' + after); for (const row of await r.json()) { seen(row.n); after = Math.max(after, row.n); } }, 1000);`}
</script></body></html>`;

export async function run(args: string[]): Promise<void> {
  const o = parse(args);
  progress(`realtime benchmark: ${o.samples} committed events at ${o.ratePerSecond}/s watched by a WebSocket page and a 1 s polling page; then fan-out with ${o.clientSteps.join(', ')} clients`);
  const log = silentLogger();
  const db = await openDatabase({}); // embedded mode, as `npm start`: PGlite and the outbox as the log
  await migratePlatform(db);
  await sql`create schema if not exists bench`.execute(db.kysely);
  await sql`create table bench.items (n int primary key, created_at timestamptz not null default now())`.execute(db.kysely);
  const bus = createLogDriver({ db, registry: new EventRegistry([]), log });
  const outbox = new Outbox(db, { source: 'bench' });
  const metrics = createMetrics();
  const gateway = createRealtimeGateway({ bus, log, metrics, channels: [defineChannel({ topic: 'bench', permission: allowAny })], maxConnections: 30_000 });
  await gateway.start();
  const app = Fastify();
  app.get('/push', async (_q, reply) => reply.type('text/html').send(PAGE('push')));
  app.get('/poll', async (_q, reply) => reply.type('text/html').send(PAGE('poll')));
  app.get('/api/items', async (req) => {
    const after = Number((req.query as { after?: string }).after ?? -1);
    const { rows } = await sql<{ n: number }>`select n from bench.items where n > ${after} order by n limit 1000`.execute(db.kysely);
    return rows;
  });
  gateway.attach(app.server);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  // ---- 1. commit -> browser, push vs polling, same events, same run
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const push = await browser.newPage();
  const poll = await browser.newPage();
  await push.goto(`http://${base}/push`);
  await poll.goto(`http://${base}/poll`);
  await push.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  const committedAt: number[] = [];
  const every = 1000 / o.ratePerSecond;
  const t0 = Date.now();
  for (let n = 0; n < o.samples; n++) {
    const due = t0 + n * every;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await outbox.transaction(async (tx) => {
      await sql`insert into bench.items (n) values (${n})`.execute(tx.db);
      tx.publish({ type: 'bench.item-added', key: `k${n % 10}`, data: { n, t: Date.now() } });
    });
    committedAt[n] = Date.now();
    if (n % 100 === 99) progress(`  ${n + 1}/${o.samples} events committed`);
  }
  const arrivals = async (page: typeof push) => {
    await page.waitForFunction((total) => Object.keys((globalThis as unknown as { arrivals: object }).arrivals).length >= total, o.samples, { timeout: 30_000 });
    return page.evaluate(() => (globalThis as unknown as { arrivals: Record<string, number> }).arrivals);
  };
  const pushed = await arrivals(push);
  const polled = await arrivals(poll);
  const delays = (a: Record<string, number>) => committedAt.map((c, n) => Math.max(0, a[String(n)]! - c));
  const ui = delays(pushed);
  const pollDelays = delays(polled);
  await browser.close();
  progress(`  push p50 ${median(ui)} ms p99 ${percentile(ui, 99)} ms; polling p50 ${median(pollDelays)} ms p99 ${percentile(pollDelays, 99)} ms`);

  // ---- 2. fan-out: the gateway alone on a log over PostgreSQL; events written by another process (as services
  // would), N clients in a third process, all on the same cores
  await gateway.close();
  await app.close();
  await bus.close();
  await db.close();
  const pgdb = await freshPostgres('mr_bench_rt');
  const fanDb = await openDatabase({ url: pgdb.url });
  await migratePlatform(fanDb);
  const fanBus = createLogDriver({ db: fanDb, registry: new EventRegistry([]), log });
  const fanGateway = createRealtimeGateway({ bus: fanBus, log, metrics: createMetrics(), channels: [defineChannel({ topic: 'bench', permission: allowAny })], maxConnections: 30_000 });
  await fanGateway.start();
  const fanApp = Fastify();
  fanGateway.attach(fanApp.server);
  await fanApp.listen({ port: 0, host: '127.0.0.1' });
  const fanBase = `127.0.0.1:${(fanApp.server.address() as AddressInfo).port}`;
  const steps: Array<{ clients: number; events_per_s: number; msgs_per_s: number; p50_ms: number; p99_ms: number; connected: number }> = [];
  for (const clients of o.clientSteps) {
    const eventsPerSecond = Math.max(10, Math.round(100_000 / clients));
    progress(`  fan-out: ${clients} clients, ${eventsPerSecond} events/s for ${o.fanoutSeconds} s`);
    const child = fork(new URL('./realtime-clients.ts', import.meta.url).pathname, [`ws://${fanBase}/realtime`, String(clients), String(o.fanoutSeconds)], { execArgv: ['--import', 'tsx'] });
    const [ready] = (await once(child, 'message')) as [{ open: number; failed: number }];
    await new Promise((r) => setTimeout(r, 1000)); // subscriptions settle
    const producer = fork(new URL('./realtime-producer.ts', import.meta.url).pathname, [pgdb.url, String(eventsPerSecond), String(o.fanoutSeconds + 0.5)], { execArgv: ['--import', 'tsx'] });
    const produced = once(producer, 'message') as Promise<[{ sent: number }]>;
    child.send({ kind: 'go' });
    const [result] = (await once(child, 'message')) as [{ perSecond: number; p50: number; p99: number }];
    const [{ sent }] = await produced;
    const sentPerSecond = sent / (o.fanoutSeconds + 0.5);
    steps.push({ clients, events_per_s: round(sentPerSecond, 1), msgs_per_s: Math.round(result.perSecond), p50_ms: result.p50, p99_ms: result.p99, connected: ready.open });
    progress(`    ${ready.open} connected; ${round(sentPerSecond, 1)} events/s written; ${Math.round(result.perSecond)} msgs/s delivered; p50 ${result.p50} ms p99 ${result.p99} ms`);
    await new Promise((r) => setTimeout(r, 1500)); // the child's sockets close
  }
  await fanGateway.close();
  await fanApp.close();
  await fanBus.close();
  await fanDb.close();
  await pgdb.drop();

  const good = steps.filter((s) => s.p99_ms < 100 && s.connected === s.clients);
  const result = {
    machine: machine(),
    mode: 'commit to browser: embedded (PGlite, outbox as the log), writer and gateway in one process; fan-out: gateway on the log over PostgreSQL, events written by a second process, clients in a third, all on the same 2 cores',
    samples: o.samples,
    rate_per_s: o.ratePerSecond,
    ui_sync_p50_ms: median(ui),
    ui_sync_p99_ms: percentile(ui, 99),
    polling_sync_p50_ms: median(pollDelays),
    polling_sync_p99_ms: percentile(pollDelays, 99),
    ui_vs_polling_p50_ratio: round(median(ui) / Math.max(1, median(pollDelays)), 3),
    fanout_msgs_per_s: Math.max(0, ...good.map((s) => s.msgs_per_s)),
    max_clients: Math.max(0, ...good.map((s) => s.clients)),
    fanout_steps: steps,
  };
  writeResult('realtime', result, `# Realtime: commit to browser, and fan-out

${result.mode}. ${o.samples} events committed at ${o.ratePerSecond}/s (row + outbox, one transaction each).

${table(['page in Chromium', 'p50 ms', 'p99 ms'], [
  ['WebSocket push (Millrace gateway)', result.ui_sync_p50_ms, result.ui_sync_p99_ms],
  ['REST polling every 1 s (baseline)', result.polling_sync_p50_ms, result.polling_sync_p99_ms],
])}

Fan-out (p99 from event creation to receipt by the client; target p99 < 100 ms):

${table(['clients', 'events/s', 'messages/s delivered', 'p50 ms', 'p99 ms', 'connected'], steps.map((s) => [s.clients, s.events_per_s, s.msgs_per_s, s.p50_ms, s.p99_ms, s.connected]))}

Held with p99 < 100 ms: **${result.max_clients} clients**, **${result.fanout_msgs_per_s} messages/s**.`);
}
