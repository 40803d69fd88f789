// The realtime gateway: WebSocket fan-out of the event log, authorized per channel, resumable from stream positions.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { MillraceError } from '../errors.ts';
import type { Envelope } from '../events/envelope.ts';
import type { EventBus, LogRecord, TailHandle } from '../events/event-bus.ts';
import { comparePositions, isPosition } from '../events/positions.ts';
import type { RequestContext } from '../http/context.ts';
import type { Authenticator, AuthRequest, Principal } from '../http/principal.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { authorize, type Channel } from './channels.ts';
import { PartitionHistory, type HistoryEntry } from './history.ts';
import { BEARER_PREFIX, PROTOCOL, closeCodes, parseChannel, type ClientMessage, type ServerMessage } from './protocol.ts';

export interface RealtimeGatewayOptions {
  readonly bus: EventBus;
  readonly channels: readonly Channel[];
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Tried in order on connect: bearer token (header or `bearer.<jwt>` subprotocol), API key, session cookie. */
  readonly authenticators?: readonly Authenticator[];
  /** Origins allowed to connect with a session cookie, besides the server's own. */
  readonly allowedOrigins?: readonly string[];
  /** Default `/realtime`. */
  readonly path?: string;
  /** Recent events kept in memory per partition for resumes. Default 10 000. */
  readonly historySize?: number;
  /** ...and at most about this many bytes of their JSON per partition. Default 8 MiB. */
  readonly historyBytes?: number;
  /** A resume replaying more than this answers `recovered: false` (reload over REST instead). Default 50 000. */
  readonly maxReplay?: number;
  /** Bytes queued for one client before it is cut off as a slow consumer (close 4008). Default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /** Ping interval; a client silent for two of them is closed (4004). Default 15 000 ms. */
  readonly heartbeatMs?: number;
  /** Default 20 000. */
  readonly maxConnections?: number;
  /** Default 200. */
  readonly maxSubscriptions?: number;
  readonly now?: () => Date;
}

export interface RealtimeGateway {
  /** Starts following the channels' topics. */
  start(): Promise<void>;
  /** Takes WebSocket upgrades for the gateway's path on this HTTP server. */
  attach(server: Server): void;
  /** Fastify plugin: `GET /api/realtime/channels`, the channels the caller may follow. */
  routes(app: FastifyInstance): Promise<void>;
  /** The channels `principal` may follow (family: the whole topic; keyed: `<topic>:<key>`, per object). */
  channelsFor(principal: Principal | null): Array<{ topic: string; family: boolean; keyed: boolean }>;
  readonly connections: number;
  /** Drops every connection without a close handshake (tests, failover drills). Returns how many. */
  terminateAll(): number;
  /** Closes every connection with 1001 and stops following the log. */
  close(): Promise<void>;
}

interface Subscription {
  readonly conn: Connection;
  readonly name: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly accepts: (event: Envelope) => boolean;
  readonly cursors: Map<number, string>;
  live: boolean;
}

interface Connection {
  readonly id: string;
  readonly ws: WebSocket;
  readonly principal: Principal | null;
  readonly ctx: RequestContext;
  readonly subs: Map<string, Subscription>;
  /** Subscriptions being authorized (an `unsubscribe` meanwhile cancels them). */
  readonly pending: Map<string, { cancelled: boolean }>;
  alive: boolean;
  closed: boolean;
  tokens: number;
  lastRefill: number;
}

const MAX_FRAME = 16 * 1024;

/**
 * Creates the gateway; wire it with `start()`, `attach(app.server)` and `app.register(gateway.routes)`.
 * @example const gw = createRealtimeGateway({ bus, log, channels: [defineChannel({ topic: 'orders', permission: isOwner('customerId') })], authenticators }); await gw.start(); gw.attach(app.server)
 */
export function createRealtimeGateway(options: RealtimeGatewayOptions): RealtimeGateway {
  const { bus, log, metrics } = options;
  const path = options.path ?? '/realtime';
  const historySize = options.historySize ?? 10_000;
  const historyBytes = options.historyBytes ?? 8 * 1024 * 1024;
  const maxReplay = options.maxReplay ?? 50_000;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxConnections = options.maxConnections ?? 20_000;
  const maxSubscriptions = options.maxSubscriptions ?? 200;
  const now = options.now ?? (() => new Date());
  const authenticators = options.authenticators ?? [];
  const channels = new Map(options.channels.map((c) => [c.topic, c]));
  const histories = new Map<string, Map<number, PartitionHistory>>();
  const families = new Map<string, Set<Subscription>>();
  const keyed = new Map<string, Set<Subscription>>();
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  let tail: TailHandle | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const servers = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();

  // ---- the log side: every record is kept in its partition's history, then pushed to live subscribers

  let peakQueued = 0;
  /** Sockets written to during the current batch: corked, so a client's frames of one batch leave in one write. */
  const corked = new Set<{ uncork(): void }>();

  function onRecords(records: readonly LogRecord[]): void {
    try {
      pushAll(records);
    } finally {
      for (const socket of corked) socket.uncork();
      corked.clear();
    }
  }

  function pushAll(records: readonly LogRecord[]): void {
    for (const r of records) {
      const event = parseEnvelope(r.value);
      if (!event) {
        log.warn({ topic: r.topic, position: r.position }, 'realtime: skipping a record that is not an envelope');
        continue;
      }
      const entry: HistoryEntry = { position: r.position, key: r.key, event, raw: r.value };
      historyOf(r.topic, r.partition).push(entry);
      try {
        dispatch(r, entry);
      } catch (err) {
        // never thrown back to the tail (it would deliver the batch again); the history already holds the event
        log.error({ err, topic: r.topic, position: r.position }, 'realtime: pushing an event failed');
      }
    }
  }

  function dispatch(r: LogRecord, entry: HistoryEntry): void {
    const { event } = entry;
    const lagMs = now().getTime() - Date.parse(event.time);
    if (Number.isFinite(lagMs)) metrics?.realtimeDeliveryLagSeconds.observe(Math.max(0, lagMs) / 1000);
    const family = families.get(r.topic);
    const byKey = keyed.get(`${r.topic}\u0000${r.key}`);
    let frameFamily: Buffer | undefined;
    let frameKeyed: Buffer | undefined;
    let sent = 0;
    if (family) for (const sub of family) {
      if (!sub.live || !sub.accepts(event)) continue;
      frameFamily ??= frame(sub.name, r.partition, entry);
      if (deliver(sub, r.partition, entry.position, frameFamily)) sent++;
    }
    if (byKey) for (const sub of byKey) {
      if (!sub.live) continue;
      frameKeyed ??= frame(sub.name, r.partition, entry);
      if (deliver(sub, r.partition, entry.position, frameKeyed)) sent++;
    }
    if (sent > 0) metrics?.realtimeMessagesSent.inc(sent);
  }

  function historyOf(topic: string, partition: number): PartitionHistory {
    let perTopic = histories.get(topic);
    if (!perTopic) histories.set(topic, (perTopic = new Map()));
    let h = perTopic.get(partition);
    // a partition the tail did not know at start (added later) begins before its first record
    if (!h) perTopic.set(partition, (h = new PartitionHistory('-1', historySize, historyBytes)));
    return h;
  }

  /** Sends one event frame unless the subscriber already has it; cuts off a client whose queue is too long. */
  function deliver(sub: Subscription, partition: number, position: string, data: Buffer): boolean {
    const cursor = sub.cursors.get(partition);
    if (cursor !== undefined && comparePositions(position, cursor) <= 0) return false;
    sub.cursors.set(partition, position);
    const { ws } = sub.conn;
    if (sub.conn.closed) return false;
    const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (socket && !corked.has(socket)) {
      socket.cork();
      corked.add(socket);
    }
    ws.send(data, TEXT);
    if (ws.bufferedAmount > peakQueued) metrics?.realtimeSendQueuePeakBytes.set((peakQueued = ws.bufferedAmount));
    if (ws.bufferedAmount > maxBuffered) drop(sub.conn, closeCodes.slowConsumer, 'slow consumer: send buffer full; reconnect and resume', 'slow-consumer');
    return true;
  }

  // ---- the client side

  function send(conn: Connection, msg: ServerMessage): void {
    if (!conn.closed) conn.ws.send(JSON.stringify(msg));
  }

  function drop(conn: Connection, code: number, reason: string, metricReason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    metrics?.realtimeDisconnects.inc({ reason: metricReason });
    conn.ws.close(code, reason);
    // a client that does not read will not read the close frame either
    setTimeout(() => conn.ws.terminate(), 1_000).unref();
  }

  function onConnection(ws: WebSocket, principal: Principal | null, req: IncomingMessage): void {
    const conn: Connection = {
      id: randomUUID(),
      ws,
      principal,
      ctx: { principal, action: 'subscribe', ip: req.socket.remoteAddress ?? '', method: 'GET', headers: req.headers, get now() { return now(); } },
      subs: new Map(),
      pending: new Map(),
      alive: true,
      closed: false,
      tokens: 50,
      lastRefill: Date.now(),
    };
    connections.add(conn);
    metrics?.realtimeConnections.set(connections.size);
    ws.on('pong', () => void (conn.alive = true));
    ws.on('message', (data, isBinary) => {
      conn.alive = true;
      if (!takeToken(conn)) {
        send(conn, { op: 'error', status: 429, code: 'MR_REALTIME_THROTTLED', detail: 'too many messages: at most 10 per second' });
        return;
      }
      const msg = isBinary ? undefined : parseClientMessage(data.toString());
      if (!msg) return drop(conn, closeCodes.protocolError, 'invalid message', 'protocol-error');
      void handle(conn, msg).catch((err) => {
        log.error({ err, connection: conn.id }, 'realtime: message handling failed');
        send(conn, { op: 'error', id: msg.id, status: 500, code: 'MR_REALTIME_INTERNAL', detail: 'internal error' });
      });
    });
    ws.on('close', () => {
      conn.closed = true;
      for (const sub of conn.subs.values()) unindex(sub);
      connections.delete(conn);
      metrics?.realtimeConnections.set(connections.size);
      metrics?.realtimeSubscriptions.set(subscriptionCount());
    });
    ws.on('error', (err) => log.debug({ err, connection: conn.id }, 'realtime: socket error'));
    send(conn, { op: 'welcome', connectionId: conn.id, principal: principal ? { id: principal.id, roles: principal.roles } : null, heartbeatMs });
  }

  function takeToken(conn: Connection): boolean {
    const t = Date.now();
    conn.tokens = Math.min(50, conn.tokens + ((t - conn.lastRefill) / 1000) * 10);
    conn.lastRefill = t;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  async function handle(conn: Connection, msg: ClientMessage): Promise<void> {
    switch (msg.op) {
      case 'ping':
        return send(conn, { op: 'pong', id: msg.id });
      case 'unsubscribe': {
        const pending = conn.pending.get(msg.channel);
        if (pending) pending.cancelled = true;
        const sub = conn.subs.get(msg.channel);
        if (sub) {
          conn.subs.delete(msg.channel);
          unindex(sub);
        }
        return send(conn, { op: 'unsubscribed', id: msg.id, channel: msg.channel });
      }
      case 'subscribe':
        return subscribe(conn, msg);
    }
  }

  async function subscribe(conn: Connection, msg: Extract<ClientMessage, { op: 'subscribe' }>): Promise<void> {
    const fail = (status: number, code: string, detail: string) => send(conn, { op: 'error', id: msg.id, channel: msg.channel, status, code, detail });
    const parsed = parseChannel(msg.channel);
    const channel = parsed && channels.get(parsed.topic);
    if (!parsed || !channel) return fail(404, 'MR_REALTIME_UNKNOWN_CHANNEL', `no channel ${msg.channel} (known: ${[...channels.keys()].join(', ')})`);
    if (conn.subs.has(msg.channel) || conn.pending.has(msg.channel)) return fail(409, 'MR_REALTIME_ALREADY_SUBSCRIBED', `already subscribed to ${msg.channel}`);
    if (conn.subs.size + conn.pending.size >= maxSubscriptions) return fail(429, 'MR_REALTIME_TOO_MANY_SUBSCRIPTIONS', `at most ${maxSubscriptions} subscriptions per connection`);
    if (msg.positions && !Object.entries(msg.positions).every(([p, pos]) => /^\d{1,5}$/.test(p) && typeof pos === 'string' && isPosition(pos))) {
      return fail(400, 'MR_REALTIME_BAD_POSITIONS', 'positions: an object of partition -> position strings');
    }
    const pending = { cancelled: false };
    conn.pending.set(msg.channel, pending);
    let decision: Awaited<ReturnType<typeof authorize>>;
    try {
      decision = await authorize(channel, parsed.key, conn.ctx);
    } finally {
      conn.pending.delete(msg.channel);
    }
    if (!decision.allowed) return fail(403, 'MR_REALTIME_FORBIDDEN', decision.reason);
    // closed, or unsubscribed while the check ran: that unsubscribe was already answered
    if (conn.closed || pending.cancelled) return;
    const sub: Subscription = { conn, name: msg.channel, topic: parsed.topic, key: parsed.key, accepts: decision.accepts, cursors: new Map(), live: false };
    conn.subs.set(msg.channel, sub);
    index(sub);
    if (!msg.positions) return goLive(sub, msg.id, true, 0, heads(sub.topic));
    await resume(sub, msg.id, msg.positions);
  }

  function heads(topic: string): Map<number, string> {
    return new Map([...(histories.get(topic) ?? new Map<number, PartitionHistory>())].map(([p, h]) => [p, h.last]));
  }

  function goLive(sub: Subscription, id: string, recovered: boolean, replayed: number, cursors: Map<number, string>): void {
    for (const [p, c] of cursors) sub.cursors.set(p, c);
    sub.live = true;
    send(sub.conn, { op: 'subscribed', id, channel: sub.name, recovered, replayed, positions: Object.fromEntries(sub.cursors) });
  }

  /**
   * Replays what the client missed: from the log while its position is older than the in-memory history, then
   * from the history, then live. The last two steps run without a pause in between, so nothing falls in a gap.
   */
  async function resume(sub: Subscription, id: string, requested: Readonly<Record<string, string>>): Promise<void> {
    const partitions = histories.get(sub.topic) ?? new Map<number, PartitionHistory>();
    const cursors = new Map<number, string>();
    for (const p of partitions.keys()) {
      const pos = requested[String(p)];
      // a partition the client has no position for: what it missed there cannot be known
      if (pos === undefined) return goLive(sub, id, false, 0, heads(sub.topic));
      cursors.set(p, pos);
    }
    let replayed = 0;
    for (;;) {
      const behind = [...partitions].find(([p, h]) => !h.covers(cursors.get(p)!));
      if (!behind) break;
      const [p, h] = behind;
      const cursor = cursors.get(p)!;
      if (comparePositions(cursor, h.last) > 0) return goLive(sub, id, false, replayed, heads(sub.topic));
      const page = await bus.history(sub.topic, p, cursor, 500);
      if (page.gone || sub.conn.closed) return sub.conn.closed ? undefined : goLive(sub, id, false, replayed, heads(sub.topic));
      if (page.records.length === 0) {
        await new Promise((r) => setTimeout(r, 20)); // the tail saw it; the read will too
        continue;
      }
      const frames: Buffer[] = [];
      for (const r of page.records) {
        if (sub.key !== undefined && r.key !== sub.key) continue;
        const event = parseEnvelope(r.value);
        if (!event || !sub.accepts(event)) continue;
        frames.push(frame(sub.name, p, { position: r.position, raw: r.value }));
      }
      // decided before sending: a client told `recovered: false` reloads anyway, so it gets no partial replay
      if (replayed + frames.length > maxReplay) return goLive(sub, id, false, 0, heads(sub.topic));
      for (const f of frames) sub.conn.ws.send(f, TEXT);
      replayed += frames.length;
      cursors.set(p, page.records[page.records.length - 1]!.position);
      await drained(sub.conn);
    }
    // every partition is now within its in-memory history: finish from there and go live in one step
    for (const [p, h] of partitions) {
      for (const e of h.after(cursors.get(p)!)) {
        cursors.set(p, e.position);
        if (sub.key !== undefined && e.key !== sub.key) continue;
        if (!sub.accepts(e.event)) continue;
        sub.conn.ws.send(frame(sub.name, p, e), TEXT);
        replayed++;
      }
    }
    metrics?.realtimeReplayed.inc(replayed);
    metrics?.realtimeMessagesSent.inc(replayed);
    goLive(sub, id, true, replayed, cursors);
  }

  /** Waits while a replaying client's queue is long (replays wait for the client; live pushes cut it off). */
  async function drained(conn: Connection): Promise<void> {
    while (!conn.closed && conn.ws.bufferedAmount > maxBuffered / 2) await new Promise((r) => setTimeout(r, 10));
  }

  function index(sub: Subscription): void {
    const map = sub.key === undefined ? families : keyed;
    const k = sub.key === undefined ? sub.topic : `${sub.topic}\u0000${sub.key}`;
    let set = map.get(k);
    if (!set) map.set(k, (set = new Set()));
    set.add(sub);
    metrics?.realtimeSubscriptions.set(subscriptionCount());
  }

  function unindex(sub: Subscription): void {
    const map = sub.key === undefined ? families : keyed;
    const k = sub.key === undefined ? sub.topic : `${sub.topic}\u0000${sub.key}`;
    const set = map.get(k);
    set?.delete(sub);
    if (set?.size === 0) map.delete(k);
    metrics?.realtimeSubscriptions.set(subscriptionCount());
  }

  function subscriptionCount(): number {
    let n = 0;
    for (const c of connections) n += c.subs.size;
    return n;
  }

  // ---- connecting: authenticate, check the origin of cookie-authenticated browsers, upgrade

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (connections.size >= maxConnections) return refuse(socket, 503, 'too many connections');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const bearer = offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
    const headers: Record<string, string | string[] | undefined> = { ...req.headers };
    if (bearer && !headers.authorization) headers.authorization = `Bearer ${bearer}`;
    const authReq: AuthRequest = { headers, cookies: parseCookies(req.headers.cookie), method: 'GET' };
    let principal: Principal | null = null;
    let closeWith: [number, string] | undefined;
    try {
      for (const a of authenticators) {
        principal = await a.authenticate(authReq);
        if (principal) break;
      }
    } catch (err) {
      closeWith = [closeCodes.unauthenticated, err instanceof MillraceError ? err.message : 'credentials could not be verified'];
    }
    const byCookie = principal !== null && !headers.authorization && !headers['x-api-key'];
    if (!closeWith && byCookie && !originAllowed(req)) closeWith = [closeCodes.forbiddenOrigin, 'origin not allowed for cookie sessions'];
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closeWith) {
        metrics?.realtimeDisconnects.inc({ reason: closeWith[0] === closeCodes.unauthenticated ? 'unauthenticated' : 'forbidden-origin' });
        ws.close(closeWith[0], closeWith[1].slice(0, 120));
        return;
      }
      onConnection(ws, principal, req);
    });
  }

  function originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true; // not a browser: cookies were sent on purpose
    if ((options.allowedOrigins ?? []).includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  const gateway: RealtimeGateway = {
    async start() {
      if (tail) return;
      const topics = [...channels.keys()];
      if (topics.length === 0) return;
      tail = await bus.tail({ topics, onRecords });
      for (const [topic, partitions] of tail.start) {
        for (const [p, start] of partitions) {
          let perTopic = histories.get(topic);
          if (!perTopic) histories.set(topic, (perTopic = new Map()));
          if (!perTopic.has(p)) perTopic.set(p, new PartitionHistory(start, historySize, historyBytes));
        }
      }
      heartbeat = setInterval(() => {
        for (const conn of connections) {
          if (!conn.alive) {
            drop(conn, closeCodes.heartbeatTimeout, 'no pong within the heartbeat window', 'heartbeat');
            continue;
          }
          conn.alive = false;
          conn.ws.ping();
        }
      }, heartbeatMs);
      heartbeat.unref();
    },
    attach(server) {
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname !== path) return refuse(socket, 404, 'not found');
        onUpgrade(req, socket, head).catch((err) => {
          log.error({ err }, 'realtime: upgrade failed');
          refuse(socket, 500, 'internal error');
        });
      };
      servers.set(server, listener);
      server.on('upgrade', listener);
    },
    async routes(app) {
      app.get('/api/realtime/channels', async (req) => ({ items: gateway.channelsFor(req.principal) }));
    },
    channelsFor(principal) {
      const ctx: RequestContext = { principal, action: 'subscribe', ip: '', method: 'GET', headers: {}, now: now() };
      return [...channels.values()]
        .filter((c) => c.permission.check(ctx))
        .map((c) => {
          const scope = c.permission.scope?.(ctx) ?? { kind: 'all' as const };
          return { topic: c.topic, family: c.family && scope.kind !== 'none', keyed: c.load !== undefined || scope.kind === 'all' };
        });
    },
    get connections() {
      return connections.size;
    },
    terminateAll() {
      const n = connections.size;
      for (const conn of connections) conn.ws.terminate();
      return n;
    },
    async close() {
      clearInterval(heartbeat);
      for (const [server, listener] of servers) server.off('upgrade', listener);
      servers.clear();
      for (const conn of connections) drop(conn, closeCodes.goingAway, 'server shutting down', 'shutdown');
      await tail?.close();
      tail = undefined;
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return gateway;
}

/** One event message, encoded once and sent as is to every subscriber (a text frame from a Buffer: no re-encoding per client). */
function frame(channel: string, partition: number, e: Pick<HistoryEntry, 'position' | 'raw'>): Buffer {
  return Buffer.from(`{"op":"event","channel":${JSON.stringify(channel)},"partition":${partition},"position":"${e.position}","event":${e.raw}}`);
}

const TEXT = { binary: false } as const;

function parseEnvelope(raw: string): Envelope | undefined {
  try {
    const e = JSON.parse(raw) as Partial<Envelope> | null;
    return e && typeof e === 'object' && typeof e.id === 'string' && typeof e.time === 'string' ? (e as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ type: 'about:blank', title: message, status });
  socket.end(`HTTP/1.1 ${status} ${message}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      out[name] = part.slice(i + 1).trim();
    }
  }
  return out;
}

function parseClientMessage(text: string): ClientMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id.length > 100) return undefined;
  if (o.op === 'ping') return { op: 'ping', id: o.id };
  if (typeof o.channel !== 'string' || o.channel.length > 300) return undefined;
  if (o.op === 'unsubscribe') return { op: 'unsubscribe', id: o.id, channel: o.channel };
  if (o.op !== 'subscribe') return undefined;
  if (o.positions === undefined) return { op: 'subscribe', id: o.id, channel: o.channel };
  if (typeof o.positions !== 'object' || o.positions === null || Array.isArray(o.positions)) return undefined;
  return { op: 'subscribe', id: o.id, channel: o.channel, positions: o.positions as Record<string, string> };
}
