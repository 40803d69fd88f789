// The identity HTTP API end to end on PGlite: accounts, tokens, refresh rotation and reuse, sessions, API keys, roles, lockout, audit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditEvents, startHarness, type Harness } from './test-app.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.close());

const PASSWORD = 'correct horse battery staple';
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function register(email: string, password = PASSWORD) {
  return h.app.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password } });
}
/** Every secret the API handed out, to prove none reaches an event. */
const handedOut: string[] = [];
async function login(email: string, password = PASSWORD, ip = '10.0.0.1') {
  const r = await h.app.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password }, remoteAddress: ip });
  if (r.statusCode === 200) handedOut.push(json(r).accessToken, json(r).refreshToken);
  return r;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('accounts', () => {
  test('the first user becomes admin, later ones customers; emails are unique case-insensitively', async () => {
    const first = await register('Ada@Example.com');
    assert.equal(first.statusCode, 201);
    assert.deepEqual({ email: json(first).email, role: json(first).role }, { email: 'ada@example.com', role: 'admin' });
    const second = await register('bob@example.com');
    assert.equal(json(second).role, 'customer');
    const dup = await register('ADA@example.com');
    assert.equal(dup.statusCode, 409);
    assert.equal(json(dup).code, 'IDENTITY_EMAIL_TAKEN');
    assert.match(String(dup.headers['content-type']), /application\/problem\+json/);
  });

  test('bad input is a 400 problem naming the field', async () => {
    const r = await register('not-an-email', 'short');
    assert.equal(r.statusCode, 400);
    assert.equal(json(r).code, 'IDENTITY_VALIDATION');
    assert.match(json(r).detail, /email/);
    assert.match(json(r).detail, /password/);
  });

  test('login -> me -> refresh -> logout', async () => {
    const l = await login('bob@example.com');
    assert.equal(l.statusCode, 200);
    const tokens = json(l);
    assert.equal(tokens.tokenType, 'Bearer');
    assert.equal(tokens.expiresIn, 600);
    assert.equal(l.headers['cache-control'], 'no-store');

    const me = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: bearer(tokens.accessToken) });
    assert.equal(me.statusCode, 200);
    assert.deepEqual({ email: json(me).email, role: json(me).role, kind: json(me).kind }, { email: 'bob@example.com', role: 'customer', kind: 'user' });

    const r = await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: tokens.refreshToken } });
    assert.equal(r.statusCode, 200);
    const rotated = json(r);
    assert.notEqual(rotated.refreshToken, tokens.refreshToken);
    assert.equal((await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: bearer(rotated.accessToken) })).statusCode, 200);

    const out = await h.app.inject({ method: 'POST', url: '/api/identity/logout', payload: { refreshToken: rotated.refreshToken } });
    assert.equal(out.statusCode, 204);
    const after = await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: rotated.refreshToken } });
    assert.equal(after.statusCode, 401);
    assert.equal(json(after).code, 'IDENTITY_REFRESH_TOKEN_INVALID');
  });

  test('me without credentials is 401; a wrong password is 401 with the same answer as an unknown user', async () => {
    const me = await h.app.inject({ method: 'GET', url: '/api/identity/me' });
    assert.equal(me.statusCode, 401);
    const wrong = await login('bob@example.com', 'wrong password!!', '10.9.9.9');
    const unknown = await login('nobody@example.com', 'wrong password!!', '10.9.9.9');
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(json(wrong), json(unknown));
  });

  test('a rotated refresh token presented again revokes the whole family and is audited', async () => {
    const t0 = json(await login('bob@example.com'));
    const t1 = json(await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: t0.refreshToken } }));
    // the attacker replays the old token
    const replay = await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: t0.refreshToken } });
    assert.equal(replay.statusCode, 401);
    assert.equal(json(replay).code, 'IDENTITY_REFRESH_TOKEN_REUSED');
    // ...and the legitimate client's current token is dead too
    const victim = await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: t1.refreshToken } });
    assert.equal(victim.statusCode, 401);
    const reuse = (await auditEvents(h.db)).filter((e) => e.type === 'identity.refresh-token-reuse-detected');
    assert.equal(reuse.length, 1);
  });

  test('an expired refresh token is refused', async () => {
    const t0 = json(await login('bob@example.com'));
    h.clock.advance(h.config.refreshTokenTtlSeconds + 1);
    const r = await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: t0.refreshToken } });
    assert.equal(r.statusCode, 401);
  });
});

describe('roles', () => {
  test('an admin changes a role; a customer may not; the last admin cannot be demoted', async () => {
    const admin = json(await login('ada@example.com'));
    const bob = json(await login('bob@example.com'));
    const bobId = json(await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: bearer(bob.accessToken) })).id;
    const adaId = json(await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: bearer(admin.accessToken) })).id;

    const denied = await h.app.inject({ method: 'PUT', url: `/api/identity/users/${adaId}/role`, headers: bearer(bob.accessToken), payload: { role: 'customer' } });
    assert.equal(denied.statusCode, 403);
    const last = await h.app.inject({ method: 'PUT', url: `/api/identity/users/${adaId}/role`, headers: bearer(admin.accessToken), payload: { role: 'customer' } });
    assert.equal(last.statusCode, 409);
    assert.equal(json(last).code, 'IDENTITY_LAST_ADMIN');
    const ok = await h.app.inject({ method: 'PUT', url: `/api/identity/users/${bobId}/role`, headers: bearer(admin.accessToken), payload: { role: 'operator' } });
    assert.equal(ok.statusCode, 200);
    assert.equal(json(ok).role, 'operator');
    // the new role reaches bob's tokens at his next refresh
    const refreshed = json(await h.app.inject({ method: 'POST', url: '/api/identity/refresh', payload: { refreshToken: bob.refreshToken } }));
    const p = await h.identity.authenticators.jwt.authenticate({ headers: bearer(refreshed.accessToken) });
    assert.deepEqual(p?.roles, ['operator']);
    const changed = (await auditEvents(h.db)).find((e) => e.type === 'identity.role-changed');
    assert.deepEqual(changed?.data, { userId: bobId, from: 'customer', to: 'operator', changedBy: adaId });
  });
});

describe('API keys', () => {
  test('created once with its secret, scoped, usable, listed without secret, revocable', async () => {
    const admin = json(await login('ada@example.com'));
    const customer = json(await (await register('carol@example.com'), login('carol@example.com')));
    const forbidden = await h.app.inject({ method: 'POST', url: '/api/identity/api-keys', headers: bearer(customer.accessToken), payload: { name: 'x', scopes: ['telemetry:write'] } });
    assert.equal(forbidden.statusCode, 403);

    const c = await h.app.inject({ method: 'POST', url: '/api/identity/api-keys', headers: bearer(admin.accessToken), payload: { name: 'plant-7', scopes: ['telemetry:write'] } });
    assert.equal(c.statusCode, 201);
    const key = json(c);
    handedOut.push(key.secret);
    assert.match(key.secret, /^mr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);

    const viaHeader = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { 'x-api-key': key.secret } });
    assert.equal(viaHeader.statusCode, 200);
    assert.deepEqual(json(viaHeader), { kind: 'api-key', ownerId: key.ownerId, keyId: key.id, scopes: ['telemetry:write'] });
    const viaAuth = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { authorization: `ApiKey ${key.secret}` } });
    assert.equal(viaAuth.statusCode, 200);
    const forged = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { 'x-api-key': `${key.secret.slice(0, -2)}xx` } });
    assert.equal(forged.statusCode, 401);

    const list = json(await h.app.inject({ method: 'GET', url: '/api/identity/api-keys', headers: bearer(admin.accessToken) }));
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].secret, undefined);
    assert.equal(list.items[0].lastUsedAt, h.clock.now().toISOString());

    const del = await h.app.inject({ method: 'DELETE', url: `/api/identity/api-keys/${key.id}`, headers: bearer(admin.accessToken) });
    assert.equal(del.statusCode, 204);
    const revoked = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { 'x-api-key': key.secret } });
    assert.equal(revoked.statusCode, 401);
    assert.equal(json(revoked).code, 'IDENTITY_API_KEY_INVALID');
    // an API key is no user: it cannot manage keys or roles
    const c2 = json(await h.app.inject({ method: 'POST', url: '/api/identity/api-keys', headers: bearer(admin.accessToken), payload: { name: 'k2', scopes: ['orders:read'] } }));
    const escalate = await h.app.inject({ method: 'POST', url: '/api/identity/api-keys', headers: { 'x-api-key': c2.secret }, payload: { name: 'k3', scopes: ['orders:write'] } });
    assert.equal(escalate.statusCode, 403);
  });
});

describe('console sessions', () => {
  test('login sets an HttpOnly SameSite=Strict session cookie and a CSRF cookie; unsafe requests need the CSRF header', async () => {
    const l = await h.app.inject({ method: 'POST', url: '/api/identity/login', payload: { email: 'carol@example.com', password: PASSWORD, mode: 'session' } });
    assert.equal(l.statusCode, 200);
    const cookies = ([] as string[]).concat(l.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('mr_session='))!;
    const csrf = cookies.find((c) => c.startsWith('mr_csrf='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Strict/);
    assert.doesNotMatch(session, /Secure/); // plain http in this test; https gets Secure
    assert.doesNotMatch(csrf, /HttpOnly/);
    const sessionValue = session.split(';')[0]!;
    const csrfValue = csrf.split(';')[0]!.split('=')[1]!;
    assert.equal(json(l).csrfToken, csrfValue);
    assert.equal(json(l).accessToken, undefined);
    const cookie = `${sessionValue}; mr_csrf=${csrfValue}`;
    handedOut.push(sessionValue.split('=')[1]!, csrfValue);

    const me = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } });
    assert.equal(me.statusCode, 200);
    assert.equal(json(me).email, 'carol@example.com');

    const noCsrf = await h.app.inject({ method: 'POST', url: '/api/identity/logout', headers: { cookie } });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(json(noCsrf).code, 'IDENTITY_CSRF_MISMATCH');
    assert.equal((await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } })).statusCode, 200);

    const out = await h.app.inject({ method: 'POST', url: '/api/identity/logout', headers: { cookie, 'x-csrf-token': csrfValue } });
    assert.equal(out.statusCode, 204);
    assert.ok(([] as string[]).concat(out.headers['set-cookie'] ?? []).some((c) => /^mr_session=;/.test(c)));
    // an ended session is no session: the request is anonymous (signed out, free to sign in again), not rejected outright
    const gone = await h.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } });
    assert.equal(gone.statusCode, 401);
    assert.equal(json(gone).code, 'IDENTITY_AUTHENTICATION_REQUIRED');
    const again = await h.app.inject({ method: 'POST', url: '/api/identity/login', headers: { cookie }, payload: { email: 'carol@example.com', password: PASSWORD, mode: 'session' } });
    assert.equal(again.statusCode, 200, 'a stale session cookie does not lock the browser out');
  });
});

describe('brute force', () => {
  test('an account locks after 5 failures with 429 + Retry-After, even for the right password, and unlocks later', async () => {
    await register('dave@example.com');
    for (let i = 0; i < 5; i++) assert.equal((await login('dave@example.com', 'wrong password!!', `10.1.0.${i}`)).statusCode, 401);
    const locked = await login('dave@example.com', PASSWORD, '10.1.0.99');
    assert.equal(locked.statusCode, 429);
    assert.equal(json(locked).code, 'IDENTITY_LOGIN_LOCKED');
    assert.equal(locked.headers['retry-after'], '30');
    h.clock.advance(31);
    assert.equal((await login('dave@example.com', PASSWORD, '10.1.0.99')).statusCode, 200);
  });

  test('an IP spraying many accounts locks after 20 failures', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await login(`spray${i}@example.com`, 'wrong password!!', '10.2.0.1')).statusCode, 401);
    const locked = await login('bob@example.com', PASSWORD, '10.2.0.1');
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal((await login('bob@example.com', PASSWORD, '10.2.0.2')).statusCode, 200); // other IPs unaffected
  });
});

describe('audit', () => {
  test('every security change is an event in millrace.outbox, and none carries a secret', async () => {
    const events = await auditEvents(h.db);
    const types = new Set(events.map((e) => e.type));
    for (const t of [
      'identity.user-registered', 'identity.login-succeeded', 'identity.login-failed', 'identity.logged-out', 'identity.role-changed',
      'identity.api-key-created', 'identity.api-key-revoked', 'identity.refresh-token-reuse-detected', 'identity.key-rotated',
    ]) assert.ok(types.has(t), `missing ${t}`);
    const failed = events.filter((e) => e.type === 'identity.login-failed').map((e) => e.data.reason);
    assert.ok(failed.includes('bad-password') && failed.includes('unknown-user') && failed.includes('locked'));
    const all = events.map((e) => e.payload).join('\n');
    const stored = await h.db.kysely.selectFrom('identity.users').select('password_hash as h')
      .unionAll(h.db.kysely.selectFrom('identity.refresh_tokens').select('token_hash as h'))
      .unionAll(h.db.kysely.selectFrom('identity.api_keys').select('secret_hash as h'))
      .unionAll(h.db.kysely.selectFrom('identity.sessions').select('token_hash as h'))
      .unionAll(h.db.kysely.selectFrom('identity.sessions').select('csrf_hash as h')).execute();
    assert.ok(handedOut.filter(Boolean).length > 10, `handed out ${handedOut.length}`);
    assert.ok(stored.length > 10, `stored ${stored.length}`);
    for (const secret of [...handedOut.filter(Boolean), ...stored.map((r) => String(r.h)), PASSWORD, 'wrong password!!']) {
      assert.ok(!all.includes(secret), `an event contains a secret or hash: ${secret.slice(0, 12)}...`);
    }
    assert.doesNotMatch(all, /\$argon2|eyJ|mr_[0-9a-f]{12}_/);
  });
});
