// OWASP API Security Top 10 (2023) checks against the widgets resource; run on PGlite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, newWidget } from './http-test-kit.ts';
import { perPrincipal } from './throttling.ts';
import { widgetsHarness, type WidgetsHarness } from './widgets.fixture.ts';

export function securitySuite(name: string, url: () => Promise<string | undefined>): void {
  describe(`OWASP API Top 10 (${name})`, () => {
    let h: WidgetsHarness;
    let clock = 0;
    let aliceId = '';
    before(async () => {
      h = await widgetsHarness({ url: await url(), app: { throttles: [perPrincipal({ rate: '20/min' })], now: () => new Date(clock) } });
      aliceId = (await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget({ title: 'alice-only' }) })).json.id;
      await call(h.app, 'POST', '/api/shop/widgets', { user: 'bob', body: newWidget({ title: 'bob-own' }) });
    });
    after(() => h.close());
    const tick = () => (clock += 60_000); // a fresh minute: the burst test below owns the bucket

    it('API1 object level: B cannot read, change, delete or act on A\'s object (404), nor see it in lists', async () => {
      tick();
      const before = await h.counts();
      for (const [method, path, body] of [
        ['GET', '', undefined], ['PATCH', '', { title: 'pwned' }], ['PUT', '', newWidget({ title: 'pwned' })], ['DELETE', '', undefined], ['POST', '/publish', undefined],
      ] as const) {
        const r = await call(h.app, method, `/api/shop/widgets/${aliceId}${path}`, { user: 'bob', ...(body ? { body } : {}) });
        assert.deepEqual([r.status, r.json.code], [404, 'MR_HTTP_OBJECT_NOT_FOUND'], `${method} ${path}`);
      }
      assert.deepEqual(await h.counts(), before);
      const bobs = await call(h.app, 'GET', '/api/shop/widgets?limit=100', { user: 'bob' });
      assert.deepEqual(bobs.json.items.map((w: { title: string }) => w.title), ['bob-own']);
      const searched = await call(h.app, 'GET', '/api/shop/widgets?search=alice', { user: 'bob' });
      assert.deepEqual(searched.json.items, []);
      const admin = await call(h.app, 'GET', '/api/shop/widgets?limit=100&ordering=title', { user: 'root:admin' });
      assert.deepEqual(admin.json.items.map((w: { title: string }) => w.title), ['alice-only', 'bob-own']);
      assert.equal((await call(h.app, 'GET', `/api/shop/widgets/${aliceId}`, { user: 'alice' })).status, 200);
    });

    it('API2 authentication: a forged credential is a 401 problem; anonymous callers get 401', async () => {
      tick();
      const forged = await call(h.app, 'GET', '/api/shop/widgets', { user: '!' });
      assert.deepEqual([forged.status, forged.json.code, forged.headers['www-authenticate']], [401, 'MR_HTTP_UNAUTHENTICATED', 'Bearer']);
      assert.equal((await call(h.app, 'GET', '/api/shop/widgets')).status, 401);
      assert.equal((await call(h.app, 'POST', '/api/shop/widgets', { body: newWidget() })).status, 401);
    });

    it('API3 property level: setting owner, credit (a balance), id or role is a 400 naming the field; nothing changes', async () => {
      tick();
      const before = await h.counts();
      for (const field of ['ownerId', 'credit', 'id', 'createdAt', 'role']) {
        const r = await call(h.app, 'PATCH', `/api/shop/widgets/${aliceId}`, { user: 'alice', body: { [field]: field === 'credit' ? 1_000_000 : 'bob' } });
        assert.equal(r.status, 400, field);
        assert.deepEqual(r.json.errors.map((e: { path: string }) => e.path), [field]);
        const c = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget({ [field]: 'x' }) });
        assert.equal(c.status, 400, `create with ${field}`);
      }
      const w = await call(h.app, 'GET', `/api/shop/widgets/${aliceId}`, { user: 'alice' });
      assert.deepEqual([w.json.ownerId, w.json.credit, w.json.title], ['alice', 0, 'alice-only']);
      assert.ok(!('secretNote' in w.json), 'write-only fields never leak');
      assert.deepEqual(await h.counts(), before);
    });

    it('API4 resource consumption: oversized pages and bodies are refused, bursts get 429 with Retry-After', async () => {
      tick();
      assert.equal((await call(h.app, 'GET', '/api/shop/widgets?limit=1000', { user: 'alice' })).status, 400);
      assert.equal((await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', raw: `{"title":"${'x'.repeat(2_000_000)}","price":1}` })).status, 413);
      tick();
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 25; i++) statuses.push((last = await call(h.app, 'GET', '/api/shop/widgets', { user: 'mallory' })).status);
      assert.deepEqual(statuses, [...Array(20).fill(200), ...Array(5).fill(429)]);
      assert.equal(last!.json.code, 'MR_HTTP_THROTTLED');
      assert.equal(last!.headers['retry-after'], '3'); // 20/min refills one token every 3 s
      assert.equal((await call(h.app, 'GET', '/api/shop/widgets', { user: 'alice' })).status, 200, 'other principals are not affected');
      clock += 3_000;
      assert.equal((await call(h.app, 'GET', '/api/shop/widgets', { user: 'mallory' })).status, 200, 'a token is back after Retry-After');
    });

    it('API5 function level: an admin-only action with a customer principal is a 403; a suspended user cannot create', async () => {
      tick();
      const r = await call(h.app, 'POST', '/api/shop/widgets/archive-all', { user: 'alice', body: { status: 'draft' } });
      assert.deepEqual([r.status, r.json.code], [403, 'MR_HTTP_FORBIDDEN']);
      assert.equal((await call(h.app, 'POST', '/api/shop/widgets/archive-all', { body: { status: 'draft' } })).status, 401);
      assert.equal((await call(h.app, 'POST', '/api/shop/widgets', { user: 'sam:suspended', body: newWidget() })).status, 403);
    });

    it('API8 misconfiguration: a cross-site POST with a cookie session and no CSRF token is a 403; with the token it works', async () => {
      tick();
      const before = await h.counts();
      const cookie = 'test_session=alice';
      const r = await call(h.app, 'POST', '/api/shop/widgets', { body: newWidget(), headers: { cookie, origin: 'https://evil.example' } });
      assert.deepEqual([r.status, r.json.code], [403, 'MR_HTTP_CSRF_FAILED']);
      const forged = await call(h.app, 'POST', '/api/shop/widgets', { body: newWidget(), headers: { cookie: `${cookie}; millrace_csrf=a.b`, 'x-csrf-token': 'a.b' } });
      assert.equal(forged.status, 403, 'an unsigned double-submit pair is refused');
      assert.deepEqual(await h.counts(), before);
      const t = await call(h.app, 'GET', '/api/csrf-token', { headers: { cookie } });
      assert.match(String(t.headers['set-cookie']), /millrace_csrf=.*SameSite=Strict/);
      const ok = await call(h.app, 'POST', '/api/shop/widgets', { body: newWidget(), headers: { cookie: `${cookie}; millrace_csrf=${t.json.token}`, 'x-csrf-token': t.json.token } });
      assert.equal(ok.status, 201);
      assert.equal(ok.json.ownerId, 'alice');
    });
  });
}
