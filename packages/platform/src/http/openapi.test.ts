// OpenAPI 3.1 from the declared resources, served at /openapi.json, and the reference page at /docs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from './http-test-kit.ts';
import { widgetsHarness, type WidgetsHarness } from './widgets.fixture.ts';

describe('OpenAPI and docs', () => {
  let h: WidgetsHarness;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let doc: any;
  before(async () => {
    h = await widgetsHarness();
    doc = (await call(h.app, 'GET', '/openapi.json')).json;
  });
  after(() => h.close());

  it('lists every operation of the resource, custom actions included', () => {
    assert.equal(doc.openapi, '3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.keys(m as object).map((k) => `${k.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(ops, [
      'DELETE /api/shop/widgets/{id}', 'GET /api/shop/widgets', 'GET /api/shop/widgets/{id}', 'PATCH /api/shop/widgets/{id}',
      'POST /api/shop/widgets', 'POST /api/shop/widgets/archive-all', 'POST /api/shop/widgets/{id}/publish', 'PUT /api/shop/widgets/{id}',
    ]);
    assert.equal(doc.paths['/api/shop/widgets'].get.operationId, 'shop.widgets.list');
  });

  it('derives schemas from zod: read-only fields absent from inputs, write-only absent from outputs, unknown fields refused', () => {
    const { ShopWidgets: out, ShopWidgetsInput: input, ShopWidgetsPatch: patch } = doc.components.schemas;
    assert.ok(!('secretNote' in out.properties) && 'ownerId' in out.properties);
    for (const s of [input, patch]) {
      assert.ok(!('ownerId' in s.properties) && !('credit' in s.properties) && 'secretNote' in s.properties);
      assert.equal(s.additionalProperties, false);
    }
    assert.deepEqual(input.required.sort(), ['price', 'title']);
    assert.equal(patch.required, undefined);
    assert.equal(doc.components.schemas.ShopWidgetsPage.properties.items.items.$ref, '#/components/schemas/ShopWidgets');
  });

  it('documents filters, search, ordering and the page size limit as query parameters', () => {
    const names = doc.paths['/api/shop/widgets'].get.parameters.map((p: { name: string }) => p.name);
    for (const n of ['status', 'status__in', 'price__gte', 'category__isnull', 'search', 'ordering', 'limit', 'cursor']) assert.ok(names.includes(n), n);
    const limit = doc.paths['/api/shop/widgets'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    assert.equal(limit.schema.maximum, 100);
  });

  it('declares problem responses and the bearer, API key and cookie security schemes', () => {
    const create = doc.paths['/api/shop/widgets'].post;
    for (const s of ['400', '401', '403', '413', '415', '429', '500']) assert.ok(create.responses[s]?.$ref, s);
    assert.deepEqual(Object.keys(doc.components.responses.BadRequest.content), ['application/problem+json']);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer', 'cookie']);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  });

  it('serves the reference page and its assets from the package, nothing else', async () => {
    const page = await call(h.app, 'GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(page.text, /<script src="\/docs\/swagger-ui-bundle\.js"><\/script>/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'no CDN');
    assert.match(String(page.headers['content-security-policy']), /script-src|default-src 'self'/);
    const bundle = await call(h.app, 'GET', '/docs/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
    assert.ok(bundle.text.length > 100_000);
    assert.match((await call(h.app, 'GET', '/docs/init.js')).text, /openapi\.json/);
    assert.equal((await call(h.app, 'GET', '/docs/package.json')).status, 404);
    assert.equal((await call(h.app, 'GET', '/docs/..%2Fpackage.json')).status, 404);
  });
});
