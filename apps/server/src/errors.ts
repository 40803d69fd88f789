// Error codes of the server app (the gateway); stable, never reused.
import { MillraceError } from '@millrace/platform';

export const gatewayCodes = {
  backendUnavailable: 'MR_BACKEND_UNAVAILABLE',
  backendUnknown: 'MR_BACKEND_UNKNOWN',
} as const;

/** 503 with Retry-After: the backend is down, slow, or its breaker is open. */
export function backendUnavailable(name: string, reason: string, retryAfterSeconds: number, cause?: unknown): MillraceError {
  return new MillraceError('unavailable', gatewayCodes.backendUnavailable, `service ${name} is unavailable: ${reason}`, {
    cause,
    details: { retryAfterSeconds },
  });
}

/** 404: no backend serves this service name. */
export function backendUnknown(name: string): MillraceError {
  return new MillraceError('not-found', gatewayCodes.backendUnknown, `no service named ${name}`);
}
