// Passwords: argon2id at or above OWASP's minimum, parameters read back from the stored PHC string, rehash on login when they rise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { identityConfig } from './config.ts';
import { createIdentity } from './index.ts';
import { createPasswordHasher, OWASP_MINIMUM, parsePhc } from './passwords.ts';
import { auditEvents, startHarness, type Harness } from './test-app.ts';

describe('password hasher', () => {
  const hasher = createPasswordHasher(OWASP_MINIMUM);

  test('hashes with argon2id and verifies', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    assert.deepEqual(parsePhc(stored), { algorithm: 'argon2id', version: 19, memoryKiB: 19456, iterations: 2, parallelism: 1 });
    assert.equal(await hasher.verify(stored, 'correct horse battery staple'), true);
    assert.equal(await hasher.verify(stored, 'correct horse battery stapl'), false);
    assert.equal(await hasher.verify('not a hash', 'x'), false);
    assert.equal(hasher.needsRehash(stored), false);
  });

  test('parameters below OWASP minimum are refused', () => {
    assert.throws(() => createPasswordHasher({ memoryKiB: 4096, iterations: 2, parallelism: 1 }), /OWASP/);
    assert.throws(() => createPasswordHasher({ memoryKiB: 19456, iterations: 1, parallelism: 1 }), /OWASP/);
  });

  test('needsRehash when any parameter rose or the algorithm differs', async () => {
    const stronger = createPasswordHasher({ memoryKiB: 19456, iterations: 3, parallelism: 1 });
    const stored = await hasher.hash('pw-pw-pw-pw-pw');
    assert.equal(stronger.needsRehash(stored), true);
    assert.equal(stronger.needsRehash(stored.replace('$argon2id$', '$argon2i$')), true);
    assert.equal(hasher.needsRehash(await stronger.hash('pw-pw-pw-pw-pw')), false); // never downgrade
  });
});

describe('rehash on login', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  const storedHash = async () => String((await h.db.kysely.selectFrom('identity.users').select('password_hash').executeTakeFirstOrThrow()).password_hash);

  test('the stored hash carries at least m=19456, t=2, p=1', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/identity/register', payload: { email: 'eve@example.com', password: 'correct horse battery staple' } });
    assert.equal(r.statusCode, 201);
    const p = parsePhc(await storedHash())!;
    assert.equal(p.algorithm, 'argon2id');
    assert.ok(p.memoryKiB >= 19456 && p.iterations >= 2 && p.parallelism >= 1, JSON.stringify(p));
  });

  test('after the configured parameters rise, the next successful login rehashes; a failed one does not', async () => {
    const config = identityConfig({ ...h.config, argon2: { memoryKiB: 19456, iterations: 3, parallelism: 1 } });
    const upgraded = await createIdentity({ db: h.db, config, now: h.clock.now });
    const before = await storedHash();

    await assert.rejects(upgraded.accounts.login({ email: 'eve@example.com', password: 'wrong password', ip: '10.0.0.1', mode: 'token' }));
    assert.equal(await storedHash(), before);

    await upgraded.accounts.login({ email: 'eve@example.com', password: 'correct horse battery staple', ip: '10.0.0.1', mode: 'token' });
    const after = await storedHash();
    assert.notEqual(after, before);
    assert.equal(parsePhc(after)!.iterations, 3);

    await upgraded.accounts.login({ email: 'eve@example.com', password: 'correct horse battery staple', ip: '10.0.0.1', mode: 'token' });
    assert.equal(await storedHash(), after); // nothing to do the second time
    const flags = (await auditEvents(h.db)).filter((e) => e.type === 'identity.login-succeeded').map((e) => e.data.passwordRehashed);
    assert.deepEqual(flags, [true, false]);
  });
});
