// Property-based fuzzing (suite) of every widgets endpoint with random and hostile bodies, queries and headers: never a 5xx, never a partial write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { CSRF_SECRET, widgetsHarness, type WidgetsHarness } from './widgets.fixture.ts';
import { issueCsrfToken } from './csrf.ts';

const fieldNames = ['title', 'price', 'status', 'body', 'category', 'secretNote', 'ownerId', 'credit', 'id', 'createdAt', 'role', '__proto__', 'constructor', 'toString'];
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom("' or 1=1 --", '%', '_', '\\', '%_\\%', '\u0000', 'NaN', '-1', '1e309', '9'.repeat(30), '<script>alert(1)</script>', 'a,b,c', '2026-13-45T99:99:99Z', ''),
);
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.integer(), fc.double(), fc.constant(null));
const hostileObject = fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.string({ maxLength: 8 })), jsonish, { maxKeys: 6 });
const validish = fc.record({ title: fc.string({ minLength: 1, maxLength: 30 }), price: fc.integer({ min: 0, max: 10_000 }) }, { requiredKeys: [] });
const validFor: Record<string, fc.Arbitrary<unknown>> = {
  create: fc.record({ title: fc.string({ minLength: 1, maxLength: 30 }), price: fc.integer({ min: 0, max: 10_000 }) }),
  update: fc.record({ title: fc.string({ minLength: 1, maxLength: 30 }), price: fc.integer({ min: 0, max: 10_000 }), status: fc.constantFrom('draft', 'active') }, { requiredKeys: ['title', 'price'] }),
  partialUpdate: validish,
  publish: fc.constant({}),
  'archive-all': fc.record({ status: fc.constantFrom('draft', 'active') }),
};
const bodyFor = (endpoint: string) => fc.oneof({ arbitrary: validFor[endpoint] ?? validish, weight: 6 }, { arbitrary: body, weight: 5 });
const body = fc.oneof(
  { arbitrary: hostileObject, weight: 3 },
  { arbitrary: validish.map((v) => JSON.stringify(v)), weight: 1 },
  { arbitrary: jsonish, weight: 1 },
  { arbitrary: fc.string().map((s) => ({ __raw: `{"title":${s}` })), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 80 }).map((n) => ({ __raw: '['.repeat(n) + ']'.repeat(n) })), weight: 1 },
);
const queryKeys = ['status', 'status__in', 'price', 'price__gte', 'price__lt', 'category__isnull', 'createdAt__gte', 'search', 'ordering', 'limit', 'cursor', 'offset', 'title', 'ownerId'];
const query = fc.dictionary(fc.oneof(fc.constantFrom(...queryKeys), fc.string({ maxLength: 6 })), fc.oneof(hostileString, fc.constantFrom('-createdAt,id', 'price', '-price,title', 'active,draft', 'true', '100', '101', '0')), { maxKeys: 4 });
// weighted towards requests that can succeed, so accepted writes are exercised as much as rejected ones
const w = <T>(common: readonly T[], rare: readonly T[]) => fc.oneof({ arbitrary: fc.constantFrom(...common), weight: 3 }, { arbitrary: fc.constantFrom(...rare), weight: 1 });
const headers = fc.record({
  user: w(['alice', 'root:admin'], ['bob', '!', '', 'x:suspended', undefined]),
  contentType: w(['application/json', 'application/json; charset=utf-8'], ['text/plain', 'application/x-www-form-urlencoded', 'application/problem+json', 'multipart/form-data; boundary=x', undefined]),
  cookie: w([undefined], ['test_session=alice', 'test_session=bob; millrace_csrf=a.b', 'garbage=;;;']),
  csrf: fc.constantFrom(undefined, 'a.b', 'valid'),
});

export function fuzzSuite(name: string, url: () => Promise<string | undefined>, runs: number): void {
describe(`fuzzing the widgets endpoints (${name})`, () => {
  let h: WidgetsHarness;
  before(async () => {
    h = await widgetsHarness({ url: await url() });
  });
  after(() => h.close());

  async function someIds(): Promise<string[]> {
    // drafts owned by alice first, so updates, publishing and archiving can succeed
    const { rows } = await sql<{ id: string }>`select id from shop.widgets where status = 'draft' and owner_id = 'alice' order by created_at limit 3`.execute(h.db.kysely);
    if (rows.length > 0) return rows.map((r) => r.id);
    await h.app.inject({ method: 'POST', url: '/api/shop/widgets', headers: { 'x-test-user': 'alice', 'content-type': 'application/json' }, payload: '{"title":"seed","price":1}' });
    return someIds();
  }

    const endpoints: Array<[string, string, (id: string) => string]> = [
    ['GET', 'list', () => '/api/shop/widgets'],
    ['GET', 'retrieve', (id) => `/api/shop/widgets/${id}`],
    ['POST', 'create', () => '/api/shop/widgets'],
    ['PUT', 'update', (id) => `/api/shop/widgets/${id}`],
    ['PATCH', 'partialUpdate', (id) => `/api/shop/widgets/${id}`],
    ['DELETE', 'destroy', (id) => `/api/shop/widgets/${id}`],
    ['POST', 'publish', (id) => `/api/shop/widgets/${id}/publish`],
    ['POST', 'archive-all', () => '/api/shop/widgets/archive-all'],
  ];

  for (const [method, name, path] of endpoints) {
    it(`${method} ${name}: never 5xx, rejected requests change nothing, accepted writes publish exactly their events`, async () => {
      const seen = { accepted: 0, rejected: 0 };
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 12 })), { freq: 3 }), query, bodyFor(name), headers, async (pick, randomId, q, b, hd) => {
          const ids = await someIds();
          const id = randomId ?? ids[pick % ids.length]!;
          const qs = new URLSearchParams(q as Record<string, string>).toString();
          const hs: Record<string, string> = {};
          if (hd.user !== undefined) hs['x-test-user'] = hd.user;
          if (hd.cookie) hs.cookie = hd.cookie;
          if (hd.csrf) hs['x-csrf-token'] = hd.csrf === 'valid' ? issueCsrfToken(CSRF_SECRET) : hd.csrf;
          const sendsBody = method !== 'GET' && method !== 'DELETE';
          if (sendsBody && hd.contentType) hs['content-type'] = hd.contentType;
          const payload = typeof b === 'object' && b !== null && '__raw' in b ? String((b as { __raw: string }).__raw) : typeof b === 'string' ? b : JSON.stringify(b);
          const before = await h.counts();
          const res = await h.app.inject({ method: method as 'GET', url: `${path(encodeURIComponent(id))}${qs ? `?${qs}` : ''}`, headers: hs, ...(sendsBody ? { payload } : {}) });
          const after = await h.counts();
          assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
          seen[res.statusCode < 400 ? 'accepted' : 'rejected']++;
          if (res.statusCode >= 400) {
            assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
            assert.deepEqual(after, before, `${res.statusCode} ${res.body} changed state`);
          } else if (method === 'GET') {
            assert.deepEqual(after, before);
          } else if (name === 'create') {
            assert.deepEqual(after, { widgets: before.widgets + 1, outbox: before.outbox + 1 });
          } else if (name === 'destroy') {
            assert.deepEqual(after, { widgets: before.widgets - 1, outbox: before.outbox + 1 });
          } else if (name === 'archive-all') {
            assert.deepEqual(after, before);
          } else {
            assert.deepEqual(after, { widgets: before.widgets, outbox: before.outbox + 1 });
          }
        }),
        { numRuns: runs, seed: 20261122 },
      );
      assert.ok(seen.accepted >= runs / 25 && seen.rejected >= runs / 25, `both outcomes exercised: ${JSON.stringify(seen)}`);
    });
  }
});
}
