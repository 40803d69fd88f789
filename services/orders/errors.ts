// Orders errors: stable codes, never reused; the kind decides the HTTP status at the edge.
export const orderCodes = {
  validation: 'ORDERS_VALIDATION',
  notFound: 'ORDERS_NOT_FOUND',
  forbidden: 'ORDERS_FORBIDDEN',
  unauthenticated: 'ORDERS_AUTHENTICATION_REQUIRED',
  notCancellable: 'ORDERS_NOT_CANCELLABLE',
  badTransition: 'ORDERS_INVALID_TRANSITION',
  idempotencyKeyReused: 'ORDERS_IDEMPOTENCY_KEY_REUSED',
  upstreamUnavailable: 'ORDERS_UPSTREAM_UNAVAILABLE',
} as const;
