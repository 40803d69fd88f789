// Idempotency keys for money- and order-creating requests: a fresh one per submit, the same one only to retry an unknown outcome.

/**
 * 128 random bits as hex; `crypto.getRandomValues` also works on plain-http pages, unlike `randomUUID`.
 * @example api('/api/orders/orders', { method: 'POST', body, headers: { 'idempotency-key': newIdempotencyKey() } })
 */
export function newIdempotencyKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
