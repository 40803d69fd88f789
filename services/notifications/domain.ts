// Which order events become messages, and their text: templates rendered from the event's data, pure.

export interface Template {
  readonly name: string;
  readonly title: string;
  readonly body: string;
}

/** One template per order (and shipment) event a customer hears about. */
export const TEMPLATES: Readonly<Record<string, Template>> = Object.freeze({
  'orders.order-placed': { name: 'order-placed', title: 'Order received', body: 'We received your order {{shortId}}.' },
  'orders.order-confirmed': { name: 'order-confirmed', title: 'Order confirmed', body: 'Your order {{shortId}} is paid and confirmed.' },
  'orders.order-shipped': { name: 'order-shipped', title: 'Order shipped', body: 'Your order {{shortId}} is on its way with {{carrier}} (tracking {{trackingNumber}}).' },
  'orders.order-delivered': { name: 'order-delivered', title: 'Order delivered', body: 'Your order {{shortId}} was delivered.' },
  'orders.order-rejected': { name: 'order-rejected', title: 'Order not completed', body: 'We could not complete your order {{shortId}}: {{detail}}. You have not been charged.' },
  'orders.order-cancelled': { name: 'order-cancelled', title: 'Order cancelled', body: 'Your order {{shortId}} was cancelled. Any payment is refunded.' },
});

/**
 * Renders `{{name}}` placeholders from `vars`; unknown names render empty, values are plain text (never markup).
 * @example render('Hi {{name}}', { name: 'Ada' }) // 'Hi Ada'
 */
export function render(text: string, vars: Readonly<Record<string, unknown>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = vars[k];
    return v === undefined || v === null ? '' : String(v);
  });
}

/** The message for an order event, or null when the customer is not told about it. */
export function messageFor(type: string, data: Readonly<Record<string, unknown>>): { template: string; title: string; body: string } | null {
  const t = TEMPLATES[type];
  if (!t) return null;
  const vars = { ...data, shortId: String(data.orderId ?? '').slice(-8) };
  return { template: t.name, title: render(t.title, vars), body: render(t.body, vars) };
}

/** Retry delay of a delivery after `attempts` failures: 1 s, 2 s, 4 s ... capped at 5 minutes. */
export const retryDelayMs = (attempts: number, baseMs = 1_000): number => Math.min(300_000, baseMs * 2 ** Math.max(0, attempts - 1));
