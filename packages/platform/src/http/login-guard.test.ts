// LoginGuard: progressive lockout per account and per IP, with an injected clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MillraceError } from '../errors.ts';
import { failStep, LoginGuard } from './login-guard.ts';

describe('LoginGuard', () => {
  it('locks an account after N failures, for doubling durations up to the cap', async () => {
    const g = new LoginGuard({ account: { maxFailures: 3, baseLockMs: 1000, maxLockMs: 3000 } });
    let now = 0;
    const failTimes = async (n: number) => { for (let i = 0; i < n; i++) await g.recordFailure('Ann@x.io', `1.1.1.${i}`, now); };
    await failTimes(2);
    assert.equal(await g.lockedFor('ann@x.io', '9.9.9.9', now), 0);
    await failTimes(1);
    assert.equal(await g.lockedFor('ann@x.io', '9.9.9.9', now), 1000, 'the account is locked from any IP, case-insensitively');
    await assert.rejects(g.assertAllowed('ann@x.io', '9.9.9.9', now), (e: MillraceError) => e.code === 'MR_HTTP_LOGIN_LOCKED' && (e.details as { retryAfterSeconds: number }).retryAfterSeconds === 1);
    now = 1000;
    await g.assertAllowed('ann@x.io', '9.9.9.9', now);
    await failTimes(3);
    assert.equal(await g.lockedFor('ann@x.io', '9.9.9.9', now), 2000);
    now = 3000;
    await failTimes(3);
    assert.equal(await g.lockedFor('ann@x.io', '9.9.9.9', now), 3000, 'capped');
  });

  it('a success clears the account count; an IP spraying many accounts is locked by itself', async () => {
    const g = new LoginGuard({ account: { maxFailures: 2 }, ip: { maxFailures: 4, baseLockMs: 5000 } });
    await g.recordFailure('bob', '2.2.2.2', 0);
    await g.recordSuccess('bob');
    await g.recordFailure('bob', '3.3.3.3', 0);
    assert.equal(await g.lockedFor('bob', '4.4.4.4', 0), 0, 'one failure after a success is not two');
    for (const a of ['a1', 'a2', 'a3']) await g.recordFailure(a, '6.6.6.6', 0);
    assert.equal(await g.lockedFor('fresh', '6.6.6.6', 0), 0);
    await g.recordFailure('a4', '6.6.6.6', 0);
    assert.equal(await g.lockedFor('fresh', '6.6.6.6', 0), 5000);
    assert.equal(await g.lockedFor('fresh', '7.7.7.7', 0), 0);
  });

  it('failStep is pure', () => {
    const p = { maxFailures: 2, baseLockMs: 10, maxLockMs: 100, memoryMs: 1000 };
    assert.deepEqual(failStep(undefined, p, 5), { failures: 1, lockouts: 0, lockedUntil: 0 });
    assert.deepEqual(failStep({ failures: 1, lockouts: 1, lockedUntil: 0 }, p, 5), { failures: 0, lockouts: 2, lockedUntil: 25 });
  });
});
