// Identity on real PostgreSQL: the HTTP flows, race-free bootstrap admin, serialized refresh, key rotation, audit rows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshPostgres } from '@millrace/platform/testing';
import { auditEvents, startHarness, type Harness } from './test-app.ts';

let pg: Awaited<ReturnType<typeof freshPostgres>>;
let h: Harness;
before(async () => {
  pg = await freshPostgres('mr_identity');
  h = await startHarness({ url: pg.url });
});
after(async () => {
  await h?.close();
  await pg?.drop();
});

const PASSWORD = 'correct horse battery staple';
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => h.app.inject({ method: 'POST', url, payload: payload as object, headers });

test('concurrent first registrations: exactly one admin; duplicate emails: exactly one account', async () => {
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => post('/api/identity/register', { email: `u${i}@example.com`, password: PASSWORD })));
  assert.deepEqual(rs.map((r) => r.statusCode), Array(8).fill(201));
  assert.equal(rs.filter((r) => r.json().role === 'admin').length, 1);
  const dups = await Promise.all(Array.from({ length: 4 }, () => post('/api/identity/register', { email: 'dup@example.com', password: PASSWORD })));
  assert.deepEqual(dups.map((r) => r.statusCode).sort(), [201, 409, 409, 409]);
});

test('login, me, refresh, logout; concurrent use of one refresh token: one rotation, then the family dies', async () => {
  const login = await post('/api/identity/login', { email: 'u1@example.com', password: PASSWORD });
  assert.equal(login.statusCode, 200);
  const t0 = login.json();
  const me = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { authorization: `Bearer ${t0.accessToken}` } });
  assert.equal(me.json().email, 'u1@example.com');

  const both = await Promise.all([post('/api/identity/refresh', { refreshToken: t0.refreshToken }), post('/api/identity/refresh', { refreshToken: t0.refreshToken })]);
  assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 401]);
  assert.equal(both.find((r) => r.statusCode === 401)!.json().code, 'IDENTITY_REFRESH_TOKEN_REUSED');
  const winner = both.find((r) => r.statusCode === 200)!.json();
  assert.equal((await post('/api/identity/refresh', { refreshToken: winner.refreshToken })).statusCode, 401);

  const t1 = (await post('/api/identity/login', { email: 'u1@example.com', password: PASSWORD })).json();
  assert.equal((await post('/api/identity/logout', { refreshToken: t1.refreshToken })).statusCode, 204);
  assert.equal((await post('/api/identity/refresh', { refreshToken: t1.refreshToken })).statusCode, 401);
});

test('API keys and key rotation on PostgreSQL', async () => {
  const admin = (await Promise.all(Array.from({ length: 8 }, (_, i) => post('/api/identity/login', { email: `u${i}@example.com`, password: PASSWORD }))))
    .map((r) => r.json()).find((r) => r.user.role === 'admin');
  const auth = { authorization: `Bearer ${admin.accessToken}` };
  const key = (await post('/api/identity/api-keys', { name: 'gw', scopes: ['telemetry:write'] }, auth)).json();
  const me = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { 'x-api-key': key.secret } });
  assert.deepEqual(me.json().scopes, ['telemetry:write']);
  assert.equal((await h.app.inject({ method: 'DELETE', url: `/api/identity/api-keys/${key.id}`, headers: auth })).statusCode, 204);
  assert.equal((await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { 'x-api-key': key.secret } })).statusCode, 401);

  h.clock.advance(h.config.jwksCacheSeconds);
  const rotated = await Promise.allSettled([h.identity.keys.rotate(), h.identity.keys.rotate()]);
  // the advisory lock serializes them: the second sees a brand-new next key and refuses
  assert.deepEqual(rotated.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal((await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: auth })).statusCode, 200); // old token, retired key
});

test('audit rows landed in millrace.outbox', async () => {
  const types = new Set((await auditEvents(h.db)).map((e) => e.type));
  for (const t of ['identity.user-registered', 'identity.login-succeeded', 'identity.refresh-token-reuse-detected', 'identity.logged-out', 'identity.api-key-created', 'identity.api-key-revoked', 'identity.key-rotated']) {
    assert.ok(types.has(t), `missing ${t}`);
  }
});
