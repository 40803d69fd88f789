// Throttling: token buckets with an injected clock, per-IP and per-principal keys, bounded memory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestContext } from './context.ts';
import { checkThrottles, memoryRateStore, parseRate, perAction, perIp, perPrincipal, anonymousPerIp } from './throttling.ts';

const ctx = (over: Partial<RequestContext> = {}): RequestContext => ({ principal: null, action: 'list', ip: '10.0.0.1', method: 'GET', headers: {}, now: new Date(0), ...over });
const user = (id: string) => ({ kind: 'user' as const, id, roles: [], scopes: [] });

describe('throttling', () => {
  it('parses rates and refuses nonsense', () => {
    assert.deepEqual(parseRate('10/s'), { count: 10, periodMs: 1000 });
    assert.deepEqual(parseRate('100/min'), { count: 100, periodMs: 60_000 });
    assert.throws(() => parseRate('0/s'));
    assert.throws(() => parseRate('10/fortnight'));
  });

  it('allows a burst of the bucket size, then refuses with the time until the next token', async () => {
    const t = perIp({ rate: '5/s' });
    const key = t.keyOf(ctx())!;
    const got = [];
    for (let i = 0; i < 7; i++) got.push(await t.allow(key, 1000));
    assert.deepEqual(got.map((d) => d.allowed), [true, true, true, true, true, false, false]);
    assert.equal(got[5]!.retryAfterMs, 200);
    assert.equal((await t.allow(key, 1100)).allowed, false, 'half a token is not a token');
    assert.equal((await t.allow(key, 1200)).allowed, true);
    assert.equal((await t.allow(key, 99_000)).allowed, true, 'refilled after idling');
  });

  it('keys per IP, per user, per API key and per action; anonymous-only policies skip principals', () => {
    assert.equal(perIp({ rate: '1/s' }).keyOf(ctx()), 'ip:10.0.0.1');
    assert.equal(perPrincipal({ rate: '1/s' }).keyOf(ctx()), null);
    assert.equal(perPrincipal({ rate: '1/s' }).keyOf(ctx({ principal: user('u1') })), 'principal:user:u1');
    assert.equal(perPrincipal({ rate: '1/s' }).keyOf(ctx({ principal: { kind: 'api-key', id: 'org1', roles: [], scopes: [], credentialId: 'k9' } })), 'principal:key:k9');
    assert.equal(anonymousPerIp({ rate: '1/s' }).keyOf(ctx({ principal: user('u1') })), null);
    assert.equal(perAction('create', { rate: '1/s' }).keyOf(ctx()), null);
    assert.equal(perAction('create', { rate: '1/s' }).keyOf(ctx({ action: 'create', principal: user('u1') })), 'action-create:user:u1');
  });

  it('runs policies in order and answers the first refusal', async () => {
    const loose = perIp({ rate: '100/s' });
    const tight = perPrincipal({ rate: '1/min' });
    const c = ctx({ principal: user('u2') });
    assert.equal((await checkThrottles([loose, tight], c, 0)).allowed, true);
    const d = await checkThrottles([loose, tight], c, 0);
    assert.deepEqual(d, { allowed: false, retryAfterMs: 60_000 });
  });

  it('forgets the least recently used buckets beyond maxKeys', async () => {
    const store = memoryRateStore({ maxKeys: 2 });
    await store.take('a', 1, 0.001, 0);
    assert.equal((await store.take('a', 1, 0.001, 0)).allowed, false);
    await store.take('b', 1, 0.001, 0);
    await store.take('c', 1, 0.001, 0); // evicts a
    assert.equal((await store.take('a', 1, 0.001, 0)).allowed, true, 'a was forgotten, so it starts full');
  });
});
