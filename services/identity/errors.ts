// Identity errors: stable codes, never reused; the kind decides the HTTP status at the edge.
import { MillraceError } from '@millrace/platform';

export const identityCodes = {
  emailTaken: 'IDENTITY_EMAIL_TAKEN',
  invalidCredentials: 'IDENTITY_INVALID_CREDENTIALS',
  loginLocked: 'IDENTITY_LOGIN_LOCKED',
  tokenMissing: 'IDENTITY_AUTHENTICATION_REQUIRED',
  tokenInvalid: 'IDENTITY_TOKEN_INVALID',
  tokenExpired: 'IDENTITY_TOKEN_EXPIRED',
  refreshInvalid: 'IDENTITY_REFRESH_TOKEN_INVALID',
  refreshReused: 'IDENTITY_REFRESH_TOKEN_REUSED',
  apiKeyInvalid: 'IDENTITY_API_KEY_INVALID',
  apiKeyNotFound: 'IDENTITY_API_KEY_NOT_FOUND',
  sessionInvalid: 'IDENTITY_SESSION_INVALID',
  csrfMismatch: 'IDENTITY_CSRF_MISMATCH',
  forbidden: 'IDENTITY_FORBIDDEN',
  userNotFound: 'IDENTITY_USER_NOT_FOUND',
  lastAdmin: 'IDENTITY_LAST_ADMIN',
  validation: 'IDENTITY_VALIDATION',
  keyNotPublishedLongEnough: 'IDENTITY_KEY_NOT_PUBLISHED_LONG_ENOUGH',
  keyDecryptFailed: 'IDENTITY_KEY_DECRYPT_FAILED',
} as const;

export const unauthenticated = (code: string, message: string, cause?: unknown) =>
  new MillraceError('unauthenticated', code, message, cause === undefined ? {} : { cause });
