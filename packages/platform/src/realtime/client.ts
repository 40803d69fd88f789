// The realtime client (browser or Node): subscribe to channels, reconnect with backoff, resume from positions, no duplicates.
import type { Envelope } from '../events/envelope.ts';
import { comparePositions } from '../events/positions.ts';
import { BEARER_PREFIX, PROTOCOL, closeCodes, type ClientMessage, type ServerMessage } from './protocol.ts';

export interface ClientStatus {
  readonly state: 'connecting' | 'open' | 'reconnecting' | 'closed';
  /** Reconnect attempts since the last successful open. */
  readonly attempt: number;
  readonly lastError?: string;
}

export interface EventMeta {
  readonly channel: string;
  readonly partition: number;
  readonly position: string;
}

export interface ChannelHandlers {
  onEvent(event: Envelope, meta: EventMeta): void;
  /** After each (re)subscription; `recovered: false` means events were missed for good: reload state over REST. */
  onSubscribed?(info: { recovered: boolean; replayed: number }): void;
  /** The gateway refused the subscription (403 not allowed, 404 unknown channel...). It is not retried. */
  onError?(error: { status: number; code: string; detail: string }): void;
}

export interface ChannelSubscription {
  readonly channel: string;
  unsubscribe(): void;
}

/** The subset of the WebSocket API the client uses (browsers' WebSocket and the `ws` package both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface RealtimeClientOptions {
  /** `ws://…`, `wss://…`, or a path (`/realtime`) resolved against the page's location. */
  readonly url: string;
  /** An access token per connection attempt; omit to rely on the session cookie. */
  readonly token?: () => string | undefined;
  /** WebSocket constructor; default `globalThis.WebSocket`. */
  readonly WebSocket?: new (url: string, protocols?: string | string[]) => WebSocketLike;
  /** First reconnect delay; doubles up to `maxBackoffMs`, with jitter. Defaults 250 and 10 000 ms. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Event ids remembered per channel for de-duplication. Default 5 000. */
  readonly dedupWindow?: number;
}

interface ChannelState {
  readonly channel: string;
  readonly handlers: ChannelHandlers;
  /** partition -> last position seen; sent back on resume. */
  positions: Map<string, string> | undefined;
  readonly seen: Set<string>;
  refused: boolean;
}

const OPEN = 1;

/**
 * A connection to the realtime gateway that survives disconnects: on reconnect every channel is resubscribed
 * with its last positions, and the gateway replays what was missed; an event id seen before is dropped.
 * @example const c = new RealtimeClient({ url: '/realtime' }); c.subscribe('orders:42', { onEvent: (e) => render(e) })
 */
export class RealtimeClient {
  readonly #o: RealtimeClientOptions;
  readonly #channels = new Map<string, ChannelState>();
  readonly #statusListeners = new Set<(s: ClientStatus) => void>();
  #ws: WebSocketLike | undefined;
  #status: ClientStatus = { state: 'connecting', attempt: 0 };
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 0;

  constructor(options: RealtimeClientOptions) {
    this.#o = options;
    this.#connect();
  }

  get status(): ClientStatus {
    return this.#status;
  }

  /** Calls `listener` now and on every status change; returns a function that stops it. */
  onStatus(listener: (s: ClientStatus) => void): () => void {
    this.#statusListeners.add(listener);
    listener(this.#status);
    return () => this.#statusListeners.delete(listener);
  }

  subscribe(channel: string, handlers: ChannelHandlers): ChannelSubscription {
    if (this.#channels.has(channel)) throw new Error(`already subscribed to ${channel}`);
    const state: ChannelState = { channel, handlers, positions: undefined, seen: new Set(), refused: false };
    this.#channels.set(channel, state);
    this.#sendSubscribe(state);
    return {
      channel,
      unsubscribe: () => {
        if (this.#channels.get(channel) !== state) return;
        this.#channels.delete(channel);
        this.#send({ op: 'unsubscribe', id: this.#id(), channel });
      },
    };
  }

  /** Last positions per channel (partition -> position), e.g. to persist across page loads. */
  positions(channel: string): Record<string, string> | undefined {
    const p = this.#channels.get(channel)?.positions;
    return p ? Object.fromEntries(p) : undefined;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#ws?.close(1000, 'client closed');
    this.#setStatus({ state: 'closed', attempt: 0 });
  }

  #connect(): void {
    if (this.#closed) return;
    const Impl = this.#o.WebSocket ?? (globalThis as unknown as { WebSocket: RealtimeClientOptions['WebSocket'] }).WebSocket;
    if (!Impl) throw new Error('no WebSocket implementation: pass options.WebSocket');
    const token = this.#o.token?.();
    const ws = new Impl(resolveUrl(this.#o.url), token ? [PROTOCOL, `${BEARER_PREFIX}${token}`] : [PROTOCOL]);
    this.#ws = ws;
    ws.onopen = () => {
      this.#setStatus({ state: 'open', attempt: 0 });
      for (const state of this.#channels.values()) if (!state.refused) this.#sendSubscribe(state);
    };
    ws.onmessage = (ev) => this.#onMessage(String(ev.data));
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (this.#closed) return;
      const fatal = ev.code === closeCodes.unauthenticated || ev.code === closeCodes.forbiddenOrigin;
      const lastError = ev.reason || `connection closed (${ev.code})`;
      if (fatal) return this.#setStatus({ state: 'closed', attempt: this.#status.attempt, lastError });
      const attempt = this.#status.attempt + 1;
      this.#setStatus({ state: 'reconnecting', attempt, lastError });
      const base = Math.min(this.#o.maxBackoffMs ?? 10_000, (this.#o.backoffMs ?? 250) * 2 ** Math.min(attempt - 1, 10));
      this.#timer = setTimeout(() => this.#connect(), base / 2 + Math.random() * (base / 2));
    };
  }

  #onMessage(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.op) {
      case 'event': {
        const state = this.#channels.get(msg.channel);
        if (!state) return;
        const key = String(msg.partition);
        const last = state.positions?.get(key);
        if (last !== undefined && comparePositions(msg.position, last) <= 0) return;
        (state.positions ??= new Map()).set(key, msg.position);
        if (state.seen.has(msg.event.id)) return;
        state.seen.add(msg.event.id);
        if (state.seen.size > (this.#o.dedupWindow ?? 5_000)) state.seen.delete(state.seen.values().next().value!);
        state.handlers.onEvent(msg.event, { channel: msg.channel, partition: msg.partition, position: msg.position });
        return;
      }
      case 'subscribed': {
        const state = this.#channels.get(msg.channel);
        if (!state) return;
        const positions = new Map(Object.entries(msg.positions));
        // keep what replayed events already advanced; take the gateway's start where we had nothing
        if (state.positions && msg.recovered) for (const [p, pos] of state.positions) if (!positions.has(p) || comparePositions(pos, positions.get(p)!) > 0) positions.set(p, pos);
        state.positions = positions;
        state.handlers.onSubscribed?.({ recovered: msg.recovered, replayed: msg.replayed });
        return;
      }
      case 'error': {
        const state = msg.channel ? this.#channels.get(msg.channel) : undefined;
        if (!state) return;
        if (msg.status === 403 || msg.status === 404 || msg.status === 400) state.refused = true;
        state.handlers.onError?.({ status: msg.status, code: msg.code, detail: msg.detail });
        return;
      }
      default:
        return;
    }
  }

  #sendSubscribe(state: ChannelState): void {
    this.#send({ op: 'subscribe', id: this.#id(), channel: state.channel, ...(state.positions ? { positions: Object.fromEntries(state.positions) } : {}) });
  }

  #send(msg: ClientMessage): void {
    if (this.#ws?.readyState === OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #id(): string {
    return String(++this.#nextId);
  }

  #setStatus(s: ClientStatus): void {
    this.#status = s;
    for (const l of this.#statusListeners) l(s);
  }
}

function resolveUrl(url: string): string {
  if (/^wss?:\/\//.test(url)) return url;
  const loc = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (!loc) throw new Error(`relative realtime URL ${url} needs a page location`);
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${url.startsWith('/') ? '' : '/'}${url}`;
}
