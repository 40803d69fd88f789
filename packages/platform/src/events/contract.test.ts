import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { EventRegistry, defineContract } from './contract.ts';
import { envelopeFactory, topicOf } from './envelope.ts';

const contract = defineContract({
  source: 'orders',
  events: { 'orders.order-placed': { 1: z.object({ total: z.number().int() }), 2: z.object({ total: z.number().int(), currency: z.string() }) } },
});
const registry = new EventRegistry([contract]);
const make = envelopeFactory({ source: 'orders', now: () => new Date('2026-01-02T03:04:05.000Z'), newId: () => '0190a0b0-0000-7000-8000-000000000001' });

test('envelopes carry CloudEvents-style attributes and the family topic', () => {
  const { topic, envelope } = make({ type: 'orders.order-placed', key: 'o-1', data: { total: 5 } });
  assert.equal(topic, 'orders');
  assert.deepEqual(envelope, { id: '0190a0b0-0000-7000-8000-000000000001', type: 'orders.order-placed', version: 1, source: 'orders', key: 'o-1', time: '2026-01-02T03:04:05.000Z', data: { total: 5 } });
  assert.equal(topicOf('wallet.transfers.transfer-posted'), 'wallet.transfers');
});

test('decode accepts each registered version and rejects with a precise code', () => {
  const v2 = make({ type: 'orders.order-placed', version: 2, key: 'o-1', data: { total: 5, currency: 'EUR' } }).envelope;
  assert.deepEqual(registry.decode(JSON.stringify(v2)).data, { total: 5, currency: 'EUR' });
  const code = (raw: string) => {
    try {
      registry.decode(raw);
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  assert.equal(code('{oops'), 'MR_EVENT_MALFORMED');
  assert.equal(code(JSON.stringify({ ...v2, id: 'not-a-uuid' })), 'MR_EVENT_MALFORMED');
  assert.equal(code(JSON.stringify({ ...v2, version: 3 })), 'MR_EVENT_UNKNOWN_TYPE');
  assert.equal(code(JSON.stringify({ ...v2, data: { total: 'five', currency: 'EUR' } })), 'MR_EVENT_SCHEMA_MISMATCH');
  assert.throws(() => registry.check('orders.order-placed', 1, { total: 1.5 }), /orders.order-placed v1: total/);
});
