// The realtime gateway's behaviour, run against each event bus driver: resume, authorization, slow clients.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { EventBus } from '../events/event-bus.ts';
import { hasRole, isOwner, or } from '../http/permissions.ts';
import type { Authenticator } from '../http/principal.ts';
import { silentLogger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { waitFor, uniqueName } from '../testing/index.ts';
import { defineChannel } from './channels.ts';
import { RealtimeClient, type WebSocketLike } from './client.ts';
import { createRealtimeGateway, type RealtimeGateway, type RealtimeGatewayOptions } from './gateway.ts';
import { PROTOCOL, closeCodes, type ServerMessage } from './protocol.ts';

export interface GatewaySuiteTarget {
  readonly name: string;
  /** A started bus over a fresh database. */
  open(): Promise<{ bus: EventBus; close(): Promise<void> }>;
}

/** `Bearer user.<id>.<role>`: enough identity for authorization tests without the identity service. */
const testAuth: Authenticator = {
  async authenticate(req) {
    const h = req.headers.authorization;
    if (typeof h !== 'string') return null;
    const m = /^Bearer user\.([\w-]+)\.(\w+)$/.exec(h);
    if (!m) throw new Error('bad token');
    return { kind: 'user', id: m[1]!, roles: [m[2]!], scopes: [] };
  },
};

const WS = WebSocket as unknown as new (url: string, protocols?: string | string[]) => WebSocketLike;

export function gatewaySuite(target: GatewaySuiteTarget): void {
  describe(`realtime gateway (${target.name})`, () => {
    let bus: EventBus;
    let closeBus: () => Promise<void>;
    const topic = uniqueName('rt').replace('-', '');
    const adminTopic = `${topic}.audit`;
    const slowTopic = `${topic}.slow`;
    const owners = new Map<string, string>(); // wallet key -> owner id

    before(async () => {
      ({ bus, close: closeBus } = await target.open());
    });
    after(async () => closeBus());

    async function startGateway(extra: Partial<RealtimeGatewayOptions> = {}): Promise<{ gw: RealtimeGateway; url: string; server: Server; metrics: Metrics; stop(): Promise<void> }> {
      const metrics = createMetrics();
      const gw = createRealtimeGateway({
        bus, log: silentLogger(), metrics, authenticators: [testAuth],
        channels: [
          defineChannel({ topic, permission: or(hasRole('admin'), isOwner('ownerId')), load: async (key) => (owners.has(key) ? { ownerId: owners.get(key) } : undefined) }),
          defineChannel({ topic: adminTopic, permission: hasRole('admin') }),
          // an object check that takes a while, for the unsubscribe-during-authorization race
          defineChannel({ topic: slowTopic, permission: isOwner('ownerId'), load: async () => { await new Promise((r) => setTimeout(r, 200)); return { ownerId: 'gina' }; } }),
        ],
        ...extra,
      });
      await gw.start();
      const server = createServer((_req, res) => res.writeHead(404).end());
      gw.attach(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/realtime`;
      return { gw, url, server, metrics, async stop() { await gw.close(); server.close(); } };
    }

    async function publish(key: string, n: number, from = 0, ownerId = owners.get(key) ?? 'nobody'): Promise<void> {
      for (let i = 0; i < n; i += 200) {
        const batch = Array.from({ length: Math.min(200, n - i) }, (_, j) => ({ type: `${topic}.changed`, topic, key, data: { ownerId, n: from + i + j } }));
        await bus.produce(batch, { source: 'test' });
      }
    }

    function collect(client: RealtimeClient, channel: string) {
      const got: number[] = [];
      const subscribed: Array<{ recovered: boolean; replayed: number }> = [];
      const errors: Array<{ status: number; code: string }> = [];
      client.subscribe(channel, {
        onEvent: (e) => got.push((e.data as { n: number }).n),
        onSubscribed: (s) => subscribed.push(s),
        onError: (e) => errors.push(e),
      });
      return { got, subscribed, errors };
    }

    it('a client disconnected while 1,000 events are published receives all of them after reconnect, in order, once', async () => {
      // a small in-memory history forces most of the replay to come from the log itself
      const g = await startGateway({ historySize: 100 });
      try {
        owners.set('w1', 'alice');
        const client = new RealtimeClient({ url: g.url, token: () => 'user.alice.customer', WebSocket: WS, backoffMs: 50 });
        const c = collect(client, `${topic}:w1`);
        await waitFor('subscribed', () => c.subscribed.length === 1);
        await publish('w1', 10);
        await publish('w2', 5, 0, 'bob'); // someone else's: never delivered to alice
        await waitFor('first 10 events', () => c.got.length === 10);

        // stop listening first, so the client's reconnects fail until all 1,000 are written
        const port = (g.server.address() as AddressInfo).port;
        g.server.close();
        g.gw.terminateAll();
        await waitFor('client noticed', () => client.status.state === 'reconnecting');
        await publish('w1', 1000, 10);
        await publish('w2', 50, 5, 'bob');
        await waitFor('the gateway saw everything', async () => (await g.metrics.realtimeDeliveryLagSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value === 1065, 60_000);
        g.server.listen(port, '127.0.0.1');
        await once(g.server, 'listening');

        await waitFor('1,010 events', () => c.got.length >= 1010, 60_000);
        await new Promise((r) => setTimeout(r, 300)); // anything extra would arrive now
        assert.deepEqual(c.got, Array.from({ length: 1010 }, (_, i) => i), 'every event once, in order');
        assert.equal(c.subscribed.length, 2);
        assert.deepEqual(c.subscribed[1], { recovered: true, replayed: 1000 });
        client.close();
      } finally {
        await g.stop();
      }
    });

    it('a client whose history is gone (or too long to replay) gets recovered: false and continues live', async () => {
      const g = await startGateway({ historySize: 10, maxReplay: 100 });
      try {
        owners.set('w3', 'carol');
        const raw = await connect(g.url, 'user.carol.customer');
        raw.send({ op: 'subscribe', id: '1', channel: `${topic}:w3` });
        const first = await raw.next((m) => m.op === 'subscribed');
        await publish('w3', 1);
        const e1 = await raw.next((m) => m.op === 'event');
        assert.equal(e1.op === 'event' && (e1.event.data as { n: number }).n, 0);
        raw.close();
        await publish('w3', 500, 1);

        const again = await connect(g.url, 'user.carol.customer');
        const positions = first.op === 'subscribed' ? { ...first.positions } : {};
        if (e1.op === 'event') positions[String(e1.partition)] = e1.position;
        again.send({ op: 'subscribe', id: '2', channel: `${topic}:w3`, positions });
        const answer = await again.next((m) => m.op === 'subscribed');
        assert.equal(answer.op === 'subscribed' && answer.recovered, false, 'more than maxReplay missed');
        await publish('w3', 1, 501);
        const live = await again.next((m) => m.op === 'event' && (m.event.data as { n: number }).n === 501);
        assert.ok(live);

        // a position this log never wrote (another deployment, a reset database)
        const third = await connect(g.url, 'user.carol.customer');
        const future = Object.fromEntries(Object.keys(positions).map((p) => [p, bus.driver === 'kafka' ? '99999999' : '99999999:1']));
        third.send({ op: 'subscribe', id: '3', channel: `${topic}:w3`, positions: future });
        const a3 = await third.next((m) => m.op === 'subscribed');
        assert.equal(a3.op === 'subscribed' && a3.recovered, false);
        again.close();
        third.close();
      } finally {
        await g.stop();
      }
    });

    it("refuses another customer's channel and admin channels to customers; family subscriptions see only the caller's events", async () => {
      const g = await startGateway();
      try {
        owners.set('w4', 'dave');
        owners.set('w5', 'erin');
        const erin = await connect(g.url, 'user.erin.customer');
        erin.send({ op: 'subscribe', id: '1', channel: `${topic}:w4` });
        const refused = await erin.next((m) => m.op === 'error' || m.op === 'subscribed');
        assert.equal(refused.op, 'error');
        assert.equal(refused.op === 'error' && refused.status, 403);
        erin.send({ op: 'subscribe', id: '2', channel: `${topic}:nope` });
        const unknownKey = await erin.next((m) => m.op === 'error' || m.op === 'subscribed');
        assert.equal(unknownKey.op === 'error' && unknownKey.status, 403, 'an unknown key is refused like a foreign one');
        erin.send({ op: 'subscribe', id: '3', channel: adminTopic });
        const admin = await erin.next((m) => m.op === 'error' || m.op === 'subscribed');
        assert.equal(admin.op === 'error' && admin.status, 403);

        erin.send({ op: 'subscribe', id: '4', channel: topic });
        await erin.next((m) => m.op === 'subscribed');
        const root = await connect(g.url, 'user.root.admin');
        root.send({ op: 'subscribe', id: '1', channel: adminTopic });
        await root.next((m) => m.op === 'subscribed');
        await publish('w4', 3, 0, 'dave');
        await publish('w5', 2, 0, 'erin');
        await bus.produce([{ type: `${adminTopic}.login-failed`, topic: adminTopic, key: 'x', data: { ownerId: 'erin' } }], { source: 'test' });
        const seen = [await erin.next((m) => m.op === 'event'), await erin.next((m) => m.op === 'event')];
        assert.deepEqual(seen.map((m) => m.op === 'event' && (m.event.data as { ownerId: string }).ownerId), ['erin', 'erin']);
        const audit = await root.next((m) => m.op === 'event');
        assert.equal(audit.op === 'event' && audit.channel, adminTopic);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(erin.pending().filter((m) => m.op === 'event').length, 0, "no event of dave's reached erin");

        // bad credentials are refused with the documented close code; no credentials means anonymous
        const bad = new WebSocket(g.url, [PROTOCOL, 'bearer.forged']);
        const [code] = (await once(bad, 'close')) as [number];
        assert.equal(code, closeCodes.unauthenticated);
        const anon = await connect(g.url, undefined);
        anon.send({ op: 'subscribe', id: '1', channel: topic });
        const a = await anon.next((m) => m.op === 'error' || m.op === 'subscribed');
        assert.equal(a.op === 'error' && a.status, 403);
        for (const c of [erin, root, anon]) c.close();
      } finally {
        await g.stop();
      }
    });

    it('an unsubscribe that arrives while the subscription is being authorized cancels it', async () => {
      const g = await startGateway();
      try {
        const gina = await connect(g.url, 'user.gina.customer');
        gina.send({ op: 'subscribe', id: '1', channel: `${slowTopic}:k1` });
        gina.send({ op: 'unsubscribe', id: '2', channel: `${slowTopic}:k1` });
        await gina.next((m) => m.op === 'unsubscribed');
        await new Promise((r) => setTimeout(r, 400)); // the check has finished by now
        assert.equal((await g.metrics.realtimeSubscriptions.get()).values[0]?.value ?? 0, 0, 'nothing left subscribed');
        await bus.produce([{ type: `${slowTopic}.changed`, topic: slowTopic, key: 'k1', data: { ownerId: 'gina' } }], { source: 'test' });
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(gina.pending().filter((m) => m.op === 'event' || m.op === 'subscribed'), []);
        gina.close();
      } finally {
        await g.stop();
      }
    });

    it('cuts off a client that never reads with close code 4008, and its queue stays bounded', async () => {
      const maxBufferedBytes = 256 * 1024;
      const g = await startGateway({ maxBufferedBytes, historyBytes: 4 * 1024 * 1024 });
      try {
        owners.set('w6', 'frank');
        const slow = await connect(g.url, 'user.frank.customer');
        slow.send({ op: 'subscribe', id: '1', channel: `${topic}:w6` });
        await slow.next((m) => m.op === 'subscribed');
        slow.pauseReading();
        const before = memoryAfterGc();
        const big = 'x'.repeat(1000);
        let written = 0;
        while (g.gw.connections > 0 && written < 40_000) {
          await bus.produce(Array.from({ length: 500 }, (_, i) => ({ type: `${topic}.changed`, topic, key: 'w6', data: { ownerId: 'frank', n: written + i, pad: big } })), { source: 'test' });
          written += 500;
        }
        await waitFor('the slow client is cut off', () => g.gw.connections === 0, 30_000);
        const cut = (await g.metrics.realtimeDisconnects.get()).values.find((v) => v.labels.reason === 'slow-consumer');
        assert.equal(cut?.value, 1);
        const grown = memoryAfterGc() - before;
        // the kernel's socket buffers take some megabytes before the gateway's queue starts to grow
        assert.ok(written * 1000 > 2 * maxBufferedBytes, `enough was written to overflow the buffer (${written} events)`);
        const peak = (await g.metrics.realtimeSendQueuePeakBytes.get()).values[0]?.value ?? 0;
        assert.ok(peak > 0 && peak <= maxBufferedBytes + 64 * 1024, `the client's queue peaked at ${peak} bytes (limit ${maxBufferedBytes} + one frame)`);
        // what stays on the heap: the history window (historyBytes per partition, JSON plus parsed envelopes), not what was written
        assert.ok(grown < 48 * 1024 * 1024, `heap grew by ${Math.round(grown / 1e6)} MB`);
        slow.close();
      } finally {
        await g.stop();
      }
    });
  });
}

/** The JS heap after a full collection (so garbage does not count as growth; PGlite's WebAssembly memory is not in it). */
function memoryAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/** A raw protocol client for precise assertions. */
async function connect(url: string, token: string | undefined) {
  const ws = new WebSocket(url, token ? [PROTOCOL, `bearer.${token}`] : [PROTOCOL]);
  const inbox: ServerMessage[] = [];
  const waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as ServerMessage;
    const w = waiters.findIndex((x) => x.match(m));
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  await once(ws, 'open');
  return {
    send: (m: object) => ws.send(JSON.stringify(m)),
    next(match: (m: ServerMessage) => boolean, timeoutMs = 20_000): Promise<ServerMessage> {
      const i = inbox.findIndex(match);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(inbox.slice(-3))}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => { clearTimeout(t); resolve(m); } });
      });
    },
    pending: () => inbox,
    pauseReading: () => (ws as unknown as { _socket: { pause(): void } })._socket.pause(),
    close: () => ws.terminate(),
  };
}
