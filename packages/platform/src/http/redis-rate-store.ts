// Redis-backed rate buckets: one atomic Lua script per take, so every process shares the same limits.
import type { Redis } from 'ioredis';
import type { RateStore, ThrottleDecision } from './throttling.ts';

// KEYS[1] bucket; ARGV: capacity, refill per ms, now (ms). The clock is the caller's, so tests control it.
const TAKE = `
local cap = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(s[1]); local at = tonumber(s[2])
if tokens == nil then tokens = cap; at = now end
local el = now - at; if el < 0 then el = 0 end
tokens = math.min(cap, tokens + el * rate)
local ok = 0; local wait = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return {ok, wait}
`;

/**
 * Rate buckets in Redis under `prefix` (default `millrace:rl:`).
 * @example perIp({ rate: '100/min', store: redisRateStore(new Redis(config.redisUrl)) })
 */
export function redisRateStore(redis: Redis, options: { prefix?: string } = {}): RateStore {
  const prefix = options.prefix ?? 'millrace:rl:';
  return {
    async take(key, capacity, refillPerMs, now): Promise<ThrottleDecision> {
      const [ok, wait] = (await redis.eval(TAKE, 1, prefix + key, capacity, refillPerMs, now)) as [number, number];
      return { allowed: ok === 1, retryAfterMs: wait };
    },
  };
}
