// `npm run bench -- commerce`: the order flow event-driven (outbox -> Kafka -> saga, WebSocket push) versus its
// synchronous REST variant (orders calls inventory and payments over HTTP in the request), same machine, same data.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import WebSocket from 'ws';
import { createRealtimeGateway, silentLogger, sql, type RealtimeGateway } from '@millrace/platform';
import { freshPostgres } from '@millrace/platform/testing';
import { simulatedProvider } from '@millrace/payments';
import { as, createCommerce, kafkaInfra, testAuthenticator, type Commerce } from '../../apps/server/src/commerce/stack.ts';
import { ensureKafka, machine, median, percentile, progress, round, table, writeResult } from './lib/stats.ts';

interface Options {
  customers: number;
  ordersPerCustomer: number;
  recoveryCustomers: number;
  recoverySeconds: number;
  recoveryRate: number;
  killSeconds: number;
  lightCustomers: number;
  lightOrders: number;
  runs: number;
}

function parse(args: string[]): Options {
  const o: Options = { customers: 500, ordersPerCustomer: 4, recoveryCustomers: 50, recoverySeconds: 25, recoveryRate: 20, killSeconds: 10, lightCustomers: 20, lightOrders: 5, runs: 1 };
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i], Number(args[i + 1])];
    if (k === '--customers') o.customers = v;
    else if (k === '--orders') o.ordersPerCustomer = v;
    else if (k === '--recovery-customers') o.recoveryCustomers = v;
    else if (k === '--recovery-seconds') o.recoverySeconds = v;
    else if (k === '--kill-seconds') o.killSeconds = v;
    else if (k === '--recovery-rate') o.recoveryRate = v;
    else if (k === '--light-customers') o.lightCustomers = v;
    else if (k === '--light-orders') o.lightOrders = v;
    else if (k === '--runs') o.runs = v;
    else throw new Error(`unknown option ${k} (known: --customers N --orders N --recovery-customers N --recovery-seconds N --recovery-rate N --kill-seconds N --light-customers N --light-orders N --runs N)`);
  }
  return o;
}

type Flow = 'events' | 'sync';
const FINAL = new Set(['confirmed', 'rejected', 'cancelled']);

interface Stack {
  c: Commerce;
  base: string;
  gateway: RealtimeGateway | undefined;
  namespace: string;
  db: Awaited<ReturnType<typeof kafkaInfra>>['db'];
  close(): Promise<void>;
}

async function startStack(flow: Flow, brokers: string[]): Promise<Stack> {
  const pg = await freshPostgres('mr_bench_commerce');
  const namespace = `b${randomBytes(4).toString('hex')}`;
  const infra = await kafkaInfra({ url: pg.url, brokers, clientId: namespace });
  let base = '';
  const c = await createCommerce({
    db: infra.db, bus: infra.bus, namespace, defaultFlow: flow, syncBaseUrl: () => base, notifications: false,
    provider: simulatedProvider({ latencyMs: [2, 10] }), payments: { pollMs: 20 },
    // the inventory's HTTP API refuses while it is "down" (the synchronous variant calls it)
    configure: (app) => app.addHook('onRequest', async (req, reply) => {
      if (inventoryDown && req.url.startsWith('/api/catalog/reservations')) return reply.code(503).send({ code: 'DOWN' });
      return undefined;
    }),
  });
  await c.start();
  let gateway: RealtimeGateway | undefined;
  if (flow === 'events') {
    gateway = createRealtimeGateway({ bus: infra.bus, log: silentLogger(), channels: c.channels, authenticators: [testAuthenticator], maxConnections: 10_000 });
    await gateway.start();
    gateway.attach(c.app.server);
  }
  await c.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(c.app.server.address() as AddressInfo).port}`;
  return {
    c, base, gateway, namespace, db: infra.db,
    async close() {
      await gateway?.close();
      await c.close();
      await infra.close();
      await pg.drop();
    },
  };
}

async function products(s: Stack): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await fetch(`${s.base}/api/catalog/products`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...as('admin', 'admin') },
      body: JSON.stringify({ sku: `bench-${i}`, name: `Bench ${i}`, price: 1000 + i, currency: 'EUR', onHand: 1_000_000 }),
    });
    ids.push(((await r.json()) as { id: string }).id);
  }
  return ids;
}

/** A customer's page: sees its orders' states, pushed (events) or by polling every second (sync). */
class Page {
  readonly seen = new Map<string, number>(); // orderId -> when "confirmed" (or another final state) showed
  readonly waiting = new Map<string, () => void>();
  ws: WebSocket | undefined;

  constructor(readonly customer: string, readonly s: Stack, readonly flow: Flow) {}

  async open(): Promise<void> {
    if (this.flow !== 'events') return;
    const ws = new WebSocket(`${this.s.base.replace('http', 'ws')}/realtime`, ['millrace.v1'], { headers: as(this.customer) });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { op: string; event?: { data: { orderId: string; status: string } } };
        if (m.op === 'welcome') ws.send(JSON.stringify({ op: 'subscribe', id: '1', channel: `${this.s.namespace}.orders` }));
        else if (m.op === 'subscribed') resolve();
        else if (m.op === 'event' && m.event && FINAL.has(m.event.data.status)) this.#final(m.event.data.orderId);
      });
    });
  }

  #final(orderId: string): void {
    if (this.seen.has(orderId)) return;
    this.seen.set(orderId, performance.now());
    this.waiting.get(orderId)?.();
  }

  /** Resolves when the page shows the order final: pushed, in the POST answer (sync), or by 1 s polling. */
  async final(orderId: string, answered: string): Promise<number> {
    if (this.flow === 'sync' && FINAL.has(answered)) this.#final(orderId);
    if (this.seen.has(orderId)) return this.seen.get(orderId)!;
    if (this.flow === 'sync') {
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const r = await fetch(`${this.s.base}/api/orders/orders/${orderId}`, { headers: as(this.customer) });
        if (FINAL.has(((await r.json()) as { status: string }).status)) {
          this.#final(orderId);
          return this.seen.get(orderId)!;
        }
      }
    }
    await new Promise<void>((r) => this.waiting.set(orderId, r));
    return this.seen.get(orderId)!;
  }

  close(): void {
    this.ws?.close();
  }
}

async function place(s: Stack, customer: string, productIds: string[], i: number): Promise<{ ok: boolean; id?: string; status?: string }> {
  try {
    const r = await fetch(`${s.base}/api/orders/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `${customer}-${i}`, ...as(customer) },
      body: JSON.stringify({ lines: [{ productId: productIds[i % productIds.length]!, quantity: 1 }] }),
    });
    const b = (await r.json()) as { id?: string; status?: string };
    return r.status === 201 ? { ok: true, id: b.id!, status: b.status! } : { ok: false };
  } catch {
    return { ok: false };
  }
}

/** Warm-up (consumer groups joined, connections open, JIT warm), then a light load: each customer waits for "confirmed" before its next order. */
async function light(s: Stack, flow: Flow, o: Options, ids: string[]) {
  const warm = new Page('warm-up', s, flow);
  await warm.open();
  for (let i = 0; i < 20; i++) {
    const r = await place(s, 'warm-up', ids, 900_000 + i);
    if (r.ok) await warm.final(r.id!, r.status!);
  }
  warm.close();
  const latencies: number[] = [];
  const uiDelays: number[] = [];
  const pages = Array.from({ length: o.lightCustomers }, (_, i) => new Page(`light-${i}`, s, flow));
  await Promise.all(pages.map((p) => p.open()));
  await Promise.all(pages.map(async (page, c) => {
    for (let k = 0; k < o.lightOrders; k++) {
      const start = performance.now();
      const r = await place(s, page.customer, ids, 800_000 + c * 100 + k);
      latencies.push(performance.now() - start);
      if (r.ok) uiDelays.push((await page.final(r.id!, r.status!)) - start);
    }
  }));
  pages.forEach((p) => p.close());
  return { placement_ms: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) }, confirmed_shown_ms: { p50: round(percentile(uiDelays, 50)), p99: round(percentile(uiDelays, 99)) } };
}

async function load(s: Stack, flow: Flow, o: Options, ids: string[]) {
  const pages = Array.from({ length: o.customers }, (_, i) => new Page(`cust-${i}`, s, flow));
  await Promise.all(pages.map((p) => p.open()));
  const latencies: number[] = [];
  const uiDelays: number[] = [];
  let failed = 0;
  let lastFinal = 0;
  const t0 = performance.now();
  await Promise.all(pages.map(async (page, c) => {
    const tracking: Array<Promise<void>> = [];
    for (let k = 0; k < o.ordersPerCustomer; k++) {
      const start = performance.now();
      const r = await place(s, page.customer, ids, c * o.ordersPerCustomer + k);
      latencies.push(performance.now() - start);
      if (!r.ok) {
        failed++;
        continue;
      }
      tracking.push(page.final(r.id!, r.status!).then((at) => {
        uiDelays.push(at - start);
        lastFinal = Math.max(lastFinal, at);
      }));
    }
    await Promise.all(tracking);
  }));
  pages.forEach((p) => p.close());
  const total = o.customers * o.ordersPerCustomer;
  const seconds = (lastFinal - t0) / 1000;
  return {
    orders: total, failed,
    placement_ms: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
    orders_per_second: round((total - failed) / seconds),
    confirmed_shown_ms: { p50: round(percentile(uiDelays, 50)), p99: round(percentile(uiDelays, 99)) },
    seconds: round(seconds),
  };
}

/** Steady load while the inventory is down for `killSeconds`; then how many orders are lost or stuck, and the drain time. */
async function recovery(s: Stack, flow: Flow, o: Options) {
  const ids = (await (await fetch(`${s.base}/api/catalog/products?limit=10`)).json() as { items: Array<{ id: string }> }).items.map((p) => p.id);
  // the inventory "process" is gone: its consumer stops (events) and its HTTP API refuses (sync)
  const killAt = 5_000;
  const placed: string[] = [];
  let refused = 0;
  const stopAt = Date.now() + o.recoverySeconds * 1000;
  const customers = Array.from({ length: o.recoveryCustomers }, (_, i) => `rec-${i}`);
  const killer = (async () => {
    await new Promise((r) => setTimeout(r, killAt));
    if (flow === 'events') await s.c.catalog.close();
    inventoryDown = true;
    await new Promise((r) => setTimeout(r, o.killSeconds * 1000));
    inventoryDown = false;
    if (flow === 'events') await s.c.catalog.start();
    return Date.now();
  })();
  let drainedAt = 0;
  const drained = killer.then(async (restarted) => {
    const before = [...placed];
    for (const deadline = restarted + 120_000; Date.now() < deadline;) {
      const { rows } = await sql<{ n: string }>`
        select count(*)::text as n from orders.orders where id = any(${before}::text[]) and not (status = any(${[...FINAL]}::text[]))`.execute(s.db.kysely);
      if (rows[0]!.n === '0') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    drainedAt = Date.now();
  });
  await Promise.all(customers.map(async (customer, c) => {
    for (let k = 0; Date.now() < stopAt; k++) {
      const r = await place(s, customer, ids, 100_000 + c * 10_000 + k);
      if (r.ok) placed.push(r.id!);
      else refused++;
      // a steady load below both variants' capacity: what piles up is the outage's doing
      await new Promise((res) => setTimeout(res, (o.recoveryCustomers / o.recoveryRate) * 1000));
    }
  }));
  const restartedAt = await killer;
  await drained;
  const rowsFor = async (ids: string[]) => {
    const { rows } = await sql<{ status: string; reason: string | null; n: string }>`
      select status, reason, count(*)::text as n from orders.orders where id = any(${ids}::text[]) group by 1, 2`.execute(s.db.kysely);
    return rows;
  };
  const inList = () => rowsFor(placed);
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    if ((await inList()).every((r) => FINAL.has(r.status))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const rows = await inList();
  const stuck = rows.filter((r) => !FINAL.has(r.status)).reduce((a, r) => a + Number(r.n), 0);
  const lostSales = rows.filter((r) => r.status === 'rejected' && r.reason === 'service-unavailable').reduce((a, r) => a + Number(r.n), 0);
  return {
    placed: placed.length, refused_requests: refused, rejected_during_outage: lostSales, stuck,
    lost_or_stuck: refused + lostSales + stuck,
    /** until every order placed before the restart is final */
    drain_seconds_after_restart: round(Math.max(0, drainedAt - restartedAt) / 1000),
  };
}

let inventoryDown = false;

/** Events in the outbox of each group's topics without the group's inbox marker: events the saga never applied. */
async function lostEvents(s: Stack): Promise<number> {
  let lost = 0;
  const groups = [...s.c.catalog.subscriptions, ...s.c.orders.subscriptions, ...s.c.payments.subscriptions];
  for (const g of groups) {
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from millrace.outbox o where o.topic = any(${[...g.topics]}::text[])
      and not exists (select 1 from millrace.inbox i where i.group_name = ${g.group} and i.event_id = o.event_id)`.execute(s.db.kysely);
    lost += Number(rows[0]!.n);
  }
  return lost;
}

export async function run(args: string[]): Promise<void> {
  const o = parse(args);
  const brokers = await ensureKafka();
  progress(`commerce benchmark: ${o.customers} concurrent customers x ${o.ordersPerCustomer} orders, event-driven (Kafka + WebSocket) vs synchronous REST (HTTP calls in the request, 1 s polling); then ${o.killSeconds} s inventory outage under ${o.recoveryCustomers} customers (${o.recoveryRate} orders/s)`);
  const runs: Array<Record<Flow, Record<string, unknown>>> = [];
  const loadAtStart = loadavg().map((x) => round(x, 2));
  for (let run = 1; run <= o.runs; run++) {
    const results: Record<Flow, Record<string, unknown>> = { events: {}, sync: {} };
    // alternate which variant goes first, so neither always runs on the warmer (or more tired) machine
    const order: Flow[] = run % 2 === 1 ? ['events', 'sync'] : ['sync', 'events'];
    for (const flow of order) {
      progress(`run ${run}/${o.runs}, ${flow}: starting (fresh PostgreSQL database, Kafka ${brokers.join(',')})`);
      const s = await startStack(flow, brokers);
      try {
        const ids = await products(s);
        const lt = await light(s, flow, o, ids);
        progress(`${flow}: light ${JSON.stringify(lt)}`);
        const l = await load(s, flow, o, ids);
        progress(`${flow}: ${JSON.stringify(l)}`);
        const r = await recovery(s, flow, o);
        progress(`${flow}: recovery ${JSON.stringify(r)}`);
        const lost = flow === 'events' ? await lostEvents(s) : 0;
        results[flow] = { light: lt, ...l, recovery: r, lost_events: lost };
      } finally {
        await s.close();
      }
    }
    runs.push(results);
  }
  // each figure: the median over the runs (lost events and lost orders: the worst run)
  const results = { events: medianOf(runs.map((r) => r.events)), sync: medianOf(runs.map((r) => r.sync)) } as Record<Flow, Record<string, unknown>>;
  for (const flow of ['events', 'sync'] as const) {
    (results[flow] as { lost_events: number }).lost_events = Math.max(...runs.map((r) => (r[flow] as { lost_events: number }).lost_events));
    (results[flow].recovery as { lost_or_stuck: number }).lost_or_stuck = Math.max(...runs.map((r) => (r[flow].recovery as { lost_or_stuck: number }).lost_or_stuck));
  }
  const e = results.events as { light: { placement_ms: { p50: number; p99: number }; confirmed_shown_ms: { p50: number; p99: number } }; placement_ms: { p50: number; p99: number }; orders_per_second: number; confirmed_shown_ms: { p50: number; p99: number }; recovery: { lost_or_stuck: number; drain_seconds_after_restart: number }; lost_events: number };
  const y = results.sync as typeof e;
  const pct = (a: number, b: number) => `${round((a / b) * 100)}%`;
  const md = `# Commerce: event-driven vs synchronous REST (same run, same machine)

Medians of ${o.runs} run${o.runs > 1 ? 's' : ''} (lost events and lost orders: the worst run). A light load (${o.lightCustomers} customers, each waiting for "confirmed" before the next of ${o.lightOrders} orders), then ${o.customers} concurrent
customers placing ${o.ordersPerCustomer} orders each back to back (an open burst: the event-driven side queues it, the synchronous side
blocks the callers), then an inventory outage; 10 products, simulated payment provider (2-10 ms).
Event-driven: placement commits the order and its event (outbox), the saga runs over Kafka, the page hears "confirmed"
over the realtime WebSocket. Synchronous: orders calls inventory and payments over HTTP inside the request; the page
shows the answer (and polls every second if it was not final). Both on PostgreSQL + the same Kafka node, one process.

${table(['measure', 'event-driven', 'synchronous REST', 'event-driven / REST', 'paper (Kafka+WS / REST)'], [
    [`light load (${o.lightCustomers} customers, one order at a time): placement p50 (ms)`, e.light.placement_ms.p50, y.light.placement_ms.p50, pct(e.light.placement_ms.p50, y.light.placement_ms.p50), '35.6%'],
    ['light load: page shows "confirmed" p50 (ms)', e.light.confirmed_shown_ms.p50, y.light.confirmed_shown_ms.p50, pct(e.light.confirmed_shown_ms.p50, y.light.confirmed_shown_ms.p50), '30%'],
    ['light load: page shows "confirmed" p99 (ms)', e.light.confirmed_shown_ms.p99, y.light.confirmed_shown_ms.p99, pct(e.light.confirmed_shown_ms.p99, y.light.confirmed_shown_ms.p99), ''],
    [`${o.customers} concurrent customers: placement latency p50 (ms)`, e.placement_ms.p50, y.placement_ms.p50, pct(e.placement_ms.p50, y.placement_ms.p50), '35.6%'],
    [`${o.customers} customers: placement latency p99 (ms)`, e.placement_ms.p99, y.placement_ms.p99, pct(e.placement_ms.p99, y.placement_ms.p99), ''],
    [`${o.customers} customers: orders/s sustained (to final state)`, e.orders_per_second, y.orders_per_second, pct(e.orders_per_second, y.orders_per_second), '620 vs 200 events/s'],
    [`${o.customers} customers: page shows "confirmed" p50 (ms)`, e.confirmed_shown_ms.p50, y.confirmed_shown_ms.p50, pct(e.confirmed_shown_ms.p50, y.confirmed_shown_ms.p50), '30%'],
    [`${o.customers} customers: page shows "confirmed" p99 (ms)`, e.confirmed_shown_ms.p99, y.confirmed_shown_ms.p99, pct(e.confirmed_shown_ms.p99, y.confirmed_shown_ms.p99), ''],
    [`orders lost or stuck, inventory down ${o.killSeconds} s`, e.recovery.lost_or_stuck, y.recovery.lost_or_stuck, '', ''],
    ['time to drain after restart (s)', e.recovery.drain_seconds_after_restart, y.recovery.drain_seconds_after_restart, '', ''],
    ['lost events', e.lost_events, 'n/a', '', '0'],
  ])}

How to read it:
* **placement latency**: \`POST /api/orders/orders\` until the answer. Event-driven answers once the order and its event are
  committed; synchronous answers after reserve -> charge -> confirm over HTTP.
* **orders/s sustained**: orders that reached a final state / time from the first order to the last final one.
* **page shows "confirmed"**: from the customer's click to the moment its page has the final state: the WebSocket push
  (event-driven) or the POST answer (synchronous; 1 s polling when the answer was not final).
* **lost or stuck**: the inventory is down for ${o.killSeconds} s under ${o.recoveryCustomers} customers placing ${o.recoveryRate} orders/s in all. Event-driven: its consumer stops; orders
  wait and drain when it is back (stuck = not final 2 min later). Synchronous: its reservation API answers 503; those
  orders are rejected (\`service-unavailable\`, a lost sale) or their request fails.
* **lost events**: per consumer group, events of its topics in the outbox (still retained) without its inbox marker.

Machine: ${machine().cpus} CPUs (${machine().cpu_model}), Node ${machine().node}; load average at start ${loadAtStart.join(' / ')}
(the machine is shared with other engineers' builds and tests: treat absolute figures as indicative, the ratios as the result).
Both variants run in one process on PostgreSQL (one fresh database each) and the single local Kafka node; the
synchronous variant calls the catalog and payments APIs over loopback HTTP.
`;
  writeResult('commerce', { machine: machine(), load_average_at_start: loadAtStart, options: o, results, runs, paper: { latency_ratio: 0.356, events_per_second: { kafka: 620, rest: 200 }, ui_delay_ratio: 0.3 }, date: new Date().toISOString() }, md);
}

/** Field by field, the median of numbers across objects of the same shape. */
function medianOf(xs: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(xs[0] ?? {})) {
    const vs = xs.map((x) => x[k]);
    out[k] = typeof vs[0] === 'number' ? round(median(vs as number[])) : typeof vs[0] === 'object' && vs[0] !== null ? medianOf(vs as Array<Record<string, unknown>>) : vs[0];
  }
  return out;
}
