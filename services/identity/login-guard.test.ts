// Login guard: progressive lockout per account and per IP, forgetting old failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultLoginLimits } from './config.ts';
import { createMemoryLoginGuard } from './login-guard.ts';

const limits = { ...defaultLoginLimits, accountThreshold: 3, ipThreshold: 5, baseLockSeconds: 10, maxLockSeconds: 40, windowSeconds: 600 };

test('locks an account after N failures, doubling per further failure up to the cap', async () => {
  const g = createMemoryLoginGuard(limits);
  let t = 0;
  const fail = async (ip = `ip-${t}`) => g.recordFailure('a@x', ip, t);
  await fail();
  await fail();
  assert.equal(await g.lockedFor('a@x', 'other', t), 0);
  await fail();
  assert.equal(await g.lockedFor('a@x', 'other', t), 10_000);
  t += 10_000;
  assert.equal(await g.lockedFor('a@x', 'other', t), 0);
  await fail();
  assert.equal(await g.lockedFor('a@x', 'other', t), 20_000);
  t += 20_000;
  await fail();
  await (t += 40_000, fail());
  assert.equal(await g.lockedFor('a@x', 'other', t), 40_000); // capped
  assert.equal(await g.lockedFor('b@x', 'other', t), 0); // other accounts unaffected
});

test('locks an IP across accounts; success clears the account but not the IP', async () => {
  const g = createMemoryLoginGuard(limits);
  for (let i = 0; i < 5; i++) await g.recordFailure(`user${i}@x`, '1.2.3.4', 0);
  assert.ok((await g.lockedFor('fresh@x', '1.2.3.4', 0)) > 0);
  assert.equal(await g.lockedFor('fresh@x', '5.6.7.8', 0), 0);
  await g.recordFailure('c@x', '9.9.9.9', 0);
  await g.recordFailure('c@x', '9.9.9.8', 0);
  await g.recordSuccess('c@x');
  await g.recordFailure('c@x', '9.9.9.7', 0);
  assert.equal(await g.lockedFor('c@x', '9.9.9.6', 0), 0); // count restarted after the success
});

test('failures older than the window are forgotten', async () => {
  const g = createMemoryLoginGuard(limits);
  await g.recordFailure('a@x', 'i1', 0);
  await g.recordFailure('a@x', 'i2', 0);
  await g.recordFailure('a@x', 'i3', 601_000);
  assert.equal(await g.lockedFor('a@x', 'i4', 601_000), 0);
});
