// RFC 9457 problem details: one function maps an error's kind (or protocol code) to a status and a problem+json body.
import { MillraceError, type ErrorKind } from '../errors.ts';

/** Stable codes of the HTTP layer; never reused. Clients switch on `code`, never on `detail`. */
export const httpCodes = {
  validation: 'MR_HTTP_VALIDATION',
  badJson: 'MR_HTTP_BAD_JSON',
  jsonTooDeep: 'MR_HTTP_JSON_TOO_DEEP',
  queryInvalid: 'MR_HTTP_QUERY_INVALID',
  pageSizeTooLarge: 'MR_HTTP_PAGE_SIZE_TOO_LARGE',
  cursorInvalid: 'MR_HTTP_CURSOR_INVALID',
  badRequest: 'MR_HTTP_BAD_REQUEST',
  routeNotFound: 'MR_HTTP_ROUTE_NOT_FOUND',
  objectNotFound: 'MR_HTTP_OBJECT_NOT_FOUND',
  methodNotAllowed: 'MR_HTTP_METHOD_NOT_ALLOWED',
  unsupportedMediaType: 'MR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  bodyTooLarge: 'MR_HTTP_BODY_TOO_LARGE',
  unauthenticated: 'MR_HTTP_UNAUTHENTICATED',
  forbidden: 'MR_HTTP_FORBIDDEN',
  csrf: 'MR_HTTP_CSRF_FAILED',
  conflict: 'MR_HTTP_CONFLICT',
  throttled: 'MR_HTTP_THROTTLED',
  loginLocked: 'MR_HTTP_LOGIN_LOCKED',
  timeout: 'MR_HTTP_TIMEOUT',
  unavailable: 'MR_HTTP_UNAVAILABLE',
  internal: 'MR_INTERNAL',
} as const;

/** One field-level validation failure; `path` is dotted (`items.0.price`), empty for the body itself. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
  readonly code: string;
}

/** The RFC 9457 body Millrace answers with for every error. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
}

const kindStatus: Record<ErrorKind, number> = {
  validation: 400,
  'not-found': 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  throttled: 429,
  unavailable: 503,
  internal: 500,
};

// Protocol-level conditions have no domain kind of their own; their status follows from the code.
const codeStatus: Record<string, number> = {
  [httpCodes.methodNotAllowed]: 405,
  [httpCodes.unsupportedMediaType]: 415,
  [httpCodes.bodyTooLarge]: 413,
};

const titles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Details a MillraceError may carry that shape the answer. */
export interface ProblemDetails {
  readonly errors?: readonly FieldError[];
  /** Seconds until a retry may succeed: becomes the Retry-After header (429, 503). */
  readonly retryAfterSeconds?: number;
  /** Extra response headers (e.g. Allow for 405). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A problem plus the headers that go with it. */
export interface ProblemResponse {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
}

/**
 * DRF's exception_handler: maps a MillraceError to its status and problem+json body.
 * @example const { problem, headers } = problemOf(new MillraceError('not-found', httpCodes.objectNotFound, 'no such widget'))
 */
export function problemOf(err: MillraceError, instance?: string): ProblemResponse {
  const status = codeStatus[err.code] ?? kindStatus[err.kind];
  const details = (err.details ?? {}) as ProblemDetails;
  const headers: Record<string, string> = { ...details.headers };
  if (status === 401) headers['www-authenticate'] ??= 'Bearer';
  if (details.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(details.retryAfterSeconds)));
  const problem: Problem = {
    type: `urn:millrace:problem:${err.code.toLowerCase()}`,
    title: titles[status] ?? 'Error',
    status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(details.errors ? { errors: details.errors } : {}),
  };
  return { problem, headers };
}

/** A 400 validation error listing field-level failures. */
export function validationError(errors: readonly FieldError[], message = 'the request is invalid'): MillraceError {
  const summary = errors.length > 0 ? `${message}: ${errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ')}` : message;
  return new MillraceError('validation', httpCodes.validation, summary, { details: { errors } });
}

/** A 400 for a bad query string parameter. */
export function queryError(param: string, message: string, code: string = httpCodes.queryInvalid): MillraceError {
  return new MillraceError('validation', code, `${param}: ${message}`, { details: { errors: [{ path: param, message, code: 'invalid_query' }] } });
}

export function notFound(what = 'object'): MillraceError {
  return new MillraceError('not-found', httpCodes.objectNotFound, `${what} not found`);
}
