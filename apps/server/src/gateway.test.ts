// The gateway in front of real backends on ephemeral ports: identity on PGlite and small stub services; edge auth, forwarding, breakers, health.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRuntime, loadConfig, silentLogger, type Runtime } from '@millrace/platform';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from './gateway.ts';
import { buildServer, CONTRACTS } from './server.ts';

const RESET_MS = 300;
const env = { MILLRACE_CSRF_SECRET: 'x'.repeat(43) };

interface Stub {
  readonly url: string;
  readonly hits: IncomingMessage[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A plain HTTP backend: echoes what it received, answers a 404 problem and a 500, and serves /healthz. */
async function stubBackend(): Promise<Stub> {
  const hits: IncomingMessage[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      hits.push(req);
      if (req.url?.startsWith('/api/stub/missing')) {
        return void res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 404, code: 'STUB_NOT_FOUND', detail: 'no such thing' }));
      }
      if (req.url?.startsWith('/api/stub/boom')) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('backend broke');
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], 'x-backend': 'stub' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  };
  let server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      server = createServer(handle);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
}

let rt: Runtime;
let identityApp: FastifyInstance;
let stub: Stub;
let flaky: Stub;
let gateway: FastifyInstance;

before(async () => {
  rt = await createRuntime(loadConfig({ MILLRACE_DATA_DIR: `/tmp/millrace-gateway-test-${process.pid}` }), { log: silentLogger(), contracts: CONTRACTS });
  await rt.bus.start();
  identityApp = await buildServer(rt, { env, only: 'identity' });
  await identityApp.listen({ port: 0, host: '127.0.0.1' });
  stub = await stubBackend();
  flaky = await stubBackend();
  gateway = await buildGateway({
    backends: { identity: `http://127.0.0.1:${(identityApp.server.address() as AddressInfo).port}`, stub: stub.url, flaky: flaky.url },
    env,
    breaker: { timeoutMs: 2000, resetTimeoutMs: RESET_MS, volumeThreshold: 2 },
    probeTimeoutMs: 500,
  });
});
after(async () => {
  await gateway.close();
  await stub.stop();
  await flaky.stop();
  await identityApp.close();
  await rt.close();
});

test('register, login and me through the gateway; the token is verified at the edge with identity JWKS', async () => {
  const email = `grace-${process.pid}@example.com`;
  const password = 'correct horse battery staple';
  const reg = await gateway.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password } });
  assert.equal(reg.statusCode, 201, reg.body);
  const login = await gateway.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password } });
  assert.equal(login.statusCode, 200, login.body);
  const { accessToken } = login.json() as { accessToken: string };
  const me = await gateway.inject({ url: '/api/identity/me', headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(me.statusCode, 200, me.body);
  assert.equal(me.json().email, email);
  const jwks = await gateway.inject('/.well-known/jwks.json');
  assert.equal(jwks.statusCode, 200);
  assert.ok(jwks.json().keys.length >= 1);

  // same header and signature, another subject and role: refused by the gateway, never forwarded
  const [header, payload, signature] = accessToken.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = [header, Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else', roles: ['admin'] })).toString('base64url'), signature].join('.');
  const before = stub.hits.length;
  for (const url of ['/api/identity/me', '/api/stub/echo']) {
    const r = await gateway.inject({ url, headers: { authorization: `Bearer ${forged}` } });
    assert.equal(r.statusCode, 401, r.body);
    assert.match(String(r.headers['content-type']), /application\/problem\+json/);
    assert.equal(r.headers['www-authenticate'], 'Bearer');
  }
  assert.equal(stub.hits.length, before, 'the backend never saw the forged token');
});

test('method, path, query, body and headers are forwarded; status, headers and body come back', async () => {
  const r = await gateway.inject({
    method: 'PATCH',
    url: '/api/stub/things/7?x=1&y=two',
    headers: { 'content-type': 'application/json', 'x-custom': 'kept', 'x-request-id': 'req-42' },
    payload: '{"a": 1}',
  });
  assert.equal(r.statusCode, 200, r.body);
  const seen = r.json() as { method: string; url: string; headers: Record<string, string>; body: string };
  assert.equal(seen.method, 'PATCH');
  assert.equal(seen.url, '/api/stub/things/7?x=1&y=two');
  assert.equal(seen.body, '{"a": 1}', 'the body arrives byte for byte');
  assert.equal(seen.headers['x-custom'], 'kept');
  assert.equal(seen.headers['x-request-id'], 'req-42');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(r.headers['x-backend'], 'stub');
  assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', 'the edge adds its security headers');
  const gen = (await gateway.inject('/api/stub/echo')).json() as { headers: Record<string, string> };
  assert.ok(gen.headers['x-request-id'], 'a request id is added when the client sent none');
});

test('4xx and 5xx answers of a backend pass through with their body; an unknown service is a 404 problem', async () => {
  const missing = await gateway.inject('/api/stub/missing/1');
  assert.equal(missing.statusCode, 404);
  assert.match(String(missing.headers['content-type']), /application\/problem\+json/);
  assert.equal(missing.json().code, 'STUB_NOT_FOUND');
  const bad = await gateway.inject({ method: 'POST', url: '/api/identity/register', payload: { email: 'not-an-email' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'IDENTITY_VALIDATION', "identity's own problem body");
  const boom = await gateway.inject('/api/stub/boom');
  assert.equal(boom.statusCode, 500);
  assert.equal(boom.body, 'backend broke');
  const unknown = await gateway.inject('/api/nobody/here');
  assert.equal(unknown.statusCode, 404);
  assert.match(String(unknown.headers['content-type']), /application\/problem\+json/);
  assert.equal(unknown.json().code, 'MR_BACKEND_UNKNOWN');
  const health = (await gateway.inject('/healthz')).json();
  assert.equal(health.backends.stub.breaker, 'closed', '4xx are not failures (one 500 among the calls stays under 50 %)');
});

test('a dead backend opens its breaker (503 + Retry-After, /healthz shows it); it closes again once the backend is back', async () => {
  assert.equal((await gateway.inject('/api/flaky/echo')).statusCode, 200);
  await flaky.stop();
  for (let i = 0; i < 2; i++) {
    const r = await gateway.inject('/api/flaky/echo');
    assert.equal(r.statusCode, 503, r.body);
    assert.equal(r.json().code, 'MR_BACKEND_UNAVAILABLE');
  }
  const open = await gateway.inject('/api/flaky/echo');
  assert.equal(open.statusCode, 503);
  assert.match(String(open.headers['content-type']), /application\/problem\+json/);
  assert.equal(open.json().code, 'MR_BACKEND_UNAVAILABLE');
  assert.match(open.json().detail, /circuit breaker open/);
  assert.equal(open.headers['retry-after'], '1');

  const health = await gateway.inject('/healthz');
  assert.equal(health.statusCode, 200);
  assert.equal(health.json().status, 'degraded');
  assert.deepEqual({ ...health.json().backends.flaky, latencyMs: 0 }, { url: flaky.url, reachable: false, breaker: 'open', latencyMs: 0 });
  assert.equal(health.json().backends.identity.reachable, true);
  assert.equal(health.json().backends.identity.breaker, 'closed');
  assert.equal((await gateway.inject('/readyz')).statusCode, 503);
  assert.equal((await gateway.inject('/api/stub/echo')).statusCode, 200, 'other backends are unaffected');
  const metrics = (await gateway.inject('/metrics')).body;
  assert.match(metrics, /millrace_gateway_breaker_state\{backend="flaky"\} 2/);
  assert.match(metrics, /millrace_gateway_breaker_state\{backend="stub"\} 0/);
  assert.match(metrics, /millrace_gateway_requests_total\{backend="flaky",status="unavailable"\} [1-9]/);

  await flaky.start();
  assert.equal((await gateway.inject('/api/flaky/echo')).statusCode, 503, 'still open before resetTimeout');
  await sleep(RESET_MS + 100);
  assert.equal((await gateway.inject('/healthz')).json().backends.flaky.breaker, 'halfOpen');
  assert.equal((await gateway.inject('/api/flaky/echo')).statusCode, 200, 'the trial call succeeds');
  const healed = await gateway.inject('/healthz');
  assert.equal(healed.json().status, 'ok');
  assert.equal(healed.json().backends.flaky.breaker, 'closed');
  assert.equal((await gateway.inject('/readyz')).statusCode, 200);
});

test('WebSockets at /realtime pass through the gateway to a service process, authenticated there', async () => {
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  const port = (gateway.server.address() as AddressInfo).port;
  const email = `ws-${process.pid}@example.com`;
  const password = 'correct horse battery staple';
  await gateway.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password } });
  const login = await gateway.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password } });
  const { accessToken } = login.json() as { accessToken: string };
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/realtime`, ['millrace.v1', `bearer.${accessToken}`]);
  const [welcome] = (await once(ws, 'message')) as [Buffer];
  const msg = JSON.parse(String(welcome)) as { op: string; principal: { id: string } | null };
  assert.equal(msg.op, 'welcome');
  assert.ok(msg.principal, 'the service authenticated the forwarded bearer token');
  ws.send(JSON.stringify({ op: 'ping', id: 'p1' }));
  const [pong] = (await once(ws, 'message')) as [Buffer];
  assert.deepEqual(JSON.parse(String(pong)), { op: 'pong', id: 'p1' });
  ws.close();
  // one API reference: every backend's document merged (the stubs answer an echo, which has no paths)
  const spec = (await gateway.inject('/openapi.json')).json() as { openapi: string; paths: Record<string, unknown>; 'x-missing-backends': string[] };
  assert.equal(spec.openapi, '3.1.0');
  assert.deepEqual(spec['x-missing-backends'], []);
  assert.equal((await gateway.inject('/docs')).statusCode, 200);
  // the console and the platform's own API are served through the gateway too
  const status = await gateway.inject('/api/platform/status');
  assert.equal(status.statusCode, 200, status.body);
  assert.deepEqual(status.json().services, ['identity']);
  const page = await gateway.inject({ url: '/', headers: { accept: 'text/html' } });
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /Millrace/);
  const other = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
  const [err] = (await once(other, 'error')) as [Error];
  assert.match(err.message, /404/);
});
