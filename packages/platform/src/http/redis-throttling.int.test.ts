// Redis-backed throttling and login lockout: the same behaviour as in memory, shared by every app instance.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createHttpApp } from './app.ts';
import { call } from './http-test-kit.ts';
import { LoginGuard, redisLoginGuardStore } from './login-guard.ts';
import { redisRateStore } from './redis-rate-store.ts';
import { perIp } from './throttling.ts';

const redis = new Redis(process.env.MILLRACE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = `millrace-test:${randomBytes(4).toString('hex')}:`;
after(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('throttling on Redis', () => {
  it('two app instances share one per-IP budget and answer 429 with Retry-After', async () => {
    let now = 1_000_000;
    const make = () => createHttpApp({ openapi: false, throttles: [perIp({ rate: '4/s', store: redisRateStore(redis, { prefix }) })], now: () => new Date(now) });
    const [a, b] = await Promise.all([make(), make()]);
    for (const app of [a, b]) app.get('/ping', async () => ({ ok: true }));
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(i % 2 ? b : a, 'GET', '/ping')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    const r = await call(a, 'GET', '/ping');
    assert.deepEqual([r.status, r.json.code, r.headers['retry-after']], [429, 'MR_HTTP_THROTTLED', '1']);
    now += 250;
    assert.equal((await call(b, 'GET', '/ping')).status, 200, 'one token refilled after 250 ms');
    assert.equal((await call(a, 'GET', '/ping', { headers: { 'x-forwarded-for': '8.8.8.8' } })).status, 429, 'no trustProxy: the forwarded header is ignored');
    await Promise.all([a.close(), b.close()]);
  });

  it('is atomic under concurrency: exactly the bucket size passes', async () => {
    const store = redisRateStore(redis, { prefix });
    const results = await Promise.all(Array.from({ length: 50 }, () => store.take('burst', 10, 10 / 60_000, 5_000)));
    assert.equal(results.filter((r) => r.allowed).length, 10);
  });
});

describe('LoginGuard on Redis', () => {
  it('locks progressively and a success clears the account', async () => {
    const g = new LoginGuard({ store: redisLoginGuardStore(redis, { prefix }), account: { maxFailures: 2, baseLockMs: 1000 } });
    await g.recordFailure('eve', '5.5.5.5', 0);
    assert.equal(await g.lockedFor('eve', '5.5.5.5', 0), 0);
    await g.recordFailure('eve', '5.5.5.5', 0);
    assert.equal(await g.lockedFor('eve', '5.5.5.5', 0), 1000);
    await Promise.all([g.recordFailure('eve', '5.5.5.5', 1000), g.recordFailure('eve', '5.5.5.5', 1000)]);
    assert.equal(await g.lockedFor('eve', '5.5.5.5', 1000), 2000, 'second lockout doubles, concurrent failures counted atomically');
    await g.recordSuccess('eve');
    assert.equal(await g.lockedFor('eve', '5.5.5.5', 1000), 0);
  });
});
