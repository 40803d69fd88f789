// The server's realtime gateway with the real identity service: a signed-in admin sees audit events live.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createRuntime, loadConfig, silentLogger, type Runtime } from '@millrace/platform';
import { RealtimeClient, type WebSocketLike } from '@millrace/platform/realtime-client';
import { waitFor } from '@millrace/platform/testing';
import WebSocket from 'ws';
import { buildServer, CONTRACTS } from './server.ts';

let rt: Runtime;
let app: Awaited<ReturnType<typeof buildServer>>;
let base: string;
const WS = WebSocket as unknown as new (url: string, protocols?: string | string[]) => WebSocketLike;

before(async () => {
  rt = await createRuntime(loadConfig({ MILLRACE_DATA_DIR: `/tmp/millrace-realtime-test-${process.pid}` }), { log: silentLogger(), contracts: CONTRACTS });
  await rt.bus.start();
  app = await buildServer(rt, { env: { IDENTITY_ARGON2_MEMORY_KIB: '19456', MILLRACE_CSRF_SECRET: 'x'.repeat(43) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await app.close();
  await rt.close();
});

async function signIn(email: string): Promise<string> {
  await app.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password: 'correct horse battery staple' } });
  const login = await app.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password: 'correct horse battery staple' } });
  assert.equal(login.statusCode, 200, login.body);
  return (login.json() as { accessToken: string }).accessToken;
}

test('an admin follows the identity audit trail live; a customer may not', async () => {
  const adminToken = await signIn(`admin-${process.pid}@example.com`); // the first account is the admin
  const customerToken = await signIn(`cust-${process.pid}@example.com`);

  const channels = await app.inject({ url: '/api/realtime/channels', headers: { authorization: `Bearer ${customerToken}` } });
  // a customer follows their own accounts, orders and notifications; the audit trail and dead letters are for staff
  const topics = (r: { json(): unknown }) => (r.json() as { items: Array<{ topic: string }> }).items.map((c) => c.topic).sort();
  const customerTopics = topics(channels);
  assert.ok(customerTopics.includes('ledger') && customerTopics.includes('orders'), customerTopics.join());
  assert.ok(!customerTopics.includes('identity') && !customerTopics.includes('millrace'), customerTopics.join());
  const adminChannels = await app.inject({ url: '/api/realtime/channels', headers: { authorization: `Bearer ${adminToken}` } });
  assert.ok(['identity', 'millrace', 'ledger', 'orders'].every((t) => topics(adminChannels).includes(t)), topics(adminChannels).join());

  const admin = new RealtimeClient({ url: `ws://${base}/realtime`, token: () => adminToken, WebSocket: WS });
  const types: string[] = [];
  let subscribed = false;
  admin.subscribe('identity', { onEvent: (e) => types.push(e.type), onSubscribed: () => void (subscribed = true) });
  const customer = new RealtimeClient({ url: `ws://${base}/realtime`, token: () => customerToken, WebSocket: WS });
  const refusals: number[] = [];
  customer.subscribe('identity', { onEvent: () => assert.fail('a customer received an audit event'), onError: (e) => refusals.push(e.status) });
  await waitFor('subscribed', () => subscribed && refusals.length === 1);
  assert.deepEqual(refusals, [403]);

  await signIn(`late-${process.pid}@example.com`);
  await waitFor('the registration pushed live', () => types.includes('identity.user-registered'));
  admin.close();
  customer.close();
});

test('forged tokens are refused with close code 4001; cookie sessions from a foreign origin with 4003', async () => {
  const forged = new WebSocket(`ws://${base}/realtime`, ['millrace.v1', 'bearer.eyJhbGciOiJub25lIn0.e30.']);
  const [code] = (await once(forged, 'close')) as [number];
  assert.equal(code, 4001);

  const email = `cookie-${process.pid}@example.com`;
  await app.inject({ method: 'POST', url: '/api/identity/register', payload: { email, password: 'correct horse battery staple' } });
  const login = await app.inject({ method: 'POST', url: '/api/identity/login', payload: { email, password: 'correct horse battery staple', mode: 'session' } });
  const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  assert.equal(login.statusCode, 200, login.body);
  const hijack = new WebSocket(`ws://${base}/realtime`, ['millrace.v1'], { headers: { cookie: cookies, origin: 'https://evil.example' } });
  const [code2] = (await once(hijack, 'close')) as [number];
  assert.equal(code2, 4003);
  const same = new WebSocket(`ws://${base}/realtime`, ['millrace.v1'], { headers: { cookie: cookies, origin: `http://${base}` } });
  const [welcome] = (await once(same, 'message')) as [Buffer];
  assert.equal(JSON.parse(String(welcome)).op, 'welcome');
  assert.ok(JSON.parse(String(welcome)).principal, 'the session cookie authenticated the connection');
  same.close();
});
