// Browser safety: security headers, HSTS behind https, the CORS allow-list, CSRF tokens and who is exempt.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpApp } from './app.ts';
import { issueCsrfToken, verifyCsrfToken } from './csrf.ts';
import { call } from './http-test-kit.ts';
import { testAuthenticator } from './widgets.fixture.ts';

const SECRET = 'x'.repeat(32);

async function app(options: Parameters<typeof createHttpApp>[0] = {}) {
  const a = await createHttpApp({ openapi: false, authenticators: [testAuthenticator], csrfSecret: SECRET, ...options });
  a.post('/api/things', async (req) => ({ by: req.principal?.id ?? null }));
  a.get('/api/things', async () => ({ ok: true }));
  await a.ready();
  return a;
}

describe('browser safety', () => {
  it('sets CSP, nosniff, referrer and framing headers on every answer, HSTS only over https', async () => {
    const a = await app({ trustProxy: true });
    for (const r of [await call(a, 'GET', '/api/things'), await call(a, 'GET', '/missing')]) {
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['strict-transport-security'], undefined);
    }
    const https = await call(a, 'GET', '/api/things', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(String(https.headers['strict-transport-security']), /max-age=31536000/);
    await a.close();
  });

  it('allows only listed origins cross-origin', async () => {
    const a = await app({ cors: { origins: ['https://console.example'] } });
    const pre = await a.inject({ method: 'OPTIONS', url: '/api/things', headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.headers['access-control-allow-origin'], 'https://console.example');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    const evil = await a.inject({ method: 'OPTIONS', url: '/api/things', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    await a.close();
  });

  it('signs tokens bound to the session; a token of another session or secret fails', () => {
    const t = issueCsrfToken(SECRET, 'sess-1');
    assert.equal(verifyCsrfToken(SECRET, t, 'sess-1'), true);
    assert.equal(verifyCsrfToken(SECRET, t, 'sess-2'), false);
    assert.equal(verifyCsrfToken('y'.repeat(32), t, 'sess-1'), false);
    assert.equal(verifyCsrfToken(SECRET, `${t}x`, 'sess-1'), false);
    assert.equal(verifyCsrfToken(SECRET, 'garbage', 'sess-1'), false);
  });

  it('requires the token for cookie writes only: bearer and API-key requests and safe methods are exempt', async () => {
    const a = await app({ csrf: { sessionCookie: 'test_session', secure: false } });
    const cookie = 'test_session=alice';
    assert.equal((await call(a, 'POST', '/api/things', { body: {}, headers: { cookie } })).status, 403);
    assert.equal((await call(a, 'GET', '/api/things', { headers: { cookie } })).status, 200);
    assert.equal((await call(a, 'POST', '/api/things', { body: {}, headers: { cookie, authorization: 'Bearer t' } })).status, 200);
    assert.equal((await call(a, 'POST', '/api/things', { body: {}, user: 'bob' })).status, 200, 'no cookies: nothing ambient to forge');
    const other = issueCsrfToken(SECRET, 'mallory');
    const stolen = await call(a, 'POST', '/api/things', { body: {}, headers: { cookie: `${cookie}; millrace_csrf=${other}`, 'x-csrf-token': other } });
    assert.equal(stolen.status, 403, 'a token minted for another session is refused');
    const mine = issueCsrfToken(SECRET, 'alice');
    const ok = await call(a, 'POST', '/api/things', { body: {}, headers: { cookie: `${cookie}; millrace_csrf=${mine}`, 'x-csrf-token': mine } });
    assert.deepEqual([ok.status, ok.json.by], [200, 'alice']);
    await a.close();
  });

  it('without a CSRF secret, cookie-carrying writes are refused rather than trusted', async () => {
    const a = await createHttpApp({ openapi: false, authenticators: [testAuthenticator] });
    a.post('/api/things', async () => ({ ok: true }));
    assert.equal((await call(a, 'POST', '/api/things', { body: {}, headers: { cookie: 'test_session=alice' } })).status, 403);
    await a.close();
  });
});
