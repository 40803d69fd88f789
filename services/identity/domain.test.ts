// Pure identity decisions: bootstrap admin, refresh token outcomes, role changes, rotation plans.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MillraceError } from '@millrace/platform';
import { decideRefresh, decideRoleChange, normalizeEmail, planRotation, roleForNewUser, type SigningKeyInfo } from './domain.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

describe('roleForNewUser', () => {
  test('first user becomes admin unless a bootstrap email is configured, which then alone is admin', () => {
    assert.equal(roleForNewUser({ email: 'a@x', bootstrapAdminEmail: undefined, isFirstUser: true }), 'admin');
    assert.equal(roleForNewUser({ email: 'b@x', bootstrapAdminEmail: undefined, isFirstUser: false }), 'customer');
    assert.equal(roleForNewUser({ email: 'a@x', bootstrapAdminEmail: 'root@x', isFirstUser: true }), 'customer');
    assert.equal(roleForNewUser({ email: 'root@x', bootstrapAdminEmail: 'root@x', isFirstUser: false }), 'admin');
    assert.equal(normalizeEmail('  Root@X.org '), 'root@x.org');
  });
});

describe('decideRefresh', () => {
  const fresh = { expiresAt: at(100), usedAt: null, revokedAt: null, familyRevokedAt: null };
  test('fresh -> rotate; used -> reuse detected; expired, revoked, unknown -> invalid', () => {
    assert.equal(decideRefresh(fresh, at(0)), 'rotate');
    assert.equal(decideRefresh({ ...fresh, usedAt: at(1) }, at(2)), 'reuse-detected');
    assert.equal(decideRefresh(fresh, at(100)), 'invalid');
    assert.equal(decideRefresh({ ...fresh, familyRevokedAt: at(1) }, at(2)), 'invalid');
    assert.equal(decideRefresh({ ...fresh, usedAt: at(1), familyRevokedAt: at(1) }, at(2)), 'invalid'); // already handled
    assert.equal(decideRefresh(undefined, at(0)), 'invalid');
  });
});

describe('decideRoleChange', () => {
  const code = (fn: () => void) => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      return (e as MillraceError).code;
    }
  };
  test('admins only, and never the last admin', () => {
    assert.equal(code(() => decideRoleChange({ actorRoles: ['operator'], from: 'customer', to: 'operator', adminCount: 1 })), 'IDENTITY_FORBIDDEN');
    assert.equal(code(() => decideRoleChange({ actorRoles: ['admin'], from: 'admin', to: 'customer', adminCount: 1 })), 'IDENTITY_LAST_ADMIN');
    assert.equal(code(() => decideRoleChange({ actorRoles: ['admin'], from: 'admin', to: 'customer', adminCount: 2 })), 'ok');
    assert.equal(code(() => decideRoleChange({ actorRoles: ['admin'], from: 'customer', to: 'admin', adminCount: 0 })), 'ok');
  });
});

describe('planRotation', () => {
  const limits = { accessTokenTtlSeconds: 600, jwksCacheSeconds: 300, clockSkewSeconds: 30 };
  const keys: SigningKeyInfo[] = [
    { kid: 'k0', state: 'retired', createdAt: at(-5000), removeAfter: at(-1) },
    { kid: 'k1', state: 'active', createdAt: at(-2000), removeAfter: null },
    { kid: 'k2', state: 'next', createdAt: at(-300), removeAfter: null },
  ];
  test('promotes next, retires active until its tokens expired, removes retired keys past their time', () => {
    assert.deepEqual(planRotation(keys, at(0), limits), { promote: 'k2', retire: 'k1', retiredRemoveAfter: at(630), remove: ['k0'] });
  });
  test('refuses while next is younger than the JWKS cache time, unless forced', () => {
    assert.throws(() => planRotation(keys, at(-1), limits), (e: MillraceError) => e.code === 'IDENTITY_KEY_NOT_PUBLISHED_LONG_ENOUGH');
    assert.equal(planRotation(keys, at(-1), { ...limits, force: true }).promote, 'k2');
  });
  test('first start: nothing to promote or retire', () => {
    assert.deepEqual(planRotation([], at(0), limits), { promote: undefined, retire: undefined, retiredRemoveAfter: at(630), remove: [] });
  });
});
