// CSRF: signed double-submit tokens (cookie + x-csrf-token header, HMAC with a server secret) for cookie-authenticated writes.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MillraceError } from '../errors.ts';
import { needsAppCsrf } from './context.ts';
import { httpCodes } from './problem.ts';

export const CSRF_COOKIE = 'millrace_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  /** At least 32 bytes of secret; tokens signed with it cannot be forged by a site that can plant cookies. */
  secret: string;
  /** The session cookie; when present the token is bound to it (a token from another session fails). */
  sessionCookie?: string;
  /** Mark the cookie Secure (default true; false only for plain-http development). */
  secure?: boolean;
  /** Path of the route that hands out a token (default /api/csrf-token). */
  path?: string;
}

const sign = (secret: string, nonce: string, session: string) => createHmac('sha256', secret).update(`${session.length}!${session}!${nonce}`).digest('base64url');

/** A fresh token: `<nonce>.<hmac(session, nonce)>`. */
export function issueCsrfToken(secret: string, session = ''): string {
  const nonce = randomBytes(18).toString('base64url');
  return `${nonce}.${sign(secret, nonce, session)}`;
}

/** True when `token` was signed by `secret` for `session`. */
export function verifyCsrfToken(secret: string, token: string, session = ''): boolean {
  const [nonce, mac, ...rest] = token.split('.');
  if (!nonce || !mac || rest.length > 0) return false;
  const want = Buffer.from(sign(secret, nonce, session));
  const got = Buffer.from(mac);
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * Whether a request needs a CSRF token: an unsafe method carrying cookies but no Authorization / X-Api-Key header.
 * Browsers attach cookies cross-site by themselves, but never custom headers without a CORS preflight we refuse.
 */
export function needsCsrf(req: FastifyRequest): boolean {
  if (SAFE.has(req.method)) return false;
  if (req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined) return false;
  return typeof req.headers.cookie === 'string' && req.headers.cookie.length > 0;
}

/**
 * Requires a valid token (cookie equal to header, signature valid) on cookie-authenticated unsafe requests (403 otherwise;
 * requests authenticated by an authenticator that `verifiesCsrf` itself, and anonymous ones, are left alone),
 * and serves `GET /api/csrf-token`, which sets the cookie (SameSite=Strict, readable by the page's script) and returns the token.
 * Needs @fastify/cookie registered first.
 */
export function installCsrf(app: FastifyInstance, options: CsrfOptions): void {
  if (Buffer.byteLength(options.secret) < 32) throw new Error('csrfSecret must be at least 32 bytes');
  const session = (req: FastifyRequest) => (options.sessionCookie ? req.cookies[options.sessionCookie] ?? '' : '');
  app.addHook('onRequest', async (req) => {
    if (!needsCsrf(req) || !needsAppCsrf(req)) return;
    const header = req.headers[CSRF_HEADER];
    const cookie = req.cookies[CSRF_COOKIE];
    const ok = typeof header === 'string' && typeof cookie === 'string' && header === cookie && verifyCsrfToken(options.secret, header, session(req));
    if (!ok) throw new MillraceError('forbidden', httpCodes.csrf, `a cookie-authenticated ${req.method} needs a valid ${CSRF_HEADER} header`);
  });
  app.get(options.path ?? '/api/csrf-token', async (req, reply) => {
    const token = issueCsrfToken(options.secret, session(req));
    reply.setCookie(CSRF_COOKIE, token, { path: '/', sameSite: 'strict', secure: options.secure ?? true, httpOnly: false });
    return { token };
  });
}
