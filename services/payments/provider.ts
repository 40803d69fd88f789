// The payment provider port: authorize, capture, refund, each idempotent by a caller-chosen key (as real providers are).
import { MillraceError } from '@millrace/platform';
import { paymentCodes } from './errors.ts';

export interface AuthorizeRequest {
  /** Same key, same outcome: a retried call never authorizes twice. */
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
}

export type AuthorizeResult = { readonly status: 'authorized'; readonly authorizationId: string } | { readonly status: 'declined'; readonly reason: string };

export interface CaptureRequest {
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly authorizationId: string;
  readonly amount: number;
}

export interface RefundRequest {
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly captureId: string;
  readonly amount: number;
}

/**
 * What a payment provider must offer. Calls throw `ProviderUnavailable` when the outcome is unknown (timeout, outage):
 * the caller retries with the same key.
 * @example const r = await provider.authorize({ idempotencyKey: `auth:${orderId}`, reference: orderId, amount: 1999, currency: 'EUR' })
 */
export interface PaymentProvider {
  readonly name: string;
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(request: CaptureRequest): Promise<{ readonly captureId: string }>;
  refund(request: RefundRequest): Promise<{ readonly refundId: string }>;
}

export const providerUnavailable = (message: string, cause?: unknown) =>
  new MillraceError('unavailable', paymentCodes.providerUnavailable, message, cause === undefined ? {} : { cause });

export function isProviderUnavailable(err: unknown): boolean {
  return err instanceof MillraceError && err.code === paymentCodes.providerUnavailable;
}
