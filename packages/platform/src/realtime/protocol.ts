// The realtime wire protocol (JSON text frames over one WebSocket), shared by the gateway and the browser client.
import type { Envelope } from '../events/envelope.ts';

export { comparePositions, isPosition } from '../events/positions.ts';

/** The WebSocket subprotocol; a bearer token may ride along as a second one: `bearer.<jwt>`. */
export const PROTOCOL = 'millrace.v1';
export const BEARER_PREFIX = 'bearer.';

/**
 * Close codes the gateway uses (4000-4999 are the application's range).
 * A client reconnects and resumes after every one of them but `unauthenticated` and `forbiddenOrigin`.
 */
export const closeCodes = {
  /** The server is shutting down; reconnect elsewhere or later. */
  goingAway: 1001,
  /** Credentials were present but invalid (expired, forged, revoked). */
  unauthenticated: 4001,
  /** A cookie-authenticated connection from an origin that is not allowed (cross-site WebSocket hijacking). */
  forbiddenOrigin: 4003,
  /** No pong within the heartbeat window. */
  heartbeatTimeout: 4004,
  /** The client did not read fast enough: its send buffer passed the limit. Reconnect and resume. */
  slowConsumer: 4008,
  /** A frame that is not a valid client message, or too many of them. */
  protocolError: 4400,
} as const;

/**
 * A channel is an event family (a topic, e.g. `orders`) or one aggregate of it (`orders:<key>`).
 * `positions` maps a partition to the position of the last event the client has seen on that channel.
 */
export type ClientMessage =
  | { readonly op: 'subscribe'; readonly id: string; readonly channel: string; readonly positions?: Readonly<Record<string, string>> }
  | { readonly op: 'unsubscribe'; readonly id: string; readonly channel: string }
  | { readonly op: 'ping'; readonly id: string };

export type ServerMessage =
  | { readonly op: 'welcome'; readonly connectionId: string; readonly principal: { readonly id: string; readonly roles: readonly string[] } | null; readonly heartbeatMs: number }
  | {
      readonly op: 'subscribed';
      readonly id: string;
      readonly channel: string;
      /**
       * With `positions` in the request: true when every missed event was (or is being) replayed before live ones;
       * false when the history needed is gone (or longer than the replay limit): reload state over REST.
       * Without `positions`: true, and the stream starts now.
       */
      readonly recovered: boolean;
      /** Events replayed from history (they arrived before this message). */
      readonly replayed: number;
      /**
       * Per partition, the position the live stream continues after: the client keeps these (advanced by each
       * event's position) and sends them back on resume.
       */
      readonly positions: Readonly<Record<string, string>>;
    }
  | { readonly op: 'event'; readonly channel: string; readonly partition: number; readonly position: string; readonly event: Envelope }
  | { readonly op: 'unsubscribed'; readonly id: string; readonly channel: string }
  | { readonly op: 'pong'; readonly id: string }
  | { readonly op: 'error'; readonly id?: string; readonly channel?: string; readonly status: number; readonly code: string; readonly detail: string };

/** Splits `orders:42` into topic `orders` and key `42`; a channel without `:` is the whole family. */
export function parseChannel(channel: string): { topic: string; key: string | undefined } | undefined {
  const i = channel.indexOf(':');
  const topic = i < 0 ? channel : channel.slice(0, i);
  const key = i < 0 ? undefined : channel.slice(i + 1);
  if (!/^[a-z][a-z0-9._-]{0,99}$/.test(topic) || (key !== undefined && (key.length === 0 || key.length > 200))) return undefined;
  return { topic, key };
}
