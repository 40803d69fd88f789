// Security headers on every response: CSP, nosniff, referrer policy, no framing, HSTS when served over https.
import type { FastifyInstance } from 'fastify';

export interface SecurityHeadersOptions {
  /** Content-Security-Policy; default `default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`. */
  csp?: string;
  /** HSTS max-age in seconds, sent only on https requests (set Fastify's trustProxy behind a TLS proxy). Default one year. */
  hstsMaxAge?: number;
}

export const DEFAULT_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Adds the headers in an onSend hook; a route may set its own Content-Security-Policy first (the docs page does).
 * @example installSecurityHeaders(app, {})
 */
export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeadersOptions = {}): void {
  const csp = options.csp ?? DEFAULT_CSP;
  const hsts = `max-age=${options.hstsMaxAge ?? 31_536_000}; includeSubDomains`;
  app.addHook('onSend', async (req, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (req.protocol === 'https') reply.header('strict-transport-security', hsts);
    return payload;
  });
}
