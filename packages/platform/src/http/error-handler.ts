// The edge of the request pipeline: every error, unknown route and wrong method answers RFC 9457 problem+json.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MillraceError } from '../errors.ts';
import { httpCodes, problemOf } from './problem.ts';

const fastifyCodes: Record<string, { kind: MillraceError['kind']; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { kind: 'validation', code: httpCodes.bodyTooLarge },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { kind: 'validation', code: httpCodes.unsupportedMediaType },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { kind: 'validation', code: httpCodes.badRequest },
  FST_ERR_CTP_EMPTY_JSON_BODY: { kind: 'validation', code: httpCodes.badJson },
  FST_ERR_CTP_INVALID_JSON_BODY: { kind: 'validation', code: httpCodes.badJson },
};

// PostgreSQL SQLSTATEs a client can cause (or should retry), so they are not 500s.
const sqlStates: Record<string, { kind: MillraceError['kind']; code: string; message: string }> = {
  '23505': { kind: 'conflict', code: httpCodes.conflict, message: 'a conflicting object already exists' },
  '23503': { kind: 'conflict', code: httpCodes.conflict, message: 'a referenced object does not exist' },
  // data exceptions: a client value (e.g. a forged cursor) that does not fit its column
  '22P02': { kind: 'validation', code: httpCodes.badRequest, message: 'a value does not fit its field' },
  '22007': { kind: 'validation', code: httpCodes.badRequest, message: 'a value does not fit its field' },
  '22008': { kind: 'validation', code: httpCodes.badRequest, message: 'a value does not fit its field' },
  '22003': { kind: 'validation', code: httpCodes.badRequest, message: 'a number is out of range' },
  '22001': { kind: 'validation', code: httpCodes.badRequest, message: 'a value is too long' },
  '57014': { kind: 'unavailable', code: httpCodes.timeout, message: 'the request took too long' },
  '40001': { kind: 'unavailable', code: httpCodes.unavailable, message: 'too much contention, retry' },
  '40P01': { kind: 'unavailable', code: httpCodes.unavailable, message: 'too much contention, retry' },
};

/**
 * Turns any thrown value into a MillraceError; null when it is unknown (a bug: 500).
 * @example toMillraceError(err) ?? internal
 */
export function toMillraceError(err: unknown): MillraceError | null {
  if (err instanceof MillraceError) return err;
  const e = err as Partial<FastifyError> & { code?: string };
  if (e && typeof e.code === 'string') {
    const known = fastifyCodes[e.code];
    if (known) return new MillraceError(known.kind, known.code, e.message ?? known.code, { cause: err });
    const sqlState = sqlStates[e.code];
    if (sqlState) return new MillraceError(sqlState.kind, sqlState.code, sqlState.message, { cause: err, details: sqlState.kind === 'unavailable' ? { retryAfterSeconds: 1 } : {} });
  }
  // Other Fastify client errors (4xx) are the client's fault, with a safe message.
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    return new MillraceError('validation', httpCodes.badRequest, e.message ?? 'bad request', { cause: err });
  }
  return null;
}

/** Sends a MillraceError as problem+json. */
export function sendProblem(reply: FastifyReply, err: MillraceError): FastifyReply {
  const { problem, headers } = problemOf(err, reply.request.url.split('?')[0]);
  return reply.code(problem.status).headers(headers).type('application/problem+json').send(problem);
}

/** Installs the error handler and the not-found handler on `app` (root scope: applies to every route). */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const known = toMillraceError(err);
    if (known) return sendProblem(reply, known);
    // logged here, once, with its stack; the client gets no detail
    req.log.error({ err }, 'unhandled error');
    return sendProblem(reply, new MillraceError('internal', httpCodes.internal, 'an unexpected error occurred'));
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, new MillraceError('not-found', httpCodes.routeNotFound, `no route for ${req.method} ${req.url.split('?')[0]}`)),
  );
}

/** A handler answering 405 with the Allow header, for the methods a path does not serve. */
export function methodNotAllowed(allowed: readonly string[]) {
  return async (req: FastifyRequest, reply: FastifyReply) =>
    sendProblem(
      reply,
      new MillraceError('validation', httpCodes.methodNotAllowed, `${req.method} is not allowed here`, { details: { headers: { allow: allowed.join(', ') } } }),
    );
}
