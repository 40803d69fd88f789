// Throttling: token-bucket rate limits keyed per IP or per principal, over a store (in memory, or Redis when shared).
import type { RequestContext } from './context.ts';

/** The answer of a rate limit: allowed, or retry after some milliseconds. */
export interface ThrottleDecision {
  readonly allowed: boolean;
  readonly retryAfterMs: number;
}

/**
 * A throttle policy (DRF's BaseThrottle): `keyOf` picks the bucket of a request (null: not throttled by this policy),
 * `allow` takes one token from it at time `now`.
 * @example const t = perIp({ rate: '100/min' }); const d = await t.allow(t.keyOf(ctx)!, Date.now())
 */
export interface Throttle {
  readonly name: string;
  keyOf(ctx: RequestContext): string | null;
  allow(key: string, now: number): Promise<ThrottleDecision>;
}

/** Where buckets live. `take` atomically refills and takes one token. */
export interface RateStore {
  take(key: string, capacity: number, refillPerMs: number, now: number): Promise<ThrottleDecision>;
}

/** A rate: `count` requests per `periodMs`, as a bucket of `count` tokens refilled evenly. */
export interface Rate {
  readonly count: number;
  readonly periodMs: number;
}

const periods: Record<string, number> = { s: 1_000, sec: 1_000, second: 1_000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000, d: 86_400_000, day: 86_400_000 };

/** Parses `'100/min'`, `'5/s'`, `'1000/hour'`. @example parseRate('10/s') // { count: 10, periodMs: 1000 } */
export function parseRate(rate: string | Rate): Rate {
  if (typeof rate !== 'string') return rate;
  const m = /^(\d+)\/(\w+)$/.exec(rate.trim());
  const periodMs = m ? periods[m[2]!] : undefined;
  if (!m || !periodMs || Number(m[1]) < 1) throw new Error(`invalid rate "${rate}" (e.g. "100/min")`);
  return { count: Number(m[1]), periodMs };
}

/**
 * Pure token-bucket step shared by the stores: refill by elapsed time, then take one token if there is one.
 * @example bucketStep({ tokens: 0, at: 0 }, 10, 0.01, 100)
 */
export function bucketStep(state: { tokens: number; at: number } | undefined, capacity: number, refillPerMs: number, now: number) {
  const prev = state ?? { tokens: capacity, at: now };
  const tokens = Math.min(capacity, prev.tokens + Math.max(0, now - prev.at) * refillPerMs);
  if (tokens >= 1) return { state: { tokens: tokens - 1, at: now }, decision: { allowed: true, retryAfterMs: 0 } };
  return { state: { tokens, at: now }, decision: { allowed: false, retryAfterMs: Math.ceil((1 - tokens) / refillPerMs) } };
}

/**
 * Buckets in this process's memory, at most `maxKeys` of them (the least recently used are forgotten first,
 * so a flood of distinct IPs cannot grow memory without bound).
 */
export function memoryRateStore(options: { maxKeys?: number } = {}): RateStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key, capacity, refillPerMs, now) {
      const { state, decision } = bucketStep(buckets.get(key), capacity, refillPerMs, now);
      buckets.delete(key); // re-insert: Map order is the LRU order
      buckets.set(key, state);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      return decision;
    },
  };
}

export interface ThrottleOptions {
  rate: string | Rate;
  /** Default: a fresh in-memory store. Pass `redisRateStore(redis)` to share limits across processes. */
  store?: RateStore;
  /** Names the bucket family (keys are `<name>:<id>`); defaults to the policy kind. */
  name?: string;
}

function throttle(name: string, options: ThrottleOptions, keyOf: (ctx: RequestContext) => string | null): Throttle {
  const rate = parseRate(options.rate);
  const store = options.store ?? memoryRateStore();
  const refill = rate.count / rate.periodMs;
  return Object.freeze({
    name,
    keyOf: (ctx: RequestContext) => {
      const id = keyOf(ctx);
      return id === null ? null : `${name}:${id}`;
    },
    allow: (key: string, now: number) => store.take(key, rate.count, refill, now),
  });
}

/** Limits every request per client IP (behind a proxy, set Fastify's `trustProxy` so the IP is the client's). */
export function perIp(options: ThrottleOptions): Throttle {
  return throttle(options.name ?? 'ip', options, (ctx) => ctx.ip);
}

/** Limits anonymous requests per IP only (DRF's AnonRateThrottle). */
export function anonymousPerIp(options: ThrottleOptions): Throttle {
  return throttle(options.name ?? 'anon', options, (ctx) => (ctx.principal ? null : ctx.ip));
}

/** Limits authenticated requests per principal: per user, or per API key (its credential id). */
export function perPrincipal(options: ThrottleOptions): Throttle {
  return throttle(options.name ?? 'principal', options, (ctx) => {
    const p = ctx.principal;
    if (!p) return null;
    return p.kind === 'api-key' ? `key:${p.credentialId ?? p.id}` : `user:${p.id}`;
  });
}

/** Limits one action (e.g. `create`) per principal or IP, for expensive writes. */
export function perAction(action: string, options: ThrottleOptions): Throttle {
  return throttle(options.name ?? `action-${action}`, options, (ctx) => (ctx.action === action ? (ctx.principal ? `user:${ctx.principal.id}` : `ip:${ctx.ip}`) : null));
}

/** Runs throttles in order; the first refusal wins. */
export async function checkThrottles(throttles: readonly Throttle[], ctx: RequestContext, now: number): Promise<ThrottleDecision> {
  for (const t of throttles) {
    const key = t.keyOf(ctx);
    if (key === null) continue;
    const d = await t.allow(key, now);
    if (!d.allowed) return d;
  }
  return { allowed: true, retryAfterMs: 0 };
}
