// Platform errors: a few kinds, each error with a stable code that is never reused.

export type ErrorKind =
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'throttled'
  | 'unavailable'
  | 'internal';

/**
 * Base of every error Millrace raises on purpose.
 * @example throw new MillraceError('validation', 'EVENT_SCHEMA_MISMATCH', 'data.amount: expected integer')
 */
export class MillraceError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: unknown;

  constructor(kind: ErrorKind, code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MillraceError';
    this.kind = kind;
    this.code = code;
    this.details = options.details;
  }
}

export const codes = {
  configInvalid: 'MR_CONFIG_INVALID',
  eventMalformed: 'MR_EVENT_MALFORMED',
  eventUnknownType: 'MR_EVENT_UNKNOWN_TYPE',
  eventSchemaMismatch: 'MR_EVENT_SCHEMA_MISMATCH',
  deadLetterNotFound: 'MR_DEAD_LETTER_NOT_FOUND',
  deadLetterState: 'MR_DEAD_LETTER_STATE',
  subscriptionDuplicate: 'MR_SUBSCRIPTION_DUPLICATE',
  busClosed: 'MR_BUS_CLOSED',
  kafkaUnavailable: 'MR_KAFKA_UNAVAILABLE',
  contractIncompatible: 'MR_CONTRACT_INCOMPATIBLE',
} as const;
