// Identity configuration: defaults, and a clear failure for unsafe or malformed settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadIdentityConfig } from './config.ts';

test('defaults: 10 min access tokens, OWASP argon2id minimum, first user becomes admin', () => {
  const c = loadIdentityConfig({});
  assert.equal(c.accessTokenTtlSeconds, 600);
  assert.deepEqual(c.argon2, { memoryKiB: 19456, iterations: 2, parallelism: 1 });
  assert.equal(c.bootstrapAdminEmail, undefined);
  assert.equal(c.keyEncryptionKey, undefined);
});

test('production needs a 32-byte key-encryption key; weak argon2 parameters are refused', () => {
  assert.throws(() => loadIdentityConfig({ NODE_ENV: 'production' }), /IDENTITY_KEY_ENCRYPTION_KEY/);
  assert.throws(() => loadIdentityConfig({ IDENTITY_KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }), /32 bytes/);
  assert.throws(() => loadIdentityConfig({ IDENTITY_ARGON2_MEMORY_KIB: '4096' }), /IDENTITY_ARGON2_MEMORY_KIB/);
  const c = loadIdentityConfig({ NODE_ENV: 'production', IDENTITY_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), IDENTITY_BOOTSTRAP_ADMIN_EMAIL: 'Root@Example.com' });
  assert.equal(c.keyEncryptionKey?.length, 32);
  assert.equal(c.bootstrapAdminEmail, 'root@example.com');
});
