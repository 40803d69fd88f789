// Realtime channels: which event families can be followed, and who may follow them, with the HTTP permission policies.
import type { Envelope } from '../events/envelope.ts';
import type { RequestContext } from '../http/context.ts';
import { checkObject, scopeMatches, scopeOf, type Permission } from '../http/permissions.ts';

/** An aggregate loaded for an object-level check: the same row (or API shape) the HTTP resource checks. */
export type ObjectLoader = (key: string) => Promise<Readonly<Record<string, unknown>> | undefined>;

export interface ChannelDefinition {
  /** The event family (topic), e.g. `orders`. Clients subscribe to `orders` or `orders:<key>`. */
  readonly topic: string;
  /**
   * Who may subscribe, checked at subscription time with action `subscribe` (e.g. `hasRole('admin')`, or
   * `or(hasRole('operator'), isOwner('customerId'))`). A row scope (`isOwner`) also filters each event of a
   * family subscription by its `data`, so a customer following `orders` only receives their own orders' events.
   */
  readonly permission: Permission;
  /**
   * Loads the aggregate behind `<topic>:<key>` for the object-level check (`checkObject` and the row scope).
   * Without it, keyed subscriptions are allowed only when the permission puts no row restriction on the caller.
   */
  readonly load?: ObjectLoader;
  /** Whether `<topic>` alone (every key) may be followed at all. Default true. */
  readonly family?: boolean;
}

export interface Channel extends ChannelDefinition {
  readonly family: boolean;
}

/**
 * Declares a channel.
 * @example defineChannel({ topic: 'orders', permission: or(hasRole('operator'), isOwner('customerId')), load: (id) => orders.find(id) })
 */
export function defineChannel(definition: ChannelDefinition): Channel {
  return Object.freeze({ ...definition, family: definition.family ?? true });
}

export type Decision =
  | { readonly allowed: true; /** For family subscriptions: which events this caller may see. */ readonly accepts: (event: Envelope) => boolean }
  | { readonly allowed: false; readonly reason: string };

const acceptAll = () => true;

/**
 * Decides a subscription to `channel` (with `key` or the whole family) for the caller in `ctx`.
 * Refusals do not say whether the aggregate exists.
 */
export async function authorize(channel: Channel, key: string | undefined, ctx: RequestContext): Promise<Decision> {
  if (!channel.permission.check(ctx)) return { allowed: false, reason: `not allowed to follow ${channel.topic}` };
  const scope = scopeOf(channel.permission, ctx);
  if (key === undefined) {
    if (!channel.family) return { allowed: false, reason: `${channel.topic} can only be followed per key (${channel.topic}:<key>)` };
    if (scope.kind === 'all') return { allowed: true, accepts: acceptAll };
    if (scope.kind === 'none') return { allowed: false, reason: `not allowed to follow ${channel.topic}` };
    return { allowed: true, accepts: (event) => isRecord(event.data) && scopeMatches(scope, event.data) };
  }
  if (!channel.load) {
    return scope.kind === 'all' ? { allowed: true, accepts: acceptAll } : { allowed: false, reason: `not allowed to follow ${channel.topic}:${key}` };
  }
  const obj = await channel.load(key);
  if (!obj || !scopeMatches(scope, obj) || !checkObject(channel.permission, ctx, obj)) {
    return { allowed: false, reason: `not allowed to follow ${channel.topic}:${key}` };
  }
  return { allowed: true, accepts: acceptAll };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
