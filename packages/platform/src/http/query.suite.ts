// The querying suite: filters, search, ordering, cursor and limit/offset pagination; run on PGlite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, newWidget } from './http-test-kit.ts';
import { limitOffsetPagination } from './pagination.ts';
import { widgetsHarness, type WidgetsHarness } from './widgets.fixture.ts';

export function querySuite(name: string, url: () => Promise<string | undefined>): void {
  describe(`resources: querying (${name})`, () => {
    let h: WidgetsHarness;
    const list = async (query: string, user = 'carol') => call(h.app, 'GET', `/api/shop/widgets?${query}`, { user });
    const titles = async (query: string) => {
      const r = await list(query);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json.items.map((w: { title: string }) => w.title);
    };
    before(async () => {
      h = await widgetsHarness({ url: await url() });
      const seed = [
        { title: '100% cotton', price: 500, status: 'active', category: 'cloth' },
        { title: '100 cotton', price: 700, status: 'draft' },
        { title: 'a_b', price: 900, status: 'archived', category: 'misc' },
        { title: 'axb', price: 1100, status: 'active', body: 'Plain words' },
      ];
      for (const w of seed) assert.equal((await call(h.app, 'POST', '/api/shop/widgets', { user: 'carol', body: newWidget(w) })).status, 201);
    });
    after(() => h.close());

    it('filters by exact, __in, ranges and __isnull', async () => {
      assert.deepEqual(await titles('status=active&ordering=price'), ['100% cotton', 'axb']);
      assert.deepEqual(await titles('status__in=draft,archived&ordering=price'), ['100 cotton', 'a_b']);
      assert.deepEqual(await titles('price__gte=700&price__lt=1100&ordering=price'), ['100 cotton', 'a_b']);
      assert.deepEqual(await titles('price=900'), ['a_b']);
      assert.deepEqual(await titles('category__isnull=true&ordering=price'), ['100 cotton', 'axb']);
      assert.deepEqual(await titles('category=cloth'), ['100% cotton']);
      assert.deepEqual(await titles('createdAt__gte=2000-01-01T00:00:00Z&price__lte=500'), ['100% cotton']);
    });

    it('refuses undeclared filters, repeated filters and values of the wrong type with 400', async () => {
      for (const q of ['ownerId=carol', 'title=axb', 'price__contains=1', 'status__in=active&status__in=draft', 'price=abc', 'status=bogus', 'category__isnull=maybe', 'price__in=' + Array(101).fill(1).join(',')]) {
        const r = await list(q);
        assert.equal(r.status, 400, q);
        assert.equal(r.json.code, 'MR_HTTP_QUERY_INVALID', q);
      }
    });

    it('searches text fields case-insensitively, with % and _ matched literally', async () => {
      assert.deepEqual(await titles('search=100%25&ordering=price'), ['100% cotton']);
      assert.deepEqual(await titles('search=a_b&ordering=price'), ['a_b']); // not axb: _ is literal
      assert.deepEqual(await titles('search=PLAIN'), ['axb']); // body is searched too
      assert.deepEqual(await titles('search=COTTON&ordering=price'), ['100% cotton', '100 cotton']);
      assert.deepEqual(await titles("search=' or 1=1 --"), []);
      assert.equal((await list(`search=${'x'.repeat(201)}`)).status, 400);
    });

    it('orders by declared fields only, ties broken by id', async () => {
      assert.deepEqual(await titles('ordering=-price'), ['axb', 'a_b', '100 cotton', '100% cotton']);
      assert.deepEqual(await titles('ordering=title'), ['100 cotton', '100% cotton', 'a_b', 'axb']);
      const bad = await list('ordering=secretNote');
      assert.equal(bad.status, 400);
      assert.equal((await list('ordering=price,-price')).status, 400);
    });

    it('walks cursor pages without duplicates or gaps while rows are inserted', async () => {
      for (let i = 0; i < 23; i++) await call(h.app, 'POST', '/api/shop/widgets', { user: 'dave', body: newWidget({ title: `d${i}`, price: i % 5 }) });
      for (const ordering of ['-createdAt', 'price', '-price,title', 'price,-createdAt']) {
        const seen: string[] = [];
        let next: string | null = `/api/shop/widgets?limit=7&ordering=${ordering}`;
        let pages = 0;
        while (next) {
          const r = await call(h.app, 'GET', next, { user: 'dave' });
          assert.equal(r.status, 200, JSON.stringify(r.json));
          assert.ok(r.json.items.length <= 7);
          seen.push(...r.json.items.map((w: { title: string }) => w.title));
          // an insert between pages sorts before the cursor (newest) or is simply one more row: never a duplicate
          if (pages++ === 0 && ordering === '-createdAt') await call(h.app, 'POST', '/api/shop/widgets', { user: 'dave', body: newWidget({ title: 'late', price: 3 }) });
          next = r.json.next;
        }
        assert.equal(new Set(seen).size, seen.length, `duplicates with ${ordering}`);
        const all = (await call(h.app, 'GET', '/api/shop/widgets?limit=100', { user: 'dave' })).json.items.length;
        assert.ok(seen.length === all || (ordering === '-createdAt' && seen.length === all - 1), `${ordering}: saw ${seen.length} of ${all}`);
      }
    });

    it('refuses an oversized page, a malformed cursor, a cursor for another ordering, and a forged one', async () => {
      const big = await list('limit=101');
      assert.deepEqual([big.status, big.json.code], [400, 'MR_HTTP_PAGE_SIZE_TOO_LARGE']);
      assert.equal((await list('limit=0')).status, 400);
      assert.equal((await list('cursor=%%%')).json.code, 'MR_HTTP_CURSOR_INVALID');
      const first = await list('limit=1&ordering=price');
      const cursor = new URL(first.json.next, 'http://x').searchParams.get('cursor')!;
      assert.equal((await list(`limit=1&ordering=-price&cursor=${cursor}`)).json.code, 'MR_HTTP_CURSOR_INVALID');
      const forged = Buffer.from(JSON.stringify({ o: 'price,id', v: ['1', 'not-a-uuid'] })).toString('base64url');
      const r = await list(`ordering=price&cursor=${forged}`);
      assert.equal(r.status, 400);
    });
  });

  describe(`resources: limit/offset pagination (${name})`, () => {
    let h: WidgetsHarness;
    before(async () => {
      h = await widgetsHarness({ url: await url(), resource: { pagination: limitOffsetPagination({ defaultSize: 2, maxSize: 5 }), defaultOrdering: 'price' } });
      for (let i = 1; i <= 5; i++) await call(h.app, 'POST', '/api/shop/widgets', { user: 'erin', body: newWidget({ title: `w${i}`, price: i }) });
    });
    after(() => h.close());

    it('pages with limit and offset and refuses a limit over the maximum', async () => {
      const p1 = await call(h.app, 'GET', '/api/shop/widgets', { user: 'erin' });
      assert.deepEqual(p1.json.items.map((w: { title: string }) => w.title), ['w1', 'w2']);
      const p2 = await call(h.app, 'GET', p1.json.next, { user: 'erin' });
      assert.deepEqual(p2.json.items.map((w: { title: string }) => w.title), ['w3', 'w4']);
      const p3 = await call(h.app, 'GET', p2.json.next, { user: 'erin' });
      assert.deepEqual([p3.json.items.length, p3.json.next], [1, null]);
      assert.equal((await call(h.app, 'GET', '/api/shop/widgets?limit=6', { user: 'erin' })).json.code, 'MR_HTTP_PAGE_SIZE_TOO_LARGE');
      assert.equal((await call(h.app, 'GET', '/api/shop/widgets?offset=-1', { user: 'erin' })).status, 400);
    });
  });
}
