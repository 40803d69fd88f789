import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from './config.ts';

test('defaults to the embedded mode', () => {
  const c = loadConfig({});
  assert.equal(c.mode, 'embedded');
  assert.equal(c.port, 3000);
  assert.equal(c.kafkaBrokers, undefined);
});

test('DATABASE_URL and KAFKA_BROKERS select the distributed mode', () => {
  const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d', KAFKA_BROKERS: 'a:9092, b:9092' });
  assert.equal(c.mode, 'distributed');
  assert.deepEqual(c.kafkaBrokers, ['a:9092', 'b:9092']);
});

test('bad values fail fast with every problem named', () => {
  assert.throws(() => loadConfig({ MILLRACE_PORT: 'http', LOG_LEVEL: 'loud' }), (err: Error) => /MILLRACE_PORT/.test(err.message) && /LOG_LEVEL/.test(err.message));
});

test('MILLRACE_SERVICE runs one service; MILLRACE_GATEWAY_BACKENDS runs the gateway; not both', () => {
  assert.equal(loadConfig({}).role, 'all');
  const one = loadConfig({ MILLRACE_SERVICE: 'identity' });
  assert.equal(one.role, 'service');
  assert.equal(one.service, 'identity');
  const gw = loadConfig({ MILLRACE_GATEWAY_BACKENDS: 'identity=http://127.0.0.1:3101/, orders=http://10.0.0.7:3102' });
  assert.equal(gw.role, 'gateway');
  assert.deepEqual(gw.gatewayBackends, { identity: 'http://127.0.0.1:3101', orders: 'http://10.0.0.7:3102' });
  assert.throws(() => loadConfig({ MILLRACE_GATEWAY_BACKENDS: 'identity' }), /MILLRACE_GATEWAY_BACKENDS/);
  assert.throws(() => loadConfig({ MILLRACE_SERVICE: 'identity', MILLRACE_GATEWAY_BACKENDS: 'identity=http://x:1' }), /not both/);
});
