// Wallet errors: stable codes, never reused; the kind decides the HTTP status at the edge.
export const walletCodes = {
  validation: 'WALLET_VALIDATION',
  idempotencyKeyRequired: 'WALLET_IDEMPOTENCY_KEY_REQUIRED',
  accountNotFound: 'WALLET_ACCOUNT_NOT_FOUND',
  insufficientFunds: 'WALLET_INSUFFICIENT_FUNDS',
  balanceLimit: 'WALLET_BALANCE_LIMIT_EXCEEDED',
  cursorInvalid: 'WALLET_CURSOR_INVALID',
  unauthenticated: 'WALLET_AUTHENTICATION_REQUIRED',
  ledgerUnavailable: 'WALLET_LEDGER_UNAVAILABLE',
} as const;
