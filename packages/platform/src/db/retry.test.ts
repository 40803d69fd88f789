import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from './database.ts';
import { isRetryableSqlError } from './retry.ts';

test('serialization failures and deadlocks are retryable, other errors are not', () => {
  assert.equal(isRetryableSqlError({ code: '40001' }), true);
  assert.equal(isRetryableSqlError(new Error('wrapped', { cause: { code: '40P01' } })), true);
  assert.equal(isRetryableSqlError({ code: '23505' }), false);
  assert.equal(isRetryableSqlError(new Error('x')), false);
});

test('a transaction failing with 40001 is retried whole, then succeeds', async () => {
  const db = await openDatabase({});
  let attempts = 0;
  const result = await db.transaction(async () => {
    attempts++;
    if (attempts < 3) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    return 'done';
  });
  assert.equal(result, 'done');
  assert.equal(attempts, 3);
  await assert.rejects(db.transaction(async () => { throw Object.assign(new Error('dup'), { code: '23505' }); }), /dup/);
  await db.close();
});
