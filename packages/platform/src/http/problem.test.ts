// Errors: one mapping from kind to status, problem+json for every failure, unknown errors logged once and never leaked.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { z } from 'zod';
import { MillraceError } from '../errors.ts';
import { createHttpApp } from './app.ts';
import { call } from './http-test-kit.ts';
import { jsonDepth } from './json-body.ts';
import { httpCodes, problemOf } from './problem.ts';
import { widgetsHarness } from './widgets.fixture.ts';

describe('problem details', () => {
  it('maps each error kind to its status, protocol codes to theirs, and carries Retry-After', () => {
    const cases: Array<[MillraceError['kind'], string, number]> = [
      ['validation', 'X', 400], ['unauthenticated', 'X', 401], ['forbidden', 'X', 403], ['not-found', 'X', 404], ['conflict', 'X', 409],
      ['throttled', 'X', 429], ['internal', 'X', 500], ['unavailable', 'X', 503],
      ['validation', httpCodes.methodNotAllowed, 405], ['validation', httpCodes.bodyTooLarge, 413], ['validation', httpCodes.unsupportedMediaType, 415],
    ];
    for (const [kind, code, status] of cases) assert.equal(problemOf(new MillraceError(kind, code, 'm')).problem.status, status, `${kind} ${code}`);
    const t = problemOf(new MillraceError('throttled', httpCodes.throttled, 'slow down', { details: { retryAfterSeconds: 2.2 } }));
    assert.equal(t.headers['retry-after'], '3');
    assert.deepEqual(Object.keys(t.problem).sort(), ['code', 'detail', 'status', 'title', 'type']);
  });

  it('measures JSON depth without parsing, ignoring brackets inside strings', () => {
    assert.equal(jsonDepth('{"a":[1,{"b":2}]}'), 3);
    assert.equal(jsonDepth('{"a":"[[[[\\"[[["}'), 1);
    assert.equal(jsonDepth('1'), 0);
  });
});

describe('the app edge', () => {
  async function app() {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    const a = await createHttpApp({ log: pino({ level: 'info' }, sink), openapi: false });
    a.get('/boom', async () => { throw new Error('secret db password in message'); });
    a.get('/gone', async () => { throw new MillraceError('not-found', 'MR_TEST_GONE', 'gone for good'); });
    a.get('/healthz', async () => ({ status: 'ok' }));
    await a.ready();
    return { a, lines };
  }

  it('turns an unknown error into one generic 500, logged once with its stack', async () => {
    const { a, lines } = await app();
    const r = await call(a, 'GET', '/boom');
    assert.equal(r.status, 500);
    assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual([r.json.code, r.json.detail], ['MR_INTERNAL', 'an unexpected error occurred']);
    assert.ok(!r.text.includes('secret') && !r.text.includes('at '), 'no message or stack reaches the client');
    const logged = lines.filter((l) => (l.err as { message?: string } | undefined)?.message === 'secret db password in message');
    assert.equal(logged.length, 1);
    assert.match(String((logged[0]!.err as { stack: string }).stack), /problem\.test\.ts/);
    await a.close();
  });

  it('answers problem+json for domain errors, unknown routes and non-JSON bodies, and keeps plain routes working', async () => {
    const { a } = await app();
    const g = await call(a, 'GET', '/gone');
    assert.deepEqual([g.status, g.json.code, g.json.detail, g.json.instance], [404, 'MR_TEST_GONE', 'gone for good', '/gone']);
    const nf = await call(a, 'DELETE', '/nowhere?x=1');
    assert.deepEqual([nf.status, nf.json.code, nf.json.type], [404, 'MR_HTTP_ROUTE_NOT_FOUND', 'urn:millrace:problem:mr_http_route_not_found']);
    assert.deepEqual((await call(a, 'GET', '/healthz')).json, { status: 'ok' });
    await a.close();
  });

  it('answers 415 for text bodies, accepts +json media types, refuses __proto__ keys', async () => {
    const a = await createHttpApp({ openapi: false });
    a.post('/echo', async (req) => req.body);
    await a.ready();
    assert.equal((await call(a, 'POST', '/echo', { raw: 'hi', headers: { 'content-type': 'text/plain' } })).status, 415);
    assert.deepEqual((await call(a, 'POST', '/echo', { raw: '{"a":1}', headers: { 'content-type': 'application/merge-patch+json' } })).json, { a: 1 });
    assert.deepEqual((await call(a, 'POST', '/echo', { raw: '{"a":1}', headers: { 'content-type': 'application/json; charset=utf-8' } })).json, { a: 1 });
    const proto = await call(a, 'POST', '/echo', { raw: '{"__proto__":{"admin":true}}' });
    assert.deepEqual([proto.status, proto.json.code], [400, 'MR_HTTP_BAD_JSON']);
    await a.close();
  });

  it('answers 503 with Retry-After when a handler exceeds its time budget', async () => {
    const h = await widgetsHarness({
      resource: {
        timeoutMs: 100,
        actions: [{ name: 'slow', on: 'collection', input: z.object({}).strict().optional(), handle: () => new Promise((r) => setTimeout(() => r({ late: true }), 400)) }],
        permissions: { default: { check: () => true } },
      },
    });
    const r = await call(h.app, 'POST', '/api/shop/widgets/slow', { user: 'alice' });
    assert.deepEqual([r.status, r.json.code, r.headers['retry-after']], [503, 'MR_HTTP_TIMEOUT', '1']);
    await new Promise((r) => setTimeout(r, 400));
    await h.close();
  });
});
