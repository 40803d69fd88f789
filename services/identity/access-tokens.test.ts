// Access tokens: the authenticator rejects forged, expired and misdirected JWTs; key rotation publishes before signing.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MillraceError } from '@millrace/platform';
import { SignJWT, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { createJwtAuthenticator, issueAccessToken } from './access-tokens.ts';
import { startHarness, type Harness } from './test-app.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.close());

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const auth = (token: string, a = h.identity.authenticators.jwt) => a.authenticate({ headers: { authorization: `Bearer ${token}` } });
const issue = (overrides: Partial<{ issuer: string; audience: string }> = {}) =>
  issueAccessToken(h.identity.keys, { ...h.config, ...overrides }, { sub: 'user-1', roles: ['customer'] }, h.clock.now());

async function rejects(token: string, code = 'IDENTITY_TOKEN_INVALID', a = h.identity.authenticators.jwt): Promise<MillraceError> {
  let caught: unknown;
  await auth(token, a).catch((e: unknown) => void (caught = e));
  assert.ok(caught instanceof MillraceError, `expected a MillraceError, got ${String(caught)}`);
  assert.equal(caught.kind, 'unauthenticated');
  assert.equal(caught.code, code);
  return caught;
}

describe('JWT authenticator', () => {
  test('a valid token becomes a user principal with roles and jti', async () => {
    const { token, jti } = await issue();
    assert.deepEqual(await auth(token), { kind: 'user', id: 'user-1', roles: ['customer'], scopes: [], credentialId: jti });
    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.typ, 'at+jwt');
    assert.ok(header.kid);
  });

  test('no Authorization header or another scheme: not this authenticator\'s business', async () => {
    assert.equal(await h.identity.authenticators.jwt.authenticate({ headers: {} }), null);
    assert.equal(await h.identity.authenticators.jwt.authenticate({ headers: { authorization: 'ApiKey mr_x' } }), null);
  });

  test('alg none is rejected', async () => {
    const { token } = await issue();
    const [header, payload] = token.split('.');
    const h0 = JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>;
    await rejects(`${b64({ ...h0, alg: 'none' })}.${payload}.`);
  });

  test('HS256 signed with the public key bytes (algorithm confusion) is rejected', async () => {
    const { token } = await issue();
    const kid = decodeProtectedHeader(token).kid!;
    const jwk = (await h.identity.keys.publicJwks()).keys.find((k) => k.kid === kid)!;
    for (const secret of [Buffer.from(jwk.x!, 'base64url'), Buffer.from(JSON.stringify(jwk)), Buffer.from(jwk.x!)]) {
      const forged = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .setIssuer(h.config.issuer).setAudience(h.config.audience).setSubject('attacker').setJti('j')
        .setIssuedAt(Math.floor(h.clock.now().getTime() / 1000)).setExpirationTime(Math.floor(h.clock.now().getTime() / 1000) + 60)
        .sign(secret);
      await rejects(forged);
    }
  });

  test('a tampered payload is rejected', async () => {
    const { token } = await issue();
    const [header, payload, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    await rejects(`${header}.${b64({ ...claims, roles: ['admin'] })}.${sig}`);
  });

  test('wrong issuer and wrong audience are rejected', async () => {
    await rejects((await issue({ issuer: 'evil' })).token);
    await rejects((await issue({ audience: 'other-api' })).token);
  });

  test('an unknown kid (an attacker\'s own Ed25519 key) is rejected, also when it claims a known kid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const { token } = await issue();
    const knownKid = decodeProtectedHeader(token).kid!;
    for (const kid of ['attacker-kid', knownKid]) {
      const forged = await issueAccessToken({ signingKey: async () => ({ kid, key: privateKey }) }, h.config, { sub: 'attacker', roles: ['admin'] }, h.clock.now());
      await rejects(forged.token);
    }
  });

  test('an expired token is rejected with its own code, even after it was accepted (and remembered) before', async () => {
    const { token } = await issue();
    assert.equal((await auth(token))?.id, 'user-1');
    assert.equal((await auth(token))?.id, 'user-1', 'the second check is answered from the verified-token cache');
    h.clock.advance(h.config.accessTokenTtlSeconds + 1);
    await rejects(token, 'IDENTITY_TOKEN_EXPIRED');
  });

  test('a static JWKS works as the key source too', async () => {
    const jwks = (await (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()) as JSONWebKeySet;
    const a = createJwtAuthenticator({ jwks, issuer: h.config.issuer, audience: h.config.audience, now: h.clock.now });
    const { token } = await issue();
    assert.equal((await auth(token, a))?.id, 'user-1');
  });
});

describe('signing keys', () => {
  let k: Harness; // fresh keys and clock: rotation timing is the subject here
  before(async () => {
    k = await startHarness();
  });
  after(async () => k.close());
  const issueK = () => issueAccessToken(k.identity.keys, k.config, { sub: 'user-1', roles: ['customer'] }, k.clock.now());
  const tolerant = () =>
    createJwtAuthenticator({ keyStore: k.identity.keys, issuer: k.config.issuer, audience: k.config.audience, now: k.clock.now, clockToleranceSeconds: 100_000 });

  test('the JWKS publishes public halves only; private keys are encrypted at rest', async () => {
    const r = await k.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['cache-control']), /max-age=300/);
    const { keys } = r.json() as { keys: Array<Record<string, unknown>> };
    assert.equal(keys.length, 2); // active + next
    for (const key of keys) {
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      assert.equal(key.crv, 'Ed25519');
    }
    const rows = (await k.db.kysely.selectFrom('identity.signing_keys').select(['private_key', 'encrypted']).execute()) as Array<{ private_key: string; encrypted: boolean }>;
    for (const row of rows) {
      assert.equal(row.encrypted, true);
      assert.match(row.private_key, /^v1\./);
    }
  });

  test('rotation: next is published before it signs, old tokens stay valid until retirement ends, new tokens use the new kid', async () => {
    const old = await issueK();
    const oldKid = decodeProtectedHeader(old.token).kid!;
    const nextKid = (await k.identity.keys.publicJwks()).keys.map((x) => x.kid).find((x) => x !== oldKid)!;

    // the next key is published, but verifiers may have cached the JWKS from before it existed: not yet
    const early = await k.identity.keys.rotate().catch((e: unknown) => e);
    assert.ok(early instanceof MillraceError);
    assert.equal(early.code, 'IDENTITY_KEY_NOT_PUBLISHED_LONG_ENOUGH');

    k.clock.advance(k.config.jwksCacheSeconds);
    const rotated = await k.identity.keys.rotate();
    assert.equal(rotated.activeKid, nextKid);
    assert.equal(rotated.retiredKid, oldKid);
    const fresh = await issueK();
    assert.equal(decodeProtectedHeader(fresh.token).kid, nextKid);

    // the retired key still verifies: the old token is valid until its own exp
    assert.equal((await auth(old.token, k.identity.authenticators.jwt))?.id, 'user-1');
    assert.deepEqual(new Set((await k.identity.keys.publicJwks()).keys.map((x) => x.kid)), new Set([oldKid, nextKid, rotated.nextKid]));

    // once every token it signed expired (ttl + skew after retirement), it leaves the JWKS and verifies nothing
    k.clock.advance(k.config.accessTokenTtlSeconds + k.config.clockSkewSeconds + 1);
    assert.ok(!(await k.identity.keys.publicJwks()).keys.some((x) => x.kid === oldKid));
    const err = await rejects(old.token, 'IDENTITY_TOKEN_INVALID', tolerant());
    assert.match(err.message, /JWKS_NO_MATCHING_KEY/);
    assert.equal((await auth(fresh.token, tolerant()))?.id, 'user-1');

    // the next rotation deletes it for good and is audited
    k.clock.advance(k.config.jwksCacheSeconds);
    await k.identity.keys.rotate();
    const kids = (await k.db.kysely.selectFrom('identity.signing_keys').select('kid').execute()).map((r) => r.kid as string);
    assert.ok(!kids.includes(oldKid));
    const rotations = await k.db.kysely.selectFrom('millrace.outbox').select('type').where('type', '=', 'identity.key-rotated').execute();
    assert.equal(rotations.length, 3); // first start + two rotations
  });

  test('an admin can rotate over HTTP; others cannot', async () => {
    await k.app.inject({ method: 'POST', url: '/api/identity/register', payload: { email: 'root@example.com', password: 'correct horse battery staple' } });
    await k.app.inject({ method: 'POST', url: '/api/identity/register', payload: { email: 'user@example.com', password: 'correct horse battery staple' } });
    const tokenOf = async (email: string) =>
      (await k.app.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password: 'correct horse battery staple' } })).json().accessToken as string;
    k.clock.advance(k.config.jwksCacheSeconds);
    const denied = await k.app.inject({ method: 'POST', url: '/api/identity/signing-keys/rotate', headers: { authorization: `Bearer ${await tokenOf('user@example.com')}` } });
    assert.equal(denied.statusCode, 403);
    const ok = await k.app.inject({ method: 'POST', url: '/api/identity/signing-keys/rotate', headers: { authorization: `Bearer ${await tokenOf('root@example.com')}` } });
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.json().activeKid);
  });
});
