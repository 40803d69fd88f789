// Ledger errors: stable codes, never reused; the kind decides the HTTP status at the edge.
import { MillraceError } from '@millrace/platform';

export const ledgerCodes = {
  validation: 'LEDGER_VALIDATION',
  accountNotFound: 'LEDGER_ACCOUNT_NOT_FOUND',
  transferNotFound: 'LEDGER_TRANSFER_NOT_FOUND',
  currencyMismatch: 'LEDGER_CURRENCY_MISMATCH',
  idReused: 'LEDGER_TRANSFER_ID_REUSED',
  notPending: 'LEDGER_TRANSFER_NOT_PENDING',
  notHeld: 'LEDGER_TRANSFER_NOT_HELD',
  versionConflict: 'LEDGER_VERSION_CONFLICT',
  unauthenticated: 'LEDGER_AUTHENTICATION_REQUIRED',
  badCursor: 'LEDGER_BAD_CURSOR',
  forbidden: 'LEDGER_FORBIDDEN',
  unknownRule: 'LEDGER_UNKNOWN_FRAUD_RULE',
} as const;

export const invalid = (message: string, code: string = ledgerCodes.validation) => new MillraceError('validation', code, message);
export const notFound = (code: string, message: string) => new MillraceError('not-found', code, message);
export const conflict = (code: string, message: string) => new MillraceError('conflict', code, message);
