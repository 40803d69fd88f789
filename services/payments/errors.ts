// Payments errors: stable codes, never reused; the kind decides the HTTP status at the edge.
export const paymentCodes = {
  validation: 'PAYMENTS_VALIDATION',
  notFound: 'PAYMENTS_NOT_FOUND',
  forbidden: 'PAYMENTS_FORBIDDEN',
  unauthenticated: 'PAYMENTS_AUTHENTICATION_REQUIRED',
  providerUnavailable: 'PAYMENTS_PROVIDER_UNAVAILABLE',
  declined: 'PAYMENTS_DECLINED',
} as const;
