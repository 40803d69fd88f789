// Permissions: policies, combinators and the row scopes they compile to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestContext } from './context.ts';
import { allowAny, and, authenticated, hasRole, hasScope, isOwner, not, or, scopeMatches, scopeOf } from './permissions.ts';
import type { Principal } from './principal.ts';

const ctx = (p: Partial<Principal> | null): RequestContext => ({
  principal: p ? { kind: 'user', id: 'u1', roles: [], scopes: [], ...p } : null, action: 'list', ip: '1.2.3.4', method: 'GET', headers: {}, now: new Date(0),
});

describe('permissions', () => {
  it('checks principals, roles and scopes', () => {
    assert.equal(allowAny.check(ctx(null)), true);
    assert.equal(authenticated.check(ctx(null)), false);
    assert.equal(authenticated.check(ctx({})), true);
    assert.equal(hasRole('admin', 'staff').check(ctx({ roles: ['staff'] })), true);
    assert.equal(hasRole('admin').check(ctx({ roles: ['customer'] })), false);
    assert.equal(hasScope('a:read', 'a:write').check(ctx({ kind: 'api-key', scopes: ['a:read'] })), false);
    assert.equal(hasScope('a:read', 'a:write').check(ctx({ kind: 'api-key', scopes: ['a:write', 'a:read'] })), true);
    assert.equal(not(hasRole('suspended')).check(ctx({ roles: ['suspended'] })), false);
  });

  it('isOwner: anonymous sees nothing, a user sees rows whose field is their id', () => {
    const p = isOwner('ownerId');
    assert.deepEqual(scopeOf(p, ctx(null)), { kind: 'none' });
    assert.deepEqual(scopeOf(p, ctx({ id: 'u7' })), { kind: 'eq', field: 'ownerId', value: 'u7' });
    assert.equal(p.checkObject!(ctx({ id: 'u7' }), { ownerId: 'u7' }), true);
    assert.equal(p.checkObject!(ctx({ id: 'u7' }), { ownerId: 'u8' }), false);
  });

  it('or(admin, owner): an admin is unrestricted, a customer is scoped to their rows', () => {
    const p = or(hasRole('admin'), isOwner('ownerId'));
    assert.deepEqual(scopeOf(p, ctx({ roles: ['admin'] })), { kind: 'all' });
    assert.deepEqual(scopeOf(p, ctx({ id: 'c1' })), { kind: 'eq', field: 'ownerId', value: 'c1' });
    assert.equal(p.checkObject!(ctx({ roles: ['admin'] }), { ownerId: 'other' }), true);
    assert.equal(p.checkObject!(ctx({ id: 'c1' }), { ownerId: 'other' }), false);
  });

  it('and() intersects scopes; the in-memory evaluation agrees with the scope', () => {
    const p = and(isOwner('ownerId'), isOwner('teamId'));
    const s = scopeOf(p, ctx({ id: 'x' }));
    assert.equal(s.kind, 'and');
    assert.equal(scopeMatches(s, { ownerId: 'x', teamId: 'x' }), true);
    assert.equal(scopeMatches(s, { ownerId: 'x', teamId: 'y' }), false);
    assert.equal(p.checkObject!(ctx({ id: 'x' }), { ownerId: 'x', teamId: 'y' }), false);
    assert.deepEqual(scopeOf(and(authenticated, allowAny), ctx({})), { kind: 'all' });
  });
});
