// The request context every policy decides on: who calls (authenticated once per request), from where, for which action.
import type { FastifyRequest } from 'fastify';
import { MillraceError } from '../errors.ts';
import type { Authenticator, Principal } from './principal.ts';
import { httpCodes } from './problem.ts';

/** What permissions, throttles and hooks see of a request. */
export interface RequestContext {
  readonly principal: Principal | null;
  /** The action being performed: list, retrieve, create, update, partialUpdate, destroy, or a custom action's name. */
  readonly action: string;
  readonly ip: string;
  readonly method: string;
  readonly headers: FastifyRequest['headers'];
  readonly now: Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null; set by the app's authentication hook. */
    principal: Principal | null;
  }
}

/**
 * Runs the authenticators in order; the first that recognizes credentials wins. Bad credentials throw 401.
 * @example const principal = await authenticate([jwtAuth, apiKeyAuth], req)
 */
export async function authenticate(authenticators: readonly Authenticator[], req: FastifyRequest): Promise<Principal | null> {
  for (const a of authenticators) {
    let p: Principal | null;
    try {
      p = await a.authenticate({ headers: req.headers, cookies: (req as { cookies?: Record<string, string | undefined> }).cookies ?? {}, method: req.method });
    } catch (err) {
      if (err instanceof MillraceError) throw err;
      throw new MillraceError('unauthenticated', httpCodes.unauthenticated, 'credentials could not be verified', { cause: err });
    }
    if (p) {
      if (a.verifiesCsrf) csrfVerified.add(req);
      return p;
    }
  }
  return null;
}

const csrfVerified = new WeakSet<FastifyRequest>();

/**
 * Whether `req` still needs the app's CSRF check: it carries a principal that came from cookies, through an
 * authenticator that did not check a CSRF token itself. Anonymous requests have nothing to forge.
 */
export function needsAppCsrf(req: FastifyRequest): boolean {
  return req.principal !== null && !csrfVerified.has(req);
}

/** Builds the context of one request for one action. */
export function contextOf(req: FastifyRequest, action: string, now: Date): RequestContext {
  return { principal: req.principal, action, ip: req.ip, method: req.method, headers: req.headers, now };
}
