// Notifications' templates and webhook signatures. The flow through the saga (inbox, e-mail, webhooks) is tested with
// the commerce stack in apps/server/src/commerce/notifications.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signPayload, verifySignature } from './channels.ts';
import { messageFor, render } from './domain.ts';

describe('templates and signatures', () => {
  test('render fills placeholders as plain text; unknown ones are empty', () => {
    assert.equal(render('Hi {{name}}, {{missing}}!', { name: '<b>Ada</b>' }), 'Hi <b>Ada</b>, !');
    assert.deepEqual(messageFor('orders.order-shipped', { orderId: 'order-12345678', carrier: 'DHL', trackingNumber: 'JD1' }), {
      template: 'order-shipped', title: 'Order shipped', body: 'Your order 12345678 is on its way with DHL (tracking JD1).',
    });
    assert.equal(messageFor('orders.order-reserved', { orderId: 'x' }), null, 'internal saga steps are not told');
  });

  test('a webhook signature verifies with its secret only, within the tolerance', () => {
    const h = signPayload('s3cret', '{"a":1}', 1_700_000_000);
    assert.ok(verifySignature('s3cret', h, '{"a":1}', 1_700_000_010));
    assert.ok(!verifySignature('other', h, '{"a":1}', 1_700_000_010));
    assert.ok(!verifySignature('s3cret', h, '{"a":2}', 1_700_000_010));
    assert.ok(!verifySignature('s3cret', h, '{"a":1}', 1_700_001_000), 'too old: a replay');
  });
});
