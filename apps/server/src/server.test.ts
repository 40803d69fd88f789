// The embedded server end to end through fastify.inject(): health, readiness, status, identity mounted, problem+json.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRuntime, loadConfig, silentLogger, type Runtime } from '@millrace/platform';
import { buildServer, CONTRACTS } from './server.ts';

let rt: Runtime;
let app: Awaited<ReturnType<typeof buildServer>>;

before(async () => {
  rt = await createRuntime(loadConfig({ MILLRACE_DATA_DIR: `/tmp/millrace-server-test-${process.pid}` }), { log: silentLogger(), contracts: CONTRACTS });
  await rt.bus.start();
  app = await buildServer(rt, { env: { IDENTITY_ARGON2_MEMORY_KIB: '19456', MILLRACE_CSRF_SECRET: 'x'.repeat(43) } });
});
after(async () => {
  await app.close();
  await rt.close();
});

test('health, readiness, metrics and the platform status answer', async () => {
  assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' });
  const ready = await app.inject('/readyz');
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().checks.database.ok, true);
  const metrics = await app.inject('/metrics');
  assert.match(metrics.body, /millrace_events_produced_total/);
  const status = await app.inject('/api/platform/status');
  assert.equal(status.statusCode, 200);
  const { startedAt, ...facts } = status.json() as { startedAt: string };
  assert.deepEqual(facts, {
    mode: 'embedded',
    database: { kind: 'pglite', path: `/tmp/millrace-server-test-${process.pid}/pglite` },
    eventLog: { driver: 'log' },
    services: ['identity', 'ledger', 'wallet', 'catalog', 'orders', 'payments', 'notifications'],
  });
  assert.ok(Date.parse(startedAt) <= Date.now());
});

test('identity is mounted: register, login, me; its audit events reach the log', async () => {
  const email = `ada-${process.pid}@example.com`;
  const reg = await app.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password: 'correct horse battery staple' } });
  assert.equal(reg.statusCode, 201, reg.body);
  const login = await app.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password: 'correct horse battery staple' } });
  assert.equal(login.statusCode, 200, login.body);
  const { accessToken } = login.json() as { accessToken: string };
  const me = await app.inject({ url: '/api/identity/me', headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().email, email);
  const lag = await rt.bus.lag('nobody-yet', ['identity']);
  assert.ok(lag[0]!.lag >= 2, 'user-registered and login-succeeded are in the log');
});

test('unknown routes and bad bodies get RFC 9457 problems', async () => {
  const missing = await app.inject('/nope');
  assert.equal(missing.statusCode, 404);
  assert.match(String(missing.headers['content-type']), /application\/problem\+json/);
  const bad = await app.inject({ method: 'POST', url: '/api/identity/register', payload: { email: 'not-an-email' } });
  assert.equal(bad.statusCode, 400);
  assert.match(String(bad.headers['content-type']), /application\/problem\+json/);
  const spec = await app.inject('/openapi.json');
  assert.equal(spec.statusCode, 200);
  assert.equal(spec.json().openapi.startsWith('3.1'), true);
});

test('a console session authenticates safe requests by its cookie alone; unsafe ones still need the CSRF header', async () => {
  const email = `grace-${process.pid}@example.com`;
  await app.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password: 'correct horse battery staple' } });
  const login = await app.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password: 'correct horse battery staple', mode: 'session' } });
  assert.equal(login.statusCode, 200, login.body);
  const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  // a browser navigation or asset request cannot carry a custom header
  const me = await app.inject({ url: '/api/identity/me', headers: { cookie } });
  assert.equal(me.statusCode, 200, me.body);
  assert.equal(me.json().email, email);
  assert.equal((await app.inject({ url: '/readyz', headers: { cookie } })).statusCode, 200);
  const forged = await app.inject({ method: 'PUT', url: `/api/identity/users/${me.json().id}/role`, headers: { cookie }, payload: { role: 'admin' } });
  assert.equal(forged.statusCode, 403);
});
