// The widgets resource suite: CRUD, hooks, events in the same transaction, custom actions; run on PGlite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { call, newWidget } from './http-test-kit.ts';
import { widgetsHarness, type WidgetsHarness } from './widgets.fixture.ts';

export function resourceSuite(name: string, url: () => Promise<string | undefined>): void {
  describe(`resources: CRUD, hooks and outbox (${name})`, () => {
    let h: WidgetsHarness;
    before(async () => {
      h = await widgetsHarness({ url: await url() });
    });
    after(() => h.close());

    it('creates: 201, Location, server-set owner, defaults applied, write-only field stored but never returned', async () => {
      const r = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget({ secretNote: 'hush' }) });
      assert.equal(r.status, 201);
      assert.equal(r.headers.location, `/api/shop/widgets/${r.json.id}`);
      assert.equal(r.json.ownerId, 'alice');
      assert.equal(r.json.status, 'draft');
      assert.equal(r.json.credit, 0);
      assert.equal(r.json.price, 1999);
      assert.ok(!('secretNote' in r.json));
      const { rows } = await sql<{ secret_note: string }>`select secret_note from shop.widgets where id = ${r.json.id}`.execute(h.db.kysely);
      assert.equal(rows[0]!.secret_note, 'hush');
      const got = await call(h.app, 'GET', `/api/shop/widgets/${r.json.id}`, { user: 'alice' });
      assert.deepEqual(got.json, r.json);
    });

    it('writes the row and its event in the same transaction', async () => {
      const r = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget({ title: 'Atomic' }) });
      const { rows } = await sql<{ same: boolean; payload: string; type: string }>`
        select (o.txid::text::bigint % 4294967296) = w.xmin::text::bigint as same, o.payload, o.type
        from shop.widgets w join millrace.outbox o on o.key = w.id::text where w.id = ${r.json.id}`.execute(h.db.kysely);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.type, 'shop.widget-created');
      assert.equal(rows[0]!.same, true, 'the outbox row was written by the transaction that wrote the widget');
      assert.deepEqual(JSON.parse(rows[0]!.payload).data, r.json);
    });

    it('a failure after the write leaves neither the row nor the event', async () => {
      const before = await h.counts();
      const r = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget({ title: 'fail-after-write' }) });
      assert.equal(r.status, 409);
      assert.deepEqual(await h.counts(), before);
    });

    it('rejects invalid bodies with field-level errors and writes nothing', async () => {
      const before = await h.counts();
      const r = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: { title: '', price: 1.5, colour: 'red' } });
      assert.equal(r.status, 400);
      assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(r.json.code, 'MR_HTTP_VALIDATION');
      const paths = r.json.errors.map((e: { path: string }) => e.path).sort();
      assert.deepEqual(paths, ['colour', 'price', 'title']);
      assert.equal(r.json.errors.find((e: { path: string }) => e.path === 'colour').code, 'unknown_field');
      assert.deepEqual(await h.counts(), before);
    });

    it('PUT replaces writable fields, PATCH changes only what it names, both publish updated events', async () => {
      const c = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget({ body: 'keep me', status: 'active' }) });
      const id = c.json.id;
      const p = await call(h.app, 'PATCH', `/api/shop/widgets/${id}`, { user: 'alice', body: { price: 2500 } });
      assert.equal(p.status, 200);
      assert.equal(p.json.price, 2500);
      assert.equal(p.json.body, 'keep me', 'PATCH must not reset defaulted fields');
      assert.equal(p.json.status, 'active');
      const missing = await call(h.app, 'PUT', `/api/shop/widgets/${id}`, { user: 'alice', body: { title: 'only title' } });
      assert.equal(missing.status, 400, 'PUT needs every required field');
      const u = await call(h.app, 'PUT', `/api/shop/widgets/${id}`, { user: 'alice', body: { title: 'New', price: 10, status: 'archived' } });
      assert.equal(u.status, 200);
      assert.deepEqual([u.json.title, u.json.price, u.json.status, u.json.ownerId], ['New', 10, 'archived', 'alice']);
      const { rows } = await sql<{ type: string }>`select type from millrace.outbox where key = ${id} order by id`.execute(h.db.kysely);
      assert.deepEqual(rows.map((r) => r.type), ['shop.widget-created', 'shop.widget-updated', 'shop.widget-updated']);
    });

    it('DELETE answers 204, publishes the deleted event, and the object is gone', async () => {
      const c = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget() });
      const d = await call(h.app, 'DELETE', `/api/shop/widgets/${c.json.id}`, { user: 'alice' });
      assert.equal(d.status, 204);
      assert.equal((await call(h.app, 'GET', `/api/shop/widgets/${c.json.id}`, { user: 'alice' })).status, 404);
      assert.equal((await call(h.app, 'DELETE', `/api/shop/widgets/${c.json.id}`, { user: 'alice' })).status, 404);
      const { rows } = await sql<{ type: string }>`select type from millrace.outbox where key = ${c.json.id} order by id`.execute(h.db.kysely);
      assert.deepEqual(rows.map((r) => r.type), ['shop.widget-created', 'shop.widget-deleted']);
    });

    it('item action: publish moves a draft to active with its event; twice is a 409 that writes nothing', async () => {
      const c = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', body: newWidget() });
      const p = await call(h.app, 'POST', `/api/shop/widgets/${c.json.id}/publish`, { user: 'alice' });
      assert.equal(p.status, 200);
      assert.equal(p.json.status, 'active');
      const before = await h.counts();
      const again = await call(h.app, 'POST', `/api/shop/widgets/${c.json.id}/publish`, { user: 'alice' });
      assert.equal(again.status, 409);
      assert.equal(again.json.code, 'MR_HTTP_CONFLICT');
      assert.deepEqual(await h.counts(), before);
      const { rows } = await sql<{ n: string }>`select count(*) as n from millrace.outbox where key = ${c.json.id} and type = 'shop.widget-published'`.execute(h.db.kysely);
      assert.equal(Number(rows[0]!.n), 1);
    });

    it('collection action validates its input and is admin-only', async () => {
      assert.equal((await call(h.app, 'POST', '/api/shop/widgets/archive-all', { user: 'alice', body: { status: 'draft' } })).status, 403);
      const bad = await call(h.app, 'POST', '/api/shop/widgets/archive-all', { user: 'root:admin', body: { status: 'nope' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errors[0].path, 'status');
      const ok = await call(h.app, 'POST', '/api/shop/widgets/archive-all', { user: 'root:admin', body: { status: 'draft' } });
      assert.equal(ok.status, 200);
      assert.ok(ok.json.archived >= 1);
    });

    it('answers problem+json for unknown routes, wrong methods, wrong media types, big and deep bodies', async () => {
      const nf = await call(h.app, 'GET', '/api/shop/nope');
      assert.deepEqual([nf.status, nf.json.code], [404, 'MR_HTTP_ROUTE_NOT_FOUND']);
      const na = await call(h.app, 'PUT', '/api/shop/widgets', { user: 'alice', body: {} });
      assert.deepEqual([na.status, na.json.code, na.headers.allow], [405, 'MR_HTTP_METHOD_NOT_ALLOWED', 'GET, POST']);
      const mt = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', raw: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.deepEqual([mt.status, mt.json.code], [415, 'MR_HTTP_UNSUPPORTED_MEDIA_TYPE']);
      const big = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', raw: JSON.stringify({ title: 'x'.repeat(1_100_000), price: 1 }) });
      assert.deepEqual([big.status, big.json.code], [413, 'MR_HTTP_BODY_TOO_LARGE']);
      const deep = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', raw: '['.repeat(40) + ']'.repeat(40) });
      assert.deepEqual([deep.status, deep.json.code], [400, 'MR_HTTP_JSON_TOO_DEEP']);
      const bad = await call(h.app, 'POST', '/api/shop/widgets', { user: 'alice', raw: '{"title":' });
      assert.deepEqual([bad.status, bad.json.code], [400, 'MR_HTTP_BAD_JSON']);
      const id = await call(h.app, 'GET', '/api/shop/widgets/not-a-uuid', { user: 'alice' });
      assert.deepEqual([id.status, id.json.code], [404, 'MR_HTTP_OBJECT_NOT_FOUND']);
    });
  });
}
